"""The operator's contract (README, "Exit codes and files"): exit 0 only when the job was done,
1 when it was not, 2 for usage errors; read commands never create or alter files; a database
that is not wrmine's is refused; concurrent jobs wait for each other; kill -9, a full disk and a
corrupt file never lose what was stored."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from cli import GROUP_CHOICES, SAMPLES_DIR, cli
from conftest import ROOT

ARTICLE = "某县组建志愿服务队{n}支，开展活动{m}余场，服务群众超{k}万人。\n"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_articles(folder, count, seed=0):
    """``count`` distinct small articles (different figures and places: no reposts)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    places = ["东城", "西城", "南湖", "北山", "青溪", "白河", "红岩", "金沙", "石桥", "柳塘"]
    for i in range(count):
        lines = [f"{places[i % 10]}社区第{i}期工作简报"]
        for j in range(8):
            lines.append(ARTICLE.format(n=rng.randint(2, 90), m=rng.randint(10, 900), k=rng.randint(1, 9)).strip()
                         + f"{places[(i + j) % 10]}街道第{j}网格推行“{i}{j}工作法”。")
        (folder / f"a{i:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("contract") / "w.db"
    assert invoke("ingest", SAMPLES_DIR / "seed-003.txt", "--db", db).exit_code == 0
    return db


# --- exit codes -----------------------------------------------------------------------------

def test_missing_input_exits_1_and_says_so(tmp_path):
    result = invoke("ingest", tmp_path / "nonexistent_dir", "--db", tmp_path / "w.db")
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_strict_makes_a_skip_fatal(tmp_path):
    folder = write_articles(tmp_path / "in", 3)
    (folder / "a0001.txt").write_bytes(b"")
    relaxed = invoke("ingest", folder, "--db", tmp_path / "r.db")
    assert relaxed.exit_code == 0 and "2 new" in relaxed.output and "empty file: 1" in relaxed.output
    strict = invoke("ingest", folder, "--db", tmp_path / "s.db", "--strict")
    assert strict.exit_code == 1 and "stopped (--strict)" in strict.output


def test_usage_errors_exit_2(tmp_path, small_db):
    assert invoke("facts", "--limit", "0", "--db", small_db).exit_code == 2
    assert invoke("search", "(党建", "--db", small_db).exit_code == 2
    assert invoke("facts", "--db", tmp_path / "typo.db").exit_code == 2


def test_predict_missing_file_exits_1(tmp_path):
    result = invoke("predict", tmp_path / "missing.txt")
    assert result.exit_code == 1 and "no such file" in result.output


def test_rerun_summary_counts_new_changed_unchanged(tmp_path):
    folder = write_articles(tmp_path / "in", 3)
    db = tmp_path / "w.db"
    assert "3 new, 0 changed, 0 unchanged" in invoke("ingest", folder, "--db", db).output
    (folder / "a0002.txt").write_text("标题\n" + ARTICLE.format(n=7, m=8, k=9), encoding="utf-8")
    assert "0 new, 1 changed, 2 unchanged" in invoke("ingest", folder, "--db", db).output


def test_repeated_urls_options_combine(tmp_path):
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    a.write_text("id\turl\nseed-003\thttp://x.cn/a.html\n", encoding="utf-8")
    b.write_text("id\turl\nseed-004\thttp://x.cn/b.html\n", encoding="utf-8")
    out = invoke("predict", SAMPLES_DIR / "seed-003.txt", SAMPLES_DIR / "seed-004.txt", "--urls", a, "--urls", b)
    assert [json.loads(x)["url"] for x in out.stdout.splitlines()] == ["http://x.cn/a.html", "http://x.cn/b.html"]
    b.write_text("id\turl\nseed-003\thttp://x.cn/other.html\n", encoding="utf-8")
    clash = invoke("predict", SAMPLES_DIR / "seed-003.txt", "--urls", a, "--urls", b)
    assert clash.exit_code == 2 and "two URLs" in clash.output


def test_group_choices_match_the_store():
    from corpus import store

    assert set(GROUP_CHOICES) == set(store.GROUPS)


# --- files: read commands never create or alter ------------------------------------------------

@pytest.mark.parametrize("command", [["search", "党建"], ["facts"], ["practices"], ["export"], ["skips"],
                                     ["show", "x"], ["explain", "x"]])
def test_read_commands_never_create_a_database(tmp_path, command):
    db = tmp_path / "typo.db"
    result = invoke(*command, "--db", db)
    assert result.exit_code == 2 and "no such database" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["search", "党建"], ["facts"], ["ingest", SAMPLES_DIR / "seed-000.txt"]])
def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path, command):
    db = tmp_path / "mine.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = invoke(*command, "--db", db)
    assert result.exit_code == 1 and "not a wrmine one" in result.output
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.db"]


def test_read_commands_leave_the_database_unchanged(small_db):
    before = small_db.read_bytes()
    for command in (["search", "党员"], ["facts"], ["practices"], ["export"], ["skips"]):
        assert invoke(*command, "--db", small_db).exit_code == 0
    assert small_db.read_bytes() == before
    assert not [p for p in small_db.parent.iterdir() if p.name != small_db.name and not p.name.endswith(("-wal", "-shm"))]


def test_demo_writes_its_own_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("demo").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["wrmine-demo.db"]


def test_corrupt_database_is_reported_never_overwritten(tmp_path):
    db = tmp_path / "w.db"
    assert invoke("ingest", SAMPLES_DIR / "seed-003.txt", "--db", db).exit_code == 0
    data = bytearray(db.read_bytes())
    data[100:4096] = os.urandom(3996)          # smash the schema page
    db.write_bytes(bytes(data))
    for command in (["facts"], ["ingest", SAMPLES_DIR / "seed-004.txt"]):
        result = invoke(*command, "--db", db)
        assert result.exit_code == 1 and "not a usable wrmine database" in result.output
        assert db.read_bytes() == bytes(data)


def test_full_disk_stops_the_batch_and_keeps_the_database_valid(tmp_path, monkeypatch):
    from corpus import store

    folder = write_articles(tmp_path / "in", 30)
    db = tmp_path / "w.db"
    assert invoke("ingest", folder / "a0000.txt", "--db", db).exit_code == 0
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    real_open = store.open_db

    def small_disk(path):
        conn = real_open(path)
        conn.execute(f"PRAGMA max_page_count = {pages + 25}")
        return conn

    monkeypatch.setattr(store, "open_db", small_disk)
    result = invoke("ingest", folder, "--db", db)
    assert result.exit_code == 1 and "full" in result.output
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 1 <= stored < 30
    assert conn.execute("SELECT COUNT(*) FROM facts WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0] == 0


# --- concurrency and kill -9 ------------------------------------------------------------------

def wrmine_cmd(*args):
    return [sys.executable, "-c", "import sys; from cli import cli; sys.argv[0] = 'wrmine'; cli()", *map(str, args)]


def test_two_writers_and_a_reader_at_once(tmp_path):
    """Two jobs creating one new database at the same moment, and a search while they write:
    nobody fails with "database is locked"."""
    db = tmp_path / "shared.db"
    a, b = write_articles(tmp_path / "a", 12, seed=1), write_articles(tmp_path / "b", 12, seed=2)
    for i, path in enumerate(sorted(b.iterdir())):
        path.rename(b / f"b{i:04d}.txt")
    jobs = [subprocess.Popen(wrmine_cmd("ingest", folder, "--db", db), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in (a, b)]
    reads = []
    while any(j.poll() is None for j in jobs):
        if db.exists():
            reads.append(subprocess.run(wrmine_cmd("facts", "--db", db, "--format", "jsonl"), cwd=ROOT,
                                        capture_output=True, text=True))
        time.sleep(0.2)
    for job in jobs:
        out, err = job.communicate()
        assert job.returncode == 0, err
        assert "locked" not in err
    assert all("locked" not in r.stderr for r in reads)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 24


def test_kill_9_during_ingest_then_rerun_is_whole(tmp_path):
    """kill -9 at random moments of an ingest, several times; each rerun continues, and at the
    end every article is stored exactly once, with no orphan and no half-written article."""
    folder = write_articles(tmp_path / "in", 40, seed=3)
    db = tmp_path / "k.db"
    rng = random.Random(9)
    survived = 0
    for _ in range(4):
        job = subprocess.Popen(wrmine_cmd("ingest", folder, "--db", db), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.2))   # ingest takes about 2 s here (workers, batched commits)
        if job.poll() is None:
            job.send_signal(signal.SIGKILL)
            survived += 1
        job.wait()
        if db.exists():
            assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    final = subprocess.run(wrmine_cmd("ingest", folder, "--db", db), cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM articles").fetchone() == (40, 40)
    for table in ("facts", "practices", "article_themes", "named_methods"):
        orphans = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)")
        assert orphans.fetchone()[0] == 0, table
    # No half-written article: every article has its index row and its figures.
    assert conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 40
    assert conn.execute("SELECT COUNT(DISTINCT article_id) FROM facts").fetchone()[0] == 40
    assert survived >= 1
