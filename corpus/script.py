"""Traditional → simplified Chinese, character-aligned with the original.

OpenCC ``tw2s`` converts phrases (著力 → 着力), which is why we use it over a per-character
table (``t2s`` keeps 著力; zhconv is GPL and turns 余庆县 into 馀庆县). Its output is almost
always the same length as its input; where a line's length changes we fall back to
converting that line character by character, so ``simplify(t)`` always has ``len(t)``
characters and an offset into one text is the same offset into the other.
"""
from __future__ import annotations

import functools

import opencc


@functools.lru_cache(maxsize=1)
def _converter() -> "opencc.OpenCC":
    return opencc.OpenCC("tw2s")


def simplify(text: str) -> str:
    """Simplified form of ``text``, same length, same line breaks.

    >>> simplify("長沙市天心區著力建設")
    '长沙市天心区着力建设'
    """
    if not text:
        return text
    conv = _converter()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        c = conv.convert(line)
        if len(c) != len(line):
            c = "".join(ch if len(s := conv.convert(ch)) != 1 else s for ch in line)
        fixed.append(c)
    return "\n".join(fixed)
