"""Train the fact models (subject chooser, metric classifier) from our annotations.

    python scripts/train_facts.py              # cross-validate, then write extract/data/*_model.json
    python scripts/train_facts.py --cv-only    # only the cross-validated figures

Examples: every figure the rules find (``extract.facts.find_figures``) in the gold articles
(shared seeds and dev, our references of ``unlabeled`` and, when present, of the
``unlabeled2`` training part) that lines up with a gold fact by raw offsets, value and unit.
The closed test articles are never read. Figures are reported cross-validated with folds
grouped by article, and with each collection held out in turn (trained on every other set:
``unlabeled2-train``, the most varied set, is the best guide to articles nobody has seen).
Facts F1 (figures found against gold facts) and year accuracy are printed too: the rules
decide them, so they need no folds.

The models are scikit-learn logistic regressions over string features
(``extract.facts.subject_features`` / ``metric_features``), exported as JSON weight tables
(``extract.fact_model.LinearModel``); training is deterministic (lbfgs, fixed data order).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.clean import article_from_text  # noqa: E402
from corpus.gold import read_gold, read_raw, read_refs  # noqa: E402
from extract.fact_model import METRIC_MODEL, SUBJECT_MODEL, LinearModel, save_model  # noqa: E402
from extract.facts import Figure, choose_metric, choose_subject, find_figures, metric_features, subject_pairs  # noqa: E402

SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
ANNOTATIONS = ROOT / "benchmarks" / "annotations"
TEST_IDS = ANNOTATIONS / "unlabeled2-test-ids.txt"
SUBJECT_C = 2.0
METRIC_C = 3.0
MIN_WEIGHT = 0.02   # smaller weights change no decision on the annotations; dropped to keep the JSON small
FOLDS = 5
MIN_ARTICLES = 2
CHARACTER_FEATURES = ("b:", "a:", "last2=", "last=")


@dataclass
class Example:
    """One figure lined up with its gold fact."""

    set: str
    article: str
    plain: str
    figure: Figure
    gold_subject: str
    gold_metric: str


def gold_articles():
    """(set name, gold line, raw text) of every article we may train on."""
    closed = set(TEST_IDS.read_text(encoding="utf-8").split()) if TEST_IDS.exists() else set()
    corpus = SHARED / "corpus"
    for name in ("seeds", "dev"):
        for line, raw in read_gold(corpus / name):
            yield name, line, raw
    for name, refs, texts in (("unlabeled", "unlabeled.jsonl", "unlabeled"),
                              ("unlabeled2-train", "unlabeled2-train.jsonl", "unlabeled2")):
        path = ANNOTATIONS / refs
        if not path.exists():
            continue
        for line in read_refs(path, corpus / texts):
            if line["id"] in closed:
                continue   # never read a closed-test article, even if it slipped into a file
            yield name, line, read_raw(corpus / texts / f"{line['id']}.txt")


def _bigrams(s: str) -> Counter:
    s = "".join(ch for ch in s if ch.isalnum())
    return Counter(s[i:i + 2] for i in range(len(s) - 1)) or Counter([s])


def subject_ok(gold: str, pred: str) -> bool:
    """The scorer's test: one contains the other, or character-bigram Dice >= 0.6."""
    g, p = "".join(ch for ch in gold if ch.isalnum()), "".join(ch for ch in pred if ch.isalnum())
    if not g or not p:
        return g == p
    if g in p or p in g:
        return True
    a, b = _bigrams(g), _bigrams(p)
    return 2 * sum((a & b).values()) / (sum(a.values()) + sum(b.values())) >= 0.6


def close_match(gold: str, pred: str) -> bool:
    """The training label: like ``subject_ok`` but a containment counts only when the shorter
    phrase is at least half the longer (``村`` for ``试点村`` is not taught as right)."""
    g, p = "".join(ch for ch in gold if ch.isalnum()), "".join(ch for ch in pred if ch.isalnum())
    if not subject_ok(g, p):
        return False
    if (g in p or p in g) and 2 * min(len(g), len(p)) < max(len(g), len(p)):
        a, b = _bigrams(g), _bigrams(p)
        return 2 * sum((a & b).values()) / (sum(a.values()) + sum(b.values())) >= 0.6
    return True


# Per set: figures found (found), gold facts (gold), figures lined up with one (matched), and
# matched figures whose year is the gold one (year_ok). Rules decide which numbers are facts
# and their year, so these are the same in and out of cross-validation.
TALLY: dict[str, Counter] = {}


def build_examples() -> list[Example]:
    from extract.facts import _to_yuan

    out = []
    TALLY.clear()
    for name, line, raw in gold_articles():
        article = article_from_text(line["id"], raw)
        gold = list(line["facts"])
        used: set[int] = set()
        tally = TALLY.setdefault(name, Counter())
        tally["gold"] += len(gold)
        for fig in find_figures(article.plain):
            tally["found"] += 1
            start, end = article.raw_map.span_to_raw(fig.q.start, fig.q.end)
            value, unit, _ = _to_yuan(fig.q.value, fig.unit)
            for k, g in enumerate(gold):
                if k not in used and g["start"] < end and start < g["end"] \
                        and abs(float(g["value"]) - float(value)) <= 1e-6 * max(1.0, abs(float(value))):
                    used.add(k)
                    tally["matched"] += 1
                    tally["year_ok"] += g["year"] == fig.year
                    out.append(Example(name, line["id"], article.plain, fig, g["subject"] or "", g["metric"]))
                    break
    return out


def rule_figures() -> dict[str, dict[str, float]]:
    """Facts F1 (figures found against gold facts, by offsets and value) and year accuracy
    over the matched figures, by set and over all, from ``TALLY``."""
    out = {}
    for name in sorted(TALLY) + ["all"]:
        t = sum(TALLY.values(), Counter()) if name == "all" else TALLY[name]
        p, r = t["matched"] / max(1, t["found"]), t["matched"] / max(1, t["gold"])
        out[name] = {"n": t["gold"], "facts_F1": 2 * p * r / (p + r) if p + r else 0.0,
                     "precision": p, "recall": r, "year": t["year_ok"] / max(1, t["matched"])}
    return out


def subject_rows(ex: Example) -> list[tuple[str, dict, int]]:
    """(candidate, pair features, label) for the candidates where exactly one of the
    candidate and the rules' choice is right (1: the candidate is)."""
    rule_ok = close_match(ex.gold_subject, ex.figure.rule_subject or "") if ex.figure.rule_subject else False
    rows = []
    for text, feats in subject_pairs(ex.plain, ex.figure):
        ok = close_match(ex.gold_subject, text)
        if ok != rule_ok:
            rows.append((text, feats, int(ok)))
    return rows


def fit(rows: list[dict], labels: list, c: float, articles: list[str]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    # The shipped model must not carry text peculiar to one article (a name): character
    # features count only when seen in MIN_ARTICLES articles (word features are general
    # dictionary words already, extract.facts._common).
    seen: dict[str, set[str]] = {}
    for r, a in zip(rows, articles):
        for k in r:
            seen.setdefault(k, set()).add(a)
    rows = [{k: v for k, v in r.items() if len(seen[k]) >= MIN_ARTICLES or not k.startswith(CHARACTER_FEATURES)}
            for r in rows]
    vec = DictVectorizer()
    x = vec.fit_transform(rows)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, labels)
    return vec, model


def to_linear(vec, model) -> LinearModel:
    names = vec.get_feature_names_out()
    coef = model.coef_
    weights = {}
    for j, name in enumerate(names):
        col = tuple(float(w) if abs(w) >= MIN_WEIGHT else 0.0 for w in coef[:, j])
        if any(col):
            weights[str(name)] = col
    return LinearModel(tuple(str(c) for c in model.classes_), weights, tuple(float(b) for b in model.intercept_))


def train_subject(examples: list[Example]) -> LinearModel | None:
    rows, labels, articles = [], [], []
    for ex in examples:
        for _, feats, label in subject_rows(ex):
            rows.append(feats)
            labels.append(str(label))
            articles.append(ex.article)
    if len(set(labels)) < 2:
        return None
    return to_linear(*fit(rows, labels, SUBJECT_C, articles))


def train_metric(examples: list[Example]) -> LinearModel:
    rows = [metric_features(ex.plain, ex.figure, ex.figure.rule_subject) for ex in examples]
    return to_linear(*fit(rows, [ex.gold_metric for ex in examples], METRIC_C, [ex.article for ex in examples]))


def predict_subject(model: LinearModel | None, ex: Example) -> str | None:
    if model is None:
        return ex.figure.rule_subject
    return choose_subject(ex.plain, ex.figure, model)[0]


def predict_metric(model: LinearModel, ex: Example) -> str:
    return choose_metric(ex.plain, ex.figure, ex.figure.rule_subject, model)[0]


def score(examples, subject_model, metric_model) -> dict[str, float]:
    n = max(1, len(examples))
    return {
        "subject_rule": sum(subject_ok(e.gold_subject, e.figure.rule_subject or "") for e in examples) / n,
        "subject_model": sum(subject_ok(e.gold_subject, predict_subject(subject_model, e) or "") for e in examples) / n,
        "subject_oracle": sum(any(subject_ok(e.gold_subject, c.text) for c in e.figure.candidates) for e in examples) / n,
        "metric_rule": sum(e.figure.rule_metric == e.gold_metric for e in examples) / n,
        "metric_model": sum(predict_metric(metric_model, e) == e.gold_metric for e in examples) / n,
        "n": len(examples),
    }


def cross_validate(examples: list[Example]) -> dict[str, dict[str, float]]:
    """Figures by set, each example predicted by models trained on the other folds
    (folds are whole articles, assigned round-robin in a fixed order)."""
    articles = sorted({(e.set, e.article) for e in examples})
    fold_of = {a: i % FOLDS for i, a in enumerate(articles)}
    predicted: list[tuple[Example, str | None, str]] = []
    for k in range(FOLDS):
        train = [e for e in examples if fold_of[(e.set, e.article)] != k]
        test = [e for e in examples if fold_of[(e.set, e.article)] == k]
        sm, mm = train_subject(train), train_metric(train)
        predicted += [(e, predict_subject(sm, e), predict_metric(mm, e)) for e in test]
    return _by_set(predicted)


def _by_set(predicted) -> dict[str, dict[str, float]]:
    out = {}
    for name in sorted({e.set for e, _, _ in predicted}) + ["all"]:
        rows = [p for p in predicted if name == "all" or p[0].set == name]
        n = len(rows)
        out[name] = {
            "n": n,
            "subject_rule": sum(subject_ok(e.gold_subject, e.figure.rule_subject or "") for e, _, _ in rows) / n,
            "subject_model": sum(subject_ok(e.gold_subject, s or "") for e, s, _ in rows) / n,
            "metric_rule": sum(e.figure.rule_metric == e.gold_metric for e, _, _ in rows) / n,
            "metric_model": sum(m == e.gold_metric for e, _, m in rows) / n,
        }
    return out


def held_out(examples: list[Example], held: str) -> dict[str, float] | None:
    """Train on every other set, score on ``held`` (articles of another collection)."""
    test = [e for e in examples if e.set == held]
    if not test:
        return None
    train = [e for e in examples if e.set != held]
    sm, mm = train_subject(train), train_metric(train)
    return _by_set([(e, predict_subject(sm, e), predict_metric(mm, e)) for e in test])[held]


def _table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(title)
    print(f"  {'set':18} {'n':>5} {'subj rule':>10} {'subj model':>11} {'metric rule':>12} {'metric model':>13}")
    for name, r in rows.items():
        print(f"  {name:18} {r['n']:5d} {r['subject_rule']:10.3f} {r['subject_model']:11.3f} "
              f"{r['metric_rule']:12.3f} {r['metric_model']:13.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv-only", action="store_true", help="report cross-validated figures, write nothing")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    examples = build_examples()
    if not examples:
        print(f"no gold facts found under {SHARED}/corpus (set WRMINE_SHARED)", file=sys.stderr)
        return 1
    t1 = time.perf_counter()
    print(f"{len(examples)} figures lined up with gold facts in "
          f"{len({(e.set, e.article) for e in examples})} articles ({t1 - t0:.1f} s)")
    cv = cross_validate(examples)
    _table(f"cross-validated, {FOLDS} folds grouped by article:", cv)
    # One collection against the other: trained on every other set, scored on the held one.
    held = {name: r for name in ("unlabeled2-train", "unlabeled") if (r := held_out(examples, name))}
    if held:
        _table("each collection held out (trained on all other sets, scored on it):", held)
    rules = rule_figures()
    print("numbers and years (rules, the same in and out of folds):")
    print(f"  {'set':18} {'gold':>5} {'facts F1':>9} {'precision':>10} {'recall':>7} {'year':>6}")
    for name, r in rules.items():
        print(f"  {name:18} {r['n']:5d} {r['facts_F1']:9.3f} {r['precision']:10.3f} {r['recall']:7.3f} {r['year']:6.3f}")
    if args.cv_only:
        return 0
    t2 = time.perf_counter()
    subject, metric = train_subject(examples), train_metric(examples)
    seconds = time.perf_counter() - t2
    meta = {"trained_on": dict(Counter(e.set for e in examples)), "figures": len(examples),
            "cv": cv, "held_out": held, "command": "python scripts/train_facts.py"}
    if subject is not None:
        save_model(subject, SUBJECT_MODEL, meta | {"C": SUBJECT_C})
    save_model(metric, METRIC_MODEL, meta | {"C": METRIC_C})
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KiB" for p in (SUBJECT_MODEL, METRIC_MODEL) if p.exists())
    print(f"trained in {seconds:.1f} s on all {len(examples)} figures: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
