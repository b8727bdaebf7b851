"""Start-up time: how long before `wrmine` does any work?

Times, in fresh processes (median of N runs): the anchor `python -c "import json"` (bare
interpreter start), `python -c "import cli"` (our imports), and a one-file `wrmine predict`
with a warm disk cache (extract.cache) and, for comparison, with the cache turned off
(``WRMINE_CACHE_DIR=``). Compare the figures to the anchor of the same run, not across machines.

    python benchmarks/bench_startup.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "samples" / "seed-003.txt"
PREDICT = [sys.executable, "-c", "import sys; from cli import cli; sys.argv[0] = 'wrmine'; cli()",
           "predict", str(SAMPLE)]


def wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall seconds of ``cmd`` (output discarded), run from the repository root."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    subprocess.run(PREDICT, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # fill the cache
    anchor = wall([sys.executable, "-c", "import json"], runs)
    rows = [
        ('anchor: python -c "import json"', anchor),
        ('python -c "import cli"', wall([sys.executable, "-c", "import cli"], runs)),
        ("wrmine predict (1 file, warm cache)", wall(PREDICT, runs)),
        ("wrmine predict (1 file, cache off)", wall(PREDICT, runs, {**os.environ, "WRMINE_CACHE_DIR": ""})),
    ]
    for label, seconds in rows:
        print(f"{label:40s} {seconds:6.2f} s  {seconds / anchor:6.1f}x anchor")


if __name__ == "__main__":
    main()
