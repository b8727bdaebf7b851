"""Cleaning: raw input → Article (clean body in the original script + simplified form + metadata).

Public contract (used by the CLI, the crawler and the tests):

- ``clean_text(text: str) -> str`` — scraped text → article body.
- ``extract_body(html: bytes) -> str`` — HTML page bytes → article body; never raises.
- ``article_from_text(id, text, url=None) -> Article`` — with ``raw_map`` into ``text``.
- ``article_from_html(id, html, url=None, http_charset=None) -> Article``.

Both ``article_from_*`` raise ``NotAnArticle(reason)`` when no body remains.
"""
from __future__ import annotations

import re

from corpus.article import Article, RawMap, content_hash
from corpus.errors import NotAnArticle
from corpus.script import simplify

# First version: pinyin glosses need a tone mark, so (郭晋成 杨润德) and (京) survive.
RE_PINYIN = re.compile(
    r"(?<=[\u3400-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,7}\)"
)


def clean_text_map(text: str) -> tuple[str, RawMap]:
    """Clean scraped text and return it with the map of its characters back into ``text``."""
    pieces: list[tuple[int, int, int]] = []
    out: list[str] = []
    pos = 0
    for line_match in re.finditer(r"[^\n]+", text):
        line_start, line = line_match.start(), line_match.group()
        stripped = line.strip(" \t\r\u00a0\u3000")
        if not stripped:
            continue
        offset = line_start + line.index(stripped)
        if out:
            out.append("\n")
            pos += 1
        cursor = 0
        for m in RE_PINYIN.finditer(stripped):
            if m.start() > cursor:
                pieces.append((pos, offset + cursor, m.start() - cursor))
                out.append(stripped[cursor:m.start()])
                pos += m.start() - cursor
            cursor = m.end()
        if cursor < len(stripped):
            pieces.append((pos, offset + cursor, len(stripped) - cursor))
            out.append(stripped[cursor:])
            pos += len(stripped) - cursor
    return "".join(out), RawMap(tuple(pieces))


def clean_text(text: str) -> str:
    """Scraped text → article body, paragraphs separated by newlines."""
    return clean_text_map(text)[0]


def extract_body(html: bytes) -> str:
    """HTML bytes → article body text (first version: all visible text)."""
    from bs4 import BeautifulSoup

    from corpus.read import decode_text

    try:
        text, _ = decode_text(html)
    except Exception:  # noqa: BLE001 - contract: never raise on any bytes
        text = html.decode("utf-8", "replace")
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    lines = [ln.strip() for ln in soup.get_text("\n").splitlines()]
    return "\n".join(ln for ln in lines if ln)


def article_from_text(id: str, text: str, url: str | None = None) -> Article:
    """Build an Article from scraped text; offsets of the body map back into ``text``."""
    body, raw_map = clean_text_map(text)
    if not body.strip():
        raise NotAnArticle("no article body left after cleaning")
    first = text.strip().splitlines()[0].strip() if text.strip() else None
    return Article(
        id=id, text=body, title=first, url=url, raw=text,
        simplified=simplify(body), raw_map=raw_map, content_hash=content_hash(body),
    )


def article_from_html(id: str, html: bytes, url: str | None = None,
                      http_charset: str | None = None) -> Article:
    """Build an Article from HTML bytes; ``raw`` is the extracted body text."""
    body = extract_body(html)
    if not body.strip():
        raise NotAnArticle("HTML page has no article text")
    return Article(
        id=id, text=body, url=url, raw=body, simplified=simplify(body),
        raw_map=RawMap.identity(len(body)), content_hash=content_hash(body),
    )
