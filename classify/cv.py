"""Cross-validation of the theme model, grouped by article (issue 10: themes on unseen articles).

    python -m classify.cv                    # 5 folds over the 261 annotated articles + cross-set
    python -m classify.cv --splits 3         # three fold splits (salted crc32) to see the noise

Each fold's model is trained exactly as ``wrmine train-themes`` trains the shipped one (weak
labels of ``corpus/unlabeled`` + hand units of the annotations), but without any unit of the
fold's articles, and scored on them: article-theme micro F1 (as score.py's ``themes_F1``) and
practice-theme F1 on the extracted practices matched to gold. "Cross-set" trains on one
annotation file and tests on the other (weak labels of the test set's articles left out).

Only the open annotation files are read: ``unlabeled.jsonl`` (sets dev + test, both
development data now) and ``unlabeled2-train.jsonl``. The closed test set is never opened.
Takes ~1 CPU-minute per split (≈ 2–4 minutes on the shared machine).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from classify import train
from classify.train import GoldArticle, Tally, evaluate_articles, hand_units, read_annotations, read_article

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
ANNOTATIONS = ROOT / "benchmarks" / "annotations"
# (name, reference file, texts folder, sets to read): never the closed test file.
SOURCES = (
    ("unlabeled", ANNOTATIONS / "unlabeled.jsonl", SHARED / "corpus" / "unlabeled", ("dev", "test")),
    ("unlabeled2-train", ANNOTATIONS / "unlabeled2-train.jsonl", SHARED / "corpus" / "unlabeled2", ("train",)),
)
WEAK_CORPUS = SHARED / "corpus" / "unlabeled"


@dataclass(frozen=True)
class Annotated:
    source: str
    texts: Path
    entry: dict
    gold: GoldArticle


def load_annotated() -> list[Annotated]:
    """Every open annotated article, with its clean Article (for scoring) and gold entry."""
    out = []
    for name, path, texts, sets in SOURCES:
        entries, _ = read_annotations(path, sets, texts=texts)
        for g in entries:
            article = read_article(str(texts / f"{g['id']}.txt"))
            out.append(Annotated(name, texts, g, GoldArticle(article, g)))
    return out


def cached_analyse(items: list[Annotated]):
    """An ``analyse`` over the annotated articles, run once per article (every fold model is
    scored on the same extraction)."""
    from extract.pipeline import analyse

    table = {a.gold.article.id: analyse(a.gold.article) for a in items}
    return lambda article: table[article.id]


def weak_units() -> list[train.Unit]:
    """The shipped weak labels as Units."""
    labels = train.read_labels(train.LABELS_PATH)
    texts, themes = train.load_units(WEAK_CORPUS, labels)
    return [train.Unit(r["article"], t, ts) for r, t, ts in zip(labels, texts, themes)]


def all_hand_units(items: list[Annotated]) -> list[train.Unit]:
    return [u for a in items for u in hand_units(a.texts, [a.entry])]


def train_without(held: set[str], weak: list[train.Unit], hand: list[train.Unit],
                  human_weight: float | None = None, **fit_args):
    """A model trained as the shipped one on every weak and hand unit whose article is not in ``held``."""
    human_weight = train.HUMAN_WEIGHT if human_weight is None else human_weight   # read now: --set
    units = [u for u in weak if u.article not in held] + [u for u in hand if u.article not in held]
    weights = [1.0] * sum(u.article not in held for u in weak) + [human_weight] * sum(u.article not in held for u in hand)
    return train.fit_units(units, sample_weight=weights, **fit_args)


def fold_of(aid: str, k: int, salt: str = "") -> int:
    return zlib.crc32((salt + aid).encode()) % k


def run(items, analyse, weak, hand, k: int = 5, salt: str = "", cross: bool = True, **fit_args) -> dict:
    """Grouped k-fold tallies per source and pooled, plus the cross-set tallies."""
    by_source = {name: {"article": Tally(), "practice": Tally()} for name, *_ in SOURCES}
    for f in range(k):
        test = [a for a in items if fold_of(a.entry["id"], k, salt) == f]
        model = train_without({a.entry["id"] for a in test}, weak, hand, **fit_args)
        for a in test:
            t = evaluate_articles(model, [a.gold], analyse)
            merge(by_source[a.source], t)
    out = {"cv": by_source}
    if cross:
        cross_t = {}
        for name, *_ in SOURCES:
            test = [a for a in items if a.source == name]
            model = train_without({a.entry["id"] for a in test}, weak, hand, **fit_args)
            cross_t[name] = evaluate_articles(model, [a.gold for a in test], analyse)
        out["cross"] = cross_t
    return out


def merge(into: dict[str, Tally], tallies: dict[str, Tally]) -> None:
    for key in into:
        for theme, counts in tallies[key].counts.items():
            for i in range(3):
                into[key].counts[theme][i] += counts[i]
        into[key].confusion.update(tallies[key].confusion)


def pooled(tallies: dict[str, dict[str, Tally]], key: str) -> float:
    total = Tally()
    for t in tallies.values():
        merge({key: total}, {key: t[key]})
    return total.micro()["F1"]


def summary(result: dict) -> str:
    cv = result["cv"]
    cells = [f"{name} {t['article'].micro()['F1']:.3f}/{t['practice'].micro()['F1']:.3f}" for name, t in cv.items()]
    line = "cv art/pr: " + "  ".join(cells) + f"  pooled {pooled(cv, 'article'):.3f}/{pooled(cv, 'practice'):.3f}"
    if "cross" in result:
        cells = [f"test {name} {t['article'].micro()['F1']:.3f}/{t['practice'].micro()['F1']:.3f}"
                 for name, t in result["cross"].items()]
        line += "\ncross art/pr: " + "  ".join(cells)
    return line


def apply_setting(setting: str) -> None:
    """``train.NAME=VALUE`` / ``themes.NAME=VALUE``: override a module constant for this run."""
    from classify import themes

    name, _, value = setting.partition("=")
    module_name, _, attr = name.partition(".")
    module = {"train": train, "themes": themes}.get(module_name)
    if module is None or not hasattr(module, attr):
        raise SystemExit(f"unknown setting {name!r}: use train.NAME or themes.NAME")
    old = getattr(module, attr)
    setattr(module, attr, type(old)(float(value)) if not isinstance(old, str) else value)
    print(f"{name} = {getattr(module, attr)!r} (was {old!r})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", type=int, default=1, help="fold splits (salts '', 'a', 'b', …)")
    ap.add_argument("--no-cross", action="store_true", help="skip train-on-one / test-on-the-other")
    ap.add_argument("--set", dest="settings", action="append", default=[], metavar="MODULE.NAME=VALUE",
                    help="try another value of a setting, e.g. train.HUMAN_WEIGHT=2 or themes.LEAD_RULE_SCORE=4")
    args = ap.parse_args(argv)
    for setting in args.settings:
        apply_setting(setting)
    start = time.process_time()
    items = load_annotated()
    analyse = cached_analyse(items)
    weak, hand = weak_units(), all_hand_units(items)
    for s in range(args.splits):
        salt = "" if s == 0 else chr(ord("a") + s - 1)
        result = run(items, analyse, weak, hand, salt=salt, cross=not args.no_cross and s == 0)
        print(f"split {salt or '-'}: {summary(result)}")
    print(f"cpu {time.process_time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
