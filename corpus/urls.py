"""URL identity, shared by the crawler and the readers: the one spelling of a URL, its host,
and the article id derived from it. Standard library only, so reading a WARC file never
imports the crawler or the fetcher.
"""
from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the visitor; dropping them makes reposted links one URL.
TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
                   "spm", "from", "isappinstalled")
SAFE_PATH = "/%:@!$&'()*+,;=-._~"


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a URL that the crawl log keys on.

    Lower-case scheme and host, no default port, no fragment, ``.``/``..`` resolved, path and
    query percent-encoded the same way, query parameters sorted, tracking parameters dropped.
    Raises ValueError for a malformed URL (a bad port, an unclosed IPv6 bracket).

    >>> canonical_url("HTTP://Www.Gov.CN:80/a/./b/../新闻.html?b=2&a=1&utm_source=x#top")
    'http://www.gov.cn/a/%E6%96%B0%E9%97%BB.html?a=1&b=2'
    """
    if base is not None:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if host else host
    except UnicodeError:
        pass
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = _resolve_dots(parts.path or "/")
    path = quote(unquote(path), safe=SAFE_PATH)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if k.lower() not in TRACKING_PARAMS))
    return urlunsplit((scheme, netloc, path, query, ""))


def _resolve_dots(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def url_host(url: str) -> str:
    """``host[:port]`` of a URL as the crawler groups politeness by."""
    return urlsplit(url).netloc.lower()


def article_id(url: str) -> str:
    """Stable article id for a crawled page: host plus a short hash of the canonical URL.

    >>> article_id("http://www.gov.cn/xinwen/2024/t20240501_1.html")
    'www.gov.cn-6651361a2a6d'
    """
    canon = canonical_url(url)
    host = urlsplit(canon).hostname or "page"
    return f"{host}-{hashlib.sha1(canon.encode('utf-8')).hexdigest()[:12]}"
