"""Turn full gold lines (annotators' working files, kept outside the repository) into the
reference-only lines we commit: every copied text becomes offsets into the article
(corpus/gold.py). Checks that the references rebuild every label exactly.

    python scripts/annotations_to_refs.py WORK.jsonl... --texts ../shared/corpus/unlabeled2 \\
        --ids benchmarks/annotations/unlabeled2-test-ids.txt -o benchmarks/annotations/unlabeled2-test.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.gold import from_refs, read_raw, to_refs  # noqa: E402

CHECKED = ("title", "source", "named_methods", "themes", "region", "published", "url")


def convert(lines: list[dict], texts: Path) -> list[dict]:
    """Reference lines for ``lines``, each verified to rebuild its gold line."""
    out = []
    for line in lines:
        raw = read_raw(texts / f"{line['id']}.txt")
        ref = to_refs(line, raw)
        back = from_refs(ref, raw)
        wrong = [k for k in CHECKED if back[k] != line[k]]
        wrong += [f"fact {i}" for i, (a, b) in enumerate(zip(back["facts"], line["facts"]))
                  if (a["subject"], a["span"]) != (b["subject"], b["span"])]
        wrong += [f"practice {i}" for i, (a, b) in enumerate(zip(back["practices"], line["practices"]))
                  if a["title"] != b["title"]]
        if wrong:
            raise SystemExit(f"{line['id']}: references do not rebuild {wrong}")
        out.append(ref)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", nargs="+", type=Path)
    ap.add_argument("--texts", type=Path, required=True)
    ap.add_argument("--ids", type=Path, help="keep (and order by) these ids")
    ap.add_argument("--exclude-ids", type=Path, help="drop these ids")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    lines = {}
    for path in args.work:
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.strip():
                line = json.loads(text)
                lines[line["id"]] = line
    ids = sorted(lines)
    if args.ids:
        ids = [i for i in args.ids.read_text().split() if i in lines]
    if args.exclude_ids:
        drop = set(args.exclude_ids.read_text().split())
        ids = [i for i in ids if i not in drop]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in convert([lines[i] for i in ids], args.texts))
    args.output.write_text(data, encoding="utf-8")
    print(f"{len(ids)} articles -> {args.output} sha256 {hashlib.sha256(data.encode('utf-8')).hexdigest()}")


if __name__ == "__main__":
    main()
