"""Ingest at scale: articles/s and peak memory when the database already holds 1k, 10k and
100k articles. Flat per-article cost means the three rates are the same.

The database is filled to each size by generating rows directly (the rows ``save_article``
writes: articles, facts, themes, repost band keys, the full-text index, the fact roll-up),
from distinct generated articles (``corpus_gen``: real paragraphs shuffled across articles,
figures changed; a title and one paragraph each, to fill 100k in minutes). Then a fresh process ingests the same batch of BATCH new generated files
(``wrmine.ingest``, one worker) into a copy of it; its peak RSS is the memory figure.

Anchor, measured in the same run: the pure stages alone (``wrmine.analyse_source`` on the
same batch, no database). ingest / anchor is the share of the time left to everything else
(reading, hashing, repost lookup, storing): 1.0 would be free storage.

    python benchmarks/bench_ingest.py [--sizes 1000 10000 100000] [--batch 200]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_gen import ArticleMaker, available  # noqa: E402

CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
import wrmine
db = wrmine.open_db(sys.argv[1])
paths = sys.argv[2].split("\\n")
# Warm-up outside the timing: the first analysis loads the models and tables (seconds).
from corpus.read import iter_sources
wrmine.analyse_source(next(iter_sources(sys.argv[4])))
start = time.perf_counter()
result = wrmine.ingest(db, paths, workers=1)
elapsed = time.perf_counter() - start
print(json.dumps({"rate": len(paths) / elapsed, "summary": result.summary(),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fill(path: str, start: int, stop: int, maker: ArticleMaker) -> None:
    """Generated rows for articles start..stop-1, as ``save_article`` lays them out."""
    import sqlite_utils

    from corpus import store
    from corpus.fts import index_text
    from extract.analysis import METRICS, THEMES

    rng = random.Random(start)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    chunk = 5000
    for base in range(start, stop, chunk):
        arts, bands, facts, themes, fts, sources = [], [], [], [], [], []
        first_rowid = (conn.execute("SELECT MAX(rowid) FROM articles").fetchone()[0] or 0) + 1
        for n, i in enumerate(range(base, min(stop, base + chunk))):
            # Title and the first paragraph only: the rows, keys and index entries of a stored
            # article, at a fifth of the text (filling 100k articles takes minutes, not a quarter hour).
            title, body = maker.make(10_000_000 + i).split("\n")[:2]
            text = title + "\n" + body
            aid, key = f"pre{i:07d}", f"/prefill/pre{i:07d}.txt"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            arts.append((aid, key, title, body, body, body, "[]", digest, digest, "湖南省", "长沙市", None, None))
            sources.append((aid, None, None, key))
            bands += [(f"{b}:{rng.getrandbits(96):x}", aid) for b in range(42)]
            for k in range(rng.choice((0, 1, 2, 3, 5))):
                facts.append((aid, k * 10, k * 10 + 3, "12个", rng.randint(1, 500), "个", "exact", "队伍",
                              rng.choice(METRICS), rng.randint(2018, 2025), body[:60], 1.0))
            themes += [(aid, t, r) for r, t in enumerate(rng.sample(THEMES, 2))]
            fts.append((first_rowid + n, index_text(title), index_text(body)))
        with conn:
            conn.executemany("INSERT INTO articles (id, path, title, raw, text, simplified, raw_map, content_hash, "
                             "source_hash, province, city, county, town) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", arts)
            conn.executemany("INSERT INTO article_sources (article_id, source, url, path) VALUES (?,?,?,?)", sources)
            conn.executemany("INSERT INTO repost_bands (band, article_id) VALUES (?,?)", bands)
            conn.executemany("INSERT INTO facts (article_id, start, end, span, value, unit, approx, subject, metric, "
                             "year, sentence, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", facts)
            conn.executemany("INSERT INTO article_themes (article_id, theme, rank) VALUES (?,?,?)", themes)
            conn.executemany("INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)", fts)
    with conn:
        store.rebuild_fact_rollup(sqlite_utils.Database(conn))
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()
    if not available():
        print("SKIP: needs the shared corpora (../shared/corpus; set WRMINE_SHARED)")
        return
    import wrmine
    from corpus.read import iter_sources

    maker = ArticleMaker()
    with tempfile.TemporaryDirectory() as tmp:
        batch = maker.write(Path(tmp) / "batch", 0, args.batch)
        warm = maker.write(Path(tmp) / "warm", 5_000_000, 1)[0]
        # Anchor: the pure stages on the same batch, this process, after one warm-up.
        wrmine.analyse_source(next(iter_sources(warm)))
        start = time.perf_counter()
        for p in batch:
            wrmine.analyse_source(next(iter_sources(p)))
        anchor = len(batch) / (time.perf_counter() - start)
        print(f"anchor: analysis alone (no database) {anchor:6.1f} articles/s on the {len(batch)} batch files")

        base = str(Path(tmp) / "base.db")
        wrmine.open_db(base).conn.close()
        filled, rates = 0, {}
        for size in sorted(args.sizes):
            t = time.perf_counter()
            fill(base, filled, size, maker)
            filled = size
            fill_s = time.perf_counter() - t
            copy = str(Path(tmp) / f"db{size}.db")
            shutil.copy(base, copy)
            proc = subprocess.run([sys.executable, "-c", CHILD, copy, "\n".join(batch), str(ROOT), warm],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            out = json.loads(proc.stdout.strip().splitlines()[-1])
            rates[size] = out["rate"]
            print(f"ingest into {size:>7} stored articles: {out['rate']:6.1f} articles/s "
                  f"(ingest/anchor {out['rate'] / anchor:.2f})  peak RSS {out['rss_mib']:6.1f} MiB  "
                  f"[{out['summary']}; filled in {fill_s:.0f}s]")
            Path(copy).unlink()
        small, large = min(rates), max(rates)
        print(f"flatness: rate at {large} / rate at {small} = {rates[large] / rates[small]:.2f} (flat: ~1.0)")


if __name__ == "__main__":
    main()
