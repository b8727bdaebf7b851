"""Word segmentation: our own jieba Tokenizer with the domain user dictionary.

Numbers are never read from tokens (see ``extract.numbers``); tokens serve to find the
words around a quantity (its subject) and their part of speech.

>>> [w for w, _, _ in make_tokenizer().tokenize("成立离退休党支部")]
['成立', '离退休党支部']
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import jieba
from jieba import finalseg

from extract.cache import cached

USERDICT = Path(__file__).parent / "data" / "userdict.txt"
# jieba's bundled dictionary: the source of its prefix table and of its part-of-speech tags.
JIEBA_DICT = Path(jieba.__file__).parent / "dict.txt"
CACHE_VERSIONS = ("jieba", jieba.__version__)

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=1)
def make_tokenizer() -> jieba.Tokenizer:
    """Our own ``jieba.Tokenizer`` (never the global one) with ``data/userdict.txt`` loaded.

    Its tables come from our disk cache (``extract.cache``) when they can: jieba's own
    ``jieba.cache`` holds the bundled dictionary only, is read with many small reads, and the
    user dictionary would still be added word by word on every start.
    """
    freq, total, user_tags, force_split = cached(
        "jieba-prefix", (JIEBA_DICT, USERDICT), _build_prefix_tables, versions=CACHE_VERSIONS)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab = freq, total, user_tags
    tokenizer.initialized = True
    for word in force_split:  # what ``add_word(word, 0)`` does besides the tables
        finalseg.add_force_split(word)
    return tokenizer


def _build_prefix_tables() -> tuple[dict[str, int], int, dict[str, str], tuple[str, ...]]:
    """What ``initialize()`` + ``load_userdict()`` leave in a fresh tokenizer."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USERDICT))
    # User words of frequency 0 are also forced apart in the HMM (global ``finalseg`` state).
    force_split = tuple(word for word, freq in _userdict_entries() if freq == 0)
    return tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab, force_split


def _userdict_entries():
    """``(word, frequency or None)`` as ``load_userdict`` parses them."""
    with open(USERDICT, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().lstrip("\ufeff")
            if line:
                word, freq, _tag = jieba.re_userdict.match(line).groups()
                yield word, None if freq is None else int(freq)


@lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """word → jieba part-of-speech tag (``v``, ``n``, ``vn`` …), user dictionary tags first."""
    return cached("jieba-tags", (JIEBA_DICT, USERDICT), _build_word_tags, versions=CACHE_VERSIONS)


def _build_word_tags() -> dict[str, str]:
    import jieba.posseg  # 0.6 s of HMM tables: only when the cache misses

    tokenizer = make_tokenizer()
    tags = dict(jieba.posseg.POSTokenizer(tokenizer).word_tag_tab)
    tags.update(tokenizer.user_word_tag_tab)
    return tags


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` triples of ``text`` (offsets into ``text``).

    HMM off: unknown words come out as single characters, which is enough to find a noun
    phrase's edges and 2-3x faster on the short windows we tokenize.
    """
    return list(make_tokenizer().tokenize(text, HMM=False))
