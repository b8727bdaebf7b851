"""A small web site on 127.0.0.1 for the crawler tests and benchmark (stdlib ThreadingHTTPServer).

Serves ``tests/fixtures/site/`` (ETag / Last-Modified and conditional requests supported, no
charset in Content-Type so pages must be decoded from their bytes), plus scripted misbehaviour
chosen by the file name, as government sites do it:

- ``*_404.*``  → 404                    - ``*_500.*``  → 500 on the first request, then the page
- ``*_bin.*``  → a PNG as text/html     - ``*_slow.*`` → waits ``slow_seconds`` before answering
- ``*_loop.*`` → redirect loop          - ``moved_<date>.html`` → 301 to ``t<date>_1007.html``
- ``*_big.*``  → a body over 10 MB without Content-Length
- ``*_503.*`` → 503 with Retry-After: 3600
- ``/throttle.html`` → 429 with Retry-After: 0 once, then a page

``routes`` maps extra paths to bytes (real pages from ../shared are added by the tests);
``scripts`` maps a path to a function ``script(handler)`` that writes the whole response itself
(hostile servers in tests/test_hostile.py: drips, endless bodies, traps; ``handler.path`` keeps
the query string); ``requests`` records every path asked for, with its headers; ``sent`` counts
the body bytes scripts report writing.
"""
from __future__ import annotations

import hashlib
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).parent / "fixtures" / "site"
TYPES = {".html": "text/html", ".shtml": "text/html", ".xml": "application/xml", ".txt": "text/plain",
         ".gz": "application/x-gzip"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LAST_MODIFIED = formatdate(1704067200, usegmt=True)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Clients that time out or stop reading are part of the tests, not errors."""


class SiteServer:
    """Start with ``with SiteServer() as site: site.url("/news/")``."""

    def __init__(self, root: Path = SITE, slow_seconds: float = 1.0):
        self.root = root
        self.slow_seconds = slow_seconds
        self.routes: dict[str, bytes] = {}
        self.scripts: dict[str, object] = {}
        self.sent = 0
        self.requests: list[tuple[str, dict]] = []
        self.failed_once: set[str] = set()
        self.article_delay = 0.0   # seconds added to every article page (kill-and-resume test)
        self.lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.requests]

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with site.lock:
                    site.requests.append((path, dict(self.headers)))
                    first = path not in site.failed_once
                    site.failed_once.add(path)
                name = path.rsplit("/", 1)[-1]
                if path in site.scripts:
                    try:
                        return site.scripts[path](self)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True   # the client hung up on a hostile answer
                        return None
                if "_404." in name:
                    return self._send(404, b"<h1>404 Not Found</h1>")
                if "_500." in name and first:
                    return self._send(500, b"<h1>500</h1>", {"Retry-After": "0"})
                if "_503." in name:
                    return self._send(503, b"<h1>maintenance</h1>", {"Retry-After": "3600"})
                if path == "/throttle.html" and first:
                    return self._send(429, b"slow down", {"Retry-After": "0"})
                if "_bin." in name:
                    return self._send(200, PNG)
                if "_slow." in name:
                    time.sleep(site.slow_seconds)
                    return self._send(200, b"<html><body><p>too late</p></body></html>")
                if "_loop." in name:
                    other = path.replace("_loop.", "_loop2.")
                    return self._send(302, b"", {"Location": other})
                if "_loop2." in name:
                    return self._send(302, b"", {"Location": path.replace("_loop2.", "_loop.")})
                if name.startswith("moved_"):
                    date = name[len("moved_"):].split(".")[0]
                    return self._send(301, b"", {"Location": f"t{date}_1007.html"})
                if "_big." in name:
                    return self._send_big()
                body = site.routes.get(path)
                if path == "/throttle.html":
                    body = b"<html><body><p>ok</p></body></html>"
                if body is None:
                    body = self._file(path)
                if body is None:
                    return self._send(404, b"<h1>404 Not Found</h1>")
                if site.article_delay and "/t20" in path:
                    time.sleep(site.article_delay)
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", {"ETag": etag})
                ext = "." + name.rsplit(".", 1)[-1] if "." in name else ".html"
                self._send(200, body, {"ETag": etag, "Last-Modified": LAST_MODIFIED},
                           TYPES.get(ext, "text/html"))

            def _file(self, path: str) -> bytes | None:
                target = (site.root / path.lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if site.root.resolve() not in target.parents or not target.is_file():
                    return None
                return target.read_bytes()

            def _send(self, status, body, headers=None, content_type="text/html"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if status != 304:
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client gave up (timeout tests)

            def _send_big(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + "很长的页面".encode("utf-8") * 4000 + b"</p>\n"
                try:
                    for _ in range(11 * 1024 * 1024 // len(chunk) + 2):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        return Handler
