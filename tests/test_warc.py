"""Web archives (.warc/.warc.gz) as input: one article per archived HTML page."""
from __future__ import annotations

import io
import json
import sqlite3

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cli import cli
from corpus.errors import BadInput
from corpus.read import iter_sources

PAGE = ("<html><head><title>某县老干部工作</title></head><body><div class='nav'>首页 | 新闻</div>"
        "<div class='article'><h1>某县：银发先锋助力基层治理</h1>"
        "<p>近年来，某县组建老干部志愿服务队56支，开展活动120余场，服务群众超5万人。</p>"
        "<p>一是强化组织引领。在原有基础上成立离退休党支部12个，覆盖党员800余名。</p>"
        "<p>二是搭建服务平台。建成老党员之家30个，调解矛盾纠纷200余件。</p></div>"
        "<div class='footer'>版权所有 ICP备12345678号</div></body></html>")


def write_warc(path, gzip=True):
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        records = [
            ("http://news.example.cn/a/2024/0501/1.html", PAGE.encode("utf-8"), "text/html; charset=utf-8", "200 OK"),
            # A GBK page whose header declares nothing: wrmine decodes it itself.
            ("http://news.example.cn/a/2024/0502/2.html", PAGE.replace("56支", "57支").encode("gbk"), "text/html", "200 OK"),
            ("http://news.example.cn/logo.png", b"\x89PNG\r\n\x1a\n", "image/png", "200 OK"),
            ("http://news.example.cn/gone.html", b"<html>gone</html>", "text/html", "404 Not Found"),
        ]
        for url, body, ctype, status in records:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


@pytest.mark.parametrize("gzip, name", [(True, "crawl.warc.gz"), (False, "crawl.warc")])
def test_iter_sources_reads_html_responses(tmp_path, gzip, name):
    path = tmp_path / name
    write_warc(path, gzip=gzip)
    sources = list(iter_sources(str(path)))
    assert [s.url for s in sources] == ["http://news.example.cn/a/2024/0501/1.html",
                                        "http://news.example.cn/a/2024/0502/2.html"]
    assert sources[0].http_charset == "utf-8" and sources[1].http_charset is None
    assert len({s.id for s in sources}) == 2


def test_ingest_warc_end_to_end(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    db = str(tmp_path / "w.db")
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    rows = [json.loads(x) for x in CliRunner().invoke(cli, ["export", "--db", db]).stdout.splitlines()]
    assert {r["url"] for r in rows} == {"http://news.example.cn/a/2024/0501/1.html",
                                        "http://news.example.cn/a/2024/0502/2.html"}
    for r in rows:
        assert "服务群众超5万人" in r["text"] and "ICP" not in r["text"]
    conn = sqlite3.connect(db)
    spans = {s for (s,) in conn.execute("SELECT span FROM facts")}
    assert {"56支", "57支", "120余场", "超5万人"} <= spans


def test_truncated_warc_keeps_earlier_pages(tmp_path):
    path = tmp_path / "broken.warc.gz"
    write_warc(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    sources = []
    with pytest.raises(BadInput, match="WARC"):
        for s in iter_sources(str(path)):
            sources.append(s)
    assert len(sources) >= 1
    db = str(tmp_path / "w.db")
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", db])
    assert result.exit_code == 0
    assert "skipped" in result.output and "WARC" in result.output


def test_not_a_warc(tmp_path):
    path = tmp_path / "fake.warc"
    path.write_text("this is not an archive\n" * 20)
    with pytest.raises(BadInput, match="WARC"):
        list(iter_sources(str(path)))


def test_warc_record_without_target_uri_is_a_clear_skip(tmp_path):
    """warcio raises AttributeError on some malformed records: that is bad input, not a crash."""
    path = tmp_path / "mixed.warc"
    write_warc(path, gzip=False)
    data = path.read_bytes().replace(b"WARC-Target-URI", b"WARC-Target-XXX", 1)
    path.write_bytes(data)
    after = tmp_path / "after.txt"
    after.write_text("标题\n某县组建志愿服务队56支，开展活动120余场。\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(path), str(after), "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 0, result.output
    assert f"skipped {path}: WARC file broken" in result.output   # one clear line, no traceback
    assert "1 new" in result.output and "Traceback" not in result.output
    ids = {r[0] for r in sqlite3.connect(str(tmp_path / "w.db")).execute("SELECT id FROM articles")}
    assert "after" in ids                                          # the batch went on


def test_warc_with_no_pages_gets_one_empty_prediction(tmp_path):
    path = tmp_path / "empty.warc.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"junk" * 50)
    result = CliRunner().invoke(cli, ["predict", str(path)])
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["empty"] and lines[0]["facts"] == []
    assert "skipped" in result.stderr


def test_truncated_warc_predicts_its_pages_and_no_phantom_line(tmp_path):
    path = tmp_path / "broken.warc.gz"
    write_warc(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    result = CliRunner().invoke(cli, ["predict", str(path)])
    ids = [json.loads(x)["id"] for x in result.stdout.splitlines()]
    assert ids and "broken" not in ids
