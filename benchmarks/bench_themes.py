"""Speed of theme classification (articles/s, one core), against a named anchor in the same run.

    python benchmarks/bench_themes.py [DIR ...]        (default: ../shared/corpus/unlabeled)

Articles are read and analysed first (not timed); then ``assign_themes`` runs over all of them
(practice items + body), best of 3 rounds. Anchors over the same texts: jieba tokenization
(what word features would cost) and the bare character-bigram pass.
"""
from __future__ import annotations

import sys
from pathlib import Path

import jieba

from classify.themes import assign_themes, load_model
from classify.train import read_article
from corpus.errors import Declined
from corpus.read import iter_inputs
from extract.pipeline import analyse
from timing import best_of

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "unlabeled"


def main(argv: list[str]) -> None:
    dirs = argv or [str(DEFAULT)]
    pairs = []
    for path in iter_inputs(dirs):
        try:
            article = read_article(path)
        except Declined:
            continue
        pairs.append((article, analyse(article)))
    assert load_model() is not None, "no shipped model: the run would measure the rule fallback"
    texts = [a.plain for a, _ in pairs]
    chars = sum(map(len, texts))
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    n = len(pairs)
    t_cls = best_of(lambda: [assign_themes(a, x) for a, x in pairs])
    t_jieba = best_of(lambda: [list(tokenizer.cut(t)) for t in texts])
    t_bigram = best_of(lambda: [[t[i:i + 2] for i in range(len(t) - 1)] for t in texts])
    practices = sum(len(x.practices) for _, x in pairs)
    print(f"{n} articles, {chars} chars, {practices} practices")
    print(f"classify (assign_themes) {n / t_cls:8.0f} articles/s  ({chars / t_cls / 1e3:.0f}k chars/s)")
    print(f"anchor: jieba tokenize   {n / t_jieba:8.0f} articles/s")
    print(f"anchor: char bigrams     {n / t_bigram:8.0f} articles/s")
    print(f"classification costs {t_cls / t_jieba:.2f}x jieba tokenization of the same texts")


if __name__ == "__main__":
    main(sys.argv[1:])
