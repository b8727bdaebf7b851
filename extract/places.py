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
# Opening → closing marks: a short form alone inside them names a brand (“七星”和美社区).
QUOTES = {"“": "”", '"': '"', "「": "」", "‘": "’", "《": "》"}


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name written in the article, with the weight of where it stands."""

    match: NameMatch
    weight: float


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
    return descend(weigh(resolved), lead)


def find_mentions(article: Article) -> Iterable[Mention]:
    """Place names in the title and body with their weights; list lines are skipped."""
    if article.title:
        title = simplify(article.title)
        matches = [drop_quoted_aliases(title, m) for m in find_names(title)]
        yield from (Mention(m, TITLE_WEIGHT) for m in matches if m.candidates)
    in_lead = True
    for line in RE_LINE.finditer(article.plain):
        matches = [drop_quoted_aliases(line.group(), m) for m in find_names(line.group())]
        if not is_place_list(line.group(), matches):
            for m in matches:
                if m.candidates:
                    lead = in_lead and m.start < LEAD_MAX_CHARS
                    yield Mention(m, LEAD_WEIGHT if lead else BODY_WEIGHT)
        if len(line.group().strip()) >= LEAD_MIN_CHARS:
            in_lead = False


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
    resolved = []
    for mention in mentions:
        division = pick(mention.match.candidates, anchors)
        if division is not None:
            resolved.append((division, mention.weight))
    return resolved


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


def descend(weights: dict[Key, float], lead: set[Key] = frozenset()) -> Region:
    """Heaviest province, then its heaviest child at each level while one clearly leads.

    ``lead``: keys of the units named in the title or lead; below the deepest of them on the
    chosen chain a child needs a larger share.
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
        chain[level] = best[level]
        parent, parent_weight = best, best_weight
    return Region(*chain)


def children_of(weights: dict[Key, float], parent: Key, level: int) -> list[tuple[float, Key]]:
    """(weight, key) of the units directly below ``parent``, heaviest first."""
    n = len(parent)
    return sorted(((w, k) for k, w in weights.items()
                   if len(k) == n + 1 and k[:n] == parent and k[level] is not None), reverse=True)
