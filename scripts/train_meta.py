"""Train the headline model of ``corpus.meta`` and compare it with the rules, reproducibly.

    python scripts/train_meta.py            # cross-validate rules vs model, print the table
    python scripts/train_meta.py --write    # ... and write corpus/data/meta_title_model.json
                                            #     (only if the model beats the rules)

Data: the annotated articles of ``seeds``, ``dev``, ``unlabeled`` and ``unlabeled2-train``
(read in place from ../shared; the closed test set is never read). Each article's first lines
become headline options (``corpus.meta.headline_options``); an option is positive when its
text equals the gold title (score.py's comparison: NFKC, no whitespace). A logistic
regression ranks the options of an article; the top one is the headline when its probability
reaches the threshold, else the article prints none.

Two comparisons, both on articles the model did not see:
- grouped 5-fold cross-validation over all annotated articles (folds by article, fixed seed);
- train on seeds + dev + unlabeled, test on unlabeled2-train (a corpus crawled later).
The rules' figure is the current pipeline's printed title on the same articles.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import meta  # noqa: E402
from corpus.clean import layout, text_layout  # noqa: E402
from corpus.errors import BadInput, NotAnArticle  # noqa: E402
from corpus.gold import read_gold, read_raw, read_refs  # noqa: E402

SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared")) / "corpus"
ANNOTATIONS = ROOT / "benchmarks" / "annotations"
SEED = 20261207
FOLDS = 5
THRESHOLDS = tuple(t / 20 for t in range(2, 19))
C_VALUES = (0.1, 0.3, 1.0, 3.0)


def norm(value: str | None) -> str | None:
    """score.py's comparison of labels."""
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()) or None


def _urls(folder: Path) -> dict[str, str]:
    path = folder / "urls.tsv"
    if not path.exists():
        return {}
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:])
    return {cols[0]: cols[1] for cols in rows if len(cols) >= 2}


def load_articles() -> list[dict]:
    """Every annotated article: set, id, gold title, options with features, rules' title."""
    sources = [("seeds", SHARED / "seeds", None), ("dev", SHARED / "dev", None),
               ("unlabeled", SHARED / "unlabeled", ANNOTATIONS / "unlabeled.jsonl"),
               ("unlabeled2-train", SHARED / "unlabeled2", ANNOTATIONS / "unlabeled2-train.jsonl")]
    out = []
    for name, folder, refs in sources:
        if not folder.is_dir():
            continue
        urls = _urls(folder)
        if refs is None:
            pairs = list(read_gold(folder))
        else:
            pairs = [(g, read_raw(folder / f"{g['id']}.txt")) for g in read_refs(refs, folder)]
        for gold, raw in pairs:
            try:
                lay = layout(raw)
                if not lay.body:
                    raise NotAnArticle("no body")
                mlay = text_layout(lay, raw, urls.get(gold["id"]))
            except (NotAnArticle, BadInput):
                continue
            info = meta.read(mlay)
            rules = None if info.title_origin == "lead" else info.title
            options = meta.headline_options(mlay)
            out.append({"set": name, "id": gold["id"], "gold": norm(gold.get("title")), "rules": norm(rules),
                        "options": [(norm(v), f) for v, f in options]})
    return out


def _matrix(articles: list[dict], names: list[str]):
    import numpy as np
    rows, labels = [], []
    for a in articles:
        for value, f in a["options"]:
            rows.append([f[n] for n in names])
            labels.append(int(value is not None and value == a["gold"]))
    return np.array(rows, dtype=float), np.array(labels)


def fit(articles: list[dict], names: list[str], c: float) -> dict:
    """A logistic regression over the options of ``articles`` as the JSON model dict."""
    from sklearn.linear_model import LogisticRegression
    x, y = _matrix(articles, names)
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, y)
    return {"features": names, "weights": [round(float(w), 6) for w in clf.coef_[0]],
            "intercept": round(float(clf.intercept_[0]), 6), "threshold": 0.5, "C": c}


def predict(a: dict, model: dict) -> str | None:
    if not a["options"]:
        return None
    value, p = max(((v, meta.option_probability(f, model)) for v, f in a["options"]), key=lambda vp: vp[1])
    return value if p >= model["threshold"] else None


def accuracy(articles: list[dict], model: dict | None) -> float:
    if not articles:
        return 0.0
    hits = sum((predict(a, model) if model else a["rules"]) == a["gold"] for a in articles)
    return hits / len(articles)


def tune(train: list[dict], names: list[str]) -> dict:
    """C and threshold chosen on ``train`` alone by an inner 3-fold split (fixed seed)."""
    rng = random.Random(SEED)
    idx = list(range(len(train)))
    rng.shuffle(idx)
    inner = [set(idx[k::3]) for k in range(3)]
    best = (-1.0, None)
    for c in C_VALUES:
        models = [fit([a for i, a in enumerate(train) if i not in held], names, c) for held in inner]
        for t in THRESHOLDS:
            hits = 0
            for model, held in zip(models, inner):
                model = dict(model, threshold=t)
                hits += sum(predict(train[i], model) == train[i]["gold"] for i in held)
            if hits > best[0]:
                best = (hits, (c, t))
    c, t = best[1]
    return dict(fit(train, names, c), threshold=t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="write the model if it beats the rules")
    args = ap.parse_args(argv)
    # The rules' figure is the rules' alone, even where a model is shipped already.
    meta.title_model = lambda: None
    articles = load_articles()
    if not articles:
        print(f"no annotated articles under {SHARED}", file=sys.stderr)
        return 2
    names = sorted({n for a in articles for _, f in a["options"] for n in f})
    rng = random.Random(SEED)
    order = list(range(len(articles)))
    rng.shuffle(order)
    folds = [set(order[k::FOLDS]) for k in range(FOLDS)]
    cv_rules = cv_model = 0
    for held in folds:
        train = [a for i, a in enumerate(articles) if i not in held]
        test = [a for i, a in enumerate(articles) if i in held]
        model = tune(train, names)
        cv_model += sum(predict(a, model) == a["gold"] for a in test)
        cv_rules += sum(a["rules"] == a["gold"] for a in test)
    n = len(articles)
    early = [a for a in articles if a["set"] != "unlabeled2-train"]
    later = [a for a in articles if a["set"] == "unlabeled2-train"]
    split_model = tune(early, names)
    print(f"articles: {n} ({len(early)} seeds+dev+unlabeled, {len(later)} unlabeled2-train)")
    print(f"{'title accuracy':<44}{'rules':>8}{'model':>8}")
    print(f"{'5-fold CV, all annotated':<44}{cv_rules / n:>8.3f}{cv_model / n:>8.3f}")
    print(f"{'train seeds+dev+unlabeled → unlabeled2-train':<44}{accuracy(later, None):>8.3f}"
          f"{accuracy(later, split_model):>8.3f}")
    final = tune(articles, names)
    better = cv_model > cv_rules and accuracy(later, split_model) >= accuracy(later, None)
    print(f"final model: C={final['C']} threshold={final['threshold']}; "
          + ("beats the rules" if better else "does NOT beat the rules: not shipped"))
    if args.write and better:
        final["trained_on"] = sorted({a["set"] for a in articles})
        final["articles"] = n
        meta.TITLE_MODEL.write_text(json.dumps(final, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {meta.TITLE_MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
