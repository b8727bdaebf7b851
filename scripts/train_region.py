"""Train the region model: which candidate unit at each level is the place the article reports on.

    python scripts/train_region.py              # cross-validate, then write extract/data/region_model.json
    python scripts/train_region.py --cv-only    # only the cross-validated figures

Articles are built exactly as the product builds them (``wrmine.article_from_source`` over
``corpus.read.read_source``) from every gold set we may train on: the shared seeds and dev, our
references of ``unlabeled`` and of the ``unlabeled2`` training part. The closed test articles are
never read. Every candidate unit ``extract.places.region_candidates`` proposes is one example,
labelled by whether it lies on the gold chain; figures are reported cross-validated with folds
grouped by article, and with ``unlabeled2-train`` held out (the most varied set).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.gold import read_gold, read_refs  # noqa: E402
from extract.places import RegionModel  # noqa: E402

SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
ANNOTATIONS = ROOT / "benchmarks" / "annotations"
TEST_IDS = ANNOTATIONS / "unlabeled2-test-ids.txt"
LEVELS = ("province", "city", "county", "town")


def read_urls(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:])
    return {r[0]: r[1] for r in rows if len(r) > 1}


def gold_articles():
    """(set name, article, gold region as a 4-tuple) of every article we may train on."""
    from corpus.read import read_source
    from wrmine import article_from_source

    closed = set(TEST_IDS.read_text(encoding="utf-8").split()) if TEST_IDS.exists() else set()
    corpus = SHARED / "corpus"
    lines = [("seeds", corpus / "seeds", line) for line, _ in read_gold(corpus / "seeds")]
    lines += [("dev", corpus / "dev", line) for line, _ in read_gold(corpus / "dev")]
    for name, refs, texts in (("unlabeled", "unlabeled.jsonl", "unlabeled"),
                              ("unlabeled2-train", "unlabeled2-train.jsonl", "unlabeled2")):
        path = ANNOTATIONS / refs
        if path.exists():
            lines += [(name, corpus / texts, line) for line in read_refs(path, corpus / texts)
                      if line["id"] not in closed]
    for name, folder, line in lines:
        if line["id"] in closed:
            continue   # never read a closed-test article, even if it slipped into a file
        urls = read_urls(folder / "urls.tsv")
        article = article_from_source(read_source(str(folder / f"{line['id']}.txt")), urls.get(line["id"]))
        region = line.get("region") or {}
        yield name, article, tuple(region.get(level) for level in LEVELS)


C = 1.0
FOLDS = 5
MIN_WEIGHT = 1e-4
GRID = tuple(round(0.1 + 0.05 * i, 2) for i in range(15))   # thresholds tried: 0.10 … 0.80
# Each annotated corpus in turn is held out: the model (and its thresholds) trained on the other
# sets is scored on it, the closest we come to articles nobody tuned on.
HELD_OUT = ("unlabeled2-train", "unlabeled")


def on_path(key: tuple, gold: tuple) -> bool:
    """True when the unit lies on the gold chain. A town the article does not place (城关镇 ×99)
    is right when it is the gold town: naming it gets that level right even where the gold,
    from knowledge, fills the levels above."""
    if key and key[0] is None:
        return gold[len(key) - 1] == key[-1]
    return tuple(gold[:len(key)]) == tuple(key)


# The shared gold sets are where the conventions are written down (a place named as an example,
# no place at all): their articles weigh more.
SET_WEIGHT = {"seeds": 3.0, "dev": 3.0}


def examples(tree, gold: tuple):
    """(key, features, label) of every unit whose parent lies on the gold chain: the units ``decode``
    chooses between when it follows the right path."""
    from extract.places import parent_key

    for key in tree.units:
        if on_path(parent_key(key), gold):
            yield key, tree.features(key), int(on_path(key, gold))


def fit(trees, golds, weights=None):
    """A LinearModel (JSON-ready) fitted on the examples of these articles."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from extract.fact_model import LinearModel

    feats, labels, sample = [], [], []
    for i, (tree, gold) in enumerate(zip(trees, golds)):
        for _, f, y in examples(tree, gold):
            feats.append(f)
            labels.append(y)
            sample.append(weights[i] if weights else 1.0)
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    clf = LogisticRegression(C=C, max_iter=2000, solver="lbfgs")
    clf.fit(x, labels, sample_weight=sample)
    weights = {name: (float(w),) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0])
               if abs(w) >= MIN_WEIGHT}
    return LinearModel(("0", "1"), weights, (float(clf.intercept_[0]),)), len(labels)


def level_hits(pred, gold) -> list[int]:
    return [int(p == g) for p, g in zip(pred, gold)]


@dataclass
class Precomputed:
    """A RegionModel stand-in for ``decode`` whose probabilities were computed beforehand, each by
    a model that did not see that article (threshold search decodes every article many times)."""

    probabilities: dict[int, float]    # id of a unit's (memoised) feature dict → probability
    thresholds: tuple[float, ...] = (0.5, 0.5, 0.5, 0.5)

    def probability(self, features: dict[str, float]) -> float:
        return self.probabilities[id(features)]


def predict_all(trees, model) -> list[tuple]:
    from extract.places import decode

    return [tuple(decode(t, model).levels().values()) for t in trees]


def out_of_fold(trees, golds, weights) -> Precomputed:
    """Every unit scored by a model fitted without its article (inner folds): thresholds tuned on
    these probabilities fit unseen articles, not the articles the model has memorised."""
    probabilities = {}
    for fold in range(FOLDS):
        test = set(range(fold, len(trees), FOLDS))
        train = [i for i in range(len(trees)) if i not in test]
        model, _ = fit([trees[i] for i in train], [golds[i] for i in train], [weights[i] for i in train])
        for i in test:
            for key in trees[i].units:
                features = trees[i].features(key)
                probabilities[id(features)] = model.proba(features)["1"]
    return Precomputed(probabilities)


def tune(trees, golds, weights) -> list[float]:
    """Thresholds level by level from the top, each the best on out-of-fold probabilities of
    these articles (ties: nearest 0.5)."""
    scored = out_of_fold(trees, golds, weights)
    thresholds = [0.5, 0.5, 0.5, 0.5]
    for level in range(4):
        best = None
        for t in GRID:
            trial = thresholds[:level] + [t] + thresholds[level + 1:]
            preds = predict_all(trees, dataclasses.replace(scored, thresholds=tuple(trial)))
            score = sum(sum(level_hits(p, g)) for p, g in zip(preds, golds))
            key = (score, -abs(t - 0.5))
            if best is None or key > best[0]:
                best = (key, t)
        thresholds[level] = best[1]
    return thresholds


def cross_validate(rows, trees, golds, tune_thresholds: bool = True):
    """Out-of-fold predictions: folds grouped by article (each article is one group)."""
    import random

    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    preds: list = [None] * len(rows)
    for fold in range(FOLDS):
        test = set(order[fold::FOLDS])
        train = [i for i in order if i not in test]
        weights = [SET_WEIGHT.get(rows[i][0], 1.0) for i in train]
        model, _ = fit([trees[i] for i in train], [golds[i] for i in train], weights)
        thresholds = tune([trees[i] for i in train], [golds[i] for i in train], weights) \
            if tune_thresholds else [0.5] * 4
        test_idx = sorted(test)
        for i, p in zip(test_idx, predict_all([trees[i] for i in test_idx], RegionModel(model, tuple(thresholds)))):
            preds[i] = p
    return preds


def report(label: str, rows, preds, golds) -> dict:
    out = {}
    for name in sorted({r[0] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r[0] == name]
        acc = [sum(level_hits(preds[i], golds[i])[k] for i in idx) / len(idx) for k in range(4)]
        out[name] = [round(a, 3) for a in acc]
        print(f"{label:<28} {name:<18} n={len(idx):<4} " +
              " ".join(f"{lv}={a:.3f}" for lv, a in zip(LEVELS, acc)))
    return out


def main(argv=None) -> int:
    import time

    from extract.fact_model import save_model
    from extract.places import MODEL, region_candidates

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv-only", action="store_true", help="only print the cross-validated figures")
    args = ap.parse_args(argv)
    started = time.time()
    rows = list(gold_articles())
    trees = [region_candidates(article) for _, article, _ in rows]
    golds = [gold for _, _, gold in rows]
    rules = [tuple(t.rule.levels().values()) for t in trees]
    report("rules alone", rows, rules, golds)
    preds = cross_validate(rows, trees, golds)
    cv = report(f"model, {FOLDS}-fold CV", rows, preds, golds)
    held_out = {}
    for name in HELD_OUT:
        held = [i for i, r in enumerate(rows) if r[0] == name]
        rest = [i for i, r in enumerate(rows) if r[0] != name]
        if not held or not rest:
            continue
        weights = [SET_WEIGHT.get(rows[i][0], 1.0) for i in rest]
        model, _ = fit([trees[i] for i in rest], [golds[i] for i in rest], weights)
        thresholds = tune([trees[i] for i in rest], [golds[i] for i in rest], weights)
        p = predict_all([trees[i] for i in held], RegionModel(model, tuple(thresholds)))
        held_out |= report(f"model, trained without {name}", [rows[i] for i in held], p, [golds[i] for i in held])
    if args.cv_only:
        return 0
    weights = [SET_WEIGHT.get(r[0], 1.0) for r in rows]
    model, n = fit(trees, golds, weights)
    thresholds = tune(trees, golds, weights)
    meta = {"trained_by": "python scripts/train_region.py", "articles": len(rows), "examples": n,
            "C": C, "set_weight": SET_WEIGHT, "cv_folds": FOLDS, "cv_accuracy": cv, "held_out_accuracy": held_out,
            "seconds": round(time.time() - started, 1)}
    save_model(model, MODEL, meta | {"levels": list(LEVELS)})
    obj = json.loads(MODEL.read_text(encoding="utf-8"))
    obj["thresholds"] = thresholds
    MODEL.write_text(json.dumps(obj, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {MODEL} ({MODEL.stat().st_size} bytes, {len(model.weights)} weights, "
          f"thresholds {thresholds}) in {time.time() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
