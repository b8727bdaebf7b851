"""Data for the HTML extractor (corpus/html.py): tags and edge markers (metadata: ``corpus.meta``).

The marker lists live in ``corpus/data/html_markers.tsv`` (line patterns) and
``corpus/data/html_attr_words.tsv`` (class/id words), read by ``marker_list``; no other logic
here. A boilerplate line that leaks into the body on some page is fixed by a row in one of
these tables, not by a branch in the extractor. Patterns are matched against one visible line
of the page, whitespace removed at both ends.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from corpus.boilerplate import ENUMERATION_MARKERS

DATA_DIR = Path(__file__).resolve().parent / "data"
LINE_TABLE = "html_markers.tsv"       # kind, pattern, why: regexes matched against one line
ATTR_TABLE = "html_attr_words.tsv"    # kind, word, why: words of class and id values


@lru_cache(maxsize=None)
def _load_table(name: str) -> dict[str, tuple[str, ...]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    table: dict[str, list[str]] = {}
    for row in rows:
        value = row.get("pattern") or row.get("word")
        if value:
            table.setdefault(row["kind"], []).append(value)
    return {kind: tuple(values) for kind, values in table.items()}


def marker_list(kind: str, table: str = LINE_TABLE) -> tuple[str, ...]:
    """The patterns of one kind in a marker table of ``corpus/data`` (the one loader).

    >>> "责任编辑" in marker_list("end")
    True
    """
    try:
        return _load_table(table)[kind]
    except KeyError:
        raise KeyError(f"no {kind!r} rows in {table}; kinds: {', '.join(_load_table(table))}") from None


def _lower_words(kind: str) -> tuple[str, ...]:
    """Class/id words of one kind, lower-cased: values are lower-cased before matching,
    since ``re.I`` makes these unanchored searches six times slower. (The words hold no
    upper-case escapes such as \\S, which lower-casing would change.)"""
    return tuple(w.lower() for w in marker_list(kind, ATTR_TABLE))


def _attr_regex(words: tuple[str, ...]) -> re.Pattern:
    """A class/id value (lower-cased) matches when one of its tokens is, starts or ends with
    one of ``words``."""
    alt = "|".join(words)
    return re.compile(r"(?:^|\s)(?:" + alt + r")(?:[_-]\S*)?(?=\s|$)|[_-](?:" + alt + r")(?=\s|$)")


# The line and attribute patterns (RE_*) are compiled on first use (``__getattr__`` at the
# end): only the HTML reader needs them, and compiling them all cost a tenth of a text-only
# run's start-up (``corpus.meta`` reads ``marker_list`` from here). A compiled pattern then
# stays a plain module attribute.
_PATTERNS: dict[str, Callable[[], re.Pattern]] = {}

# Elements whose text is never article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "select", "option", "textarea",
    "button", "input", "svg", "canvas", "object", "embed", "map", "video", "audio", "head",
    "title", "meta", "link", "label",
})
# Elements that start a new line of text.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "td", "th", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody",
    "thead", "tfoot", "caption", "section", "article", "header", "footer", "nav", "aside",
    "blockquote", "pre", "form", "center", "hr", "figure", "figcaption", "main", "address",
    "h1", "h2", "h3", "h4", "h5", "h6", "body", "html", "fieldset", "legend", "frame",
})
HEADING_TAGS = frozenset({"h1", "h2", "h3"})
# Page regions named for what they are: their text is chrome however prose-like it reads.
CHROME_WORDS = _lower_words("chrome")
# A class/id value names chrome when one of its tokens is, starts or ends with a chrome word.
_PATTERNS["RE_CHROME_ATTR"] = lambda: _attr_regex(CHROME_WORDS)
# Comment and reply areas (WordPress ``comments-area``, ``replyList``, ``SOHUCS``): skipped whole,
# however long their prose; a comment can read like an article of its own.
_PATTERNS["RE_COMMENT_ATTR"] = lambda: _attr_regex(_lower_words("comment"))
# Any of the words above anywhere in a value: most values have none and need no other test.
_PATTERNS["RE_ANY_ATTR_WORD"] = lambda: re.compile("|".join(_lower_words("chrome") + _lower_words("comment") + _lower_words("caption")))
# The page's outer elements: a class on them describes the page, not a region.
NEVER_CHROME_TAGS = frozenset({"html", "body", "main", "article"})
_PATTERNS["RE_CAPTION_ATTR"] = lambda: re.compile("|".join(_lower_words("caption")))
_PATTERNS["RE_HIDDEN_STYLE"] = lambda: re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A hidden element holding at least this share of the page's Chinese characters is the
# article hidden until a script reveals it (WeChat's #js_content ships with
# ``visibility: hidden``), not a popup or a collapsed menu.
HIDDEN_ARTICLE_SHARE = 0.5
# Centred short lines right after an image are captions even without 摄/图 in them.
_PATTERNS["RE_CENTER_STYLE"] = lambda: re.compile(r"text-align\s*:\s*center", re.I)

# Stop lines: furniture that borders an article. Nothing is chosen across them. A line is a
# stop line when it is short and one of these matches at its start.
# END markers close an article for good: sign-offs, share/print bars, comment heads, pagers.
END_MARKERS = marker_list("end")
# RELATED markers head a box of links. Such boxes also sit inside articles, between two runs
# of paragraphs, so the runs on both sides may still be joined across them.
RELATED_MARKERS = marker_list("related")
_PATTERNS["RE_END"] = lambda: re.compile(r"^[\s【\[（(<《|·]*(?:" + "|".join(END_MARKERS) + ")", re.I)
_PATTERNS["RE_RELATED"] = lambda: re.compile(r"^[\s【\[（(<《|·]*(?:" + "|".join(RELATED_MARKERS) + ")", re.I)
STOP_MAX_CHARS = 60
# Footer lines are long (address, ICP number, phone) but say what they are anywhere.
# Matched against the lower-cased line (an unanchored ``re.I`` search is three times slower);
# the footer rows are plain words.
_PATTERNS["RE_FOOTER"] = lambda: re.compile("|".join(p.lower() for p in marker_list("footer")))
FOOTER_MAX_CHARS = 300
# Sign-offs anywhere in a short line: 供稿, 摄影/张艳, 编辑/苏芳, 责编, 审核：.
_PATTERNS["RE_SIGNOFF"] = lambda: re.compile("|".join(marker_list("signoff")))
SIGNOFF_MAX_CHARS = 60
# Metadata lines at the edges of the body: date, source, views, author, font size, editors.
META_MARKERS = marker_list("meta")
# Numbered section headings inside an article: 一、 （一） 1． 第一，. The per-line cost
# pushes a heading that opens the body out of the chosen run; these bring it back.
_PATTERNS["RE_NUMBERED_HEADING"] = lambda: re.compile(
    r"^\s*(?:" + ENUMERATION_MARKERS + r"|\d{1,2}[、．.](?!\d)|第[一二三四五六七八九十]{1,3}[章节部分条，,、])"
)
NUMBERED_HEADING_MAX_CHARS = 40
_PATTERNS["RE_META"] = lambda: re.compile(r"^[\s【\[（(\-—|·]*(?:" + "|".join(META_MARKERS) + ")", re.I)
META_MAX_CHARS = 80

# A labelled sign-off at the very end of the last paragraph (……。（责任编辑：王芳）): cut off.
# A bare byline (（记者 张三）) is part of the paragraph and stays.
_PATTERNS["RE_TAIL_SIGNOFF"] = lambda: re.compile("|".join(marker_list("tail_signoff")))

# Image captions: the gold keeps none of them.
_PATTERNS["RE_CAPTION"] = lambda: re.compile(r"^[\s（(]*(?:" + "|".join(marker_list("caption")) + ")")
# What makes a short line after an image a caption rather than a subheading.
_PATTERNS["RE_CAPTION_HINT"] = lambda: re.compile("|".join(marker_list("caption_hint")))

# Comment and forum post blocks: a short line that is one of these buttons, a time stamp or a
# floor number marks a block as one reader's comment.
_PATTERNS["RE_COMMENT_ACTION"] = lambda: re.compile(
    r"^[\s\[【(（]*(?:" + "|".join(marker_list("comment_action")) + r")[\s\]】)）\d(（:：]*$", re.I)
COMMENT_ACTION_MAX_CHARS = 10
_PATTERNS["RE_COMMENT_ACTION_WORD"] = lambda: re.compile("|".join(marker_list("comment_action")), re.I)
_PATTERNS["RE_COMMENT_TIME"] = lambda: re.compile("|".join(marker_list("comment_time")))
# A time stamp that is a whole line of its own (``fullmatch`` after stripping).
_PATTERNS["RE_COMMENT_STAMP"] = lambda: re.compile("|".join(marker_list("comment_stamp")))
_PATTERNS["RE_FORUM_FIRST"] = lambda: re.compile("|".join(marker_list("forum_first")))
# Teasers on list and front pages end with a link to the full text.
_PATTERNS["RE_READ_MORE"] = lambda: re.compile(r"^[\s\[【(（>»]*(?:" + "|".join(marker_list("read_more")) + ")", re.I)

# Metadata (title, date, source, author <meta> names, labels, separators) is read by
# ``corpus.meta``, for HTML and scraped text alike; its tables are corpus/data/meta_*.tsv.


def __getattr__(name: str) -> re.Pattern:
    """``RE_*``: compiled on its first use, then kept as a module attribute."""
    build = _PATTERNS.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    pattern = globals()[name] = build()
    return pattern
