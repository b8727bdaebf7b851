"""Start-up time: how long before `wrmine` does any work?

Times, in fresh processes (median of N runs): the anchor `python -c "import json"` (bare
interpreter start), `python -c "import cli"` (our imports), `wrmine --help`, and a one-file
`wrmine predict` with a warm disk cache (extract.cache) and, for comparison, with the cache
turned off (``WRMINE_CACHE_DIR=``). Wall seconds, and CPU seconds (user + system of the child:
on a loaded machine the wall figures swing, the CPU ones hardly). Compare the figures to the
anchor of the same run, not across machines. Python compiles our modules at every start when
``PYTHONDONTWRITEBYTECODE`` is set (as in some sandboxes): about 0.1 s more than an install
that keeps its ``__pycache__``.

    python benchmarks/bench_startup.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "samples" / "seed-003.txt"
PREDICT = [sys.executable, "-c", "import sys; from cli import cli; sys.argv[0] = 'wrmine'; cli()",
           "predict", str(SAMPLE)]
HELP = [sys.executable, "-c", "import sys; from cli import cli; sys.argv[0] = 'wrmine'; cli()", "--help"]


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``cmd`` (output discarded), run from the repository root."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    subprocess.run(PREDICT, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # fill the cache
    anchor = timed([sys.executable, "-c", "import json"], runs)
    rows = [
        ('anchor: python -c "import json"', anchor),
        ('python -c "import cli"', timed([sys.executable, "-c", "import cli"], runs)),
        ("wrmine --help", timed(HELP, runs)),
        ("wrmine predict (1 file, warm cache)", timed(PREDICT, runs)),
        ("wrmine predict (1 file, cache off)", timed(PREDICT, runs, {**os.environ, "WRMINE_CACHE_DIR": ""})),
    ]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, (wall, cpu) in rows:
        print(f"{label:40s} wall {wall:6.2f} s ({wall / anchor[0]:5.1f}x anchor)  "
              f"CPU {cpu:6.2f} s ({cpu / anchor[1]:5.1f}x anchor)")


if __name__ == "__main__":
    main()
