"""Cleaning: raw input → Article (clean body in the original script + simplified form + metadata).

Public contract (used by the CLI, the crawler and the tests):

- ``clean_text(text: str) -> str`` — scraped text → article body; never raises.
- ``extract_body(html: bytes) -> str`` — HTML page bytes → article body; never raises.
- ``article_from_text(id, text, url=None) -> Article`` — with ``raw_map`` into ``text``.
- ``article_from_html(id, html, url=None, http_charset=None) -> Article``.

Both ``article_from_*`` raise ``NotAnArticle(reason)`` when no body remains.

How scraped text is read (markers live in ``corpus.boilerplate``):
1. Each line loses pinyin glosses (創(chuàng) → 創), mojibake runs, invalid characters and
   lead bylines; what is left is kept as pieces of the raw text, so offsets map back exactly.
2. Each line gets a kind: ``meta`` (date/source header), ``stop`` (footer starts: disclaimers,
   related lists, sign-offs), ``drop`` (chrome anywhere: breadcrumbs, image names, contacts,
   SEO lists) or ``text``.
3. The body starts at the first paragraph-like ``text`` line (sentence punctuation or long),
   or at the numbered headings (一、基本情况) right above it; the lines before it are the header
   (title, date, source). It ends before the first ``stop`` line, except a link-box head
   (相关推荐) with paragraphs under it, which is dropped; organisation and name sign-offs under
   the last paragraph are dropped, and so are exact repeats of earlier lines (scrapers
   duplicate whole bodies).
Every decision depends on the line alone or on the body start, so cleaning is idempotent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import islice

from corpus import boilerplate as bp
from corpus import meta
from corpus.article import Article, RawMap, content_hash
from corpus.errors import BadInput, NotAnArticle
from corpus.markers import find_marker
from corpus.script import simplify

# Longer than any article by far: a concatenated dump or garbage, declined with a reason.
MAX_TEXT_CHARS = 2_000_000
# Share of invalid characters above which a text is binary data, not an article.
MAX_INVALID_SHARE = 0.10
# Footer lines read for a closing source/citation line (the rest is site furniture).
CLOSING_FOOTER_LINES = 3
# Deletions inside a line repeat until nothing matches (a deletion can join two halves).
MAX_DELETION_ROUNDS = 8

Pieces = tuple[tuple[int, int], ...]   # (raw_start, length); their concatenation is the line


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the input after in-line deletions, with its raw pieces and its kind."""

    index: int
    text: str
    plain: str
    pieces: Pieces
    kind: str = "text"     # text | meta | drop | stop | signoff


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the header, the body and the footer of a scraped text are."""

    lines: tuple[Line, ...]
    header: tuple[Line, ...]     # lines before the body (title, date/source lines, chrome)
    title: Line | None
    body: tuple[Line, ...]
    footer: tuple[Line, ...]     # lines after the body


# --- step 1: lines and in-line deletions ----------------------------------------------

def _delete(text: str, pieces: Pieces, spans: list[tuple[int, int]]) -> tuple[str, Pieces]:
    """Remove ``spans`` (sorted, [start, end) into ``text``) from a line and its pieces."""
    keep: list[tuple[int, int]] = []
    cursor = 0
    for s, e in spans:
        if s > cursor:
            keep.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < len(text):
        keep.append((cursor, len(text)))
    out_pieces: list[tuple[int, int]] = []
    offset = 0
    for raw_start, n in pieces:   # walk pieces and kept ranges together
        lo, hi = offset, offset + n
        for ks, ke in keep:
            a, b = max(lo, ks), min(hi, ke)
            if a < b:
                if out_pieces and out_pieces[-1][0] + out_pieces[-1][1] == raw_start + (a - lo):
                    out_pieces[-1] = (out_pieces[-1][0], out_pieces[-1][1] + b - a)
                else:
                    out_pieces.append((raw_start + (a - lo), b - a))
        offset = hi
    return "".join(text[a:b] for a, b in keep), tuple(out_pieces)


def _deletion_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for rx in (bp.RE_INVALID, bp.RE_MOJIBAKE, bp.RE_PINYIN, bp.RE_DEBRIS)
             for m in rx.finditer(text) if m.end() > m.start()]
    stripped = text.lstrip()
    if len(stripped) < len(text):
        spans.append((0, len(text) - len(stripped)))
    stripped = text.rstrip()
    if len(stripped) < len(text):
        spans.append((len(stripped), len(text)))
    m = bp.RE_LEAD_BYLINE.match(text)
    if m and m.end() > 0 and m.end() < len(text):
        spans.append(m.span())
    m = bp.RE_TRAILING_BYLINE.search(text)
    if m and m.start() > 0:
        spans.append(m.span())
    return sorted(spans)


def _clean_line(text: str, raw_start: int) -> tuple[str, Pieces]:
    pieces: Pieces = ((raw_start, len(text)),) if text else ()
    for _ in range(MAX_DELETION_ROUNDS):
        spans = _deletion_spans(text)
        if not spans:
            break
        text, pieces = _delete(text, pieces, spans)
    return text, pieces


def _kind(text: str, plain: str) -> str:
    if len(bp.RE_CJK.findall(text)) < bp.MIN_CJK_CHARS:
        return "drop"
    if bp.RE_SIGNOFF.match(plain):
        return "signoff"
    short = len(plain) <= bp.META_MAX_CHARS
    if bp.RE_META_LABEL.match(plain) or (
            short and bp.RE_FULL_DATE.search(plain) and not bp.RE_SENTENCE_END.search(plain)):
        return "meta"
    if any(rx.search(plain) for rx in bp.STOP_LINE_RES):
        return "stop"
    if any(rx.search(plain) for rx in bp.DROP_LINE_RES):
        return "drop"
    spam = len(bp.RE_SPAM_WORD.findall(plain))
    if spam >= bp.SPAM_LONG_LINE_HITS or (spam and len(plain) <= bp.SPAM_SHORT_LINE_CHARS):
        return "drop"
    return "text"


def split_lines(raw: str) -> list[Line]:
    """Non-empty lines of ``raw`` after in-line deletions, each with its kind."""
    lines = []
    for m in re.finditer(r"[^\r\n\u2028\u2029\x85]+", raw):
        text, pieces = _clean_line(m.group(), m.start())
        if text:
            plain = simplify(text)
            lines.append(Line(len(lines), text, plain, pieces, _kind(text, plain)))
    return lines


# --- step 2: layout -------------------------------------------------------------------

def _is_paragraph(line: Line) -> bool:
    # A short headline with a ！/？ in it (社区食堂,何以长久飘香?) does not open the body.
    return line.kind == "text" and not meta.is_exclaimed_title(line.plain) and (
        bool(bp.RE_SENTENCE_END.search(line.plain)) or len(line.text) >= bp.PARAGRAPH_MIN_CHARS)


def _is_trailing_signoff(line: Line) -> bool:
    """Lines under the last paragraph that credit an organisation or name the authors."""
    if line.kind != "text":
        return True
    plain = line.plain
    return len(plain) <= bp.SIGNOFF_MAX_CHARS and not bp.RE_SENTENCE_END.search(plain) and bool(
        bp.RE_ORG_SIGNOFF.match(plain) or bp.RE_NAMES_LINE.match(plain))


def _pick_title(header: list[Line]) -> Line | None:
    """The headline: the value of a disclosure table's 标题 row; else the last title-shaped
    line before the first date/source line, else the last title-shaped header line. A line
    dropped for the markup a converter left in it (<div>标题</div>) counts without its tags."""
    header = [_without_markup(ln) or ln for ln in header]
    for ln in header:
        m = meta.RE_TITLE_ROW.match(ln.text) if ln.kind == "text" else None
        if m and meta.is_headline_line(m.group("value")):
            return replace(ln, text=m.group("value"), plain=ln.plain[m.start("value"):m.end("value")])
    first_meta = next((i for i, ln in enumerate(header) if ln.kind == "meta"), len(header))
    # The headline follows the breadcrumb (某易首页 > 某易河南 > 正文); short lines further down
    # are a lead-in poem or share buttons, not the headline.
    crumb = max((i for i, ln in enumerate(header[:first_meta]) if meta.is_breadcrumb(ln.plain)), default=None)
    if crumb is not None:
        for ln in header[crumb + 1:first_meta]:
            if ln.kind == "text" and meta.is_headline_line(ln.text):
                return ln
    for scope in (header[:first_meta], header[first_meta:]):
        for ln in reversed(scope):
            if ln.kind == "text" and meta.is_headline_line(ln.text):
                return ln
    return next(filter(None, map(_title_before_spam, header)), None)


def _without_markup(line: Line) -> Line | None:
    """A header line dropped for its tags, as the headline-shaped text inside them, or None."""
    if line.kind != "drop" or not meta.RE_MARKUP.search(line.text):
        return None
    text = meta.strip_markup(line.text)
    if not meta.is_headline_line(text):
        return None
    return replace(line, text=text, plain=simplify(text), kind="text")


# An SEO title line: headline, separator, then the (spam) site name.
RE_TITLE_SEPARATOR = re.compile(r"\s*[|｜_]\s*")


def _title_before_spam(line: Line) -> Line | None:
    """The headline of a title line dropped as spam for its site-name suffix
    (某县搭建人才库|某某网站入口), when the part before the separator is clean and title-shaped."""
    if line.kind != "drop":
        return None
    head = RE_TITLE_SEPARATOR.split(line.text, maxsplit=1)[0].strip()
    if head == line.text.strip() or bp.RE_SPAM_WORD.search(simplify(head)) or not meta.looks_like_title(head):
        return None
    return replace(line, text=head, plain=simplify(head), kind="text")


def _heads_prose(lines: list[Line], line: Line) -> bool:
    """A link-box head (相关推荐) with paragraphs under it, not a list of links: a sidebar box
    scraped into the text above the article, which goes on below it."""
    if not any(rx.search(line.plain) for rx in bp.RELATED_HEAD_RES):
        return False
    below = islice((ln for ln in lines[line.index + 1:] if ln.kind == "text"), bp.RELATED_LOOKAHEAD_LINES)
    prose = [ln for ln in below if len(ln.text) >= bp.RELATED_PROSE_MIN_CHARS and bp.RE_SENTENCE_END.search(ln.plain)]
    return len(prose) >= bp.RELATED_PROSE_MIN_LINES


def layout(raw: str) -> Layout:
    """Split scraped text into header, body and footer lines.

    >>> [ln.text for ln in layout("标题\\n2024-07-12 来源:某网\\n正文第一段。\\n编辑 张三").body]
    ['正文第一段。']
    """
    lines = split_lines(raw)
    start = next((i for i, ln in enumerate(lines) if _is_paragraph(ln)), None)
    if start is None:
        # No paragraph at all: keep the text lines after the header's date/source lines.
        last_meta = max((i for i, ln in enumerate(lines) if ln.kind == "meta"), default=-1)
        start = last_meta + 1
    # Numbered headings right above the first paragraph (一、基本情况) open the body: an item
    # marker heads a section, never the page's headline.
    while start > 0 and lines[start - 1].kind == "text" and find_marker(lines[start - 1].plain):
        start -= 1
    header = lines[:start]
    title = _pick_title(header)
    body: list[Line] = []
    seen: set[str] = {title.text} if title else set()
    end = len(lines)
    for ln in lines[start:]:
        if ln.kind == "stop" and _heads_prose(lines, ln):
            continue
        if ln.kind in ("stop", "signoff"):
            end = ln.index
            break
        if ln.kind != "text":
            continue
        if ln.text in seen:
            continue
        if len(ln.text) >= bp.DUPLICATE_MIN_CHARS:
            seen.add(ln.text)
        body.append(ln)
    while body and _is_trailing_signoff(body[-1]):
        body.pop()
    return Layout(tuple(lines), tuple(header), title, tuple(body), tuple(lines[end:]))


# --- step 3: body text and offsets ----------------------------------------------------

def _join(body: tuple[Line, ...]) -> tuple[str, RawMap]:
    pieces: list[tuple[int, int, int]] = []
    out: list[str] = []
    pos = 0
    for ln in body:
        if out:
            out.append("\n")
            pos += 1
        for raw_start, n in ln.pieces:
            pieces.append((pos, raw_start, n))
            pos += n
        out.append(ln.text)
    return "".join(out), RawMap(tuple(pieces))


def clean_text_map(text: str) -> tuple[str, RawMap]:
    """Clean scraped text and return it with the map of its characters back into ``text``."""
    return _join(layout(text).body)


def clean_text(text: str) -> str:
    """Scraped text → article body, paragraphs separated by single newlines.

    >>> clean_text("我的位置: 首頁 > 正文\\n標題\\n創(chuàng)新工作。\\n編輯 張三")
    '創新工作。'
    """
    if not isinstance(text, str) or not text:
        return ""
    return clean_text_map(text)[0]


def extract_body(html: bytes, http_charset: str | None = None) -> str:
    """HTML bytes → article body text; never raises (``corpus.html.extract_body``).

    >>> extract_body("<html><body><p>近年来，某县组建志愿服务队56支，服务群众超5万人。</p></body></html>".encode())
    '近年来，某县组建志愿服务队56支，服务群众超5万人。'
    """
    from corpus.html import extract_body as html_extract_body   # lxml: only for HTML input

    return html_extract_body(html, http_charset=http_charset)


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise BadInput(f"expected text, got {type(text).__name__}")
    if not text.strip():
        raise NotAnArticle("empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise NotAnArticle(f"text too long for one article: {len(text):,} characters "
                           f"(limit {MAX_TEXT_CHARS:,}); split it into articles first")
    invalid = sum(m.end() - m.start() for m in bp.RE_INVALID.finditer(text[:100_000]))
    if invalid > MAX_INVALID_SHARE * min(len(text), 100_000):
        raise BadInput(f"binary or corrupted text: {invalid} invalid characters "
                       f"in the first {min(len(text), 100_000)}")


def _broken_title(lay: Layout, raw: str) -> str | None:
    """The headline, joined with the short lines right above it when the page broke one
    headline over several lines (市委老干部局 / 举办专(兼)职 / 人员培训班)."""
    if lay.title is None:
        return None
    parts = [lay.title]
    while len(parts) <= meta.TITLE_MAX_PARTS and parts[0].index > 0:
        prev = lay.lines[parts[0].index - 1]
        gap = raw[prev.pieces[-1][0] + prev.pieces[-1][1]:parts[0].pieces[0][0]]
        if prev.kind != "text" or gap.strip() or gap.count("\n") > 1 or not meta.is_title_fragment(prev.text) \
                or not meta.is_title_fragment(parts[0].text):
            break
        parts.insert(0, prev)
    text = "".join(ln.text.strip() for ln in parts)
    return text if len(parts) > 1 and len(text) <= meta.TITLE_JOINED_MAX_CHARS else lay.title.text


# How far below the headline its ``——`` subtitle may stand (past the date line, a repeat of
# the headline and an image caption).
SUBTITLE_MAX_GAP = 4


def _next_text(lay: Layout, line: Line) -> str | None:
    """The first line after ``line`` that is neither a date/source line, dropped furniture
    (【资料图】) nor a repeat of it: a headline's ``——`` subtitle, say; or None."""
    under_meta = False
    for ln in lay.lines[line.index + 1:line.index + 1 + SUBTITLE_MAX_GAP]:
        if ln.text.strip() == line.text.strip():
            under_meta = False   # the headline printed again under the date line heads the body
            continue
        if ln.kind in ("meta", "drop"):
            under_meta = under_meta or ln.kind == "meta"
            continue
        # a ``——`` line right under the date/source line opens the body, not the headline
        return None if under_meta else ln.text
    return None


# How many body lines down a dateline is looked for.
DATELINE_MAX_LINE = 6


def _raw_line(text: str, line: Line) -> str:
    """``line`` as scraped, from the start of its raw line (before in-line deletions)."""
    start = line.pieces[0][0]
    start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    return text[start:line.pieces[-1][0] + line.pieces[-1][1]]


def article_from_text(id: str, text: str, url: str | None = None) -> Article:
    """Build an Article from scraped text; offsets of the body map back into ``text``."""
    _check_text(text)
    lay = layout(text)
    body, raw_map = _join(lay.body)
    if not body.strip():
        raise NotAnArticle(f"no article body left after cleaning ({len(lay.lines)} lines, "
                           "all navigation, header or footer)")
    info = meta.read(text_layout(lay, text, url))
    return Article(
        id=id, text=body, url=url, raw=text,
        title=info.title, title_origin=info.title_origin, published=info.published,
        source=info.source, author=info.author, meta_evidence=info.evidence,
        simplified=simplify(body), raw_map=raw_map, content_hash=content_hash(body),
    )


# The first lines of a text, where a headline printed twice and a date line below an early
# body start are looked for.
TOP_LINES = 15
# Below a long header the headline model still sees the first body lines (a headline with a
# ？ may open the body), within a bound for pages whose header is a whole menu.
TOP_BODY_LINES = 3
TOP_MAX_LINES = 60
# A body line this long with a sentence end is a real paragraph: date lines under it are the
# text's own, not the article's date.
UPPER_PARAGRAPH_MIN_CHARS = 40


def text_layout(lay: Layout, text: str, url: str | None = None) -> meta.MetaLayout:
    """A scraped text's layout as the metadata reader sees it (``corpus.meta.MetaLayout``)."""
    headline = None
    if lay.title:
        headline = meta.join_subtitle(_broken_title(lay, text), _next_text(lay, lay.title))
    # The first body line as scraped, from the start of its raw line: cleaning deletes a leading
    # byline (广州日报讯 (记者…)) that names the source and the author.
    # The lead is the first paragraph: numbered section headings that open the body (一、基本情况)
    # are no lead sentence to stand in for the headline.
    lead = lay.body[next((i for i, ln in enumerate(lay.body) if _is_paragraph(ln) or not find_marker(ln.plain)), 0):]
    first_raw = _raw_line(text, lead[0]) if lead else ""
    # Image captions may stand above the dateline (紅網時刻某市3月2日訊 under two captions).
    dateline = next((raw for raw in map(lambda ln: _raw_line(text, ln), lay.body[:DATELINE_MAX_LINE])
                     if meta.RE_PAPER_DATELINE.match(raw)), first_raw)
    # Lines below the header (body, skipped date lines, the top of the footer): a closing
    # "(来源:中新网)" or 《人民日报》(2023年3月6日第7版) dates and sources the article.
    closing = [ln.text for ln in lay.lines[len(lay.header):len(lay.lines) - len(lay.footer) + CLOSING_FOOTER_LINES]]
    # Date lines above the first real paragraph (a slogan or a lead-in may open the body early)
    # and above the footer (上一篇 2023-07-26 is another article's).
    first_paragraph = next((ln.index for ln in lay.body if len(ln.text) >= UPPER_PARAGRAPH_MIN_CHARS
                            and bp.RE_SENTENCE_END.search(ln.plain)), len(lay.lines))
    upper_end = min(TOP_LINES, len(lay.lines) - len(lay.footer), first_paragraph)
    top = lay.lines[:max(TOP_LINES, len(lay.header) + TOP_BODY_LINES)][:TOP_MAX_LINES]
    return meta.MetaLayout(
        header=tuple(ln.text for ln in lay.header), lead=tuple(ln.text for ln in lead[:2]),
        closing=tuple(closing), footer=tuple(ln.text for ln in lay.footer), url=url,
        headline=headline, dateline=dateline, top=tuple(ln.text for ln in top), top_kinds=tuple(ln.kind for ln in top),
        top_header=min(len(lay.header), len(top)),
        signoff=tuple(ln.text for ln in lay.lines[lay.body[-1].index + 1:len(lay.lines) - len(lay.footer)]) if lay.body else (),
        upper=tuple(ln.text for ln in lay.lines[len(lay.header):upper_end] if ln.kind == "meta"))


def article_from_html(id: str, html: bytes, url: str | None = None,
                      http_charset: str | None = None) -> Article:
    """Build an Article from HTML bytes; ``raw`` is the extracted body text."""
    # Imported here: the HTML reader and lxml are a tenth of a text-only run's start-up.
    from corpus.html import extract_page

    page = extract_page(html, http_charset=http_charset, url=url)
    body = page.body
    if not body.strip():
        raise NotAnArticle("HTML page has no article text")
    return Article(
        id=id, text=body, url=url, raw=body, title=page.title, title_origin=page.title_origin,
        published=page.published, source=page.source, author=page.author, meta_evidence=page.meta_evidence,
        simplified=simplify(body),
        raw_map=RawMap.identity(len(body)), content_hash=content_hash(body),
    )
