"""Reposts: the same article on several sites, recognised by character-shingle similarity.

Measured (shared/notes/stack.md): character 3-gram Jaccard separates variants of one article
(0.79–0.92: another site's chrome, a cut-off copy, traditional vs simplified) from unrelated
articles of the same genre (≤ 0.06). Simhash does not on Chinese. Shingles are taken from the
simplified body with whitespace and punctuation removed, so script and layout do not count.

``RepostIndex`` holds (id, shingles) pairs, is rebuilt from stored (id, simplified) pairs and
answers ``find(text) -> (id, score) | None``. It uses MinHash LSH (the band keys the store
keeps) to pick candidates when there are many articles and scores candidates by exact Jaccard, so a score
always means the same thing whatever the index size.

>>> idx = RepostIndex()
>>> idx.add("a", "近年来，示例县以银发志愿服务为抓手，组建志愿服务队十二支，着力构建为老服务格局。")
>>> idx.find("近年來,示例縣以銀發志願服務為抓手,組建志願服務隊十二支,着力構建為老服務格局")[0]
'a'
"""
from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass, field

from corpus.script import simplify

SHINGLE_SIZE = 3
# Variants score 0.79–0.92, unrelated articles ≤ 0.06: anything in between is a repost that
# was trimmed or extended a lot; 0.5 keeps a wide margin on both sides.
REPOST_THRESHOLD = 0.5
# Below this many articles a linear scan is faster than maintaining an LSH index.
LSH_MIN_ARTICLES = 200


def normalise(text: str) -> str:
    """Simplified characters only: no whitespace, punctuation, symbols or controls.

    >>> normalise("長沙市 天心區:“家”")
    '长沙市天心区家'
    """
    text = unicodedata.normalize("NFKC", simplify(text)).lower()
    return "".join(c for c in text if _kept(c))


_KEPT: dict[str, bool] = {}


def _kept(c: str) -> bool:
    """Whether ``normalise`` keeps a character (memoised: the category lookup per character
    of every article was most of the repost check's time)."""
    kept = _KEPT.get(c)
    if kept is None:
        kept = _KEPT[c] = unicodedata.category(c)[0] not in "ZPSC"
    return kept


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """Character ``size``-grams of the normalised text (the whole text if it is shorter).

    >>> sorted(shingles("党建引领"))
    ['党建引', '建引领']
    """
    s = normalise(text)
    if len(s) <= size:
        return frozenset({s}) if s else frozenset()
    return frozenset(s[i:i + size] for i in range(len(s) - size + 1))


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


@dataclass
class RepostIndex:
    """Shingle index of stored articles: ``add(id, text)``, ``find(text) -> (id, score)``.

    Holds state (the shingle sets and the LSH buckets), hence a class, not a frozen dataclass.
    """

    threshold: float = REPOST_THRESHOLD
    _shingles: dict[str, frozenset[str]] = field(default_factory=dict)
    _lsh: dict[str, set[str]] | None = None          # band key -> ids
    _keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs, threshold: float = REPOST_THRESHOLD) -> "RepostIndex":
        """Rebuild from stored ``(id, simplified_text)`` pairs."""
        index = cls(threshold=threshold)
        for article_id, text in pairs:
            index.add(article_id, text)
        return index

    def __len__(self) -> int:
        return len(self._shingles)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._shingles

    def add(self, article_id: str, text: str) -> None:
        """Index one article (re-adding an id replaces its text)."""
        if article_id in self._shingles:
            self.remove(article_id)
        sh = shingles(text)
        self._shingles[article_id] = sh
        if self._lsh is not None:
            self._insert_lsh(article_id, sh)
        elif len(self._shingles) >= LSH_MIN_ARTICLES:
            self._build_lsh()

    def remove(self, article_id: str) -> None:
        self._shingles.pop(article_id, None)
        if self._lsh is not None:
            for key in self._keys.pop(article_id, ()):
                self._lsh.get(key, set()).discard(article_id)

    def find(self, text: str) -> tuple[str, float] | None:
        """The most similar indexed article at or above the threshold, or None."""
        best = self.scores(text)
        return best[0] if best else None

    def scores(self, text: str) -> list[tuple[str, float]]:
        """All indexed articles at or above the threshold, best first (ties by id)."""
        sh = shingles(text)
        if not sh:
            return []
        if self._lsh is not None:
            candidates = set().union(*(self._lsh.get(k, ()) for k in _band_keys(sh)))
        else:
            candidates = self._shingles.keys()
        hits = [(cid, jaccard(sh, self._shingles[cid])) for cid in candidates]
        return sorted(((c, s) for c, s in hits if s >= self.threshold), key=lambda h: (-h[1], h[0]))

    def _build_lsh(self) -> None:
        self._lsh = {}
        for article_id, sh in self._shingles.items():
            self._insert_lsh(article_id, sh)

    def _insert_lsh(self, article_id: str, sh: frozenset[str]) -> None:
        keys = _band_keys(sh)
        self._keys[article_id] = keys
        for key in keys:
            self._lsh.setdefault(key, set()).add(article_id)


# MinHash, written out with numpy (importing datasketch alone took 0.54 s of a one-file
# predict). Value for value it is datasketch 2's default MinHash ("affine32", seed 1): the
# 32-bit SHA-1 of each shingle, mixed by the MurmurHash3 finalizer, then permutations
# a·h + b mod 2^32 drawn from numpy's RandomState(1). So the band keys stored by earlier
# versions (which called datasketch 2) stay valid; a test compares the two when datasketch
# is installed.
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
    digests = b"".join(hashlib.sha1(s.encode("utf-8")).digest()[:4] for s in sh)
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in FMIX32)
    with np.errstate(over="ignore"):   # uint32 products wrap around: that is the modulus
        hv = hv ^ (hv >> s1)
        hv = hv * m1
        hv = hv ^ (hv >> s2)
        hv = hv * m2
        hv = (hv ^ (hv >> s3)).reshape(-1, 1)
        return (hv * a + b).min(axis=0)


# Persistent LSH (the store keeps band keys in SQLite, so memory stays flat however many
# articles are stored): 42 bands of 3 MinHash rows make a pair with Jaccard 0.5 a candidate
# with probability 0.996 and one with 0.06 (unrelated articles) with probability 0.009.
BANDS = 42
ROWS_PER_BAND = 3


def _band_keys(sh: frozenset[str]) -> tuple[str, ...]:
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
    return _band_keys(shingles(text))
