"""HTML page bytes → article body and metadata.

``extract_body(html, http_charset=None) -> str`` and ``extract_page(...) -> HtmlPage``
never raise, whatever the bytes; a page without an article gives ``""``.

The cascade, in order:

1. cap the input at ``MAX_HTML_BYTES`` and decode it (``corpus.decode``);
2. parse with lxml's HTML parser (the parser behind BeautifulSoup's ``"lxml"`` backend,
   used directly because building the soup alone runs below 100 pages/s) and read the
   page as visible lines in document order: each line knows its link text, heading level,
   whether it sits in a chrome region (nav/footer/share …) or follows an image;
3. score each line for being body text: Chinese prose has characters *and* ，。；
   punctuation and little link text; short unpunctuated lines and link lists cost;
   stop lines (相关阅读, 上一篇, 责任编辑 …) are walls nothing crosses;
4. the body is the run of consecutive lines with the largest total score (maximum
   subarray). Working on lines in document order, not on one DOM node, merges an article
   that old portals split over table cells or sibling divs;
5. trim the edges with the marker tables of ``corpus.boilerplate_html``: title, date,
   source, view counts, bylines before; sign-offs, 【纠错】/打印/关闭 after; drop captions
   and template tokens inside;
6. if nothing is left but the page has prose, fall back to its longest prose line.

>>> extract_body('<h1>标题</h1><p>村里建起了老党员之家，党员们每周在这里学习。</p>'.encode())
'村里建起了老党员之家，党员们每周在这里学习。'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from corpus import boilerplate_html as bp
from corpus.boilerplate import RE_FULL_DATE
from corpus.decode import decode_html, looks_binary
from corpus.meta import iso_date
from corpus.script import simplify

# A 50 MB page (a log dump, a page of inlined images) must not cost minutes or gigabytes:
# only the first 8 MB are read (about 0.3 s and 200 MB). No real article page comes near
# it; the body, if any, is in the part kept. Under libxml2's 10,000,000-byte limit for one
# text node, so a page that is one huge paragraph still yields text.
MAX_HTML_BYTES = 8 * 1024 * 1024

RE_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
RE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RE_HANZI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
RE_PROSE_PUNCT = re.compile(r"[，。；！？、,;!?]")
RE_SENTENCE_END = re.compile(r"[。！？!?…”」』）)]\s*$")
RE_INNER_COLON = re.compile(r"(?<=[^\d\s])[:：]\s*\S")
RE_LABEL_END = re.compile(r"[:：]\s*$")
RE_FULL_STOP = re.compile(r"[。！？!?…][”」』\"]?\s*$")
RE_CLAUSE_COMMA = re.compile(r"[，,][^，,]*\S")
RE_WORDS = re.compile(r"[^\W_]")
# Frequent characters that only traditional script uses (們 這 來 發 區 黨 …). A page whose
# visible text has TRADITIONAL_MIN of them is read again with a simplified copy of each line
# for the marker tables, which are simplified-only; a 繁體版 link alone does not count.
RE_TRADITIONAL = re.compile(r"[們這個來時發為說對開關過還會與當頁網編輯體讀點擊閱覽數號權標題責審區國黨員組織縣鄉鎮]")
TRADITIONAL_MIN = 10
RE_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|<!--.*?-->|\[#.*?#\]|\$[a-zA-Z_]\w*(?:\.\w+)*")

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
XPATH_FULL_STOPS = "string-length(.) - string-length(translate(., '。', ''))"
MIN_BODY_CHARS = 10         # a body shorter than this is no article


@dataclass(frozen=True, slots=True)
class Line:
    """One visible line of the page."""

    text: str
    link_chars: int        # characters of ``text`` inside <a>
    heading: bool          # inside <h1>–<h3>
    chrome: bool           # inside an element whose class/id names a nav, footer, share bar …
    caption: bool          # inside a caption element, or a caption-like line right after an <img>
    plain: str = ""        # ``text`` in simplified script, same length: what the marker tables see

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


def extract_body(html: bytes, http_charset: str | None = None) -> str:
    """HTML bytes → article body, paragraphs joined by ``\\n``; ``""`` when there is none.

    >>> extract_body('<p>来源：县委组织部</p><p>全县共建成党群服务中心126个，覆盖所有村。</p>'.encode("gbk"))
    '全县共建成党群服务中心126个，覆盖所有村。'
    """
    return extract_page(html, http_charset).body


def extract_page(html: bytes, http_charset: str | None = None) -> HtmlPage:
    """HTML bytes → HtmlPage (body, title, published, source, author, encoding). Never raises."""
    if not isinstance(html, (bytes, bytearray)):
        html = str(html).encode("utf-8", "replace")
    data = bytes(html[:MAX_HTML_BYTES])
    if looks_binary(data):
        return HtmlPage("", None, None, None, None, "binary")
    text, encoding = decode_html(data, http_charset)
    root = parse_html(text)
    if root is None:
        return HtmlPage("", None, None, None, None, encoding)
    meta = read_meta(root)
    reader = _LineReader(root)
    lines = reader.read()
    if len(RE_TRADITIONAL.findall("".join(ln.text for ln in lines))) >= TRADITIONAL_MIN:
        lines = reader.read(traditional=True)
    title = find_title(root, meta)
    chosen = choose_body(lines)
    start, end = (chosen[0], chosen[-1] + 1) if chosen else (0, 0)
    body_lines = trim_body([lines[i] for i in chosen], title)
    if not body_lines:
        body_lines = fallback_body(lines)
    # Date, source and author lines sit between the title and the body.
    head_lines = [ln.text for ln in lines[max(0, start - 40):start] if not ln.caption]
    return HtmlPage(
        body="\n".join(body_lines),
        title=title,
        published=find_published(meta, head_lines),
        source=find_source(meta, head_lines),
        author=find_author(meta, head_lines + [ln.text for ln in lines[end:end + 3]]),
        encoding=encoding,
    )


def parse_html(text: str):
    """Decoded page → lxml root element, or None when there is no markup to read."""
    text = RE_CONTROL.sub("", text)
    if not text.strip():
        return None
    # Parse UTF-8 bytes with the encoding fixed: a <meta charset> or <?xml encoding?> left
    # in the text must not make lxml decode it a second time.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    return root


def read_meta(root) -> dict[str, str]:
    """<meta name|property|http-equiv=… content=…> as a lower-cased name → content dict."""
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        name = el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if name and content and name.strip().lower() not in meta:
            meta[name.strip().lower()] = content.strip()
    return meta


def _chrome_elements(root) -> set:
    """Regions whose class or id names them as chrome: ``nav``, ``footer``, ``share-bar``.

    Only whole class tokens, or tokens that start or end with the word, count: the <body>
    of one page carries ``u-has-nav-bar`` and still holds the article.
    """
    found = set()
    for value in root.xpath("//@class | //@id"):
        if bp.RE_CHROME_ATTR.search(value):
            el = value.getparent()
            if el.tag not in bp.NEVER_CHROME_TAGS:
                found.add(el)
    return found


def _hidden_elements(root, styles: list) -> set:
    """Elements hidden by an inline style or the ``hidden`` attribute.

    An element that holds most of the page's Chinese text is the article itself, hidden
    until a script shows it (WeChat's ``<div id="js_content" style="visibility: hidden">``):
    it is read like any other.
    """
    found = {v.getparent() for v in styles if bp.RE_HIDDEN_STYLE.search(v)}
    found.update(root.xpath("//*[@hidden]"))
    # Full stops measure the prose; XPath counts them inside libxml2, fast on big pages.
    stops = {el: el.xpath(XPATH_FULL_STOPS) for el in found}
    big = [el for el, n in stops.items() if n >= HIDDEN_ARTICLE_MIN_STOPS]
    if big:
        page_stops = root.xpath(XPATH_FULL_STOPS)
        found.difference_update(el for el in big if stops[el] >= bp.HIDDEN_ARTICLE_SHARE * page_stops)
    return found


def _centered_elements(root, styles: list) -> set:
    """Elements centred by ``align=center``, an inline ``text-align: center`` or <center>."""
    found = {v.getparent() for v in styles if bp.RE_CENTER_STYLE.search(v)}
    found.update(el for el in root.xpath("//*[@align]") if el.get("align", "").strip().lower() == "center")
    found.update(root.iter("center"))
    return found


def _caption_elements(root) -> set:
    found = set(root.iter("figcaption"))
    found.update(v.getparent() for v in root.xpath("//@class") if bp.RE_CAPTION_ATTR.search(v))
    return found


class _LineReader:
    """Walks the tree, collecting text pieces into lines. The element sets (chrome, hidden,
    caption, centred) are found once per page; ``read`` may walk again in the other script."""

    def __init__(self, root) -> None:
        self.root = root
        self.chrome_set = _chrome_elements(root)
        styles = root.xpath("//@style")
        self.hidden_set = _hidden_elements(root, styles)
        self.caption_set = _caption_elements(root)
        self.center_set = _centered_elements(root, styles)

    def read(self, traditional: bool = False) -> list[Line]:
        """One walk: the page's lines (see ``read_lines``)."""
        self.lines: list[Line] = []
        self.pieces: list[str] = []
        self.link_chars = 0
        self.link = self.heading = self.chrome = self.caption = 0
        # Whether each open block is centred: only a line's own block counts, since old
        # portals centre the whole layout table.
        self.centered: list[bool] = [False]
        self.after_img = False
        self.traditional = traditional
        self.walk(self.root)
        self.flush()
        return self.lines

    def add(self, text: str | None) -> None:
        if not text:
            return
        self.pieces.append(text)
        if self.link:
            self.link_chars += len(RE_SPACE.sub("", text))

    def flush(self) -> None:
        if not self.pieces:
            return
        # CMS template tokens ({{article.editor}}, ${title}) left unrendered are no text.
        text = RE_SPACE.sub(" ", RE_TEMPLATE.sub("", "".join(self.pieces))).strip()
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
        self.after_img = False

    def walk(self, el, depth: int = 0) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in bp.SKIP_TAGS or el in self.hidden_set or depth > MAX_DEPTH:
            return
        block = tag in bp.BLOCK_TAGS
        if block:
            self.flush()
        if tag == "img":
            self.after_img = True
        flags = (tag == "a", tag in bp.HEADING_TAGS, el in self.chrome_set, el in self.caption_set)
        self.link += flags[0]
        self.heading += flags[1]
        self.chrome += flags[2]
        self.caption += flags[3]
        if block:
            self.centered.append(el in self.center_set)
        self.add(el.text)
        for child in el:
            self.walk(child, depth + 1)
            self.add(child.tail)
        if block:
            self.flush()
            self.centered.pop()
        self.link -= flags[0]
        self.heading -= flags[1]
        self.chrome -= flags[2]
        self.caption -= flags[3]


def read_lines(root, traditional: bool = False) -> list[Line]:
    """The visible text of the page as lines, in document order (see the module docstring).

    ``traditional``: the page is in traditional script; each line also gets a simplified
    copy (``Line.plain``) for the marker tables.
    """
    return _LineReader(root).read(traditional)


def _short_unfinished(text: str) -> bool:
    return len(text) <= 60 and not RE_SENTENCE_END.search(text)


def stop_kind(text: str) -> str | None:
    """``"end"`` for lines that close an article, ``"related"`` for heads of link boxes.

    >>> stop_kind("责任编辑：王芳"), stop_kind("相关阅读"), stop_kind("全县共建成服务中心。")
    ('end', 'related', None)
    """
    if len(text) <= bp.STOP_MAX_CHARS:
        if bp.RE_END.search(text) or bp.RE_SIGNOFF.search(text):
            return "end"
        if bp.RE_RELATED.search(text):
            return "related"
    # A paragraph about copyright law is prose; a footer has no full stops.
    if len(text) <= bp.FOOTER_MAX_CHARS and "。" not in text and bp.RE_FOOTER.search(text):
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
    chars = len(RE_WORDS.findall(text))
    own = max(0, chars - line.link_chars)
    punct = len(RE_PROSE_PUNCT.findall(text))
    # Punctuation is what sets a short paragraph (三句话) apart from a menu of the same length.
    value = own + PUNCT_BONUS * min(punct, own // 5) - LINK_WEIGHT * line.link_chars - LINE_COST
    # A colon inside a line (发动机排量：1171ml) marks a label: value pair of a data table
    # in the article, not a menu item; a colon at the end labels a box of links.
    if not punct and not RE_INNER_COLON.search(text):
        value -= NO_PUNCT_COST
    if line.chrome:
        value = min(value * CHROME_WEIGHT, value)
    if line.heading or _is_meta(text):
        value = min(value, -NO_PUNCT_COST)
    return value


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
    if len(gap) > MAX_GAP_LINES:
        return False
    for line in gap:
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
    # Of a box the article spans, only its subheadings belong to the article.
    dropped = {i for gap in gaps for i in gap if not _is_subheading(lines[i])}
    return [i for i in range(start, end) if i not in dropped]


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
    if len(RE_WORDS.findall(text)) == 0:
        return True
    return line.link_chars * 2 >= len(text) and not RE_FULL_STOP.search(text)


def _is_title(text: str, norm_title: str) -> bool:
    norm = _norm(text)
    return bool(norm_title) and (norm == norm_title or (norm_title in norm and len(norm) <= len(norm_title) + 20))


def trim_body(lines: list[Line], title: str | None) -> list[str]:
    """Drop the title, metadata and sign-off lines at the edges, captions and tokens inside."""
    kept = [line for line in lines if line.text and not _is_furniture(line, line.plain)]
    norm_title = _norm(title) if title else ""
    while kept and (
        _is_meta(kept[0].plain) or _is_title(kept[0].text, norm_title)
        or (_is_label(kept[0].plain, 30) and bp.RE_NUMBERED_HEADING.search(kept[0].plain) is None)
    ):
        kept.pop(0)
    while kept and (_is_meta(kept[-1].plain) or _is_label(kept[-1].plain, 20)):
        kept.pop()
    return [line.text for line in kept]


def _is_label(text: str, max_chars: int) -> bool:
    """A short line that is neither prose nor a finished sentence: 分享, 点击蓝字关注我们."""
    return not _is_prose(text) and not RE_SENTENCE_END.search(text) and len(text) <= max_chars


def fallback_body(lines: list[Line]) -> list[str]:
    """The longest prose line, for pages whose structure defeats the scoring."""
    prose = [ln.text for ln in lines if _is_prose(ln.text) and not ln.chrome and ln.link_chars * 2 < len(ln.text)]
    if not prose:
        return []
    best = max(prose, key=len)
    return [best] if len(RE_WORDS.findall(best)) >= MIN_BODY_CHARS else []


def _norm(text: str) -> str:
    return RE_SPACE.sub("", text or "")


def find_title(root, meta: dict[str, str]) -> str | None:
    """The article title: a heading the <title> contains, else <title> minus the site name.

    >>> find_title(lxml.html.fromstring("<title>村史馆开馆_某县政府网</title><h1>村史馆开馆</h1>"), {})
    '村史馆开馆'
    """
    title_el = root.find(".//title")
    page_title = RE_SPACE.sub(" ", title_el.text_content()).strip() if title_el is not None else ""
    headings = [RE_SPACE.sub(" ", h.text_content()).strip() for h in root.iter("h1", "h2", "h3")]
    headings = [h for h in headings if 4 <= len(h) <= 120]
    for h in headings:
        if page_title and _norm(h) in _norm(page_title):
            return h
    for key in bp.TITLE_META:
        value = meta.get(key)
        if value and len(value) >= 4:
            return bp.RE_TITLE_SEPARATOR.split(value)[0].strip() or value
    if page_title:
        parts = [p for p in bp.RE_TITLE_SEPARATOR.split(page_title) if p.strip()]
        if parts:
            # Chinese sites put the article first and the site name last (标题_栏目_网站).
            first = parts[0].strip()
            return first if len(first) >= 4 else max(parts, key=len).strip()
    h1 = [RE_SPACE.sub(" ", h.text_content()).strip() for h in root.iter("h1")]
    return next((h for h in h1 if h), None)


def _iso_date(text: str) -> str | None:
    """The first full date of ``text`` as ISO, the scraped-text reader's pattern and check."""
    m = RE_FULL_DATE.search(text or "")
    return iso_date(*m.groups()) if m else None


def find_published(meta: dict[str, str], head_lines: list[str]) -> str | None:
    """Publication date as ISO ``YYYY-MM-DD``: <meta> first, then a 发布时间 line near the title."""
    for key in bp.DATE_META:
        date = _iso_date(meta.get(key, ""))
        if date:
            return date
    labelled = [ln for ln in head_lines if bp.RE_DATE_LABEL.search(ln)]
    for ln in labelled + head_lines:
        if len(ln) <= bp.META_MAX_CHARS:
            date = _iso_date(ln)
            if date:
                return date
    return None


def find_source(meta: dict[str, str], head_lines: list[str]) -> str | None:
    """The 来源 of the article: a 来源：… line near the title, else <meta name=source>."""
    for ln in head_lines:
        m = bp.RE_SOURCE.search(ln)
        if m:
            return m.group(1)
    for key in bp.SOURCE_META[:2]:
        if meta.get(key):
            return meta[key]
    return None


def find_author(meta: dict[str, str], lines: list[str]) -> str | None:
    """Author or reporter (作者：/记者 …) near the title or the end, else <meta name=author>."""
    for ln in lines:
        if len(ln) <= bp.META_MAX_CHARS:
            m = bp.RE_AUTHOR.search(ln)
            if m:
                return m.group(1).strip()
    for key in bp.AUTHOR_META:
        if meta.get(key):
            return meta[key]
    return None
