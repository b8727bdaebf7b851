"""Practices (一是…二是…, （一）…, run-in headings) and named methods (“三个不放松”).

Contracts: ``extract_practices(doc) -> list[Practice]`` and ``find_named_methods(doc) ->
list[NamedMethod]``, ``doc`` an ``extract.document.Document`` (an Article is built into one);
offsets index ``article.text`` (matching runs on the simplified form, so titles and names come
out simplified).

The hand rules below find heading candidates and give each a verdict (``practice_candidates``,
``VERDICTS``); the practice model (``extract.practice_model``, weights learnt from the annotated
articles) makes the decision from those verdicts and the candidates' shape, and gives every
Practice its ``confidence`` and ``evidence``.

How the rules find practices (conventions in ``shared/corpus/README.md``, "Practices and themes"):

1. Every heading candidate gets a rank, outermost first: a standalone heading line, ``一、``,
   ``（一）``, a run-in heading opening a paragraph (``加强组织领导。``), ``1.``/``（1）``,
   ``一是``/``第一，``, and run-in headings inside a paragraph that opened with one.
2. An item reaches up to the next heading of the same or an outer rank. An item that holds
   deeper headings only groups them and is not a practice; the others, when they have a body
   of their own, are practices.
3. Unmarked run-in headings and heading lines are the risky part (news prose has short
   sentences too), so they must look like headings: short, no quotes of speech or narration
   cues, and either opening with a heading verb, coming in parallel pairs, glossed after a
   dash (选优派强——精兵强将沉一线) or standing right under a 工作做法 line.
4. Parallel lead clauses (以“联合+精准”,…;以“速度+服务”,…;…) are items when three or more
   chain from a sentence start.
5. Items inside a section on the situation (一、基本情况, …现状) describe it: verdict ``state``.

Named methods are quoted names judged by shape and frame (``practice_method_cues.tsv``):
numbered (“三个不放松”), lists (“请进来、走出去”), followed by 工作法/机制/品牌/工程…, or led by
打造/实施/探索… (after 服务/活动/平台…, which follow almost any quoted phrase, a lead verb is needed
too); national formulas, apps, teams, venues and people are left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from corpus.article import Article
from corpus.markers import marker_level, shape_regex
from extract.analysis import NamedMethod, Practice
from extract.document import (MASK, RE_WRAP_SPACE, Document, Item, as_document, ends_mid_clause)
from extract.numbers import CN_ITEM_NUMERALS, read_tsv

DATA_DIR = Path(__file__).parent / "data"
CUES_TSV = "practice_cues.tsv"
PATTERNS_TSV = "practice_patterns.tsv"
METHOD_CUES_TSV = "practice_method_cues.tsv"

# Ranks, outermost first. Gaps leave room; only the order matters.
# Marked items take the level of their row in corpus/data/item_markers.tsv (一、 10, （一） 20,
# 【…】 25, 1. 40, （1） 45, 一是 50, ① 55); unmarked headings slot in between.
RANK_LINE = 0        # standalone heading line: 支部领办 擦亮特色品牌
RANK_BRACKET = marker_level("bracket")   # 【离休干部管理】 opening a line (yearbook style)
RANK_OPENER = 30     # run-in heading opening a paragraph: 加强组织领导。
RANK_DIGIT = marker_level("digit")       # 1. 1、 1．
RANK_IS = marker_level("is")             # 一是 / 第一， / 其一，
RANK_INNER = 60      # run-in heading inside a paragraph opened by one: 党建学习深入化。
BODY_MARKERS = frozenset({"circled"})
# Items written run-in (inside their paragraph) stop at the paragraph's end.
RUN_IN_KINDS = frozenset({"is", "ordinal", "circled", "opener", "inner", "dash", "lead"})

NUM = f"[{CN_ITEM_NUMERALS}]"   # one numeral of an item marker
MAX_HEADING = 26     # a run-in heading longer than this is prose
MAX_LINE_HEADING = 30      # two phrases: 深化“组织+”联建,打造城乡治理新样板
MAX_LINE_PHRASE = 20       # one phrase; longer single-phrase lines are mostly photo captions
MIN_BODY_PARAGRAPH = 40  # a paragraph this long is body text, not a heading or furniture
MAX_TITLE = 30

# 【…】 opening a line is a heading when a body follows; 【打印】【关闭】 furniture has none.
RE_BRACKET = shape_regex("bracket", r"^[ \u3000]*", re.M)
RE_SENTENCE = re.compile(r"[^。！!？?\n]*(?:[。！!？?]|$)")
RE_COMMA = re.compile(r"[，,]")
RE_SENTENCE_END = re.compile(r"[。！!？?；;]")
RE_TRIM = re.compile(r"^[\s\u3000，,、：:。；;.．]+|[\s\u3000，,、：:。；;.．]+$")
RE_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
RE_CLAUSE_MARK = re.compile(r"[，,。；;]")
RE_HAN = re.compile(r"[\u3400-\u9fff]")
RE_PHRASE_BREAK = re.compile(r"[，,\s\u3000]")
RE_OPEN_QUOTE = re.compile(r"^[“\"']")
# Parallel lead clauses in one paragraph, each naming its practice in quotes:
# 以“联合+精准”,成立…;以“速度+服务”,对…;以“网格+关爱”,…  The first opens a sentence, the
# others follow a semicolon; three or more make a list (one or two are prose).
RE_LEAD_CLAUSE = shape_regex("lead", r"(?:^|(?<=[。；;！!]))", re.M)
MIN_LEAD_CLAUSES = 3
# A run-in heading naming a thing and glossing it after a dash: 一张表——小区服务需求清单。
RE_DASH_HEADING = shape_regex("dash")


@dataclass(frozen=True, slots=True)
class Cues:
    verbs: tuple[str, ...]
    sections: tuple[str, ...]
    narrative: tuple[str, ...]
    openers: tuple[str, ...]
    practice_sections: tuple[str, ...]
    descriptive: tuple[str, ...] = ()   # a title that describes a state, not an action: …情况
    news: tuple[str, ...] = ()          # an article written as news: 记者, 通讯员
    study: tuple[str, ...] = ()         # an article written as a study: 调研, 对策
    demand: tuple[str, ...] = ()        # a title that demands rather than reports: 要加强学习
    state: tuple[str, ...] = ()         # a section on the situation, holding no practices: 基本情况


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading candidate: ``start`` is where its marker starts, the title is plain[head_start:head_end]."""

    start: int
    head_start: int
    head_end: int
    rank: int
    number: int = 0      # position in its enumeration (0 for unmarked headings)
    kind: str = ""


def load_patterns() -> dict[str, re.Pattern[str]]:
    """The heading-shape rules of ``practice_patterns.tsv`` (name, pattern, example), compiled.

    Read as plain tab-separated lines: patterns hold quote characters that a CSV reader would eat.
    """
    with open(DATA_DIR / PATTERNS_TSV, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return {name: re.compile(pattern) for name, pattern, _example in rows}


PATTERNS = load_patterns()
# A photo caption: 志愿者为老人测量血压。某某 摄
RE_CAPTION = PATTERNS["caption"]
# A table of contents line has a dot leader (……… or …… 3); a body ellipsis (……) is prose.
RE_DOT_LEADER = PATTERNS["dot_leader"]
# Lines that are page furniture, not headings: dates, links, file names, bracketed tags.
RE_NOT_HEADING = PATTERNS["not_heading"]
RE_SPACED_PHRASES = PATTERNS["spaced_phrases"]
# “网格+”创新基层治理模式, “网格+警格联动”,强化…: the verb follows the name
RE_LEAD_QUOTE = PATTERNS["lead_quote"]
# Parallel phrases make a heading even without a heading verb: 党建引领,做实做细服务清单;
# three need to be short (建班子,定制度,夯实基础), or it is a clause list of prose.
RE_PARALLEL = PATTERNS["parallel"]
RE_SHORT_PHRASES = PATTERNS["short_phrases"]
RE_HEAD_COLON = PATTERNS["head_colon"]
# A heading flattened into a paragraph whose line breaks became spaces: after a sentence end,
# one or two short unpunctuated phrases, then a space or line end before the body
# (…矛盾得到化解。 多方联动 邻里互助暖人心 老王是…).
RE_FLAT_HEADING = PATTERNS["flat_heading"]


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """The cue words of ``practice_cues.tsv`` by role."""
    names = ("verb", "section", "narrative", "opener", "practice_section", "descriptive", "news", "study", "demand",
             "state")
    roles: dict[str, list[str]] = {r: [] for r in names}
    for row in read_tsv(CUES_TSV):
        roles[row["role"]].append(row["cue"])
    return Cues(*(tuple(roles[r]) for r in names))


def paragraphs(plain: str) -> list[tuple[int, int]]:
    """[start, end) of each non-empty line."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", plain) if m.group().strip()]


def looks_like_heading(s: str, cues: Cues, limit: int = MAX_HEADING) -> bool:
    """A short phrase written as a heading: 聚焦组织设置,提升支部向心力 yes, 老党员王某是其中一员 no."""
    s = RE_TRIM.sub("", s)
    if not 3 <= len(s) <= limit or not RE_HAS_HAN.search(s):
        return False
    if RE_NOT_HEADING.search(s):
        return False
    if s.count("“") != s.count("”"):   # a cut-off quotation: “莫道桑榆晚,为霞尚满天。
        return False
    if RE_OPEN_QUOTE.match(s) and s.count("“") == 1 and s.endswith("”"):
        return False                   # a whole quoted sentence
    if len(RE_COMMA.findall(s)) > 1 and not RE_SHORT_PHRASES.fullmatch(s):
        return False
    if any(c in s for c in cues.narrative) or s.startswith(cues.openers):
        return False
    return not any(c in s for c in cues.sections)


def is_body(text: str, min_len: int = MIN_BODY_PARAGRAPH) -> bool:
    """A paragraph of running Chinese text (not a heading, a script line or a link list)."""
    return (len(text) >= min_len and len(RE_HAN.findall(text)) * 2 >= len(text)
            and RE_CLAUSE_MARK.search(text) is not None and "|" not in text)


def is_heading_line(text: str, cues: Cues) -> bool:
    """A heading on a line of its own: 支部领办 擦亮特色品牌, not 向某村党支部书记移交道路修缮帮扶资金."""
    limit = MAX_LINE_HEADING if RE_PHRASE_BREAK.search(text.strip()) else MAX_LINE_PHRASE
    return looks_like_heading(text, cues, limit) and not is_caption(text)


def is_caption(text: str) -> bool:
    """A short photo caption line: 志愿者为老人测量血压。某某 摄."""
    return len(text) < 2 * MIN_BODY_PARAGRAPH and RE_CAPTION.search(text) is not None


def first_sentence(plain: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) of the first sentence of plain[start:end], terminator excluded."""
    m = RE_SENTENCE.match(plain, start, end)
    stop = m.end() if m else end
    if stop > start and plain[stop - 1] in "。！!？?":
        stop -= 1
    return start, stop


def bracket_headings(plain: str, cues: Cues) -> list[Heading]:
    """【离休干部管理】 2014年,全县… → a heading whose body runs on the same or the next line."""
    found = []
    for m in RE_BRACKET.finditer(plain):
        line_end = plain.find("\n", m.end())
        line_end = len(plain) if line_end < 0 else line_end
        rest = plain[m.end():line_end].strip()
        next_end = plain.find("\n", line_end + 1)
        nxt = plain[line_end + 1:next_end if next_end >= 0 else len(plain)]
        if looks_like_heading(m.group("head"), cues) and (is_body(rest, MIN_BODY_PARAGRAPH // 2)
                                                         or (not rest and is_body(nxt, MIN_BODY_PARAGRAPH // 2))):
            found.append(Heading(m.start(), m.start("head"), m.end("head"), RANK_BRACKET, kind="bracket"))
    return found


@dataclass(slots=True)
class RunInCandidates:
    """Unmarked heading candidates of one article, by shape, before any acceptance rule."""

    openers: list[tuple[int, Heading]] = field(default_factory=list)   # (paragraph, heading)
    lines: list[tuple[int, Heading]] = field(default_factory=list)     # (paragraph, heading)
    dashes: list[Heading] = field(default_factory=list)                # dash glosses, lead clauses


def run_in_headings(plain: str, paras: list[tuple[int, int]], marked: list[Heading],
                    cues: Cues, wrapped: bool, loose: bool = False) -> list[Heading]:
    """Unmarked headings: heading lines, paragraph-opening and inner run-in headings.

    ``loose``: every candidate the shapes allow, before the acceptance rules (pairs, heading
    verbs, captions, a body seen before); the practice model judges them.
    """
    found = run_in_candidates(plain, paras, marked, cues, wrapped, loose)
    if loose:
        return loose_headings(plain, paras, marked, found.openers, found.lines, found.dashes, cues)
    kept = accept_openers(found.openers, plain, paras, cues)
    headings = [h for _, h in kept]
    headings += drop_captions([h for _, h in accept(found.lines, plain, cues)], plain, cues)
    line_paras = {i for i, _ in found.lines}
    headings = join_subtitles(drop_subtitle_lines(headings, line_paras, paras), line_paras, paras)
    headings += inner_headings_of(plain, paras, {i for i, _ in kept} - marked_paragraphs(paras, marked), cues)
    return headings + unclaimed(found.dashes, headings + marked)


def run_in_candidates(plain: str, paras: list[tuple[int, int]], marked: list[Heading],
                      cues: Cues, wrapped: bool, loose: bool) -> RunInCandidates:
    """Walk the paragraphs once, collecting every unmarked heading shape in reading order."""
    starts_marked = paragraphs_opened_by(paras, marked)
    found = RunInCandidates()
    seen_body = False   # heading lines count only below some body text (not in the page header)
    for i, (s, e) in enumerate(paras):
        if i in starts_marked:   # （一）加强组织领导。…: the marker already made the heading
            seen_body = True
            continue
        head = paragraph_heading(plain, paras, i, cues, seen_body, loose)
        if head is not None:
            (found.openers if head.kind == "opener" else found.lines).append((i, head))
        if not wrapped:
            found.lines += [(i, h) for h in flat_headings(plain, paras, i, cues)]
        found.dashes += dash_headings(plain, (s, e)) + lead_clauses(plain, (s, e))
        seen_body = seen_body or is_body(plain[s:e])
    return found


def paragraphs_opened_by(paras: list[tuple[int, int]], marked: list[Heading]) -> set[int]:
    """Paragraphs that open with a marked heading (（一）加强组织领导。…): no run-in heading opens them."""
    return {i for i, (s, e) in enumerate(paras) for h in marked if h.start == s}


def marked_paragraphs(paras: list[tuple[int, int]], marked: list[Heading]) -> set[int]:
    """Paragraphs holding a marked heading anywhere (…。一是…二是…): their sentences are items already."""
    return {i for i, (s, e) in enumerate(paras) for h in marked if s <= h.start < e}


def paragraph_heading(plain: str, paras: list[tuple[int, int]], i: int, cues: Cues,
                      seen_body: bool, loose: bool) -> Heading | None:
    """The unmarked heading opening paragraph ``i``, if any: a run-in opener when the paragraph
    goes on after it (加强组织领导。坚持…), else the whole paragraph as a heading line."""
    s, e = paras[i]
    hs, he = paragraph_head(plain, s, e, cues)
    rest = plain[he + 1:e].strip() if he < e else ""
    if rest:
        opens = is_opener(plain, paras[i], (hs, he), rest, cues)
        return Heading(s, hs, he, RANK_OPENER, kind="opener") if opens else None
    if is_line_candidate(plain, paras, i, cues, seen_body, loose):
        return Heading(s, s, e, RANK_LINE, kind="line")
    return None


def paragraph_head(plain: str, s: int, e: int, cues: Cues) -> tuple[int, int]:
    """[start, end) of a paragraph's would-be run-in heading: its first sentence, cut at a colon
    when the sentence is too long to be a heading (加强组织领导：坚持每年召开…)."""
    hs, he = first_sentence(plain, s, e)
    colon = RE_HEAD_COLON.match(plain, s, he)
    if colon and not looks_like_heading(plain[hs:he], cues):
        he = colon.end(1)
    return hs, he


def is_opener(plain: str, para: tuple[int, int], head: tuple[int, int], rest: str, cues: Cues) -> bool:
    """A first sentence reading as a heading, followed by Chinese text that does not repeat it
    and is not a photo caption: 加强组织领导。坚持每年召开…"""
    title = plain[head[0]:head[1]]
    return (looks_like_heading(title, cues) and RE_HAS_HAN.search(rest) is not None
            and RE_TRIM.sub("", title) not in rest and not is_caption(plain[para[0]:para[1]]))


def is_line_candidate(plain: str, paras: list[tuple[int, int]], i: int, cues: Cues,
                      seen_body: bool, loose: bool) -> bool:
    """A paragraph that is a heading line (支部领办 擦亮特色品牌) with its body below it, not an
    image's alt text repeated as its caption."""
    text = plain[paras[i][0]:paras[i][1]]
    return (((seen_body and is_heading_line(text, cues)) or (loose and is_loose_line(text)))
            and not is_repeated(plain, paras, i) and has_body_below(plain, paras, i, cues))


def has_body_below(plain: str, paras: list[tuple[int, int]], i: int, cues: Cues) -> bool:
    """The body follows line ``i``, maybe after a subtitle line (汇聚“夕阳红” / 从“看客”到…的转变)."""
    nxt = [plain[a:b] for a, b in paras[i + 1:i + 3]]
    short = MIN_BODY_PARAGRAPH // 2
    return bool(nxt) and is_body(nxt[0], short) or (
        len(nxt) == 2 and is_subtitle(nxt[0], cues) and is_body(nxt[1], short))


def accept_openers(openers: list[tuple[int, Heading]], plain: str, paras: list[tuple[int, int]],
                   cues: Cues) -> list[tuple[int, Heading]]:
    """Openers that count: those ``accept`` takes, then lone ones vouched for by their context."""
    kept = accept(openers, plain, cues)
    # A lone opener without a heading verb still counts when run-in headings follow it
    # inside its paragraph (与涉老组织活动相融合。组建法制宣讲团,…。…打造…,…。…).
    kept += [(i, h) for i, h in openers if (i, h) not in kept and inner_headings(plain, paras[i], cues)]
    # A lone opener right under a line announcing the practices (工作做法, 主要举措) is one.
    kept += [(i, h) for i, h in openers if (i, h) not in kept and under_practice_section(plain, paras, i, cues)]
    return kept


def under_practice_section(plain: str, paras: list[tuple[int, int]], i: int, cues: Cues) -> bool:
    """Paragraph ``i`` comes right after a line announcing the practices (工作做法, 主要举措)."""
    return i > 0 and is_practice_section(plain[paras[i - 1][0]:paras[i - 1][1]], cues)


def drop_subtitle_lines(headings: list[Heading], line_paras: set[int],
                        paras: list[tuple[int, int]]) -> list[Heading]:
    """A heading line right under another is its subtitle (汇聚“夕阳红” / 从“看客”到…), not a heading."""
    under = {paras[i + 1][0] for i in line_paras if i + 1 in line_paras}
    return [h for h in headings if not (h.kind == "line" and h.start in under)]


def join_subtitles(headings: list[Heading], line_paras: set[int],
                   paras: list[tuple[int, int]]) -> list[Heading]:
    """A subtitle line that reads as a heading itself (no figures) belongs to the title above:
    汇聚“夕阳红” / 从“看客”到“帮手”的转变 is one title."""
    para_of = {s: i for i, (s, _) in enumerate(paras)}
    return [replace(h, head_end=paras[para_of[h.start] + 1][1])
            if h.kind == "line" and para_of.get(h.start, -2) + 1 in line_paras else h
            for h in headings]


def inner_headings_of(plain: str, paras: list[tuple[int, int]], indices: set[int], cues: Cues) -> list[Heading]:
    """Run-in headings inside the paragraphs ``indices`` (those opened by a kept run-in heading)."""
    return [h for i in sorted(indices) for h in inner_headings(plain, paras[i], cues)]


def unclaimed(dashes: list[Heading], headings: list[Heading]) -> list[Heading]:
    """Dash and lead-clause headings whose title was not already found as another heading."""
    taken = {h.head_start for h in headings}
    return [h for h in dashes if h.head_start not in taken]


def loose_headings(plain: str, paras: list[tuple[int, int]], marked: list[Heading],
                   openers: list[tuple[int, Heading]], lines: list[tuple[int, Heading]],
                   dashes: list[Heading], cues: Cues) -> list[Heading]:
    """Every run-in heading and heading line found, none turned down (see ``run_in_headings``)."""
    marked_paras = {i for i, (s, e) in enumerate(paras) for h in marked if s <= h.start < e}
    headings = [h for _, h in openers] + [h for _, h in lines]
    for i in sorted({i for i, _ in openers} - marked_paras):
        headings += inner_headings(plain, paras[i], cues)
    taken = {h.head_start for h in headings} | {h.head_start for h in marked}
    return headings + [h for h in dashes if h.head_start not in taken]


def is_loose_line(text: str) -> bool:
    """A short line that could be a heading: no sentence inside, not a caption or a link."""
    text = RE_TRIM.sub("", text)
    return (3 <= len(text) <= MAX_LINE_HEADING and RE_HAS_HAN.search(text) is not None
            and not RE_SENTENCE_END.search(text) and not is_caption(text)
            and not RE_NOT_HEADING.search(text))


def is_practice_section(text: str, cues: Cues) -> bool:
    """A short line that announces the practices: 工作做法, 二、主要举措 (not 主要做法的启示)."""
    text = RE_TRIM.sub("", text)
    return len(text) <= 10 and text.endswith(cues.practice_sections)


def is_repeated(plain: str, paras: list[tuple[int, int]], index: int) -> bool:
    """A line printed twice in a row is an image's alt text and caption, not a heading."""
    text = plain[paras[index][0]:paras[index][1]].strip()
    return any(0 <= j < len(paras) and plain[paras[j][0]:paras[j][1]].strip() == text
               for j in (index - 1, index + 1))


def is_subtitle(text: str, cues: Cues) -> bool:
    """A second heading line, possibly with figures: 8个乡镇、35个村建立了老年协会."""
    text = text.strip()
    return (is_heading_line(text, cues) or (
        3 <= len(text) <= MAX_LINE_HEADING and not RE_SENTENCE_END.search(text)
        and not RE_COMMA.search(text) and not is_caption(text)))


def flat_headings(plain: str, paras: list[tuple[int, int]], index: int, cues: Cues) -> list[Heading]:
    """Heading lines whose line breaks became spaces, inside a paragraph after a sentence end:
    …矛盾最终得到化解。 多方联动 邻里互助暖人心 老王是…  The body follows in the same
    paragraph or, when the heading closes it, on the next line."""
    s, e = paras[index]
    found = []
    for m in RE_FLAT_HEADING.finditer(plain, s, e):
        head = m.group("head")
        rest = plain[m.end("head"):e].strip()
        if not rest and index + 1 < len(paras):
            rest = plain[paras[index + 1][0]:paras[index + 1][1]]
        if is_heading_line(head, cues) and is_body(rest, MIN_BODY_PARAGRAPH // 2):
            found.append(Heading(m.start("head"), m.start("head"), m.end("head"), RANK_LINE, kind="line"))
    return found


def dash_headings(plain: str, para: tuple[int, int]) -> list[Heading]:
    """Run-in headings shaped as a name glossed after a dash, with a body after them in the
    paragraph: 一张表——小区服务需求清单。针对…  The shape alone marks them (prose puts a dash
    inside a longer clause)."""
    s, e = para
    found = []
    for m in RE_SENTENCE.finditer(plain, s, e):
        if m.start() == m.end():
            break
        hs, he = first_sentence(plain, m.start(), m.end())
        if (RE_DASH_HEADING.fullmatch(plain, hs, he) and plain[he:he + 1] in ("。", "！", "!")
                and is_body(plain[m.end():e], MIN_BODY_PARAGRAPH // 2)):
            found.append(Heading(hs, hs, he, RANK_INNER, kind="dash"))
    return found


def lead_clauses(plain: str, para: tuple[int, int]) -> list[Heading]:
    """Parallel lead clauses of one paragraph: 以“联合+精准”,成立…;以“速度+服务”,对…;以“网格+关爱”,…

    A run counts when it opens a sentence and goes on clause after clause (semicolons), each
    with the same lead word; 坚持以“银龄夯基”,…;以“银能引航”,… does not open with one.
    """
    s, e = para
    runs: list[list[re.Match]] = []
    for m in RE_LEAD_CLAUSE.finditer(plain, s, e):
        prev = plain[m.start() - 1] if m.start() > s else "。"
        lead = m.group("head")[:m.group("head").index("“")]
        if runs and prev in "；;" and runs[-1][-1].group("head").startswith(lead + "“"):
            runs[-1].append(m)
        elif prev not in "；;":
            runs.append([m])
    return [Heading(m.start(), m.start("head"), m.end("head"), RANK_INNER, kind="lead")
            for run in runs if len(run) >= MIN_LEAD_CLAUSES for m in run]


def accept(cands: list[tuple[int, Heading]], plain: str, cues: Cues) -> list[tuple[int, Heading]]:
    """Unmarked headings count when there are two or more, or when one opens with a heading
    verb; a lone heading line also counts when written as parallel phrases (支部领办 擦亮特色品牌,
    建班子,定制度,夯实基础) or as a name glossed after a dash (选优派强——精兵强将沉一线)."""
    if len(cands) >= 2:
        return cands
    return [(i, h) for i, h in cands
            if starts_with_verb(plain[h.head_start:h.head_end], cues)
            or (h.kind == "line" and (is_parallel(plain[h.head_start:h.head_end])
                                      or RE_DASH_HEADING.fullmatch(plain[h.head_start:h.head_end].replace(MASK, ""))))]


def starts_with_verb(head: str, cues: Cues) -> bool:
    """加强组织领导 yes; “网格+”创新基层治理模式 yes (the verb follows the name)."""
    return RE_LEAD_QUOTE.sub("", head).startswith(cues.verbs)


def is_parallel(head: str) -> bool:
    """Phrases side by side, spaced or with commas: 多方共治,畅通渠道解难题."""
    head = head.strip()
    return bool(RE_SPACED_PHRASES.fullmatch(head) or RE_PARALLEL.fullmatch(head)
                or RE_SHORT_PHRASES.fullmatch(head))


def drop_captions(lines: list[Heading], plain: str, cues: Cues) -> list[Heading]:
    """Heading lines of one article are written alike; when some are parallel phrases, a lone
    noun phrase among them without a heading verb is a photo caption (…支部指示牌)."""
    if not any(is_parallel(plain[h.head_start:h.head_end]) for h in lines):
        return lines
    return [h for h in lines if is_parallel(plain[h.head_start:h.head_end])
            or starts_with_verb(plain[h.head_start:h.head_end], cues)]


def inner_headings(plain: str, para: tuple[int, int], cues: Cues) -> list[Heading]:
    """Run-in headings inside a paragraph that opened with one (与涉老组织活动相融合。组建法制宣讲团,…。…).

    Two or more are needed: one short sentence in a body is more likely prose.
    """
    s, e = para
    found = []
    first = True
    for m in RE_SENTENCE.finditer(plain, s, e):
        if m.start() == m.end():
            break
        if first:
            first = False
            continue
        hs, he = first_sentence(plain, m.start(), m.end())
        if plain[he:he + 1] and plain[he] in "。！!" and m.end() < e \
                and looks_like_heading(plain[hs:he], cues, MAX_HEADING - 6):
            found.append(Heading(hs, hs, he, RANK_INNER, kind="inner"))
    return found if len(found) >= 2 else []


def item_end(h: Heading, later: list[Heading], plain: str, paras: list[tuple[int, int]]) -> int:
    """Where an item stops: the next heading of its rank or an outer one; inline items stop
    at their paragraph's end, heading lines and numbered sections at a short line after body."""
    limit = len(plain)
    for k in later:
        if k.rank <= h.rank:
            limit = k.start
            break
    index = next(i for i, (s, e) in enumerate(paras) if s <= h.start < e)
    # A line cut inside a clause (hard-wrapped text) goes on in the next line.
    while index + 1 < len(paras) and ends_mid_clause(plain, paras[index]):
        index += 1
    para_end = paras[index][1]
    if h.kind in RUN_IN_KINDS:
        return min(limit, para_end)
    if h.kind in ("digit", "digit_paren") and h.head_end < para_end:
        return min(limit, para_end)
    if limit < len(plain):
        return limit
    # The last section runs over its body paragraphs; a short line after them starts the
    # page furniture (编辑 …, 关于我们) that a rough cleaner leaves in.
    # A short paragraph that opens with a heading of its own is still part of the section.
    starts = {k.start for k in later}
    stop = para_end
    for s, e in paras:
        if s < para_end:
            continue
        if e - s < MIN_BODY_PARAGRAPH and stop > para_end and s not in starts:
            break
        stop = e
    return stop


def make_title(plain: str, h: Heading, wrapped: bool = False) -> str:
    """The heading text, cut at its lead clause when it runs long; punctuation inside kept.

    In hard-wrapped text the line-break spaces go: 建立多方联动协商 机制 → 建立多方联动协商机制.
    """
    title = RE_TRIM.sub("", plain[h.head_start:h.head_end].replace(MASK, "").replace("\n", " "))
    if wrapped:
        title = RE_WRAP_SPACE.sub("", title)
    if len(title) > MAX_HEADING:
        # A comma inside quotes belongs to a quoted name (确定“传承精神,放飞梦想”为主题): cut after it.
        m = next((m for m in RE_COMMA.finditer(title)
                  if title.count("“", 0, m.start()) == title.count("”", 0, m.start())), None)
        if m and m.start() >= 2:
            title = title[:m.start()]
    return RE_TRIM.sub("", title[:MAX_TITLE])


def marked_heading(item: Item) -> Heading:
    """A marked item of the document as a heading candidate."""
    return Heading(item.start, item.head.start, item.head.end, item.level, item.number, item.marker)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A heading that might open a practice, with what the hand rules say of it.

    ``verdict`` is ``practice`` when the rules keep it, else the rule of ``VERDICTS`` that turns
    it down, or ``loose`` when only the loose search found it (the rules never saw it).
    ``groups`` counts the deeper candidates inside its span among all candidates.
    """

    heading: Heading
    end: int
    title: str
    verdict: str
    groups: int = 0


# Why the rules turn a heading down: name, what it means, an example.
VERDICTS = (
    ("practice", "a heading with a body and no sub-items", "一是完善学习制度。根据…"),
    ("group", "it groups deeper items", "一、强化政治引领（holding 一是… 二是…）"),
    ("no_body", "nothing after the heading in its item", "三是要突出重点。"),
    ("short_title", "fewer than two Chinese characters of title", "（一）A"),
    ("toc", "a table-of-contents line (dot leader)", "1.办好老年学堂 ……… 3"),
    ("framing", "a section word frames the article", "二、主要做法"),
    ("state", "it sits in a section on the situation", "1.老年人口多 under 一、基本情况"),
    ("loose", "found only by the loose search", "改变从这里开始"),
)


def judge(headings: list[Heading], plain: str, paras: list[tuple[int, int]], cues: Cues,
          wrapped: bool) -> list[Candidate]:
    """Every heading with its item end, title and the rules' verdict (see ``VERDICTS``)."""
    out: list[Candidate] = []
    for i, h in enumerate(headings):
        later = headings[i + 1:]
        end = item_end(h, later, plain, paras)
        title = make_title(plain, h, wrapped)
        groups = sum(1 for k in later if k.start < end and k.rank > h.rank)
        verdict = verdict_of(h, later, end, title, groups, plain, cues)
        if verdict == "practice" and in_state_section(h, out, cues):
            verdict = "state"
        out.append(Candidate(h, end, title, verdict, groups))
    return out


def in_state_section(h: Heading, earlier: list[Candidate], cues: Cues) -> bool:
    """Inside a section on the situation (一、基本情况, （一）…的现状): its items describe the
    place or the problem (1.老年人口多, 二是居住较为分散), not the work done. The section's heading
    must end on the state word: a practice may mention one (摸清老干部思想情况，建立台账)."""
    return any(k.heading.rank < h.rank and k.heading.start < h.start < k.end
               and k.title.endswith(cues.state) for k in earlier)


def verdict_of(h: Heading, later: list[Heading], end: int, title: str, groups: int, plain: str,
               cues: Cues) -> str:
    if groups:
        return "group"
    body = plain[h.head_end:end]
    # An 一是 item may be one whole sentence (三是认真贯彻…文件。四是…): no body needed when
    # the next item follows at once; a lone closing clause (三是要突出重点。) stays out.
    whole_sentence = (h.rank == RANK_IS and plain[h.head_end:h.head_end + 1] == "。"
                      and any(k.start == h.head_end + 1 and k.rank == h.rank for k in later))
    if not (RE_HAS_HAN.search(body) or whole_sentence):
        return "no_body"
    if len(RE_HAN.findall(title)) < 2:
        return "short_title"
    line_end = plain.find("\n", h.head_end)
    if RE_DOT_LEADER.search(plain[h.head_end:line_end if line_end >= 0 else len(plain)]):
        return "toc"
    if title.startswith(cues.sections) or (len(title) <= 8 and any(c in title for c in cues.sections)):
        return "framing"
    return "practice"


def practice_candidates(doc: Document | Article) -> list[Candidate]:
    """Every heading candidate of the document, in text order: those the rules judge (with
    their verdicts) and those only the loose search finds (verdict ``loose``; ends and
    sub-item counts then come from all candidates together)."""
    doc = as_document(doc)
    plain = doc.masked
    cues = load_cues()
    paras = paragraphs(plain)   # of the masked text: a dash-broken heading is one line
    if not paras:
        return []
    wrapped = doc.wrapped
    # ① sub-items list the parts of one practice (九是开展系列活动。①…②…): body, not items.
    marked = sorted([marked_heading(it) for it in doc.items if it.marker not in BODY_MARKERS]
                    + bracket_headings(plain, cues), key=lambda h: h.start)
    order = lambda h: (h.start, h.rank)   # noqa: E731
    strict = sorted(marked + run_in_headings(plain, paras, marked, cues, wrapped), key=order)
    taken = {h.head_start for h in strict}
    extra = [h for h in run_in_headings(plain, paras, marked, cues, wrapped, loose=True) if h.head_start not in taken]
    extra = list({h.head_start: h for h in extra}.values())
    judged = {c.heading.head_start: c for c in judge(strict, plain, paras, cues, wrapped)}
    everything = judge(sorted(strict + extra, key=order), plain, paras, cues, wrapped)
    out = []
    for c in everything:
        rule = judged.get(c.heading.head_start)
        if rule is not None and rule.heading == c.heading:
            out.append(replace(rule, groups=c.groups))
        elif rule is None:
            out.append(replace(c, verdict="loose"))
    return out


def extract_practices(doc: Document | Article) -> list[Practice]:
    """One practice per heading candidate the practice model accepts (``extract.practice_model``;
    without a model file, those the hand rules keep).

    ``一是完善学习制度。根据…`` → Practice(title="完善学习制度") spanning the item up to ``二是``.
    """
    from extract.practice_model import judge_candidates

    doc = as_document(doc)
    candidates = practice_candidates(doc)
    return [Practice(c.heading.start, c.end, c.title, confidence=p, evidence=why)
            for c, p, why in judge_candidates(candidates, doc) if p is not None]


# Named methods: “…” names (’ and ‘ nested quotes dropped), unquoted …工作法.
RE_QUOTED = re.compile(r"[“\"]([^”“\"\n]{2,40})[”\"]")
RE_INNER_QUOTES = re.compile(r"[‘’'〝〞]")
RE_LIST_NAME = re.compile(r"[、+＋—]")
RE_PLUS = re.compile(r"[+＋]")
RE_NUMERAL_NAME = re.compile(r"^[一二三四五六七八九十两双百千0-9]|[+＋]")
# Numerals alone are a figure or a date, not a name: “七一”, “三八”.
RE_NUMERALS_ONLY = re.compile(f"{NUM}+")
SERIES_SUFFIXES = ("工程", "品牌", "工作法", "行动")  # “红韵金秋·居安乐为”工程, not …·…”活动
BRAND_SUFFIXES = ("品牌", "工作法")   # “老党员工作室”品牌 is a brand although it names a venue
RE_SPEECH = re.compile(r"[，,。！!？?：:；;…]")
RE_FIGURE_NAME = re.compile(r"[0-9０-９.]+后?")   # a figure or an age cohort: “9073”, “60后”
RE_ENUM_SPLIT = re.compile(r"[、，,]")
RE_CHAIN_SPLIT = re.compile(r"—+|－+|-+")
RE_SPACES = re.compile(r"[ \u3000]+")


@dataclass(frozen=True, slots=True)
class MethodCues:
    suffixes: tuple[str, ...]     # after the name: “三个不放松”工作法
    weak_suffixes: tuple[str, ...]  # after the name, but only with a lead verb: 开展“…”活动
    lead_verbs: tuple[str, ...]   # before the name: 打造“美在金秋”
    excluded: frozenset[str]      # national formulas, apps, set phrases
    bad_endings: tuple[str, ...]  # teams, venues, people, events: …服务队, …驿站, …阿姨
    good_endings: tuple[str, ...]  # names that say they are methods: 枫桥经验, 庭院党建
    not_after: tuple[str, ...]    # after the name, it is a problem, slogan or theme: “…”的问题
    levels: tuple[str, ...]       # parts of a chain of levels: 街道—社区—网格


@lru_cache(maxsize=1)
def load_method_cues() -> MethodCues:
    """The cue words of ``practice_method_cues.tsv`` by role."""
    roles: dict[str, list[str]] = {"suffix": [], "weak_suffix": [], "lead": [], "excluded": [], "ending": [],
                                   "person": [], "venue": [], "good_ending": [], "not_after": [], "level": []}
    for row in read_tsv(METHOD_CUES_TSV):
        roles[row["role"]].append(row["cue"])
    # People nouns and venue heads are word classes; as endings they count like teams and events.
    endings = roles["ending"] + roles["person"] + roles["venue"]
    return MethodCues(tuple(roles["suffix"]), tuple(roles["weak_suffix"]), tuple(roles["lead"]),
                      frozenset(roles["excluded"]), tuple(endings), tuple(roles["good_ending"]),
                      tuple(roles["not_after"]), tuple(roles["level"]))


@lru_cache(maxsize=1)
def unquoted_method_re() -> re.Pattern[str]:
    """Unquoted …工作法 after a lead verb of the table or a list comma: 推行一线工作法 → 一线."""
    behind = "|".join(f"(?<={re.escape(v)})" for v in load_method_cues().lead_verbs)
    name = r"[\u4e00-\u9fff]{2,6}(?=工作法)"
    # The name is looked for first: trying every lookbehind at every character is 10x slower.
    return re.compile(rf"(?={name})(?:{behind}|(?<=[，,、]))({name})")


def is_not_a_name(name: str, after: str, cues: MethodCues) -> bool:
    """Quoted text that is a figure, a problem, a slogan, a list of words or a chain of levels:
    “9073”, “40后”, “开展难、难开展”的问题, “需求、资源、服务”, “街道—社区—网格”."""
    if RE_FIGURE_NAME.fullmatch(name) or RE_NUMERALS_ONLY.fullmatch(name) or after.startswith(cues.not_after):
        return True
    items = RE_ENUM_SPLIT.split(name)
    if len(items) > 1 and "、" in name and all(len(i) <= 2 for i in items):
        return True                           # a list of single words: “严、深、细、实、活”
    if len(items) > 1 and (all(i in cues.excluded for i in items)
                           or len(set(i[:3] for i in items)) == 1 and min(map(len, items)) > 3):
        return True                           # one slogan family listed: “老有所养、老有所乐”
    parts = RE_CHAIN_SPLIT.split(name)
    return len(parts) > 1 and all(p.endswith(cues.levels) for p in parts)


def is_method_name(name: str, before: str, after: str, cues: MethodCues) -> bool:
    """A quoted name that names a method or brand, judged by its shape and what frames it.

    “三个不放松”工作法 yes (numbered, and a method suffix), 打造“美在金秋” yes (lead verb),
    筑起了“人民防线” no, “学习强国” no (an app), “金牌调解员” no (a person).
    """
    if name in cues.excluded or RE_SPEECH.search(name) or is_not_a_name(name, after, cues):
        return False
    if name.endswith(cues.good_endings):
        return True
    # A combination (党小组+网格员, 社工+志愿者) names a model even when its last part is people or a place.
    if name.endswith(cues.bad_endings) and not after.startswith(BRAND_SUFFIXES) and not RE_PLUS.search(name):
        return False
    if "·" in name and not after.startswith(SERIES_SUFFIXES):
        return False                          # a series or event title: 浓情粽飘香·积善一家亲
    led = before.endswith(cues.lead_verbs)
    # 服务, 活动, 平台… follow almost any quoted phrase; they name a method only after a lead verb.
    suffixed = after.startswith(cues.suffixes) or (led and after.startswith(cues.weak_suffixes))
    if len(name) == 2 and not RE_NUMERAL_NAME.search(name):
        return suffixed
    return bool(
        suffixed or led
        or RE_NUMERAL_NAME.search(name) or (RE_LIST_NAME.search(name) and len(name) >= 7)
    )


def find_named_methods(doc: Document | Article) -> list[NamedMethod]:
    """Named working methods and brands, once per name, simplified and without quote marks.

    ``探索“三个不放松”工作法`` → NamedMethod(name="三个不放松").
    """
    plain = as_document(doc).plain
    cues = load_method_cues()
    seen: set[str] = set()
    out: list[NamedMethod] = []
    found = [(m.start(1), m.end(1)) for m in RE_QUOTED.finditer(plain)]
    found += [(m.start(1), m.end(1)) for m in unquoted_method_re().finditer(plain)]
    for start, end in sorted(found):
        # Spaced-out text (城 市 大 党 建) is read without its spaces.
        name = RE_SPACES.sub("", RE_INNER_QUOTES.sub("", plain[start:end]))
        before = RE_SPACES.sub("", plain[max(0, start - 12):start - 1])[-3:]
        after = RE_SPACES.sub("", plain[end + 1:end + 19])[:6]
        if plain[end:end + 2] == "工作":            # unquoted 一线工作法
            after = plain[end:end + 3]
        if name in seen or not is_method_name(name, before, after, cues):
            continue
        seen.add(name)
        out.append(NamedMethod(start, end, name))
    return out
