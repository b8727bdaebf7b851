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

import contextlib
import hashlib
import json
import os
import re
import sqlite3
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote

import sqlite_utils
from sqlite_utils.migrations import Migrations

from corpus.article import Article, RawMap
from corpus.reposts import REPOST_THRESHOLD, band_keys, jaccard, shingles
from corpus.script import simplify

try:
    import fcntl
except ImportError:  # Windows: no guard for two jobs creating one database at once
    fcntl = None

if TYPE_CHECKING:
    from corpus.read import Source
    from extract.analysis import Analysis

MIGRATIONS = Migrations("wrmine")
BUSY_TIMEOUT_S = 60
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
    if os.path.isdir(path):
        raise StoreError(f"{path}: is a directory, not a database file")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
        db = sqlite_utils.Database(conn)
        check_wrmine(db, path, writable=True)
        # Readers (search, the desk) go on while a batch writes; two writers wait for each other.
        conn.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        if MIGRATIONS.pending(db):
            with _migration_lock(path):
                MIGRATIONS.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable wrmine database ({exc})") from None
    return db


def open_existing(path: str) -> sqlite_utils.Database:
    """Open an existing wrmine database for reading: never creates, migrates or writes.

    Raises StoreError for a missing file, a file that is not SQLite, a SQLite file that is
    not a wrmine database, and a wrmine database older than this version (which a write
    command such as ``wrmine ingest`` or ``wrmine migrate`` brings up to date).
    """
    if not os.path.exists(path):
        raise StoreError(f"{path}: no such database (create one with `wrmine ingest FILES --db {path}`)")
    if os.path.isdir(path):
        raise StoreError(f"{path}: is a directory, not a database file")
    try:
        conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=rw", uri=True, timeout=30)
        conn.execute("PRAGMA query_only=1")
        db = sqlite_utils.Database(conn)
        check_wrmine(db, path, writable=False)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable wrmine database ({exc})") from None
    return db


def check_wrmine(db: sqlite_utils.Database, path: str, writable: bool) -> None:
    """Refuse a SQLite file that is not ours: wrmine never adds its tables to a user's database.
    A read-only opening also refuses a wrmine database with migrations still to apply."""
    tables = set(db.table_names())
    if not tables:
        if writable:
            return
        raise StoreError(f"{path}: empty database, not a wrmine database")
    applied = set()
    if "_sqlite_migrations" in tables:
        applied = {r[0] for r in db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATIONS.name])}
    if not applied or "articles" not in tables:
        raise StoreError(f"{path}: a SQLite database, but not a wrmine one: refusing to touch it")
    missing = [m.name for m in MIGRATIONS._migrations if m.name not in applied]
    if missing and not writable:
        raise StoreError(f"{path}: made by an older wrmine; run `wrmine migrate --db {path}` first")


def stored_hash(db: sqlite_utils.Database, article_id: str) -> str | None:
    """The input hash an article was stored with (None: not stored, or stored before hashes)."""
    row = db.execute("SELECT source_hash FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else None


@contextlib.contextmanager
def _migration_lock(path: str):
    """Two jobs creating one new database at once: the second waits until the first has
    applied the schema, then finds nothing left to do (instead of "table already exists" or
    "database is locked"). flock on the database file itself: no lock file is left behind,
    and it does not interfere with SQLite's own (fcntl) locks."""
    if fcntl is None or not os.path.isfile(path):
        yield
        return
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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
                 path: str | None = None, duplicate_of: str | None = None,
                 source_hash: str | None = None) -> None:
    """Store one article and everything extracted from it, replacing its previous rows atomically.
    ``source_hash`` identifies the input as read, so an unchanged input is not analysed again."""
    region = analysis.region.levels()
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
        row_f = asdict(f)
        row_f["evidence"] = json.dumps(list(f.evidence), ensure_ascii=False)
        facts.append({"article_id": article.id, **row_f, "raw_start": raw_start, "raw_end": raw_end})
    row["region_confidence"] = analysis.region.confidence
    row["region_evidence"] = json.dumps(list(analysis.region.evidence), ensure_ascii=False)
    row["title_origin"] = getattr(article, "title_origin", None)
    row["source_hash"] = source_hash
    with db.atomic():
        old = db.execute("SELECT rowid FROM articles WHERE id = ?", [article.id]).fetchone()
        for table in CHILD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE article_id = ?", [article.id])
        if old:
            db.execute("DELETE FROM articles_fts WHERE rowid = ?", [old[0]])
        db.execute("DELETE FROM repost_bands WHERE article_id = ?", [article.id])
        db["articles"].upsert(row, pk="id")
        db["repost_bands"].insert_all(
            ({"band": k, "article_id": article.id} for k in band_keys(article.simplified)))
        db["facts"].insert_all(facts, pk="id")
        db["practices"].insert_all(
            ({"article_id": article.id, "start": p.start, "end": p.end, "title": p.title,
              "confidence": p.confidence, "evidence": json.dumps(list(p.evidence), ensure_ascii=False)}
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
        rowid = db.execute("SELECT rowid FROM articles WHERE id = ?", [article.id]).fetchone()[0]
        db.execute(
            "INSERT INTO articles_fts(rowid, article_id, title, body) VALUES (?, ?, ?, ?)",
            [rowid, article.id, fts_tokens(simplify(article.title or "")), fts_tokens(article.simplified)],
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


REGION_PREFIX = ("(a.province LIKE ? || '%' ESCAPE '\\' OR a.city LIKE ? || '%' ESCAPE '\\' "
                 "OR a.county LIKE ? || '%' ESCAPE '\\' OR a.town LIKE ? || '%' ESCAPE '\\')")
ARTICLE_FILTERS = {
    "theme": "a.id IN (SELECT article_id FROM article_themes WHERE theme = ?)",
    # A prefix of a full name at any level, on the stored region: 湖南 finds an article stored
    # with 湖南省 even when its text never names the province.
    "region": REGION_PREFIX,
    "year": "(substr(a.published, 1, 4) = CAST(? AS TEXT) OR a.id IN "
            "(SELECT article_id FROM facts WHERE year = ?))",
    "metric": "a.id IN (SELECT article_id FROM facts WHERE metric = ?)",
    "source": "a.source LIKE '%' || ? || '%' ESCAPE '\\'",
    "ids": None,   # handled below: a list of article ids
}


def _article_where(filters: dict) -> tuple[list[str], list]:
    clauses, params = ["a.duplicate_of IS NULL"], []
    for key, value in filters.items():
        if value is None or value == () or value == []:
            continue
        if key not in ARTICLE_FILTERS:
            raise ValueError(f"Unknown filter {key!r}. Filters: {', '.join(ARTICLE_FILTERS)}")
        if key == "ids":
            ids = list(value)
            clauses.append(f"a.id IN ({','.join('?' * len(ids))})")
            params += ids
            continue
        if key in ("region", "source"):
            value = like_escape(simplify(str(value).strip()))
        clauses.append(ARTICLE_FILTERS[key])
        params += [value] * ARTICLE_FILTERS[key].count("?")
    return clauses, params


def search(db: sqlite_utils.Database, query: str, limit: int | None = 20, **filters) -> list[dict]:
    """Articles matching ``query`` (any script; AND/OR/NOT, "phrases", parentheses: see
    ``corpus.query``) and the filters (theme, region, year, metric, source, ids), best first:
    id, title, url, published, source, region levels, and the text for a context snippet.
    An empty query lists the filtered articles, newest first."""
    from corpus.query import to_match

    clauses, params = _article_where(filters)
    match = to_match(query) if query and query.strip() else ""
    cols = ("a.id, a.title, a.url, a.published, a.source, a.province, a.city, a.county, a.town, "
            "a.text, a.simplified")
    if match:
        # Rank inside the index first (no text carried), then join the survivors.
        sql = (f"SELECT {cols}, m.score FROM (SELECT rowid, bm25(articles_fts) AS score FROM articles_fts "
               f"WHERE articles_fts MATCH ?) m JOIN articles a ON a.rowid = m.rowid "
               f"WHERE {' AND '.join(clauses)} ORDER BY m.score")
        params = [match, *params]
    else:
        sql = f"SELECT {cols}, 0 AS score FROM articles a WHERE {' AND '.join(clauses)} " \
              "ORDER BY a.published DESC, a.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(_dicts(db, sql, params))


def count_hits(db: sqlite_utils.Database, query: str, **filters) -> int:
    """How many articles ``search`` would return without a limit."""
    from corpus.query import to_match

    clauses, params = _article_where(filters)
    match = to_match(query) if query and query.strip() else ""
    if match:
        sql = ("SELECT COUNT(*) FROM articles_fts m JOIN articles a ON a.rowid = m.rowid "
               f"WHERE articles_fts MATCH ? AND {' AND '.join(clauses)}")
        params = [match, *params]
    else:
        sql = f"SELECT COUNT(*) FROM articles a WHERE {' AND '.join(clauses)}"
    return db.execute(sql, params).fetchone()[0]


FACT_FILTERS = {
    "metric": "f.metric = ?",
    "year": "f.year = ?",
    "subject": "f.subject LIKE '%' || ? || '%' ESCAPE '\\'",
    # A prefix of a full name at any level: 贵州 finds 贵州省, 毕节 finds 毕节市.
    "region": REGION_PREFIX,
    "theme": "f.article_id IN (SELECT article_id FROM article_themes WHERE theme = ?)",
    "article": "f.article_id = ?",
    "min_confidence": "f.confidence >= ?",
    "source": "a.source LIKE '%' || ? || '%' ESCAPE '\\'",
    "ids": None,
}
GROUPS = {
    "region": "COALESCE(a.town, a.county, a.city, a.province, '(unknown)')",
    "province": "COALESCE(a.province, '(unknown)')",
    "city": "COALESCE(a.city, a.province, '(unknown)')",
    "county": "COALESCE(a.county, a.city, a.province, '(unknown)')",
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
        if key not in FACT_FILTERS:
            raise ValueError(f"Unknown filter {key!r}. Filters: {', '.join(FACT_FILTERS)}")
        if key == "ids":
            ids = list(value)
            clauses.append(f"f.article_id IN ({','.join('?' * len(ids))})" if ids else "0")
            params += ids
            continue
        if key in ("region", "subject", "source"):
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
        "f.raw_start, f.raw_end, f.sentence, f.confidence, f.id AS fact_id "
        "FROM facts f JOIN articles a ON a.id = f.article_id"
        f"{where} ORDER BY f.article_id, f.start"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


RATIO_UNITS = ("%", "‰")


def count_facts(db: sqlite_utils.Database, **filters) -> int:
    """How many facts ``query_facts`` would return without a limit."""
    where, params = _fact_where(filters)
    return db.execute(f"SELECT COUNT(*) FROM facts f JOIN articles a ON a.id = f.article_id{where}",
                      params).fetchone()[0]


def group_facts(db: sqlite_utils.Database, group_by: str, **filters) -> list[dict]:
    """Counts per region, year or metric, and per unit (sums across units mean nothing). Amounts
    are summed within one unit; ratios are never summed: their mean, least and greatest are
    given instead. Values are rounded to two decimals (no float noise)."""
    if group_by not in GROUPS:
        raise ValueError(f"Unknown group {group_by!r}. Groups: {', '.join(GROUPS)}")
    where, params = _fact_where(filters)
    key = GROUPS[group_by]
    marks = ",".join("?" * len(RATIO_UNITS))
    sql = (
        f"SELECT {key} AS {group_by}, f.unit, COUNT(*) AS facts, COUNT(DISTINCT f.article_id) AS articles, "
        f"CASE WHEN f.unit IN ({marks}) THEN NULL ELSE ROUND(SUM(f.value), 2) END AS total, "
        f"CASE WHEN f.unit IN ({marks}) THEN ROUND(AVG(f.value), 2) END AS mean, "
        f"CASE WHEN f.unit IN ({marks}) THEN MIN(f.value) END AS least, "
        f"CASE WHEN f.unit IN ({marks}) THEN MAX(f.value) END AS greatest "
        "FROM facts f JOIN articles a ON a.id = f.article_id"
        f"{where} GROUP BY 1, 2 ORDER BY 1, facts DESC"
    )
    rows = list(_dicts(db, sql, [*RATIO_UNITS, *RATIO_UNITS, *RATIO_UNITS, *RATIO_UNITS, *params]))
    for row in rows:
        for k in ("total", "mean", "least", "greatest"):
            if isinstance(row[k], float) and row[k].is_integer():
                row[k] = int(row[k])
    return rows


def query_practices(db: sqlite_utils.Database, limit: int | None = None, query: str | None = None,
                    **filters) -> Iterator[dict]:
    """Practices with their article's title, url, date, outlet and place, and their themes;
    filters as for ``search`` (theme filters the practice's own themes), plus ``query``: words
    the practice title must contain (simplified, all of them)."""
    theme = filters.pop("theme", None)
    clauses, params = _article_where(filters)
    if theme:
        clauses.append("EXISTS (SELECT 1 FROM practice_themes t WHERE t.article_id = p.article_id "
                       "AND t.start = p.start AND t.theme = ?)")
        params.append(theme)
    for word in (query or "").split():
        clauses.append("p.title LIKE '%' || ? || '%' ESCAPE '\\'")
        params.append(like_escape(simplify(word)))
    sql = ("SELECT p.article_id, p.start, p.end, p.title, p.confidence, a.title AS article_title, a.url, "
           "a.published, a.source, a.province, a.city, a.county, a.town, "
           "(SELECT group_concat(theme, '|') FROM practice_themes t WHERE "
           "t.article_id = p.article_id AND t.start = p.start) AS themes "
           "FROM practices p JOIN articles a ON a.id = p.article_id "
           f"WHERE {' AND '.join(clauses)} ORDER BY p.article_id, p.start")
    if limit:
        sql += f" LIMIT {int(limit)}"
    for row in _dicts(db, sql, params):
        row["themes"] = row["themes"].split("|") if row["themes"] else []
        yield row


def export_rows(db: sqlite_utils.Database, table: str, **filters) -> Iterator[dict]:
    """Rows for ``wrmine export``: articles (with themes), facts or practices (with their
    article's url, date and place), with the filters of ``search`` (query, theme, region,
    year, metric, source, ids)."""
    # Themes come in the same query, so an export is one pass over the table, not one query per row.
    query = filters.pop("query", None)
    if table == "articles":
        ids = None
        if query:
            ids = [r["id"] for r in search(db, query, limit=None, **filters)]
            filters = {"ids": ids}
        clauses, params = _article_where(filters)
        for row in _dicts(db, "SELECT id, url, title, published, source, author, province, city, "
                              "county, town, duplicate_of, text, (SELECT group_concat(theme, '|') FROM "
                              "(SELECT theme FROM article_themes t WHERE t.article_id = a.id ORDER BY rank)) "
                              f"AS themes FROM articles a WHERE {' AND '.join(clauses[1:]) or '1'} "
                              "ORDER BY id", params):
            row["themes"] = row["themes"].split("|") if row["themes"] else []
            yield row
    elif table == "facts":
        if query:
            filters = {"ids": [r["id"] for r in search(db, query, limit=None, **filters)]}
        yield from query_facts(db, **_fact_filters(filters))
    elif table == "practices":
        if query:
            filters = {"ids": [r["id"] for r in search(db, query, limit=None, **filters)]}
        yield from query_practices(db, **filters)
    else:
        raise ValueError(f"Unknown table {table!r}. Tables: articles, facts, practices")


def _fact_filters(filters: dict) -> dict:
    """Article filters as fact filters (ids → a list of articles)."""
    out = {k: v for k, v in filters.items() if k in FACT_FILTERS}
    if filters.get("ids") is not None:
        out["ids"] = filters["ids"]
    return out


def _dicts(db: sqlite_utils.Database, sql: str, params: Iterable = ()) -> Iterator[dict]:
    cur = db.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


def list_skips(db: sqlite_utils.Database, stage: str | None = None, since: str | None = None) -> list[dict]:
    """Every input a stage declined, newest first: stage, key (path or URL), reason, at.
    ``since`` is an ISO date or time (``2026-12-01``)."""
    clauses, params = [], []
    if stage:
        clauses.append("stage = ?")
        params.append(stage)
    if since:
        clauses.append("at >= ?")
        params.append(since)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(_dicts(db, f"SELECT stage, key, reason, at FROM skips{where} ORDER BY at DESC, key", params))


def explain_rows(db: sqlite_utils.Database, article_id: str) -> dict | None:
    """What the stages decided for one stored article and why: its region with evidence, its
    facts and practices with confidence and evidence (``wrmine explain``)."""
    rows = list(_dicts(db, "SELECT id, title, title_origin, url, province, city, county, town, "
                           "region_confidence, region_evidence FROM articles WHERE id = ?", [article_id]))
    if not rows:
        return None
    out = rows[0]
    out["region_evidence"] = json.loads(out["region_evidence"] or "[]")
    out["facts"] = [dict(r, evidence=json.loads(r["evidence"] or "[]")) for r in _dicts(
        db, "SELECT span, value, unit, approx, subject, metric, year, confidence, evidence, start, end "
            "FROM facts WHERE article_id = ? ORDER BY start, id", [article_id])]
    out["practices"] = [dict(r, evidence=json.loads(r["evidence"] or "[]")) for r in _dicts(
        db, "SELECT title, confidence, evidence, start, end FROM practices WHERE article_id = ? "
            "ORDER BY start", [article_id])]
    return out


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {t: db[t].count for t in ("articles", "facts", "practices", "named_methods", "skips")}


# --- Crawl fetch log (corpus/crawl_queue.py) ---------------------------------------------------
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


@MIGRATIONS()
def m003_repost_bands(db: sqlite_utils.Database) -> None:
    """LSH band keys per article, so repost candidates are found by an indexed lookup."""
    db["repost_bands"].create({"band": str, "article_id": str},
                              foreign_keys=[("article_id", "articles", "id")])
    db["repost_bands"].create_index(["band"])
    db["repost_bands"].create_index(["article_id"])


@MIGRATIONS()
def m004_keys_confidence(db: sqlite_utils.Database) -> None:
    """Facts get a surrogate key (two facts at one offset no longer overwrite each other),
    confidence and an evidence trace on facts, practices and regions, where the title came
    from, and a full-text index keyed by the article's rowid (deleting an article's index row
    was a scan of the whole index on an UNINDEXED column)."""
    db.execute("ALTER TABLE facts RENAME TO facts_v1")
    db["facts"].create({
        "id": int, "article_id": str, "start": int, "end": int, "raw_start": int, "raw_end": int,
        "span": str, "value": float, "unit": str, "approx": str, "subject": str,
        "metric": str, "year": int, "sentence": str, "sentence_start": int,
        "confidence": float, "evidence": str,
    }, pk="id", foreign_keys=[("article_id", "articles", "id")])
    db.execute(
        "INSERT INTO facts (article_id, start, end, raw_start, raw_end, span, value, unit, approx, "
        "subject, metric, year, sentence, confidence) SELECT article_id, start, end, raw_start, "
        "raw_end, span, value, unit, approx, subject, metric, year, sentence, 1.0 FROM facts_v1 "
        "ORDER BY article_id, start")
    db.execute("DROP TABLE facts_v1")
    for cols in (["article_id", "start"], ["metric", "year"], ["year"], ["subject"], ["confidence"]):
        db["facts"].create_index(cols)
    db["practices"].add_column("confidence", float)
    db["practices"].add_column("evidence", str)
    db["articles"].add_column("region_confidence", float)
    db["articles"].add_column("region_evidence", str)
    db["articles"].add_column("title_origin", str)
    db["articles"].add_column("source_hash", str)
    for col in ("province", "city", "county", "town", "published", "source", "duplicate_of", "path"):
        db["articles"].create_index([col])
    db["skips"].create_index(["at"])
    db.execute("DROP TABLE articles_fts")
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "article_id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')"
    )
    for rowid, article_id, title, body in db.execute(
            "SELECT rowid, id, title, simplified FROM articles").fetchall():
        db.execute("INSERT INTO articles_fts(rowid, article_id, title, body) VALUES (?, ?, ?, ?)",
                   [rowid, article_id, fts_tokens(simplify(title or "")), fts_tokens(body)])
