"""The crawler against a local site on 127.0.0.1 (tests/site_server.py); no other address is used."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import fields

import pytest

from conftest import BOILERPLATE, ROOT, needs_shared
from corpus import crawl_queue, store
from corpus.article import Page
from corpus.crawl import (FoundLinks, UnsafeXML, crawl, find_links, pager_pages, parse_feed,
                          parse_sitemap, parse_xml)
from corpus.fetch import FetchError, FetchSettings, Refused, _retry_after, check_url, fetch, is_binary
from corpus.urls import article_id, canonical_url
from corpus.sites import SiteConfig, SiteConfigError, load_sites, parse_sites, site_for
from site_server import SITE, SiteServer

FAST = FetchSettings(delay=0, timeout=0.3, retries=1, backoff=0.01, allow_private=True)
SEEDS = ("/news/", "/sitemap.xml", "/feed.xml", "/trs/index.shtml")
# Every article page of the fixture site reachable from SEEDS, and the ones that must fail.
ARTICLES = {
    "/news/t20240101_1001.html", "/news/t20240102_1002.html", "/news/t20240103_1003.html",
    "/news/t20240104_1004.html", "/news/t20240105_1005.html", "/news/t20240107_1007.html",
    "/news/t20240109_500.html", "/news/t20240113_1013.html", "/news/t20240114_1014.html",
    "/trs/202402/t20240201_2001.shtml", "/trs/202402/t20240202_2002.shtml",
    "/trs/202402/t20240203_2003.shtml",
}
FAILURES = {
    "/private/t20240106_1006.html": "disallowed by robots.txt",
    "/news/t20240108_404.html": "HTTP 404",
    "/news/t20240110_bin.html": "binary body",
    "/news/t20240111_slow.html": "timed out",
    "/news/t20240112_loop.html": "redirect loop",
    "/news/t20240115_big.html": "response over 10 MB",
}


@pytest.fixture
def site():
    with SiteServer(slow_seconds=0.6) as server:
        yield server


class Recorder:
    """An on_article callback that remembers what it was given (stands in for clean → store)."""

    def __init__(self):
        self.pages = []

    def __call__(self, page, aid):
        self.pages.append((page, aid))
        return aid

    def paths(self, site):
        return [p.url.removeprefix(site.base) for p, _ in self.pages]


def run_crawl(db, site, seeds=SEEDS, **kwargs):
    recorder = Recorder()
    stats = crawl(db, [site.url(s) for s in seeds], recorder, kwargs.pop("settings", FAST), **kwargs)
    return stats, recorder


# --- URLs, links, XML, config ------------------------------------------------------------------

# fmt: off
CANONICAL = [
    ("HTTP://Www.Gov.CN:80/a/./b/../c.html#frag",        "http://www.gov.cn/a/c.html"),
    ("https://x.cn:443/p?b=2&a=1&utm_source=wx",         "https://x.cn/p?a=1&b=2"),
    ("http://x.cn",                                      "http://x.cn/"),
    ("http://x.cn:8080/新闻/列表.html",                   "http://x.cn:8080/%E6%96%B0%E9%97%BB/%E5%88%97%E8%A1%A8.html"),
    ("http://x.cn/%E6%96%B0%E9%97%BB/a b.html",          "http://x.cn/%E6%96%B0%E9%97%BB/a%20b.html"),
    ("http://x.cn/a/../../b.html",                       "http://x.cn/b.html"),
]
# fmt: on


@pytest.mark.parametrize("url, expected", CANONICAL)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


def test_canonical_url_relative():
    assert canonical_url("../b/t1.html", base="http://x.cn/a/c/index.html") == "http://x.cn/a/b/t1.html"


def test_article_id_is_stable_per_page():
    assert article_id("http://x.cn/a.html#top") == article_id("HTTP://X.CN/a.html")
    assert article_id("http://x.cn/a.html") != article_id("http://x.cn/b.html")
    assert article_id("http://x.cn/a.html").startswith("x.cn-")


@pytest.mark.parametrize("url", ["ftp://x.cn/a", "file:///etc/passwd", "http://127.0.0.1/",
                                 "http://10.1.2.3/", "http://169.254.169.254/latest/", "http://[::1]/",
                                 "http://192.168.0.1/", "http://0.0.0.0/"])
def test_check_url_refuses(url):
    with pytest.raises(Refused):
        check_url(url)


def test_check_url_allows_private_when_told():
    assert check_url("http://127.0.0.1:8080/x", allow_private=True) == ("127.0.0.1", 8080, "127.0.0.1")


def test_find_links_list_page():
    html = (SITE / "news" / "index.html").read_text(encoding="utf-8")
    found = find_links(html, "http://x.gov.cn/news/")
    assert found.articles == ("http://x.gov.cn/news/t20240101_1001.html",
                              "http://x.gov.cn/news/t20240102_1002.html",
                              "http://x.gov.cn/news/t20240103_1003.html")
    assert set(found.pages) == {"http://x.gov.cn/news/index_1.html", "http://x.gov.cn/news/index_2.html"}


def test_find_links_site_selectors():
    html = (SITE / "news" / "index.html").read_text(encoding="utf-8")
    site = SiteConfig(host="x.gov.cn", link_selector="ul.list li:first-child a", next_selector="a.none")
    assert find_links(html, "http://x.gov.cn/news/", site) == FoundLinks(
        articles=("http://x.gov.cn/news/t20240101_1001.html",), pages=())


def test_find_links_ignores_menus_and_files():
    html = ('<a href="/about/">关于我们</a><a href="/col/index.html">通知公告栏目列表页面</a>'
            '<a href="/a/2024/report.pdf">示例县二〇二四年工作报告全文</a><a href="/b/t1.html">短</a>')
    assert find_links(html, "http://x.cn/") == FoundLinks()


def test_pager_pages_fill_range_and_trs():
    assert pager_pages("http://x.cn/a/index.html", ["http://x.cn/a/index_1.html", "http://x.cn/a/index_4.html"]) == [
        f"http://x.cn/a/index_{n}.html" for n in range(1, 5)]
    trs = (SITE / "trs" / "index.shtml").read_text(encoding="utf-8")
    assert set(find_links(trs, "http://x.cn/trs/index.shtml").pages) == {
        "http://x.cn/trs/index_1.shtml", "http://x.cn/trs/index_2.shtml"}


def test_parse_sitemap_and_feed():
    pages, maps = parse_sitemap(parse_xml((SITE / "sitemap.xml").read_bytes()), "http://x.cn/sitemap.xml")
    assert pages == ["http://x.cn/news/t20240101_1001.html", "http://x.cn/news/t20240113_1013.html"] and maps == []
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://x.cn/s1.xml.gz</loc></sitemap></sitemapindex>'
    assert parse_sitemap(parse_xml(gzip.compress(index)), "http://x.cn/") == ([], ["http://x.cn/s1.xml.gz"])
    assert parse_feed(parse_xml((SITE / "feed.xml").read_bytes()), "http://x.cn/feed.xml") == [
        "http://x.cn/news/t20240102_1002.html", "http://x.cn/news/t20240114_1014.html"]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="http://x.cn/e1.html"/>'
            b'</entry></feed>')
    assert parse_feed(parse_xml(atom), "http://x.cn/") == ["http://x.cn/e1.html"]


def test_parse_xml_refuses_doctype_and_entities():
    with pytest.raises(UnsafeXML):
        parse_xml((SITE / "bomb.xml").read_bytes())
    with pytest.raises(ValueError, match="gzip bomb: decompressed size over 1000 bytes"):
        parse_xml(gzip.compress(b"<urlset>" + b" " * 5000 + b"</urlset>"), max_bytes=1000)


def test_sites_config(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[sites."gov.cn"]\ndelay = 3\nencoding = "gb18030"\n'
                    '[sites."www.x.gov.cn"]\nlink_selector = "ul a"\nfollow_hosts = ["Img.X.gov.cn"]\n',
                    encoding="utf-8")
    sites = load_sites(str(path))
    assert site_for(sites, "www.x.gov.cn:8080").follow_hosts == ("img.x.gov.cn",)
    assert site_for(sites, "www.beijing.gov.cn").encoding == "gb18030"
    assert site_for(sites, "www.beijing.gov.cn").delay == 3.0
    assert site_for(sites, "example.org") == SiteConfig()
    with pytest.raises(SiteConfigError, match="link_selector"):
        parse_sites({"sites": {"x.cn": {"link_selecter": "a"}}})


def test_fetch_settings_are_documented():
    for f in fields(FetchSettings):
        assert f.metadata.get("help"), f"FetchSettings.{f.name} has no help text"


def test_retry_after_and_binary_sniffing():
    assert _retry_after("7") == 7.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert _retry_after("soon") is None
    assert is_binary(b"\x89PNG\r\n\x1a\n...") and is_binary(b"<html>\x00\x00")
    assert not is_binary("<p>示例</p>".encode("gb18030"))


# --- fetch() against the local site ------------------------------------------------------------

def test_fetch_refuses_loopback_without_allow_private(site):
    with pytest.raises(Refused, match="allow-private"):
        fetch(site.url("/news/"), FetchSettings(retries=0))
    assert site.paths() == []


def test_fetch_returns_raw_bytes_and_header_charset(site):
    got = fetch(site.url("/news/t20240104_1004.html"), FAST)
    assert got.html == (SITE / "news" / "t20240104_1004.html").read_bytes()   # GBK, untouched
    assert got.encoding is None and got.status == 200 and got.etag


def test_fetch_404_is_not_retried(site):
    with pytest.raises(FetchError, match="HTTP 404") as info:
        fetch(site.url("/news/t20240108_404.html"), FAST)
    assert info.value.status == 404 and site.paths() == ["/news/t20240108_404.html"]


def test_fetch_500_recovers_on_retry(site):
    got = fetch(site.url("/news/t20240109_500.html"), FAST)
    assert got.status == 200 and site.paths() == ["/news/t20240109_500.html"] * 2


def test_fetch_429_honours_retry_after(site):
    waits = []
    got = fetch(site.url("/throttle.html"), FAST, sleep=waits.append)
    assert got.status == 200 and waits == [0.0]


def test_fetch_retry_after_too_long_fails(site):
    waits = []
    with pytest.raises(FetchError, match="Retry-After 3600s exceeds"):
        fetch(site.url("/news/t20240108_503.html"), FAST, sleep=waits.append)
    assert waits == []


def test_fetch_timeout_retried_then_fails(site):
    waits = []
    with pytest.raises(FetchError, match="timed out") as info:
        fetch(site.url("/news/t20240111_slow.html"), FAST, sleep=waits.append)
    assert info.value.retryable and len(waits) == 1


def test_fetch_redirects(site):
    got = fetch(site.url("/news/moved_20240107.html"), FAST)
    assert got.url == site.url("/news/t20240107_1007.html")
    assert got.requested_url == site.url("/news/moved_20240107.html")
    with pytest.raises(FetchError, match="more than 0 redirects"):
        fetch(site.url("/news/moved_20240107.html"), FetchSettings(max_redirects=0, allow_private=True))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(site.url("/news/t20240112_loop.html"), FAST)


def test_fetch_size_limit(site):
    with pytest.raises(FetchError, match="response over 10 MB: stopped reading"):   # no Content-Length: streamed
        fetch(site.url("/news/t20240115_big.html"), FAST)
    site.routes["/news/t20240116_1016.html"] = b"<p>" + b"x" * 5000 + b"</p>"
    small = FetchSettings(max_bytes=1000, allow_private=True)
    with pytest.raises(FetchError, match="response over 1000 bytes: Content-Length 5007 refused"):
        fetch(site.url("/news/t20240116_1016.html"), small)


def test_fetch_binary_served_as_html(site):
    with pytest.raises(FetchError, match="binary"):
        fetch(site.url("/news/t20240110_bin.html"), FAST)


def test_fetch_conditional_request(site):
    first = fetch(site.url("/news/t20240101_1001.html"), FAST)
    again = fetch(site.url("/news/t20240101_1001.html"), FAST, etag=first.etag,
                  last_modified=first.last_modified)
    assert again.status == 304 and again.html == b""
    assert site.requests[-1][1]["If-None-Match"] == first.etag


# --- crawl() -----------------------------------------------------------------------------------

def test_crawl_finds_every_article_once(site, fresh_db):
    stats, recorder = run_crawl(fresh_db, site)
    assert sorted(recorder.paths(site)) == sorted(ARTICLES)
    assert len({aid for _, aid in recorder.pages}) == len(ARTICLES)
    requested = site.paths()
    retried = {"/news/t20240109_500.html", "/news/t20240111_slow.html"}
    assert [p for p in set(requested) if requested.count(p) > 1 and p not in retried] == []
    assert "/private/t20240106_1006.html" not in requested
    skips = {k.removeprefix(site.base): r for _, k, r, _ in fresh_db.execute("SELECT * FROM skips")}
    for path, reason in FAILURES.items():
        assert reason in skips[path]
    assert not any("example.org" in r[0] for r in fresh_db.execute("SELECT url FROM fetch_log"))
    assert stats.pending == 0 and stats.articles == len(ARTICLES)


def test_crawl_gbk_page_reaches_handler_as_bytes(site, fresh_db):
    _, recorder = run_crawl(fresh_db, site, seeds=("/news/index_1.html",), max_depth=1)
    page = next(p for p, _ in recorder.pages if p.url.endswith("t20240104_1004.html"))
    assert page.html == (SITE / "news" / "t20240104_1004.html").read_bytes() and page.encoding is None


def test_crawl_site_encoding_override(site, fresh_db):
    sites = {"127.0.0.1": SiteConfig(host="127.0.0.1", encoding="gb18030")}
    _, recorder = run_crawl(fresh_db, site, seeds=("/news/index_1.html",), max_depth=1, sites=sites)
    assert {p.encoding for p, _ in recorder.pages} == {"gb18030"}


def test_crawl_max_depth(site, fresh_db):
    _, recorder = run_crawl(fresh_db, site, seeds=("/news/",), max_depth=1)
    assert sorted(recorder.paths(site)) == ["/news/t20240101_1001.html", "/news/t20240102_1002.html",
                                             "/news/t20240103_1003.html"]
    assert crawl_queue.pending_urls(fresh_db, 1) == []


def test_crawl_stops_at_max_pages_and_resumes(site, fresh_db):
    first, rec1 = run_crawl(fresh_db, site, max_pages=8)
    assert first.fetched == 8 and first.pending > 0 and not first.resumed
    second, rec2 = run_crawl(fresh_db, site)
    assert second.resumed and second.generation == first.generation and second.pending == 0
    handled = rec1.paths(site) + rec2.paths(site)
    assert sorted(handled) == sorted(ARTICLES)          # nothing lost, nothing twice


def test_crawl_incremental_uses_conditional_requests(site, fresh_db):
    run_crawl(fresh_db, site)
    site.requests.clear()
    stats, recorder = run_crawl(fresh_db, site)
    assert stats.generation == 2 and not stats.resumed
    assert recorder.pages == [] and stats.unchanged == len(SEEDS)
    # The seeds come back 304; only the page that timed out last time is asked for again.
    asked = [(path, headers) for path, headers in site.requests if path != "/robots.txt"]
    assert {p for p, _ in asked} == {*SEEDS, "/news/t20240111_slow.html"}
    assert all("If-None-Match" in headers for path, headers in asked if path in SEEDS)
    # The column gets a new article and one old article is edited: only those two are processed.
    index = (SITE / "news" / "index.html").read_text(encoding="utf-8")
    site.routes["/news/"] = index.replace(
        "<ul class=\"list\">", '<ul class="list"><li><a href="t20240120_1020.html">示例县新增一篇工作动态稿件</a></li>'
    ).encode("utf-8")
    site.routes["/news/t20240120_1020.html"] = (SITE / "news" / "t20240105_1005.html").read_bytes()
    site.routes["/news/t20240101_1001.html"] = (SITE / "news" / "t20240101_1001.html").read_bytes() + b"<!-- edited -->"
    stats, recorder = run_crawl(fresh_db, site)
    assert sorted(recorder.paths(site)) == ["/news/t20240101_1001.html", "/news/t20240120_1020.html"]


def test_crawl_honours_crawl_delay_and_robots_outage(fresh_db):
    pages = {
        "http://a.cn/robots.txt": b"User-agent: *\nCrawl-delay: 2\n",
        "http://a.cn/list/": ('<a href="/t20240101_1.html">示例县第一篇工作动态稿件</a>'
                              '<a href="/t20240102_2.html">示例县第二篇工作动态稿件</a>').encode("utf-8"),
        "http://a.cn/t20240101_1.html": b"<p>1</p>", "http://a.cn/t20240102_2.html": b"<p>2</p>",
    }

    def fake_fetch(url, settings, etag=None, last_modified=None, accept=()):
        if url.startswith("http://b.cn/"):
            raise FetchError("HTTP 503", 503, retryable=True)
        return Page(url=url, fetched_at="", status=200, html=pages[url])

    waits, recorder = [], Recorder()
    stats = crawl(fresh_db, ["http://a.cn/list/", "http://b.cn/list/"], recorder,
                  FetchSettings(delay=0), fetcher=fake_fetch, sleep=waits.append)
    assert len(recorder.pages) == 2 and len([w for w in waits if w > 1.9]) >= 2
    assert stats.refused == 1   # b.cn: robots.txt unavailable, so nothing fetched there


# --- wrmine crawl, killed and resumed ----------------------------------------------------------

def wrmine_crawl(site, db_path, *extra):
    return [sys.executable, "-m", "cli", "crawl", *(site.url(s) for s in SEEDS), "--db", str(db_path),
            "--delay", "0", "--timeout", "0.3", "--retries", "1", "--allow-private", *extra]


def test_wrmine_crawl_killed_and_resumed(site, tmp_path):
    db_path = tmp_path / "crawl.db"
    site.article_delay = 0.15
    proc = subprocess.Popen(wrmine_crawl(site, db_path), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for p in site.paths() if p in ARTICLES) >= 5:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db = store.open_db(str(db_path))
    before = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    done_before = {r[0].removeprefix(site.base) for r in db.execute(
        "SELECT url FROM fetch_log WHERE fetched_gen = 1 AND kind = 'article'")}
    assert before < len(ARTICLES)
    db.close()

    site.article_delay = 0.0
    site.requests.clear()
    out = subprocess.run(wrmine_crawl(site, db_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "generation 1 (resumed)" in out.stdout
    refetched = {p for p in site.paths() if p in ARTICLES} & done_before
    assert refetched == set()

    from click.testing import CliRunner

    from cli import cli

    export = CliRunner().invoke(cli, ["export", "--db", str(db_path)])
    assert export.exit_code == 0, export.output
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    urls = [r["url"].removeprefix(site.base) for r in rows]
    assert sorted(urls) == sorted(ARTICLES)                      # all there, none twice
    gbk = next(r for r in rows if r["url"].endswith("t20240104_1004.html"))
    assert "网格员排查化解矛盾纠纷900余起" in gbk["text"]


# --- real pages from ../shared -----------------------------------------------------------------

@needs_shared
def test_crawl_real_gbk_pages_without_charset(site, fresh_db):
    from corpus.clean import article_from_html

    meta = [json.loads(line) for line in (BOILERPLATE / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    gbk = [m["id"] for m in meta if m["encoding"] in ("gbk", "gb18030")][:6]
    links = "".join(f'<li><a href="/real/t{i:04d}_{pid}.html">真实页面第{i}篇稿件标题</a></li>'
                    for i, pid in enumerate(gbk))
    site.routes["/real/index.html"] = f"<ul>{links}</ul>".encode("utf-8")
    for i, pid in enumerate(gbk):
        site.routes[f"/real/t{i:04d}_{pid}.html"] = (BOILERPLATE / f"{pid}.html").read_bytes()
    texts = {}

    def on_article(page, aid):
        pid = page.url.rsplit("_", 1)[-1].removesuffix(".html")
        assert hashlib.sha256(page.html).digest() == hashlib.sha256((BOILERPLATE / f"{pid}.html").read_bytes()).digest()
        texts[pid] = article_from_html(aid, page.html, url=page.url, http_charset=page.encoding).text
        return aid

    crawl(fresh_db, [site.url("/real/index.html")], on_article, FAST)
    assert set(texts) == set(gbk)
    for pid, text in texts.items():
        gold = (BOILERPLATE / f"{pid}.gold.txt").read_text(encoding="utf-8")
        gold_chars = {c for c in gold if "\u4e00" <= c <= "\u9fff"}
        assert "\ufffd" not in text, pid
        assert len(gold_chars & set(text)) / len(gold_chars) > 0.9, pid


def test_malformed_links_are_skipped_not_fatal():
    from corpus.crawl import find_links

    html = ("<html><body><ul>"
            "<li><a href='http://a.cn:80x/bad.html'>某县召开老干部工作推进会部署全年重点任务</a></li>"
            "<li><a href='http://[::1'>某县老干部志愿服务队开展走访慰问活动</a></li>"
            "<li><a href='/news/2024/t20240501_1.html'>某县离退休干部党支部开展主题党日活动</a></li>"
            "</ul></body></html>")
    links = find_links(html, "http://www.example.gov.cn/news/index.html")
    assert links.articles == ("http://www.example.gov.cn/news/2024/t20240501_1.html",)


@pytest.mark.parametrize("url", ["ftp://x.cn/", "http://a.cn:80x/", "notaurl", "http://[::1"])
def test_crawl_refuses_bad_start_urls(tmp_path, url):
    from click.testing import CliRunner

    from cli import cli

    result = CliRunner().invoke(cli, ["crawl", url, "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output   # a usage error


def test_reading_and_decoding_never_import_the_crawler():
    """corpus.read takes article ids from corpus.urls: no import circle through the crawler."""
    code = ("import sys, corpus.read, corpus.decode, corpus.clean, corpus.store; "
            "print(sorted(m for m in ('corpus.crawl', 'corpus.fetch', 'corpus.crawl_queue') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
