"""What keeps the store flat at a million articles: no scan per insert, an index for every
filter, a bigram full-text index (contentless), bounded ranking and estimated totals, and
MinHash band keys that stay the same without datasketch."""
from __future__ import annotations

import re

import pytest

from corpus import store
from corpus.article import Article, RawMap, content_hash
from corpus.fts import index_text, phrase
from corpus.reposts import _band_keys, minhash, shingles
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
    # an estimate from a sample of the newest facts for the other filters.
    everything = store.count_facts(db)
    assert everything.exact and everything == db.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == 15
    assert store.count_facts(db, metric="teams", region="长沙").exact
    themed = store.count_facts(db, theme="志愿服务")
    assert not themed.exact and 10 <= themed <= 20
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
    return out[-1]


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
    assert _band_keys(frozenset()) == ()


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
