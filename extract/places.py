"""Region: the place an article reports on, as province/city/county/town (full official names).

Names are found with the gazetteer (``extract.gazetteer``) in the simplified title and body,
then resolved in three steps:

1. **Disambiguate.** A name with one sound reading (长沙市, 天心区) anchors its whole chain.
   An ambiguous name (朝阳区 ×2, 城关镇 ×99) or a weak one (城区, 天心, a town's short form
   金胜) counts only when the article also names, or anchors, a unit above it (or the unit
   itself in full); otherwise it is dropped, never guessed.
2. **Weigh.** Each resolved mention adds a weight to its unit and to every unit above it:
   the title and lead weigh most; lines that are only lists of places (SEO county lists that
   survived cleaning) count nothing.
3. **Descend.** Take the heaviest province, then its heaviest city, county and town. A lower
   level is kept only when it carries a good share of its parent's weight and clearly beats
   its siblings: a place named once as an example (成都…在崇州启动) or several towns side by
   side leave that level null.

>>> from corpus.article import Article
>>> resolve_region(Article("x", "太原晋源区金胜镇开展活动。", title="太原晋源区金胜镇:党建引领"))
Region(province='山西省', city='太原市', county='晋源区', town='金胜镇')
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.article import Article
from corpus.script import simplify
from extract.analysis import Region
from extract.gazetteer import Candidate, Division, NameMatch, find_names

Key = tuple[str | None, ...]

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
LEAD_MIN_CHARS = 50         # the lead: the body up to its first paragraph this long…
LEAD_MAX_CHARS = 200        # …and no further than this into that paragraph
# A line whose characters are mostly place names is a list (SEO, footer, "相关地区"), not text.
LIST_MIN_NAMES = 4
LIST_NAME_SHARE = 0.5
# Every level needs this much weight: one title or lead mention, or two in the body
# (南京分院 named once in a list of awards, one site among several visited, are not what the
# article reports on).
MIN_WEIGHT = 2.0
# Descend from a level to a child only if the child carries this share of the parent's weight,
# a larger one below the deepest place the title and lead name (晋城市 in the lead, then
# 高平市 as one example among the sections)…
CHILD_SHARE = 0.4
CHILD_SHARE_BELOW_LEAD = 0.6
# …and this many times the weight of the next sibling.
SIBLING_MARGIN = 1.5
RE_LINE = re.compile(r"[^\n]+")
# A short form right before one of these names an estate or building (御景龙湾小区), not the
# unit; a town's short form before an institution word names a local school or clinic (代市小学),
# which does not make the article about that town.
RE_ESTATE_AFTER = re.compile(r"(?:小区|花园|家园|新村|公寓|大厦|山庄|苑|社区|村|居委会|嘎查)")
# Likewise a province's, city's or county's short form before a street word names a street
# (某市的青岛路, 长沙街), wherever the article is; a town's short form before 街 is the town
# itself (某区李庄街 for 李庄街道). 街道 is a town suffix; 道路/道德, 路径/路线 are ordinary words.
RE_STREET_AFTER = re.compile(r"(?:大街|大道|路(?![径线])|街(?![道区头])|巷|道(?![路德理]))")
# A place right after these words is where people come from or go to (来自北京的党员, 赴延安学习),
# not the place the article reports on.
RE_ORIGIN_BEFORE = re.compile(r"(?:来自|来源于|祖籍|原籍|籍贯|老家|出生于|生于|远赴|前往|赴)$")
ORIGIN_LOOKBEHIND = 3
RE_INSTITUTION_AFTER = re.compile(r"(?:小学|中学|学校|幼儿园|医院|卫生院|卫生室|诊所|酒店|宾馆)")
# A county's short form with a town suffix names a town the gazetteer lacks (玄武街道, 神木镇),
# not the county: it lies in that county only where the article names the county itself.
RE_TOWN_SUFFIX = re.compile(r"(?:街道|镇|乡)(?![镇村])")
UNKNOWN_TOWN_CODE = "town-of-county-name"
# A town-level name the gazetteer lacks, written right after a county it belongs to
# (桐柏县清淮街道): 2–3 characters and a town suffix, not a generic word (各乡镇, 城乡镇).
RE_UNKNOWN_TOWN = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,3}(?:街道|镇|乡))")
RE_NOT_TOWN_NAME = re.compile(r"[各等和与及的所辖全个每一二三四五六七八九十]|(?:乡镇|城镇|城乡)$")
# County-level zones (开发区, 高新区) are functional, not administrative: the gold fills a county
# from knowledge only for real counties, so such a zone stays null unless the text names it.
RE_ZONE = re.compile(r"(?:开发区|高新区|新区|产业园|管理区|示范区|园区)$")
# Opening → closing marks: a short form alone inside them names a brand (“七星”和美社区).
QUOTES = {"“": "”", '"': '"', "「": "」", "‘": "’", "《": "》"}


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name written in the article, with the weight of where it stands."""

    match: NameMatch
    weight: float
    line: int = 0


def resolve_region(article: Article, extra: Iterable[str] = ()) -> Region:
    """The administrative chain of the place the article reports on; None where undetermined.

    ``extra``: place names found by another recogniser (the optional HanLP backend); they
    count as body mentions.

    >>> from corpus.article import Article
    >>> resolve_region(Article("x", "近年来，安徽省巢湖市推行网格化管理。巢湖市…"))
    Region(province='安徽省', city='合肥市', county='巢湖市', town=None)
    """
    mentions = list(find_mentions(article))
    for name in extra:
        mentions.extend(Mention(m, BODY_WEIGHT) for m in find_names(simplify(name)))
    resolved = disambiguate(mentions)
    lead = {division.key for division, weight in resolved if weight >= LEAD_WEIGHT}
    named = {division.key for division, _ in resolved}
    weights = weigh(resolved)
    region = descend(weights, lead, named)
    return region if region != Region() else town_alone(weights)


def find_mentions(article: Article) -> Iterable[Mention]:
    """Place names in the title and body with their weights; list lines are skipped.

    Mentions carry their line (-1 for the title) so that a chain written out in one go
    (吉林省通化市柳河县) can count once, as its deepest unit.
    """
    lines: list[tuple[int, str, float | None]] = []   # (line number, text, fixed weight)
    if article.title:
        lines.append((-1, simplify(article.title), TITLE_WEIGHT))
    lines.extend((i, m.group(), None) for i, m in enumerate(RE_LINE.finditer(article.plain)))
    found = [(number, text, weight, [town_of_county_name(text, drop_named_things(text, drop_quoted_aliases(text, m)))
                                     for m in find_names(text)]) for number, text, weight in lines]
    towns = unknown_towns((text, matches) for _, text, _, matches in found)
    in_lead = True
    for number, text, weight, matches in found:
        extra = list(find_unknown_towns(text, matches, towns))
        # 造甲镇 written in full outranks the gazetteer's 造甲 (for its older 造甲乡) inside it.
        matches = [m for m in matches if not any(e.start < m.end and m.start < e.end for e in extra)]
        matches = sorted(matches + extra, key=lambda m: m.start)
        if not is_place_list(text, matches):
            for m in matches:
                if m.candidates and not RE_ORIGIN_BEFORE.search(text[max(0, m.start - ORIGIN_LOOKBEHIND):m.start]):
                    if weight is None:
                        lead = in_lead and m.start < LEAD_MAX_CHARS
                        yield Mention(m, LEAD_WEIGHT if lead else BODY_WEIGHT, number)
                    else:
                        yield Mention(m, weight, number)
        if weight is None and len(text.strip()) >= LEAD_MIN_CHARS:
            in_lead = False


def unknown_towns(lines: Iterable[tuple[str, list[NameMatch]]]) -> dict[str, tuple[Candidate, ...]]:
    """Town names missing from the gazetteer, placed by the county written right before them:
    桐柏县清淮街道 → 清淮街道 under 河南省/南阳市/桐柏县."""
    towns: dict[str, tuple[Candidate, ...]] = {}
    for text, matches in lines:
        for m in matches:
            counties = [c for c in m.candidates if c.division.level == 2 and not c.weak]
            town = RE_UNKNOWN_TOWN.match(text, m.end)
            if not counties or not town or RE_NOT_TOWN_NAME.search(town.group("name")):
                continue
            name = town.group("name")
            if any(n.start == m.end and n.end >= town.end() and not n.candidates[0].alias for n in matches):
                continue  # the gazetteer knows it
            towns.setdefault(name, tuple(
                Candidate(Division.of("", *c.division.chain[:3], name), False, False) for c in counties))
    return towns


def find_unknown_towns(text: str, matches: list[NameMatch],
                       towns: dict[str, tuple[Candidate, ...]]) -> Iterable[NameMatch]:
    """Every occurrence of the unknown towns in a line, where no gazetteer name already covers it."""
    for name, candidates in towns.items():
        for m in re.finditer(re.escape(name), text):
            if not any(n.start < m.end() and m.start() < n.end and len(n.surface) >= len(name)
                       for n in matches):
                yield NameMatch(m.start(), m.end(), name, candidates)


def town_of_county_name(line: str, match: NameMatch) -> NameMatch:
    """玄武街道, 神木镇: a county's short form and a town suffix, read as an unknown town in that
    county. Weak: it is placed only where the article also names the county (神木市)."""
    counties = [c for c in match.candidates if c.alias and c.division.level == 2]
    suffix = RE_TOWN_SUFFIX.match(line, match.end)
    if not counties or not suffix:
        return match
    name = line[match.start:suffix.end()]
    return NameMatch(match.start, suffix.end(), name, tuple(
        Candidate(Division.of(UNKNOWN_TOWN_CODE, *c.division.chain[:3], name), False, True) for c in counties))


def drop_quoted_aliases(line: str, match: NameMatch) -> NameMatch:
    """A short form alone in quotes is a brand, not a place: “七星”和美社区, “酒泉老干部”."""
    before = line[match.start - 1] if match.start else ""
    after = line[match.end] if match.end < len(line) else ""
    if before not in QUOTES or not any(c.alias for c in match.candidates):
        return match
    quoted = after == QUOTES[before] or match.end < len(line) and QUOTES[before] in line[match.end:match.end + 6]
    if not quoted:
        return match
    return NameMatch(match.start, match.end, match.surface, tuple(c for c in match.candidates if not c.alias))


def drop_named_things(line: str, match: NameMatch) -> NameMatch:
    """A short form that begins an estate's or a street's name (龙湾小区, 青岛路) or a town's short
    form that begins an institution's (代市小学) does not name the unit."""
    after = line[match.end:match.end + 3]
    estate = bool(RE_ESTATE_AFTER.match(after))
    street = bool(RE_STREET_AFTER.match(after))
    institution = bool(RE_INSTITUTION_AFTER.match(after))
    if not (estate or street or institution):
        return match

    def reading(c: Candidate) -> Candidate | None:
        if not c.alias:
            return c
        if estate:
            return None
        if c.division.level >= 3:   # a town's short form
            return parent_reading(c) if institution else c
        return None if street else c

    kept = tuple(r for r in map(reading, match.candidates) if r is not None)
    return match if kept == match.candidates else NameMatch(match.start, match.end, match.surface, kept)


def parent_reading(candidate: Candidate) -> Candidate:
    """The unit above a town: 代市小学 stands somewhere in 前锋区, not for 代市镇 itself.
    Weak, like any town short form: it counts only where the article places that county."""
    chain = candidate.division.chain
    return Candidate(Division.of("", *chain[:3], None), True, True)


def is_place_list(line: str, matches: list[NameMatch]) -> bool:
    """True for a line that is mostly place names: 天心区|岳麓区|开福区|雨花区…"""
    if len(matches) < LIST_MIN_NAMES:
        return False
    covered = sum(m.end - m.start for m in matches)
    return covered >= LIST_NAME_SHARE * len(line.strip())


def disambiguate(mentions: list[Mention]) -> list[tuple[Division, float]]:
    """Each mention resolved to one unit, or dropped when the article does not settle it."""
    anchors: set[Key] = set()
    for mention in mentions:
        sound = sound_candidates(mention.match.candidates)
        # A county's or town's short form is too easily part of another word to anchor others.
        if len(sound) == 1 and (not sound[0].alias or sound[0].division.level <= 1):
            division = sound[0].division
            anchors.add(division.key)
            anchors.update(division.ancestors())
    picked = [(mention, pick(mention.match.candidates, anchors) or parentless_town(mention.match))
              for mention in mentions]
    picked = [(mention, division) for mention, division in picked if division is not None]
    resolved = []
    for (mention, division), following in zip(picked, picked[1:] + [(None, None)]):
        next_mention, next_division = following
        # In the body, 吉林省通化市柳河县 is one mention of 柳河县 (one site among others): its
        # ancestors are counted through it. In the title and lead a chain states where the
        # article is, and each name keeps its weight.
        if next_mention is not None and mention.weight <= BODY_WEIGHT and next_mention.line == mention.line \
                and next_mention.match.start == mention.match.end \
                and division.key in next_division.ancestors():
            continue
        resolved.append((division, mention.weight))
    return resolved


def parentless_town(match: NameMatch) -> Division | None:
    """A town written in full that the article does not place (城关镇 ×99, 玄武街道): the town
    alone, with no higher level. It counts only when the article names no other place."""
    candidates = match.candidates
    if candidates and all(c.division.level == 3 and not c.alias and (
            not c.weak or c.division.code == UNKNOWN_TOWN_CODE) for c in candidates):
        return Division.of("", None, None, None, match.surface)
    return None


def sound_candidates(candidates: tuple[Candidate, ...]) -> list[Candidate]:
    """The readings that need no context: full or short names that are not ordinary words."""
    return [c for c in candidates if not c.weak]


def pick(candidates: tuple[Candidate, ...], anchors: set[Key]) -> Division | None:
    """The one reading the article supports: a sound unique one, else one placed by anchors."""
    sound = sound_candidates(candidates)
    if len(sound) == 1 and (len(candidates) == 1 or supported(sound[0], anchors)
                            or not any(supported(c, anchors) for c in candidates)):
        return sound[0].division
    depths = {c.division: support(c, anchors) for c in candidates}
    deepest = max(depths.values(), default=0)
    placed = [d for d, depth in depths.items() if depth == deepest]
    if deepest and len(placed) == 1:
        return placed[0]
    return None


def supported(candidate: Candidate, anchors: set[Key]) -> bool:
    return support(candidate, anchors) > 0


def support(candidate: Candidate, anchors: set[Key]) -> int:
    """How closely the article anchors this reading: 1 + the level of the nearest anchored unit
    above it (or of the unit itself, for short forms); 0 when nothing places it. A province is
    too far above a town or county to place it (江苏 does not make 明珠 the 明珠街道 of 泰州);
    the nearest anchor decides between 义乌市 and 婺城区 for 城西街道."""
    division = candidate.division
    if candidate.alias and division.key in anchors:
        return division.level + 1
    for key in division.ancestors():
        if key in anchors and (len(key) > 1 or division.level <= 1):
            return len(key)
    return 0


def weigh(resolved: list[tuple[Division, float]]) -> dict[Key, float]:
    """Weight of every unit: its own mentions plus those of the units below it."""
    weights: dict[Key, float] = defaultdict(float)
    for division, weight in resolved:
        weights[division.key] += weight
        for key in division.ancestors():
            weights[key] += weight
    return weights


def descend(weights: dict[Key, float], lead: set[Key] = frozenset(), named: set[Key] | None = None) -> Region:
    """Heaviest province, then its heaviest child at each level while one clearly leads.

    ``lead``: keys of the units named in the title or lead; below the deepest of them on the
    chosen chain a child needs a larger share. ``named``: keys of the units the text names;
    a functional zone above a named town (徐州经济技术开发区 for 金龙湖街道) stays null unless named.
    """
    chain: list[str | None] = [None, None, None, None]
    parent: Key = ()
    parent_weight = sum(w for k, w in weights.items() if len(k) == 1)
    if parent_weight < MIN_WEIGHT:
        return Region()
    lead_prefixes = {k[:n] for k in lead for n in range(1, len(k) + 1)}
    for level in range(4):
        children = children_of(weights, parent, level)
        if not children and level and any(len(k) == level + 2 and k[: level + 1] == parent + (None,)
                                          for k in weights):
            parent += (None,)  # a level the chain skips: 东莞市 → 虎门镇, 湖北省 → 仙桃市
            continue
        if not children:
            break
        best_weight, best = children[0]
        runner_up = children[1][0] if len(children) > 1 else 0.0
        below_lead = lead_prefixes and parent in lead_prefixes and best not in lead_prefixes
        share = CHILD_SHARE_BELOW_LEAD if below_lead else CHILD_SHARE
        if best_weight < max(MIN_WEIGHT, share * parent_weight) or best_weight < SIBLING_MARGIN * runner_up:
            break
        if named is None or best in named or not RE_ZONE.search(best[level]):
            chain[level] = best[level]
        parent, parent_weight = best, best_weight
    return Region(*chain)


def town_alone(weights: dict[Key, float]) -> Region:
    """The heaviest parentless town when nothing else places the article (近年来，城关镇…)."""
    towns = sorted(((w, k) for k, w in weights.items() if len(k) == 4 and k[0] is None), reverse=True)
    if not towns:
        return Region()
    best_weight, best = towns[0]
    runner_up = towns[1][0] if len(towns) > 1 else 0.0
    if best_weight < MIN_WEIGHT or best_weight < SIBLING_MARGIN * runner_up:
        return Region()
    return Region(town=best[3])


def children_of(weights: dict[Key, float], parent: Key, level: int) -> list[tuple[float, Key]]:
    """(weight, key) of the units directly below ``parent``, heaviest first."""
    n = len(parent)
    return sorted(((w, k) for k, w in weights.items()
                   if len(k) == n + 1 and k[:n] == parent and k[level] is not None), reverse=True)
