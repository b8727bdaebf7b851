"""Region: the place an article reports on, as province/city/county/town (full official names).

Names are found with the gazetteer (``extract.gazetteer``) in the simplified title and body,
each with its context (an example or a destination: 例如…, …等地, 学习…经验; the place's own
office: 某县县委; part of a person's or an institution's name; an outlet's name; near the start
of its sentence). Cue words live in ``data/region_cues.tsv``. Then:

1. **Disambiguate.** A name with one sound reading (长沙市, 天心区) anchors its whole chain.
   An ambiguous name (朝阳区 ×2, 城关镇 ×99) or a weak one (城区, 天心, a town's short form
   金胜) counts only when the article also names, or anchors, a unit above it (or the unit
   itself in full); otherwise it is dropped, never guessed.
2. **Candidates.** Every resolved unit and the units above it form a tree; each unit carries
   the mentions that name it or a unit below it.
3. **Rules as a feature.** The weight rules (title and lead weigh most, a child must carry a
   share of its parent and beat its siblings) give one chain; it is a feature, not the answer,
   except for the province: where the rules commit to one, it is kept (``RULE_LEVELS``).
   Other features: where and how often a unit is named, its context, whether the text speaks
   from inside a unit of its level (我县, 全县, 该区) and whether the source outlet names it.
   A printed headline weighs as a title; a title made from the lead sentence is body text.
   The source outlet (某城日报) also places names the text leaves ambiguous (宋家镇 ×4).
4. **Model.** A logistic regression (``data/region_model.json``, trained by
   ``scripts/train_region.py`` on our annotated articles) scores every child of the unit
   reached, from the top; the likeliest child is kept while it clears its level's threshold,
   so each level is either filled or left null (a place named once as an example, several
   towns side by side). Without the model file the rules decide.

The Region carries the model's confidence and an evidence trace.

>>> from corpus.article import Article
>>> resolve_region(Article("x", "太原晋源区金胜镇开展活动。", title="太原晋源区金胜镇:党建引领"))
Region(province='山西省', city='太原市', county='晋源区', town='金胜镇')
"""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from corpus.article import Article
from corpus.script import simplify
from extract.analysis import Region
from extract.fact_model import LinearModel
from extract.gazetteer import Candidate, Division, NameMatch, find_names
from extract.tables import DATA, read_tsv

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
# Cue words around a name (data/region_cues.tsv): examples, the place's own offices, people's
# and institutions' names, and where people come from or go to (来自北京的党员, 赴延安学习: not
# where the article is; such mentions are dropped). Cues are read this far around the name.
CUES = DATA / "region_cues.tsv"
CONTEXT_CHARS = 6
SUBJECT_CHARS = 12          # a name this close to its sentence's start is its subject's place
SENTENCE_ENDS = "。！？；!?;"
CLOSING_AT = 0.85           # relative position where an article's closing part begins
# The model (scripts/train_region.py): absent, the weight rules decide alone.
MODEL = DATA / "region_model.json"
LEVEL_NAMES = ("province", "city", "county", "town")
# Levels (from the top) where a chain the weight rules commit to is kept over the model's
# choice: grouped CV on the annotated sets (scripts/train_region.py) favours the rules for the
# province, and the model below it.
RULE_LEVELS = 1


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name written in the article, with the weight of where it stands and its context."""

    match: NameMatch
    weight: float
    line: int = 0
    pos: int = -1            # offset in ``article.plain``; -1 in the title or from ``extra``
    example: bool = False    # an example or a destination (如某县…, 某县等地, 学习某县经验)
    org: bool = False        # the place's own office follows (某县县委, 某区老干部局)
    opens: bool = False      # near the start of its sentence: where a subject stands
    person: bool = False     # a short form that looks like part of a person's name (书记李建华)
    outlet: bool = False     # beside an outlet's name (某县融媒体中心, 投稿邮箱)
    institution: bool = False   # begins an institution's name (某市分院, 某市大学)
    quoted: bool = False     # inside quotes or title marks: a slogan's, a brand's or a book's words


def resolve_region(article: Article, extra: Iterable[str] = ()) -> Region:
    """The administrative chain of the place the article reports on; None where undetermined.

    ``extra``: place names found by another recogniser (the optional HanLP backend); they
    count as body mentions. The returned Region carries the model's ``confidence`` and an
    ``evidence`` trace ("name: why").

    >>> from corpus.article import Article
    >>> resolve_region(Article("x", "近年来，安徽省巢湖市推行网格化管理。巢湖市…"))
    Region(province='安徽省', city='合肥市', county='巢湖市', town=None)
    """
    tree = region_candidates(article, extra)
    model = region_model()
    if model is None:
        return dataclasses.replace(tree.rule, evidence=("rule: no region model trained, weights decide",))
    return decode(tree, model)


@dataclass(frozen=True, slots=True)
class Unit:
    """A candidate unit (a chain prefix, the key) with the mentions that name it or a unit below it."""

    key: Key
    weight: float
    own: tuple[Mention, ...]       # mentions of the unit itself
    below: tuple[Mention, ...]     # mentions of it and of the units under it
    short: int                     # own mentions written as a short form (长沙 for 长沙市)


@dataclass(frozen=True)
class CandidateTree:
    """Every unit the article's mentions lead to, the tree they form, and the rule chain."""

    units: dict[Key, Unit]
    kids: dict[Key, tuple[Key, ...]]   # parent key (() for the root) → child keys
    rule: Region                       # what the weight rules alone decide (a feature)
    chars: int                         # length of the body, for relative positions
    # How often the body speaks from inside a place of each level, by the level word: 我县/全县 →
    # {"县": 2}; and the units the article's source outlet names (某城日报 → 某城市).
    self_refs: dict[str, int] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    source_keys: frozenset = frozenset()
    memo: dict[Key, dict[str, float]] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def children(self, key: Key) -> tuple[Key, ...]:
        return self.kids.get(key, ())

    def features(self, key: Key) -> dict[str, float]:
        if key not in self.memo:
            self.memo[key] = unit_features(self, key)
        return self.memo[key]


def region_candidates(article: Article, extra: Iterable[str] = ()) -> CandidateTree:
    """The candidate units of one article (``resolve_region`` scores them; training reads them)."""
    mentions = list(find_mentions(article))
    for name in extra:
        mentions.extend(Mention(m, BODY_WEIGHT) for m in find_names(simplify(name)))
    # The source outlet (某城日报, 某县融媒体中心) places the names the text leaves ambiguous.
    outer = find_names(simplify(article.source)) if article.source else ()
    # …and, where the text speaks from inside a unit of its level (雅安日报 and 全市), names the
    # article's place: it counts as a lead mention.
    refs = self_references(article.plain)
    mentions.extend(source_mentions(outer, refs))
    picked = disambiguate(mentions, outer)
    heads = chain_heads(picked)
    resolved = [(division, mention.weight) for (mention, division), head in zip(picked, heads) if head]
    lead = {division.key for division, weight in resolved if weight >= LEAD_WEIGHT}
    named = {division.key for division, _ in resolved}
    weights = weigh(resolved)
    rule = descend(weights, lead, named)
    rule = rule if rule != Region() else town_alone(weights)
    tree = build_tree([(m, d, h) for (m, d), h in zip(picked, heads)], named, rule, len(article.plain))
    return dataclasses.replace(tree, self_refs=refs, source_keys=source_units(outer, set(tree.units)))


def self_references(plain: str) -> dict[str, int]:
    """How often the text speaks from inside a unit, by its level word: 我县, 全县, 该县, 本县 →
    {"县": 4}. The level the article reports from is the one it says 我/全/该 of.

    >>> self_references("全县共建驿站。我县还组织培训，全市推广。")
    {'县': 2, '市': 1}
    """
    counts: dict[str, int] = defaultdict(int)
    for m in context_cues()["self_ref"].finditer(plain):
        counts[m.group("level")] += 1
    return dict(counts)


def source_mentions(outer: Iterable[NameMatch], refs: dict[str, int]) -> list[Mention]:
    """The source outlet's unit as a mention, where it is sound and unique and the text says
    我/全/该 of its level (雅安日报 with 全市 → 雅安市)."""
    out = []
    for m in outer:
        sound = sound_candidates(m.candidates)
        if len(sound) == 1 and refs.get(level_word(sound[0].division.name) or "", 0):
            out.append(Mention(NameMatch(m.start, m.end, m.surface, (sound[0],)), LEAD_WEIGHT, line=-2))
    return out


def source_units(outer: Iterable[NameMatch], units: set[Key]) -> frozenset:
    """Keys of the candidate units that the source outlet's names (``find_names`` of it) name:
    a local paper or station (某城日报, 某县融媒体中心) reports on its own place."""
    keys = set()
    for m in outer:
        for c in m.candidates:
            if not c.weak:
                keys.add(c.division.key)
    return frozenset(k for k in units if k in keys)


def output_chain(division: Division, named: set[Key]) -> Key:
    """The key a unit is reported under: a functional zone (开发区, 高新区) the text does not name
    is left out above its towns, as the gold does (徐州经济技术开发区 for 金龙湖街道)."""
    chain = division.chain
    if division.level == 3 and chain[2] and RE_ZONE.search(chain[2]) and chain[:3] not in named:
        return chain[:2] + (None, chain[3])
    return division.key


def parent_key(key: Key) -> Key:
    """The nearest named unit above: (广东省, 东莞市) for (广东省, 东莞市, None, 虎门镇); () at the top."""
    for n in range(len(key) - 1, 0, -1):
        if key[n - 1] is not None:
            return key[:n]
    return ()


def build_tree(picked: list[tuple[Mention, Division, bool]], named: set[Key], rule: Region,
               chars: int) -> CandidateTree:
    weight: dict[Key, float] = defaultdict(float)
    own: dict[Key, list[Mention]] = defaultdict(list)
    below: dict[Key, list[Mention]] = defaultdict(list)
    short: dict[Key, int] = defaultdict(int)
    for mention, division, head in picked:
        key = output_chain(division, named)
        own[key].append(mention)
        short[key] += mention.match.surface != division.name
        node = key
        while node:
            below[node].append(mention)
            if head:
                weight[node] += mention.weight
            node = parent_key(node)
    kids: dict[Key, list[Key]] = defaultdict(list)
    for key in below:
        kids[parent_key(key)].append(key)
    units = {k: Unit(k, weight[k], tuple(own.get(k, ())), tuple(below[k]), short[k]) for k in below}
    return CandidateTree(units, {k: tuple(sorted(v, key=str)) for k, v in kids.items()}, rule, chars)


@dataclass(frozen=True)
class UnitView:
    """One unit of the candidate tree with what its features measure it against."""

    tree: CandidateTree
    key: Key
    unit: Unit
    parent: Key
    siblings: list[float]     # weights of the parent's children, this unit included
    parent_weight: float
    others: list[float]       # the siblings' weights without this unit, heaviest first
    places: list[float]       # where each mention below stands: 0 title … 1 last character
    rule: Key                 # the chain the weight rules alone chose


def unit_view(tree: CandidateTree, key: Key) -> UnitView:
    """Gather once what several features of one unit share (siblings, positions, rule chain)."""
    unit = tree.units[key]
    parent = parent_key(key)
    siblings = [tree.units[k].weight for k in tree.children(parent)]
    parent_weight = tree.units[parent].weight if parent else sum(siblings)
    others = sorted((w for k, w in zip(tree.children(parent), siblings) if k != key), reverse=True)
    places = [mention_place(m, tree.chars) for m in unit.below]
    return UnitView(tree, key, unit, parent, siblings, parent_weight, others, places,
                    tuple(tree.rule.levels().values()))


def mention_place(m: Mention, chars: int) -> float:
    """Relative position of a mention in the body; a title mention counts as the very start."""
    return 0.0 if m.weight == TITLE_WEIGHT else (m.pos / chars if m.pos >= 0 and chars else 0.5)


def share(count: float, total: int) -> float:
    """count / total, 0.0 for no mentions at all (a unit named only through units below it)."""
    return count / total if total else 0.0


def mention_count_features() -> list[tuple[str, Callable[[UnitView], float]]]:
    """Title, lead and body mention counts of the unit itself, of it and the units below it,
    and of those mentions that are not examples in a list (own_title, below_lead, plain_body…)."""
    sets: tuple[tuple[str, Callable[[UnitView], Sequence[Mention]]], ...] = (
        ("own", lambda v: v.unit.own), ("below", lambda v: v.unit.below),
        ("plain", lambda v: [m for m in v.unit.below if not m.example]))
    table: list[tuple[str, Callable[[UnitView], float]]] = []
    for name, pick in sets:
        table += [(f"{name}_title", lambda v, pick=pick: math.log1p(weighing(pick(v), TITLE_WEIGHT))),
                  (f"{name}_lead", lambda v, pick=pick: math.log1p(weighing(pick(v), LEAD_WEIGHT))),
                  (f"{name}_body", lambda v, pick=pick: math.log1p(
                      len(pick(v)) - weighing(pick(v), TITLE_WEIGHT) - weighing(pick(v), LEAD_WEIGHT)))]
    return table


def weighing(mentions: Iterable[Mention], weight: float) -> int:
    """How many mentions carry this weight (title, lead or body)."""
    return sum(m.weight == weight for m in mentions)


def self_ref(v: UnitView) -> float:
    """The text speaks from inside a unit of this level (我县, 全县 for a 县), how often."""
    word, total = level_word(v.key[-1]), sum(v.tree.self_refs.values())
    return math.log1p(v.tree.self_refs.get(word, 0)) if word and total else 0.0


def self_ref_share(v: UnitView) -> float:
    """How much of the text's speaking from inside (我县, 我镇) is at this unit's level."""
    word, total = level_word(v.key[-1]), sum(v.tree.self_refs.values())
    return v.tree.self_refs.get(word, 0) / total if word and total else 0.0


def self_ref_below(v: UnitView) -> float:
    """The text speaks from inside a unit deeper than this one (我镇 under a county's unit)."""
    deeper = LEVEL_WORDS_BELOW.get(len(v.key) - 1, ())
    return math.log1p(sum(v.tree.self_refs.get(w, 0) for w in deeper))


def rule_turns(v: UnitView) -> bool | None:
    """Where the rules reach this unit's parent but not the unit: True when they took a
    sibling, False when they stopped at the parent; None when the question does not arise."""
    if v.rule[:len(v.parent)] == v.parent and v.rule[:len(v.key)] != v.key:
        return any(v.rule[len(v.parent):len(v.key)])
    return None


# What the model weighs for one unit, in the model's order: (feature name, how to compute it).
# A feature that comes out 0 is left out of the unit's features.
UNIT_FEATURES: list[tuple[str, Callable[[UnitView], float]]] = mention_count_features() + [
    ("implied_only", lambda v: float(not v.unit.own)),
    ("example_share", lambda v: sum(m.example for m in v.unit.below) / len(v.unit.below)),
    ("own_example_share", lambda v: share(sum(m.example for m in v.unit.own), len(v.unit.own))),
    ("org", lambda v: math.log1p(sum(m.org for m in v.unit.below))),
    ("own_org", lambda v: float(any(m.org for m in v.unit.own))),
    ("person_share", lambda v: share(sum(m.person for m in v.unit.own), len(v.unit.own))),
    ("outlet", lambda v: float(any(m.outlet for m in v.unit.below))),
    ("institution_share", lambda v: sum(m.institution for m in v.unit.below) / len(v.unit.below)),
    ("quoted_share", lambda v: sum(m.quoted for m in v.unit.below) / len(v.unit.below)),
    ("own_opens_lead", lambda v: float(any(m.opens and m.weight >= LEAD_WEIGHT for m in v.unit.own))),
    ("opens_lead", lambda v: float(any(m.opens and m.weight >= LEAD_WEIGHT for m in v.unit.below))),
    ("opens_body", lambda v: math.log1p(sum(m.opens and m.weight < LEAD_WEIGHT for m in v.unit.below))),
    ("first_at", lambda v: min(v.places)),
    ("closing", lambda v: float(any(p >= CLOSING_AT for p in v.places))),
    ("closing_only", lambda v: float(all(p >= CLOSING_AT for p in v.places))),
    ("weight", lambda v: math.log1p(v.unit.weight)),
    ("share_parent", lambda v: v.unit.weight / v.parent_weight if v.parent_weight else 0.0),
    ("share_siblings", lambda v: v.unit.weight / sum(v.siblings) if sum(v.siblings) else 0.0),
    ("top_sibling", lambda v: float(not v.others or v.unit.weight >= v.others[0])),
    ("margin", lambda v: math.log((v.unit.weight + 0.5) / ((v.others[0] if v.others else 0.0) + 0.5))),
    ("light", lambda v: float(v.unit.weight < MIN_WEIGHT)),   # less than one title or lead mention
    ("named_once_in_body", lambda v: float(len(v.unit.below) == 1 and v.unit.below[0].weight == BODY_WEIGHT)),
    ("siblings", lambda v: math.log1p(len(v.others))),
    ("children", lambda v: math.log1p(len(v.tree.children(v.key)))),
    ("ambiguity", lambda v: math.log1p(min(len(m.match.candidates) for m in v.unit.own)) if v.unit.own else 0.0),
    ("short_only", lambda v: float(bool(v.unit.own) and v.unit.short == len(v.unit.own))),
    ("parentless", lambda v: float(v.key[0] is None)),
    ("zone", lambda v: float(bool(RE_ZONE.search(v.key[-1] or "")))),
    ("same_name_parent", lambda v: float(bool(v.parent) and v.parent[-1] == v.key[-1])),
    ("self_ref", self_ref),
    ("self_ref_share", self_ref_share),
    ("self_ref_below", self_ref_below),
    ("in_source", lambda v: float(v.key in v.tree.source_keys)),
    ("below_source", lambda v: float(any(v.key[:n] in v.tree.source_keys for n in range(1, len(v.key))))),
    ("rule_chain", lambda v: float(v.rule[:len(v.key)] == v.key)),
    ("rule_deeper", lambda v: float(v.rule[:len(v.key)] == v.key and any(v.rule[len(v.key):]))),
    # Where the rules reach this unit's parent: did they take a sibling or stop there?
    ("rule_sibling", lambda v: float(rule_turns(v) is True)),
    ("rule_stops", lambda v: float(rule_turns(v) is False)),
]


def unit_features(tree: CandidateTree, key: Key) -> dict[str, float]:
    """What the model weighs for one unit: where and how often it is named (itself and through
    units below it), in what context, against its siblings, and whether the rules chose it.

    Each nonzero feature of ``UNIT_FEATURES`` comes twice: plain and tied to the unit's level
    (``margin`` and ``L2:margin`` for a county), with ``L2`` itself marking the level.
    """
    view = unit_view(tree, key)
    level = len(key) - 1
    out = {f"L{level}": 1.0}
    for name, feature in UNIT_FEATURES:
        value = feature(view)
        if value:
            out[name] = value
            out[f"L{level}:{name}"] = value
    return out


# Level words below each level of a unit (0 province … 3 town): 我镇 under a county's unit says
# the article reports from deeper down.
LEVEL_WORDS_BELOW = {0: ("市", "州", "盟", "县", "区", "旗", "镇", "乡", "街道"),
                     1: ("县", "区", "旗", "镇", "乡", "街道"), 2: ("镇", "乡", "街道"), 3: ()}


def level_word(name: str | None) -> str | None:
    """The level word of a unit's name as 我/全/该 would take it: 街道, or the last character
    (长沙县 → 县, 广西壮族自治区 → 区)."""
    if not name:
        return None
    return "街道" if name.endswith("街道") else name[-1]


@dataclass(frozen=True)
class RegionModel:
    """Probability that a unit lies on the article's chain, and the least probability to go
    one level deeper (per level of the unit: province, city, county, town)."""

    model: LinearModel
    thresholds: tuple[float, float, float, float]

    def probability(self, features: dict[str, float]) -> float:
        return self.model.proba(features)["1"]


@functools.lru_cache(maxsize=1)
def region_model() -> RegionModel | None:
    """The model shipped in ``data/region_model.json`` (``scripts/train_region.py``); None if absent."""
    if not MODEL.exists():
        return None
    obj = json.loads(MODEL.read_text(encoding="utf-8"))
    return RegionModel(LinearModel.from_json(obj), tuple(obj["thresholds"]))


def decode(tree: CandidateTree, model: RegionModel) -> Region:
    """From the top, the likeliest child of the unit reached, while it clears its level's threshold."""
    chain: list[str | None] = [None, None, None, None]
    node: Key = ()
    confidence, evidence = 1.0, []
    rule = tuple(tree.rule.levels().values())
    while tree.children(node):
        probability = {k: model.probability(tree.features(k)) for k in tree.children(node)}
        level_now = len(node)
        if level_now < RULE_LEVELS and rule[level_now] and rule[:level_now + 1] in probability:
            # The weight rules commit to this level (a province carrying the title or lead,
            # heavier than its siblings): under cross-validation they are right more often
            # than the model here, which would also trade it for an unplaced town.
            best = rule[:level_now + 1]
            evidence.append(f"rule: {LEVEL_NAMES[len(best) - 1]} {best[-1]} (model p={probability[best]:.2f})")
            confidence = min(confidence, probability[best])
            for i in range(len(node), len(best)):
                chain[i] = best[i]
            node = best
            continue
        if not node:
            # A town the article does not place (城关镇 ×99) is the answer only when no province
            # is: it never outranks a placed chain, which gets more levels right.
            placed = {k: p for k, p in probability.items() if k[0] is not None}
            if placed and max(placed.values()) >= model.thresholds[0]:
                probability = placed
        best = min(probability, key=lambda k: (-probability[k], str(k)))
        p = probability[best]
        level = len(best) - 1
        why = describe(tree.units[best])
        if p < model.thresholds[level]:
            confidence = min(confidence, 1.0 - p)
            evidence.append(f"model: stop above {LEVEL_NAMES[level]} {best[-1]} (p={p:.2f}; {why})")
            break
        confidence = min(confidence, p)
        evidence.append(f"model: {LEVEL_NAMES[level]} {best[-1]} (p={p:.2f}; {why})")
        for i in range(len(node), len(best)):
            chain[i] = best[i]
        node = best
    if chain[2] is not None and chain[3] is None:
        # A town the gazetteer cannot place (renamed, or under another county of the same
        # name) but named as the article's own: the gold puts it under the county reached.
        towns = {k: model.probability(tree.features(k)) for k in tree.children(()) if k[0] is None}
        if towns:
            best = min(towns, key=lambda k: (-towns[k], str(k)))
            if towns[best] >= model.thresholds[3]:
                chain[3] = best[3]
                confidence = min(confidence, towns[best])
                evidence.append(f"model: town {best[3]} under the county reached (p={towns[best]:.2f})")
    if not tree.units:
        evidence.append("model: the text names no place")
    if tuple(chain) != rule:
        evidence.append(f"rule: weights alone give {'/'.join(n or '-' for n in rule)}")
    return Region(*chain, confidence=round(confidence, 3), evidence=tuple(evidence))


def describe(unit: Unit) -> str:
    """Why a unit scored as it did, for the evidence trace: 'named 2x, title 1, lead 1, body 0'."""
    title = sum(m.weight == TITLE_WEIGHT for m in unit.below)
    lead = sum(m.weight == LEAD_WEIGHT for m in unit.below)
    example = sum(m.example for m in unit.below)
    parts = [f"named {len(unit.own)}x" if unit.own else "implied by units below",
             f"title {title}, lead {lead}, body {len(unit.below) - title - lead}"]
    if example:
        parts.append(f"{example} as an example")
    return ", ".join(parts)


Line = tuple[int, int, str, float | None]   # (line number, offset, text, fixed weight)


def find_mentions(article: Article) -> Iterable[Mention]:
    """Place names in the title and body with their weights and contexts; list lines are skipped.

    Mentions carry their line (-1 for the title) so that a chain written out in one go
    (吉林省通化市柳河县) can count once, as its deepest unit.
    """
    found = [(line, line_names(line[2])) for line in mention_lines(article)]
    towns = unknown_towns((text, matches) for (_, _, text, _), matches in found)
    cues = context_cues()
    in_lead = True
    for (number, offset, text, weight), matches in found:
        matches = with_unknown_towns(text, matches, towns)
        if not is_place_list(text, matches):
            yield from line_mentions(text, matches, number, offset, weight, in_lead, cues)
        if weight is None and len(text.strip()) >= LEAD_MIN_CHARS:
            in_lead = False


def mention_lines(article: Article) -> list[Line]:
    """The lines to read names in: the printed title (fixed weight) first, then every body line."""
    lines: list[Line] = []
    # A title made from the lead sentence (title_origin "lead") is body text, already read
    # below as the lead: only a printed headline weighs as a title.
    if article.title and article.title_origin != "lead":
        lines.append((-1, -1, simplify(article.title), TITLE_WEIGHT))
    lines.extend((i, m.start(), m.group(), None) for i, m in enumerate(RE_LINE.finditer(article.plain)))
    return lines


def line_names(text: str) -> list[NameMatch]:
    """The gazetteer's names in one line, less quoted aliases and named things (某县路), with
    神木镇 read as a town of 神木市."""
    return [town_of_county_name(text, drop_named_things(text, drop_quoted_aliases(text, m)))
            for m in find_names(text)]


def with_unknown_towns(text: str, matches: list[NameMatch],
                       towns: dict[str, tuple[Candidate, ...]]) -> list[NameMatch]:
    """A line's names with the unknown towns added, in text order."""
    extra = list(find_unknown_towns(text, matches, towns))
    # 造甲镇 written in full outranks the gazetteer's 造甲 (for its older 造甲乡) inside it.
    matches = [m for m in matches if not any(e.start < m.end and m.start < e.end for e in extra)]
    return sorted(matches + extra, key=lambda m: m.start)


def line_mentions(text: str, matches: list[NameMatch], number: int, offset: int, weight: float | None,
                  in_lead: bool, cues: dict[str, re.Pattern]) -> Iterable[Mention]:
    """The mentions of one line that is not a list of places; names of a sender's origin
    (来源：某县) or without a candidate are skipped."""
    chained_example, last_end = False, -1
    for m in matches:
        before = text[max(0, m.start - CONTEXT_CHARS):m.start]
        if not m.candidates or cues["origin_before"].search(before):
            continue
        after = text[m.end:m.end + CONTEXT_CHARS]
        w, pos = mention_weight(m, offset, weight, in_lead)
        sentence = sentence_start(text, m.start)
        # 例如长沙市天心区: the whole chain written in one go is the example.
        example = bool(chained_example and m.start == last_end or written_as_example(before, after, cues))
        chained_example, last_end = example, m.end
        near = text[max(0, m.start - CONTEXT_CHARS):m.end + CONTEXT_CHARS]
        yield Mention(m, w, number, pos, example=example, org=bool(cues["org_after"].match(after)),
                      opens=m.start - sentence <= SUBJECT_CHARS, person=looks_like_person(m, before, after, cues),
                      outlet=bool(cues["outlet_near"].search(near)),
                      institution=bool(cues["institution_after"].match(after)),
                      quoted=is_quoted(text, sentence, m.start))


def mention_weight(m: NameMatch, offset: int, weight: float | None, in_lead: bool) -> tuple[float, int]:
    """(weight, offset in the body) of a name: the title's fixed weight (offset -1), else lead
    or body weight by where it stands."""
    if weight is not None:
        return weight, -1
    lead = in_lead and m.start < LEAD_MAX_CHARS
    return (LEAD_WEIGHT if lead else BODY_WEIGHT), offset + m.start


def sentence_start(text: str, pos: int) -> int:
    """Start of the sentence that holds ``pos`` within its line."""
    return max(text.rfind(c, 0, pos) for c in SENTENCE_ENDS) + 1


def written_as_example(before: str, after: str, cues: dict[str, re.Pattern]) -> bool:
    """An example or a destination: 例如某县, 某县等地, 学习某县经验."""
    return bool(cues["example_before"].search(before) or cues["example_after"].match(after))


def looks_like_person(m: NameMatch, before: str, after: str, cues: dict[str, re.Pattern]) -> bool:
    """A short form only (no full name) that reads as part of a person's name: 书记李建华, 华同志."""
    short = all(c.alias for c in m.candidates)
    return short and bool(cues["person_before"].search(before) or cues["person_after"].match(after)
                          or (before and before[-1] in cues["surname"].pattern))


def is_quoted(text: str, sentence: int, pos: int) -> bool:
    """Inside quotes or title marks opened earlier in the sentence: a slogan's or a book's words."""
    return any(text.rfind(o, sentence, pos) > text.rfind(c, sentence, pos) for o, c in QUOTES.items() if o != c)


@functools.lru_cache(maxsize=1)
def context_cues() -> dict[str, re.Pattern]:
    """The cue words of ``data/region_cues.tsv`` compiled per kind: ``*_before`` patterns end
    right before the name (a comma or 在 may come between: 例如，在某镇), ``*_after`` ones start
    right after it (a few characters may come before 经验: 某县的好经验)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(CUES):
        by_kind[row["kind"]].append(re.escape(row["cue"]))
    alt = {k: "|".join(sorted(v, key=len, reverse=True)) for k, v in by_kind.items()}
    return {
        "example_before": re.compile(f"(?:{alt['example_before']})[，,：:]?(?:在|是|到)?$"),
        "example_after": re.compile(f"(?:[^，。；、,;]{{0,3}}?)(?:{alt['example_after']})"),
        "org_after": re.compile(f"(?:{alt['org_after']})"),
        "origin_before": re.compile(f"(?:{alt['origin_before']})$"),
        # 队长李建华: a surname may stand between the title and the given name read as a place.
        "person_before": re.compile(f"(?:{alt['person_before']})[\u4e00-\u9fff]?$"),
        "person_after": re.compile(f"(?:{alt['person_after']})"),
        "surname": re.compile("[" + "".join(by_kind["surname"]) + "]"),
        "outlet_near": re.compile(f"(?:{alt['outlet_near']})"),
        "institution_after": re.compile(f"(?:{alt['institution_after']})"),
        "self_ref": re.compile(f"(?:{alt['self_before']})(?P<level>{alt['self_level']})"),
    }


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


def disambiguate(mentions: list[Mention], outer: Iterable[NameMatch] = ()) -> list[tuple[Mention, Division]]:
    """Each mention resolved to one unit, or dropped when the article does not settle it.

    ``outer``: names the article's metadata carries (its source outlet, 某城日报): they place
    ambiguous names (宋家镇 ×4) like the text's own anchors do, but are no mentions."""
    anchors: set[Key] = set()
    for match in [m.match for m in mentions] + list(outer):
        sound = sound_candidates(match.candidates)
        # A county's or town's short form is too easily part of another word to anchor others.
        if len(sound) == 1 and (not sound[0].alias or sound[0].division.level <= 1):
            division = sound[0].division
            anchors.add(division.key)
            anchors.update(division.ancestors())
    picked = [(mention, pick(mention.match.candidates, anchors) or parentless_town(mention.match))
              for mention in mentions]
    return [(mention, division) for mention, division in picked if division is not None]


def chain_heads(picked: list[tuple[Mention, Division]]) -> list[bool]:
    """False for a name that only leads the next one in a chain written out in the body:
    吉林省通化市柳河县 is one mention of 柳河县 (one site among others), its ancestors counted
    through it. In the title and lead a chain states where the article is, and each name counts."""
    heads = []
    for (mention, division), following in zip(picked, picked[1:] + [(None, None)]):
        next_mention, next_division = following
        heads.append(not (next_mention is not None and mention.weight <= BODY_WEIGHT
                          and next_mention.line == mention.line and next_mention.match.start == mention.match.end
                          and division.key in next_division.ancestors()))
    return heads


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
