"""The desk without a browser: query language, search filters, pages through Datasette's
test client, and dossiers opened with the libraries an editor's tools use.

The database holds the bundled samples (corpus/samples) plus hand-written fixture articles
(tests/fixtures/desk): a 湖南 article that never names its province, a repost of it on
another outlet, and a 四川 article, so that a comparison has two provinces."""
from __future__ import annotations

import asyncio
import hashlib
import io
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("datasette", reason="the desk needs datasette (pip install -e '.[test]')")

from desk import query  # noqa: E402
from desk.dossier import write_dossier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "desk"
SAMPLES = ROOT / "corpus" / "samples"
URLS = {
    "desk-hn-01": "https://news.example.org/hn/2025/0318/yinling.html",
    "desk-hn-01b-repost": "https://elders.example.net/a/88231.html",
    "desk-sc-01": "https://jc.example.com/2024/11/05/wangge.html",
}
_BUILT: dict[str, str] = {}


def build_desk_db(folder: Path) -> str:
    """The test database, built once per session (the browser tests share it)."""
    if "path" not in _BUILT:
        import wrmine

        path = str(folder / "desk.db")
        db = wrmine.open_db(path)
        result = wrmine.ingest(db, [str(SAMPLES), str(FIXTURES)], urls=URLS)
        assert not result.skipped and not result.failed, result.summary()
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        _BUILT["path"] = path
    return _BUILT["path"]


def file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def desk_db(tmp_path_factory):
    return build_desk_db(tmp_path_factory.mktemp("desk"))


@pytest.fixture
def conn(desk_db):
    c = query.open_readonly(desk_db)
    yield c
    c.close()


@pytest.fixture(scope="session")
def client(desk_db):
    """Datasette's in-process client over the desk; get(path) returns (status, text, response)."""
    from desk.app import make_datasette

    ds = make_datasette(desk_db)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def get(path):
        response = loop.run_until_complete(ds.client.get(path))
        return response.status_code, response.text, response

    yield get
    loop.close()


@pytest.mark.parametrize("module", ["desk.query", "desk.dossier", "desk.chart"])
def test_docstring_examples(module):
    # desk/ is not in pytest's testpaths (pyproject belongs to the lead): run its examples here.
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


# --- Query language ---------------------------------------------------------------------------

# fmt: off
QUERIES = [
    ("党建",                 '"党建"'),
    ("黨建",                 '"党建"'),
    ("党建 引领",            '("党建" AND "引领")'),
    ("党建 OR 志愿",         '("党建" OR "志愿")'),
    ('"志愿 服务" -网格',    '("志愿 愿服 服务" NOT "网格")'),
    ("党建 NOT 网格",        '("党建" NOT "网格")'),
    ("(网格 OR 银龄) 服务",  '(("网格" OR "银龄") AND "服务")'),
    ("",                     '""'),
]
# fmt: on


@pytest.mark.parametrize("text, fts", QUERIES)
def test_escape_fts_makes_character_phrases(text, fts):
    assert query.escape_fts(text) == fts


@pytest.mark.parametrize("text", [q for q, _ in QUERIES if q] + ["党建 或 支部 非 招聘", "AI 助老", '"hello world"'])
def test_desk_and_command_line_read_queries_alike(text):
    """One parser: what the command line reads (strictly), the desk reads the same way."""
    from corpus.query import to_match

    assert query.escape_fts(text) == to_match(text)


@pytest.mark.parametrize("text", ["NOT 网格", "(网格", "网格 AND", "网格)", '"网格'])
def test_desk_reads_what_the_command_line_refuses(text):
    """Lenient reading: a leading NOT, a stray parenthesis or quote, a dangling operator."""
    from corpus.query import QueryError, parse_query

    with pytest.raises(QueryError):
        parse_query(text, strict=True)
    assert parse_query(text) is not None


def test_menus_are_counted_again_only_after_a_write(desk_db, tmp_path):
    """The menus are kept per connection until another connection writes."""
    import shutil

    import wrmine

    path = str(tmp_path / "copy.db")
    shutil.copy(desk_db, path)
    conn = query.open_readonly(path)
    first = query.facet_values(conn)
    assert query.facet_values(conn) is first                 # nothing written: the same menus
    db = wrmine.open_db(path)
    db.execute("UPDATE articles SET source = '新设融媒体' WHERE id = 'desk-sc-01'")
    db.conn.commit()
    again = query.facet_values(conn)
    assert again is not first and "新设融媒体" in again["sources"] and again == query.count_facets(conn)
    conn.close()
    db.conn.close()


def test_desk_filters_are_the_stores():
    """The desk states no filter of its own: each clause is the store's."""
    from corpus import store

    where, params, _ = query.article_where(region="长沙", year=2024, theme="志愿服务", metric="teams",
                                           source="日报", ids="x1")
    for name, clause in store.ARTICLE_FILTERS.items():
        if clause:
            assert clause in where, name
    assert store.REGION_PREFIX in where and params[-1] == "x1"


def test_search_word_of_any_length_and_script(conn):
    one = query.search(conn, query="治")["total"]
    two = query.search(conn, query="治理")["total"]
    long = query.search(conn, query="党建引领基层治理")["total"]
    assert one >= two >= long >= 1
    assert query.search(conn, query="黨建")["total"] == query.search(conn, query="党建")["total"]


def test_search_boolean_operators(conn):
    grid = {h["id"] for h in query.search(conn, query="网格", limit=100)["hits"]}
    silver = {h["id"] for h in query.search(conn, query="银龄", limit=100)["hits"]}
    both = {h["id"] for h in query.search(conn, query="网格 银龄", limit=100)["hits"]}
    either = {h["id"] for h in query.search(conn, query="网格 OR 银龄", limit=100)["hits"]}
    without = {h["id"] for h in query.search(conn, query="银龄 -网格", limit=100)["hits"]}
    assert both == grid & silver and either == grid | silver and without == silver - grid
    assert "desk-sc-01" in grid and "desk-sc-01" not in silver
    only_not = {h["id"] for h in query.search(conn, query="NOT 网格", limit=100)["hits"]}
    assert only_not and not only_not & grid


def test_search_phrase_needs_adjacent_characters(conn):
    # 服务队 occurs, 服队 does not: a phrase never matches scattered characters.
    assert query.search(conn, query="服务队")["total"] >= 1
    assert query.search(conn, query='"服队"')["total"] == 0


def test_region_filter_uses_stored_columns(conn, desk_db):
    text = sqlite3.connect(desk_db).execute("SELECT text, province FROM articles WHERE id = 'desk-hn-01'").fetchone()
    assert "湖南" not in text[0] and text[1] == "湖南省"
    found = query.search(conn, query="志愿服务", region="湖南")
    ids = [h["id"] for h in found["hits"]]
    assert "desk-hn-01" in ids and "desk-sc-01" not in ids
    assert found["total"] == len(ids)
    assert all(h["place"].startswith("湖南省") for h in found["hits"])
    # Any level, by prefix: a county-level city, a city.
    assert "desk-hn-01" in [h["id"] for h in query.search(conn, region="浏阳")["hits"]]
    assert "desk-hn-01" in [h["id"] for h in query.search(conn, region="長沙")["hits"]]


def test_search_collapses_reposts(conn):
    hits = query.search(conn, query="银龄志愿服务队", limit=100)["hits"]
    assert [h["id"] for h in hits] == ["desk-hn-01"]
    assert hits[0]["reposts"] == 1


def test_search_hit_shows_matching_facts_and_practices(conn):
    hit = query.search(conn, query="志愿服务队", region="湖南", metric="teams")["hits"][0]
    assert hit["id"] == "desk-hn-01"
    assert [f["span"] for f in hit["facts"]] == ["12支"]
    assert "12支" in hit["facts"][0]["sentence"]
    assert hit["practices"] and any("队伍" in p["title"] for p in hit["practices"])
    assert any(match and "志愿服务" in piece for piece, match in hit["snippet"])


def test_search_filters_year_theme_source(conn):
    assert [h["id"] for h in query.search(conn, source="锦城日报")["hits"]] == ["desk-sc-01"]
    # The repost's outlet finds the original it was collapsed into.
    assert [h["id"] for h in query.search(conn, source="乡村老年网")["hits"]] == ["desk-hn-01"]
    in_2025 = {h["id"] for h in query.search(conn, year=2025, limit=100)["hits"]}
    assert "desk-hn-01" in in_2025 and "desk-sc-01" not in in_2025
    themed = query.search(conn, theme="志愿服务", limit=100)
    assert themed["total"] >= 1 and all("志愿服务" in h["themes"] for h in themed["hits"])


def test_clean_filters_rejects_bad_year():
    with pytest.raises(ValueError, match="year"):
        query.clean_filters({"year": "去年"})


# --- Article page data -------------------------------------------------------------------------

def test_fact_pieces_follow_offsets(conn):
    art = query.article_detail(conn, "desk-hn-01")
    assert "".join(piece for piece, _ in art["pieces"]) == art["text"]
    marked = [(piece, facts[0]) for piece, facts in art["pieces"] if facts]
    assert marked and all(piece == art["text"][f["start"]:f["end"]] == f["span"] for piece, f in marked)
    assert [label for label, _ in art["chain"]] == ["省", "市", "县区", "乡镇街道"]
    assert art["chain"][0][1] == "湖南省"
    assert [r["id"] for r in art["reposts"]] == ["desk-hn-01b-repost"]
    assert {s["source"] for s in art["sources"]} == {"星城晚报", "乡村老年网"}


def test_similar_practices_come_from_elsewhere(conn):
    shown = query.practices(conn, region="四川")["items"]
    assert shown and all(p["province"] == "四川省" for p in shown)
    similar = query.similar_practices(conn, shown)
    picks = [s for p in shown for s in similar[(p["article_id"], p["start"])]]
    assert picks, "a practice about volunteer teams has a look-alike in 湖南"
    assert all(s["article_id"] != "desk-sc-01" for s in picks)
    assert all(0 < s["score"] <= 1 for s in picks)
    teams = next(p for p in shown if "队伍" in p["title"])
    assert similar[(teams["article_id"], teams["start"])][0]["article_id"] == "desk-hn-01"


def test_compare_counts_each_article_once_and_skips_reposts(conn):
    table = query.compare(conn, metric="teams", level="province", unit="支")
    hunan = next(r for r in table["rows"] if r["place"] == "湖南省")
    cell = hunan["cells"][table["years"].index("2025")]
    # 12 teams in the original; the identical repost does not add another 12.
    assert cell == {"total": 12.0, "articles": 1, "facts": 1}
    assert {r["place"] for r in table["rows"]} >= {"湖南省", "四川省"}
    facts = query.list_facts(conn, metric="teams", unit="支", level="province", place="湖南省", year="2025")
    assert [(f["article_id"], f["span"]) for f in facts] == [("desk-hn-01", "12支")]


def test_compare_rejects_unknown_level(conn):
    with pytest.raises(ValueError, match="Levels: province"):
        query.compare(conn, level="village")


# --- Pages through Datasette ---------------------------------------------------------------------

def test_search_page_story_researcher(client):
    status, html, _ = client("/?query=志愿服务&region=湖南")
    assert status == 200
    assert 'id="total">' in html and "desk-hn-01" in html
    assert "12支" in html and "组建银龄志愿服务队12支" in html     # the fact with its sentence
    assert "desk-hn-01b-repost" not in html                          # the repost is collapsed
    assert "/-/desk/dossier.docx?query=" in html and "region=" in html


def test_article_page_highlights_facts(client, conn):
    from html import escape

    facts = query.article_facts(conn, "desk-hn-01")
    status, html, _ = client("/-/desk/article?id=desk-hn-01")
    assert status == 200
    assert html.count('<mark class="fact"') == len(facts) >= 2
    teams = next(f for f in facts if f["span"] == "12支")
    assert teams["evidence"] and all(escape(e) in html for e in teams["evidence"])
    assert "银龄志愿服务队" in html
    assert 'href="https://news.example.org/hn/2025/0318/yinling.html"' in html
    assert "浏阳市" in html and "乡村老年网" in html


def test_search_page_reports_bad_year(client):
    status, html, _ = client("/?query=志愿服务&year=去年")
    assert status == 200 and "年份应为数字" in html and 'id="total">' in html
    status, text, _ = client("/-/desk/dossier.md?year=去年")
    assert status == 400 and "年份应为数字" in text


def test_article_page_unknown_id_is_404(client):
    status, html, _ = client("/-/desk/article?id=no-such-article")
    assert status == 404 and "未找到" in html


def test_practices_and_compare_pages(client):
    status, html, _ = client("/-/desk/practices?region=四川")
    assert status == 200 and "其他地方的相似做法" in html and "四川省成都市" in html
    status, html, _ = client("/-/desk/compare?metric=teams&unit=支")
    assert status == 200 and "<svg" in html and "湖南省" in html and "/-/desk/facts?" in html
    status, html, _ = client("/-/desk/facts?metric=teams&unit=支&level=province&place=湖南省")
    assert status == 200 and "组建银龄志愿服务队12支" in html


def test_datasette_search_box_uses_character_index(client):
    status, _, response = client("/desk/articles.json?_search=黨建&_shape=array&_col=title")
    assert status == 200 and len(response.json()) >= 5
    status, _, response = client("/desk/articles.json?_search=服队&_shape=array")
    assert status == 200 and response.json() == []
    status, text, _ = client("/desk/facts.csv?metric=teams")
    assert status == 200 and "12支" in text


def test_dossier_download(client):
    from docx import Document

    status, _, response = client("/-/desk/dossier.docx?query=党建引领基层治理&region=湖南")
    assert status == 200
    assert "attachment" in response.headers["content-disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "浏阳市荷花街道" in text and "四川" not in text


def test_serve_binds_localhost_by_default():
    import inspect

    from desk.app import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_make_datasette_refuses_a_foreign_file(tmp_path):
    from corpus.store import StoreError
    from desk.app import make_datasette

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a wrmine"):
        make_datasette(str(other))
    with pytest.raises(StoreError, match="no such database"):
        make_datasette(str(tmp_path / "missing.db"))


def test_desk_never_writes(desk_db, client):
    before = file_digest(desk_db)
    for path in ("/", "/-/desk/article?id=desk-hn-01", "/-/desk/practices", "/-/desk/compare",
                 "/-/desk/dossier.xlsx", "/desk/articles?_search=党建"):
        assert client(path)[0] == 200
    assert file_digest(desk_db) == before


# --- Dossiers ----------------------------------------------------------------------------------

def test_dossier_docx_sets_east_asian_fonts(desk_db, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    out = tmp_path / "d.docx"
    assert write_dossier(desk_db, str(out), "docx", query="党建引领基层治理") >= 2
    doc = Document(str(out))
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert doc.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsiaTheme")) is None
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "概要" and any("浏阳市荷花街道" in h for h in headings)
    summary = doc.tables[0]
    assert [c.text for c in summary.rows[0].cells][:4] == ["序号", "标题", "来源", "日期"]
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "12支" in cells and "https://news.example.org/hn/2025/0318/yinling.html" in cells


@pytest.mark.parametrize("fmt", ["md", "html", "csv"])
def test_dossier_text_formats(desk_db, tmp_path, fmt):
    out = tmp_path / f"d.{fmt}"
    assert write_dossier(desk_db, str(out), fmt, region="四川") == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (fmt == "csv")
    text = raw.decode("utf-8-sig")
    for expected in ("成都市武侯区玉林街道", "锦城日报", "2024-11-05", "9支", "建好队伍",
                     "https://jc.example.com/2024/11/05/wangge.html"):
        assert expected in text


def test_dossier_xlsx_sheets(desk_db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "d.xlsx"
    write_dossier(desk_db, str(out), ids="desk-hn-01,desk-sc-01")
    wb = load_workbook(str(out))
    assert wb.sheetnames == ["概要", "关键数据", "经验做法", "说明"]
    titles = [r[1] for r in wb["概要"].iter_rows(min_row=2, values_only=True)]
    assert len(titles) == 2 and any("浏阳市" in t for t in titles)
    figures = {(r[2], r[3]) for r in wb["关键数据"].iter_rows(min_row=2, values_only=True)}
    assert ("12支", 12) in figures and ("80万元", 800000) in figures


def test_dossier_rejects_unknown_format_and_filter(desk_db, tmp_path):
    with pytest.raises(ValueError, match="Formats: docx"):
        write_dossier(desk_db, str(tmp_path / "x.pdf"))
    with pytest.raises(ValueError, match="Filters: query"):
        write_dossier(desk_db, str(tmp_path / "x.md"), province="湖南")
