"""The SQLite store: the only module that touches the database.

The schema lives only in the migrations below (sqlite-utils ``Migrations``); a schema change
is a new ``m00N_*`` function. Writes for one article happen inside one transaction that first
deletes the article's old rows, so re-ingesting is idempotent and a failure leaves the previous
version intact.

Chinese full-text search: FTS5's default tokenizer makes one token of a run of Chinese
characters and trigram cannot match two-character words (党建), so the index holds the
*simplified* title and body as space-separated characters (``fts_tokens``) and a query is a
phrase of its spaced characters. A traditional query is simplified first, so 黨建 finds 党建.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator

import sqlite_utils
from sqlite_utils.migrations import Migrations

from corpus.article import Article, RawMap
from corpus.reposts import REPOST_THRESHOLD, band_keys, jaccard, shingles
from corpus.script import simplify

if TYPE_CHECKING:
    from corpus.read import Source
    from extract.analysis import Analysis

MIGRATIONS = Migrations("wrmine")
RE_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9\W_]|[\u3400-\u9fff\uf900-\ufaff]", re.UNICODE)


class StoreError(Exception):
    """The database file cannot be used (not SQLite, corrupt, locked)."""


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create({
        "id": str, "url": str, "path": str, "title": str, "published": str, "source": str,
        "author": str, "raw": str, "text": str, "simplified": str, "raw_map": str,
        "content_hash": str, "province": str, "city": str, "county": str, "town": str,
        "duplicate_of": str, "ingested_at": str,
    }, pk="id")
    db["articles"].create_index(["content_hash"])
    db["article_sources"].create({
        "article_id": str, "source": str, "url": str, "path": str, "seen_at": str,
    }, pk=("article_id", "path"), foreign_keys=[("article_id", "articles", "id")])
    db["facts"].create({
        "article_id": str, "start": int, "end": int, "raw_start": int, "raw_end": int,
        "span": str, "value": float, "unit": str, "approx": str, "subject": str,
        "metric": str, "year": int, "sentence": str,
    }, pk=("article_id", "start"), foreign_keys=[("article_id", "articles", "id")])
    for col in ("metric", "year", "subject"):
        db["facts"].create_index([col])
    db["practices"].create({
        "article_id": str, "start": int, "end": int, "title": str,
    }, pk=("article_id", "start"), foreign_keys=[("article_id", "articles", "id")])
    db["practice_themes"].create({
        "article_id": str, "start": int, "theme": str,
    }, pk=("article_id", "start", "theme"), foreign_keys=[("article_id", "articles", "id")])
    db["article_themes"].create({
        "article_id": str, "theme": str, "rank": int,
    }, pk=("article_id", "theme"), foreign_keys=[("article_id", "articles", "id")])
    db["named_methods"].create({
        "article_id": str, "name": str, "start": int, "end": int,
    }, pk=("article_id", "name"), foreign_keys=[("article_id", "articles", "id")])
    db["skips"].create({
        "stage": str, "key": str, "reason": str, "at": str,
    }, pk=("stage", "key"))
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "article_id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')"
    )


def open_db(path: str) -> sqlite_utils.Database:
    """Open (creating if needed) a wrmine database and bring its schema up to date.

    Raises StoreError with a one-line reason for a file that is not a usable SQLite database.
    """
    try:
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys=ON")
        MIGRATIONS.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable wrmine database ({exc})") from None
    return db


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fts_tokens(text: str) -> str:
    """Text as space-separated index tokens: each Chinese character, each ASCII word.

    >>> fts_tokens("党建引领 AI赋能")
    '党 建 引 领 ai 赋 能'
    """
    return " ".join(t.lower() for t in RE_TOKEN.findall(text or ""))


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for a user query: each whitespace-separated word becomes a
    phrase of its simplified characters, and all words must match.

    >>> fts_query("黨建 引领")
    '"党 建" AND "引 领"'
    """
    words = [fts_tokens(simplify(w)) for w in query.split()]
    phrases = ['"' + w.replace('"', "") + '"' for w in words if w]
    return " AND ".join(phrases)


def record_skip(db: sqlite_utils.Database, stage: str, key: str, reason: str) -> None:
    """Record that ``stage`` declined ``key`` (a path or URL) and why; replaces an older record."""
    db["skips"].upsert({"stage": stage, "key": key, "reason": reason, "at": now()}, pk=("stage", "key"))


def clear_skip(db: sqlite_utils.Database, key: str) -> None:
    db.execute("DELETE FROM skips WHERE key = ?", [key])


CHILD_TABLES = ("facts", "practices", "practice_themes", "article_themes", "named_methods")


def unique_source_id(db: sqlite_utils.Database, source: "Source", key: str) -> "Source":
    """The source, with its id made unique when another file or URL already holds that id
    (``a/x.txt`` and ``b/x.txt`` both have the stem ``x``): ``x`` then becomes ``x-1f2e3d4c``
    for the second one, derived from its path, so re-ingesting it keeps the same id."""
    row = db.execute("SELECT path FROM articles WHERE id = ?", [source.id]).fetchone()
    if row is None or row[0] in (None, key):
        return source
    suffix = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return replace(source, id=f"{source.id}-{suffix}")


def find_duplicate(db: sqlite_utils.Database, article: Article) -> str | None:
    """Id of a stored article that ``article`` reposts (same body, or 3-gram Jaccard ≥ 0.5
    with a candidate found through the stored LSH band keys), if any: an article as stored
    from its first site, and the same article copied onto a health blog, are one article.
    """
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? AND id != ? AND duplicate_of IS NULL LIMIT 1",
        [article.content_hash, article.id],
    ).fetchone()
    if row:
        return row[0]
    keys = band_keys(article.simplified)
    if not keys:
        return None
    marks = ",".join("?" * len(keys))
    candidates = db.execute(
        f"SELECT b.article_id, COUNT(*) AS shared FROM repost_bands b "
        f"JOIN articles a ON a.id = b.article_id AND a.duplicate_of IS NULL "
        f"WHERE b.band IN ({marks}) AND b.article_id != ? "
        f"GROUP BY b.article_id ORDER BY shared DESC, b.article_id LIMIT 5",
        [*keys, article.id],
    ).fetchall()
    best, own = None, shingles(article.simplified)
    for cid, _ in candidates:
        other = db.execute("SELECT simplified FROM articles WHERE id = ?", [cid]).fetchone()[0]
        score = jaccard(own, shingles(other or ""))
        if score >= REPOST_THRESHOLD and (best is None or score > best[1]):
            best = (cid, score)
    return best[0] if best else None


def save_article(db: sqlite_utils.Database, article: Article, analysis: "Analysis",
                 path: str | None = None, duplicate_of: str | None = None) -> None:
    """Store one article and everything extracted from it, replacing its previous rows atomically."""
    region = asdict(analysis.region)
    row = {
        "id": article.id, "url": article.url, "path": path, "title": article.title,
        "published": article.published, "source": article.source, "author": article.author,
        "raw": article.raw, "text": article.text, "simplified": article.simplified,
        "raw_map": json.dumps(article.raw_map.pieces, separators=(",", ":")),
        "content_hash": article.content_hash, **region, "duplicate_of": duplicate_of,
        "ingested_at": now(),
    }
    facts = []
    for f in analysis.facts:
        raw_start, raw_end = article.raw_map.span_to_raw(f.start, f.end)
        facts.append({"article_id": article.id, **asdict(f), "raw_start": raw_start, "raw_end": raw_end})
    with db.atomic():
        for table in CHILD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE article_id = ?", [article.id])
        db.execute("DELETE FROM articles_fts WHERE article_id = ?", [article.id])
        db.execute("DELETE FROM repost_bands WHERE article_id = ?", [article.id])
        db["articles"].upsert(row, pk="id")
        db["repost_bands"].insert_all(
            ({"band": k, "article_id": article.id} for k in band_keys(article.simplified)))
        db["facts"].insert_all(facts, pk=("article_id", "start"), replace=True)
        db["practices"].insert_all(
            ({"article_id": article.id, "start": p.start, "end": p.end, "title": p.title}
             for p in analysis.practices), pk=("article_id", "start"), replace=True)
        db["practice_themes"].insert_all(
            ({"article_id": article.id, "start": p.start, "theme": t}
             for p in analysis.practices for t in p.themes),
            pk=("article_id", "start", "theme"), replace=True)
        db["article_themes"].insert_all(
            ({"article_id": article.id, "theme": t, "rank": i} for i, t in enumerate(analysis.themes)),
            pk=("article_id", "theme"), replace=True)
        db["named_methods"].insert_all(
            ({"article_id": article.id, "name": m.name, "start": m.start, "end": m.end}
             for m in analysis.named_methods), pk=("article_id", "name"), replace=True)
        if path or article.url:
            db["article_sources"].upsert({
                "article_id": duplicate_of or article.id, "source": article.source,
                "url": article.url, "path": path or article.url, "seen_at": now(),
            }, pk=("article_id", "path"))
        db.execute(
            "INSERT INTO articles_fts(article_id, title, body) VALUES (?, ?, ?)",
            [article.id, fts_tokens(simplify(article.title or "")), fts_tokens(article.simplified)],
        )
        if path:
            clear_skip(db, path)


def load_article(row: dict) -> Article:
    """Rebuild an Article from its stored row."""
    pieces = tuple(tuple(p) for p in json.loads(row.get("raw_map") or "[]"))
    return Article(
        id=row["id"], text=row["text"] or "", title=row["title"], published=row["published"],
        source=row["source"], author=row.get("author"), url=row["url"], raw=row["raw"] or "",
        simplified=row["simplified"] or "", raw_map=RawMap(pieces),
        content_hash=row["content_hash"] or "",
    )


def iter_articles(db: sqlite_utils.Database) -> Iterator[Article]:
    """Every stored article, in id order, one at a time."""
    for row in db["articles"].rows_where(order_by="id"):
        yield load_article(row)


def article_themes(db: sqlite_utils.Database, article_id: str) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT theme FROM article_themes WHERE article_id = ? ORDER BY rank", [article_id])]


def search(db: sqlite_utils.Database, query: str, limit: int = 20,
           theme: str | None = None) -> list[dict]:
    """Articles matching ``query`` (any script), best first: id, title, url, and the
    simplified body for building a context snippet."""
    match = fts_query(query)
    if not match:
        return []
    sql = (
        "SELECT a.id, a.title, a.url, a.text, a.simplified, bm25(articles_fts) AS score "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.article_id "
        "WHERE articles_fts MATCH ? AND a.duplicate_of IS NULL"
    )
    params: list = [match]
    if theme:
        sql += " AND a.id IN (SELECT article_id FROM article_themes WHERE theme = ?)"
        params.append(theme)
    sql += " ORDER BY score LIMIT ?"
    params.append(limit)
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


FACT_FILTERS = {
    "metric": "f.metric = ?",
    "year": "f.year = ?",
    "subject": "f.subject LIKE '%' || ? || '%' ESCAPE '\\'",
    # A prefix of a full name at any level: 贵州 finds 贵州省, 毕节 finds 毕节市.
    "region": "(a.province LIKE ? || '%' ESCAPE '\\' OR a.city LIKE ? || '%' ESCAPE '\\' "
              "OR a.county LIKE ? || '%' ESCAPE '\\' OR a.town LIKE ? || '%' ESCAPE '\\')",
    "theme": "f.article_id IN (SELECT article_id FROM article_themes WHERE theme = ?)",
    "article": "f.article_id = ?",
}
GROUPS = {
    "region": "COALESCE(a.town, a.county, a.city, a.province, '(unknown)')",
    "year": "COALESCE(CAST(f.year AS TEXT), '(none)')",
    "metric": "f.metric",
}


def like_escape(value: str) -> str:
    """Escape LIKE wildcards so that user text matches literally.

    >>> like_escape("100%_x")
    '100\\\\%\\\\_x'
    """
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fact_where(filters: dict) -> tuple[str, list]:
    # A repost's facts are the original's facts: count them once.
    clauses = [] if filters.get("article") else ["a.duplicate_of IS NULL"]
    params: list = []
    for key, value in filters.items():
        if value is None:
            continue
        if key in ("region", "subject"):
            value = like_escape(simplify(value.strip()))
        clauses.append(FACT_FILTERS[key])
        params += [value] * FACT_FILTERS[key].count("?")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query_facts(db: sqlite_utils.Database, limit: int | None = None, **filters) -> Iterator[dict]:
    """Facts matching the filters (metric, year, subject, region, theme, article), with
    their article's title, url and region as provenance."""
    where, params = _fact_where(filters)
    sql = (
        "SELECT f.article_id, a.title, a.url, f.span, f.value, f.unit, f.approx, f.subject, "
        "f.metric, f.year, a.province, a.city, a.county, a.town, f.start, f.end, "
        "f.raw_start, f.raw_end, f.sentence FROM facts f JOIN articles a ON a.id = f.article_id"
        f"{where} ORDER BY f.article_id, f.start"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


def group_facts(db: sqlite_utils.Database, group_by: str, **filters) -> list[dict]:
    """Counts and sums of fact values per region, year or metric (and unit, since sums
    across units mean nothing)."""
    if group_by not in GROUPS:
        raise ValueError(f"Unknown group {group_by!r}. Groups: {', '.join(GROUPS)}")
    where, params = _fact_where(filters)
    key = GROUPS[group_by]
    sql = (
        f"SELECT {key} AS {group_by}, f.unit, COUNT(*) AS facts, SUM(f.value) AS total, "
        "COUNT(DISTINCT f.article_id) AS articles FROM facts f JOIN articles a ON a.id = f.article_id"
        f"{where} GROUP BY 1, 2 ORDER BY 1, facts DESC"
    )
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def export_rows(db: sqlite_utils.Database, table: str) -> Iterator[dict]:
    """Rows for ``wrmine export``: articles (with themes), facts or practices (with themes)."""
    # Themes come in the same query, so an export is one pass over the table, not one query per row.
    if table == "articles":
        for row in _dicts(db, "SELECT id, url, title, published, source, author, province, city, "
                              "county, town, duplicate_of, text, (SELECT group_concat(theme, '|') FROM "
                              "(SELECT theme FROM article_themes t WHERE t.article_id = a.id ORDER BY rank)) "
                              "AS themes FROM articles a ORDER BY id"):
            row["themes"] = row["themes"].split("|") if row["themes"] else []
            yield row
    elif table == "facts":
        yield from query_facts(db)
    elif table == "practices":
        for row in _dicts(db, "SELECT p.article_id, p.start, p.end, p.title, a.title AS article_title, "
                              "(SELECT group_concat(theme, '|') FROM practice_themes t WHERE "
                              "t.article_id = p.article_id AND t.start = p.start) AS themes "
                              "FROM practices p JOIN articles a ON a.id = p.article_id "
                              "ORDER BY p.article_id, p.start"):
            row["themes"] = row["themes"].split("|") if row["themes"] else []
            yield row
    else:
        raise ValueError(f"Unknown table {table!r}. Tables: articles, facts, practices")


def _dicts(db: sqlite_utils.Database, sql: str, params: Iterable = ()) -> Iterator[dict]:
    cur = db.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {t: db[t].count for t in ("articles", "facts", "practices", "named_methods", "skips")}


# --- Crawl fetch log (corpus/crawl.py) -------------------------------------------------------
# One row per canonical URL. It is both the crawl's frontier and its memory: ``queued_gen`` is
# the crawl generation that wants the URL, ``fetched_gen`` the one that last fetched it. A URL
# is pending while queued_gen > fetched_gen; a crawl that finds pending rows resumes their
# generation, otherwise it starts the next one (and refetches with ETag / Last-Modified).

@MIGRATIONS()
def m002_fetch_log(db: sqlite_utils.Database) -> None:
    db["fetch_log"].create({
        "url": str, "kind": str, "depth": int, "seed": str, "queued_gen": int, "fetched_gen": int,
        "final_url": str, "status": int, "fetched_at": str, "sha256": str, "etag": str,
        "last_modified": str, "encoding": str, "content_type": str, "article_id": str,
        "error": str,
    }, pk="url")
    db["fetch_log"].create_index(["queued_gen"])


FETCH_COLUMNS = ("final_url", "status", "fetched_at", "sha256", "etag", "last_modified",
                 "encoding", "content_type", "article_id", "error")


def crawl_generation(db: sqlite_utils.Database) -> tuple[int, bool]:
    """(generation to run, whether it resumes an interrupted one)."""
    row = db.execute(
        "SELECT MAX(queued_gen), SUM(fetched_gen IS NULL OR fetched_gen < queued_gen) FROM fetch_log"
    ).fetchone()
    latest, pending = row[0] or 0, row[1] or 0
    return (latest, True) if pending else (latest + 1, False)


def _queue(db: sqlite_utils.Database, link: dict, gen: int) -> bool:
    cur = db.execute(
        "INSERT INTO fetch_log (url, kind, depth, seed, queued_gen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET queued_gen = excluded.queued_gen, kind = excluded.kind, "
        "depth = excluded.depth, seed = excluded.seed "
        "WHERE (fetch_log.queued_gen IS NULL OR fetch_log.queued_gen < excluded.queued_gen) "
        "AND (fetch_log.fetched_gen IS NULL OR fetch_log.fetched_gen < excluded.queued_gen)",
        [link["url"], link["kind"], link["depth"], link.get("seed"), gen],
    )
    return cur.rowcount > 0


def queue_urls(db: sqlite_utils.Database, links: Iterable[dict], gen: int) -> list[dict]:
    """Queue links (dicts with url, kind, depth, seed) for generation ``gen``; returns those
    newly queued (not already queued or fetched in this generation)."""
    with db.atomic():
        return [link for link in links if _queue(db, link, gen)]


def pending_urls(db: sqlite_utils.Database, gen: int) -> list[dict]:
    """URLs queued for ``gen`` and not fetched in it, shallowest first, in discovery order."""
    return list(_dicts(db, "SELECT url, kind, depth, seed FROM fetch_log WHERE queued_gen = ? AND "
                           "(fetched_gen IS NULL OR fetched_gen < ?) ORDER BY depth, rowid", [gen, gen]))


def get_fetch(db: sqlite_utils.Database, url: str) -> dict | None:
    """The fetch log row of ``url``, or None."""
    rows = list(_dicts(db, "SELECT * FROM fetch_log WHERE url = ?", [url]))
    return rows[0] if rows else None


def save_fetch(db: sqlite_utils.Database, url: str, gen: int, record: dict,
               links: Iterable[dict] = ()) -> list[dict]:
    """Mark ``url`` fetched in ``gen`` with ``record`` (keys from FETCH_COLUMNS; missing ones keep
    their old value) and queue the links found on it, in one transaction, so an interrupted
    crawl never has a page marked done without its links. Returns the newly queued links."""
    values = {k: record[k] for k in FETCH_COLUMNS if k in record}
    with db.atomic():
        db.execute("INSERT INTO fetch_log (url, kind, depth, queued_gen) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(url) DO NOTHING",
                   [url, record.get("kind", "page"), record.get("depth", 0), gen])
        sets = ", ".join(f"{k} = ?" for k in values)
        db.execute(f"UPDATE fetch_log SET fetched_gen = ?{', ' if sets else ''}{sets} WHERE url = ?",
                   [gen, *values.values(), url])
        return [link for link in links if _queue(db, link, gen)]


def requeue_failed(db: sqlite_utils.Database, gen: int) -> int:
    """Queue for ``gen`` the URLs whose last fetch failed for a passing reason (timeout, dropped
    connection, 429, 5xx), so a new crawl retries them; returns how many."""
    with db.atomic():
        cur = db.execute(
            "UPDATE fetch_log SET queued_gen = ? WHERE queued_gen < ? AND error IS NOT NULL AND "
            "(status IN (429, 500, 502, 503, 504) OR error LIKE 'timed out%' "
            "OR error LIKE 'connection failed%' OR error LIKE 'cannot resolve%')", [gen, gen])
        return cur.rowcount


@MIGRATIONS()
def m003_repost_bands(db: sqlite_utils.Database) -> None:
    """LSH band keys per article, so repost candidates are found by an indexed lookup."""
    db["repost_bands"].create({"band": str, "article_id": str},
                              foreign_keys=[("article_id", "articles", "id")])
    db["repost_bands"].create_index(["band"])
    db["repost_bands"].create_index(["article_id"])
