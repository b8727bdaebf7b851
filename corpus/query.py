"""Search queries: one parser for the command line, the store and the desk.

A query is read into a tree (``parse_query``) of phrases and operators, which then becomes
an FTS5 MATCH expression over our character-bigram index (``to_fts5``, ``to_match``) or a
WHERE clause over article rowids (``to_sql``, which also expresses a query that is only a
negation). Operators are those researchers type: words side by side must all occur; ``OR``;
``NOT`` (or a leading ``-``); ``"quoted phrases"`` (spaces inside are ignored, as Chinese is
written without them); parentheses; 与/或/非 for AND/OR/NOT. A word of any length matches as
a phrase of its simplified characters, so 黨建 finds 党建 and 志愿服务 never matches 志愿…服务
scattered across a text.

Two readings of the same grammar: *strict* (the command line: a query that cannot be read
raises ``QueryError`` with the reason, never a silent literal search) and *lenient* (the
desk's search box: a stray parenthesis or a dangling operator is ignored, and a query may be
only a negation, ``NOT 网格``).

>>> to_match('黨建 引领')
'("党建" AND "引领")'
>>> to_match('志愿服务 OR 志愿者 NOT 招聘')
'("志愿 愿服 服务" OR ("志愿 愿者" NOT "招聘"))'
>>> to_match('(党建 OR 支部) AND "老 党员"')
'(("党建" OR "支部") AND "老党 党员")'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.fts import phrase as fts_phrase
from corpus.script import simplify

RE_QUERY_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
RE_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+|\s+(?=[\u3400-\u9fff\uf900-\ufaff])")
OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "与": "AND", "或": "OR", "非": "NOT"}


class QueryError(ValueError):
    """The query cannot be read (unbalanced quotes or parentheses, a dangling operator)."""


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str            # simplified, spaces next to Chinese dropped: what a text must contain

    @property
    def fts(self) -> str:
        return fts_phrase(self.text) or '""'


@dataclass(frozen=True, slots=True)
class Op:
    kind: str            # "AND", "OR", "NOT" (NOT has one operand)
    items: tuple


def _phrase_text(text: str) -> str | None:
    """A word or quoted phrase as the text to look for; None when it has nothing to index
    (punctuation only). Spaces next to a Chinese character do not count; between two Latin
    words they still separate words."""
    text = RE_CJK_SPACE.sub("", simplify(text or "")).strip()
    return text if fts_phrase(text) else None


def _tokens(query: str) -> list[tuple[str, str, str]]:
    """(kind, value, as typed) triples: ("(", …), (")", …), ("op", AND/OR/NOT, …), ("neg",
    NOT, …) for a leading ``-``, ("phrase", text, …). Words with nothing to index are left
    out, with the ``-`` in front of them."""
    out = []
    for tok in RE_QUERY_TOKEN.findall(query or ""):
        if tok in ("(", ")"):
            out.append((tok, tok, tok))
        elif not tok.startswith('"') and tok.upper() in OPERATORS:
            out.append(("op", OPERATORS[tok.upper()], tok))
        else:
            negate = not tok.startswith('"') and tok.startswith("-") and len(tok) > 1
            text = _phrase_text(tok[1:] if negate else tok.strip('"'))
            if text is None:
                continue
            if negate:
                out.append(("neg", "NOT", tok))
            out.append(("phrase", text, tok))
    return out


def _check_strict(query: str, tokens: list) -> None:
    """The command line's rules: every operator between two words, every parenthesis
    closed and not empty, every quote closed."""
    if query.count('"') % 2:
        raise QueryError("unbalanced quote mark in the query")
    prev, depth = None, 0
    for tok in tokens:
        kind = tok[0]
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
            if depth < 0 or prev in (None, "op", "neg", "("):
                raise QueryError("unbalanced or empty parentheses in the query")
        elif kind == "op" and prev in (None, "op", "neg", "("):
            raise QueryError(f"{tok[2]} needs a word on each side")
        elif kind == "neg" and prev in (None, "op", "neg", "("):
            raise QueryError(f"{tok[2]}: a NOT needs something to exclude from")
        prev = kind
    if depth:
        raise QueryError("unbalanced parentheses in the query")
    if prev in ("op", "neg"):
        raise QueryError(f"{tokens[-1][1]} needs a word on each side")


def parse_query(query: str | None, strict: bool = False):
    """The tree of a search query, or None for an empty one. ``strict`` raises QueryError
    for a query that cannot be read (see the module note); lenient reading ignores what
    it cannot place.

    >>> parse_query('黨建 OR "志愿 服务" -培训')
    Op(kind='OR', items=(Phrase(text='党建'), Op(kind='AND', items=(Phrase(text='志愿服务'), Op(kind='NOT', items=(Phrase(text='培训'),))))))
    """
    tokens = _tokens(query or "")
    if strict:
        _check_strict(query or "", tokens)
    kinds = [("NOT" if t[0] == "neg" else t[1] if t[0] == "op" else t[0]) for t in tokens]
    values = [Phrase(t[1]) if t[0] == "phrase" else None for t in tokens]
    pos = 0

    def peek():
        return kinds[pos] if pos < len(kinds) else None

    def take():
        nonlocal pos
        pos += 1
        return pos - 1

    def parse_or():
        items = [parse_and()]
        while peek() == "OR":
            take()
            items.append(parse_and())
        items = [i for i in items if i is not None]
        return None if not items else items[0] if len(items) == 1 else Op("OR", tuple(items))

    def parse_and():
        items = []
        while peek() not in (None, "OR", ")"):
            if peek() == "AND":
                take()
                continue
            items.append(parse_unary())
        items = [i for i in items if i is not None]
        return None if not items else items[0] if len(items) == 1 else Op("AND", tuple(items))

    def parse_unary():
        i = take()
        if kinds[i] == "NOT":
            inner = parse_unary() if peek() not in (None, "OR", ")") else None
            return Op("NOT", (inner,)) if inner is not None else None
        if kinds[i] == "(":
            inner = parse_or()
            if peek() == ")":
                take()
            return inner
        return values[i]

    tree = parse_or()
    # Stray closing parentheses (lenient reading only): parse what follows them too, ANDed.
    while pos < len(kinds):
        take()
        rest = parse_or()
        if rest is not None:
            tree = rest if tree is None else Op("AND", (tree, rest))
    return tree


def positive_phrases(tree) -> list[str]:
    """The phrases a matching article contains (not under NOT): for ranking and highlighting."""
    if tree is None:
        return []
    if isinstance(tree, Phrase):
        return [tree.text]
    if tree.kind == "NOT":
        return []
    return [p for item in tree.items for p in positive_phrases(item)]


def to_sql(tree, rowid: str = "a.rowid") -> tuple[str, list]:
    """A WHERE clause over article rowids; each phrase is one FTS5 lookup, so a leading NOT
    (which FTS5 alone cannot express) works too."""
    if isinstance(tree, Phrase):
        return f"{rowid} IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", [tree.fts]
    parts = [to_sql(item, rowid) for item in tree.items]
    params = [p for _, ps in parts for p in ps]
    if tree.kind == "NOT":
        return f"NOT ({parts[0][0]})", params
    return "(" + f" {tree.kind} ".join(sql for sql, _ in parts) + ")", params


def to_fts5(tree) -> str:
    """An FTS5 MATCH expression. FTS5's NOT is binary, so a query that is only a negation
    (lenient reading) searches its words instead.

    >>> to_fts5(parse_query("党建 NOT 培训"))
    '("党建" NOT "培训")'
    """
    if tree is None:
        return '""'
    if isinstance(tree, Phrase):
        return tree.fts
    if tree.kind == "NOT":
        return to_fts5(tree.items[0])
    if tree.kind == "AND":
        pos = [to_fts5(i) for i in tree.items if not (isinstance(i, Op) and i.kind == "NOT")]
        neg = [to_fts5(i.items[0]) for i in tree.items if isinstance(i, Op) and i.kind == "NOT"]
        if not pos:
            pos, neg = neg, []
        expr = " AND ".join(pos)
        if neg:
            expr = f"({expr}) NOT ({' OR '.join(neg)})" if len(pos) > 1 or len(neg) > 1 else f"{expr} NOT {neg[0]}"
        return f"({expr})"
    return "(" + " OR ".join(to_fts5(i) for i in tree.items) + ")"


def to_match(query: str) -> str:
    """The FTS5 expression for ``query`` read strictly (raises QueryError when it cannot be
    read); "" when it has no word to look up."""
    tree = parse_query(query, strict=True)
    return "" if tree is None else to_fts5(tree)


def escape_fts(query: str) -> str:
    """Datasette's ``escape_fts`` for our bigram index: 党建引领 → "党建 建引 引领"."""
    return to_fts5(parse_query(query))


def words(query: str) -> list[str]:
    """The positive words of a query, simplified (for highlighting a context snippet)."""
    return positive_phrases(parse_query(query))
