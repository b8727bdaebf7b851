"""corpus.reposts: one article on several sites is recognised by 3-gram Jaccard similarity."""
from __future__ import annotations

import random

import pytest

from conftest import FIXTURES
from corpus.clean import article_from_text
from corpus.reposts import shingles, similarity


def body(name):
    return article_from_text(name, (FIXTURES / "text" / f"{name}.txt").read_text(encoding="utf-8")).text


def test_repost_variant_is_similar_and_unrelated_is_not():
    # the repost: other chrome, traditional script with pinyin, last paragraph missing
    assert similarity(body("original"), body("repost")) >= 0.7
    assert similarity(body("original"), body("unrelated")) <= 0.06
    assert similarity(body("repost"), body("unrelated")) <= 0.06


# fmt: off
VARIANT_CASES = [
    # (a, b, minimum similarity)
    ("离退休干部党支部开展主题党日活动", "離退休幹部黨支部開展主題黨日活動", 1.0),        # script
    ("离退休干部党支部开展主题党日活动", "离退休干部 党支部,开展“主题党日”活动", 1.0),   # spaces, punctuation
    ("离退休干部党支部开展主题党日活动二十场", "离退休干部党支部开展主题党日活动", 0.75),  # cut-off copy
]
# fmt: on


@pytest.mark.parametrize("a, b, minimum", VARIANT_CASES)
def test_similarity_variants(a, b, minimum):
    assert similarity(a, b) >= minimum


def test_shingles_edge_cases():
    assert shingles("") == frozenset()
    assert shingles("党建") == frozenset({"党建"})
    assert similarity("", "党建") == 0.0


def stored(pairs):
    """A memory database holding ``pairs`` of (id, clean text) as stored articles."""
    from corpus import store
    from corpus.article import Article, content_hash
    from corpus.script import simplify
    from extract.analysis import Analysis, Region

    db = store.open_db(":memory:")
    for article_id, text in pairs:
        article = Article(article_id, text, simplified=simplify(text), content_hash=content_hash(text))
        store.save_article(db, article, Analysis(article_id, Region()))
    return db


def probe(article_id, text):
    from corpus.article import Article, content_hash
    from corpus.script import simplify

    return Article(article_id, text, simplified=simplify(text), content_hash=content_hash(text))


def test_store_finds_the_original_and_rejects_unrelated():
    from corpus import store

    db = stored([("original", body("original")), ("unrelated", body("unrelated"))])
    assert store.find_duplicate(db, probe("repost", body("repost"))) == "original"
    assert store.find_duplicate(db, probe("x", "完全不同的一段文字,讲的是天气预报和交通出行。" * 3)) is None


def _synthetic_articles(n, seed=7):
    rng = random.Random(seed)
    alphabet = "党建引领社区治理老干部志愿服务队支部活动阵地群众居民组织建设网格调解宣讲培训学习教育文化养老"
    return [(f"s{i:04d}", "".join(rng.choice(alphabet) for _ in range(300))) for i in range(n)]


def test_band_key_candidates_agree_with_a_linear_scan():
    """Among hundreds of same-genre articles, the band-key lookup finds the same original as
    comparing the repost with every stored article."""
    from corpus import store
    from corpus.reposts import REPOST_THRESHOLD

    pairs = _synthetic_articles(220) + [("original", body("original"))]
    db = stored(pairs)
    found = store.find_duplicate(db, probe("repost", body("repost")))
    linear = max(pairs, key=lambda p: similarity(p[1], body("repost")))
    assert found == linear[0] == "original" and similarity(linear[1], body("repost")) >= REPOST_THRESHOLD
