"""The gazetteer: China's administrative divisions to town level, and finding their names in text.

``data/divisions.tsv`` (built once by ``scripts/build_gazetteer.py`` from jionlp's data,
Apache-2.0, see ``data/divisions.NOTICE``) has one row per unit. Names are matched with a
``hanlp_trie.Trie`` (pure Python, longest match, no segmentation: loading 37k place names into
jieba breaks domain words apart). The table is read once, lazily.

>>> [(m.surface, len(m.candidates)) for m in find_names("长沙市天心区城关镇")]
[('长沙市', 1), ('天心区', 1), ('城关镇', 99)]
"""
from __future__ import annotations

import copyreg
import functools
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

from hanlp_trie import Trie

from extract.cache import cached
from extract.segment import JIEBA_DICT

DIVISIONS = Path(__file__).parent / "data" / "divisions.tsv"
LEVELS: tuple[str, ...] = ("province", "city", "county", "town")
# Words of jieba's dictionary at least this frequent decide whether a short form stands on its
# own: 建平 (建平县) inside 创建平安 straddles 创建 and 平安, so it is not a place there.
WORD_MIN_FREQ = 30
WORD_LENGTHS = (2, 3)


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative unit and its chain; empty levels are None (东莞市 towns have no county).

    >>> Division.of("430103", "湖南省", "长沙市", "天心区", None).name
    '天心区'
    """

    code: str
    chain: tuple[str | None, str | None, str | None, str | None]  # province, city, county, town
    level: int   # 0 province, 1 city, 2 county, 3 town: the deepest named level

    @classmethod
    def of(cls, code: str, *names: str | None) -> "Division":
        chain = tuple(n or None for n in names)
        return cls(code, chain, max(i for i, n in enumerate(chain) if n))  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        return self.chain[self.level]  # type: ignore[return-value]

    def ancestors(self) -> tuple[tuple[str | None, ...], ...]:
        """Keys (chain prefixes) of the units above this one, nearest first."""
        chain = self.chain
        return tuple(chain[: i + 1] for i in range(self.level - 1, -1, -1) if chain[i])

    @property
    def key(self) -> tuple[str | None, ...]:
        return self.chain[: self.level + 1]


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a written name may refer to: a unit, and how the name was written."""

    division: Division
    alias: bool   # a short form (长沙 for 长沙市, 金胜 for 金胜镇)
    weak: bool    # also an ordinary word (城区, 天心) or a town's short form: needs context


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A place name found in text: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    divisions: tuple[Division, ...]
    trie: Trie


def _read_rows(path: Path):
    with open(path, encoding="utf-8") as fh:
        next(fh)  # header
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            yield cells + [""] * (7 - len(cells))


@functools.lru_cache(maxsize=1)
def load_gazetteer(path: Path = DIVISIONS) -> Gazetteer:
    """Read ``divisions.tsv`` into units and a trie of every full and short name (disk-cached)."""
    return cached("gazetteer", (path,), lambda: _build_gazetteer(path),
                  versions=(_trie_layout(),), pickler=_gazetteer_pickler)


def _trie_layout() -> str:
    """hanlp-trie ships no ``__version__``: its node attributes are what the pickle depends on."""
    return "hanlp-trie:" + ",".join(sorted(vars(Trie())))


def _gazetteer_pickler(buffer: io.BytesIO) -> pickle.Pickler:
    """Write units and candidates as constructor calls: loading them is then ~4x faster than
    through frozen dataclasses' ``__setstate__`` (one ``object.__setattr__`` per field)."""
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Division] = lambda d: (Division, (d.code, d.chain, d.level))
    pickler.dispatch_table[Candidate] = lambda c: (Candidate, (c.division, c.alias, c.weak))
    return pickler


def _build_gazetteer(path: Path) -> Gazetteer:
    divisions: list[Division] = []
    names: dict[str, list[Candidate]] = {}
    for code, province, city, county, town, aliases, weak in _read_rows(path):
        division = Division.of(code, province, city, county, town)
        divisions.append(division)
        weak_names = set(filter(None, weak.split(",")))
        is_town = division.level == 3
        names.setdefault(division.name, []).append(Candidate(division, False, division.name in weak_names))
        for alias in filter(None, aliases.split(",")):
            if is_town and alias in weak_names:
                continue  # 建设 (建设乡), 幸福 (幸福镇): a word first, and towns are many
            # A town's short form (金胜) is too often a village's or a brand's name: needs context.
            names.setdefault(alias, []).append(Candidate(division, True, is_town or alias in weak_names))
    trie = Trie()
    for surface, candidates in names.items():
        trie[surface] = tuple(_drop_same_name_parents(candidates) if len(candidates) > 1 else candidates)
    return Gazetteer(tuple(divisions), trie)


def _drop_same_name_parents(candidates: list[Candidate]) -> list[Candidate]:
    """上海市 names both the province and its one city: keep the deeper unit of such a pair."""
    keys = {c.division.key for c in candidates}
    return [c for c in candidates
            if not any(k[: len(c.division.key)] == c.division.key and len(k) > len(c.division.key)
                       and k[-1] == c.division.name for k in keys)]


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Frequent 2–3 character words of jieba's bundled dictionary, place names excepted (disk-cached)."""
    return cached("common-words", (JIEBA_DICT,), _build_common_words,
                  versions=(str(WORD_MIN_FREQ), repr(WORD_LENGTHS)))


def _build_common_words() -> frozenset[str]:
    words = set()
    with open(JIEBA_DICT, encoding="utf-8") as fh:
        for line in fh:
            word, freq, tag = line.rstrip("\n").split(" ", 2)
            # Place names (ns) compete as places, not as words: 海城 must not hide 上海 in 上海城市.
            if len(word) in WORD_LENGTHS and int(freq) >= WORD_MIN_FREQ and tag != "ns":
                words.add(word)
    return frozenset(words)


def straddles_word(text: str, start: int, end: int, edges: tuple[int, ...] | None = None) -> bool:
    """True when a word of the dictionary crosses an edge of ``text[start:end]`` (both by default).

    >>> straddles_word("创建平安社区", 1, 3), straddles_word("太原晋源区", 0, 2)
    (True, False)
    """
    words = common_words()
    for edge in (start, end) if edges is None else edges:
        for n in WORD_LENGTHS:
            for i in range(edge - n + 1, edge):
                if i >= 0 and i + n <= len(text) and not (start <= i and i + n <= end) \
                        and text[i:i + n] in words:
                    return True
    return False


def sound_readings(text: str, start: int, end: int, candidates: tuple[Candidate, ...],
                   after_name: bool, before_name: bool = False) -> tuple[Candidate, ...]:
    """The readings of ``text[start:end]`` that fit how it sits in the text.

    A short form that straddles a word loses its readings (建平 in 创建平安); so does a full name
    whose first character ends an ordinary word, unless a place name ends right
    there (湖南省长沙市: 省长 is a word, but 湖南省 was read first). Likewise a word across the
    end of a short form does not count when a place name starts right there (河北燕郊: 北燕 is
    a word, but 燕郊 is read next).
    """
    edges = tuple(e for e, free in ((start, after_name), (end, before_name)) if not free)
    alias_ok = not edges or not straddles_word(text, start, end, edges)
    full_ok = after_name or not straddles_word(text, start, end, (start,))
    return tuple(c for c in candidates if (alias_ok if c.alias else full_ok))


def name_starts_at(trie: Trie, text: str, start: int) -> bool:
    """True when a gazetteer name of two characters or more begins at ``text[start]``."""
    state, end = trie._children.get(text[start]) if start < len(text) else None, start + 1
    while state is not None:
        if state._value is not None and end - start >= 2:
            return True
        if end >= len(text):
            return False
        state, end = state._children.get(text[end]), end + 1
    return False


def find_names(text: str, gazetteer: Gazetteer | None = None) -> list[NameMatch]:
    """Every gazetteer name in ``text`` (simplified): the longest sound one at each position,
    left to right, no overlaps.

    >>> [m.surface for m in find_names("太原晋源区金胜镇")]
    ['太原', '晋源区', '金胜镇']
    >>> [m.surface for m in find_names("参观上海城市建设")]   # not 海城市
    ['上海']
    """
    trie = (gazetteer or load_gazetteer()).trie
    found: list[NameMatch] = []
    last_end, start, n = -1, 0, len(text)
    while start < n:
        # Walk hanlp_trie's nodes directly (``_children``/``_value``): ``transit`` per
        # character costs a function call, and this loop runs over every character of the corpus.
        state, ends = trie._children.get(text[start]), []
        end = start + 1
        while state is not None:
            if state._value is not None:
                ends.append((end, state._value))
            if end == n:
                break
            state, end = state._children.get(text[end]), end + 1
        for end, candidates in reversed(ends):
            readings = sound_readings(text, start, end, candidates, start == last_end,
                                      name_starts_at(trie, text, end))
            if readings:
                found.append(NameMatch(start, end, text[start:end], readings))
                last_end = start = end
                break
        else:
            start += 1
    return found
