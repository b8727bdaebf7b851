"""HTTP fetching for the crawler: one page, politely and safely → ``Fetched`` or ``FetchError``.

Built on the standard library's ``http.client`` rather than ``requests``:

- every redirect hop must be checked again (scheme, private address, canonical form) before it
  is followed, so redirects are followed here by hand anyway;
- the connection is made to the address that was vetted, not to a second DNS answer
  (no DNS-rebinding window between the check and the connect);
- the body is streamed and cut at ``max_bytes``; bytes are handed on untouched with the header
  charset (``requests`` would guess ISO-8859-1 for an undeclared GBK page), and decoding stays
  the job of the cleaning stage;
- no extra dependency.

The steps of ``fetch(url, settings)``:

1. refuse anything but http/https, and hosts resolving to private, loopback, link-local,
   reserved or multicast addresses (unless ``allow_private``);
2. send a GET with our User-Agent and, for a page seen before, If-None-Match / If-Modified-Since;
3. 3xx: follow ``Location`` (canonicalised) up to ``max_redirects`` hops, a loop fails at once;
4. 429 / 5xx / timeout / dropped connection: retry with exponential backoff, honouring
   ``Retry-After`` (seconds or an HTTP date) up to ``max_retry_after``;
5. 304 → ``Fetched(status=304, body=b"")``; other 4xx → FetchError with the status;
6. 200: content type must be one of ``accept`` (HTML, or XML for sitemaps and feeds), the body is
   read in chunks and refused past ``max_bytes``; bodies that are binary (NULs, image/PDF/zip
   magic) are refused even when the server calls them text/html.
"""
from __future__ import annotations

import email.utils
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

USER_AGENT = "wrmine/0.1 (+https://github.com/wrmine/wrmine; research crawler for work-report articles)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
             "application/x-gzip", "application/gzip", "application/octet-stream")
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = (429, 500, 502, 503, 504)
# Query parameters that only track the visitor; dropping them makes reposted links one URL.
TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
                   "spm", "from", "isappinstalled")
# File signatures of common binaries that servers mislabel as text/html.
BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff",
                b"\xd0\xcf\x11\xe0", b"Rar!", b"7z\xbc\xaf")
RE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
SAFE_PATH = "/%:@!$&'()*+,;=-._~"


class FetchError(Exception):
    """A page could not be fetched; ``str(exc)`` is the one-line reason, ``status`` the last
    HTTP status (0 when none), ``retryable`` whether a later crawl may succeed."""

    def __init__(self, reason: str, status: int = 0, retryable: bool = False):
        super().__init__(reason)
        self.status = status
        self.retryable = retryable
        self.retry_after: float | None = None  # seconds from a Retry-After header


class Refused(FetchError):
    """Our own policy refused the URL (scheme, private address, robots.txt); never retried."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the crawler fetches; every field becomes documented behaviour (see test_crawl)."""

    user_agent: str = field(default=USER_AGENT, metadata={"help": "User-Agent header sent with every request."})
    delay: float = field(default=1.0, metadata={"help": "Seconds between two requests to one host (robots.txt Crawl-delay wins when larger)."})
    timeout: float = field(default=20.0, metadata={"help": "Seconds to wait for a connection or for the next bytes of a response."})
    retries: int = field(default=3, metadata={"help": "Extra attempts after a timeout, a dropped connection, 429 or 5xx."})
    backoff: float = field(default=1.0, metadata={"help": "First retry wait in seconds; doubles on each attempt."})
    max_retry_after: float = field(default=120.0, metadata={"help": "Longest Retry-After we wait for; a longer one fails the page."})
    max_redirects: int = field(default=5, metadata={"help": "Redirect hops followed before giving up."})
    max_bytes: int = field(default=10 * 1024 * 1024, metadata={"help": "Largest body read (streamed); bigger pages are refused."})
    allow_private: bool = field(default=False, metadata={"help": "Allow hosts on private, loopback and link-local addresses."})


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP response: ``url`` as asked, ``final_url`` after redirects, the raw body bytes and
    the header charset (None when the server sent none — the cleaner decodes)."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str = ""


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a URL that the crawl log keys on.

    Lower-case scheme and host, no default port, no fragment, ``.``/``..`` resolved, path and
    query percent-encoded the same way, query parameters sorted, tracking parameters dropped.

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


def check_url(url: str, allow_private: bool = False) -> tuple[str, int, str]:
    """Vet a URL before connecting: returns (host, port, address to connect to) or raises Refused.

    ``check_url("ftp://example.org/")`` → Refused("only http and https URLs are fetched, not 'ftp'");
    ``check_url("http://127.0.0.1/")`` → Refused unless ``allow_private``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise Refused(f"URL has no host: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}", retryable=True) from None
    addresses = [info[4][0] for info in infos]
    for addr in addresses:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
        blocked = (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                   or ip.is_multicast or ip.is_unspecified)
        if blocked and not allow_private:
            raise Refused(f"{host} resolves to non-public address {addr} (use --allow-private to allow)")
    return host, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the vetted address while sending the real Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, settings: FetchSettings = FetchSettings(), etag: str | None = None,
          last_modified: str | None = None, accept: tuple[str, ...] = HTML_TYPES + XML_TYPES,
          sleep=time.sleep) -> Fetched:
    """GET one URL with retries, redirects and limits (see the module docstring for the steps).

    ``etag``/``last_modified`` make the request conditional; a 304 comes back as a Fetched with
    an empty body. Raises FetchError (Refused for policy refusals) with the reason.
    """
    attempt = 0
    while True:
        try:
            return _fetch_following(url, settings, etag, last_modified, accept)
        except FetchError as exc:
            if not exc.retryable or attempt >= settings.retries:
                raise
            wait = exc.retry_after
            if wait is None:
                wait = settings.backoff * (2 ** attempt)
            if wait > settings.max_retry_after:
                raise FetchError(f"{exc} (Retry-After {wait:.0f}s exceeds {settings.max_retry_after:.0f}s)",
                                 exc.status) from None
            attempt += 1
            logger.info("retry %d/%d of %s in %.2fs: %s", attempt, settings.retries, url, wait, exc)
            sleep(wait)


def _fetch_following(url: str, settings: FetchSettings, etag: str | None,
                     last_modified: str | None, accept: tuple[str, ...]) -> Fetched:
    current = canonical_url(url)
    seen = {current}
    for _hop in range(settings.max_redirects + 1):
        status, headers, body = _request(current, settings, etag, last_modified, accept)
        if status in REDIRECTS:
            location = headers.get("location")
            if not location:
                raise FetchError(f"HTTP {status} without a Location header", status)
            target = canonical_url(location, base=current)
            if target in seen:
                raise FetchError(f"redirect loop at {target}", status)
            seen.add(target)
            current = target
            continue
        content_type, charset = _content_type(headers.get("content-type"))
        return Fetched(url=canonical_url(url), final_url=current, status=status, body=body,
                       content_type=content_type, charset=charset, etag=headers.get("etag"),
                       last_modified=headers.get("last-modified"),
                       fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    raise FetchError(f"more than {settings.max_redirects} redirects", 0)


def _request(url: str, settings: FetchSettings, etag: str | None, last_modified: str | None,
             accept: tuple[str, ...]) -> tuple[int, dict[str, str], bytes]:
    """One GET, no redirects followed: (status, lower-cased headers, body)."""
    host, port, address = check_url(url, settings.allow_private)
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address, settings.timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {"User-Agent": settings.user_agent, "Accept": ", ".join(accept) + ";q=0.9, */*;q=0.1",
                       "Accept-Encoding": "identity"}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        conn.request("GET", target, headers=request_headers)
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        status = resp.status
        if status in RETRY_STATUSES:
            exc = FetchError(f"HTTP {status}", status, retryable=True)
            exc.retry_after = _retry_after(headers.get("retry-after"))
            raise exc
        if status in REDIRECTS or status == 304:
            return status, headers, b""
        if status >= 400:
            raise FetchError(f"HTTP {status}", status)
        if status != 200:
            raise FetchError(f"unexpected HTTP {status}", status)
        content_type, _ = _content_type(headers.get("content-type"))
        if content_type and not content_type.startswith(accept):
            raise FetchError(f"content type {content_type} is not HTML or XML", status)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > settings.max_bytes:
            raise FetchError(f"page of {int(length)} bytes exceeds the {settings.max_bytes}-byte limit", status)
        body = _read_limited(resp, settings.max_bytes, status)
    except (TimeoutError, socket.timeout) as exc:
        raise FetchError(f"timed out after {settings.timeout}s ({exc or 'no data'})", retryable=True) from None
    except (ConnectionError, http.client.HTTPException, OSError) as exc:
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"connection failed: {type(exc).__name__}: {exc}", retryable=True) from None
    finally:
        conn.close()
    if is_binary(body):
        raise FetchError(f"binary body served as {content_type or 'untyped'}", status)
    return status, headers, body


def _read_limited(resp: http.client.HTTPResponse, max_bytes: int, status: int) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = resp.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"page exceeds the {max_bytes}-byte limit (stopped reading)", status)
        chunks.append(chunk)


def is_binary(body: bytes) -> bool:
    """True for bodies that cannot be a web page whatever the server claims (gzip is allowed:
    sitemaps come gzipped).

    >>> is_binary(b"%PDF-1.7 ..."), is_binary("<p>党建</p>".encode("gbk"))
    (True, False)
    """
    head = body[:4096]
    if head.startswith(BINARY_MAGIC):
        return True
    if head.startswith(b"\x1f\x8b"):
        return False
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    mime = value.split(";", 1)[0].strip().lower() or None
    m = RE_CHARSET.search(value)
    return mime, (m.group(1).lower() if m else None)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def settings_help() -> dict[str, str]:
    """Field name → help text, for documentation and the CLI."""
    return {f.name: f.metadata.get("help", "") for f in fields(FetchSettings)}
