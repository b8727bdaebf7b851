"""Train the practice model (extract/data/practices_model.json) from the open gold sets.

    python scripts/train_practices.py            # shared corpus at ../shared (or WRMINE_SHARED)

Reads seeds, dev, our unlabeled annotations and unlabeled2-train (never the closed test set),
cross-validates grouped by article (mean of five fold shuffles), scores each annotation set
with a model trained without it, counts the errors by cause, writes the JSON weights and
prints the report, then one line with the training time and the model's size.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.practice_model import MODEL_PATH, train  # noqa: E402


def main() -> int:
    shared = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
    if not (shared / "corpus").is_dir():
        print(f"needs the shared corpus at {shared} (set WRMINE_SHARED)", file=sys.stderr)
        return 2
    report = train(shared, ROOT / "benchmarks" / "annotations", MODEL_PATH)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"trained in {report['seconds']} s ({report['cpu_seconds']} s CPU), "
          f"{report['features']} weights, {report['bytes']} bytes: {MODEL_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
