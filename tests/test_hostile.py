"""Hostile sites: every trick here must be stopped by a cap, with a precise reason recorded and
memory bounded. The server is tests/site_server.py on 127.0.0.1; no other address is ever
contacted (``guard_network`` refuses any connection elsewhere, and the resolver is faked
wherever a test needs a name).
"""
from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
from dataclasses import replace

import pytest

from corpus import crawl_queue
from corpus.crawl import crawl, parse_xml
from corpus.fetch import FetchError, FetchSettings, Refused, Unreachable, fetch, gunzip
from site_server import SiteServer

MB = 1024 * 1024
# Caps lowered so that each trick trips them in well under a second.
TIGHT = FetchSettings(delay=0, timeout=2, retries=0, backoff=0.01, allow_private=True, max_bytes=1 * MB,
                      max_time=1.0, min_rate=100, min_rate_after=0.5)
ARTICLE = "<html><body><h1>示例县开展志愿服务活动</h1><p>近年来，示例县组建志愿服务队12支。</p></body></html>".encode()
LIST = ('<html><body><ul><li><a href="/a/t20240101_1.html">示例县开展志愿服务活动纪实</a></li>'
        '<li><a href="/a/t20240102_2.html">示例县推进基层治理工作纪实</a></li></ul></body></html>').encode()
# 40 MB of spaces gzip to under 200 KB (level 1: built in a fifth of a second).
BOMB = gzip.compress(b" " * (40 * MB), compresslevel=1)
BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>\n")


@pytest.fixture
def site():
    with SiteServer() as server:
        yield server


@pytest.fixture(autouse=True)
def guard_network(monkeypatch):
    """Connections go to 127.0.0.1 only; any other address is recorded and refused unopened."""
    real = socket.create_connection
    attempts = []

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(111, "refused by the test guard")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


def fake_dns(monkeypatch, answers: dict[str, list[list[str]]]):
    """Resolve the names in ``answers`` to the next address list on each call (the last one
    repeats); other names fail as unknown. Returns the log of names asked."""
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host == "127.0.0.1" or host not in answers:
            if host == "127.0.0.1":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        seq = answers[host]
        addrs = seq.pop(0) if len(seq) > 1 else seq[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addrs]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def redirect_to(location: str):
    def script(handler):
        handler._send(302, b"", {"Location": location})
    return script


def serve(body: bytes, content_type: str = "text/html", headers: dict | None = None):
    def script(handler):
        handler._send(200, body, headers or {}, content_type)
    return script


def skips(db, site) -> dict[str, str]:
    return {k.removeprefix(site.base): r for k, r in db.execute("SELECT key, reason FROM skips")}


def crawl_site(db, site, seeds, settings=TIGHT, **kwargs):
    pages = []
    stats = crawl(db, [site.url(s) if s.startswith("/") else s for s in seeds],
                  lambda page, aid: pages.append(page) or aid, settings, **kwargs)
    return stats, pages


# --- Redirects -------------------------------------------------------------------------------

@pytest.mark.parametrize("location, reason", [
    ("http://10.0.0.1/admin", "redirect to private address 10.0.0.1 refused"),
    ("http://169.254.169.254/latest/meta-data/", "redirect to private address 169.254.169.254 refused"),
    ("http://[::1]:8080/", "redirect to private address ::1 refused"),
    ("file:///etc/passwd", "redirect to file: URL refused"),
    ("ftp://ftp.example.org/pub/", "redirect to ftp: URL refused"),
    ("javascript:alert(1)", "redirect to javascript: URL refused"),
])
def test_redirect_to_private_address_or_other_scheme_is_refused(site, guard_network, location, reason):
    site.scripts["/go.html"] = redirect_to(location)
    with pytest.raises(Refused, match=reason):
        fetch(site.url("/go.html"), TIGHT)
    # allow_private admits the local test site, never a hop elsewhere into a private network.
    assert all(addr[0] == "127.0.0.1" for addr in guard_network)


def test_redirect_through_a_name_to_a_private_address_is_refused(site, monkeypatch):
    fake_dns(monkeypatch, {"intranet.example.cn": [["10.1.2.3"]]})
    site.scripts["/go.html"] = redirect_to("http://intranet.example.cn/")
    with pytest.raises(Refused, match=r"redirect to private address 10\.1\.2\.3 \(intranet\.example\.cn\) refused"):
        fetch(site.url("/go.html"), TIGHT)


def test_crawl_records_refused_redirect(site, fresh_db):
    site.routes["/list.html"] = LIST
    site.scripts["/a/t20240101_1.html"] = redirect_to("http://10.0.0.1/a.html")
    site.routes["/a/t20240102_2.html"] = ARTICLE
    stats, pages = crawl_site(fresh_db, site, ["/list.html"])
    assert [p.url.removeprefix(site.base) for p in pages] == ["/a/t20240102_2.html"]
    assert skips(fresh_db, site)["/a/t20240101_1.html"] == "redirect to private address 10.0.0.1 refused"
    assert stats.refused == 1 and stats.failed == 0 and stats.articles == 1


# --- DNS answers that change between check and connect ----------------------------------------

def test_connection_pinned_to_checked_address_on_rebinding(site, monkeypatch, guard_network):
    """The name answers 127.0.0.1 for the check, then 10.0.0.1: the connection still goes to the
    address that was checked, and the name is resolved once per request."""
    site.routes["/a.html"] = ARTICLE
    asked = fake_dns(monkeypatch, {"rebind.example.cn": [["127.0.0.1"], ["10.0.0.1"]]})
    port = site.server.server_address[1]
    got = fetch(f"http://rebind.example.cn:{port}/a.html", TIGHT)
    assert got.html == ARTICLE
    assert asked.count("rebind.example.cn") == 1 and guard_network == [("127.0.0.1", port)]
    assert site.requests[-1][1]["Host"] == f"rebind.example.cn:{port}"


def test_rebinding_to_loopback_after_a_public_check_never_reaches_loopback(site, monkeypatch, guard_network):
    """The check sees a public address, a second answer would say 127.0.0.1: the fetcher connects
    to the checked public address (refused unopened by the guard), never to the local server."""
    asked = fake_dns(monkeypatch, {"rebind.example.cn": [["93.184.216.34"], ["127.0.0.1"]]})
    port = site.server.server_address[1]
    strict = FetchSettings(delay=0, timeout=2, retries=0, allow_private=False)
    with pytest.raises(Unreachable, match="host unreachable: connection to 93.184.216.34:.* refused"):
        fetch(f"http://rebind.example.cn:{port}/a.html", strict)
    assert asked == ["rebind.example.cn"] and guard_network == [("93.184.216.34", port)]
    # The next request checks again, sees 127.0.0.1 and refuses before connecting.
    with pytest.raises(Refused, match="non-public address 127.0.0.1"):
        fetch(f"http://rebind.example.cn:{port}/a.html", strict)
    assert site.requests == [] and len(guard_network) == 1


def test_name_with_one_private_answer_is_refused(monkeypatch, guard_network):
    fake_dns(monkeypatch, {"mixed.example.cn": [["93.184.216.34", "192.168.1.10"]]})
    with pytest.raises(Refused, match="non-public address 192.168.1.10"):
        fetch("http://mixed.example.cn/", FetchSettings(retries=0))
    assert guard_network == []


# --- Gzip bombs and entity expansion -----------------------------------------------------------

def test_gzip_bomb_page_is_refused_with_memory_bounded(site):
    site.scripts["/bomb.html"] = serve(BOMB, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="gzip bomb: decompressed size over 1 MB"):
            fetch(site.url("/bomb.html"), TIGHT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB      # 40 MB inflated would be ten times that


def test_gzip_page_within_the_cap_is_inflated(site):
    site.scripts["/ok.html"] = serve(gzip.compress(ARTICLE), headers={"Content-Encoding": "gzip"})
    assert fetch(site.url("/ok.html"), TIGHT).html == ARTICLE


def test_gzip_bombs_in_sitemap_and_feed(site, fresh_db):
    site.routes["/sitemap.xml.gz"] = BOMB                                       # a .xml.gz sitemap
    site.scripts["/feed.xml"] = serve(BOMB, "application/rss+xml", {"Content-Encoding": "gzip"})
    stats, pages = crawl_site(fresh_db, site, ["/sitemap.xml.gz", "/feed.xml"])
    reasons = skips(fresh_db, site)
    assert reasons["/sitemap.xml.gz"] == "bad sitemap: gzip bomb: decompressed size over 1 MB"
    assert reasons["/feed.xml"] == "gzip bomb: decompressed size over 1 MB"
    assert pages == [] and stats.failed == 2 and stats.reached_nothing()


def test_gunzip_refuses_past_the_cap():
    assert gunzip(gzip.compress(b"x" * 100), 100) == b"x" * 100
    with pytest.raises(ValueError, match="gzip bomb: decompressed size over 100 bytes"):
        gunzip(gzip.compress(b"x" * 101), 100)


@pytest.mark.parametrize("path, root", [
    ("/sitemap.xml", b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/&lol9;.html</loc></url></urlset>'),
    ("/feed.xml", b'<rss version="2.0"><channel><item><title>&lol9;</title><link>/a.html</link></item></channel></rss>'),
])
def test_billion_laughs_in_sitemap_and_feed_is_refused(site, fresh_db, path, root):
    site.routes[path] = BILLION_LAUGHS + root
    started = time.perf_counter()
    stats, pages = crawl_site(fresh_db, site, [path])
    kind = "sitemap"   # a document with its own DTD is sniffed as XML, whatever its root
    assert skips(fresh_db, site)[path] == (f"bad {kind}: XML with a DOCTYPE or entity declaration "
                                          "refused (entity expansion, e.g. billion laughs)")
    assert pages == [] and time.perf_counter() - started < 5


def test_billion_laughs_with_a_long_dtd_is_still_xml(site, fresh_db):
    padding = b"".join(b'<!ENTITY pad%d "%s">' % (i, b"x" * 100) for i in range(40))   # root past 2 KB
    site.routes["/sitemap.xml"] = (BILLION_LAUGHS[:-3] + padding + b"]>\n"
                                   + b"<urlset><url><loc>/&lol9;.html</loc></url></urlset>")
    crawl_site(fresh_db, site, ["/sitemap.xml"])
    assert "billion laughs" in skips(fresh_db, site)["/sitemap.xml"]
    with pytest.raises(ValueError, match="billion laughs"):
        parse_xml(site.routes["/sitemap.xml"])


# --- Link traps ----------------------------------------------------------------------------------

def calendar(handler):
    """An endless calendar: every day links the next one, forever."""
    day = int(handler.path.rsplit("/", 1)[-1].split(".")[0])
    body = f'<html><body><p>日历 {day}</p><a href="/cal/{day + 1}.html">下一页</a></body></html>'.encode()
    handler._send(200, body)


def test_endless_calendar_stops_at_the_per_host_cap(site, fresh_db):
    for n in range(0, 200):
        site.scripts[f"/cal/{n}.html"] = calendar
    settings = FetchSettings(delay=0, timeout=2, retries=0, allow_private=True, max_host_pages=15)
    stats, _ = crawl_site(fresh_db, site, ["/cal/100.html"], settings)
    assert stats.fetched == 15 and stats.pending == 0
    capped = [r for r in skips(fresh_db, site).values() if r.startswith("per-host page cap reached")]
    assert capped == ["per-host page cap reached: 15 pages fetched from "
                      f"{site.base.removeprefix('http://')} in this crawl"]


def test_endless_calendar_stops_at_max_pages_and_max_depth(site, fresh_db, tmp_path):
    for n in range(0, 200):
        site.scripts[f"/cal/{n}.html"] = calendar
    stats, _ = crawl_site(fresh_db, site, ["/cal/100.html"], max_pages=10)
    assert stats.fetched == 10
    from corpus import store
    deep = store.open_db(str(tmp_path / "deep.db"))
    stats, _ = crawl_site(deep, site, ["/cal/100.html"], max_depth=3)
    assert stats.fetched == 4 and stats.pending == 0   # day 100 and three hops


def growing_query(handler):
    """Each page links to itself with a longer query string."""
    query = handler.path.split("?", 1)[1] if "?" in handler.path else "q="
    body = f'<html><body><p>搜索结果</p><a href="/search?{query}x%E5%85%9A%E5%BB%BA">下一页</a></body></html>'
    handler._send(200, body.encode())


def test_ever_growing_query_string_stops_at_the_url_length_cap(site, fresh_db):
    site.scripts["/search"] = growing_query
    settings = FetchSettings(delay=0, timeout=2, retries=0, allow_private=True, max_url_length=200)
    stats, _ = crawl_site(fresh_db, site, ["/search?q="], settings)
    assert stats.trapped == 1 and stats.pending == 0 and 5 < stats.fetched < 20
    trap = [r for r in skips(fresh_db, site).values() if "link trap" in r]
    assert len(trap) == 1 and trap[0].startswith("URL over 200 characters (")
    assert all(len(url) <= 200 for (url,) in fresh_db.execute("SELECT url FROM fetch_log"))


# --- Huge and slow responses -------------------------------------------------------------------

def endless(site: SiteServer, declare_length: bool):
    """100 MB of a page, written in 64 KB chunks until the client hangs up."""
    chunk = b"<p>" + "很长的页面".encode() * 4360 + b"</p>\n"

    def script(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        if declare_length:
            handler.send_header("Content-Length", str(100 * MB))
        handler.send_header("Connection", "close")
        handler.end_headers()
        site.sent = 0
        while site.sent < 100 * MB:
            handler.wfile.write(chunk)
            site.sent += len(chunk)
        handler.close_connection = True
    return script


@pytest.mark.parametrize("declare_length, reason", [
    (False, "response over 1 MB: stopped reading"),
    (True, f"response over 1 MB: Content-Length {100 * MB} refused before reading"),
])
def test_100mb_response_is_refused_at_the_size_cap(site, declare_length, reason):
    site.scripts["/huge.html"] = endless(site, declare_length)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=reason):
            fetch(site.url("/huge.html"), TIGHT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    time.sleep(0.1)
    assert peak < 4 * MB and site.sent < 30 * MB     # neither read nor sent in full


def drip(headers_too: bool):
    """One byte a second: of the body, or already of the status line and headers."""
    def script(handler):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
        if headers_too:
            for i in range(len(head)):
                handler.wfile.write(head[i:i + 1])
                handler.wfile.flush()
                time.sleep(1.0)
        handler.wfile.write(head)
        handler.wfile.flush()
        for _ in range(100_000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(1.0)
    return script


def test_server_dripping_one_byte_a_second_is_dropped_by_the_rate_cap(site):
    site.scripts["/drip.html"] = drip(headers_too=False)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"too slow: under 100 bytes/s \(\d bytes in \d\.\d s\)"):
        fetch(site.url("/drip.html"), replace(TIGHT, max_time=30.0))
    assert time.monotonic() - started < 5     # the 2 s socket timeout alone would never trip


def test_server_dripping_headers_is_dropped_by_the_total_time_cap(site):
    site.scripts["/drip.html"] = drip(headers_too=True)
    with pytest.raises(FetchError, match="too slow: no complete response within 1 s"):
        fetch(site.url("/drip.html"), TIGHT)


# --- Unreachable hosts -----------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_unreachable_not_robots(fresh_db):
    url = f"http://127.0.0.1:{closed_port()}/news/"
    stats = crawl(fresh_db, [url], lambda page, aid: aid, TIGHT)
    reason = fresh_db.execute("SELECT reason FROM skips WHERE key = ?", [url]).fetchone()[0]
    assert reason.startswith("host unreachable: connection to 127.0.0.1:") and reason.endswith("refused")
    assert "robots" not in reason
    assert stats.unreachable == 1 and stats.failed == 1 and stats.refused == 0 and stats.reached_nothing()
    # A passing failure: the next crawl asks again.
    assert crawl_queue.requeue_failed(fresh_db, stats.generation + 1) == 1


def test_dns_failure_is_unreachable_not_robots(fresh_db, monkeypatch):
    fake_dns(monkeypatch, {})
    stats = crawl(fresh_db, ["http://no-such-host.example.cn/news/"], lambda page, aid: aid, TIGHT)
    reason = fresh_db.execute("SELECT reason FROM skips").fetchone()[0]
    assert reason == "host unreachable: cannot resolve no-such-host.example.cn (Name or service not known)"
    assert stats.unreachable == 1 and stats.refused == 0 and stats.reached_nothing()


def test_crawl_that_reached_a_page_did_not_reach_nothing(site, fresh_db):
    site.routes["/a/t20240101_1.html"] = ARTICLE
    stats, _ = crawl_site(fresh_db, site, ["/a/t20240101_1.html", f"http://127.0.0.1:{closed_port()}/"])
    assert stats.articles == 1 and stats.unreachable == 1 and not stats.reached_nothing()


# --- Hostile text is data, never SQL -----------------------------------------------------------

def test_sql_metacharacters_in_urls_and_queries_are_data(site, fresh_db):
    from corpus import store

    nasty = "/a/t20240101_1.html?q=1%27%3B%20DROP%20TABLE%20fetch_log%3B--"
    site.routes["/list.html"] = (f'<ul><li><a href="{nasty}">示例县开展志愿服务活动纪实</a></li>'
                                 '<li><a href="/a/t20240102_2.html">示例县推进基层治理工作纪实</a></li></ul>').encode()
    site.scripts["/a/t20240101_1.html"] = serve(ARTICLE)
    site.routes["/a/t20240102_2.html"] = ARTICLE
    stats, pages = crawl_site(fresh_db, site, ["/list.html"])
    assert stats.articles == 2
    urls = {u for (u,) in fresh_db.execute("SELECT url FROM fetch_log")}
    assert any("DROP" in u for u in urls) and len(urls) == 3
    assert crawl_queue.get_fetch(fresh_db, next(u for u in urls if "DROP" in u))["status"] == 200
    assert list(store.query_facts(fresh_db, subject="x' OR '1'='1")) == []
    assert store.search(fresh_db, "党建'; DROP TABLE articles; --") == []
    assert fresh_db.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == 3
