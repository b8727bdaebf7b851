"""Word segmentation: our own jieba Tokenizer with the domain user dictionary.

Numbers are never read from tokens (see ``extract.numbers``); tokens serve to find the
words around a quantity (its subject) and their part of speech.

>>> [w for w, _, _ in make_tokenizer().tokenize("成立离退休党支部")]
['成立', '离退休党支部']
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from functools import lru_cache
from math import log
from pathlib import Path

from extract.cache import ShardedTable, cached, cached_table


def _import_jieba():
    """``import jieba`` without ``pkg_resources``: jieba's ``_compat`` imports it (0.13 s of CPU,
    more than all of jieba) only to open its bundled files, and falls back to a plain ``open``
    beside its ``__file__`` when the import fails, which is the same file."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None   # type: ignore[assignment]  # makes the import fail
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]  # anyone else may still import it
    return jieba


jieba = _import_jieba()
from jieba import finalseg  # noqa: E402  (after the guarded import above)

USERDICT = Path(__file__).parent / "data" / "userdict.txt"
# jieba's bundled dictionary: the source of its prefix table and of its part-of-speech tags.
JIEBA_DICT = Path(jieba.__file__).parent / "dict.txt"
# jieba's ``re_eng``: single letters and digits that ``cut`` joins into one word.
RE_ENG = jieba.re_eng
CACHE_VERSIONS = ("jieba", jieba.__version__)

jieba.setLogLevel(logging.WARNING)


class LazyTokenizer(jieba.Tokenizer):
    """jieba's ``Tokenizer`` whose prefix table (``FREQ``) fills in from a ``ShardedTable`` one
    first character at a time, before a sentence's word graph is built: every key jieba looks
    up while cutting a sentence starts with one of its characters, so cuts are the same as with
    the whole table, which a one-file run never needs.
    """

    def __init__(self, table: ShardedTable) -> None:
        super().__init__()
        self._table = table
        self._filled: set[str] = set()

    def fill(self, text: str) -> None:
        """Load the dictionary's entries for every character of ``text``."""
        for first in set(text).difference(self._filled):
            self._filled.add(first)
            self.FREQ.update(self._table.shard(first))

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        if not self._filled.issuperset(sentence):
            self.fill(sentence)
        return super().get_DAG(sentence)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self.fill(word[:1])   # the dictionary's entries first, so the added word wins
        super().add_word(word, freq, tag)

    def words(self, text: str) -> Iterator[str]:
        """What ``cut(text, HMM=False)`` yields, a third faster (see ``_route``)."""
        re_han, re_skip = jieba.re_han_default, jieba.re_skip_default
        for block in re_han.split(text):
            if not block:
                continue
            if re_han.match(block):
                yield from self._block_words(block)
                continue
            for piece in re_skip.split(block):
                if re_skip.match(piece):
                    yield piece
                else:
                    yield from piece     # one character at a time, as jieba does

    def _block_words(self, block: str) -> Iterator[str]:
        """jieba's ``__cut_DAG_NO_HMM``: the best route's words, runs of single ASCII letters
        and digits joined."""
        ends = self._route(block)
        buf, x, n = "", 0, len(block)
        while x < n:
            y = ends[x] + 1
            word = block[x:y]
            if y - x == 1 and RE_ENG.match(word):
                buf += word
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
            x = y
        if buf:
            yield buf

    def _route(self, sentence: str) -> list[int]:
        """jieba's ``get_DAG`` and ``calc`` in one right-to-left pass, with one dictionary
        lookup per fragment: the end of the first word of the best route from each position.
        The same sums in the same order, and a tie goes to the longer word as in jieba's
        ``max`` over (score, end) pairs, so the route is the same to the bit."""
        if not self._filled.issuperset(sentence):
            self.fill(sentence)
        freq, n = self.FREQ, len(sentence)
        logtotal = log(self.total)
        scores: list[float] = [0.0] * (n + 1)
        ends: list[int] = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best, best_end = 0.0, -1
            i, frag = idx, sentence[idx]
            while i < n:
                count = freq.get(frag)
                if count is None:
                    break
                if count:
                    score = log(count) - logtotal + scores[i + 1]
                    # Ends grow along the loop: ``>=`` lets the later (longer) word win a tie.
                    if best_end < 0 or score >= best:
                        best, best_end = score, i
                i += 1
                frag = sentence[idx:i + 1]
            if best_end < 0:   # no word starts here: the character alone
                best, best_end = log(freq.get(sentence[idx]) or 1) - logtotal + scores[idx + 1], idx
            scores[idx], ends[idx] = best, best_end
        return ends


@lru_cache(maxsize=1)
def make_tokenizer() -> LazyTokenizer:
    """Our own ``jieba.Tokenizer`` (never the global one) with ``data/userdict.txt`` loaded.

    Its tables come from our disk cache (``extract.cache``) when they can: jieba's own
    ``jieba.cache`` holds the bundled dictionary only, is read with many small reads, and the
    user dictionary would still be added word by word on every start. The prefix table is a
    ``ShardedTable`` read a character at a time (``LazyTokenizer``).
    """
    total, user_tags, force_split = cached(
        "jieba-totals", (JIEBA_DICT, USERDICT), _build_prefix_totals, versions=CACHE_VERSIONS)
    freq = cached_table("jieba-freq", (JIEBA_DICT, USERDICT), lambda: _full_tokenizer().FREQ,
                        versions=CACHE_VERSIONS)
    tokenizer = LazyTokenizer(freq)
    tokenizer.total, tokenizer.user_word_tag_tab = total, user_tags
    tokenizer.initialized = True
    for word in force_split:  # what ``add_word(word, 0)`` does besides the tables
        finalseg.add_force_split(word)
    return tokenizer


def word_frequency(word: str) -> int:
    """The frequency of ``word`` in the segmenter's dictionary, 0 when it is not a word.

    >>> word_frequency("支部") > 0, word_frequency("部支")
    (True, 0)
    """
    tokenizer = make_tokenizer()
    tokenizer.fill(word[:1])
    return tokenizer.FREQ.get(word) or 0


@lru_cache(maxsize=1)
def _full_tokenizer() -> jieba.Tokenizer:
    """A fresh tokenizer with jieba's whole table and the user dictionary: built only when the
    cache misses (seconds)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USERDICT))
    return tokenizer


def _build_prefix_totals() -> tuple[int, dict[str, str], tuple[str, ...]]:
    """What ``initialize()`` + ``load_userdict()`` leave in a fresh tokenizer besides ``FREQ``."""
    tokenizer = _full_tokenizer()
    # User words of frequency 0 are also forced apart in the HMM (global ``finalseg`` state).
    force_split = tuple(word for word, freq in _userdict_entries() if freq == 0)
    return tokenizer.total, tokenizer.user_word_tag_tab, force_split


def _userdict_entries():
    """``(word, frequency or None)`` as ``load_userdict`` parses them."""
    with open(USERDICT, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().lstrip("\ufeff")
            if line:
                word, freq, _tag = jieba.re_userdict.match(line).groups()
                yield word, None if freq is None else int(freq)


@lru_cache(maxsize=1)
def word_tags() -> ShardedTable:
    """word → jieba part-of-speech tag (``v``, ``n``, ``vn`` …), user dictionary tags first.

    A read-only mapping (``get``, ``in``, ``[]``) decoded a first character at a time.

    >>> word_tags().get("支部"), word_tags().get("没有这个词")
    ('n', None)
    """
    return cached_table("jieba-tags", (JIEBA_DICT, USERDICT), _build_word_tags, versions=CACHE_VERSIONS)


def _build_word_tags() -> dict[str, str]:
    import jieba.posseg  # 0.6 s of HMM tables: only when the cache misses

    tokenizer = _full_tokenizer()
    tags = dict(jieba.posseg.POSTokenizer(tokenizer).word_tag_tab)
    tags.update(tokenizer.user_word_tag_tab)
    return tags


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` triples of ``text`` (offsets into ``text``): what jieba's
    ``tokenize(text, HMM=False)`` gives.

    HMM off: unknown words come out as single characters, which is enough to find a noun
    phrase's edges and 2-3x faster on the short windows we tokenize.

    >>> tokenize("组建12支服务队")
    [('组建', 0, 2), ('12', 2, 4), ('支', 4, 5), ('服务队', 5, 8)]
    """
    out, start = [], 0
    for word in make_tokenizer().words(text):
        end = start + len(word)
        out.append((word, start, end))
        start = end
    return out
