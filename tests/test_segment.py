"""Word segmentation (extract.segment): our fast path cuts exactly as jieba does."""
from __future__ import annotations

import pytest

from extract import segment

# fmt: off
TEXTS = [
    "成立离退休党支部，组建银发先锋志愿服务队12支",
    "示例县2024年累计投入534萬多元，服务群众超5万人次",
    "ABC社区 COVID-19 防控 3.5% 100+ #话题 & 党员_志愿者",
    "第2页\r\n下一页\t　全角Ａ１２３",
    "a1b2c3 x y z",
    "",
    " ",
    "。，、",
    "党",
]
# fmt: on


@pytest.mark.parametrize("text", TEXTS)
def test_tokenize_is_jiebas_tokenize(text):
    jieba_tokens = list(segment._full_tokenizer().tokenize(text, HMM=False))
    assert segment.tokenize(text) == jieba_tokens


def test_tokenize_offsets_hold():
    text = TEXTS[0] + TEXTS[1]
    assert all(text[start:end] == word for word, start, end in segment.tokenize(text))


def test_route_tie_goes_to_the_longer_word():
    """jieba takes max over (score, end): of two routes with equal scores the longer first word wins."""
    tokenizer = segment.LazyTokenizer(segment.ShardedTable.from_dict({"甲": 1, "乙": 1, "甲乙": 1}))
    tokenizer.total, tokenizer.initialized = 1, True
    # Every word has frequency 1 = total: log 1 - log 1 = 0, so both routes score 0.
    assert list(tokenizer.words("甲乙")) == ["甲乙"] == list(jieba_cut(tokenizer, "甲乙"))


def jieba_cut(tokenizer, text):
    return segment.jieba.Tokenizer.cut(tokenizer, text, HMM=False)


def test_word_tags_and_frequency():
    assert segment.word_tags().get("支部") == "n" and segment.word_tags().get("不是一个词") is None
    assert segment.word_frequency("支部") > 0 and segment.word_frequency("部支") == 0
    assert segment.word_frequency("") == 0
