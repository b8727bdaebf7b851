"""The document model: an article's paragraphs, sentences and enumerated items, built once.

``build_document(article)`` splits the body once; every stage (facts, practices, named
methods, themes) reads the same ``Document`` instead of re-splitting the text its own way.
Every offset indexes ``article.text`` (``plain`` is the simplified form, character-aligned).

A sentence ends at ``。！？!`` or a line break (the gold convention; a stray ``?`` is
mojibake, not a boundary). An item starts at a marker of ``corpus/data/item_markers.tsv``
(``一是``, ``（二）``, ``三、``, ``1.``, ``①``…) whose numbering runs in sequence; the year of a
reporting period carries within a sentence's item.

>>> [(s.start, s.end, s.paragraph, s.item) for s in split_sentences("一是学习。开会3次。\\n二是服务。")]
[(0, 5, 0, 1), (5, 10, 0, 1), (11, 16, 1, 2)]
>>> doc = build_document(Article("x", "一是建强阵地。整合场所12处。二是丰富活动。每月开展活动。"))
>>> [(i.marker, i.number, doc.plain[i.head.start:i.head.end]) for i in doc.items]
[('is', 1, '建强阵地'), ('is', 2, '丰富活动')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.article import Article
from corpus.boilerplate import PINYIN_LETTERS, TONE_VOWELS
from corpus.markers import marker_level, marker_regex, marker_source, match_from

RE_SENTENCE = re.compile(r"[^。！？!\n]+[。！？!]*[”’」』)）]?|[。！？!]+")
# A sentence opening with an item marker starts a new item (year carrying, facts).
RE_ITEM = re.compile(r"\s*(?:" + marker_source(capture=False) + ")")
RE_PARAGRAPH = re.compile(r"[^\n]+")

# A closing quote also ends a heading written without punctuation (…“两项待遇”一是…).
BOUNDARY = r"(?:^|(?<=[\n\s。；;！!？?：:”〞」』]))"
# Where a marked heading stops: sentence or clause end; a space ends a heading written
# inline without punctuation (一、工作背景 推行“三联三帮”计划…).
RE_HEAD_END = re.compile(r"[。；;：:！!？?\n]|\s(?=\S)")
# In hard-wrapped text (PDF dumps) a space is a line break inside a sentence, not a heading end.
RE_HEAD_END_WRAPPED = re.compile(r"[。；;：:！!？?\n]")
RE_WRAP_SPACE = re.compile(r"(?<=[\u4e00-\u9fff，,、“”])[ \u3000]+(?=[\u4e00-\u9fff“”])")
MIN_WRAPS = 4        # this many mid-sentence spaces, at least one per WRAP_EVERY characters
WRAP_EVERY = 60
MIN_BODY_PARAGRAPH = 40   # a paragraph this long is body text, not a heading or furniture
MAX_LINE_HEADING = 30
RE_HAN = re.compile(r"[\u3400-\u9fff]")
# 二 (二是 after 一是) one clause after the 一: a list inside one sentence, not items.
RE_CLAUSE_TWO = re.compile(r"[，,]\s*二")
RE_CLAUSE_TWO_IS = re.compile(r"[，,]\s*二是")
CLAUSE_TWO_WINDOW = 400
# Markers written run-in (inside a paragraph): their item stops at the paragraph's end.
RUN_IN_MARKERS = frozenset({"is", "ordinal", "circled"})
# A pinyin gloss the cleaner left because of a space inside (互助会(huì )): its space would end
# a heading, so it is masked (same length) before matching and dropped from titles.
RE_LOOSE_PINYIN = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（](?=[a-zü]*[{TONE_VOWELS}])[{PINYIN_LETTERS}]{{1,7}}[ \u3000]*[)）]"
)
MASK = "\ue000"
# A heading line broken after its dash (选优派强——\n精兵强将沉一线): the break is masked so the
# two lines read as one heading.
RE_DASH_BREAK = re.compile(r"^([^\n]{2,12}——)\n(?=[^\n]{2,16}\n)", re.M)


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """``text[start:end]`` is the sentence; ``paragraph`` and ``item`` count from 0."""

    start: int
    end: int
    paragraph: int
    item: int


@dataclass(frozen=True, slots=True)
class Item:
    """An enumerated item: ``text[start:end]``, opened by a marker of the table.

    ``marker`` is the table row's name (``is`` for 一是, ``cn_paren`` for （一）…), ``level`` its
    nesting level (outermost lowest), ``number`` its place in the enumeration, ``head`` its own
    heading or lead clause (二是加强同频共振。… → 加强同频共振).
    """

    start: int
    end: int
    marker: str
    level: int
    number: int
    head: Span


@dataclass(frozen=True)
class Document:
    """One article split once. Offsets index ``article.text``; ``plain`` is simplified.

    ``masked`` is ``plain`` with loose pinyin glosses and dash line breaks replaced by
    ``MASK`` (same length), the form headings are read from; ``wrapped`` tells hard-wrapped
    text (PDF dumps: a space is a line break inside a sentence).
    """

    article: Article
    text: str
    plain: str
    masked: str
    wrapped: bool
    paragraphs: tuple[Span, ...]
    sentences: tuple[Sentence, ...]
    items: tuple[Item, ...]
    headings: tuple[Item, ...]          # items standing on a line of their own: 一、基本情况

    def sentence_at(self, pos: int) -> Sentence:
        """The sentence containing offset ``pos``."""
        return self.sentences[sentence_at(self.sentences, pos)]

    def paragraph_at(self, pos: int) -> int:
        """Index of the paragraph containing (or, between paragraphs, preceding) ``pos``."""
        lo, hi = 0, len(self.paragraphs) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.paragraphs[mid].start <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split ``text`` into sentences; each knows its paragraph and enumerated item number."""
    out: list[Sentence] = []
    item = 0
    for paragraph, line in enumerate(RE_PARAGRAPH.finditer(text)):
        base = line.start()
        item += 1   # a new paragraph is a new item for the purpose of carrying a year
        for m in RE_SENTENCE.finditer(line.group()):
            if not m.group().strip():
                continue
            if out and RE_ITEM.match(m.group()) and out[-1].paragraph == paragraph:
                item += 1
            out.append(Sentence(base + m.start(), base + m.end(), paragraph, item))
    return tuple(out)


def sentence_at(sentences: tuple[Sentence, ...], pos: int) -> int:
    """Index of the sentence containing offset ``pos`` (binary search)."""
    lo, hi = 0, len(sentences) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sentences[mid].start <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def mask(plain: str) -> str:
    """``plain`` with loose pinyin glosses and dash line breaks masked (same length)."""
    plain = RE_LOOSE_PINYIN.sub(lambda m: MASK * len(m.group()), plain)
    return RE_DASH_BREAK.sub(lambda m: m.group(1) + MASK, plain)


def is_wrapped(plain: str) -> bool:
    """Hard-wrapped text whose line breaks became spaces: 把物 业企业党建工作全面纳入…"""
    wraps = len(RE_WRAP_SPACE.findall(plain))
    return wraps >= MIN_WRAPS and wraps * WRAP_EVERY >= len(plain)


def paragraph_spans(plain: str) -> tuple[Span, ...]:
    """Every non-empty line."""
    return tuple(Span(m.start(), m.end()) for m in RE_PARAGRAPH.finditer(plain) if m.group().strip())


def ends_mid_clause(plain: str, para: Span | tuple[int, int]) -> bool:
    """A body line that stops inside a clause (…创新党组织活动载): the next line goes on with it."""
    s, e = para
    return e - s >= MIN_BODY_PARAGRAPH and (RE_HAN.match(plain[e - 1]) is not None or plain[e - 1] in "，,、")


def is_page_number(plain: str, start: int) -> bool:
    """A marker opening a line that continues a sentence cut by a page break (…活动载\\n2、体方式)."""
    if start == 0 or plain[start - 1] != "\n":
        return False
    prev_start = plain.rfind("\n", 0, start - 1) + 1
    return start - 1 - prev_start >= MIN_BODY_PARAGRAPH and ends_mid_clause(plain, (prev_start, start - 1))


def is_line_item(plain: str, start: int, head_end: int) -> bool:
    """A marked heading that fills its own short line: 二、师资力量"""
    return ((start == 0 or plain[start - 1] == "\n")
            and plain[head_end:head_end + 1] in ("\n", "")
            and head_end - start <= MAX_LINE_HEADING)


def find_items(masked: str, wrapped: bool) -> list[Item]:
    """Marked items whose numbering runs in sequence, ends not yet set (``end`` = head end)."""
    head_end_re = RE_HEAD_END_WRAPPED if wrapped else RE_HEAD_END
    found: list[Item] = []
    for m in marker_regex(BOUNDARY, flags=re.M).finditer(masked):
        if is_page_number(masked, m.start()):
            continue
        mm = match_from(m)
        head_start = m.end()
        while head_start < len(masked) and masked[head_start] in " \u3000":
            head_start += 1
        stop = head_end_re.search(masked, head_start)
        head_end = stop.start() if stop else len(masked)
        found.append(Item(m.start(), head_end, mm.name, mm.level, mm.number, Span(head_start, head_end)))
    kept = in_sequence(found, masked)
    # A heading written without end punctuation stops where the next marker starts
    # (一、坚持好“八项制度”,认真落实老干部“两项待遇”一是组织了…).
    out = []
    for it, nxt in zip(kept, kept[1:] + [None]):
        stop = len(masked) if nxt is None else nxt.start
        if it.head.start <= stop < it.head.end:
            it = Item(it.start, stop, it.marker, it.level, it.number, Span(it.head.start, stop))
        out.append(it)
    return out


def in_sequence(found: list[Item], plain: str) -> list[Item]:
    """Keep markers that continue their enumeration: 一 starts one, 二 must follow 一 of its kind.

    An 一是 whose 二是 is only a clause later (原因有二：一是年龄大，二是…) lists reasons inside a
    sentence; it is dropped along with that 二是, which fails the boundary test.
    """
    last: dict[str, int] = {}
    kept: list[Item] = []
    for it in found:
        # A numbered heading line may open the list at 二 when the cleaner cut 一、基本情况 with
        # the page head; run-in markers must start at 一.
        cut_start = (it.marker in ("cn_comma", "cn_paren") and it.marker not in last
                     and is_line_item(plain, it.start, it.head.end))
        if it.number == 1 or last.get(it.marker) == it.number - 1 or cut_start:
            last[it.marker] = it.number
            kept.append(it)
    # A lone 一 with no 二 anywhere after it is only an item if the text stops inside it
    # (stored texts are cut off); otherwise it is a stray 一、 or a clause-level list.
    result = []
    for i, it in enumerate(kept):
        has_next = any(k.marker == it.marker and k.number == 2 for k in kept[i + 1:])
        clause_two = (RE_CLAUSE_TWO_IS if it.marker == "is" else RE_CLAUSE_TWO).search(
            plain, it.head.start, it.head.start + CLAUSE_TWO_WINDOW)
        if it.number == 1 and not has_next and clause_two:
            continue
        result.append(it)
    return result


def with_ends(items: list[Item], plain: str, paragraphs: tuple[Span, ...]) -> list[Item]:
    """Each item reaches the next item of its level or an outer one; run-in items (一是, and
    1. items written inside their paragraph) stop at their paragraph's end."""
    out = []
    for i, it in enumerate(items):
        end = next((k.start for k in items[i + 1:] if k.level <= it.level), len(plain))
        para = next((p for p in paragraphs if p.start <= it.start < p.end), None)
        inline = para is not None and it.head.end < para.end
        if para is not None and (it.marker in RUN_IN_MARKERS or (inline and it.level >= marker_level("digit"))):
            end = min(end, para.end)
        out.append(Item(it.start, max(end, it.head.end), it.marker, it.level, it.number, it.head))
    return out


def build_document(article: Article) -> Document:
    """Split ``article`` once: paragraphs, sentences, items and section headings."""
    plain = article.plain
    masked = mask(plain)
    wrapped = is_wrapped(masked)
    paragraphs = paragraph_spans(plain)
    items = tuple(with_ends(find_items(masked, wrapped), plain, paragraphs))
    headings = tuple(it for it in items if is_line_item(plain, it.start, it.head.end))
    return Document(article=article, text=article.text, plain=plain, masked=masked, wrapped=wrapped,
                    paragraphs=paragraphs, sentences=split_sentences(plain), items=items, headings=headings)


def as_document(x: Article | Document) -> Document:
    """Stage functions take either: a Document as is, an Article built into one."""
    return x if isinstance(x, Document) else build_document(x)
