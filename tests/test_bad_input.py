"""Bad input gets a clear one-line reason, a skips row, and never stops a batch or loses data."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from cli import SAMPLES_DIR, cli
from corpus.errors import BadInput
from corpus.read import decode_text, read_source

ARTICLE = "近年来，某县组建志愿服务队56支，开展活动120余场，服务群众超5万人。\n" * 3


def make_inputs(folder):
    """A batch with one good file and every kind of bad one."""
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \n\r\n ")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "gbk.txt").write_bytes(ARTICLE.encode("gbk"))
    (folder / "utf16.txt").write_bytes(ARTICLE.encode("utf-16"))
    (folder / "truncated.html").write_bytes(
        ("<html><body><div><p>" + ARTICLE + "</p><p>未完").encode("utf-8"))
    (folder / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 500)
    return folder


def test_batch_with_bad_files(tmp_path):
    folder = make_inputs(tmp_path / "in")
    db = str(tmp_path / "t.db")
    result = CliRunner().invoke(cli, ["ingest", str(folder), str(tmp_path / "missing.txt"), "--db", db])
    # The job was not fully done (one input could not be read at all): exit 1, after the batch.
    assert result.exit_code == 1, result.output
    assert "4 new" in result.output  # good, gbk, utf16, truncated.html
    assert "no such file: 1" in result.output and "empty file: 2" in result.output
    conn = sqlite3.connect(db)
    ids = {r[0] for r in conn.execute("SELECT id FROM articles")}
    assert ids == {"good", "gbk", "utf16", "truncated"}
    skips = {r[0].rsplit("/", 1)[-1]: r[1] for r in conn.execute("SELECT key, reason FROM skips")}
    assert skips["empty.txt"] == "empty file"
    assert skips["blank.txt"] == "empty file"
    assert "binary" in skips["binary.txt"]
    assert "binary" in skips["image.html"]
    assert skips["missing.txt"] == "no such file"
    for reason in skips.values():
        assert "\n" not in reason
    # The GBK file decodes to the same text as the UTF-8 one.
    good, gbk = (conn.execute("SELECT text FROM articles WHERE id = ?", [i]).fetchone()[0]
                 for i in ("good", "gbk"))
    assert good == gbk


def test_skip_is_cleared_when_file_is_fixed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = folder / "later.txt"
    bad.write_bytes(b"")
    db = str(tmp_path / "t.db")
    CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    bad.write_text(ARTICLE, encoding="utf-8")
    CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM skips").fetchone()[0] == 0


def test_not_a_database(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not SQLite\n" * 100)
    result = CliRunner().invoke(cli, ["ingest", str(SAMPLES_DIR / "seed-000.txt"), "--db", str(db)])
    assert result.exit_code == 1
    assert "not a usable wrmine database" in result.output
    assert db.read_text().startswith("these are my notes")  # existing data never lost


def test_existing_data_kept_when_reingest_fails(tmp_path, monkeypatch):
    db = str(tmp_path / "t.db")
    src = tmp_path / "a.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    CliRunner().invoke(cli, ["ingest", str(src), "--db", db])
    conn = sqlite3.connect(db)
    facts_before = conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0]

    import corpus.store as store

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk went away")

    monkeypatch.setattr(store, "index_text", broken_insert)  # fails mid-transaction
    result = CliRunner().invoke(cli, ["ingest", str(src), "--db", db, "--force"])
    assert result.exit_code == 1
    assert "internal error" in result.output
    assert conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == facts_before
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_decode_text_encodings(encoding):
    text, _ = decode_text(ARTICLE.encode(encoding))
    assert text.lstrip("\ufeff") == ARTICLE


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_predict_offsets_index_the_file_as_read(tmp_path, encoding):
    import json

    path = tmp_path / "bom.txt"
    path.write_bytes(("标题\n" + ARTICLE).encode(encoding))
    result = CliRunner().invoke(cli, ["predict", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    as_read = path.read_bytes().decode("utf-8" if encoding == "utf-8-sig" else "utf-16")
    assert record["facts"], result.output
    for f in record["facts"]:
        assert as_read[f["start"]:f["end"]] == f["span"]


def test_decode_text_truncated_utf8():
    body = ARTICLE.rstrip()
    data = body.encode("utf-8")[:-1]  # cut inside the last character, as collectors do
    text, enc = decode_text(data)
    assert enc == "utf-8" and text == body[:-1]


def test_read_source_directory(tmp_path):
    with pytest.raises(BadInput, match="directory"):
        read_source(str(tmp_path))


def test_predict_keeps_one_line_per_input(tmp_path):
    import json

    folder = make_inputs(tmp_path / "in")
    result = CliRunner().invoke(cli, ["predict", str(folder)])
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["binary", "blank", "empty", "gbk", "good", "image", "truncated", "utf16"]
    by_id = {r["id"]: r for r in lines}
    assert by_id["empty"]["facts"] == [] and by_id["good"]["facts"]
    assert "skipped" in result.stderr and "empty file" in result.stderr


def test_reader_bug_does_not_stop_the_batch(tmp_path, monkeypatch):
    """Even an unexpected exception while reading one file is recorded and the batch goes on."""
    import wrmine as cli_module

    folder = make_inputs(tmp_path / "in")
    real = cli_module.iter_sources

    def flaky(path):
        if path.endswith("gbk.txt"):
            raise AttributeError("simulated reader bug")
        return real(path)

    monkeypatch.setattr(cli_module, "iter_sources", flaky)
    db = str(tmp_path / "t.db")
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert result.exit_code == 1, result.output    # one input was not processed
    assert "internal error: AttributeError: simulated reader bug" in result.output
    assert "3 new" in result.output                # the batch went on
    ids = {r[0] for r in sqlite3.connect(db).execute("SELECT id FROM articles")}
    assert ids == {"good", "utf16", "truncated"}
