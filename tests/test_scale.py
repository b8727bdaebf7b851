"""What keeps the store flat at a million articles: no scan per insert, an index for every
filter, a bigram full-text index (contentless), bounded ranking and estimated totals, and
MinHash band keys that stay the same without datasketch."""
from __future__ import annotations

import re

import pytest

from corpus import store
from corpus.article import Article, RawMap, content_hash
from corpus.fts import index_text, phrase
from corpus.reposts import minhash, shingle_band_keys, shingles
from corpus.script import simplify
from extract.analysis import Analysis, Fact, Practice, Region

BODIES = [
    "示例县组建银龄志愿服务队12支，开展上门探访活动300余次。",
    "某社区推行“红色物业”模式，党员楼长牵头化解邻里纠纷46件。",
    "本市在老年大学开设智能手机课程，学员达到1800人次。AI助老项目同步上线。",
    "街道党工委以党建引领网格治理，整合网格员210名。",
    "乡镇卫生院与村卫生室签约家庭医生团队35个，覆盖老年人群。",
]


def make(i: int, body: str, region=Region("湖南省", "长沙市", "示例县", None)) -> tuple[Article, Analysis]:
    text = body
    art = Article(id=f"x{i}", text=text, title=f"经验交流{i}", raw=text, simplified=simplify(text),
                  raw_map=RawMap.identity(len(text)), content_hash=content_hash(text + str(i)),
                  published=f"2024-0{1 + i % 9}-01")
    m = re.search(r"\d+", text)
    facts = (Fact(m.start(), m.end(), m.group(), float(m.group()), "个", "exact", "队伍", "teams", 2024,
                  text),) if m else ()
    return art, Analysis(article_id=art.id, region=region, facts=facts,
                         practices=(Practice(0, 4, "组建队伍", ("志愿服务",)),), named_methods=(),
                         themes=("志愿服务",))


@pytest.fixture
def db(fresh_db):
    for i, body in enumerate(BODIES):
        store.save_article(fresh_db, *make(i, body), path=f"/in/x{i}.txt")
    return fresh_db


def ids(hits):
    return [h["id"] for h in hits]


@pytest.mark.parametrize("word, expected", [
    ("志愿", ["x0"]),                 # two characters: one bigram
    ("志愿服务队", ["x0"]),           # a phrase of bigrams
    ("队", ["x0", "x4"]),             # one character: a prefix query on the bigrams
    ("支", ["x0"]),                   # one character at the end of a run
    ("12支", ["x0"]),                 # digits then a character
    ("AI助老", ["x2"]),               # Latin letters then characters
    ("黨建引領", ["x3"]),             # traditional query, simplified index
    ("纠纷46件", ["x1"]),
    ("服务队12", ["x0"]),
    ("队12支开展", []),               # punctuation breaks a run: words never span it
    ("家庭医生 NOT 网格", ["x4"]),
])
def test_bigram_index_finds_words_of_any_length(db, word, expected):
    assert sorted(ids(store.search(db, word))) == expected


def test_index_tokens_and_phrases():
    assert index_text("党建引领，AI赋能") == "党建 建引 引领 领 ai 赋能 能"
    assert phrase("党建引领") == '"党建 建引 引领"' and phrase("党") == '"党"*'
    assert phrase("，。") is None


def test_replacing_an_article_forgets_its_old_words(db):
    art, analysis = make(0, "示例县新建日间照料中心8个。")
    store.save_article(db, art, analysis, path="/in/x0.txt")
    assert store.search(db, "银龄") == []
    assert ids(store.search(db, "照料中心")) == ["x0"]
    assert db.execute("SELECT COUNT(*) FROM articles_fts_docsize").fetchone()[0] == len(BODIES)


def test_common_words_list_newest_first_and_rare_ones_by_relevance(db, monkeypatch):
    for i in range(5, 9):
        store.save_article(db, *make(i, f"第{i}个社区志愿服务站挂牌，志愿者{i}名。"))
    monkeypatch.setattr(store, "RANK_AT_MOST", 3)
    common = store.search(db, "志愿")              # 5 hits > 3: newest stored first, no score
    assert ids(common) == ["x8", "x7", "x6", "x5", "x0"] and common[0]["score"] is None
    rare = store.search(db, "挂牌 志愿者")          # 4 hits > 3 as well
    assert ids(rare)[0] == "x8"
    monkeypatch.setattr(store, "RANK_AT_MOST", 1000)
    ranked = store.search(db, "志愿")
    assert sorted(ids(ranked)) == sorted(ids(common)) and ranked[0]["score"] is not None
    assert [h["score"] for h in ranked] == sorted(h["score"] for h in ranked)


def test_totals_are_exact_when_small_and_marked_estimates_when_large(db, monkeypatch):
    for i in range(5, 15):
        store.save_article(db, *make(i, f"第{i}个社区志愿服务站挂牌。"))
    exact = store.count_hits(db, "挂牌")
    assert exact == 10 and exact.exact and f"{exact}" == "10"
    monkeypatch.setattr(store, "COUNT_EXACT_UP_TO", 4)
    estimate = store.count_hits(db, "挂牌")
    assert not estimate.exact and 5 <= estimate <= 20 and str(estimate).startswith("~")
    assert store.count_hits(db, "银龄") == 1
    # Fact totals: exact from the roll-up for metric/year/region filters, whatever their size;
    # exact through a filter's index when it lists few facts; otherwise an estimate from a
    # sample of the newest facts.
    everything = store.count_facts(db)
    assert everything.exact and everything == db.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == 15
    assert store.count_facts(db, metric="teams", region="长沙").exact
    themed = store.count_facts(db, theme="志愿服务")
    assert themed.exact and themed == 15
    monkeypatch.setattr(store, "DRIVE_AT_MOST", 4)
    monkeypatch.setattr(store, "FACT_SAMPLE", 5)
    themed = store.count_facts(db, theme="志愿服务")
    assert not themed.exact and 10 <= themed <= 20 and str(themed).startswith("~")
    assert store.count_facts(db, metric="teams", article="x0") == 1


def _tables_scanned(db, sql: str) -> set[str]:
    plan = db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    scanned = set()
    for row in plan:
        m = re.match(r"SCAN (\w+)(?: AS \w+)?( USING COVERING INDEX)?", row[-1])
        if m and not m.group(2) and not row[-1].startswith("SCAN CONSTANT") and "VIRTUAL TABLE" not in row[-1]:
            scanned.add(m.group(1))
        # "not a repost" holds for almost every article: a search on it is a scan in disguise.
        if re.match(r"SEARCH (\w+) USING (COVERING )?INDEX \w+ \(duplicate_of=\?\)", row[-1]):
            scanned.add(m.group(1) if m else row[-1].split()[1])
    return scanned


def test_storing_an_article_never_scans_a_table(db):
    statements = []
    db.conn.set_trace_callback(statements.append)
    art, analysis = make(9, "示例县开展“银龄互助”活动，结对帮扶老人150名。")
    store.find_duplicate(db, art)
    store.unique_source_id(db, store_source(art), "/in/x9.txt")
    store.stored_hash(db, art.id)
    store.save_article(db, art, analysis, path="/in/x9.txt")
    store.save_article(db, art, analysis, path="/in/x9.txt")     # the replace path too
    db.conn.set_trace_callback(None)
    checked = 0
    for sql in statements:
        if not re.match(r"\s*(SELECT|INSERT|DELETE|UPDATE)", sql, re.I) or "articles_fts" in sql:
            continue
        assert _tables_scanned(db, sql) == set(), sql
        checked += 1
    assert checked >= 10


def store_source(art):
    from corpus.read import Source

    return Source(art.id, f"/in/{art.id}.txt", "text", text=art.text)


# Substring filters (LIKE '%…%') cannot use a B-tree index; every other filter must.
SUBSTRING = {"subject", "source"}


@pytest.mark.parametrize("name", [k for k in store.ARTICLE_FILTERS if k not in SUBSTRING | {"ids"}])
def test_every_article_filter_uses_an_index(db, name):
    value = {"theme": "志愿服务", "region": "长沙", "year": 2024, "metric": "teams"}[name]
    clauses, params = store._article_where({name: value})
    sql = f"SELECT a.id FROM articles a WHERE {' AND '.join(clauses)}"
    expanded = _expand(db, sql, params)
    assert _tables_scanned(db, expanded) == set(), expanded


@pytest.mark.parametrize("name", [k for k in store.FACT_FILTERS if k not in SUBSTRING | {"ids"}])
def test_every_fact_filter_uses_an_index(db, name):
    value = {"theme": "志愿服务", "region": "长沙", "year": 2024, "metric": "teams", "article": "x0",
             "min_confidence": 0.9}[name]
    where, params = store._fact_where({name: value})
    sql = f"SELECT f.id FROM facts f JOIN articles a ON a.id = f.article_id{where}"
    assert _tables_scanned(db, _expand(db, sql, params)) == set()
    assert list(store.query_facts(db, **{name: value}))


def _expand(db, sql: str, params: list) -> str:
    out = []
    db.conn.set_trace_callback(out.append)
    db.execute(sql, params).fetchall()
    db.conn.set_trace_callback(None)
    # The full-text index runs statements of its own: ours is the one that reads like it.
    return [s for s in out if s.startswith(sql[:20])][-1]


def test_region_filter_matches_any_level_by_prefix(db):
    other = make(20, "他处：托老所2家。", region=Region("贵州省", "毕节市", None, None))
    store.save_article(db, *other)
    assert ids(store.search(db, "", region="毕节")) == ["x20"]
    assert ids(store.search(db, "志愿", region="湖南")) == ["x0"]
    assert len(list(store.query_facts(db, region="示例"))) == len(BODIES)
    assert list(store.query_facts(db, region="长沙%")) == []


def test_minhash_equals_datasketch():
    datasketch = pytest.importorskip("datasketch", minversion="2.0",
                                     reason="compares against datasketch 2 (optional)")
    for text in ("党建引领基层治理", "示例县组建银龄志愿服务队十二支" * 20, "两字"):
        sh = shingles(text)
        reference = datasketch.MinHash(num_perm=126)
        reference.update_batch([s.encode("utf-8") for s in sh])
        assert minhash(sh, 126).tolist() == reference.hashvalues.tolist()
    assert shingle_band_keys(frozenset()) == ()


def test_migration_rebuilds_the_index_of_an_older_database(tmp_path):
    import sqlite_utils

    path = str(tmp_path / "old.db")
    old = sqlite_utils.Database(path)
    store.MIGRATIONS.apply(old, stop_before="m005_bigram_index")
    art, analysis = make(0, BODIES[0])
    old["articles"].insert({"id": art.id, "title": art.title, "text": art.text, "simplified": art.simplified})
    old.conn.close()
    db = store.open_db(path)
    assert ids(store.search(db, "银龄志愿")) == ["x0"]
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    assert "content=''" in sql
    # contentless: the text is not stored twice
    assert db.execute("SELECT body FROM articles_fts").fetchall() == [(None,)]


def _random_article(rng, i: int, body_id: int | None = None):
    places = [Region("湖南省", "长沙市", "示例县", None), Region("湖南省", "长沙市", None, None),
              Region("贵州省", "毕节市", "某某区", "某镇"), Region(None, None, None, None)]
    text = f"第{i}篇：示例县组建队伍，开展活动，参与率提高。" * 2
    art = Article(id=f"r{i if body_id is None else body_id}", text=text, title=f"标题{i}", raw=text,
                  simplified=text, raw_map=RawMap.identity(len(text)), content_hash=content_hash(text + str(i)))
    facts = []
    for k in range(rng.randint(0, 5)):
        unit = rng.choice(["个", "%", "支", None])
        facts.append(Fact(k, k + 1, "1", float(rng.randint(1, 90)) + rng.choice([0, 0.5]), unit, "exact", "队伍",
                          rng.choice(["teams", "ratio", None]), rng.choice([2022, 2023, None]), text))
    return art, Analysis(article_id=art.id, region=rng.choice(places), facts=tuple(facts),
                         practices=(), named_methods=(), themes=())


def test_fact_rollup_answers_group_bys_as_the_facts_do(fresh_db):
    import random

    rng = random.Random(4)
    db = fresh_db
    for i in range(30):
        art, analysis = _random_article(rng, i, body_id=i % 18)      # ids repeat: replacements
        store.save_article(db, art, analysis, duplicate_of="r0" if i % 7 == 3 else None)

    def both(group_by, **filters):
        return store._group_from_rollup(db, group_by, filters), store._group_from_facts(db, group_by, filters)

    checked = 0
    for group_by in store.GROUPS:
        for filters in ({}, {"year": 2023}, {"metric": "teams"}, {"region": "湖南"},
                        {"metric": "ratio", "year": 2022, "region": "长沙"}, {"year": 1999}):
            fast, slow = both(group_by, **filters)
            assert fast == slow, (group_by, filters)
            assert store.count_facts(db, **filters) == sum(r["facts"] for r in slow)
            checked += len(slow)
    assert checked > 50
    before = store._group_from_rollup(db, "region", {})
    store.rebuild_fact_rollup(db)
    assert store._group_from_rollup(db, "region", {}) == before


# --- Fact listings, totals and group-bys: the plan is chosen by measurement ---------------------

def _varied_db(db, n: int = 40):
    """Articles in several places, themes and outlets, with facts of several subjects."""
    import random

    rng = random.Random(9)
    places = [Region("湖南省", "长沙市", "示例县", None), Region("湖南省", "长沙市", None, None),
              Region("贵州省", "毕节市", "某某区", "某镇"), Region(None, None, None, None)]
    subjects = ["青年志愿服务队", "党支部", "“银龄”互助小组", "AI助老项目", None, "网格员" * 20 + "队"]
    for i in range(n):
        text = f"第{i}篇：示例县组建队伍，开展活动。"
        art = Article(id=f"v{i:03d}", text=text, title=f"标题{i}", raw=text, simplified=text,
                      raw_map=RawMap.identity(len(text)), content_hash=content_hash(text),
                      source=rng.choice(["示例日报", "某某政府网", "Example News", None]))
        facts = tuple(Fact(k, k + 1, "1", float(rng.randint(1, 90)), rng.choice(["个", "%"]), "exact",
                           rng.choice(subjects), rng.choice(["teams", "ratio", "funds"]),
                           rng.choice([2022, 2023, None]), text, rng.choice([0.5, 0.9]))
                      for k in range(rng.randint(0, 4)))
        themes = tuple(rng.sample(["志愿服务", "组织建设", "为老服务"], rng.randint(0, 2)))
        store.save_article(db, art, Analysis(article_id=art.id, region=rng.choice(places), facts=facts,
                                             practices=(), named_methods=(), themes=themes),
                           duplicate_of="v000" if i % 11 == 5 else None)
    return db


FILTER_CASES = [
    {}, {"metric": "teams"}, {"year": 2023}, {"metric": "ratio", "year": 2022}, {"region": "湖南"},
    {"region": "某镇"}, {"theme": "志愿服务"}, {"subject": "志愿"}, {"subject": "队"}, {"subject": "银龄"},
    {"subject": "“银龄”"}, {"subject": "ai助"}, {"subject": "网格员队"}, {"subject": "”"}, {"source": "日报"},
    {"source": "news"}, {"min_confidence": 0.8}, {"article": "v005"}, {"ids": ["v001", "v002"]}, {"ids": []},
    {"theme": "为老服务", "region": "长沙", "metric": "funds"}, {"subject": "党", "source": "政府", "year": 2023},
    {"theme": "组织建设", "min_confidence": 0.8, "metric": "teams"},
]


def _reference_facts(db, filters):
    """Every matching fact in listing order, by the plain query (SQLite's own plan)."""
    where, params = store._fact_where(filters)
    return [r[0] for r in db.execute(f"SELECT f.id FROM facts f JOIN articles a ON a.id = f.article_id{where} "
                                     "ORDER BY f.article_id, f.start", params)]


@pytest.mark.parametrize("drive_at_most", [0, 3, 1000])
def test_every_plan_lists_counts_and_groups_the_same_facts(fresh_db, monkeypatch, drive_at_most):
    """Whichever filter drives (or none: a walk in listing order), the answer is the plain
    query's: the same top facts, the same exact total, the same groups."""
    db = _varied_db(fresh_db)
    monkeypatch.setattr(store, "DRIVE_AT_MOST", drive_at_most)
    drivers = set()
    for filters in FILTER_CASES:
        expected = _reference_facts(db, filters)
        for limit in (1, 5, 200):
            got = [r["fact_id"] for r in store.query_facts(db, limit=limit, **filters)]
            assert got == expected[:limit], (filters, limit)
        drivers.add(store._fact_plan(db, filters).driver)
        total = store.count_facts(db, **filters)
        assert total == len(expected) and total.exact, filters      # every fact is in the sample
        for group_by in ("region", "year", "metric"):
            assert store.group_facts(db, group_by, **filters) == _rounded(
                store._group_from_facts(db, group_by, filters)), (filters, group_by)
    # Nothing drives when no filter lists at most 0 facts (only an empty list of ids does).
    assert drivers == {None, "ids"} if drive_at_most == 0 else len(drivers) >= (6 if drive_at_most > 100 else 2)


def _rounded(rows):
    for row in rows:
        for k in ("total", "mean", "least", "greatest"):
            if isinstance(row[k], float) and row[k].is_integer():
                row[k] = int(row[k])
    return rows


def test_totals_and_groups_beyond_the_drivers_are_marked_estimates(fresh_db, monkeypatch):
    db = _varied_db(fresh_db, n=60)
    monkeypatch.setattr(store, "DRIVE_AT_MOST", 0)
    monkeypatch.setattr(store, "FACT_SAMPLE", 40)
    exact = len(_reference_facts(db, {"theme": "志愿服务"}))
    total = store.count_facts(db, theme="志愿服务")
    assert not total.exact and str(total).startswith("~") and 0.3 * exact <= total <= 3 * exact
    groups = store.group_facts(db, "metric", theme="志愿服务")
    assert groups and all(g["estimated"] for g in groups)
    # The roll-up's group-bys stay exact and unmarked.
    assert all("estimated" not in g for g in store.group_facts(db, "metric", region="湖南"))


def _plan_steps(db, plan) -> list[str]:
    sql = _expand(db, f"SELECT f.id {plan.from_where} ORDER BY f.article_id, f.start LIMIT 20", plan.params)
    return [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]


@pytest.mark.parametrize("filters, driver, index", [
    ({"metric": "teams", "year": 2023}, "metric", "idx_facts_metric_year_order"),
    ({"year": 2023, "theme": "志愿服务"}, "year", "idx_facts_year"),
    ({"region": "某镇", "theme": "志愿服务"}, "region", "idx_articles_town"),
    ({"theme": "为老服务"}, "theme", "idx_article_themes_theme"),
    ({"subject": "银龄"}, "subject", "VIRTUAL TABLE INDEX"),
    ({"source": "news", "min_confidence": 0.1}, "source", "idx_articles_source"),
    ({"article": "v003", "metric": "teams"}, "article", "idx_facts_article_id_start"),
])
def test_a_small_driver_lists_through_its_index(fresh_db, filters, driver, index):
    db = _varied_db(fresh_db)
    db.execute("ANALYZE")
    plan = store._fact_plan(db, filters)
    assert plan.driver == driver, plan
    steps = _plan_steps(db, plan)
    assert any(index in s for s in steps), steps
    assert _tables_scanned(db, _expand(db, f"SELECT f.id {plan.from_where}", plan.params)) == set(), steps


@pytest.mark.parametrize("filters, index", [
    ({"theme": "志愿服务", "region": "湖南"}, "idx_facts_article_id_start"),
    ({"metric": "teams", "subject": "志愿"}, "idx_facts_metric_order"),
    ({"year": 2023, "source": "日报"}, "idx_facts_year_order"),
    ({"year": 2023, "metric": "teams", "region": "湖南"}, "idx_facts_metric_year_order (metric=? AND year=?)"),
])
def test_a_walk_reads_facts_in_listing_order_and_never_sorts(fresh_db, monkeypatch, filters, index):
    """No small driver: the facts are read in the order they are listed (a top 20 stops
    early), with no sort of everything that matches."""
    db = _varied_db(fresh_db)
    monkeypatch.setattr(store, "DRIVE_AT_MOST", 0)
    plan = store._fact_plan(db, filters)
    steps = _plan_steps(db, plan)
    assert plan.driver is None and index in steps[0], steps
    # No sort of everything that matches, and no Bloom filter of every article either.
    assert not any("TEMP B-TREE" in s or "BLOOM" in s for s in steps), steps


@pytest.mark.parametrize("group_by", [None, "metric", "region"])
def test_an_estimate_reads_only_the_newest_facts(fresh_db, group_by):
    """The sample is a range of fact ids, whatever the filters or the grouping."""
    db = _varied_db(fresh_db)
    db.execute("ANALYZE")
    low, high, _ = store._sample_span(db)
    from_where, params = store._sample_where(db, {"source": "日报", "theme": "志愿服务"}, high - 5, high)
    select = f"SELECT {store.GROUPS[group_by]}, COUNT(*)" if group_by else "SELECT COUNT(*)"
    sql = _expand(db, f"{select} {from_where}{' GROUP BY 1' if group_by else ''}", params)
    steps = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
    assert steps[0].startswith("SEARCH f USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"), steps
    assert not any("BLOOM" in s for s in steps), steps


def test_subject_index_upgrades_an_older_database_and_follows_every_write(tmp_path):
    """m007 indexes the subjects already stored; its triggers keep the index whoever writes
    (a replaced article forgets its old subjects)."""
    import sqlite_utils

    path = str(tmp_path / "old.db")
    old = sqlite_utils.Database(path)
    store.MIGRATIONS.apply(old, stop_before="m007_fact_subject_index")
    _varied_db(old, n=20)
    assert "fact_subjects_fts" not in old.table_names()
    old.conn.close()
    db = store.open_db(path)
    with_subject = db.execute("SELECT COUNT(*) FROM facts WHERE subject IS NOT NULL").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM fact_subjects_fts_docsize").fetchone()[0] == with_subject > 0
    # m008 kept the roll-up's rows (clustered now), m009 the listing by metric and year.
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"idx_fact_rollup_slice", "idx_facts_metric_year_order"} <= names and "idx_facts_metric_year" not in names
    assert "WITHOUT ROWID" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'fact_rollup'").fetchone()[0]
    for group_by, filters in (("region", {}), ("year", {"region": "湖南"}), ("metric", {"year": 2023})):
        assert store._group_from_rollup(db, group_by, filters) == store._group_from_facts(db, group_by, filters)
    for word in ("志愿", "银龄", "队", "AI助老"):
        plan = store._fact_plan(db, {"subject": word})
        assert plan.driver == "subject"
        assert [r["fact_id"] for r in store.query_facts(db, limit=100, subject=word)] == \
            _reference_facts(db, {"subject": word})
    # Replace every article with new subjects: the old ones are forgotten, the new found.
    _varied_db(db, n=20)
    db.execute("UPDATE facts SET subject = '新设读书角' WHERE id = (SELECT MIN(id) FROM facts)")
    db.execute("DELETE FROM facts WHERE id = (SELECT MAX(id) FROM facts)")
    with_subject = db.execute("SELECT COUNT(*) FROM facts WHERE subject IS NOT NULL").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM fact_subjects_fts_docsize").fetchone()[0] == with_subject
    assert [r["subject"] for r in store.query_facts(db, limit=5, subject="读书")] == ["新设读书角"]
    db.execute("INSERT INTO fact_subjects_fts (fact_subjects_fts) VALUES ('integrity-check')")


@pytest.mark.parametrize("group_by", [None, "region", "province", "county", "year", "metric"])
@pytest.mark.parametrize("filters", [{}, {"metric": "teams"}, {"year": 2023}, {"region": "长沙"},
                                     {"region": "某镇", "metric": "ratio", "year": 2022}])
def test_rollup_reads_are_index_slices(fresh_db, group_by, filters):
    """Every roll-up read is a slice of an index (m008), never a scan of the roll-up."""
    db = _varied_db(fresh_db)
    from_where, params = store._rollup_source(db, group_by, filters)
    sql = _expand(db, f"SELECT a.facts {from_where}", params)
    steps = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
    assert any(s.startswith("SEARCH a USING") for s in steps), steps
    assert not any(s.startswith("SCAN a") for s in steps), steps
