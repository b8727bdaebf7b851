"""Ingest throughput and memory: does peak memory stay flat as the batch grows?

Runs `wrmine ingest` in fresh processes over N = SMALL and N = LARGE generated articles
(the bundled samples with a unique line each, so none is a repost) and prints articles/s and
peak RSS for both. The anchor is the SMALL run in the same invocation: the ratio of peak RSS
(large / small) should stay near 1.0 however large the batch.

    python benchmarks/bench_ingest.py [--small 40] [--large 400]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "corpus" / "samples").glob("seed-*.txt"))


def make_batch(folder: Path, n: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    for i in range(n):
        (folder / f"a{i:05d}.txt").write_text(texts[i % len(texts)] + f"\n批次编号{i}。\n", encoding="utf-8")


def run_ingest(n: int) -> tuple[float, float]:
    """(articles per second, peak RSS in MiB) of one `wrmine ingest` process over n articles."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        make_batch(folder, n)
        code = ("import resource, sys; from cli import cli; "
                "sys.argv=['wrmine','ingest',sys.argv[1],'--db',sys.argv[2]]\n"
                "try:\n    cli()\nexcept SystemExit:\n    pass\n"
                "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code, str(folder), str(Path(tmp) / "b.db")],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        elapsed = time.perf_counter() - start
        rss_kb = int(proc.stdout.rsplit("RSS", 1)[1].split()[0])
        return n / elapsed, rss_kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=40)
    ap.add_argument("--large", type=int, default=400)
    args = ap.parse_args()
    small_rate, small_rss = run_ingest(args.small)
    large_rate, large_rss = run_ingest(args.large)
    print(f"ingest N={args.small:<5} {small_rate:7.1f} articles/s (process start included)  peak RSS {small_rss:6.1f} MiB  [anchor]")
    print(f"ingest N={args.large:<5} {large_rate:7.1f} articles/s (process start included)  peak RSS {large_rss:6.1f} MiB")
    print(f"peak RSS ratio large/small = {large_rss / small_rss:.2f} (flat memory: close to 1.0)")


if __name__ == "__main__":
    main()
