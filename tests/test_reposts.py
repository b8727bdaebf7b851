"""corpus.reposts: one article on several sites is recognised by 3-gram Jaccard similarity."""
from __future__ import annotations

import random

import pytest

from conftest import FIXTURES
from corpus.clean import article_from_text
from corpus.reposts import LSH_MIN_ARTICLES, RepostIndex, shingles, similarity


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


def test_index_finds_the_original_and_rejects_unrelated():
    index = RepostIndex.from_pairs([("original", body("original")), ("unrelated", body("unrelated"))])
    found = index.find(body("repost"))
    assert found is not None and found[0] == "original" and found[1] >= 0.7
    assert index.find("完全不同的一段文字,讲的是天气预报和交通出行。") is None


def test_index_readd_replaces_and_remove_forgets():
    index = RepostIndex()
    index.add("a", body("original"))
    index.add("a", body("unrelated"))
    assert len(index) == 1
    assert index.find(body("original")) is None
    index.remove("a")
    assert "a" not in index and index.find(body("unrelated")) is None


def _synthetic_articles(n, seed=7):
    rng = random.Random(seed)
    alphabet = "党建引领社区治理老干部志愿服务队支部活动阵地群众居民组织建设网格调解宣讲培训学习教育文化养老"
    return [(f"s{i:04d}", "".join(rng.choice(alphabet) for _ in range(300))) for i in range(n)]


def test_lsh_index_agrees_with_linear_scan():
    pairs = _synthetic_articles(LSH_MIN_ARTICLES + 20) + [("original", body("original"))]
    index = RepostIndex.from_pairs(pairs)
    assert index._lsh is not None  # noqa: SLF001 - the large index must use LSH
    found = index.find(body("repost"))
    assert found is not None and found[0] == "original"
    linear = RepostIndex.from_pairs(pairs[-5:])
    assert linear._lsh is None  # noqa: SLF001
    assert linear.find(body("repost")) == found
