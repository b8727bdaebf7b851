"""Speed of the HTML extractor against a named anchor, in the same run, on the same pages.

    python benchmarks/bench_html.py [DIR] [--repeat N]

DIR defaults to ../shared/bench/boilerplate/dev (the 27 boilerplate benchmark pages). Prints
pages/s for ``corpus.html.extract_body`` (decode + parse + choose + trim) and for the anchor
``BeautifulSoup(html, "lxml").get_text()`` on pages decoded beforehand (so the anchor does
less work than we do), both single-threaded. Quality is scored by
``../shared/bench/boilerplate/score.py``, not here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.decode import decode_html  # noqa: E402
from corpus.html import extract_body  # noqa: E402
from timing import per_second  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "bench" / "boilerplate" / "dev"


def anchor_get_text(text: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "lxml").get_text("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", default=str(DEFAULT_DIR))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    paths = sorted(Path(args.dir).glob("*.html"))
    if not paths:
        sys.exit(f"no .html pages in {args.dir}")
    pages = [p.read_bytes() for p in paths]
    texts = [decode_html(b)[0] for b in pages]
    mb = sum(map(len, pages)) / 1e6
    ours = per_second(extract_body, pages, args.repeat)
    anchor = per_second(anchor_get_text, texts, args.repeat)
    print(f"pages={len(pages)} ({mb:.1f} MB) repeat={args.repeat}")
    print(f"wrmine corpus.html.extract_body (bytes in)            {ours:8.1f} pages/s")
    print(f"anchor BeautifulSoup(text,'lxml').get_text() (str in) {anchor:8.1f} pages/s")


if __name__ == "__main__":
    main()
