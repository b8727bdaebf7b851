"""A user's search query → an FTS5 MATCH expression over our character-bigram index.

The index holds simplified text as character bigrams (``corpus.fts``), so every word becomes
a phrase of its bigrams. Operators are those researchers type:
words side by side must all occur; ``OR``; ``NOT`` (or a leading ``-``); ``"quoted phrases"``
(spaces inside are ignored, as Chinese is written without them); parentheses. A query that
cannot be read raises ``QueryError`` with the reason, never a silent literal search.

>>> to_match('黨建 引领')
'"党建" AND "引领"'
>>> to_match('志愿服务 OR 志愿者 NOT 招聘')
'"志愿 愿服 服务" OR "志愿 愿者" NOT "招聘"'
>>> to_match('(党建 OR 支部) AND "老 党员"')
'( "党建" OR "支部" ) AND "老党 党员"'
"""
from __future__ import annotations

import re

from corpus.script import simplify

RE_QUERY_TOKEN = re.compile(r'"([^"]*)"|(\()|(\))|([^\s()"]+)')
RE_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+|\s+(?=[\u3400-\u9fff\uf900-\ufaff])")
OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "与": "AND", "或": "OR", "非": "NOT"}


class QueryError(ValueError):
    """The query cannot be read (unbalanced quotes or parentheses, a dangling operator)."""


def _phrase(text: str) -> str | None:
    from corpus.fts import phrase

    # Spaces next to a Chinese character do not count (Chinese is written without them);
    # between two Latin words they still separate words.
    return phrase(RE_CJK_SPACE.sub("", simplify(text or "")))


def to_match(query: str) -> str:
    """The FTS5 expression for ``query``; raises QueryError when it cannot be read."""
    if query.count('"') % 2:
        raise QueryError("unbalanced quote mark in the query")
    out: list[str] = []
    depth = 0
    for m in RE_QUERY_TOKEN.finditer(query):
        quoted, open_, close, word = m.groups()
        if open_:
            if out and out[-1] not in ("AND", "OR", "NOT", "("):
                out.append("AND")
            out.append("(")
            depth += 1
            continue
        if close:
            depth -= 1
            if depth < 0 or not out or out[-1] in ("AND", "OR", "NOT", "("):
                raise QueryError("unbalanced or empty parentheses in the query")
            out.append(")")
            continue
        if word is not None and word.upper() in OPERATORS and not quoted:
            op = OPERATORS[word.upper()]
            if not out or out[-1] in ("AND", "OR", "NOT", "("):
                raise QueryError(f"{word} needs a word on each side")
            out.append(op)
            continue
        negate = word is not None and word.startswith("-") and len(word) > 1
        phrase = _phrase(quoted if quoted is not None else (word[1:] if negate else word))
        if phrase is None:
            continue
        if negate:
            if not out or out[-1] in ("AND", "OR", "NOT", "("):
                raise QueryError(f"{word}: a NOT needs something to exclude from")
            out.append("NOT")
        elif out and out[-1] not in ("AND", "OR", "NOT", "("):
            out.append("AND")
        out.append(phrase)
    if depth:
        raise QueryError("unbalanced parentheses in the query")
    if out and out[-1] in ("AND", "OR", "NOT"):
        raise QueryError(f"{out[-1]} needs a word on each side")
    return " ".join(out)


def words(query: str) -> list[str]:
    """The positive words of a query, simplified (for highlighting a context snippet)."""
    found = []
    skip_next = False
    for m in RE_QUERY_TOKEN.finditer(query):
        quoted, _, _, word = m.groups()
        text = quoted if quoted is not None else word
        if text is None:
            continue
        if quoted is None and text.upper() in OPERATORS:
            skip_next = OPERATORS[text.upper()] == "NOT"
            continue
        if skip_next or text.startswith("-"):
            skip_next = False
            continue
        found.append(simplify(text.replace(" ", "")))
    return found
