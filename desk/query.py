"""Read-only queries behind the desk pages and the dossiers.

Every function takes an open ``sqlite3.Connection`` (Datasette's read connection through
``execute_fn``, or ``open_readonly``) and returns plain dicts: the pages and the document
writers only format them. Nothing here writes.

Search syntax: ``corpus.query``, read leniently (words are ANDed; ``OR``, ``AND``, ``NOT`` or
a leading ``-``, parentheses and "quoted phrases" combine them; a query may be only a
negation). Filters: the store's (``corpus.store.ARTICLE_FILTERS``), so the desk and the
command line agree. Reposts (``duplicate_of`` set) are collapsed into their original.
"""
from __future__ import annotations

import csv
import json
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import quote

from corpus import store
from corpus.fts import phrase as fts_phrase
from corpus.query import Op, Phrase, escape_fts, parse_query, positive_phrases, to_fts5, to_sql  # noqa: F401
from corpus.script import simplify

DATA = Path(__file__).parent / "data"
LEVELS = ("province", "city", "county", "town")
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县区", "town": "乡镇街道"}
FILTERS = ("query", "region", "year", "theme", "metric", "source", "ids")
UNKNOWN_PLACE = "(未识别)"
UNKNOWN_YEAR = "(无年份)"


def load_metric_labels() -> dict[str, str]:
    """metric → Chinese label, from ``data/metric_labels.tsv``."""
    with open(DATA / "metric_labels.tsv", encoding="utf-8") as fh:
        return {r["metric"]: r["label"] for r in csv.DictReader(fh, delimiter="\t")}


METRIC_LABELS = load_metric_labels()


def open_readonly(path: str) -> sqlite3.Connection:
    """A connection that cannot write: ``mode=ro`` plus ``query_only`` (WAL readers keep
    working while an ingest writes)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such database (create one with `wrmine ingest FILES --db {path}`)")
    conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True,
                          check_same_thread=False)
    conn.execute("PRAGMA query_only=1")
    return conn


def rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cur = conn.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# --- Query language: ``corpus.query`` (one parser for the command line and the desk) --------
# The desk reads leniently: a stray parenthesis or a dangling operator is ignored, and a query
# may be only a negation (``NOT 网格``), which ``to_sql`` expresses.

# --- Filters ----------------------------------------------------------------------------------

def region_clause(region: str) -> tuple[str, list]:
    """A prefix of a stored region name at any level: 湖南 finds 湖南省, 浏阳 finds 浏阳市,
    whether or not the text names the place (the region columns decide). The store's own
    filter, so the desk and the CLI agree and the region indexes answer it."""
    return store.REGION_PREFIX, store.region_params(region)


def article_where(query=None, region=None, year=None, theme=None, metric=None, source=None,
                  ids=None) -> tuple[str, list, list[str]]:
    """(WHERE clause, params, positive phrases) for articles ``a`` matching the filters: the
    store's own (``corpus.store.ARTICLE_FILTERS``), plus the query read leniently. ``year``
    is the publication year or the year of one of its figures; ``source`` an outlet the
    article or one of its reposts came from."""
    if isinstance(ids, str):
        ids = [ids]
    filters = {"region": region if region and region.strip() else None, "year": int(year) if year else None,
               "theme": theme or None, "metric": metric or None, "source": source or None,
               "ids": list(ids) if ids else None}
    clauses, params = store._article_where(filters)
    tree = parse_query(query)
    if tree is not None:
        sql, ps = to_sql(tree)
        clauses.append(sql)
        params += ps
    return " WHERE " + " AND ".join(clauses), params, positive_phrases(tree)


def clean_filters(raw: dict) -> dict:
    """The known, non-empty filters from a request or keyword arguments; ``ids`` may be a
    comma-separated string.

    >>> clean_filters({"query": " 党建 ", "year": "", "ids": "a,b", "x": 1})
    {'query': '党建', 'ids': ['a', 'b']}
    """
    out = {}
    for key in FILTERS:
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            continue
        if key == "ids" and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if key == "year":
            if not str(value).isdigit():
                raise ValueError(f"year must be a number like 2024, not {value!r}")
            value = int(value)
        out[key] = value
    return out


# --- Search -----------------------------------------------------------------------------------

def search(conn: sqlite3.Connection, limit: int = 20, offset: int = 0, facts_per_hit: int = 5,
           **filters) -> dict:
    """Articles matching the filters (see ``article_where``), best first, with the total number
    of hits; each hit carries a snippet, its matching facts (with their sentence), practices,
    themes and how many reposts were collapsed into it.

    ``search(conn, query="志愿服务", region="湖南")`` → ``{"total": 2, "hits": [...]}``
    """
    total, ids, phrases = search_ids(conn, limit, offset, **filters)
    hits = [article_summary(conn, i, phrases, filters, facts_per_hit) for i in ids]
    return {"total": total, "hits": hits, "phrases": phrases}


def search_ids(conn, limit: int | None = 20, offset: int = 0, **filters) -> tuple[int, list[str], list[str]]:
    """(total hits, ids of one page in rank order, the searched phrases): best BM25 first
    when there are words, newest first otherwise."""
    where, params, phrases = article_where(**filters)
    total = conn.execute(f"SELECT COUNT(*) FROM articles a{where}", params).fetchone()[0]
    page = [-1 if limit is None else int(limit), int(offset)]
    if phrases:
        rank = " OR ".join(fts_phrase(p) for p in phrases)
        sql = (f"SELECT a.id FROM articles a LEFT JOIN (SELECT rowid AS r, bm25(articles_fts) AS score "
               f"FROM articles_fts WHERE articles_fts MATCH ?) s ON s.r = a.rowid{where} "
               f"ORDER BY s.score, a.published DESC, a.id LIMIT ? OFFSET ?")
        ids = [r[0] for r in conn.execute(sql, [rank, *params, *page])]
    else:
        sql = (f"SELECT a.id FROM articles a{where} ORDER BY a.published IS NULL, a.published DESC, a.id "
               f"LIMIT ? OFFSET ?")
        ids = [r[0] for r in conn.execute(sql, [*params, *page])]
    return total, ids, phrases


def article_summary(conn, article_id: str, phrases: list[str], filters: dict, facts_per_hit: int) -> dict:
    row = rows(conn, "SELECT a.rowid AS rowid, a.id, a.title, a.published, a.source, a.url, a.province, "
                     "a.city, a.county, a.town, a.text, a.simplified, (SELECT COUNT(*) FROM articles d "
                     "WHERE d.duplicate_of = a.id) AS reposts FROM articles a WHERE a.id = ?", [article_id])[0]
    row["place"] = place_name(row)
    row["snippet"] = snippet(row.pop("text") or "", row.pop("simplified") or "", phrases)
    row["themes"] = [r[0] for r in conn.execute(
        "SELECT theme FROM article_themes WHERE article_id = ? ORDER BY rank", [article_id])]
    facts = article_facts(conn, article_id)
    if filters.get("metric"):
        facts = [f for f in facts if f["metric"] == filters["metric"]]
    if filters.get("year"):
        facts = [f for f in facts if f["year"] in (None, int(filters["year"]))]
    # Facts whose sentence holds a searched word come first: they are what the reader asked for.
    facts.sort(key=lambda f: (not any(p in simplify(f["sentence"] or "") for p in phrases), f["start"]))
    row["facts_total"] = len(facts)
    row["facts"] = facts[:facts_per_hit]
    practices = article_practices(conn, article_id)
    theme = filters.get("theme")
    practices.sort(key=lambda p: (not ((theme and theme in p["themes"])
                                       or any(ph in simplify(p["title"] or "") for ph in phrases)), p["start"]))
    row["practices"] = practices[:5]
    row["practices_total"] = len(practices)
    return row


def snippet(text: str, simplified: str, phrases: list[str], width: int = 110) -> list[tuple[str, bool]]:
    """Up to ``width`` characters of ``text`` around the first searched phrase, as
    (piece, is_match) pairs. ``simplified`` has the same length as ``text``, so a match
    found there marks the same characters of the original script.

    >>> snippet("長沙志願服務隊", "长沙志愿服务队", ["志愿服务"], width=6)
    [('沙', False), ('志願服務', True), ('隊', False)]
    """
    flat = re.sub(r"\s+", " ", text)
    if len(simplified) != len(text):
        simplified = simplify(text)
    simple = re.sub(r"\s+", " ", simplified)
    first = min((i for i in (simple.find(p) for p in phrases) if i >= 0), default=0)
    start = max(0, first - width // 4)
    end = min(len(flat), start + width)
    spans = []
    for p in phrases:
        i = simple.find(p, start)
        while 0 <= i < end:
            spans.append((i, min(i + len(p), end)))
            i = simple.find(p, i + len(p))
    pieces, pos = [], start
    for s, e in sorted(spans):
        if s < pos:
            s = pos
        if s >= e:
            continue
        if s > pos:
            pieces.append((flat[pos:s], False))
        pieces.append((flat[s:e], True))
        pos = e
    if pos < end:
        pieces.append((flat[pos:end], False))
    return pieces


def place_name(row: dict) -> str:
    """The region chain as one name: 湖南省长沙市浏阳市."""
    return "".join(row.get(c) or "" for c in LEVELS)


def article_facts(conn, article_id: str) -> list[dict]:
    out = rows(conn, "SELECT id, start, end, span, value, unit, approx, subject, metric, year, sentence, "
                     "confidence, evidence FROM facts WHERE article_id = ? ORDER BY start, id", [article_id])
    for f in out:
        f["metric_label"] = METRIC_LABELS.get(f["metric"], f["metric"])
        f["evidence"] = decode_evidence(f["evidence"])
    return out


def article_practices(conn, article_id: str) -> list[dict]:
    out = rows(conn, "SELECT p.start, p.end, p.title, p.confidence, p.evidence, (SELECT group_concat(theme, '|') "
                     "FROM practice_themes t WHERE t.article_id = p.article_id AND t.start = p.start) AS themes "
                     "FROM practices p WHERE p.article_id = ? ORDER BY p.start", [article_id])
    for p in out:
        p["themes"] = p["themes"].split("|") if p["themes"] else []
        p["evidence"] = decode_evidence(p["evidence"])
    return out


def decode_evidence(raw) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return [str(raw)]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# The menus of every page, per connection: counting every theme, metric, outlet, province
# and year reads every article and fact (2.8 s at a million articles). A connection's
# ``PRAGMA data_version`` changes when another connection has written (an ingest), and
# only then are they counted again.
_FACETS: OrderedDict[int, tuple] = OrderedDict()
_FACETS_LOCK = threading.Lock()
FACET_CONNECTIONS = 16


def facet_values(conn) -> dict:
    """The choices for the filter menus: themes, metrics, sources, provinces, years
    (computed again only when the database has changed since this connection last asked)."""
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    with _FACETS_LOCK:
        hit = _FACETS.get(id(conn))
    # The connection itself is kept in the entry, so its id cannot be another's meanwhile.
    if hit and hit[0] is conn and hit[1] == version:
        return hit[2]
    facets = count_facets(conn)
    with _FACETS_LOCK:
        _FACETS[id(conn)] = (conn, version, facets)
        _FACETS.move_to_end(id(conn))
        while len(_FACETS) > FACET_CONNECTIONS:
            _FACETS.popitem(last=False)
    return facets


def count_facets(conn) -> dict:
    """The menus, counted now (see ``facet_values``)."""
    return {
        "themes": [r[0] for r in conn.execute(
            "SELECT theme FROM article_themes GROUP BY theme ORDER BY COUNT(*) DESC, theme")],
        "metrics": [r[0] for r in conn.execute(
            "SELECT metric FROM facts GROUP BY metric ORDER BY COUNT(*) DESC")],
        "sources": [r[0] for r in conn.execute(
            "SELECT source FROM articles WHERE source IS NOT NULL AND duplicate_of IS NULL "
            "GROUP BY source ORDER BY COUNT(*) DESC, source LIMIT 200")],
        "provinces": [r[0] for r in conn.execute(
            "SELECT province FROM articles WHERE province IS NOT NULL GROUP BY province ORDER BY COUNT(*) DESC")],
        "years": [r[0] for r in conn.execute(
            "SELECT substr(published, 1, 4) AS y FROM articles WHERE published IS NOT NULL "
            "GROUP BY y ORDER BY y DESC")],
    }


# --- One article ------------------------------------------------------------------------------

def article_detail(conn, article_id: str) -> dict | None:
    """Everything the article page shows: text cut into plain and fact pieces, facts, region
    chain, practices, themes, named methods, reposts, sources and the original it reposts."""
    found = rows(conn, "SELECT rowid AS rowid, id, url, title, published, source, author, province, city, "
                       "county, town, duplicate_of, text, title_origin, region_confidence FROM articles "
                       "WHERE id = ?", [article_id])
    if not found:
        return None
    art = found[0]
    art["facts"] = article_facts(conn, article_id)
    art["pieces"] = fact_pieces(art["text"] or "", art["facts"])
    art["practices"] = article_practices(conn, article_id)
    for p in art["practices"]:
        p["excerpt"] = (art["text"] or "")[p["start"]:p["end"]][:160]
    art["chain"] = [(LEVEL_LABELS[c], art[c]) for c in LEVELS if art[c]]
    art["themes"] = [r[0] for r in conn.execute(
        "SELECT theme FROM article_themes WHERE article_id = ? ORDER BY rank", [article_id])]
    art["methods"] = [r[0] for r in conn.execute(
        "SELECT name FROM named_methods WHERE article_id = ? ORDER BY start", [article_id])]
    art["reposts"] = rows(conn, "SELECT id, title, source, published, url FROM articles "
                                "WHERE duplicate_of = ? ORDER BY published, id", [article_id])
    art["sources"] = rows(conn, "SELECT source, url, path, seen_at FROM article_sources "
                                "WHERE article_id = ? ORDER BY seen_at, path", [article_id])
    art["original"] = None
    if art["duplicate_of"]:
        orig = rows(conn, "SELECT id, title, source FROM articles WHERE id = ?", [art["duplicate_of"]])
        art["original"] = orig[0] if orig else None
    return art


def fact_pieces(text: str, facts: list[dict]) -> list[tuple[str, list[dict]]]:
    """``text`` cut at the fact offsets: (piece, facts on it) pairs, facts empty for plain
    text. Facts that overlap an earlier one share its piece, so no character is shown twice.

    >>> [(p, [f["span"] for f in fs]) for p, fs in fact_pieces("建队12支,志愿者30人", [
    ...     {"start": 2, "end": 5, "span": "12支"}, {"start": 9, "end": 12, "span": "30人"}])]
    [('建队', []), ('12支', ['12支']), (',志愿者', []), ('30人', ['30人']), ('', [])]
    """
    pieces, pos = [], 0
    for f in sorted(facts, key=lambda f: (f["start"], -f["end"])):
        start, end = max(0, f["start"]), min(len(text), f["end"])
        if end <= start:
            continue
        if start < pos and pieces and pieces[-1][1]:
            pieces[-1][1].append(f)
            continue
        if start < pos:
            continue
        pieces.append((text[pos:start], []))
        pieces.append((text[start:end], [f]))
        pos = end
    pieces.append((text[pos:], []))
    return pieces


# --- Practices --------------------------------------------------------------------------------

def practices(conn, theme=None, region=None, query=None, limit: int = 30, offset: int = 0) -> dict:
    """Practices (of original articles) by theme, region and words in their title or text,
    each with its article and place: ``{"total": n, "items": [...]}``."""
    where, params = practice_where(theme, region, query)
    total = conn.execute(f"SELECT COUNT(*) FROM practices p JOIN articles a ON a.id = p.article_id{where}",
                         params).fetchone()[0]
    items = rows(conn, PRACTICE_SELECT + where + " ORDER BY a.published IS NULL, a.published DESC, p.article_id, "
                 "p.start LIMIT ? OFFSET ?", [*params, int(limit), int(offset)])
    for p in items:
        finish_practice(p)
    return {"total": total, "items": items}


PRACTICE_SELECT = (
    "SELECT p.article_id, p.start, p.end, p.title, p.confidence, a.title AS article_title, a.source, "
    "a.published, a.province, a.city, a.county, a.town, substr(a.text, p.start + 1, min(p.end - p.start, 300)) "
    "AS excerpt, (SELECT group_concat(theme, '|') FROM practice_themes t WHERE t.article_id = p.article_id "
    "AND t.start = p.start) AS themes FROM practices p JOIN articles a ON a.id = p.article_id"
)


def practice_where(theme=None, region=None, query=None) -> tuple[str, list]:
    clauses, params = ["a.duplicate_of IS NULL"], []
    if theme:
        clauses.append("EXISTS (SELECT 1 FROM practice_themes t WHERE t.article_id = p.article_id "
                       "AND t.start = p.start AND t.theme = ?)")
        params.append(theme)
    if region and region.strip():
        sql, ps = region_clause(region)
        clauses.append(sql)
        params += ps
    for word in positive_phrases(parse_query(query)):
        # Same-length simplification, so the word is looked up in the simplified text.
        clauses.append("(instr(substr(a.simplified, p.start + 1, p.end - p.start), ?) > 0 "
                       "OR instr(p.title, ?) > 0)")
        params += [word, word]
    return " WHERE " + " AND ".join(clauses), params


def finish_practice(p: dict) -> None:
    p["themes"] = p["themes"].split("|") if p["themes"] else []
    p["place"] = place_name(p)
    p["excerpt"] = re.sub(r"\s+", " ", p["excerpt"] or "")


def similar_practices(conn, shown: list[dict], k: int = 3, pool: int = 3000, min_score: float = 0.05) -> dict:
    """For each shown practice, up to ``k`` practices from other places that read alike:
    cosine of character-bigram TF-IDF over title and text, computed now over the shown
    practices and a pool of others sharing a theme with them. Keyed by (article_id, start).
    "Elsewhere" means another article whose deepest known place differs."""
    if not shown:
        return {}
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    themes = sorted({t for p in shown for t in p["themes"]})
    clause, params = "", []
    if themes:
        clause = (f" AND EXISTS (SELECT 1 FROM practice_themes t WHERE t.article_id = p.article_id "
                  f"AND t.start = p.start AND t.theme IN ({','.join('?' * len(themes))}))")
        params = themes
    candidates = rows(conn, PRACTICE_SELECT + " WHERE a.duplicate_of IS NULL" + clause +
                      " ORDER BY p.article_id, p.start LIMIT ?", [*params, int(pool)])
    for c in candidates:
        finish_practice(c)
    docs = [simplify((p["title"] or "") + " " + p["excerpt"]) for p in shown + candidates]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
    try:
        matrix = vec.fit_transform(docs)
    except ValueError:  # no bigram at all (empty texts)
        return {}
    scores = linear_kernel(matrix[: len(shown)], matrix[len(shown):])
    out = {}
    for i, p in enumerate(shown):
        here = deepest_place(p)
        ranked = scores[i].argsort()[::-1]
        picks = []
        for j in ranked:
            c = candidates[j]
            if scores[i, j] < min_score or len(picks) >= k:
                break
            if c["article_id"] == p["article_id"] or (here and deepest_place(c) == here):
                continue
            picks.append(dict(c, score=round(float(scores[i, j]), 2)))
        out[(p["article_id"], p["start"])] = picks
    return out


def deepest_place(row: dict) -> str | None:
    for col in reversed(LEVELS):
        if row.get(col):
            return place_name(row)
    return None


# --- Comparison -------------------------------------------------------------------------------

YEAR_SQL = "COALESCE(f.year, CAST(substr(a.published, 1, 4) AS INTEGER))"


def scope_clauses(region: str | None, theme: str | None) -> tuple[list[str], list]:
    """The comparison's scope, shared by the table and the facts behind a cell: originals
    only (a repost's figures are its original's), in the region, in articles of the theme."""
    clauses, params = ["a.duplicate_of IS NULL"], []
    if region and region.strip():
        sql, ps = region_clause(region)
        clauses.append(sql)
        params += ps
    if theme:
        clauses.append("a.id IN (SELECT article_id FROM article_themes WHERE theme = ?)")
        params.append(theme)
    return clauses, params


def compare(conn, metric: str = "teams", level: str = "province", unit: str | None = None,
            region: str | None = None, theme: str | None = None) -> dict:
    """A metric across places (rows, at ``level``) and years (columns): per cell the sum over
    articles of each article's largest figure, so an article that repeats a number counts
    once and a repost (``duplicate_of`` set) not at all; with the number of articles.
    Years are the figure's own year, else the article's publication year. Only figures in
    ``unit`` are added (default: the metric's most frequent unit), since sums across units
    mean nothing."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}. Levels: {', '.join(LEVELS)}")
    base, params = scope_clauses(region, theme)
    base, params = ["f.metric = ?", *base], [metric, *params]
    where = " WHERE " + " AND ".join(base)
    units = rows(conn, f"SELECT f.unit, COUNT(*) AS n FROM facts f JOIN articles a ON a.id = f.article_id"
                       f"{where} GROUP BY f.unit ORDER BY n DESC, f.unit", params)
    if unit not in {u["unit"] for u in units}:
        # A unit left over from another metric would show an empty table.
        unit = units[0]["unit"] if units else None
    per_article = rows(conn, (
        f"SELECT a.{level} AS place, {YEAR_SQL} AS year, a.id AS article_id, MAX(f.value) AS value, "
        f"COUNT(*) AS facts FROM facts f JOIN articles a ON a.id = f.article_id{where} AND f.unit IS ? "
        f"GROUP BY 1, 2, 3"), [*params, unit])
    cells: dict[tuple, dict] = {}
    for r in per_article:
        key = (r["place"] or UNKNOWN_PLACE, str(r["year"]) if r["year"] else UNKNOWN_YEAR)
        cell = cells.setdefault(key, {"total": 0.0, "articles": 0, "facts": 0})
        cell["total"] += r["value"] or 0
        cell["articles"] += 1
        cell["facts"] += r["facts"]
    places = sorted({k[0] for k in cells}, key=lambda p: (-sum(c["total"] for k, c in cells.items()
                                                               if k[0] == p), p))
    years = sorted({k[1] for k in cells}, key=lambda y: (y == UNKNOWN_YEAR, y))
    table = []
    for place in places:
        row_cells = [cells.get((place, y)) for y in years]
        table.append({
            "place": place, "cells": row_cells,
            "total": sum(c["total"] for c in row_cells if c),
            "articles": sum(c["articles"] for c in row_cells if c),
        })
    return {"metric": metric, "metric_label": METRIC_LABELS.get(metric, metric), "level": level,
            "unit": unit, "units": units, "years": years, "rows": table}


def list_facts(conn, metric=None, unit=None, level=None, place=None, year=None, region=None,
               theme=None, limit: int = 500) -> list[dict]:
    """The facts behind a comparison cell (same rules: originals only, year as in ``compare``),
    with their article and sentence."""
    clauses, params = scope_clauses(region, theme)
    if metric:
        clauses.append("f.metric = ?")
        params.append(metric)
    if unit:
        clauses.append("f.unit = ?")
        params.append(unit)
    if level in LEVELS and place:
        clauses.append(f"a.{level} IS NULL" if place == UNKNOWN_PLACE else f"a.{level} = ?")
        params += [] if place == UNKNOWN_PLACE else [place]
    if year:
        clauses.append(f"{YEAR_SQL} IS NULL" if year == UNKNOWN_YEAR else f"{YEAR_SQL} = ?")
        params += [] if year == UNKNOWN_YEAR else [int(year)]
    out = rows(conn, "SELECT f.id, f.article_id, f.start, f.end, f.span, f.value, f.unit, f.subject, f.metric, "
                     f"f.year, f.sentence, f.confidence, a.title, a.source, a.published, a.province, a.city, "
                     f"a.county, a.town FROM facts f JOIN articles a ON a.id = f.article_id WHERE "
                     f"{' AND '.join(clauses)} ORDER BY a.published DESC, f.article_id, f.start LIMIT ?",
               [*params, int(limit)])
    for f in out:
        f["place"] = place_name(f)
        f["metric_label"] = METRIC_LABELS.get(f["metric"], f["metric"])
    return out
