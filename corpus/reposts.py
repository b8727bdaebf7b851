"""Reposts: the same article on several sites, recognised by character-shingle similarity.

Measured (shared/notes/stack.md): character 3-gram Jaccard separates variants of one article
(0.79–0.92: another site's chrome, a cut-off copy, traditional vs simplified) from unrelated
articles of the same genre (≤ 0.06). Simhash does not on Chinese. Shingles are taken from the
simplified body with whitespace and punctuation removed, so script and layout do not count.

The store (``corpus.store.find_duplicate``) keeps each article's MinHash LSH band keys
(``band_keys``) in SQLite, picks candidates by an indexed lookup of shared keys and scores them by
exact Jaccard (``jaccard``), so a score means the same thing whatever the archive's size.

>>> similarity("近年来，示例县组建志愿服务队十二支，着力构建为老服务格局。",
...            "近年來,示例縣組建志願服務隊十二支,着力構建為老服務格局") == 1.0
True
"""
from __future__ import annotations

import functools
import hashlib
import unicodedata

from corpus.script import simplify

SHINGLE_SIZE = 3
# Variants score 0.79–0.92, unrelated articles ≤ 0.06: anything in between is a repost that
# was trimmed or extended a lot; 0.5 keeps a wide margin on both sides.
REPOST_THRESHOLD = 0.5
# Below this many articles a linear scan is faster than maintaining an LSH index.


def normalise(text: str) -> str:
    """Simplified characters only: no whitespace, punctuation, symbols or controls.

    >>> normalise("長沙市 天心區:“家”")
    '长沙市天心区家'
    """
    text = unicodedata.normalize("NFKC", simplify(text)).lower()
    return text.translate(_KEEP)


class _KeepTable(dict):
    """``str.translate`` table: a character ``normalise`` keeps maps to itself, any other to
    None (deleted). Filled on first sight of a character, so after a few articles the whole
    filter runs in C (a category lookup per character was most of the repost check's time)."""

    def __missing__(self, code: int) -> str | None:
        c = chr(code)
        kept = self[code] = c if unicodedata.category(c)[0] not in "ZPSC" else None
        return kept


_KEEP = _KeepTable()


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """Character ``size``-grams of the normalised text (the whole text if it is shorter).

    >>> sorted(shingles("長沙·党建"))
    ['沙党建', '长沙党']
    """
    return grams(normalise(text), size)


def grams(normalised: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """``shingles`` of a text already normalised (a worker normalises once, and the writer keeps
    the normalised texts it compares).

    >>> sorted(grams("党建引领"))
    ['党建引', '建引领']
    """
    if len(normalised) <= size:
        return frozenset({normalised}) if normalised else frozenset()
    return frozenset(normalised[i:i + size] for i in range(len(normalised) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    """3-gram Jaccard similarity of two texts in any script.

    >>> similarity("离退休干部党支部开展活动", "離退休幹部黨支部開展活動")
    1.0
    """
    return jaccard(shingles(a), shingles(b))


SEED = 1
FMIX32 = (16, 2246822507, 13, 3266489909, 16)


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int):
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def minhash(sh: frozenset[str] | set[str], num_perm: int):
    """The ``num_perm`` MinHash values (a uint32 array) of a set of shingles."""
    import numpy as np

    a, b = _permutations(num_perm)
    if not sh:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    sha1 = hashlib.sha1   # a list comprehension with a local name: a third faster than a genexpr
    digests = b"".join([sha1(s.encode("utf-8")).digest()[:4] for s in sh])
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in FMIX32)
    with np.errstate(over="ignore"):   # uint32 products wrap around: that is the modulus
        # In place where it can be (``hv`` is our own copy): the shingles × permutations
        # matrix of a long page is a megabyte, and each temporary was one more.
        hv ^= hv >> s1
        hv *= m1
        hv ^= hv >> s2
        hv *= m2
        hv ^= hv >> s3
        values = hv.reshape(-1, 1) * a
        values += b
        return values.min(axis=0)


# Persistent LSH (the store keeps band keys in SQLite, so memory stays flat however many
# articles are stored): 42 bands of 3 MinHash rows make a pair with Jaccard 0.5 a candidate
# with probability 0.996 and one with 0.06 (unrelated articles) with probability 0.009.
BANDS = 42
ROWS_PER_BAND = 3


def shingle_band_keys(sh: frozenset[str]) -> tuple[str, ...]:
    """LSH band keys of a set of shingles (``band_keys`` of a text)."""
    if not sh:
        return ()
    values = minhash(sh, BANDS * ROWS_PER_BAND).tolist()
    return tuple(f"{band}:" + "-".join(format(v, "x") for v in values[band * ROWS_PER_BAND:(band + 1) * ROWS_PER_BAND])
                 for band in range(BANDS))


@functools.lru_cache(maxsize=8)
def band_keys(text: str) -> tuple[str, ...]:
    """LSH band keys of a text: articles sharing any key are repost candidates.

    Stable across processes and versions (see ``minhash``). Cached: ingest asks for the keys
    of the same article to look for its original and then to store them.

    >>> band_keys("党建引领基层治理") == band_keys("黨建引領基層治理")
    True
    """
    return shingle_band_keys(shingles(text))
