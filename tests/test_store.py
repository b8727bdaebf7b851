"""The store: schema by migrations, atomic replace, Chinese full-text search, fact queries."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from corpus import store
from corpus.article import Article, RawMap, content_hash
from corpus.script import simplify
from extract.analysis import Analysis, Fact, NamedMethod, Practice, Region


def make_article(id="a1", text="天心区组建志愿服务队56支。\n黨員開展活動120余場。", title="天心区经验"):
    return Article(id=id, text=text, title=title, raw=text, simplified=simplify(text),
                   raw_map=RawMap.identity(len(text)), content_hash=content_hash(text))


def make_analysis(article, region=Region("湖南省", "长沙市", "天心区", None)):
    text = article.text
    s = text.index("56支")
    return Analysis(
        article_id=article.id, region=region,
        facts=(Fact(s, s + 3, "56支", 56, "支", "exact", "志愿服务队", "teams", 2023, text.split("\n")[0]),),
        practices=(Practice(0, 10, "组建志愿服务队", ("志愿服务",)),),
        named_methods=(NamedMethod(0, 2, "美在金秋"),),
        themes=("志愿服务", "组织建设"),
    )


def test_migrations_create_schema(fresh_db):
    tables = set(fresh_db.table_names())
    assert {"articles", "facts", "practices", "practice_themes", "article_themes",
            "named_methods", "skips", "article_sources", "articles_fts"} <= tables
    store.MIGRATIONS.apply(fresh_db)  # applying again is a no-op


def test_save_and_replace(fresh_db):
    a = make_article()
    store.save_article(fresh_db, a, make_analysis(a), path="/x/a1.txt")
    store.save_article(fresh_db, a, make_analysis(a), path="/x/a1.txt")
    assert store.counts(fresh_db)["facts"] == 1
    assert fresh_db["articles"].get("a1")["county"] == "天心区"
    assert store.article_themes(fresh_db, "a1") == ["志愿服务", "组织建设"]
    loaded = next(store.iter_articles(fresh_db))
    assert loaded == a


def test_search_two_character_words_both_scripts(fresh_db):
    a = make_article()
    store.save_article(fresh_db, a, make_analysis(a))
    for q in ("志愿", "党员", "黨員", "活动", "志愿 活动"):
        assert [h["id"] for h in store.search(fresh_db, q)] == ["a1"], q
    assert store.search(fresh_db, "党建") == []
    assert store.search(fresh_db, "志愿", theme="关心下一代") == []


def test_query_and_group_facts(fresh_db):
    for i in range(3):
        a = make_article(id=f"a{i}")
        store.save_article(fresh_db, a, make_analysis(a))
    rows = list(store.query_facts(fresh_db, metric="teams", region="天心區"))
    assert len(rows) == 3 and rows[0]["subject"] == "志愿服务队"
    groups = store.group_facts(fresh_db, "region")
    assert groups == [{"region": "天心区", "unit": "支", "facts": 3, "articles": 3, "total": 168,
                       "mean": None, "least": None, "greatest": None}]
    assert list(store.query_facts(fresh_db, year=1999)) == []


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
@settings(max_examples=80, deadline=None)
def test_fts_query_never_breaks_match(text):
    db = store.open_db(":memory:")
    a = make_article()
    store.save_article(db, a, make_analysis(a))
    from corpus.query import QueryError

    try:  # any user query is a valid MATCH expression, or refused with a reason: never a SQL error
        hits = store.search(db, text)
    except QueryError as exc:
        assert str(exc)
        return
    assert isinstance(hits, list) and {h["id"] for h in hits} <= {"a1"}
    # The same text around a real word still finds the article.
    words = text.replace('"', "").split()
    word = words[0] if words else ""
    if word and word in "天心区组建志愿服务队":
        assert [h["id"] for h in store.search(db, word)] == ["a1"]


def test_raw_map_roundtrip():
    m = RawMap(((0, 0, 1), (1, 9, 3)))
    assert m.span_to_raw(1, 3) == (9, 11)
    assert m.to_raw(0) == 0 and m.to_raw(4) == 12
