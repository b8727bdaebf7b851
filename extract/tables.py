"""One loader for the domain tables in ``extract/data/`` (tab-separated, header line).

Keywords, markers and rule patterns live in these files, not in code: a stage reads its
table once (``lru_cache`` at the caller) and compiles what it needs.

>>> rows = read_tsv("units.tsv")
>>> {"surface", "unit", "kind", "metric"} <= set(rows[0])
True
"""
from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).parent / "data"


def read_tsv(name: str | Path) -> list[dict[str, str]]:
    """The rows of ``data/<name>`` (or of the path ``name``) as dicts keyed by the header.

    Lines starting with ``#`` are comments (a table may explain its columns)."""
    path = name if isinstance(name, Path) else DATA / name
    with open(path, encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))
