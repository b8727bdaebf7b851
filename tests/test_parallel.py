"""Parallel ingest: a process pool or a Dask cluster analyses, one writer stores in input order,
so the database is the same as a one-worker run; batched commits never split an article."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wrmine
from corpus.parallel import Done, RemoteError, Task, ordered_map
from corpus.read import iter_sources

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
TIMESTAMPS = {"ingested_at", "seen_at", "at"}


def make_inputs(folder: Path) -> list[str]:
    """The bundled samples, a variant of each with other figures (a repost of it), a copy,
    an empty file, and two files with one name in two folders (their ids must not collide)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("seed-*.txt"))]
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    for i, text in enumerate(texts):
        (folder / "a" / f"s{i}.txt").write_text(text, encoding="utf-8")
        variant = text.replace("1", "7").replace("2", "9") + "\n本年度另建成示范点三个。\n"
        (folder / "b" / f"v{i}.txt").write_text(variant, encoding="utf-8")
    (folder / "b" / "s0.txt").write_text(texts[0] + "\n（转载）\n", encoding="utf-8")   # a repost, same stem
    (folder / "b" / "empty.txt").write_text("", encoding="utf-8")
    return [str(folder / "a"), str(folder / "b")]


def dump(path: str) -> dict:
    """Every table except timestamps, and what the full-text index answers."""
    conn = sqlite3.connect(path)
    out = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%' "
        "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'")]
    for table in tables:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in TIMESTAMPS]
        out[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(cols)} FROM {table}")))
    for word in ("志愿", "服务队", "示范点", "党"):
        out[f"fts:{word}"] = [r[0] for r in conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid",
            [wrmine.store.fts_query(word)])]
    conn.close()
    return out


def ingest_with(tmp_path: Path, name: str, inputs: list[str], **kwargs) -> tuple[wrmine.IngestResult, dict]:
    path = str(tmp_path / f"{name}.db")
    db = wrmine.open_db(path)
    result = wrmine.ingest(db, inputs, **kwargs)
    db.conn.close()
    return result, dump(path)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    inputs = make_inputs(tmp)
    return inputs, *ingest_with(tmp, "serial", inputs, workers=1)


def test_serial_run_stores_what_the_inputs_hold(serial):
    _, result, tables = serial
    # The variants (other figures, one more line) and the copy are reposts of the samples:
    # which article is the original depends on the order they are stored in.
    assert result.summary().startswith("11 new (6 reposts of stored articles)")
    assert [reason for _, _, reason in result.skipped] == ["empty file"]
    ids = {eval(r)[0] for r in tables["articles"]}
    assert "s0" in ids and any(i.startswith("s0-") for i in ids)       # one name, two folders
    assert tables["facts"] and tables["fts:志愿"] and tables["fts:党"]


def test_process_pool_gives_the_same_database(serial, tmp_path):
    inputs, result, tables = serial
    pooled, pooled_tables = ingest_with(tmp_path, "pool", inputs, workers=2)
    assert pooled.summary() == result.summary()
    assert pooled_tables == tables


def test_dask_cluster_gives_the_same_database(serial, tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
    inputs, result, tables = serial
    # Threads in this process: the same code path as remote workers (tasks and results are
    # sent through the scheduler) without seconds of worker start-up.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster:
        got, got_tables = ingest_with(tmp_path, "dask", inputs, engine="dask",
                                      scheduler=cluster.scheduler_address)
    assert got.summary() == result.summary()
    assert got_tables == tables


def test_dask_shards_merge_into_the_same_database(serial, tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow (the dask extra) is not installed")
    inputs, result, tables = serial
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster:
        # Two files a shard: several shards, written in any order, merged in input order.
        shards = wrmine.ingest_shards(inputs, str(tmp_path / "shards"), cluster.scheduler_address,
                                      files_per_shard=2)
    assert len(shards) == 6
    path = str(tmp_path / "merged.db")
    db = wrmine.open_db(path)
    merged = wrmine.merge(db, reversed(shards))     # the order they are named in does not matter
    again = wrmine.merge(db, [str(tmp_path / "shards")])
    db.conn.close()
    assert merged.summary() == result.summary()
    assert dump(path) == tables
    assert again.new == again.changed == 0 and again.unchanged == 11


def test_rows_survive_a_shard_unchanged(tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow (the dask extra) is not installed")
    from corpus.shards import Entry, read_shards, write_shard

    entries = []
    for i, path in enumerate(sorted(SAMPLES.glob("seed-*.txt"))):
        source = next(iter_sources(str(path)))
        rows = wrmine._analyse_task(source, None)
        entries.append(Entry(part=3, seq=i, kind="source", path=str(path), key=str(path),
                             source_id=rows.id, digest="d", rows=rows))
    entries.append(Entry(part=3, seq=len(entries), kind="file", path="/x", key="/x", stage="read",
                         reason="empty file"))
    shard = write_shard(str(tmp_path), 3, entries)
    assert list(read_shards([shard])) == entries


def test_cli_merge_refuses_what_is_not_a_shard(tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow (the dask extra) is not installed")
    from click.testing import CliRunner

    from cli import cli

    bogus = tmp_path / "part-000000.parquet"
    bogus.write_text("不是分片", encoding="utf-8")
    result = CliRunner().invoke(cli, ["merge", str(tmp_path), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 1 and "not a wrmine shard" in result.output
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "none"), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 2


def test_second_run_skips_unchanged_with_workers(serial, tmp_path):
    inputs, _, _ = serial
    db = wrmine.open_db(str(tmp_path / "twice.db"))
    wrmine.ingest(db, inputs, workers=2)
    again = wrmine.ingest(db, inputs, workers=2)
    assert again.new == again.changed == 0 and again.unchanged == 11


def _boom(text):
    if text == "坏":
        raise ValueError("坏输入")
    if text == "锁":
        import threading

        class Unpicklable(Exception):
            def __init__(self):
                super().__init__("带锁的异常")
                self.lock = threading.Lock()
        raise Unpicklable()
    return len(text)


@pytest.mark.parametrize("workers", [1, 2])
def test_ordered_map_keeps_order_and_returns_errors(workers):
    items = [Task(("党建引领",)), "passed through", Task(("坏",)), Task(("锁",))] + [Task(("治理" * i,)) for i in range(8)]
    out = list(ordered_map(_boom, items, workers=workers))
    assert out[1] == "passed through"
    assert out[0].value == 4 and [d.value for d in out[4:]] == [2 * i for i in range(8)]
    assert isinstance(out[2].error, ValueError) and str(out[2].error) == "坏输入"
    assert isinstance(out[3], Done) and "带锁的异常" in str(out[3].error)
    if workers > 1:   # a local class cannot travel back from a worker process: it comes as text
        assert isinstance(out[3].error, RemoteError) and out[3].error.type_name == "Unpicklable"


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, sys.argv[3])
    import wrmine
    from corpus import store

    wrmine.COMMIT_EVERY, wrmine.COMMIT_SECONDS = 3, 1e9
    state = {"saved": 0, "inside": False}
    original_save, original_clear = store.save_rows, store.clear_skip

    def clear_skip(db, key):
        # The last write of an article, inside its savepoint: the 8th article dies here,
        # with its article row, facts, bands and index entry written but not committed.
        if state["inside"] and state["saved"] >= 7:
            os.kill(os.getpid(), signal.SIGKILL)
        original_clear(db, key)

    def save(*args, **kwargs):
        state["inside"] = True
        original_save(*args, **kwargs)
        state["inside"] = False
        state["saved"] += 1

    store.save_rows, store.clear_skip = save, clear_skip
    db = wrmine.open_db(sys.argv[2])
    wrmine.ingest(db, [sys.argv[1]], workers=1)
""")



def test_kill_minus_9_never_leaves_half_an_article(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("seed-*.txt"))]
    for i in range(12):
        (folder / f"k{i:02d}.txt").write_text(texts[i % len(texts)] + f"\n第{i}批次新增活动{i * 7 + 3}场。\n",
                                              encoding="utf-8")
    db = tmp_path / "k.db"
    proc = subprocess.run([sys.executable, "-c", KILLER, str(folder), str(db), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    conn = sqlite3.connect(db)
    stored = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
    # Committed batches of 3 survive (6 articles); the open batch is gone entirely.
    assert stored == [f"k{i:02d}" for i in range(6)]
    for table in ("facts", "repost_bands", "article_themes", "article_sources"):
        orphans = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)")
        assert orphans.fetchone()[0] == 0, table
    assert conn.execute("SELECT COUNT(*) FROM repost_bands").fetchone()[0] == 6 * 42
    indexed = conn.execute("SELECT COUNT(*) FROM articles_fts_docsize").fetchone()[0]
    assert indexed == len(stored)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_workers_and_engine_options(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    inputs = [str(SAMPLES)]
    db = str(tmp_path / "c.db")
    result = CliRunner().invoke(cli, ["ingest", *inputs, "--db", db, "--workers", "2"])
    assert result.exit_code == 0 and "5 new" in result.output, result.output
    result = CliRunner().invoke(cli, ["ingest", *inputs, "--db", db, "--engine", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output
    result = CliRunner().invoke(cli, ["ingest", *inputs, "--db", db, "--workers", "0"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["ingest", *inputs, "--shards", str(tmp_path / "s")])
    assert result.exit_code == 2 and "--engine dask" in result.output
