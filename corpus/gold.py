"""Gold annotations kept as references: offsets into texts we may not copy.

Our own annotations of third-party articles (``benchmarks/annotations/*.jsonl``) must not hold
the articles' words, so every text field of a gold line is stored as *pieces*: ``[start, end]``
ranges into the raw text (or, for simplified labels, into its simplified form, which is
character-aligned with it), plus literal punctuation where the annotator normalised it. A
field ``title`` becomes ``title@``; fact ``span``/``sentence`` are rebuilt from ``start``/``end``.

>>> raw = "區委組織部成立志愿服務隊12支。"
>>> line = {"id": "x", "title": None, "source": None, "facts": [{"start": 11, "end": 14,
...     "span": "12支", "subject": "志愿服务队", "sentence": raw}], "practices": [], "named_methods": []}
>>> ref = to_refs(line, raw)
>>> ref["facts"][0]["subject@"]
[[7, 12]]
>>> from_refs(ref, raw)["facts"][0]["subject"]
'志愿服务队'
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from corpus.script import simplify

RE_BOUNDARY = re.compile(r"[。！？!\n]")

# Which text fields are stored as pieces, and whether they are simplified labels.
ARTICLE_FIELDS = {"title": False, "source": True}
FACT_FIELDS = {"subject": True}
PRACTICE_FIELDS = {"title": True}


def scorer_norm(text: str) -> str:
    """``text`` as the shared scorer compares labels: NFKC, no whitespace, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PS")


def dice(a: str, b: str) -> float:
    """Character-bigram Dice of two labels, as the shared scorer matches practice titles and
    subjects (0.0 when either is empty after normalising).

    >>> round(dice("加强组织领导", "加强组织领导工作。"), 2), dice("党建", "党，建")
    (0.83, 1.0)
    """
    a, b = scorer_norm(a), scorer_norm(b)
    if not a or not b:
        return 0.0
    ga = Counter(a[i:i + 2] for i in range(len(a) - 1)) or Counter([a])
    gb = Counter(b[i:i + 2] for i in range(len(b) - 1)) or Counter([b])
    return 2.0 * sum((ga & gb).values()) / (sum(ga.values()) + sum(gb.values()))


# The shared scorer's least Dice for a predicted practice title to match a gold one.
MATCH_DICE = 0.5


def match_titles(gold: list[str], pred: list[str]) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs, matched one to one greedily at Dice >= MATCH_DICE,
    best pairs first: the shared scorer's rule for practice titles.

    >>> match_titles(["加强组织领导", "建强阵地"], ["建强阵地", "加强组织领导工作"])
    [(1, 0), (0, 1)]
    """
    pairs = sorted((-d, gi, pi) for gi, a in enumerate(gold) for pi, b in enumerate(pred)
                   if (d := dice(a, b)) >= MATCH_DICE)
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


def read_raw(path: Path) -> str:
    """A corpus text exactly as the gold offsets index it (UTF-8, no newline translation)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def sentence_at(raw: str, start: int, end: int) -> str:
    """The sentence around ``raw[start:end]``, bounded like the gold (。！？! or a line break)."""
    left = max((m.end() for m in RE_BOUNDARY.finditer(raw, 0, start)), default=0)
    right = RE_BOUNDARY.search(raw, end)
    if right is None:
        stop = len(raw)
    else:
        stop = right.start() if raw[right.start()] == "\n" else right.end()
    return raw[left:stop].strip()


def encode(value: str, haystack: str) -> list:
    """``value`` as pieces of ``haystack``: greedy longest runs, nearest after the last piece.

    A character that occurs nowhere in the text is kept literally (an annotator's comma for
    the page's full stop, a normalised word): it cannot have been copied from the article.
    """
    pieces: list = []
    pos, cursor = 0, 0
    while pos < len(value):
        best_len, best_at = 0, -1
        length = 1
        while pos + length <= len(value):
            chunk = value[pos:pos + length]
            at = haystack.find(chunk, cursor)
            if at < 0:
                at = haystack.find(chunk)
            if at < 0:
                break
            best_len, best_at = length, at
            length += 1
        if best_len == 0:
            if pieces and isinstance(pieces[-1], str):
                pieces[-1] += value[pos]
            else:
                pieces.append(value[pos])
            pos += 1
            continue
        pieces.append([best_at, best_at + best_len])
        pos += best_len
        cursor = best_at + best_len
    return pieces


def decode(pieces: list, haystack: str) -> str:
    """The label that ``encode`` turned into pieces."""
    return "".join(p if isinstance(p, str) else haystack[p[0]:p[1]] for p in pieces)


def _encode_fields(obj: dict, fields: dict[str, bool], raw: str, plain: str) -> dict:
    out = dict(obj)
    for name, simplified in fields.items():
        value = out.pop(name, None)
        out[name + "@"] = None if value is None else encode(value, plain if simplified else raw)
    return out


def _decode_fields(obj: dict, fields: dict[str, bool], raw: str, plain: str) -> dict:
    out = dict(obj)
    for name, simplified in fields.items():
        pieces = out.pop(name + "@", None)
        out[name] = None if pieces is None else decode(pieces, plain if simplified else raw)
    return out


def to_refs(line: dict, raw: str) -> dict:
    """A full gold line → the same line with every copied text replaced by pieces."""
    plain = simplify(raw)
    ref = _encode_fields(line, ARTICLE_FIELDS, raw, plain)
    ref["facts"] = [_encode_fields({k: v for k, v in f.items() if k not in ("span", "sentence")},
                                   FACT_FIELDS, raw, plain) for f in line["facts"]]
    ref["practices"] = [_encode_fields(p, PRACTICE_FIELDS, raw, plain) for p in line["practices"]]
    ref.pop("named_methods", None)
    ref["named_methods@"] = [encode(m, plain) for m in line.get("named_methods", [])]
    return ref


def from_refs(ref: dict, raw: str) -> dict:
    """A reference line → the full gold line, rebuilt from the text (inverse of ``to_refs``)."""
    plain = simplify(raw)
    line = _decode_fields(ref, ARTICLE_FIELDS, raw, plain)
    line["facts"] = []
    for f in ref["facts"]:
        fact = _decode_fields(f, FACT_FIELDS, raw, plain)
        fact["span"] = raw[f["start"]:f["end"]]
        fact["sentence"] = sentence_at(raw, f["start"], f["end"])
        line["facts"].append(fact)
    line["practices"] = [_decode_fields(p, PRACTICE_FIELDS, raw, plain) for p in ref["practices"]]
    line["named_methods"] = [decode(m, plain) for m in line.pop("named_methods@", [])]
    keys = ["id", "url", "title", "published", "source", "region", "facts", "practices",
            "named_methods", "themes"]
    return {k: line.get(k) for k in keys} | {k: v for k, v in line.items() if k not in keys}


def read_refs(path: Path, texts: Path, sets: set[str] | None = None) -> Iterator[dict]:
    """Full gold lines rebuilt from a reference file and the texts in ``texts``
    (``sets`` keeps only lines whose ``set`` field is listed)."""
    for text in Path(path).read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        ref = json.loads(text)
        if sets is not None and ref.get("set") not in sets:
            continue
        yield from_refs(ref, read_raw(Path(texts) / f"{ref['id']}.txt"))


def read_gold(folder: Path) -> Iterator[tuple[dict, str]]:
    """(gold line, raw text) for every article of a shared gold folder (``gold.jsonl`` + texts)."""
    folder = Path(folder)
    for text in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if text.strip():
            line = json.loads(text)
            yield line, read_raw(folder / f"{line['id']}.txt")
