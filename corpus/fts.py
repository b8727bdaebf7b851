"""Index tokens of the full-text index: character bigrams, so a word of any length is cheap.

FTS5's own tokenizers do not segment Chinese (unicode61 makes one token of a whole run of
characters; trigram cannot match two-character words), so the text is tokenized here and
stored as space-separated tokens. Measured on a million articles: one token per character
(a two-character word is then a phrase of two very common tokens) took seconds per query;
one token per character *pair* makes 党建 a single token, a longer word a short phrase of
rare tokens, and answered the same queries in milliseconds.

The tokens of a run of Chinese characters ``c1 … cn`` are the pairs ``c1c2 … c(n-1)cn``
followed by the last character alone, so that a word ending where the run ends (or a word of
one character) still has a token to match. A run of letters or digits (any other script) is
one lower-cased token. The query side (``phrase``) gives a word's tokens as an FTS5 phrase:
its last Chinese run drops the lone last character (the text may go on after the word), and
a word ending in a single Chinese character becomes a prefix query (支 → any pair 支·).

>>> index_text("党建引领 AI赋能")
'党建 建引 引领 领 ai 赋能 能'
>>> phrase("党建")
'"党建"'
>>> phrase("党建引领")
'"党建 建引 引领"'
>>> phrase("56支")
'"56 支"*'
"""
from __future__ import annotations

import re

RE_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u9fff\uf900-\ufaff]+")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _tokens(text: str, open_end: bool) -> tuple[list[str], bool]:
    """(tokens, prefix): ``open_end`` treats the last Chinese run as possibly continued."""
    runs = RE_RUN.findall(text or "")
    out: list[str] = []
    prefix = False
    for i, run in enumerate(runs):
        if not CJK.match(run):
            out.append(run.lower())
            continue
        out.extend(run[j:j + 2] for j in range(len(run) - 1))
        last = open_end and i == len(runs) - 1
        if not last:
            out.append(run[-1])
        elif len(run) == 1:
            out.append(run)
            prefix = True
    return out, prefix


def index_text(text: str) -> str:
    """What the index stores for ``text`` (already simplified): space-separated tokens."""
    return " ".join(_tokens(text, open_end=False)[0])


def phrase(word: str) -> str | None:
    """An FTS5 phrase matching ``word`` (already simplified) anywhere in indexed text, or None
    when the word has no letters, digits or Chinese characters."""
    tokens, prefix = _tokens(word, open_end=True)
    if not tokens:
        return None
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")
