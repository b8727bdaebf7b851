"""HTML page bytes → article body and metadata.

``extract_body(html, http_charset=None) -> str`` never raises, whatever the bytes; a page
without an article gives ``""``. ``extract_page(...) -> HtmlPage`` raises only
``NotAnArticle`` for a list or front page; marker tables are ``corpus/data/html_*.tsv``.

The cascade, in order:

1. cap the input at ``MAX_HTML_BYTES`` and decode it (``corpus.decode``);
2. parse with lxml's HTML parser (the parser behind BeautifulSoup's ``"lxml"`` backend,
   used directly because building the soup alone runs below 100 pages/s) and read the
   page as visible lines in document order: each line knows its link text, heading level,
   whether it sits in a chrome region (nav/footer/share …) or follows an image. Comment
   and reply areas are skipped whole (named so, or repeated blocks with a user's time stamp
   and 回复/赞 buttons, or four and more with a time stamp line each); on a forum thread the
   first post is read back as the article (labelled 楼主/1楼 and longer than what was chosen
   without it, or nothing else is there). A data table becomes one line per row, its cells
   joined by tabs;
3. score each line for being body text: Chinese prose has characters *and* ，。；
   punctuation and little link text; short unpunctuated lines and link lists cost;
   stop lines (相关阅读, 上一篇, 责任编辑 …) are walls nothing crosses;
4. the body is the run of consecutive lines with the largest total score (maximum
   subarray). Working on lines in document order, not on one DOM node, merges an article
   that old portals split over table cells or sibling divs. A data table appended to the
   last paragraph joins the body; a list or front page (linked headlines over excerpts, or
   headlines and no body) raises ``NotAnArticle`` with the reason;
5. trim the edges with the marker tables of ``corpus.boilerplate_html``: title, date,
   source, view counts, bylines before; sign-offs, 【纠错】/打印/关闭 after; drop captions
   and template tokens inside;
6. if nothing is left but the page has prose, fall back to its longest prose line.

>>> extract_body('<h1>标题</h1><p>村里建起了老党员之家，党员们每周在这里学习。</p>'.encode())
'村里建起了老党员之家，党员们每周在这里学习。'
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Callable

import lxml.etree
import lxml.html

from corpus import boilerplate_html as bp
from corpus.decode import BINARY_SNIFF_BYTES, decode_html, looks_binary
from corpus.errors import NotAnArticle
from corpus import meta as page_meta
from corpus.script import simplify

# A 50 MB page (a log dump, a page of inlined images) must not cost minutes or gigabytes:
# only the first 8 MB are read (about 0.3 s and 200 MB). No real article page comes near
# it; the body, if any, is in the part kept. Under libxml2's 10,000,000-byte limit for one
# text node, so a page that is one huge paragraph still yields text.
MAX_HTML_BYTES = 8 * 1024 * 1024

RE_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
RE_HANZI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
RE_PROSE_PUNCT = re.compile(r"[，。；！？、,;!?]")
RE_SENTENCE_END = re.compile(r"[。！？!?…”」』）)]\s*$")
RE_INNER_COLON = re.compile(r"(?<=[^\d\s])[:：]\s*\S")
RE_LABEL_END = re.compile(r"[:：]\s*$")
RE_FULL_STOP = re.compile(r"[。！？!?…][”」』\"]?\s*$")
RE_CLAUSE_COMMA = re.compile(r"[，,][^，,]*\S")
RE_WORDS = re.compile(r"[^\W_]")
RE_NOT_WORDS = re.compile(r"[\W_]+")


def _squeeze(text: str, sep: str = " ") -> str:
    """Runs of whitespace as one ``sep``, none at the ends: ``RE_SPACE`` semantics. str.split
    splits on the same Unicode whitespace as the regex's \\s, in C; only the zero-width
    characters that RE_SPACE adds need the regex."""
    if "\u200b" in text or "\ufeff" in text:
        return RE_SPACE.sub(sep, text).strip()
    return sep.join(text.split())


def _word_count(text: str) -> int:
    """Letters, digits and Chinese characters in ``text``: its length less the runs of other
    characters (far fewer matches than one per word character)."""
    return len(text) - sum(map(len, RE_NOT_WORDS.findall(text)))

# Frequent characters that only traditional script uses (們 這 來 發 區 黨 …). A page whose
# visible text has TRADITIONAL_MIN of them is read again with a simplified copy of each line
# for the marker tables, which are simplified-only; a 繁體版 link alone does not count.
RE_TRADITIONAL = re.compile(r"[們這個來時發為說對開關過還會與當頁網編輯體讀點擊閱覽數號權標題責審區國黨員組織縣鄉鎮]")
TRADITIONAL_MIN = 10
RE_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|<!--.*?-->|\[#.*?#\]|\$[a-zA-Z_]\w*(?:\.\w+)*")

# lxml.html looks each element's class up in Python (by tag name); every element of our
# pages is a plain HtmlElement, and a lookup done in C saves about 5% of the run time.
HTML_LOOKUP = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity)

# What the walk needs to know of an element, as bits of one dict value; and what an open
# element raised, to be lowered at its end.
MARK_SKIP, MARK_TABLE, MARK_CHROME, MARK_CAPTION, MARK_CENTER = 1, 2, 4, 8, 16
OPEN_BLOCK, OPEN_LINK, OPEN_HEADING, OPEN_CHROME, OPEN_CAPTION = 1, 2, 4, 8, 16

# Scores (in characters of text) that shape the maximum-subarray choice.
LINE_COST = 12              # every line pays this: a list of short items adds up negative
NO_PUNCT_COST = 20          # an unpunctuated line is a heading, a menu item or a label
PUNCT_BONUS = 5             # per ，。； in the line, at most one per five characters
LINK_WEIGHT = 1.5           # link text counts against the line
CHROME_WEIGHT = 0.2         # text inside nav/footer/share regions counts this much
STOP_SCORE = -10_000        # stop lines: nothing crosses them
JOIN_MIN_SCORE = 40         # a run of prose worth joining across an inline box
MAX_GAP_LINES = 20          # the longest inline box of links an article may span
MAX_DEPTH = 400             # deeper nesting is a broken or hostile page: not read further
HIDDEN_ARTICLE_MIN_STOPS = 3    # a hidden element with fewer full stops is no article
# XPath expressions are compiled once: compiling one per call costs more than running it.
XPATH_FULL_STOPS = lxml.etree.XPath("string-length(.) - string-length(translate(., '。', ''))")
XPATH_CLASS_ID = lxml.etree.XPath("//@class | //@id")
XPATH_STYLE = lxml.etree.XPath("//@style")
XPATH_HIDDEN = lxml.etree.XPath("//*[@hidden]")
XPATH_ALIGN_CENTER = lxml.etree.XPath(
    "//*[translate(normalize-space(@align), 'CENTR', 'centr') = 'center']")
MIN_BODY_CHARS = 10         # a body shorter than this is no article
TITLE_LINE_MAX_CHARS = 140  # a longer first line is never the headline repeated
# Data tables inside the article (see ``_data_tables``).
TABLE_MIN_ROWS = 2          # rows with two cells or more
TABLE_WIDE_SHARE = 0.6      # of all rows
TABLE_MAX_CELL_CHARS = 200
TABLE_MEAN_CELL_CHARS = 40
TABLE_MAX_LINK_SHARE = 0.3  # more link text than this: a list of links laid out as a table
TABLE_ROW_SCORE = 1.0       # a row neither breaks a run nor draws the choice on its own
TABLE_TITLE_MAX_LINES = 2   # lines (附表：…) between the last paragraph and an appended table
# Comment blocks (see ``_comment_groups``).
COMMENT_MAX_CLIMB = 8       # levels from a button up to its comment block
COMMENT_MARKED_SHARE = 0.5  # of the sibling blocks that must carry buttons and a time
BUTTON_MAX_CHARS = bp.COMMENT_ACTION_MAX_CHARS
RE_BUTTON_WORD = bp.RE_COMMENT_ACTION_WORD.search
STAMP_MAX_CHARS = 30         # a time stamp standing as a text of its own
RE_STAMP = bp.RE_COMMENT_STAMP.search
COMMENT_STAMP_MIN_BLOCKS = 4  # blocks with a stamp and no buttons, to be taken for comments
COMMENT_MIN_WORDS = 10        # characters of its own, besides the stamp, a comment has
# A set test in C rules out most short texts before the regex runs.
BUTTON_FIRST_CHARS = frozenset(c for w in bp.marker_list("comment_action") for c in (w[0].lower(), w[0].upper()))
# List and front pages (see ``list_page_reason``).
LIST_MIN_HEADLINES = 8      # linked headlines on a page with no article body
LIST_MAX_BODY_CHARS = 200   # a chosen body this long is an article, prose or not
FRONT_MIN_TEASERS = 3       # linked headlines each followed by an excerpt
TEASER_REACH = 4            # lines below a headline where its excerpt may stand
FRONT_BODY_EXCERPTS = 3     # a body longer than this many excerpts is an article, not a post


@dataclass(frozen=True, slots=True)
class Line:
    """One visible line of the page."""

    text: str
    link_chars: int        # characters of ``text`` inside <a>
    heading: bool          # inside <h1>–<h3>
    chrome: bool           # inside an element whose class/id names a nav, footer, share bar …
    caption: bool          # inside a caption element, or a caption-like line right after an <img>
    plain: str = ""        # ``text`` in simplified script, same length: what the marker tables see
    table: bool = False    # one row of a data table in the page: its cells joined by tabs

    def __post_init__(self) -> None:
        if not self.plain:
            object.__setattr__(self, "plain", self.text)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """What one HTML page yields: the body and best-effort metadata.

    ``published`` is an ISO date (``2022-02-11``) or None.
    """

    body: str
    title: str | None
    published: str | None
    source: str | None
    author: str | None
    encoding: str
    title_origin: str | None = None        # see ``Article.title_origin``
    meta_evidence: tuple[str, ...] = ()    # the metadata votes (``corpus.meta.read``)


def extract_body(html: bytes, http_charset: str | None = None) -> str:
    """HTML bytes → article body, paragraphs joined by ``\\n``; ``""`` when there is none.

    >>> extract_body('<p>来源：县委组织部</p><p>全县共建成党群服务中心126个，覆盖所有村。</p>'.encode("gbk"))
    '全县共建成党群服务中心126个，覆盖所有村。'
    """
    try:
        return extract_page(html, http_charset, _with_meta=False).body
    except NotAnArticle:
        return ""


def extract_page(html: bytes, http_charset: str | None = None, url: str | None = None,
                 _with_meta: bool = True) -> HtmlPage:
    """HTML bytes → HtmlPage (body, title, published, source, author, encoding). Metadata is
    read by ``corpus.meta`` from the lines above and below the body, the page's <meta> tags,
    <title>, h1–h3 and JSON-LD, and ``url``.

    Raises ``NotAnArticle(reason)`` for a list or front page (``list_page_reason``), so the
    ingest path records why in ``skips``; any other input gives a page, possibly with no body.
    """
    if not isinstance(html, (bytes, bytearray)):
        html = str(html).encode("utf-8", "replace")
    data = bytes(html[:MAX_HTML_BYTES])
    if _has_control_bytes(data) and looks_binary(data):
        return HtmlPage("", None, None, None, None, "binary")
    text, encoding = decode_html(data, http_charset)
    root = parse_html(text)
    if root is None:
        return HtmlPage("", None, None, None, None, encoding)
    # Read only when needed: extract_body asks for the headline on few pages (``trim_body``).
    hints = cache(lambda: page_meta.html_hints(root))
    reader = _LineReader(root, text)
    lines = reader.read()
    if len(RE_TRADITIONAL.findall("".join(ln.text for ln in lines))) >= TRADITIONAL_MIN:
        lines = reader.read(traditional=True)
    # The headline as the page's markup gives it, so that trimming drops it from the body.
    title = cache(lambda: page_meta.read(page_meta.MetaLayout(html=hints(), url=url)).title)
    chosen, body_lines = _choose_and_trim(lines, title)
    if reader.first_post_wins(sum(map(len, body_lines))) and reader.keep_first_post():
        # A forum thread: its first post is the article, the replies are not.
        lines = reader.without_replies()
        chosen, body_lines = _choose_and_trim(lines, title)
    reason = list_page_reason(lines, chosen, body_lines)
    if reason:
        raise NotAnArticle(reason)
    if not body_lines:
        body_lines = fallback_body(lines)
    if not _with_meta:
        # extract_body: the metadata read below costs a third of the run and is not needed.
        return HtmlPage("\n".join(body_lines), None, None, None, None, encoding)
    start, end = (chosen[0], chosen[-1] + 1) if chosen else (0, 0)
    # Date, source and author lines sit between the title and the body.
    head_lines = [ln.text for ln in lines[max(0, start - 40):start] if not ln.caption]
    info = page_meta.read(page_meta.MetaLayout(
        header=tuple(head_lines), lead=tuple(body_lines[:2]), closing=tuple(ln.text for ln in lines[end:end + 3]),
        url=url, html=hints()))
    return HtmlPage(
        body="\n".join(body_lines), title=info.title, published=info.published, source=info.source,
        author=info.author, encoding=encoding, title_origin=info.title_origin, meta_evidence=info.evidence,
    )


# Bytes that ``corpus.decode.looks_binary`` counts as control characters. A page with none of
# them in the sniffed head is text for sure; counting them with ``bytes.translate`` runs in C,
# where looks_binary's own count runs in Python (5% of a page's time).
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13, 27))


def _has_control_bytes(data: bytes) -> bool:
    return bool(data[:BINARY_SNIFF_BYTES].translate(None, _NOT_CONTROL))


def _choose_and_trim(lines: list[Line], title: str | None | Callable[[], str | None]) -> tuple[list[int], list[str]]:
    chosen = choose_body(lines)
    return chosen, trim_body([lines[i] for i in chosen], title)


def _is_linked_headline(line: Line) -> bool:
    return (
        line.link_chars * 2 >= len(line.plain) and line.link_chars >= 4 and len(line.plain) <= 80
        and not line.chrome and not line.table
        and len(RE_HANZI.findall(line.plain)) >= 4 and stop_kind(line.plain) is None
    )


def _teaser_excerpt(lines: list[Line], i: int) -> int:
    """Characters of the excerpt under a linked headline, or 0 when line ``i`` is no teaser.

    A teaser is a heading, or has a 继续阅读 link under its excerpt; no other headline stands
    between headline and excerpt (a column of headlines above an article is no teaser).
    """
    reach = lines[i + 1:i + 1 + TEASER_REACH]
    excerpt = None
    for j, ln in enumerate(reach):
        if _is_linked_headline(ln):
            break
        if _is_prose(ln.plain) and ln.link_chars * 2 < len(ln.plain):
            excerpt = j
            break
    if excerpt is None:
        return 0
    if lines[i].heading or any(bp.RE_READ_MORE.match(ln.plain) for ln in reach[excerpt + 1:]):
        return len(reach[excerpt].plain)
    return 0


def list_page_reason(lines: list[Line], chosen: list[int], body: list[str]) -> str | None:
    """Why the page is a list or front page rather than one article, or None.

    A front page shows several posts, each a linked headline over an excerpt (and often a
    继续阅读 link); a list page is linked headlines with no article body at all. Gluing the
    excerpts together would make an article that no one wrote.

    >>> teaser = [Line("秋天的银杏", 5, True, False, False), Line("小区门口的银杏全黄了，满地都是金色的叶子。", 0, False, False, False)]
    >>> list_page_reason(teaser * 3, [1], ["小区门口的银杏全黄了，满地都是金色的叶子。"])
    'front page: 3 linked headlines each over an excerpt, no single article'
    """
    # A front page's chosen run starts in an excerpt, under its own headline: only then are
    # all the page's headlines looked at.
    above = range(max(0, chosen[0] - TEASER_REACH), chosen[0]) if chosen else range(0)
    if any(_is_linked_headline(lines[i]) and _teaser_excerpt(lines, i) for i in above):
        teasers = {i: n for i, ln in enumerate(lines) if _is_linked_headline(ln) and (n := _teaser_excerpt(lines, i))}
        first, last = min(teasers), max(teasers)
        glued = any(chosen[0] <= i <= chosen[-1] for i in teasers)
        # An article under a linked headline, with teasers of related news below it, is
        # much longer than their excerpts; one post chosen off a front page is not.
        others = sorted(n for i, n in teasers.items() if not chosen[0] - TEASER_REACH <= i < chosen[0])
        body_chars = sum(map(len, body))
        short = bool(others) and body_chars <= FRONT_BODY_EXCERPTS * others[len(others) // 2]
        if len(teasers) >= FRONT_MIN_TEASERS and first < chosen[0] <= last + TEASER_REACH and (glued or short):
            return f"front page: {len(teasers)} linked headlines each over an excerpt, no single article"
    # An article may be a table with a line of title (a 公示 of names): enough text is a body.
    if (any(_is_prose(text) for text in body) or sum(map(len, body)) >= LIST_MAX_BODY_CHARS
            or sum(lines[i].table for i in chosen) >= TABLE_MIN_ROWS):
        return None
    headlines = sum(map(_is_linked_headline, lines))
    if headlines >= LIST_MIN_HEADLINES:
        return f"list page: {headlines} linked headlines, no article body"
    return None


_PARSERS = threading.local()


def _parser() -> lxml.html.HTMLParser:
    """This thread's HTML parser (an lxml parser may serve one thread at a time)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                      collect_ids=False, remove_blank_text=True)
        parser.set_element_class_lookup(HTML_LOOKUP)
        _PARSERS.parser = parser
    return parser


def parse_html(text: str):
    """Decoded page → lxml root element, or None when there is no markup to read."""
    if not text.strip():
        return None
    # Parse UTF-8 bytes with the encoding fixed: a <meta charset> or <?xml encoding?> left
    # in the text must not make lxml decode it a second time. Control characters are ASCII,
    # so deleting them from the UTF-8 bytes (in C) equals deleting them from the text.
    data = text.encode("utf-8", "replace").translate(None, CONTROL_BYTES)
    if not data.strip():
        return None
    try:
        root = lxml.html.document_fromstring(data, parser=_parser())
    except (lxml.etree.ParserError, ValueError):
        return None
    return root



@lru_cache(maxsize=4096)
def _attr_kinds(value: str, is_class: bool) -> tuple[int, ...]:
    """Which named regions a class/id value marks: 0 chrome, 1 comment, 2 caption. Pages
    repeat a few values hundreds of times (``item``, ``list-li``), so answers are cached."""
    value = value.lower()
    if not bp.RE_ANY_ATTR_WORD.search(value):
        return ()
    kinds = []
    if bp.RE_CHROME_ATTR.search(value):
        kinds.append(0)
    if bp.RE_COMMENT_ATTR.search(value):
        kinds.append(1)
    if is_class and bp.RE_CAPTION_ATTR.search(value):
        kinds.append(2)
    return tuple(kinds)


def _named_regions(root) -> tuple[set, set, set]:
    """(chrome, comment, caption) elements, named so by their class or id.

    Chrome: ``nav``, ``footer``, ``share-bar``; comment areas: ``comments-area``, ``replyList``;
    captions: ``pic_txt``. Only whole class tokens, or tokens that start or end with the word,
    count for chrome and comments: the <body> of one page carries ``u-has-nav-bar`` and still
    holds the article. One pass over the attributes serves all three.
    """
    chrome, comment, caption = set(), set(), set(root.iter("figcaption"))
    sets = (chrome, comment, caption)
    for value in XPATH_CLASS_ID(root):
        kinds = _attr_kinds(str(value), value.attrname == "class")
        if kinds:
            el = value.getparent()
            for kind in kinds:
                if kind == 2 or el.tag not in bp.NEVER_CHROME_TAGS:
                    sets[kind].add(el)
    return chrome, comment, caption


STYLE_HIDDEN, STYLE_CENTER = 1, 2


@lru_cache(maxsize=4096)
def _style_kind(style: str) -> int:
    """Bits of an inline style: hidden, centred. Editors repeat the same style on every
    paragraph (a WeChat page has thousands), so answers are cached."""
    low = style.lower()
    if "none" not in low and "hidden" not in low and "center" not in low:
        return 0
    return ((STYLE_HIDDEN if bp.RE_HIDDEN_STYLE.search(style) else 0)
            | (STYLE_CENTER if bp.RE_CENTER_STYLE.search(style) else 0))


def _hidden_elements(root, styles: list) -> set:
    """Elements hidden by an inline style or the ``hidden`` attribute.

    An element that holds most of the page's Chinese text is the article itself, hidden
    until a script shows it (WeChat's ``<div id="js_content" style="visibility: hidden">``):
    it is read like any other.
    """
    found = {v.getparent() for v in styles if _style_kind(str(v)) & STYLE_HIDDEN}
    found.update(XPATH_HIDDEN(root))
    # Full stops measure the prose; XPath counts them inside libxml2, fast on big pages.
    stops = {el: XPATH_FULL_STOPS(el) for el in found}
    big = [el for el, n in stops.items() if n >= HIDDEN_ARTICLE_MIN_STOPS]
    if big:
        page_stops = XPATH_FULL_STOPS(root)
        found.difference_update(el for el in big if stops[el] >= bp.HIDDEN_ARTICLE_SHARE * page_stops)
    return found


def _centered_elements(root, styles: list) -> set:
    """Elements centred by ``align=center``, an inline ``text-align: center`` or <center>."""
    found = {v.getparent() for v in styles if _style_kind(str(v)) & STYLE_CENTER}
    found.update(XPATH_ALIGN_CENTER(root))
    found.update(root.iter("center"))
    return found


def _visible_text(el, hidden: set) -> list[str]:
    """Text pieces of ``el`` in order, without script/style and hidden elements."""
    out: list[str] = []

    def visit(node) -> None:
        if not isinstance(node.tag, str) or node.tag in bp.SKIP_TAGS or node in hidden:
            return
        if node.text:
            out.append(node.text)
        for child in node:
            visit(child)
            if child.tail:
                out.append(child.tail)
        if node.tag in ("p", "br", "div", "li"):
            out.append(" ")

    visit(el)
    return out


def _data_tables(root) -> set:
    """Tables of data inside an article (a programme, figures by year): rows of short cells.

    A layout table (the whole page, a column of links, one cell holding the article) is not
    one: it nests tables, has one column, long cells or mostly links, and is read as today.
    """
    found = set()
    for table in root.iter("table"):
        if table.find(".//table") is not None:
            continue
        rows = [[c for c in row if c.tag in ("td", "th")] for row in table.iter("tr")]
        wide = sum(len(cells) >= 2 for cells in rows)
        if wide < TABLE_MIN_ROWS or wide < TABLE_WIDE_SHARE * len(rows):
            continue
        lengths = [len(RE_SPACE.sub("", c.text_content())) for cells in rows for c in cells]
        total = sum(lengths)
        if not total or max(lengths) > TABLE_MAX_CELL_CHARS or total / len(lengths) > TABLE_MEAN_CELL_CHARS:
            continue
        links = sum(len(RE_SPACE.sub("", a.text_content())) for a in table.iter("a"))
        if links > TABLE_MAX_LINK_SHARE * total:
            continue
        found.add(table)
    return found


def _comment_groups(root, buttons: list[tuple], stamps: list[tuple] = ()) -> list[list]:
    """Runs of sibling blocks that are readers' comments or forum posts, in page order.

    A block is a comment when it repeats (siblings of the same tag and class) and either holds
    a button (回复, 赞(3), 举报) and a time stamp or floor number (05-06 09:12, 3楼), or, with
    no buttons, a time stamp of its own line (2024-05-06 09:12, 3分钟前) over a few words of
    its own: then four such blocks are needed. ``buttons`` and ``stamps`` are the
    (element, text) pairs the walk met.
    """
    groups: dict = {}
    siblings: dict = {}    # (parent, tag, class) → the children alike; buttons share climbs

    def climb(el, is_comment, kind: int) -> None:
        for _ in range(COMMENT_MAX_CLIMB):
            parent = el.getparent()
            if parent is None:
                return
            key = (parent, el.tag, el.get("class"))
            same = siblings.get(key)
            if same is None:
                same = siblings[key] = [c for c in parent if c.tag == el.tag and c.get("class") == key[2]]
            if len(same) >= 2:
                group = groups.get(key + (kind,))
                if group is not None and el in group[1]:
                    return
                if is_comment(el):
                    groups.setdefault(key + (kind,), (same, set()))[1].add(el)
                    return
            el = parent

    for el, text in buttons:
        if bp.RE_COMMENT_ACTION.match(text.strip()):
            climb(el, lambda block: bp.RE_COMMENT_TIME.search(block.text_content()) is not None, 0)
    for el, text in stamps:
        if bp.RE_COMMENT_STAMP.fullmatch(text.strip()):
            climb(el, lambda block, n=len(text): _own_words(block) >= n + COMMENT_MIN_WORDS, 1)
    found = []
    for (*_, kind), (same, marked) in groups.items():
        need = COMMENT_STAMP_MIN_BLOCKS if kind else 2
        if len(marked) >= need and len(marked) >= COMMENT_MARKED_SHARE * len(same) and same not in found:
            found.append(same)
    order = {el: i for i, el in enumerate(root.iter())} if len(found) > 1 else {}
    return sorted(found, key=lambda g: order.get(g[0], 0))


def _own_words(block) -> int:
    """Characters of ``block`` outside its links (a headline list is links and dates)."""
    links = sum(len(a.text_content()) for a in block.iter("a"))
    return len(_squeeze(block.text_content(), "")) - links


def _is_thread_start(block) -> bool:
    """The first post of a forum thread says so: 楼主, 1楼, #1."""
    return any(bp.RE_FORUM_FIRST.search(t.strip()) for t in block.itertext() if len(t.strip()) <= 6)


class _LineReader:
    """Walks the tree, collecting text pieces into lines. The element sets (chrome, hidden,
    caption, centred) are found once per page; ``read`` may walk again in the other script."""

    def __init__(self, root, source: str | None = None) -> None:
        self.root = root
        self.chrome_set, named_comments, self.caption_set = _named_regions(root)
        styles = XPATH_STYLE(root)
        self.hidden_set = _hidden_elements(root, styles)
        self.center_set = _centered_elements(root, styles)
        self.table_set = _data_tables(root) if "<table" in (source or "<table") else set()
        # Comment blocks are found from the buttons the first walk meets (see ``read``).
        self.comment_groups: list[list] | None = None
        self.comment_set = named_comments
        self.replies: set = set()      # comment blocks whose lines ``read`` leaves out

    def read(self, traditional: bool = False) -> list[Line]:
        """The page's lines (see ``read_lines``). The first walk also collects short texts that
        may be comment buttons (回复, 赞(3)); the lines of the comment blocks they mark are
        left out (each line knows its block), with no second walk."""
        lines = self.walk_page(traditional)
        if self.comment_groups is None:
            self.comment_groups = _comment_groups(self.root, self.buttons, self.stamps)
            self.replies = {block for group in self.comment_groups for block in group}
            if any(block.tag not in bp.BLOCK_TAGS for block in self.replies):
                # An inline comment block shares lines with its neighbours: walk without it.
                self.comment_set = self.comment_set | self.replies
                self.replies = set()
                lines = self.walk_page(traditional)
        self.full_lines, self.full_blocks = lines, self.line_blocks
        return self.without_replies()

    def without_replies(self) -> list[Line]:
        """The lines of the last walk outside the comment blocks (``replies``)."""
        if not self.replies:
            return self.full_lines
        inside: dict = {}
        kept = []
        for line, block in zip(self.full_lines, self.full_blocks):
            skip = inside.get(block)
            if skip is None:
                el, skip = block, False
                while el is not None:
                    if el in self.replies:
                        skip = True
                        break
                    el = el.getparent()
                inside[block] = skip
            if not skip:
                kept.append(line)
        return kept

    def walk_page(self, traditional: bool) -> list[Line]:
        self.lines: list[Line] = []
        self.line_blocks: list = []    # the innermost open block of each line
        self.blocks: list = [self.root]
        self.buttons: list[tuple] = []
        self.stamps: list[tuple] = []
        self.pieces: list[str] = []
        self.link_chars = 0
        self.link = self.heading = self.chrome = self.caption = 0
        # Whether each open block is centred: only a line's own block counts, since old
        # portals centre the whole layout table.
        self.centered: list[bool] = [False]
        self.after_img = False
        self.traditional = traditional
        marks: dict = {}
        for bit, elements in ((MARK_CHROME, self.chrome_set), (MARK_CAPTION, self.caption_set),
                              (MARK_CENTER, self.center_set), (MARK_TABLE, self.table_set),
                              (MARK_SKIP, self.hidden_set), (MARK_SKIP, self.comment_set)):
            for el in elements:
                marks[el] = marks.get(el, 0) | bit
        self.marks = marks
        self.walk(self.root)
        self.flush()
        return self.lines

    def add(self, text: str | None) -> None:
        # Whitespace before any text of a line (indentation between block tags) is stripped
        # anyway; not keeping it spares most of the empty flushes.
        if not text or (not self.pieces and text.isspace()):
            return
        self.pieces.append(text)
        if self.link:
            self.link_chars += len(RE_SPACE.sub("", text))

    def flush(self) -> None:
        if not self.pieces:
            return
        text = "".join(self.pieces)
        # CMS template tokens ({{article.editor}}, ${title}) left unrendered are no text.
        if "{" in text or "$" in text or "[#" in text or "<!--" in text:
            text = RE_TEMPLATE.sub("", text)
        text = _squeeze(text)
        link = self.link_chars
        self.pieces.clear()
        self.link_chars = 0
        if not text:
            return
        plain = simplify(text) if self.traditional else text
        # A short line right after an image is its caption when it says so (摄, 图, (张三))
        # or is centred under it; a numbered subheading is neither.
        caption = self.caption > 0 or (
            self.after_img and _short_unfinished(plain)
            and (bp.RE_CAPTION_HINT.search(plain) is not None
                 or (self.centered[-1] and bp.RE_NUMBERED_HEADING.search(plain) is None))
        )
        self.lines.append(Line(text, min(link, len(text)), self.heading > 0, self.chrome > 0, caption, plain))
        self.line_blocks.append(self.blocks[-1])
        self.after_img = False

    def first_post_wins(self, body_chars: int) -> bool:
        """Whether the first block of the first comment group is the article: nothing else on
        the page is, or it is labelled 楼主/1楼 and longer than what was chosen without it (a
        news site numbering its comments 1楼, 2楼 keeps its article)."""
        if not self.comment_groups:
            return False
        first = self.comment_groups[0][0]
        return not body_chars or (_is_thread_start(first) and _own_words(first) > body_chars)

    def keep_first_post(self) -> bool:
        """Take the first block of the first comment group back as text (a forum thread's
        first post is its article). False when there is no such block to take back."""
        for group in self.comment_groups or ():
            first = group[0]
            if first in self.replies:
                self.replies = self.replies - {first}
                return True
            if first in self.comment_set:
                self.comment_set = self.comment_set - {first}
                self.full_lines = self.walk_page(self.traditional)
                self.full_blocks = self.line_blocks
                return True
        return False

    def add_table(self, table) -> None:
        """A data table: its <caption> as a line, then one line per row, cells joined by tabs."""
        self.flush()
        for caption in table.iter("caption"):
            self.add("".join(_visible_text(caption, self.hidden_set)))
            self.flush()
        for row in table.iter("tr"):
            cells = [RE_SPACE.sub(" ", "".join(_visible_text(cell, self.hidden_set))).strip()
                     for cell in row if cell.tag in ("td", "th")]
            while cells and not cells[-1]:
                cells.pop()
            text = RE_TEMPLATE.sub("", "\t".join(cells)).strip()
            if not text:
                continue
            links = sum(len(RE_SPACE.sub("", a.text_content())) for a in row.iter("a"))
            plain = simplify(text) if self.traditional else text
            self.lines.append(Line(text, min(links, len(text)), False, self.chrome > 0, False, plain, True))
            self.line_blocks.append(table)
        self.after_img = False

    def walk(self, root) -> None:
        """Visit the tree in document order (lxml's iterwalk, no Python recursion: the walk
        is the hot loop). Each open element keeps the counters it raised, to lower them at
        its end; its tail is text of the parent and is read after it."""
        marks, pieces, buttons, stamps = self.marks, self.pieces, self.buttons, self.stamps
        skip_tags, block_tags, heading_tags = bp.SKIP_TAGS, bp.BLOCK_TAGS, bp.HEADING_TAGS
        opened: list = []
        walker = lxml.etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            if event == "end":
                state = opened.pop()
                if state:
                    if state & OPEN_BLOCK:
                        if pieces:
                            self.flush()
                        self.centered.pop()
                        self.blocks.pop()
                    if state & OPEN_LINK:
                        self.link -= 1
                    if state & OPEN_HEADING:
                        self.heading -= 1
                    if state & OPEN_CHROME:
                        self.chrome -= 1
                    if state & OPEN_CAPTION:
                        self.caption -= 1
                text = el.tail
                owner = None
            else:
                tag = el.tag
                mark = marks.get(el, 0)
                if tag in skip_tags or mark & MARK_SKIP or not isinstance(tag, str) or len(opened) > MAX_DEPTH:
                    walker.skip_subtree()
                    opened.append(0)
                    continue
                if mark & MARK_TABLE:
                    self.add_table(el)
                    walker.skip_subtree()
                    opened.append(0)
                    continue
                state = 0
                if tag in block_tags:
                    if pieces:
                        self.flush()
                    self.centered.append(bool(mark & MARK_CENTER))
                    self.blocks.append(el)
                    state = OPEN_BLOCK
                elif tag == "a":
                    self.link += 1
                    state = OPEN_LINK
                elif tag == "img":
                    self.after_img = True
                if tag in heading_tags:
                    self.heading += 1
                    state |= OPEN_HEADING
                if mark & MARK_CHROME:
                    self.chrome += 1
                    state |= OPEN_CHROME
                if mark & MARK_CAPTION:
                    self.caption += 1
                    state |= OPEN_CAPTION
                opened.append(state)
                text = el.text
                owner = el
            if text and (pieces or not text.isspace()):
                pieces.append(text)
                if self.link:
                    self.link_chars += len(_squeeze(text, ""))
                if len(text) <= STAMP_MAX_CHARS:
                    if (len(text) <= BUTTON_MAX_CHARS and not BUTTON_FIRST_CHARS.isdisjoint(text)
                            and RE_BUTTON_WORD(text)):
                        buttons.append((owner if owner is not None else el.getparent(), text))
                    elif (":" in text or "前" in text) and RE_STAMP(text):
                        stamps.append((owner if owner is not None else el.getparent(), text))


def read_lines(root, traditional: bool = False) -> list[Line]:
    """The visible text of the page as lines, in document order (see the module docstring).

    ``traditional``: the page is in traditional script; each line also gets a simplified
    copy (``Line.plain``) for the marker tables.
    """
    return _LineReader(root).read(traditional)


def _short_unfinished(text: str) -> bool:
    return len(text) <= 60 and not RE_SENTENCE_END.search(text)


@lru_cache(maxsize=16384)
def stop_kind(text: str) -> str | None:
    """``"end"`` for lines that close an article, ``"related"`` for heads of link boxes.

    >>> stop_kind("责任编辑：王芳"), stop_kind("相关阅读"), stop_kind("全县共建成服务中心。")
    ('end', 'related', None)
    """
    if len(text) <= bp.STOP_MAX_CHARS:
        if bp.RE_END.search(text):
            return "end"
        m = bp.RE_SIGNOFF.search(text)
        # A last sentence with its editor in brackets (……更方便。（责任编辑：王芳）) is prose;
        # ``trim_body`` cuts the credit off.
        if m and not (RE_FULL_STOP.search(text[:m.start()]) and len(RE_HANZI.findall(text[:m.start()])) >= 8):
            return "end"
        if bp.RE_RELATED.search(text):
            return "related"
    # A paragraph about copyright law is prose; a footer has no full stops.
    if len(text) <= bp.FOOTER_MAX_CHARS and "。" not in text and bp.RE_FOOTER.search(text.lower()):
        return "end"
    return None


def score_line(line: Line) -> float:
    """How much a line looks like article prose, in characters (negative: furniture).

    >>> score_line(Line("全县共建成党群服务中心126个，覆盖所有行政村。", 0, False, False, False)) > 0
    True
    >>> score_line(Line("首页", 2, False, False, False)) < 0
    True
    """
    text = line.plain
    if stop_kind(text):
        return STOP_SCORE
    if line.table:
        return TABLE_ROW_SCORE if not _is_form_row(line) else -NO_PUNCT_COST
    chars = _word_count(text)
    own = max(0, chars - line.link_chars)
    punct = len(RE_PROSE_PUNCT.findall(text))
    # Punctuation is what sets a short paragraph (三句话) apart from a menu of the same length.
    value = own + PUNCT_BONUS * min(punct, own // 5) - LINK_WEIGHT * line.link_chars - LINE_COST
    # A colon inside a line (发动机排量：1171ml) marks a label: value pair of a data table
    # in the article, not a menu item; a colon at the end labels a box of links.
    if not punct and not (("：" in text or ":" in text) and RE_INNER_COLON.search(text)):
        value -= NO_PUNCT_COST
    if line.chrome:
        value = min(value * CHROME_WEIGHT, value)
    if line.heading or _is_meta(text):
        value = min(value, -NO_PUNCT_COST)
    return value


def _is_form_row(line: Line) -> bool:
    """A row of label cells (索 引 号： | 360700-2024-00231): page metadata, not data."""
    first = line.plain.split("\t", 1)[0]
    return bool(RE_LABEL_END.search(first)) or _is_meta(first.replace(" ", "")) or line.link_chars * 2 > len(line.plain)


def _kadane(scores: list[float], lo: int, hi: int) -> tuple[int, int, float]:
    """[start, end) within [lo, hi) with the largest sum of scores, and that sum."""
    best, best_range = 0.0, (lo, lo)
    total, start = 0.0, lo
    for i in range(lo, hi):
        if total <= 0:
            total, start = 0.0, i
        total += scores[i]
        if total > best:
            best, best_range = total, (start, i + 1)
    return best_range[0], best_range[1], best


def _gap_joinable(gap: list[Line]) -> bool:
    """Lines between two runs of prose that one article may span: an inline box of links
    or ads, subheadings, a related-reading head; not a sign-off, a title or a date line."""
    if sum(not line.table for line in gap) > MAX_GAP_LINES:
        return False
    for line in gap:
        if line.table:
            continue
        if stop_kind(line.plain) == "end" or line.heading or line.chrome or _is_meta(line.plain):
            return False
        if _is_prose(line.plain) and line.link_chars * 2 < len(line.plain):
            return False   # prose the scoring kept out: a different text
    return True


def choose_body(lines: list[Line]) -> list[int]:
    """Indices of the article's lines, in order.

    The run of lines with the largest total score (Kadane), joined with runs of prose on
    either side that only an inline box of links separates, then widened by one-sentence
    paragraphs at the edges (特此通告。) that the per-line cost pushed out.
    """
    scores = [score_line(line) for line in lines]
    start, end, _ = _kadane(scores, 0, len(scores))
    if start == end:
        return []
    gaps: list[range] = []
    joined = True
    while joined:
        joined = False
        lo = max(0, start - MAX_GAP_LINES - 200)
        cs, ce, value = _kadane(scores, lo, start)
        if value >= JOIN_MIN_SCORE and _gap_joinable(lines[ce:start]):
            gaps.append(range(ce, start))
            start, joined = cs, True
        hi = min(len(lines), end + MAX_GAP_LINES + 200)
        cs, ce, value = _kadane(scores, end, hi)
        if value >= JOIN_MIN_SCORE and _gap_joinable(lines[end:cs]):
            gaps.append(range(end, cs))
            end, joined = ce, True
    while start > 0 and (_is_edge_sentence(lines[start - 1]) or _is_lead_heading(lines[start - 1])):
        start -= 1
    while end < len(lines) and _is_edge_sentence(lines[end]):
        end += 1
    end = _extend_over_table(lines, scores, end)
    # A body that opens with a table takes the title line above it (2024年度拟表彰人选名单).
    while (start > 0 and lines[start].table and not lines[start - 1].table and not lines[start - 1].heading
           and _is_table_title(lines[start - 1])):
        start -= 1
    # Of a box the article spans, only its subheadings (and tables) belong to the article.
    dropped = {i for gap in gaps for i in gap if not (_is_subheading(lines[i]) or lines[i].table)}
    return [i for i in range(start, end) if i not in dropped]


def _extend_over_table(lines: list[Line], scores: list[float], end: int) -> int:
    """``end`` moved past a data table appended to the article (附：安排表 / 如下：, the table,
    a 注： line under it): the table's rows score too little to be chosen on their own."""
    while True:
        k = end
        while (k < len(lines) and k - end < TABLE_TITLE_MAX_LINES and not lines[k].table
               and _is_table_title(lines[k])):
            k += 1
        if k >= len(lines) or not lines[k].table or _is_form_row(lines[k]):
            return end
        while k < len(lines) and lines[k].table and scores[k] > 0:
            k += 1
        while k < len(lines) and scores[k] > 0 and not lines[k].table:
            k += 1
        end = k


def _is_table_title(line: Line) -> bool:
    text = line.plain
    return (
        len(text) <= bp.STOP_MAX_CHARS and not line.link_chars and not line.chrome and not line.caption
        and stop_kind(text) is None and not _is_meta(text) and len(RE_HANZI.findall(text)) >= 2
    )


def _is_lead_heading(line: Line) -> bool:
    """A numbered section heading (一、… （一）…) just before the chosen run opens the body."""
    text = line.plain
    return (
        len(text) <= bp.NUMBERED_HEADING_MAX_CHARS and bp.RE_NUMBERED_HEADING.search(text) is not None
        and not line.link_chars and not line.chrome and not line.caption
        and stop_kind(text) is None and not _is_meta(text)
    )


def _is_subheading(line: Line) -> bool:
    text = line.plain
    return (
        not line.link_chars and not line.caption and len(RE_HANZI.findall(text)) >= 2
        and not RE_LABEL_END.search(text) and stop_kind(text) is None
    )


def _is_edge_sentence(line: Line) -> bool:
    text = line.plain
    return (
        RE_SENTENCE_END.search(text) is not None and RE_PROSE_PUNCT.search(text) is not None
        and len(RE_HANZI.findall(text)) >= 2 and not line.link_chars and not line.chrome
        and not line.heading and not line.caption and stop_kind(text) is None and not _is_meta(text)
    )


@lru_cache(maxsize=16384)
def _is_meta(text: str) -> bool:
    """A date, source, byline or editor line. A sentence is not one, even when it opens with
    a date or 记者 (``2021年10月28日上午，七支部开展了主题党日活动。``)."""
    return (
        len(text) <= bp.META_MAX_CHARS and bp.RE_META.search(text) is not None
        and not _is_sentence(text)
    )


def _is_sentence(text: str) -> bool:
    return RE_FULL_STOP.search(text) is not None and RE_CLAUSE_COMMA.search(text) is not None


def _is_prose(text: str) -> bool:
    return RE_PROSE_PUNCT.search(text) is not None and len(RE_HANZI.findall(text)) >= 8


def _is_furniture(line: Line, text: str) -> bool:
    """Lines dropped anywhere in the body: captions, stop lines, link-only lines, dots."""
    if line.caption or bp.RE_CAPTION.search(text) or stop_kind(text):
        return True
    if RE_WORDS.search(text) is None:
        return True
    return line.link_chars * 2 >= len(text) and not RE_FULL_STOP.search(text)


def _is_title(text: str, norm_title: str) -> bool:
    norm = _norm(text)
    return bool(norm_title) and (norm == norm_title or (norm_title in norm and len(norm) <= len(norm_title) + 20))


def trim_body(lines: list[Line], title: str | None | Callable[[], str | None]) -> list[str]:
    """Drop the title, metadata and sign-off lines at the edges, captions and tokens inside.

    ``title`` may be a function: it is called only when a line could be the headline (short,
    not ending in 。), since reading the headline is a tenth of the page's time.
    """
    kept = [line for line in lines if line.text and not _is_furniture(line, line.plain)]
    norm_title: list[str] = []

    def is_title(text: str) -> bool:
        norm = _norm(text)
        if len(norm) > TITLE_LINE_MAX_CHARS or norm.endswith("。"):
            return False
        if not norm_title:
            value = title() if callable(title) else title
            norm_title.append(_norm(value) if value else "")
        return _is_title(text, norm_title[0])

    while kept and (
        is_title(kept[0].text)
        or (kept[0].table and _is_form_row(kept[0]))
        or (not kept[0].table and (_is_meta(kept[0].plain) or (
            _is_label(kept[0].plain, 30) and bp.RE_NUMBERED_HEADING.search(kept[0].plain) is None
            and not (len(kept) > 1 and kept[1].table))))   # the title of a table stays
    ):
        kept.pop(0)
    while kept and not kept[-1].table and (_is_meta(kept[-1].plain) or _is_label(kept[-1].plain, 20)):
        kept.pop()
    texts = [line.text for line in kept]
    if kept:
        m = bp.RE_TAIL_SIGNOFF.search(kept[-1].plain)
        if m and m.start() > 0:
            texts[-1] = texts[-1][:m.start()].rstrip()
    return texts


def _is_label(text: str, max_chars: int) -> bool:
    """A short line that is neither prose nor a finished sentence: 分享, 点击蓝字关注我们."""
    return not _is_prose(text) and not RE_SENTENCE_END.search(text) and len(text) <= max_chars


def fallback_body(lines: list[Line]) -> list[str]:
    """The longest prose line, for pages whose structure defeats the scoring."""
    prose = [ln.text for ln in lines if _is_prose(ln.text) and not ln.chrome and ln.link_chars * 2 < len(ln.text)]
    if not prose:
        return []
    best = max(prose, key=len)
    return [best] if _word_count(best) >= MIN_BODY_CHARS else []


def _norm(text: str) -> str:
    return RE_SPACE.sub("", text or "")
