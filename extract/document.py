"""Sentences, paragraphs and enumerated items of an article body (offsets into the text).

A sentence ends at ``。！？!`` or a line break (the gold convention; a stray ``?`` is
mojibake, not a boundary). An item starts at a sentence that opens with a marker
(``一是``, ``（二）``, ``三、``, ``1.``); the year of a reporting period carries within it.

>>> [(s.start, s.end, s.paragraph, s.item) for s in split_sentences("一是学习。开会3次。\\n二是服务。")]
[(0, 5, 0, 1), (5, 10, 0, 1), (11, 16, 1, 2)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extract.numbers import CN_ITEM_NUMERALS

RE_SENTENCE = re.compile(r"[^。！？!\n]+[。！？!]*[”’」』)）]?|[。！？!]+")
NUM = f"[{CN_ITEM_NUMERALS}]"   # one numeral of an item marker
RE_ITEM = re.compile(
    rf"\s*(?:{NUM}+是|[（(][{CN_ITEM_NUMERALS}\d]+[)）]|{NUM}+、"
    rf"|\d{{1,2}}[、.．](?!\d)|第{NUM}+[,，、]|其{NUM}[,，、])"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """``text[start:end]`` is the sentence; ``paragraph`` and ``item`` count from 0."""

    start: int
    end: int
    paragraph: int
    item: int


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split ``text`` into sentences; each knows its paragraph and enumerated item number."""
    out: list[Sentence] = []
    item = 0
    for paragraph, line in enumerate(re.finditer(r"[^\n]+", text)):
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
