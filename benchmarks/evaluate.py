"""The one evaluation entry point: predict every gold set, score it with the shared scorer,
print one table, and check the floors in ``benchmarks/floors.json`` (floors only move up).

Gold sets (texts always read in place from ``../shared``; our own annotations are references,
see ``corpus/gold.py``):

- ``seeds``, ``dev``: the shared gold folders.
- ``unlabeled``: our 141 annotations of ``corpus/unlabeled`` (development data).
- ``unlabeled2-train``: our annotations of the non-test part of ``corpus/unlabeled2``.
- ``unlabeled2-test``: the CLOSED test set (80). Never scored while building: only with
  ``--open-closed-test``, once, at the end of a piece of work.
- ``unlabeled-test2``: a second closed set (18 ``corpus/unlabeled`` articles that had no
  annotation until 2026-12-07; annotated then by someone who does no development). Small, and
  earlier sessions may have read these texts; themes were trained on weak labels of them.

    python benchmarks/evaluate.py                      # every open set, table + floor check
    python benchmarks/evaluate.py --set dev --diff     # per-article differences on one set
    python benchmarks/evaluate.py --raise-floors       # after an improvement: move floors up
    python benchmarks/evaluate.py --open-closed-test unlabeled-test2   # at the end only
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.gold import read_gold, read_refs  # noqa: E402

SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
ANNOTATIONS = Path(__file__).resolve().parent / "annotations"
FLOORS = Path(__file__).resolve().parent / "floors.json"
SCORER = SHARED / "bench" / "facts" / "score.py"
CLOSED = "unlabeled2-test"
CLOSED_SETS = (CLOSED, "unlabeled-test2")
ROWS = ("facts_F1", "subject_acc", "metric_acc", "year_acc", "approx_acc", "region_acc",
        "province_acc", "city_acc", "county_acc", "town_acc", "title_acc", "published_acc",
        "source_acc", "practices_F1", "themes_F1")


@dataclass(frozen=True)
class GoldSet:
    name: str
    texts: Path                   # folder of <id>.txt
    urls: Path | None             # id<TAB>url TSV, passed to predict
    refs: Path | None = None      # our reference annotations (None: texts/gold.jsonl)
    sets: frozenset[str] | None = None

    def available(self) -> bool:
        gold = self.refs if self.refs else self.texts / "gold.jsonl"
        return gold.exists() and self.texts.is_dir()

    def gold_lines(self) -> list[dict]:
        if self.refs is None:
            return [line for line, _ in read_gold(self.texts)]
        return list(read_refs(self.refs, self.texts, set(self.sets) if self.sets else None))


def gold_sets() -> dict[str, GoldSet]:
    corpus = SHARED / "corpus"
    return {s.name: s for s in (
        GoldSet("seeds", corpus / "seeds", None),
        GoldSet("dev", corpus / "dev", corpus / "dev" / "urls.tsv"),
        GoldSet("unlabeled", corpus / "unlabeled", None, ANNOTATIONS / "unlabeled.jsonl"),
        GoldSet("unlabeled2-train", corpus / "unlabeled2", corpus / "unlabeled2" / "urls.tsv",
                ANNOTATIONS / "unlabeled2-train.jsonl"),
        GoldSet(CLOSED, corpus / "unlabeled2", corpus / "unlabeled2" / "urls.tsv",
                ANNOTATIONS / "unlabeled2-test.jsonl"),
        GoldSet("unlabeled-test2", corpus / "unlabeled", corpus / "unlabeled" / "urls.tsv",
                ANNOTATIONS / "unlabeled-test2.jsonl"),
    )}


def figures(summary: dict) -> dict[str, float]:
    """The figures we report and pin, by name, from score.py's --json summary."""
    out = {
        "facts_F1": summary["facts"]["F1"],
        "subject_acc": summary["facts"]["subject_acc"],
        "metric_acc": summary["facts"]["metric_acc"],
        "year_acc": summary["facts"]["year_acc"],
        "approx_acc": summary["facts"]["approx_acc"],
        "region_acc": summary["region_acc_all"],
        "title_acc": summary["title_acc"],
        "published_acc": summary["published_acc"],
        "source_acc": summary["source_acc"],
        "practices_F1": summary["practices"]["F1"],
        "themes_F1": summary["themes"]["F1"],
    }
    for level in ("province", "city", "county", "town"):
        value = summary.get("region_acc", {})
        if isinstance(value, dict) and level in value:
            out[f"{level}_acc"] = value[level]
    return out


def predict(gold: GoldSet, ids: list[str], out: Path) -> None:
    """``wrmine predict`` over the set's texts, in a subprocess exactly as a user runs it."""
    files = [str(gold.texts / f"{i}.txt") for i in ids]
    args = [sys.executable, "-c", "from cli import cli; cli()", "predict", *files, "-o", str(out)]
    if gold.urls and gold.urls.exists():
        args += ["--urls", str(gold.urls)]
    subprocess.run(args, cwd=ROOT, check=True)


def score(gold: GoldSet, workdir: Path, diff: bool = False) -> dict[str, float]:
    """Predict and score one set; with ``diff`` print the scorer's per-article report."""
    lines = gold.gold_lines()
    gold_file = workdir / f"{gold.name}.gold.jsonl"
    gold_file.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    pred = workdir / f"{gold.name}.pred.jsonl"
    predict(gold, [x["id"] for x in lines], pred)
    summary_file = workdir / f"{gold.name}.score.json"
    cmd = [sys.executable, str(SCORER), str(gold_file), str(pred), "--json", str(summary_file),
           "--texts", str(gold.texts)]
    if not diff:
        cmd.append("--quiet")
    subprocess.run(cmd, check=True, capture_output=not diff, text=True)
    return figures(json.loads(summary_file.read_text(encoding="utf-8"))["summary"]) | {"articles": len(lines)}


def below_floors(name: str, got: dict[str, float], floors: dict) -> dict[str, tuple[float, float]]:
    """Every pinned figure of set ``name`` that scores under its floor: {figure: (got, floor)}."""
    return {k: (round(got[k], 3), v) for k, v in floors.get(name, {}).items()
            if k in got and got[k] + 1e-9 < v}


def run(names: list[str], diff: bool = False) -> dict[str, dict[str, float]]:
    """Scores of the named sets (those whose texts and gold are present)."""
    sets = gold_sets()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if sets[name].available():
                results[name] = score(sets[name], Path(tmp), diff)
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    """Sets side by side, one row per figure."""
    names = list(results)
    head = f"{'figure':<14}" + "".join(f"{n + ' (' + str(results[n]['articles']) + ')':>24}" for n in names)
    rows = [head]
    for row in ROWS:
        if any(row in results[n] for n in names):
            rows.append(f"{row:<14}" + "".join(
                f"{results[n][row]:>24.3f}" if row in results[n] else f"{'-':>24}" for n in names))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", dest="sets", help="score only this set (repeatable)")
    ap.add_argument("--diff", action="store_true", help="print the scorer's per-article report")
    ap.add_argument("--raise-floors", action="store_true", help="move floors up to the current scores")
    ap.add_argument("--open-closed-test", nargs="*", choices=CLOSED_SETS, metavar="SET",
                    help=f"score closed test sets {', '.join(CLOSED_SETS)} (all when none is named; "
                         "once, at the end of a piece of work)")
    args = ap.parse_args(argv)
    names = args.sets or [n for n in gold_sets() if n not in CLOSED_SETS]
    opened = () if args.open_closed_test is None else (args.open_closed_test or CLOSED_SETS)
    shut = [n for n in names if n in CLOSED_SETS and n not in opened]
    if shut:
        print(f"{shut[0]} is a closed test set: score it only with --open-closed-test", file=sys.stderr)
        return 2
    if not SCORER.exists():
        print(f"needs the shared corpus and scorer at {SHARED} (set WRMINE_SHARED)", file=sys.stderr)
        return 2
    names += [n for n in opened if n not in names]
    results = run(names, args.diff)
    print(table(results))
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    failed = False
    for name, got in results.items():
        below = below_floors(name, got, floors)
        if below:
            failed = True
            print(f"{name}: below floors (got, floor): {below}")
    if args.raise_floors:
        for name, got in results.items():
            if name in CLOSED_SETS:
                continue
            pinned = floors.setdefault(name, {})
            for k, v in got.items():
                if k != "articles" and (k not in pinned or v - 0.005 > pinned[k]):
                    pinned[k] = max(pinned.get(k, 0.0), round(v - 0.005, 3))
        FLOORS.write_text(json.dumps(floors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
