"""Practices (一是…二是…) and named methods (“三个不放松”).

First version (to be replaced). Contracts: ``extract_practices(article) -> list[Practice]``,
``find_named_methods(article) -> list[NamedMethod]``; offsets into ``article.text``.
"""
from __future__ import annotations

import re

from corpus.article import Article
from extract.analysis import NamedMethod, Practice

RE_ITEM = re.compile(r"[一二三四五六七八九十]是([^。，,；;]{2,20})[。，,；;]")
RE_QUOTED = re.compile(r"“([^”\n]{2,12})”")


def extract_practices(article: Article) -> list[Practice]:
    """One practice per ``一是…`` item, titled by its lead clause."""
    plain = article.plain
    return [Practice(m.start(), m.end(), m.group(1)) for m in RE_ITEM.finditer(plain)]


def find_named_methods(article: Article) -> list[NamedMethod]:
    """Quoted names, deduplicated by name."""
    seen, out = set(), []
    for m in RE_QUOTED.finditer(article.plain):
        name = m.group(1)
        if name not in seen:
            seen.add(name)
            out.append(NamedMethod(m.start(1), m.end(1), name))
    return out
