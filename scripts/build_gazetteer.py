"""Build ``extract/data/divisions.tsv``: China's administrative divisions, province → town.

Run once, by hand, and commit the output; nothing at run time needs jionlp.

    python -m venv /tmp/jio && /tmp/jio/bin/pip install --no-deps jionlp   # data only
    python scripts/build_gazetteer.py --source /tmp/jio/lib/python3.11/site-packages/jionlp

Source: jionlp's ``dictionary/china_location.zip`` (Apache-2.0, © dongrixinyu; data to 2023),
a tab-indented tree ``province / city / county / town / village`` with admin codes and short
names (``长沙市 430100 长沙``) down to county level. Villages are dropped.

Output columns (header line, one row per unit, its level = the deepest non-empty name):

    code  province  city  county  town  aliases  weak

- ``aliases``: comma-separated short forms: jionlp's short name for provinces, cities and
  counties (``长沙``, ``宁洱``), and for towns the name minus 镇/乡/街道/民族乡 when the stem
  keeps ≥ 2 characters (``金胜镇`` → ``金胜``).
- ``weak``: the names of this row (full or alias) that are also ordinary words (jieba's
  dictionary lists them with a non-place tag or as very frequent: ``城区``, ``天心``, ``和平``).
  The resolver counts a weak name only when a higher level of the same chain is also named.

Placeholders of the source become empty cells: ``市直辖行政区划`` (towns directly under a
city, e.g. 东莞市) → no county; ``省直辖行政区划`` (county-level cities under a province,
e.g. 仙桃市) → no city.

Example row::

    430103  湖南省  长沙市  天心区      天心  天心
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "extract" / "data" / "divisions.tsv"
HEADER = ("code", "province", "city", "county", "town", "aliases", "weak")
PLACEHOLDERS = ("市直辖行政区划", "省直辖行政区划")
# Longest first, so 民族乡 is stripped before 乡.
TOWN_SUFFIXES = ("民族乡", "街道", "镇", "乡", "苏木")
# jieba tags for names (place, person, organisation, other proper noun). jieba mis-tags many
# place names as person names (徐汇区 nr), so these tags alone never make a name weak.
NAME_TAGS = {"ns", "nr", "nrt", "nrfg", "nz", "nt"}
# jieba tags many place names as plain nouns (合肥 n 406, 银川 n 290): only a very frequent
# noun is an ordinary word first (中心, 开发区).
NOUN_TAGS = {"n", "j"}
FREQUENT_NOUN = 1000
# Verbs, adjectives, adverbs, locatives…: an ordinary word (丰满, 南部, 安居, 无为) unless
# rare; province and city short names are read as places (包头 v 199, 大连, 开封).
COMMON_WORD = {0: 5000, 1: 5000, 2: 20, 3: 20}
# A county or town short name this frequent is mostly used as a word (长安, 新华).
FREQUENT_NAME = 3000


def read_source(source: Path) -> str:
    """The text of china_location.txt from a jionlp package dir, its zip, or the txt itself."""
    if source.is_dir():
        source = source / "dictionary" / "china_location.zip"
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as zf:
            return zf.read("china_location.txt").decode("utf-8")
    return source.read_text(encoding="utf-8")


def find_jionlp() -> Path:
    """The installed jionlp package directory, found without importing it (its import is slow)."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("jionlp not found: pass --source PATH (jionlp dir, china_location.zip or .txt)")
    return Path(list(spec.submodule_search_locations)[0])


def jieba_words() -> dict[str, tuple[int, str]]:
    """word → (frequency, tag) from jieba's bundled dictionary."""
    import jieba

    words = {}
    path = Path(jieba.__file__).parent / "dict.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            words[parts[0]] = (int(parts[1]), parts[2])
    return words


def is_weak(name: str, full: bool, level: int, words: dict[str, tuple[int, str]]) -> bool:
    """True when ``name`` reads as an ordinary word (城区, 天心, 和平), not only as a place.

    ``full``: the official name (2-character ones like 城区, 郊区, 林场 are generic unless
    they end in 县/市/旗: 沛县 is a place); ``level``: 0 province … 3 town.
    """
    if full and len(name) <= 2 and name[-1] not in "县市旗":
        return True
    freq, tag = words.get(name, (0, ""))
    if tag in NAME_TAGS:
        return not full and level >= 2 and freq >= FREQUENT_NAME
    if tag in NOUN_TAGS:
        return freq >= FREQUENT_NOUN
    return bool(tag) and freq >= COMMON_WORD[level]


def town_alias(name: str) -> str | None:
    """金胜镇 → 金胜; None when the stem would be shorter than 2 characters (城镇)."""
    for suffix in TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def parse_tree(text: str):
    """Yield (code, province, city, county, town, alias) for every unit down to towns."""
    chain: list[str] = ["", "", "", ""]
    for line in io.StringIO(text):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 3:
            continue  # villages
        cells = line.strip().split("\t")
        name = cells[0]
        code = cells[1] if len(cells) > 1 else ""
        alias = cells[2] if len(cells) > 2 else ""
        chain[depth] = "" if name in PLACEHOLDERS else name
        for lower in range(depth + 1, 4):
            chain[lower] = ""
        if not chain[depth]:
            continue
        if depth == 3:
            alias = town_alias(name) or ""
        yield code, *chain, alias if alias != name else ""


def build_rows(text: str, words: dict[str, tuple[int, str]]) -> list[tuple[str, ...]]:
    rows = []
    seen = set()
    for code, province, city, county, town, alias in parse_tree(text):
        key = (province, city, county, town)
        if key in seen:
            continue
        seen.add(key)
        level = 3 if town else 2 if county else 1 if city else 0
        name = (province, city, county, town)[level]
        weak = [n for n, full in ((name, True), (alias, False)) if n and is_weak(n, full, level, words)]
        rows.append((code, province, city, county, town, alias, ",".join(weak)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="jionlp package dir, china_location.zip or .txt")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = read_source(args.source or find_jionlp())
    rows = build_rows(text, jieba_words())
    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(HEADER) + "\n")
        for row in rows:
            fh.write("\t".join(row) + "\n")
    print(f"{len(rows)} units -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
