"""Extract-stage speed: articles/s of ``extract.pipeline.analyse`` and of ``extract_facts``
alone, over the seed texts, repeated (one process, one core).

Anchor, in the same run: jieba tokenising the same texts with our tokenizer. Absolute rates move
with the load of a shared machine; the ratio to the anchor does not.

    python benchmarks/bench_extract.py [--repeat 20] [--shared ../shared]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.clean import article_from_text  # noqa: E402
from extract.facts import extract_facts  # noqa: E402
from extract.pipeline import analyse  # noqa: E402
from extract.segment import make_tokenizer, word_tags  # noqa: E402
from timing import per_second  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    paths = sorted((args.shared / "corpus" / "seeds").glob("seed-00?.txt")) or \
        sorted((ROOT / "corpus" / "samples").glob("seed-00?.txt"))   # the bundled copies
    articles = [article_from_text(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    make_tokenizer(), word_tags()             # load once, outside the timing
    for article in articles:                  # warm caches (data tables, regexes)
        analyse(article)
    chars = sum(len(a.text) for a in articles) / len(articles)
    print(f"{len(articles)} seed articles, {chars:.0f} chars on average, repeated {args.repeat}x")
    tokenizer = make_tokenizer()
    anchor = per_second(lambda a: list(tokenizer.tokenize(a.plain)), articles, args.repeat)
    facts = per_second(extract_facts, articles, args.repeat)
    full = per_second(analyse, articles, args.repeat)
    print(f"anchor: jieba tokenize {anchor:8.1f} articles/s")
    print(f"extract_facts:         {facts:8.1f} articles/s  ({facts / anchor:.2f}x anchor)")
    print(f"analyse:               {full:8.1f} articles/s  ({full / anchor:.2f}x anchor)")


if __name__ == "__main__":
    main()
