"""The gazetteer: China's administrative divisions to town level, and finding their names in text.

``data/divisions.tsv`` (built once by ``scripts/build_gazetteer.py`` from jionlp's data,
Apache-2.0, see ``data/divisions.NOTICE``) has one row per unit. Names are matched by walking a
table of every name and every prefix of one (longest match, no segmentation: loading 37k place
names into jieba breaks domain words apart). The table is read once, lazily, from the disk
cache, as plain strings and integer codes: units and candidates become objects only when a
name is met (a one-file run meets a few dozen of 88k), which makes loading ~6x faster than
unpickling a trie of node objects.

>>> [(m.surface, len(m.candidates)) for m in find_names("长沙市天心区城关镇")]
[('长沙市', 1), ('天心区', 1), ('城关镇', 99)]
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from extract.cache import ShardedTable, cached, cached_table
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


# Layout of the cached tables (bump when ``_build_tables`` changes what it returns).
TABLE_LAYOUT = "names+codes:2"
# A candidate's code: its unit's row number, shifted, with the alias and weak flags below.
ALIAS_BIT, WEAK_BIT, FLAG_BITS = 2, 1, 2


class Gazetteer:
    """Units and names, ready to match.

    ``names`` maps every name to the codes of its candidates (a tuple of ints) and every
    prefix of a name that is not one itself to None, so a walk along the text stops as soon
    as no name can go on. ``rows`` keeps each unit's columns (code, province, city, county,
    town) tab-joined; ``Division`` and ``Candidate`` objects are made on first use and kept,
    one object per unit as when they were built all at once.
    """

    __slots__ = ("rows", "names", "one_character_names", "_divisions", "_candidates")

    def __init__(self, rows: tuple[str, ...], names: dict[str, tuple[int, ...] | None],
                 one_character_names: frozenset[str] = frozenset()) -> None:
        self.rows, self.names = rows, names
        # Names are two characters or more (the walk starts from two); any shorter are kept here.
        self.one_character_names = one_character_names
        self._divisions: dict[int, Division] = {}
        self._candidates: dict[str, tuple[Candidate, ...]] = {}

    def division(self, row: int) -> Division:
        division = self._divisions.get(row)
        if division is None:
            division = self._divisions[row] = Division.of(*self.rows[row].split("\t"))
        return division

    @property
    def divisions(self) -> tuple[Division, ...]:
        """Every unit, in the order of ``divisions.tsv``."""
        return tuple(map(self.division, range(len(self.rows))))

    def candidates(self, name: str) -> tuple[Candidate, ...]:
        """What ``name`` may refer to (empty when it is no name)."""
        found = self._candidates.get(name)
        if found is None:
            found = self._candidates[name] = tuple(
                Candidate(self.division(code >> FLAG_BITS), bool(code & ALIAS_BIT), bool(code & WEAK_BIT))
                for code in self.names.get(name) or ())
        return found

    def items(self):
        """(name, candidates) for every name."""
        return ((name, self.candidates(name)) for name, codes in self.names.items() if codes is not None)


def _read_rows(path: Path):
    with open(path, encoding="utf-8") as fh:
        next(fh)  # header
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            yield cells + [""] * (7 - len(cells))


@functools.lru_cache(maxsize=1)
def load_gazetteer(path: Path = DIVISIONS) -> Gazetteer:
    """Read ``divisions.tsv`` into units and a table of every full and short name (disk-cached)."""
    return Gazetteer(*cached("gazetteer", (path,), lambda: _build_tables(path), versions=(TABLE_LAYOUT,)))


def _build_gazetteer(path: Path) -> Gazetteer:
    """The gazetteer straight from ``path`` (no cache)."""
    return Gazetteer(*_build_tables(path))


def _build_tables(path: Path) -> tuple[tuple[str, ...], dict[str, tuple[int, ...] | None], frozenset[str]]:
    """(unit rows, name and prefix → candidate codes, names of one character): plain strings,
    tuples and ints only."""
    rows: list[str] = []
    divisions: list[Division] = []
    names: dict[str, list[tuple[int, Candidate]]] = {}
    for code, province, city, county, town, aliases, weak in _read_rows(path):
        division = Division.of(code, province, city, county, town)
        row = len(rows)
        rows.append("\t".join((code, province, city, county, town)))
        divisions.append(division)
        weak_names = set(filter(None, weak.split(",")))
        is_town = division.level == 3
        names.setdefault(division.name, []).append((row, Candidate(division, False, division.name in weak_names)))
        for alias in filter(None, aliases.split(",")):
            if is_town and alias in weak_names:
                continue  # 建设 (建设乡), 幸福 (幸福镇): a word first, and towns are many
            # A town's short form (金胜) is too often a village's or a brand's name: needs context.
            names.setdefault(alias, []).append((row, Candidate(division, True, is_town or alias in weak_names)))
    table: dict[str, tuple[int, ...] | None] = {}
    for surface, entries in names.items():
        kept = {id(c) for c in _drop_same_name_parents([c for _, c in entries])} if len(entries) > 1 else None
        table[surface] = tuple((row << FLAG_BITS) | (ALIAS_BIT if c.alias else 0) | (WEAK_BIT if c.weak else 0)
                               for row, c in entries if kept is None or id(c) in kept)
    for surface in names:
        for end in range(1, len(surface)):
            table.setdefault(surface[:end], None)
    return tuple(rows), table, frozenset(name for name in names if len(name) == 1)


def _drop_same_name_parents(candidates: list[Candidate]) -> list[Candidate]:
    """上海市 names both the province and its one city: keep the deeper unit of such a pair."""
    keys = {c.division.key for c in candidates}
    return [c for c in candidates
            if not any(k[: len(c.division.key)] == c.division.key and len(k) > len(c.division.key)
                       and k[-1] == c.division.name for k in keys)]


@functools.lru_cache(maxsize=1)
def common_words() -> ShardedTable:
    """Frequent 2–3 character words of jieba's bundled dictionary, place names excepted
    (disk-cached; ``word in common_words()``). Read a first character at a time: a text
    meets few of them, only around the place names it holds."""
    return cached_table("common-words", (JIEBA_DICT,), lambda: dict.fromkeys(_build_common_words(), 1),
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


# What ``names.get`` gives for text that no name starts with: ends a walk.
_NOWHERE = object()


def name_starts_at(names: dict[str, tuple[int, ...] | None], text: str, start: int) -> bool:
    """True when a gazetteer name of two characters or more begins at ``text[start]``
    (``names`` is ``Gazetteer.names``)."""
    n = len(text)
    end = start + 2
    codes = names.get(text[start:end], _NOWHERE) if end <= n else _NOWHERE
    while codes is not _NOWHERE:
        if codes is not None:
            return True
        if end >= n:
            return False
        end += 1
        codes = names.get(text[start:end], _NOWHERE)
    return False


def find_names(text: str, gazetteer: Gazetteer | None = None) -> list[NameMatch]:
    """Every gazetteer name in ``text`` (simplified): the longest sound one at each position,
    left to right, no overlaps.

    >>> [m.surface for m in find_names("太原晋源区金胜镇")]
    ['太原', '晋源区', '金胜镇']
    >>> [m.surface for m in find_names("参观上海城市建设")]   # not 海城市
    ['上海']
    """
    gazetteer = gazetteer or load_gazetteer()
    names, singles = gazetteer.names, gazetteer.one_character_names
    found: list[NameMatch] = []
    last_end, start, n = -1, 0, len(text)
    while start < n:
        # This loop runs over every character of the corpus: one lookup of the two characters
        # from here, which start no name at ~94% of positions (one character does at ~64%).
        end = start + 2
        codes = names.get(text[start:end], _NOWHERE) if end <= n else _NOWHERE
        single = singles and text[start] in singles
        if codes is _NOWHERE and not single:
            start += 1
            continue
        ends = [start + 1] if single else []
        while codes is not _NOWHERE:
            if codes is not None:
                ends.append(end)
            if end == n:
                break
            end += 1
            codes = names.get(text[start:end], _NOWHERE)
        for end in reversed(ends):
            readings = sound_readings(text, start, end, gazetteer.candidates(text[start:end]),
                                      start == last_end, name_starts_at(names, text, end))
            if readings:
                found.append(NameMatch(start, end, text[start:end], readings))
                last_end = start = end
                break
        else:
            start += 1
    return found
