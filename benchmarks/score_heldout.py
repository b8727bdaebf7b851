"""Score wrmine on our own blind annotations of articles from ../shared/corpus/unlabeled.

`benchmarks/heldout/annotations.jsonl` holds the annotations as references: every field of the
gold format except the text copies (fact `span` and `sentence`), which are rebuilt here from the
character offsets into the texts, read in place. Sets: `dev` (94 articles, used for
development) and `test` (47 articles, never used for development: the honest figure).

    python benchmarks/score_heldout.py [--set test|dev|all] [--shared ../shared] [--per-article]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = Path(__file__).resolve().parent / "heldout" / "annotations.jsonl"
RE_BOUNDARY = re.compile(r"[。！？!\n]")


def sentence_at(raw: str, start: int, end: int) -> str:
    """The sentence around raw[start:end], bounded like the gold (。！？! or a line break)."""
    left = max((m.end() for m in RE_BOUNDARY.finditer(raw, 0, start)), default=0)
    right = RE_BOUNDARY.search(raw, end)
    return raw[left:right.end() if right and raw[right.start()] != "\n" else (right.start() if right else len(raw))].strip()


def rebuild(entry: dict, texts: Path) -> dict:
    raw = (texts / f"{entry['id']}.txt").read_text(encoding="utf-8")
    gold = {k: v for k, v in entry.items() if k != "set"}
    gold["facts"] = [dict(f, span=raw[f["start"]:f["end"]], sentence=sentence_at(raw, f["start"], f["end"]))
                     for f in entry["facts"]]
    return gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=["test", "dev", "all"], default="test")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--per-article", action="store_true")
    args = ap.parse_args()
    shared = Path(args.shared)
    texts = shared / "corpus" / "unlabeled"
    scorer = shared / "bench" / "facts" / "score.py"
    if not texts.is_dir() or not scorer.exists():
        sys.exit(f"needs the shared corpus and scorer at {shared} (--shared DIR)")
    entries = [json.loads(line) for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines()]
    entries = [e for e in entries if args.set == "all" or e["set"] == args.set]
    with tempfile.TemporaryDirectory() as tmp:
        gold, pred = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gold.write_text("".join(json.dumps(rebuild(e, texts), ensure_ascii=False) + "\n" for e in entries),
                        encoding="utf-8")
        files = [str(texts / f"{e['id']}.txt") for e in entries]
        subprocess.run([sys.executable, "-c", "from cli import cli; cli()", "predict", *files, "-o", str(pred)],
                       cwd=ROOT, check=True)
        cmd = [sys.executable, str(scorer), str(gold), str(pred), "--texts", str(texts)]
        if not args.per_article:
            cmd.append("--quiet")
        print(f"{args.set}: {len(entries)} articles")
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
