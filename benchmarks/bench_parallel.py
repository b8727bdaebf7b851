"""Ingest speed-up with workers: one process, a 2-process pool, and a 2-worker Dask
LocalCluster, on the same batch of generated articles, each into a fresh database.

Anchor, measured in the same run: ``--workers 1``. The pool's goal is ≥ 1.7× with 2 workers;
the cluster is compared with the pool (it pays for sending every input and result through a
scheduler). All three databases are compared table by table: they must be identical.
The machine's load is printed: on a shared machine the speed-up is bounded by the free cores.

    python benchmarks/bench_parallel.py [--batch 300] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_gen import ArticleMaker, available  # noqa: E402

TIMESTAMPS = {"ingested_at", "seen_at", "at"}


def dump(path: str) -> dict:
    conn = sqlite3.connect(path)
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                 "'articles_fts%' AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in TIMESTAMPS]
        out[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(cols)} FROM {table}")))
    conn.close()
    return out


def run(tmp: str, name: str, paths: list[str], **kwargs) -> tuple[float, dict]:
    import wrmine

    path = os.path.join(tmp, f"{name}.db")
    db = wrmine.open_db(path)
    start = time.perf_counter()
    result = wrmine.ingest(db, paths, **kwargs)
    rate = len(paths) / (time.perf_counter() - start)
    db.conn.close()
    print(f"  {name:34s} {rate:6.1f} articles/s  [{result.summary()}]", flush=True)
    return rate, dump(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not available():
        print("SKIP: needs the shared corpora (../shared/corpus; set WRMINE_SHARED)")
        return
    import wrmine
    from corpus.read import iter_sources

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        maker = ArticleMaker(seed=3)
        paths = maker.write(Path(tmp) / "in", 0, args.batch)
        warm = maker.write(Path(tmp) / "warm", 9_000_000, 1)[0]
        wrmine.analyse_source(next(iter_sources(warm)))   # models loaded before any timing
        one, ref = run(tmp, "1 worker (anchor)", paths, workers=1)
        pool, got = run(tmp, f"process pool, {args.workers} workers", paths, workers=args.workers)
        print(f"  pool speed-up: {pool / one:.2f}x (goal >= 1.7x); same database: {got == ref}")
        try:
            from dask.distributed import LocalCluster
        except ImportError:
            print("  dask: not installed (pip install 'wrmine[dask]'), cluster run skipped")
            return
        t = time.perf_counter()
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster:
            started = time.perf_counter() - t
            # Workers load the models on their first task: one warm-up round per worker.
            from dask.distributed import Client

            with Client(cluster) as client:
                client.run(lambda: wrmine.analyse_source(next(iter_sources(warm))))
            dask_rate, dask_db = run(tmp, f"Dask LocalCluster, {args.workers} workers", paths,
                                     engine="dask", scheduler=cluster.scheduler_address)
        print(f"  cluster started in {started:.1f}s (not counted); cluster / pool: {dask_rate / pool:.2f}x; "
              f"cluster / 1 worker: {dask_rate / one:.2f}x; same database: {dask_db == ref}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
