"""Crawl speed on the local test site with --delay 0: pages/s fetched (list pages + articles),
once with a no-op article handler (crawler + HTTP + fetch log alone) and once through the real
clean → extract → store path of ``wrmine crawl`` (pipeline models loaded before timing).

Articles are the real pages of ``../shared/bench/boilerplate/dev`` served without a charset
header under many URLs (the hand-written fixture pages when ../shared is absent), 20 links per
list page, paginated with 下一页.

    python benchmarks/bench_crawl.py [--articles 200] [--shared ../shared]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from corpus import store  # noqa: E402
from corpus.crawl import crawl  # noqa: E402
from corpus.fetch import FetchSettings  # noqa: E402
from site_server import SITE, SiteServer  # noqa: E402

PER_PAGE = 20


def build_site(server: SiteServer, bodies: list[bytes], n: int) -> None:
    """List pages /col/index.html, index_1.html … each linking PER_PAGE articles and the next page."""
    pages = (n + PER_PAGE - 1) // PER_PAGE
    for p in range(pages):
        items = "".join(
            f'<li><a href="t20240101_{i:05d}.html">示例县工作动态第{i}篇稿件标题</a></li>'
            for i in range(p * PER_PAGE, min(n, (p + 1) * PER_PAGE)))
        nxt = f'<a href="index_{p + 1}.html">下一页</a>' if p + 1 < pages else ""
        name = "index.html" if p == 0 else f"index_{p}.html"
        server.routes[f"/col/{name}"] = f"<html><body><ul>{items}</ul>{nxt}</body></html>".encode("utf-8")
    for i in range(n):
        server.routes[f"/col/t20240101_{i:05d}.html"] = bodies[i % len(bodies)]


def run(server: SiteServer, handler_factory) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(str(Path(tmp) / "bench.db"))
        settings = FetchSettings(delay=0, timeout=10, allow_private=True)
        start = time.perf_counter()
        stats = crawl(db, [server.url("/col/index.html")], handler_factory(db), settings)
        elapsed = time.perf_counter() - start
        db.close()
    return stats.fetched / elapsed, stats.articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    real = sorted((args.shared / "bench" / "boilerplate" / "dev").glob("*.html"))
    paths = real or sorted(SITE.glob("news/t2024*.html"))
    bodies = [p.read_bytes() for p in paths]
    with SiteServer() as server:
        build_site(server, bodies, args.articles)
        bare, n = run(server, lambda db: (lambda page, aid: aid))
        print(f"crawl, no-op handler: {bare:7.1f} pages/s  ({n} articles, {len(bodies)} distinct bodies, "
              f"{'real pages' if real else 'fixture pages'})")

        import wrmine
        from corpus.clean import article_from_html

        wrmine.analyse_article(article_from_html("warm", bodies[0]))   # load models outside the timing
        full, n = run(server, lambda db: (lambda page, aid: wrmine.store_page(db, page, aid)))
        print(f"crawl + clean/extract/store: {full:7.1f} pages/s  ({n} articles stored)")


if __name__ == "__main__":
    main()
