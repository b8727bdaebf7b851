"""HTTP fetching for the crawler: one page, politely and safely → ``Page`` or ``FetchError``.

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
   shared, reserved or multicast addresses (unless ``allow_private``); the address checked is
   the address connected to;
2. send a GET with our User-Agent and, for a page seen before, If-None-Match / If-Modified-Since;
3. 3xx: follow ``Location`` (canonicalised) up to ``max_redirects`` hops, a loop fails at once;
   a hop to another scheme (file:, ftp:, javascript:) or to a non-public address is refused,
   even under ``allow_private`` unless it stays on the first hop's own address;
4. 429 / 5xx / timeout / dropped connection / unreachable host: retry with exponential
   backoff, honouring ``Retry-After`` (seconds or an HTTP date) up to ``max_retry_after``;
5. 304 → ``Page(status=304, html=b"")``; other 4xx → FetchError with the status;
6. 200: content type must be one of ``accept`` (HTML, or XML for sitemaps and feeds), the body is
   read in chunks as they come and refused past ``max_bytes`` (a declared Content-Length past
   it is refused before reading), past ``max_time`` seconds in all, or below ``min_rate``
   bytes/s once ``min_rate_after`` seconds have passed (a server dripping one byte a second
   never trips a socket timeout); a gzip or deflate Content-Encoding is inflated up to
   ``max_bytes`` (gzip bombs); bodies that are binary (NULs, image/PDF/zip magic) are refused
   even when the server calls them text/html.
"""
from __future__ import annotations

import email.utils
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from corpus.article import Page
from corpus.decode import RE_HEADER_CHARSET
from corpus.urls import canonical_url

logger = logging.getLogger(__name__)

USER_AGENT = "wrmine/0.1 (+https://github.com/wrmine/wrmine; research crawler for work-report articles)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
             "application/x-gzip", "application/gzip", "application/octet-stream")
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = (429, 500, 502, 503, 504)
# File signatures of common binaries that servers mislabel as text/html.
BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff",
                b"\xd0\xcf\x11\xe0", b"Rar!", b"7z\xbc\xaf")
COMPRESSED_ENCODINGS = ("gzip", "x-gzip", "deflate")
CHUNK_BYTES = 65536
MB = 1024 * 1024


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


class Unreachable(FetchError):
    """No HTTP answer at all: the name does not resolve or the connection is refused or cut.
    Retried (the outage may pass), and never mistaken for a robots.txt refusal."""

    def __init__(self, reason: str):
        super().__init__(f"host unreachable: {reason}", 0, retryable=True)


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
    max_bytes: int = field(default=10 * MB, metadata={"help": "Largest body read (streamed), and largest size a gzip body may inflate to; bigger pages are refused."})
    max_time: float = field(default=60.0, metadata={"help": "Longest time one response may take, headers and body together; slower ones are dropped as too slow."})
    min_rate: int = field(default=1024, metadata={"help": "Slowest average download rate (bytes/s) accepted once a body has taken min_rate_after seconds."})
    min_rate_after: float = field(default=10.0, metadata={"help": "Seconds of body download after which min_rate applies."})
    max_host_pages: int = field(default=20000, metadata={"help": "Most pages fetched from one host in one crawl (calendar and pagination traps)."})
    max_url_length: int = field(default=1024, metadata={"help": "Longest URL queued; longer links are dropped as link traps (ever-growing query strings)."})
    allow_private: bool = field(default=False, metadata={"help": "Allow hosts on private, loopback and link-local addresses (a redirect may still not leave the first host's address)."})


def _size(n: int) -> str:
    """Human size for reasons: whole megabytes as ``10 MB``, anything else in bytes."""
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else f"{n} bytes"


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local,
    shared 100.64/10, documentation, reserved or multicast).

    >>> is_public("8.8.8.8"), is_public("10.0.0.1"), is_public("::ffff:127.0.0.1")
    (True, False, False)
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unreachable(f"cannot resolve {host} ({getattr(exc, 'strerror', None) or exc})") from None
    if not infos:
        raise Unreachable(f"cannot resolve {host} (no address)")
    return [info[4][0] for info in infos]


def check_url(url: str, allow_private: bool = False) -> tuple[str, int, str]:
    """Vet a URL before connecting: returns (host, port, address to connect to) or raises Refused
    (or Unreachable when the name does not resolve). Every address of the name must be public:
    a name answering one public and one private address is refused.

    ``check_url("ftp://example.org/")`` → Refused("only http and https URLs are fetched, not 'ftp'");
    ``check_url("http://127.0.0.1/")`` → Refused unless ``allow_private``.
    """
    host, port, addresses = _vet_url(url, allow_private)
    return host, port, addresses[0]


def _vet_url(url: str, allow_private: bool) -> tuple[str, int, list[str]]:
    host, port = _host_port(url)
    addresses = _resolve(host, port)
    if not allow_private:
        for addr in addresses:
            if not is_public(addr):
                raise Refused(f"{host} resolves to non-public address {addr} (use --allow-private to allow)")
    return host, port, addresses


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise Refused(f"URL has no host: {url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(f"URL has a malformed port: {url}") from None
    return host, port


def _check_redirect(target: str, settings: FetchSettings, home: list[str]) -> tuple[str, int, str]:
    """Vet a redirect hop: http(s) only, and no way into a private network. ``allow_private``
    lets a local site redirect within its own addresses (``home``), never on to another one."""
    scheme = urlsplit(target).scheme
    if scheme not in ("http", "https"):
        raise Refused(f"redirect to {scheme or 'a schemeless'}: URL refused (only http and https are followed)")
    host, port = _host_port(target)
    addresses = _resolve(host, port)
    for addr in addresses:
        if not is_public(addr) and not (settings.allow_private and addr in home):
            named = addr if addr == host.strip("[]") else f"{addr} ({host})"
            raise Refused(f"redirect to private address {named} refused")
    return host, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the vetted address while sending the real Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = _connect(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((address, port), timeout)
    except (TimeoutError, socket.timeout):
        raise Unreachable(f"no connection to {address}:{port} within {timeout:g}s") from None
    except ConnectionRefusedError:
        raise Unreachable(f"connection to {address}:{port} refused") from None
    except OSError as exc:
        raise Unreachable(f"cannot connect to {address}:{port} ({exc.strerror or exc})") from None


def fetch(url: str, settings: FetchSettings = FetchSettings(), etag: str | None = None,
          last_modified: str | None = None, accept: tuple[str, ...] = HTML_TYPES + XML_TYPES,
          sleep=time.sleep) -> Page:
    """GET one URL with retries, redirects and limits (see the module docstring for the steps).

    ``etag``/``last_modified`` make the request conditional; a 304 comes back as a Page with
    an empty body. Raises FetchError (Refused for policy refusals, Unreachable when no server
    answered) with the reason.
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
                     last_modified: str | None, accept: tuple[str, ...]) -> Page:
    current = canonical_url(url)
    seen = {current}
    host, port, home = _vet_url(current, settings.allow_private)
    target = (host, port, home[0])
    for _hop in range(settings.max_redirects + 1):
        status, headers, body = _request(current, target, settings, etag, last_modified, accept)
        if status in REDIRECTS:
            location = headers.get("location")
            if not location:
                raise FetchError(f"HTTP {status} without a Location header", status)
            absolute = urljoin(current, location.strip())
            scheme = urlsplit(absolute).scheme.lower()
            if scheme not in ("http", "https"):
                raise Refused(f"redirect to {scheme or 'a schemeless'}: URL refused "
                              "(only http and https are followed)", status)
            try:
                nxt = canonical_url(absolute)
            except ValueError:
                raise FetchError(f"HTTP {status} with a malformed Location: {location[:200]!r}", status) from None
            if nxt in seen:
                raise FetchError(f"redirect loop at {nxt}", status)
            seen.add(nxt)
            target = _check_redirect(nxt, settings, home)
            current = nxt
            continue
        content_type, charset = _content_type(headers.get("content-type"))
        return Page(url=current, fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    status=status, html=body, encoding=charset, content_type=content_type,
                    requested_url=canonical_url(url), etag=headers.get("etag"),
                    last_modified=headers.get("last-modified"))
    raise FetchError(f"more than {settings.max_redirects} redirects", 0)


class _Watchdog:
    """Cuts a response off after ``max_time`` seconds whatever the server does: a socket timeout
    only bounds the wait for the *next* byte, so a server dripping headers never trips it."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float):
        self.conn = conn
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.expired = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)   # wakes the blocked read in the fetching thread
            except OSError:
                pass

    def check(self, status: int = 0) -> None:
        if self.expired or time.monotonic() > self.deadline:
            self.expired = True
            raise FetchError(f"too slow: no complete response within {self.seconds:g} s", status)


def _request(url: str, target: tuple[str, int, str], settings: FetchSettings, etag: str | None,
             last_modified: str | None, accept: tuple[str, ...]) -> tuple[int, dict[str, str], bytes]:
    """One GET to the vetted ``target`` (host, port, address), no redirects followed:
    (status, lower-cased headers, body)."""
    host, port, address = target
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address, settings.timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {"User-Agent": settings.user_agent, "Accept": ", ".join(accept) + ";q=0.9, */*;q=0.1",
                       "Accept-Encoding": "identity"}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    watchdog = _Watchdog(conn, settings.max_time)
    watchdog.timer.start()
    status = 0
    try:
        conn.connect()
        conn.request("GET", path, headers=request_headers)
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        status = resp.status
        watchdog.check(status)
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
        length = headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > settings.max_bytes:
            raise FetchError(f"response over {_size(settings.max_bytes)}: Content-Length {int(length)} "
                             "refused before reading", status)
        body = _read_limited(resp, settings, watchdog, status)
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding in COMPRESSED_ENCODINGS:
            try:
                body = gunzip(body, settings.max_bytes)
            except ValueError as exc:
                raise FetchError(str(exc), status) from None
    except FetchError:
        raise
    except (TimeoutError, socket.timeout) as exc:
        watchdog.check(status)
        raise FetchError(f"timed out after {settings.timeout}s ({exc or 'no data'})", retryable=True) from None
    except (ConnectionError, http.client.HTTPException, OSError) as exc:
        watchdog.check(status)
        raise FetchError(f"connection failed: {type(exc).__name__}: {exc}", retryable=True) from None
    finally:
        watchdog.timer.cancel()
        conn.close()
    if is_binary(body):
        raise FetchError(f"binary body served as {content_type or 'untyped'}", status)
    return status, headers, body


def _read_limited(resp: http.client.HTTPResponse, settings: FetchSettings, watchdog: _Watchdog,
                  status: int) -> bytes:
    """The body as it comes (``read1``: whatever one receive gives, so a slow server is
    measured chunk by chunk), refused past ``max_bytes``, ``max_time`` or below ``min_rate``."""
    chunks, size = [], 0
    started = time.monotonic()
    while True:
        chunk = resp.read1(CHUNK_BYTES)
        watchdog.check(status)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > settings.max_bytes:
            raise FetchError(f"response over {_size(settings.max_bytes)}: stopped reading", status)
        chunks.append(chunk)
        elapsed = time.monotonic() - started
        if elapsed > settings.min_rate_after and size / elapsed < settings.min_rate:
            raise FetchError(f"too slow: under {settings.min_rate} bytes/s "
                             f"({size} bytes in {elapsed:.1f} s)", status)


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip (or zlib) body, refusing to produce more than ``max_bytes``: a few
    kilobytes of gzip can inflate to gigabytes. Raises ValueError with the reason.

    >>> import gzip; gunzip(gzip.compress(b"<p>x</p>"), 100)
    b'<p>x</p>'
    """
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)   # gzip or zlib header, detected
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"bad gzip body: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ValueError(f"gzip bomb: decompressed size over {_size(max_bytes)}")
    return out


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
    m = RE_HEADER_CHARSET.search(value)
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
