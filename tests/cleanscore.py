"""Clean-body scoring with the metric of shared/bench/boilerplate/score.py (char-bigram F1).

Both texts are NFKC-normalised, lower-cased and stripped of whitespace, punctuation, symbols
and controls; each becomes a bag of character bigrams. Blank lines do not matter (the gold
``.clean.txt`` separates paragraphs with a blank line, our body with one newline).

Run ``python tests/cleanscore.py [SEEDS_DIR]`` for a per-seed table.
"""
from __future__ import annotations

import collections
import sys
import unicodedata
from pathlib import Path


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "ZPSC")


def bigrams(text: str) -> collections.Counter:
    return collections.Counter(text[i:i + 2] for i in range(len(text) - 1))


def bigram_f1(pred: str, gold: str) -> float:
    """Char-bigram F1 of two texts, as score.py computes it (0.0 when one is empty)."""
    p, g = bigrams(norm(pred)), bigrams(norm(gold))
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def paragraphs(text: str) -> list[str]:
    """Non-blank lines, edge whitespace (including U+00A0) trimmed."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def score_body(pred: str, gold: str) -> tuple[float, bool, bool]:
    """(F1, first line exact, last line exact), compared modulo blank lines."""
    p, g = paragraphs(pred), paragraphs(gold)
    return bigram_f1(pred, gold), bool(p and g and p[0] == g[0]), bool(p and g and p[-1] == g[-1])


def main(seeds: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from corpus.clean import clean_text

    for raw_path in sorted(seeds.glob("seed-00?.txt")):
        raw = raw_path.read_text(encoding="utf-8")
        gold = raw_path.with_suffix(".clean.txt").read_text(encoding="utf-8")
        f1, first, last = score_body(clean_text(raw), gold)
        print(f"{raw_path.stem}  F1={f1:.4f}  first={'y' if first else '-'}  last={'y' if last else '-'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/corpus/seeds")
