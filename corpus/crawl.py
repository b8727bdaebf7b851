"""The crawler: start URLs (list pages 栏目页, sitemaps, RSS/Atom feeds) → article pages handed
to a callback, with a resumable fetch log (``corpus/crawl_queue.py``).

``crawl(db, seeds, on_article, settings, sites, max_pages, max_depth) -> CrawlStats``

1. Generation: if the fetch log has URLs queued but not fetched, the last crawl was interrupted
   and this one resumes it; otherwise a new generation starts and every page is refetched with
   If-None-Match / If-Modified-Since.
2. The start URLs are queued (depth 0). Links are only followed on the start hosts (and the
   ``follow_hosts`` of a site's config) and to ``max_depth`` hops.
3. Scheduling: one request at a time per host, ``delay`` seconds apart (robots.txt Crawl-delay
   wins when larger); hosts take turns, so a slow host does not hold up the others.
4. Each URL: per-host page cap → robots.txt (cached per host; a host that does not answer at
   all is recorded as unreachable, not as disallowed) → fetch (``corpus/fetch.py``: every cap
   on size, time, redirects and addresses) → by kind:
   - sitemap: ``<url><loc>`` → articles, ``<sitemap><loc>`` → sitemaps;
   - feed: item/entry links → articles;
   - list page: article links (site ``link_selector`` or the heuristics of ``find_links``) and
     pagination (下一页, 尾页, page numbers, index_N.html ranges, TRS ``createPageHTML``);
     an HTML start URL without any article link is taken as an article itself;
   - article: ``on_article(page, article_id)`` (clean → extract → store, in cli.py).
   Links are queued only on the start host, within ``max_depth`` and ``max_url_length``.
   304, or a body with the same hash as last time, is skipped: nothing changed.
5. After each page: its log row and the links found on it are written in one transaction,
   so a crawl killed at any moment resumes without losing or repeating work (an article
   handled but not yet logged is handled again under the same id, which replaces itself).
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree
from xml.parsers import expat

import lxml.html
from protego import Protego

from corpus import crawl_queue as queue
from corpus import store
from corpus.article import Page
from corpus.decode import decode_html
from corpus.fetch import (HTML_TYPES, XML_TYPES, FetchError, FetchSettings, Refused, Unreachable, fetch,
                          gunzip)
from corpus.sites import DEFAULT_SITE, SiteConfig, site_for
from corpus.urls import article_id, canonical_url, url_host

logger = logging.getLogger(__name__)

ROBOTS_AGENT = "wrmine"
# Anchor texts of "next" and "last" page links on Chinese (and English) list pages.
PAGER_TEXTS = frozenset({"下一页", "下页", "后页", "下一頁", "下頁", "尾页", "末页", "最后一页", "尾頁",
                         "末頁", "最後一頁", "next", "next page", "last", ">", ">>", "»", "›"})
MIN_TITLE_CHARS = 5          # article titles on list pages are longer than menu entries
MAX_GENERATED_PAGES = 500    # index_1 … index_N ranges filled in from one 尾页 link
SKIP_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar",
                   ".7z", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".mp4", ".mp3", ".avi", ".wps",
                   ".txt", ".exe", ".apk", ".css", ".js", ".ofd")
RE_TITLE_CHAR = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
RE_DIGITS = re.compile(r"\d+")
RE_ID_LIKE = re.compile(r"\d{3,}")
RE_INDEX_PAGE = re.compile(r"/(?:index|default|list|more)(?:_\d+)?\.\w+$|/$", re.I)
RE_NUMBERED_PAGE = re.compile(r"^(?P<stem>.*/[\w-]*?)(?P<sep>[_-])(?P<n>\d{1,4})(?P<ext>\.\w+)$")
# TRS WCM, the CMS of many government portals, writes its pager in JavaScript:
# createPageHTML(total, current, "index", "shtml") → index.shtml, index_1.shtml … index_{total-1}.shtml
RE_TRS_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']")
RE_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
RE_FEED_ROOT = re.compile(rb"<(?:\w+:)?(rss|feed|urlset|sitemapindex|rdf:RDF)\b")
RE_XML_DTD = re.compile(rb"^(?:<\?xml[^>]{0,200}>\s*)?<!DOCTYPE(?!\s+html\s*>)", re.I)
# Skip reasons longer than this are cut: a trap URL can be megabytes long.
MAX_SKIP_KEY = 2000


@dataclass
class CrawlStats:
    """Counters of one crawl run (mutable: the loop adds to them)."""

    generation: int = 0
    resumed: bool = False
    fetched: int = 0
    articles: int = 0
    declined: int = 0
    unchanged: int = 0
    failed: int = 0
    unreachable: int = 0
    refused: int = 0
    trapped: int = 0
    lists: int = 0
    elapsed: float = 0.0
    pending: int = 0

    def summary(self) -> str:
        state = "resumed" if self.resumed else "new"
        rate = self.fetched / self.elapsed if self.elapsed else 0.0
        return (f"crawl generation {self.generation} ({state}): {self.fetched} fetched "
                f"({rate:.1f} pages/s), {self.articles} articles stored, {self.declined} declined, "
                f"{self.unchanged} unchanged, {self.lists} list/sitemap/feed pages, "
                f"{self.failed} failed ({self.unreachable} unreachable), {self.refused} refused, "
                f"{self.trapped} trap links dropped, {self.pending} left pending")

    def reached_nothing(self) -> bool:
        """True when this run tried URLs and every one was refused or failed: no page, list,
        sitemap or feed answered (``wrmine crawl`` exits 1 then)."""
        answered = self.articles + self.declined + self.unchanged + self.lists
        return answered == 0 and (self.failed + self.refused) > 0


@dataclass(frozen=True, slots=True)
class FoundLinks:
    """Links found on a list page: article pages and further list pages."""

    articles: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()


def link_url(href: str, base_url: str) -> str | None:
    """Canonical absolute URL of a link, or None for a malformed one (``http://a.cn:80x/``):
    one broken link on a page must not stop the crawl.

    >>> link_url("../b.html", "http://a.cn/x/y.html"), link_url("http://[::1", "http://a.cn/")
    ('http://a.cn/b.html', None)
    """
    try:
        return canonical_url(href.strip(), base=base_url)
    except ValueError:
        return None


# --- Link finding ------------------------------------------------------------------------------

def find_links(html: str, base_url: str, site: SiteConfig = DEFAULT_SITE) -> FoundLinks:
    """Article links and pagination links of a list page (absolute, canonical, in page order).

    Article links: the site's ``link_selector`` when given; otherwise anchors on an allowed
    host whose text looks like a title (≥ 5 letters) and whose URL looks like one item of a
    series (a run of ≥ 3 digits, or a path shape shared by ≥ 3 links), excluding index pages,
    files and pagination. Pagination: ``next_selector``, or anchors reading 下一页/尾页/page
    numbers, plus index_N ranges and JavaScript pagers (see ``pager_pages``).

    >>> page = ('<ul><li><a href="t20240501_11.html">某县推进基层治理工作纪实</a></li></ul>'
    ...         '<a href="index_1.html">下一页</a>')
    >>> found = find_links(page, "http://x.gov.cn/col/index.html")
    >>> found.articles, found.pages
    (('http://x.gov.cn/col/t20240501_11.html',), ('http://x.gov.cn/col/index_1.html',))
    """
    html = RE_XML_DECL.sub("", html, count=1)
    if not html.strip():
        return FoundLinks()
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return FoundLinks()
    base_url = _base_href(root, base_url)
    anchors = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = link_url(href, base_url)
        if url is None or urlsplit(url).scheme not in ("http", "https"):
            continue
        text = " ".join((a.text_content() or a.get("title") or "").split())
        anchors.append((url, text, a))
    pages = _pager_links(root, anchors, base_url, site)
    page_set = set(pages) | {canonical_url(base_url)}
    if site.link_selector:
        chosen = {link_url(a.get("href", ""), base_url)
                  for a in _select(root, site.link_selector) if a.get("href")} - {None}
        articles = [u for u, _, _ in anchors if u in chosen and u not in page_set]
    else:
        articles = _article_links(anchors, page_set)
    return FoundLinks(articles=tuple(dict.fromkeys(articles)), pages=tuple(dict.fromkeys(pages)))


def _base_href(root, base_url: str) -> str:
    for base in root.iter("base"):
        if base.get("href") and link_url(base.get("href"), base_url):
            return link_url(base.get("href"), base_url)
    return base_url


def _select(root, selector: str) -> list:
    """CSS selection through soupsieve (bs4's selector engine) on the lxml tree's markup."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(lxml.html.tostring(root, encoding="unicode"), "lxml")
    return soup.select(selector)


def _article_links(anchors: list[tuple[str, str, object]], page_set: set[str]) -> list[str]:
    candidates = []
    for url, text, _ in anchors:
        path = urlsplit(url).path
        if (url in page_set or RE_INDEX_PAGE.search(path) or path.lower().endswith(SKIP_EXTENSIONS)
                or len(RE_TITLE_CHAR.findall(text)) < MIN_TITLE_CHARS
                or _normal_text(text) in PAGER_TEXTS):
            continue
        candidates.append((url, _shape(url)))
    shapes: dict[str, int] = {}
    for _, shape in candidates:
        shapes[shape] = shapes.get(shape, 0) + 1
    return [url for url, shape in candidates
            if RE_ID_LIKE.search(urlsplit(url).path) or shapes[shape] >= 3]


def _shape(url: str) -> str:
    """The path with every digit run replaced: links of one series share it."""
    parts = urlsplit(url)
    keys = sorted(k.split("=", 1)[0] for k in parts.query.split("&") if k)
    return RE_DIGITS.sub("0", parts.path) + "?" + "&".join(keys)


def _normal_text(text: str) -> str:
    return text.strip(" []【】<>《》()（）").lower() if text.strip() not in (">", ">>", "»", "›") else text.strip()


def _pager_links(root, anchors, base_url: str, site: SiteConfig) -> list[str]:
    """Pagination URLs: explicit pager anchors, numbered-page ranges, JavaScript pagers."""
    here = canonical_url(base_url)
    here_dir = urlsplit(here).path.rsplit("/", 1)[0]
    if site.next_selector:
        pages = [u for a in _select(root, site.next_selector) if a.get("href")
                 if (u := link_url(a.get("href", ""), base_url))]
    else:
        pages = []
        for url, text, _ in anchors:
            norm = _normal_text(text)
            same_dir = urlsplit(url).path.rsplit("/", 1)[0] == here_dir
            if norm in PAGER_TEXTS or (norm.isdigit() and len(norm) <= 4 and same_dir):
                pages.append(url)
    scripts = " ".join(s.text or "" for s in root.iter("script"))
    pages += pager_pages(here, pages, scripts)
    return [p for p in dict.fromkeys(pages) if p != here]


def pager_pages(here: str, pager_urls: Iterable[str], scripts: str = "") -> list[str]:
    """All pages of a numbered series: fills in index_1 … index_N from the highest page
    linked (the 尾页 link), and expands TRS ``createPageHTML(N, …)`` pagers.

    >>> pager_pages("http://x.cn/a/index.html", ["http://x.cn/a/index_3.html"])
    ['http://x.cn/a/index_1.html', 'http://x.cn/a/index_2.html', 'http://x.cn/a/index_3.html']
    >>> pager_pages("http://x.cn/a/", [], 'createPageHTML(3, 0, "index", "shtml");')
    ['http://x.cn/a/index_1.shtml', 'http://x.cn/a/index_2.shtml']
    """
    parts = urlsplit(here)
    highest: dict[tuple[str, str, str], int] = {}
    for url in pager_urls:
        p = urlsplit(url)
        m = RE_NUMBERED_PAGE.match(p.path)
        if m and p.netloc == parts.netloc and not p.query:
            key = (m["stem"], m["sep"], m["ext"])
            highest[key] = max(highest.get(key, 0), int(m["n"]))
    m = RE_TRS_PAGER.search(scripts)
    if m:
        directory = parts.path.rsplit("/", 1)[0]
        total = int(m[1])
        if total > 1:
            key = (f"{directory}/{m[2]}", "_", f".{m[3]}")
            highest[key] = max(highest.get(key, 0), total - 1)
    out = []
    for (stem, sep, ext), top in highest.items():
        for n in range(1, min(top, MAX_GENERATED_PAGES) + 1):
            out.append(urlunsplit((parts.scheme, parts.netloc, f"{stem}{sep}{n}{ext}", "", "")))
    return out


# --- Sitemaps and feeds ------------------------------------------------------------------------

class UnsafeXML(ValueError):
    """XML with a DOCTYPE or entity declarations: refused (no entity expansion, ever)."""


UNSAFE_XML_REASON = "XML with a DOCTYPE or entity declaration refused (entity expansion, e.g. billion laughs)"


def parse_xml(data: bytes, max_bytes: int = 10 * 1024 * 1024) -> ElementTree.Element:
    """Parse sitemap or feed bytes (gzip allowed) with DOCTYPE and entities refused.

    Expat expands internal entities (billion laughs); a DOCTYPE has no business in a sitemap
    or feed, so its DOCTYPE and entity handlers raise UnsafeXML instead. Element names come
    out as ``namespace}local``.
    """
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, max_bytes)     # ValueError("gzip bomb: …") past max_bytes
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args):
        raise UnsafeXML(UNSAFE_XML_REASON)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = lambda tag: builder.end(tag)
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    return builder.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(root: ElementTree.Element, base_url: str) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index."""
    pages, sitemaps = [], []
    target = sitemaps if _local(root.tag) == "sitemapindex" else pages
    for el in root.iter():
        if _local(el.tag) == "loc" and el.text and (url := link_url(el.text, base_url)):
            target.append(url)
    return pages, sitemaps


def parse_feed(root: ElementTree.Element, base_url: str) -> list[str]:
    """Article URLs of an RSS 2.0, RSS 1.0 or Atom feed, in feed order."""
    urls = []
    for item in root.iter():
        if _local(item.tag) not in ("item", "entry"):
            continue
        for child in item:
            name = _local(child.tag)
            if name == "link":
                href = child.get("href") if child.get("href") else (child.text or "").strip()
                if href and child.get("rel", "alternate") == "alternate":
                    if url := link_url(href, base_url):
                        urls.append(url)
                    break
        else:
            guid = next((c for c in item if _local(c.tag) == "guid" and (c.text or "").startswith("http")), None)
            if guid is not None and (url := link_url(guid.text, base_url)):
                urls.append(url)
    return urls


def sniff_kind(page: Page) -> str:
    """'sitemap', 'feed' or 'list' for a start URL, from the body (types lie). XML with a
    DTD of its own counts as a sitemap, so that the XML parser refuses it."""
    head = page.html[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:2] == b"\x1f\x8b" or RE_XML_DTD.match(head):
        return "sitemap"
    m = RE_FEED_ROOT.search(head) if head.startswith(b"<?xml") or head[:1] == b"<" else None
    if m and not re.match(rb"<!doctype html|<html", head, re.I):
        return "sitemap" if m[1] in (b"urlset", b"sitemapindex") else "feed"
    return "list"


# --- Politeness --------------------------------------------------------------------------------

class Robots:
    """robots.txt per host, fetched once per crawl (Protego). 4xx → everything allowed;
    5xx or no complete answer → nothing allowed this run (RFC 9309 §2.3.1); a host that does
    not answer at all (no DNS name, connection refused) is *unreachable*, which is a failure
    to record as such, not a robots.txt refusal."""

    def __init__(self, settings: FetchSettings, fetcher=fetch):
        self.settings = settings
        self.fetcher = fetcher
        self.cache: dict[str, Protego | None] = {}
        self.outage: dict[str, str] = {}        # host → why its robots.txt could not be read
        self.unreachable: dict[str, str] = {}   # host → the connection failure

    def known(self, host: str) -> bool:
        return host in self.cache

    def load(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.netloc
        robots_url = urlunsplit((parts.scheme, host, "/robots.txt", "", ""))
        try:
            got = self.fetcher(robots_url, self.settings, accept=("",))
            text = got.html.decode("utf-8", "replace")
            self.cache[host] = Protego.parse(text)
        except Refused:
            raise
        except Unreachable as exc:
            logger.warning("%s is unreachable (%s): not crawling it this run", host, exc)
            self.cache[host] = None
            self.unreachable[host] = str(exc)
        except FetchError as exc:
            if 400 <= exc.status < 500:
                self.cache[host] = Protego.parse("")
            else:
                logger.warning("robots.txt of %s unavailable (%s): not crawling it this run", host, exc)
                self.cache[host] = None
                self.outage[host] = f"robots.txt unavailable ({exc}): host not crawled this run"

    def allowed(self, url: str) -> bool:
        rp = self.cache.get(urlsplit(url).netloc)
        return rp is not None and rp.can_fetch(url, ROBOTS_AGENT)

    def refusal(self, url: str) -> str:
        """Why ``allowed(url)`` is False, in words for the skips table."""
        return self.outage.get(urlsplit(url).netloc, "disallowed by robots.txt")

    def crawl_delay(self, host: str) -> float:
        rp = self.cache.get(host)
        delay = rp.crawl_delay(ROBOTS_AGENT) if rp is not None else None
        return float(delay or 0.0)


# --- The crawl loop ----------------------------------------------------------------------------

@dataclass
class _Frontier:
    """Per-host queues and the time each host may be asked again."""

    queues: dict[str, deque] = field(default_factory=dict)
    ready_at: dict[str, float] = field(default_factory=dict)

    def add(self, link: dict) -> None:
        self.queues.setdefault(url_host(link["url"]), deque()).append(link)

    def __len__(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def next(self) -> tuple[str, dict] | None:
        hosts = [h for h, q in self.queues.items() if q]
        if not hosts:
            return None
        host = min(hosts, key=lambda h: self.ready_at.get(h, 0.0))
        return host, self.queues[host].popleft()


OnArticle = Callable[[Page, str], "str | None"]


@dataclass(frozen=True)
class _Run:
    """What every visit of one crawl run needs."""

    db: object
    gen: int
    settings: FetchSettings
    sites: dict
    on_article: OnArticle
    fetcher: Callable
    max_depth: int | None


def crawl(db, seeds: Iterable[str], on_article: OnArticle, settings: FetchSettings = FetchSettings(),
          sites: dict[str, SiteConfig] | None = None, max_pages: int | None = None,
          max_depth: int | None = None, fetcher=fetch, sleep=time.sleep) -> CrawlStats:
    """Crawl from ``seeds``; ``on_article(page, article_id)`` stores one article page and returns
    its id (None when declined). Returns the run's counters (``stats.reached_nothing()`` when every
    URL was refused or unreachable); KeyboardInterrupt propagates with the log consistent (rerun
    to resume). Never raises for a page: every refusal and failure is a row in ``skips``."""
    started = time.monotonic()
    gen, resumed = queue.crawl_generation(db)
    run = _Run(db, gen, settings, sites or {}, on_article, fetcher, max_depth)
    stats = CrawlStats(generation=gen, resumed=resumed)
    frontier = _Frontier()
    if not resumed:
        queue.requeue_failed(db, gen)   # timeouts and 5xx of the last crawl get another chance
    for link in queue.pending_urls(db, gen):
        frontier.add(link)
    seeds = [canonical_url(s) for s in seeds]
    for link in queue.queue_urls(db, [{"url": s, "kind": "seed", "depth": 0, "seed": s} for s in seeds], gen):
        frontier.add(link)
    robots = Robots(settings, fetcher)
    host_pages: dict[str, int] = {}
    try:
        while max_pages is None or stats.fetched < max_pages:
            picked = frontier.next()
            if picked is None:
                break
            host, link = picked
            if host_pages.get(host, 0) >= settings.max_host_pages:
                _refuse(run, link, f"per-host page cap reached: {settings.max_host_pages} pages "
                                   f"fetched from {host} in this crawl", stats)
                continue
            wait = frontier.ready_at.get(host, 0.0) - time.monotonic()
            if wait > 0:
                sleep(wait)
            site = site_for(run.sites, host)
            delay = settings.delay if site.delay is None else site.delay
            if not robots.known(host):
                try:
                    robots.load(link["url"])
                except Refused as exc:
                    _refuse(run, link, str(exc), stats)
                    continue
                # The robots.txt request counts as a visit: the page waits its turn.
                frontier.ready_at[host] = time.monotonic() + max(delay, robots.crawl_delay(host))
                frontier.queues[host].appendleft(link)
                continue
            delay = max(delay, robots.crawl_delay(host))
            if host in robots.unreachable:
                _fail(run, link, robots.unreachable[host], stats)
                stats.unreachable += 1
                continue
            if not robots.allowed(link["url"]):
                _refuse(run, link, robots.refusal(link["url"]), stats)
                continue
            host_pages[host] = host_pages.get(host, 0) + 1
            try:
                for new in _visit(run, link, site, stats):
                    frontier.add(new)
            finally:
                frontier.ready_at[host] = time.monotonic() + delay
    finally:
        stats.elapsed = time.monotonic() - started
        stats.pending = len(queue.pending_urls(db, gen))
    return stats


def _refuse(run: _Run, link: dict, reason: str, stats: CrawlStats) -> None:
    stats.refused += 1
    _record_failure(run, link["url"], 0, reason)


def _fail(run: _Run, link: dict, reason: str, stats: CrawlStats, status: int = 0) -> None:
    stats.failed += 1
    _record_failure(run, link["url"], status, reason)


def _record_failure(run: _Run, url: str, status: int, reason: str) -> None:
    queue.save_fetch(run.db, url, run.gen, {"status": status, "error": reason})
    store.record_skip(run.db, "fetch", url[:MAX_SKIP_KEY], reason)


def _visit(run: _Run, link: dict, site: SiteConfig, stats: CrawlStats) -> list[dict]:
    """Fetch one queued URL and act on it by kind; returns the links it newly queued."""
    db, gen = run.db, run.gen
    url, kind = link["url"], link["kind"]
    previous = queue.get_fetch(db, url) or {}
    accept = HTML_TYPES if kind in ("article", "list") else HTML_TYPES + XML_TYPES
    stats.fetched += 1
    try:
        got = run.fetcher(url, run.settings, etag=previous.get("etag"),
                          last_modified=previous.get("last_modified"), accept=accept)
    except Refused as exc:                 # a redirect to a private address or another scheme
        _refuse(run, link, str(exc), stats)
        return []
    except FetchError as exc:
        stats.unreachable += isinstance(exc, Unreachable)
        _fail(run, link, str(exc), stats, exc.status)
        return []
    page = replace(got, encoding=site.encoding or got.encoding)
    record = {"final_url": page.url, "status": page.status, "fetched_at": page.fetched_at,
              "etag": page.etag, "last_modified": page.last_modified, "content_type": page.content_type,
              "encoding": page.encoding, "error": None}
    if page.status == 304:
        stats.unchanged += 1
        queue.save_fetch(db, url, gen, record)
        return []
    digest = hashlib.sha256(page.html).hexdigest()
    record["sha256"] = digest
    if previous.get("sha256") == digest and (previous.get("article_id") or previous.get("kind") != "article"):
        stats.unchanged += 1
        queue.save_fetch(db, url, gen, record)
        return []
    if page.url != url:
        done = queue.get_fetch(db, page.url)
        if done and done.get("fetched_gen") == gen:
            # Two URLs redirecting to one page: the page is handled once.
            queue.save_fetch(db, url, gen, {**record, "article_id": done.get("article_id")})
            return []
    if kind == "seed":
        kind = sniff_kind(page)
    if kind in ("sitemap", "feed"):
        stats.lists += 1
        try:
            root = parse_xml(page.html, run.settings.max_bytes)
        except (ElementTree.ParseError, ValueError) as exc:
            stats.lists -= 1
            stats.failed += 1
            record["error"] = f"bad {kind}: {exc}"
            queue.save_fetch(db, url, gen, record)
            store.record_skip(db, "fetch", url, record["error"])
            return []
        if _local(root.tag) in ("rss", "feed", "rdf"):
            articles, sitemaps = parse_feed(root, page.url), []
        else:
            articles, sitemaps = parse_sitemap(root, page.url)
        links = _links(run, link, articles, "article", stats) + _links(run, link, sitemaps, "sitemap", stats)
        return queue.save_fetch(db, url, gen, record, links)
    if kind == "list":
        text, _ = decode_html(page.html, page.encoding)
        found = find_links(text, page.url, site)
        # A start URL without article links or pager is an article page itself.
        if found.articles or found.pages or link["kind"] != "seed":
            stats.lists += 1
            links = (_links(run, link, found.articles, "article", stats)
                     + _links(run, link, found.pages, "list", stats))
            return queue.save_fetch(db, url, gen, record, links)
    record["article_id"] = run.on_article(page, article_id(page.url))
    if record["article_id"]:
        stats.articles += 1
    else:
        stats.declined += 1
    if page.url != url:
        queue.save_fetch(db, page.url, gen, {**record, "kind": "article"})
    return queue.save_fetch(db, url, gen, record)


def _links(run: _Run, parent: dict, urls: Iterable[str], kind: str, stats: CrawlStats) -> list[dict]:
    """Links to queue: on the start host of their crawl (or a host its site config follows),
    within ``max_depth`` hops and ``max_url_length`` characters — filtered before queueing, so
    nothing stays pending forever and an ever-growing query string ends at the cap."""
    depth = parent["depth"] + 1
    if run.max_depth is not None and depth > run.max_depth:
        return []
    seed = parent.get("seed") or parent["url"]
    seed_host = url_host(seed)
    follow = site_for(run.sites, seed_host).follow_hosts
    links = []
    for u in urls:
        if not (url_host(u) == seed_host or (urlsplit(u).hostname or "") in follow):
            continue
        if len(u) > run.settings.max_url_length:
            stats.trapped += 1
            store.record_skip(run.db, "fetch", u[:MAX_SKIP_KEY],
                              f"URL over {run.settings.max_url_length} characters ({len(u)}): link trap refused")
            continue
        links.append({"url": u, "kind": kind, "depth": depth, "seed": seed})
    return links
