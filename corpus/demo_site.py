"""A small local website made from the bundled sample articles, for ``wrmine demo --crawl``.

The demo shows the crawler without touching the network: the sample articles are rendered as
article pages of a typical government-site column (breadcrumb, 发布时间/来源 line, footer), listed
on a paginated column page (``index.html`` → ``index_1.html``), and served on 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from corpus.clean import article_from_text

PER_LIST_PAGE = 3
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} - 示例老干部工作网</title></head>
<body><div class="nav">当前位置：<a href="/">首页</a> &gt; <a href="/news/index.html">工作动态</a> &gt; 正文</div>
<div class="article"><h1>{title}</h1>
<div class="info">发布时间：{published}　来源：{source}　【字体：大 中 小】</div>
<div class="content">{body}</div>
<div class="share">分享到： 打印本页 关闭窗口</div></div>
<div class="footer">主办单位：示例老干部工作网　版权所有　ICP备00000000号</div></body></html>"""
LIST = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>工作动态 - 示例老干部工作网</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; 工作动态</div><ul class="list">{items}</ul>
<div class="pager">{pager}</div><div class="footer">版权所有　ICP备00000000号</div></body></html>"""


def build_site(samples_dir: Path) -> dict[str, bytes]:
    """Path → page bytes of the demo site (column pages, article pages, robots.txt)."""
    pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
    links = []
    for n, path in enumerate(sorted(samples_dir.glob("seed-*.txt")), start=1):
        article = article_from_text(path.stem, path.read_text(encoding="utf-8"))
        url = f"/news/202401/t2024010{n}_{1000 + n}.html"
        body = "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n") if p.strip())
        pages[url] = PAGE.format(title=html.escape(article.title or path.stem), body=body,
                                 published=article.published or "2024-01-0" + str(n),
                                 source=html.escape(article.source or "示例老干部工作网")).encode("utf-8")
        links.append((url, article.title or path.stem))
    chunks = [links[i:i + PER_LIST_PAGE] for i in range(0, len(links), PER_LIST_PAGE)]
    for i, chunk in enumerate(chunks):
        name = "/news/index.html" if i == 0 else f"/news/index_{i}.html"
        items = "".join(f'<li><a href="{u}">{html.escape(t)}</a><span>2024-01-0{i + 1}</span></li>'
                        for u, t in chunk)
        pager = f'<a href="index_{i + 1}.html">下一页</a>' if i + 1 < len(chunks) else ""
        pages[name] = LIST.format(items=items, pager=pager).encode("utf-8")
    return pages


@contextlib.contextmanager
def serve(pages: dict[str, bytes]) -> Iterator[str]:
    """Serve ``pages`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = pages.get(self.path.split("?", 1)[0])
            if body is None:
                self.send_error(404)
                return
            ctype = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the demo's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
