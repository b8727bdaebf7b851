"""The gold gate: predict every gold article through the CLI and score it with the shared
scorer. Floors live in tests/gold_baseline.json and only move up (raise them when a change
improves a score; lowering one needs a reason in the commit)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from conftest import DEV, SEEDS, SHARED, needs_shared

BASELINE = json.loads((Path(__file__).parent / "gold_baseline.json").read_text(encoding="utf-8"))
SCORER = SHARED / "bench" / "facts" / "score.py"
VALIDATOR = SHARED / "bench" / "facts" / "validate.py"


def metrics(summary: dict) -> dict[str, float]:
    """The figures we pin, by name, from score.py's --json summary."""
    return {
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


def annotated_test_gold(tmp: Path) -> Path:
    """Our blind annotations of the 47 never-tuned-on unlabeled articles, rebuilt as a gold
    folder (gold.jsonl + texts read in place) by benchmarks/score_heldout.py's rules."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "score_heldout", Path(__file__).resolve().parent.parent / "benchmarks" / "score_heldout.py")
    heldout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(heldout)
    texts = SHARED / "corpus" / "unlabeled"
    entries = [json.loads(x) for x in heldout.ANNOTATIONS.read_text(encoding="utf-8").splitlines()]
    lines = [json.dumps(heldout.rebuild(e, texts), ensure_ascii=False) for e in entries if e["set"] == "test"]
    (tmp / "gold.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp


@pytest.fixture(scope="module", params=["seeds", "dev", "annotated_test"])
def scored(request, tmp_path_factory):
    if not (SEEDS / "gold.jsonl").exists():
        pytest.skip(f"needs the shared gold corpus at {SHARED}")
    if request.param == "annotated_test":
        folder = annotated_test_gold(tmp_path_factory.mktemp("annotated"))
        texts = SHARED / "corpus" / "unlabeled"
        ids = [json.loads(x)["id"] for x in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
        files = [str(texts / f"{i}.txt") for i in ids]
    else:
        folder = {"seeds": SEEDS, "dev": DEV}[request.param]
        texts = folder
        files = sorted(str(p) for p in folder.glob("*.txt") if not p.name.endswith(".clean.txt"))
    out = tmp_path_factory.mktemp("gold") / f"{request.param}.jsonl"
    args = ["predict", *files, "-o", str(out)]
    if (folder / "urls.tsv").exists():
        args += ["--urls", str(folder / "urls.tsv")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary_file = out.with_suffix(".score.json")
    subprocess.run([sys.executable, str(SCORER), str(folder / "gold.jsonl"), str(out), "--quiet",
                    "--json", str(summary_file), "--texts", str(texts)], check=True, capture_output=True)
    summary = json.loads(summary_file.read_text(encoding="utf-8"))["summary"]
    return request.param, texts, out, metrics(summary)


@needs_shared
def test_scores_at_or_above_floors(scored):
    name, _, _, got = scored
    floors = BASELINE[name]
    below = {k: (round(got[k], 3), v) for k, v in floors.items() if got[k] + 1e-9 < v}
    assert not below, f"{name}: scores below their floors (got, floor): {below}"


@needs_shared
def test_predictions_validate(scored):
    _, folder, out, _ = scored
    proc = subprocess.run([sys.executable, str(VALIDATOR), str(out), "--pred", "--texts", str(folder)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]


@needs_shared
def test_heldout_annotations_point_at_real_figures():
    """Our own held-out annotations are references: every fact's offsets must still land on a
    figure in the shared text (a moved or edited text would silently corrupt the scores)."""
    import re

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "heldout" / "annotations.jsonl"
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {e["set"] for e in entries} == {"dev", "test"} and len(entries) == 141
    for e in entries:
        raw = (SHARED / "corpus" / "unlabeled" / f"{e['id']}.txt").read_text(encoding="utf-8")
        for f in e["facts"]:
            span = raw[f["start"]:f["end"]]
            assert span and "\n" not in span and re.search(r"[\d０-９〇零一二两兩三四五六七八九十百千万萬亿億半几幾]", span), (e["id"], f)
