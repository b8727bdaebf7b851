"""End-to-end tests through the CLI on the bundled sample articles (no ../shared needed)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from cli import SAMPLES_DIR, cli


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """A database with the five bundled sample articles ingested."""
    db = tmp_path_factory.mktemp("cli") / "samples.db"
    result = CliRunner().invoke(cli, ["ingest", str(SAMPLES_DIR), "--db", str(db),
                                      "--urls", str(SAMPLES_DIR / "urls.tsv")])
    assert result.exit_code == 0, result.output
    return str(db)


def run(*args):
    """stdout of a successful command (totals and skips go to stderr)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ingest_samples_summary(sample_db, tmp_path):
    db = tmp_path / "again.db"
    out = run("ingest", str(SAMPLES_DIR), "--db", str(db))
    assert "5 new, 0 changed, 0 unchanged, 0 skipped" in out
    again = run("ingest", str(SAMPLES_DIR), "--db", str(db))
    assert "0 new, 0 changed, 5 unchanged, 0 skipped" in again


def test_ingest_is_idempotent(sample_db):
    conn = sqlite3.connect(sample_db)
    before = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("articles", "facts")]
    run("ingest", str(SAMPLES_DIR / "seed-003.txt"), "--db", sample_db)
    after = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("articles", "facts")]
    assert before == after
    assert before[0] == 5 and before[1] > 20


@pytest.mark.parametrize("query, expected_id", [
    ("党建", "seed-000"),        # two-character word in a simplified article
    ("黨建", "seed-000"),        # traditional query finds a simplified article
    ("老党员之家", "seed-003"),  # simplified query finds a traditional article
    ("支部", "seed-002"),
])
def test_search_finds_chinese_words(sample_db, query, expected_id):
    out = run("search", query, "--db", sample_db, "--format", "jsonl", "--limit", "10")
    hits = [json.loads(line) for line in out.splitlines()]
    assert expected_id in {h["id"] for h in hits}
    assert all(h["context"] for h in hits)


def test_search_context_shows_match(sample_db):
    out = run("search", "美在金秋", "--db", sample_db, "--format", "jsonl", "--limit", "1")
    hit = json.loads(out.splitlines()[0])
    assert hit["id"] == "seed-003" and "“美在金秋”" in hit["context"]


def test_search_no_hits(sample_db):
    result = CliRunner().invoke(cli, ["search", "量子计算机", "--db", sample_db, "--format", "jsonl"])
    assert result.exit_code == 0 and result.stdout.strip() == ""
    assert "0 hit(s)" in result.stderr


def test_search_table_has_header_and_true_total(sample_db):
    result = CliRunner().invoke(cli, ["search", "党员", "--db", sample_db, "--limit", "2"])
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "title", "published", "source", "place", "context"]
    assert len(lines) == 3
    total = int(result.stderr.split()[0])
    assert total >= 3 and "(showing 2)" in result.stderr


def hit_ids(db, query):
    return {json.loads(x)["id"] for x in run("search", query, "--db", db, "--format", "jsonl",
                                            "--limit", "50").splitlines()}


def test_search_operators_combine_like_sets(sample_db):
    """AND is the intersection, OR the union, NOT the difference of single-word searches;
    a quoted phrase ignores the spaces inside it."""
    party, autumn, place = hit_ids(sample_db, "党员"), hit_ids(sample_db, "金秋"), hit_ids(sample_db, "麒麟区")
    assert party and autumn and place and autumn != party
    assert hit_ids(sample_db, "党员 AND 金秋") == party & autumn == hit_ids(sample_db, "党员 金秋")
    assert hit_ids(sample_db, "金秋 OR 麒麟区") == autumn | place
    assert hit_ids(sample_db, "党员 NOT 金秋") == party - autumn == hit_ids(sample_db, "党员 -金秋")
    phrase = hit_ids(sample_db, '"美 在金秋"')
    assert "seed-003" in phrase and phrase == hit_ids(sample_db, "美在金秋")


@pytest.mark.parametrize("query", ['"党建', "党建 AND", "(党建", "OR 党建"])
def test_search_unreadable_query_is_a_usage_error(sample_db, query):
    result = CliRunner().invoke(cli, ["search", query, "--db", sample_db])
    assert result.exit_code == 2 and "cannot read the query" in result.output


def test_search_region_filter_uses_stored_region(sample_db):
    hits = {json.loads(x)["id"] for x in run("search", "党员", "--region", "湖南", "--db", sample_db,
                                            "--format", "jsonl").splitlines()}
    conn = sqlite3.connect(sample_db)
    hunan = {r[0] for r in conn.execute("SELECT id FROM articles WHERE province = '湖南省'")}
    assert hits and hits <= hunan


def test_facts_filters_and_offsets(sample_db):
    out = run("facts", "--db", sample_db, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) > 20
    conn = sqlite3.connect(sample_db)
    for r in rows:
        text, raw = conn.execute("SELECT text, raw FROM articles WHERE id = ?", [r["article_id"]]).fetchone()
        assert text[r["start"]:r["end"]] == r["span"]
        assert r["span"][0] == raw[r["raw_start"]]
    metric = rows[0]["metric"]
    filtered = [json.loads(x) for x in run("facts", "--db", sample_db, "--metric", metric,
                                            "--format", "jsonl").splitlines()]
    assert filtered and all(r["metric"] == metric for r in filtered)
    assert len(filtered) <= len(rows)


def test_facts_group_by_metric_sums(sample_db):
    out = run("facts", "--db", sample_db, "--group-by", "metric", "--format", "jsonl")
    groups = [json.loads(line) for line in out.splitlines()]
    total = sum(g["facts"] for g in groups)
    all_rows = run("facts", "--db", sample_db, "--format", "jsonl").splitlines()
    assert total == len(all_rows)
    for g in groups:   # ratios are averaged, never summed
        if g["unit"] == "%":
            assert g["total"] is None and g["mean"] is not None
        else:
            assert g["total"] is not None and g["mean"] is None


def test_facts_totals_and_groups_say_when_they_are_estimates(sample_db, monkeypatch):
    """A filter the roll-up cannot answer, matching more facts than are cheap to count: the
    total and the groups come from a sample, and the output says so."""
    from corpus import store

    exact = CliRunner().invoke(cli, ["facts", "--db", sample_db, "--group-by", "metric", "--min-confidence", "0.1"])
    assert exact.exit_code == 0 and "estimated" not in exact.output
    monkeypatch.setattr(store, "DRIVE_AT_MOST", 0)
    monkeypatch.setattr(store, "FACT_SAMPLE", 3)
    grouped = CliRunner().invoke(cli, ["facts", "--db", sample_db, "--group-by", "metric",
                                       "--min-confidence", "0.1", "--format", "jsonl"])
    assert grouped.exit_code == 0 and "estimated from the newest 3 facts" in grouped.stderr
    assert all(json.loads(line)["estimated"] for line in grouped.stdout.splitlines())
    listed = CliRunner().invoke(cli, ["facts", "--db", sample_db, "--min-confidence", "0.1", "--limit", "1"])
    assert listed.exit_code == 0 and "(estimated)" in listed.stderr


def test_facts_min_confidence(sample_db):
    rows = [json.loads(x) for x in run("facts", "--db", sample_db, "--format", "jsonl").splitlines()]
    assert all(0 <= r["confidence"] <= 1 for r in rows)
    cut = sorted(r["confidence"] for r in rows)[len(rows) // 2]
    sure = [json.loads(x) for x in run("facts", "--db", sample_db, "--format", "jsonl",
                                      "--min-confidence", str(cut)).splitlines()]
    assert sure and all(r["confidence"] >= cut for r in sure)


def test_practices_command_has_place_date_and_url(sample_db, tmp_path):
    out = tmp_path / "p.csv"
    run("practices", "--db", sample_db, "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_bytes()[3:].decode("utf-8"))))
    assert rows and {"title", "url", "province", "published", "article_title"} <= rows[0].keys()
    hunan = run("practices", "--db", sample_db, "--region", "湖南", "--format", "jsonl").splitlines()
    assert hunan and all(json.loads(x)["province"] == "湖南省" for x in hunan)


def test_show_and_explain(sample_db):
    shown = run("show", "seed-003", "--db", sample_db)
    assert "长沙市" in shown and "天心区" in shown
    explained = run("explain", "seed-003", "--db", sample_db)
    assert "region:" in explained and "confidence" in explained and "facts (" in explained
    result = CliRunner().invoke(cli, ["explain", "nope", "--db", sample_db])
    assert result.exit_code == 1 and "no article" in result.output


def test_facts_csv_has_bom_for_excel(sample_db):
    result = CliRunner().invoke(cli, ["facts", "--db", sample_db, "--format", "csv"])
    assert result.exit_code == 0
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows and "span" in rows[0]


def test_export_articles_jsonl(sample_db):
    out = run("export", "--db", sample_db)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [f"seed-00{i}" for i in range(5)]
    for r in rows:
        assert r["text"] and isinstance(r["themes"], list)
        assert {"url", "title", "published", "source", "province"} <= r.keys()
    assert rows[1]["url"] == "https://www.xiayuan17.com.cn/yszs/95128.html"  # from the bundled urls.tsv
    assert rows[3]["source"] == "红星网" and rows[3]["published"] == "2023-04-21"


@pytest.mark.parametrize("table", ["facts", "practices"])
def test_export_other_tables_csv(sample_db, table):
    result = CliRunner().invoke(cli, ["export", "--db", sample_db, "--table", table, "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")


def test_predict_gold_format(tmp_path):
    out = run("predict", str(SAMPLES_DIR / "seed-003.txt"))
    record = json.loads(out)
    assert record["id"] == "seed-003"
    assert set(record) == {"id", "url", "title", "published", "source", "region", "facts",
                           "practices", "named_methods", "themes"}
    raw = (SAMPLES_DIR / "seed-003.txt").read_text(encoding="utf-8")
    for f in record["facts"]:
        assert raw[f["start"]:f["end"]].replace("(", "")[:1] == f["span"][:1]


def test_predict_urls_tsv(tmp_path):
    urls = tmp_path / "urls.tsv"
    urls.write_text("id\turl\nseed-004\thttp://example.org/art/2023/5/4/x.html\n", encoding="utf-8")
    record = json.loads(run("predict", "--urls", str(urls), str(SAMPLES_DIR / "seed-004.txt")))
    assert record["url"] == "http://example.org/art/2023/5/4/x.html"


def test_demo_runs(tmp_path):
    out = run("demo", "--db", str(tmp_path / "demo.db"))
    assert "5 new" in out
    assert "wrmine search" in out


def test_reposts_are_recognised(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    original = (SAMPLES_DIR / "seed-001.txt").read_text(encoding="utf-8")
    paragraphs = original.split("\n")
    # Another site's copy: other chrome on top, the first paragraph cut, a footer added.
    repost = "首页 > 老干部工作 > 正文\n" + "\n".join(paragraphs[:1] + paragraphs[3:]) + "\n版权所有 转载请注明出处\n"
    (folder / "a.txt").write_text(original, encoding="utf-8")
    (folder / "b.txt").write_text(repost, encoding="utf-8")
    (folder / "c.txt").write_text(original, encoding="utf-8")
    (folder / "d.txt").write_text((SAMPLES_DIR / "seed-003.txt").read_text(encoding="utf-8"), encoding="utf-8")
    db = str(tmp_path / "r.db")
    out = run("ingest", str(folder), "--db", db)
    assert "4 new (2 reposts of stored articles), 0 changed, 0 unchanged" in out
    conn = sqlite3.connect(db)
    dup = dict(conn.execute("SELECT id, duplicate_of FROM articles"))
    assert dup == {"a": None, "b": "a", "c": "a", "d": None}
    sources = conn.execute("SELECT COUNT(*) FROM article_sources WHERE article_id = 'a'").fetchone()[0]
    assert sources == 3
    # One article, counted once: search and fact sums ignore the reposts.
    hits = [json.loads(x)["id"] for x in run("search", "麒麟区", "--db", db, "--format", "jsonl").splitlines()]
    assert hits == ["a"]
    ids = {json.loads(x)["article_id"] for x in run("facts", "--db", db, "--format", "jsonl").splitlines()}
    assert ids == {"a", "d"}


def test_same_file_name_in_two_folders_keeps_both(tmp_path):
    for sub, sample in (("a", "seed-003.txt"), ("b", "seed-004.txt")):
        (tmp_path / sub).mkdir()
        shutil.copy(SAMPLES_DIR / sample, tmp_path / sub / "x.txt")
    db = str(tmp_path / "s.db")
    run("ingest", str(tmp_path / "a"), str(tmp_path / "b"), "--db", db)
    run("ingest", str(tmp_path / "a"), str(tmp_path / "b"), "--db", db)  # stable ids on re-ingest
    rows = sqlite3.connect(db).execute("SELECT id, path FROM articles ORDER BY path").fetchall()
    assert len(rows) == 2 and rows[0][0] == "x" and rows[1][0].startswith("x-")


@pytest.mark.parametrize("args, expect", [
    (["--subject", "%"], 0),             # LIKE wildcards match literally
    (["--subject", "_"], 0),
    (["--region", "长沙"], None),        # a short name matches the full name (长沙市)
    (["--region", "長沙市天心區"], 0),   # not a prefix of any level
])
def test_facts_filters_match_literally(sample_db, args, expect):
    rows = run("facts", "--db", sample_db, "--format", "jsonl", *args).splitlines()
    if expect is None:
        assert rows and all(json.loads(r)["city"] == "长沙市" for r in rows)
    else:
        assert len(rows) == expect


@pytest.mark.parametrize("args, message", [
    (["facts", "--limit", "0"], "Invalid value for '--limit'"),
    (["predict", "MISSING"], "no such file"),
    (["ingest", "EMPTY"], "nothing was stored"),
    (["predict", "--urls", "LATIN1", str(SAMPLES_DIR / "seed-000.txt")], "not a UTF-8 TSV"),
])
def test_clear_errors(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "urls.tsv").write_bytes("id\turl\nx\thttp://a.cn/é\n".encode("latin-1"))
    args = [{"EMPTY": str(tmp_path / "empty"), "LATIN1": str(tmp_path / "urls.tsv"),
             "MISSING": str(tmp_path / "missing.txt")}.get(a, a) for a in args]
    if args[0] == "facts":
        CliRunner().invoke(cli, ["ingest", str(SAMPLES_DIR / "seed-000.txt"), "--db", str(tmp_path / "d.db")])
    result = CliRunner().invoke(cli, args + (["--db", str(tmp_path / "d.db")] if args[0] in ("facts", "ingest") else []))
    assert result.exit_code != 0
    assert message in result.output


def test_demo_crawl_serves_and_crawls_the_samples(tmp_path):
    db = str(tmp_path / "crawl-demo.db")
    out = run("demo", "--crawl", "--db", db)
    assert "5 articles stored" in out and "2 list/sitemap/feed pages" in out
    rows = [json.loads(x) for x in run("export", "--db", db).splitlines()]
    assert len(rows) == 5 and all(r["url"].startswith("http://127.0.0.1:") for r in rows)
    # The same articles through HTML give the same figures as through the scraped text.
    by_title = {r["title"]: r for r in rows}
    conn = sqlite3.connect(db)
    n = conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0]
    assert n >= 60 and "長沙市天心區:做好“家”字文章吹響黨員集結號" in by_title
