"""Ingest speed-up with workers: one process, a 2-process pool, and a 2-worker Dask
LocalCluster, on the same batch of generated articles (``corpus_gen``: real paragraphs shuffled
across articles, figures changed, so every text is distinct), each into a fresh database.

Anchor, measured in the same run: ``--workers 1``. The pool's goal is ≥ 1.7× with 2 workers;
the cluster is compared with the pool (it pays for sending every input and result through a
scheduler). All databases are compared table by table: they must be identical.

Besides articles/s, each run's CPU time is measured: the writer process's own (reading inputs,
repost lookups, INSERTs, the pool's messages) and the workers'. The writer's share of all the
CPU, and the speed-up the CPU times allow on idle cores (1-worker CPU ÷ the larger of all CPU ÷
cores and the writer's CPU), hold on a busy machine too, where wall-clock ratios do not: Linux
gives each session an equal share of the cores whatever its number of processes, so with other
jobs running a second worker gains little wall-clock time. The load is printed.

    python benchmarks/bench_parallel.py [--batch 600] [--workers 2] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
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
                                 "'%_fts%' AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in TIMESTAMPS]
        out[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(cols)} FROM {table}")))
    conn.close()
    return out


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    rate: float          # articles/s, wall clock
    writer_cpu: float    # s, this process (the writer; with LocalCluster also the scheduler)
    worker_cpu: float    # s, the worker processes
    tables: dict

    def per_article(self, n: int) -> str:
        return f"writer {1000 * self.writer_cpu / n:.1f} ms + workers {1000 * self.worker_cpu / n:.1f} ms CPU/article"


def run(tmp: str, name: str, paths: list[str], worker_cpu=children_cpu, **kwargs) -> Run:
    import wrmine

    path = os.path.join(tmp, f"{name.split(',')[0].replace(' ', '-')}-{time.monotonic_ns()}.db")
    db = wrmine.open_db(path)
    cpu, kids, start = time.process_time(), worker_cpu(), time.perf_counter()
    result = wrmine.ingest(db, paths, **kwargs)
    wall = time.perf_counter() - start
    got = Run(len(paths) / wall, time.process_time() - cpu, worker_cpu() - kids, {})
    db.conn.close()
    got.tables = dump(path)
    print(f"  {name:32s} {got.rate:6.1f} articles/s  {got.per_article(len(paths))}  [{result.summary()}]",
          flush=True)
    return got


def run_shards(tmp: str, paths: list[str], scheduler: str, worker_cpu) -> Run | None:
    """The cluster writes Parquet shards (shared storage: here a local folder), then the
    single writer merges them; the rate counts both steps."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("  shards: pyarrow not installed (pip install 'wrmine[dask]'), skipped")
        return None
    import wrmine

    path = os.path.join(tmp, "shards.db")
    db = wrmine.open_db(path)
    cpu, kids, start = time.process_time(), worker_cpu(), time.perf_counter()
    written = wrmine.ingest_shards(paths, os.path.join(tmp, "shards"), scheduler, files_per_shard=16)
    analysed = time.perf_counter() - start
    result = wrmine.merge(db, written)
    wall = time.perf_counter() - start
    got = Run(len(paths) / wall, time.process_time() - cpu, worker_cpu() - kids, {})
    db.conn.close()
    got.tables = dump(path)
    name = f"Dask shards + merge ({len(written)} shards)"
    print(f"  {name:32s} {got.rate:6.1f} articles/s  {got.per_article(len(paths))}  "
          f"[cluster {analysed:.1f}s, merge {wall - analysed:.1f}s; {result.summary()}]", flush=True)
    return got


def same(run: Run, anchor: Run) -> str:
    """"True", or the tables that differ. Cluster workers are started afresh and import the
    code as it is on disk now: code edited since this benchmark started also shows here."""
    if run.tables == anchor.tables:
        return "True"
    return "False: " + ", ".join(t for t in anchor.tables if run.tables.get(t) != anchor.tables[t])


def best(runs: list[Run]) -> Run:
    """The fastest rate and the least CPU of several runs of one configuration."""
    cpu = min(runs, key=lambda r: r.writer_cpu + r.worker_cpu)
    same = all(r.tables == runs[0].tables for r in runs)
    return Run(max(r.rate for r in runs), cpu.writer_cpu, cpu.worker_cpu, runs[0].tables if same else {})


def cpu_bound(anchor: Run, other: Run, cores: int) -> float:
    """The speed-up over the anchor that the CPU times allow on ``cores`` idle cores: the work
    spreads over the cores, but the single writer cannot go faster than its own CPU time."""
    return (anchor.writer_cpu + anchor.worker_cpu) / max((other.writer_cpu + other.worker_cpu) / cores,
                                                          other.writer_cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="runs of the anchor and the pool, alternated")
    args = ap.parse_args()
    if not available():
        print("SKIP: needs the shared corpora (../shared/corpus; set WRMINE_SHARED)")
        return
    import wrmine

    cores = min(os.cpu_count() or 1, args.workers)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall-clock ratios mean something only when it is well under the number of cores)")
    with tempfile.TemporaryDirectory() as tmp:
        maker = ArticleMaker(seed=3)
        paths = maker.write(Path(tmp) / "in", 0, args.batch)
        warm_up = maker.write(Path(tmp) / "warm", 9_000_000, 40)
        # Models, tables and caches loaded before any timing (else the anchor, run first, pays).
        wrmine.ingest(wrmine.open_db(os.path.join(tmp, "warm.db")), warm_up, workers=1)
        # Alternated and repeated: each figure is the best of --repeat runs (CPU time varies
        # by ±15 % on a loaded machine; the least disturbed run is the closest to the truth).
        ones, pools = [], []
        for _ in range(args.repeat):
            ones.append(run(tmp, "1 worker (anchor)", paths, workers=1))
            pools.append(run(tmp, f"process pool, {args.workers} workers", paths, workers=args.workers))
        one, pool = best(ones), best(pools)
        share = pool.writer_cpu / (pool.writer_cpu + pool.worker_cpu)
        summary = [
            f"1 worker (anchor):        {one.rate:6.1f} articles/s",
            f"{args.workers} workers (pool):        {pool.rate:6.1f} articles/s",
            f"pool speed-up:            {pool.rate / one.rate:6.2f}x   (goal >= 1.7x; same database: "
            f"{bool(one.tables) and pool.tables == one.tables})",
            f"writer CPU share:         {share:6.2f}    (the writer process's CPU / all CPU, {args.workers} workers)",
            f"speed-up the CPU allows:  {cpu_bound(one, pool, cores):6.2f}x   (on {cores} idle cores)",
        ]
        cluster = run_cluster(tmp, paths, warm_up, args.workers)
        if cluster:
            dask, shards, started = cluster
            summary += [
                f"Dask LocalCluster:        {dask.rate:6.1f} articles/s; / pool {dask.rate / pool.rate:.2f}x; "
                f"/ 1 worker {dask.rate / one.rate:.2f}x; CPU allows {cpu_bound(one, dask, cores):.2f}x "
                f"(same database: {same(dask, one)}; cluster start {started:.1f}s not counted)",
            ]
            if shards:
                summary.append(f"Dask shards + merge:      {shards.rate:6.1f} articles/s; / pool "
                               f"{shards.rate / pool.rate:.2f}x (same database: {same(shards, one)})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("summary (best of --repeat for the anchor and the pool):")
    for line in summary:
        print("  " + line)


def run_cluster(tmp: str, paths: list[str], warm_up: list[str], workers: int):
    """(results sent back, shards + merge, start-up seconds) on a LocalCluster of ``workers``
    processes, or None without Dask. The scheduler runs in this process (its CPU counts as the
    writer's); on a real cluster it runs elsewhere."""
    import wrmine
    from corpus.read import iter_sources

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("  dask: not installed (pip install 'wrmine[dask]'), cluster runs skipped")
        return None
    t = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        started = time.perf_counter() - t
        # Workers start cold (spawned, not forked): each analyses the anchor's warm-up batch
        # first, so that models, tables and caches are loaded as they are in the pool.
        client.run(lambda: [wrmine.analyse_source(next(iter_sources(p))) for p in warm_up])

        def workers_cpu() -> float:
            return sum(client.run(time.process_time).values())

        dask = run(tmp, f"Dask LocalCluster, {workers} workers", paths, worker_cpu=workers_cpu,
                   engine="dask", scheduler=cluster.scheduler_address)
        shards = run_shards(tmp, paths, cluster.scheduler_address, workers_cpu)
    return dask, shards, started


if __name__ == "__main__":
    main()
