"""The gold gate: every open gold set predicted through the CLI and scored with the shared
scorer by ``benchmarks/evaluate.py`` (the one evaluation entry point). Floors live in
``benchmarks/floors.json`` and only move up. The closed test set is never scored here."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED, needs_shared

spec = importlib.util.spec_from_file_location("evaluate", ROOT / "benchmarks" / "evaluate.py")
evaluate = importlib.util.module_from_spec(spec)
sys.modules["evaluate"] = evaluate    # dataclasses look their module up while the class is made
spec.loader.exec_module(evaluate)

VALIDATOR = SHARED / "bench" / "facts" / "validate.py"
OPEN_SETS = [n for n in evaluate.gold_sets() if n not in evaluate.CLOSED_SETS]
FLOORS = json.loads(evaluate.FLOORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=OPEN_SETS)
def scored(request, tmp_path_factory):
    gold = evaluate.gold_sets()[request.param]
    if not gold.available():
        pytest.skip(f"needs the shared gold corpus at {SHARED} (set WRMINE_SHARED)")
    work = tmp_path_factory.mktemp(request.param)
    figures = evaluate.score(gold, work)
    return gold, work / f"{gold.name}.pred.jsonl", figures


@needs_shared
def test_scores_at_or_above_floors(scored):
    gold, _, got = scored
    below = evaluate.below_floors(gold.name, got, FLOORS)
    assert not below, f"{gold.name}: scores below their floors (got, floor): {below}"


@needs_shared
def test_predictions_validate(scored):
    """The shared validator on our output. Only the shared gold sets: on our own annotated
    corpora the validator's fixed unit list lacks real measure words we output (架, 宗, 件次)."""
    gold, pred, _ = scored
    if gold.name not in ("seeds", "dev"):
        pytest.skip("the shared validator is run on the shared gold sets only")
    proc = subprocess.run([sys.executable, str(VALIDATOR), str(pred), "--pred", "--texts", str(gold.texts)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_every_open_set_has_floors():
    assert set(OPEN_SETS) - {"unlabeled2-train"} <= set(FLOORS)
    assert not set(evaluate.CLOSED_SETS) & set(FLOORS)


@pytest.mark.parametrize("name", evaluate.CLOSED_SETS)
def test_closed_set_needs_the_explicit_flag(name, capsys):
    assert evaluate.main(["--set", name]) == 2
    assert "closed test set" in capsys.readouterr().err


@needs_shared
@pytest.mark.parametrize("name", ["unlabeled", "unlabeled2-train", *evaluate.CLOSED_SETS])
def test_annotations_point_at_real_figures(name):
    """Our annotations are references: every fact's offsets must still land on a figure in the
    shared text (a moved or edited text would silently corrupt the scores). Only offsets are
    read here, never the closed set's words."""
    gold = evaluate.gold_sets()[name]
    if not gold.refs.exists():
        pytest.skip(f"{gold.refs} not written yet")
    entries = [json.loads(line) for line in gold.refs.read_text(encoding="utf-8").splitlines()]
    assert entries and len({e["id"] for e in entries}) == len(entries)
    for e in entries:
        raw = (gold.texts / f"{e['id']}.txt").read_text(encoding="utf-8")
        for f in e["facts"]:
            span = raw[f["start"]:f["end"]]
            assert span and "\n" not in span and re.search(
                r"[\d０-９〇零一二两兩三四五六七八九十百千万萬亿億半几幾]", span), (e["id"], f["start"])


def test_annotation_files_hold_no_copied_text():
    """Reference files keep offsets, never the articles' words: no string field holds a run of
    4 or more Chinese characters except region names, units, themes and metrics."""
    allowed_keys = {"province", "city", "county", "town", "unit", "themes", "metric"}
    run = re.compile(r"[\u4e00-\u9fff]{4,}")
    for path in (ROOT / "benchmarks" / "annotations").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stack = [(None, json.loads(line))]
            while stack:
                key, value = stack.pop()
                if isinstance(value, dict):
                    stack += list(value.items())
                elif isinstance(value, list):
                    stack += [(key, v) for v in value]
                elif isinstance(value, str) and key not in allowed_keys:
                    assert not run.search(value), (path.name, key)
