"""Item markers: the one table of how Chinese articles number and head their items.

``data/item_markers.tsv`` holds one row per marker (name, pattern, level, example), read by
``load_markers``. Two sorts of rows:

- numbered markers (their pattern has a ``(?P<num>…)`` group): ``一是``, ``（一）``, ``一、``,
  ``1.``/``1、``, ``（1）``, ``①``, ``第一，``/``其一，``;
- heading shapes (a ``(?P<head>…)`` group, no number): ``【…】``, a name glossed after a dash
  (一张表——服务需求清单), a lead clause naming its practice in quotes (以“联合+精准”，).

``level`` orders nesting, outermost first (一、 holds （一） holds 1. holds 一是); only the order
matters. ``{NUM}`` in a pattern stands for one Chinese item numeral.

Every stage that cuts text at items (the cleaner's heading tests, the document model,
practices, the theme units) builds its regexes from here, so they agree on what a marker is.

>>> m = find_marker("（二）丰富活动载体")
>>> (m.name, m.number, m.level, m.end)
('cn_paren', 2, 20, 3)
>>> find_marker("二〇二四年") is None
True
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).parent / "data" / "item_markers.tsv"
CN_NUMERALS = "一二三四五六七八九十"
NUM = f"[{CN_NUMERALS}]"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
RE_NUM_GROUP = re.compile(r"\(\?P<num>")


@dataclass(frozen=True, slots=True)
class Marker:
    """One row of the table; ``pattern`` is regex source with ``{NUM}`` filled in."""

    name: str
    pattern: str
    level: int
    example: str

    @property
    def numbered(self) -> bool:
        return "(?P<num>" in self.pattern


@dataclass(frozen=True, slots=True)
class MarkerMatch:
    """A marker found in a text: ``text[start:end]`` is the marker (一是, （二）, 3.)."""

    name: str
    level: int
    number: int
    start: int
    end: int


@lru_cache(maxsize=1)
def load_markers() -> dict[str, Marker]:
    """name → Marker, in table order (the one loader of ``item_markers.tsv``)."""
    with open(TABLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = {}
    for row in rows:
        pattern = row["pattern"].replace("{NUM}", NUM)
        re.compile(pattern)   # a broken row fails at load, naming nothing else
        out[row["name"]] = Marker(row["name"], pattern, int(row["level"]), row["example"])
    return out


def numbered_names() -> tuple[str, ...]:
    """Names of the numbered markers, table order."""
    return tuple(n for n, m in load_markers().items() if m.numbered)


def marker_level(name: str) -> int:
    return load_markers()[name].level


def marker_source(names: tuple[str, ...] | None = None, capture: bool = True) -> str:
    """Regex source of an alternation of markers (default: every numbered one).

    With ``capture`` each marker's number group is named after the marker, so ``m.lastgroup``
    tells which matched; without it the source has no groups and can be pasted into others.

    >>> marker_source(("is",), capture=False)
    '(?:[一二三四五六七八九十]{1,2})是(?=\\\\S)'
    """
    table = load_markers()
    parts = []
    for name in names or numbered_names():
        pattern = table[name].pattern
        if capture:
            pattern = RE_NUM_GROUP.sub(f"(?P<{name}>", pattern)
        else:
            pattern = RE_NUM_GROUP.sub("(?:", pattern).replace("(?P<head>", "(?:")
        parts.append(pattern)
    return "|".join(parts)


@lru_cache(maxsize=32)
def marker_regex(prefix: str = "", names: tuple[str, ...] | None = None, flags: int = 0) -> re.Pattern[str]:
    """Compiled ``prefix(?:alternation)`` with named number groups (see ``marker_source``)."""
    return re.compile(prefix + "(?:" + marker_source(names) + ")", flags)


@lru_cache(maxsize=16)
def shape_regex(name: str, prefix: str = "", flags: int = 0) -> re.Pattern[str]:
    """A heading-shape row (``dash``, ``lead``, ``bracket``) compiled with ``prefix`` before it."""
    return re.compile(prefix + load_markers()[name].pattern, flags)


def marker_number(s: str) -> int:
    """The number a marker's numeral writes: 3 → 3, 二 → 2, 十二 → 12, 二十 → 20, ③ → 3."""
    if s.isdigit() and s.isascii():
        return int(s)
    if len(s) == 1 and s in CIRCLED:
        return CIRCLED.index(s) + 1
    digits = [CN_NUMERALS.index(c) + 1 for c in s]
    if len(digits) == 1:
        return digits[0]
    if digits[0] == 10:               # 十二
        return 10 + digits[1]
    if digits[1] == 10:               # 二十, 二十一
        return digits[0] * 10 + (digits[2] if len(digits) > 2 else 0)
    return digits[0] * 10 + digits[1]


def match_from(m: re.Match) -> MarkerMatch:
    """A match of ``marker_regex`` as a MarkerMatch (span of the whole match)."""
    name = m.lastgroup
    return MarkerMatch(name, marker_level(name), marker_number(m.group(name)), m.start(), m.end())


def find_marker(text: str, pos: int = 0) -> MarkerMatch | None:
    """The numbered marker opening ``text`` at ``pos`` (leading spaces skipped), or None.

    >>> find_marker("一是完善学习制度").name
    'is'
    """
    while pos < len(text) and text[pos] in " \t\u3000":
        pos += 1
    m = marker_regex().match(text, pos)
    return match_from(m) if m else None
