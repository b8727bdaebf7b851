"""The SQLite store: the only module that touches the database.

The schema lives only in the migrations below (sqlite-utils ``Migrations``); a schema change
is a new ``m00N_*`` function. Writes for one article happen inside one transaction that first
deletes the article's old rows, so re-ingesting is idempotent and a failure leaves the previous
version intact.

Chinese full-text search: FTS5's default tokenizer makes one token of a run of Chinese
characters and trigram cannot match two-character words (党建), so the index holds the
*simplified* title and body as character bigrams (``corpus.fts``) and a query word is a
phrase of its bigrams. A traditional query is simplified first, so 黨建 finds 党建. The index
is contentless (m005): the text lives once, in ``articles``.

Scale: every lookup an insert makes is an indexed one (no scan grows with the database), and
``ingest`` commits a batch of articles at a time, each article inside its own savepoint, so a
failure (or a kill) never leaves half an article.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import sqlite3
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote

import sqlite_utils
from sqlite_utils.migrations import Migrations

from corpus.article import Article, RawMap
from corpus.fts import index_text, phrase as fts_phrase
from corpus.reposts import REPOST_THRESHOLD, band_keys, grams, jaccard, normalise
from corpus.rows import ARTICLE_COLUMNS, ArticleRows, fact_columns, prepare_rows
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
        # Under the lock: a second job creating the same new database waits here until the
        # first has applied the schema, instead of seeing half of it.
        with _migration_lock(path):
            check_wrmine(db, path, writable=True)
            # Readers (search, the desk) go on while a batch writes; writers wait for each other.
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit is not fsynced (a power cut may lose the last batch, never
            # corrupt the file or split an article); an fsync per article cost more than storing it.
            conn.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            if MIGRATIONS.pending(db):
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
    if not writable and MIGRATIONS.pending(db):
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
    """Text as space-separated characters: each Chinese character, each ASCII word (the
    desk normalises query words with it; the index itself holds ``corpus.fts`` bigrams).

    >>> fts_tokens("党建引领 AI赋能")
    '党 建 引 领 ai 赋 能'
    """
    return " ".join(t.lower() for t in RE_TOKEN.findall(text or ""))


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for a user query: each whitespace-separated word becomes a
    phrase of its simplified characters, and all words must match.

    >>> fts_query("黨建 引领")
    '"党建" AND "引领"'
    """
    phrases = [fts_phrase(simplify(w.replace('"', ""))) for w in query.split()]
    return " AND ".join(p for p in phrases if p)


def record_skip(db: sqlite_utils.Database, stage: str, key: str, reason: str) -> None:
    """Record that ``stage`` declined ``key`` (a path or URL) and why; replaces an older record."""
    # Plain SQL, not sqlite-utils' upsert, which commits: it would end a caller's batch.
    db.execute("INSERT OR REPLACE INTO skips (stage, key, reason, at) VALUES (?, ?, ?, ?)",
               [stage, key, reason, now()])


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


def find_duplicate(db: sqlite_utils.Database, article: Article, keys: tuple[str, ...] | None = None) -> str | None:
    """Id of a stored article that ``article`` reposts (same body, or 3-gram Jaccard ≥ 0.5
    with a candidate found through the stored LSH band keys), if any: an article as stored
    from its first site, and the same article copied onto a health blog, are one article.
    """
    return find_repost(db, article.id, article.content_hash, article.simplified, keys)


def find_repost(db: sqlite_utils.Database, article_id: str, content_hash: str, simplified: str,
                keys: tuple[str, ...] | None = None, normalised: str | None = None) -> str | None:
    """``find_duplicate`` from an article's parts: ``keys`` (``reposts.band_keys``) and
    ``normalised`` (``reposts.normalise`` of ``simplified``) may come from a worker process
    (``corpus.rows``), so the single writer only looks up and compares."""
    if normalised is not None:
        _remember_normalised(simplified, normalised)
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? AND id != ? AND +duplicate_of IS NULL LIMIT 1",
        [content_hash, article_id],
    ).fetchone()
    if row:
        return row[0]
    if keys is None:
        keys = band_keys(simplified)
    if not keys:
        return None
    marks = ",".join("?" * len(keys))
    candidates = db.execute(
        f"SELECT b.article_id, COUNT(*) AS shared FROM repost_bands b "
        f"JOIN articles a ON a.id = b.article_id AND +a.duplicate_of IS NULL "
        f"WHERE b.band IN ({marks}) AND b.article_id != ? "
        f"GROUP BY b.article_id ORDER BY shared DESC, b.article_id LIMIT 5",
        [*keys, article_id],
    ).fetchall()
    best, own = None, grams(_normalised(simplified)) if candidates else None
    for cid, _ in candidates:
        other = db.execute("SELECT simplified FROM articles WHERE id = ?", [cid]).fetchone()[0]
        score = jaccard(own, grams(_normalised(other or "")))
        if score >= REPOST_THRESHOLD and (best is None or score > best[1]):
            best = (cid, score)
    return best[0] if best else None


# Normalised texts of the articles stored last, by their simplified text: a repost candidate
# is most often an article of the same batch, and normalising it again (a Python loop over
# every character) was half of the writer's time. Bounded by characters held (about 4 bytes
# each), so memory stays flat whatever the articles' length.
_NORMALISED: OrderedDict[str, str] = OrderedDict()
NORMALISED_CHARS = 4_000_000
_normalised_held = 0


def _remember_normalised(simplified: str, normalised: str) -> None:
    global _normalised_held
    if simplified in _NORMALISED:
        _NORMALISED.move_to_end(simplified)
        return
    _NORMALISED[simplified] = normalised
    _normalised_held += len(simplified) + len(normalised)
    while _normalised_held > NORMALISED_CHARS and len(_NORMALISED) > 1:
        old, old_normalised = _NORMALISED.popitem(last=False)
        _normalised_held -= len(old) + len(old_normalised)


def _normalised(simplified: str) -> str:
    found = _NORMALISED.get(simplified)
    if found is None:
        found = normalise(simplified)
        _remember_normalised(simplified, found)
    return found


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database):
    """One atomic write that takes the write lock at its start (BEGIN IMMEDIATE). A deferred
    transaction that reads first and then writes cannot wait for another writer in WAL mode
    (SQLite answers "database is locked" at once, to avoid a deadlock); an immediate one waits
    up to the busy timeout. Nested inside an open transaction it is a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.conn.rollback()
            raise


def save_article(db: sqlite_utils.Database, article: Article, analysis: "Analysis",
                 path: str | None = None, duplicate_of: str | None = None,
                 source_hash: str | None = None) -> None:
    """Store one article and everything extracted from it, replacing its previous rows atomically.
    ``source_hash`` identifies the input as read, so an unchanged input is not analysed again."""
    save_rows(db, prepare_rows(article, analysis), path=path, duplicate_of=duplicate_of,
              source_hash=source_hash)


# The article row's columns: those a worker prepares (``corpus.rows``), then the writer's.
_ARTICLE_INSERT_COLUMNS = (*ARTICLE_COLUMNS, "path", "duplicate_of", "source_hash", "ingested_at")
_ARTICLE_INSERT = (
    f"INSERT INTO articles ({', '.join(_ARTICLE_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_ARTICLE_INSERT_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ARTICLE_INSERT_COLUMNS if c != "id"))


def save_rows(db: sqlite_utils.Database, rows: ArticleRows, path: str | None = None,
              duplicate_of: str | None = None, source_hash: str | None = None) -> None:
    """``save_article`` for rows a worker prepared (``corpus.rows.prepare_rows``): the single
    writer only runs the INSERTs. Replaces the article's previous rows atomically."""
    art_id = rows.id
    article = dict(zip(ARTICLE_COLUMNS, rows.article))
    place = (article["province"], article["city"], article["county"], article["town"])
    fact_cols = fact_columns()
    at = {c: i for i, c in enumerate(fact_cols)}
    # Inside a caller's ``batch`` this is a savepoint (an error rolls back this article only);
    # alone, its own transaction. Plain SQL throughout: sqlite-utils' insert helpers commit,
    # and query the schema on every call (~60 queries per article).
    with write_transaction(db):
        old = db.execute("SELECT rowid, title, simplified, duplicate_of, province, city, county, town "
                         "FROM articles WHERE id = ?", [art_id]).fetchone()
        if old:
            if old[3] is None:
                old_facts = db.execute("SELECT year, metric, unit, value FROM facts WHERE article_id = ?",
                                       [art_id]).fetchall()
            for table in CHILD_TABLES:
                db.execute(f"DELETE FROM {table} WHERE article_id = ?", [art_id])
            db.execute("DELETE FROM repost_bands WHERE article_id = ?", [art_id])
            # A contentless index forgets a row when given the tokens it indexed for it.
            db.execute("INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                       [old[0], index_text(simplify(old[1] or "")), index_text(old[2] or "")])
        db.execute(_ARTICLE_INSERT, [*rows.article, path, duplicate_of, source_hash, now()])
        rowid = old[0] if old else db.execute("SELECT rowid FROM articles WHERE id = ?", [art_id]).fetchone()[0]
        db.conn.executemany("INSERT INTO repost_bands (band, article_id) VALUES (?, ?)",
                            [(k, art_id) for k in rows.bands])
        if rows.facts:
            db.conn.executemany(f"INSERT INTO facts (article_id, {', '.join(fact_cols)}) "
                                f"VALUES (?{', ?' * len(fact_cols)})", [(art_id, *f) for f in rows.facts])
        if old and old[3] is None:
            _rollup_remove(db, old[4:8], old_facts)
        if duplicate_of is None:
            _rollup_add(db, place, [(f[at["year"]], f[at["metric"]], f[at["unit"]], f[at["value"]])
                                    for f in rows.facts])
        db.conn.executemany(
            "INSERT OR REPLACE INTO practices (article_id, start, end, title, confidence, evidence) "
            "VALUES (?, ?, ?, ?, ?, ?)", [(art_id, *p) for p in rows.practices])
        db.conn.executemany("INSERT OR REPLACE INTO practice_themes (article_id, start, theme) VALUES (?, ?, ?)",
                            [(art_id, *p) for p in rows.practice_themes])
        db.conn.executemany("INSERT OR REPLACE INTO article_themes (article_id, theme, rank) VALUES (?, ?, ?)",
                            [(art_id, t, i) for i, t in enumerate(rows.themes)])
        db.conn.executemany("INSERT OR REPLACE INTO named_methods (article_id, name, start, end) VALUES (?, ?, ?, ?)",
                            [(art_id, *m) for m in rows.named_methods])
        if path or article["url"]:
            db.execute("INSERT OR REPLACE INTO article_sources (article_id, source, url, path, seen_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [duplicate_of or art_id, article["source"], article["url"], path or article["url"], now()])
        db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                   [rowid, rows.title_tokens, rows.body_tokens])
        if path:
            clear_skip(db, path)


def index_tokens(article: Article) -> tuple[str, str]:
    """What the full-text index holds for an article: its title's and body's bigram tokens."""
    return index_text(simplify(article.title or "")), index_text(article.simplified)


@contextlib.contextmanager
def batch(db: sqlite_utils.Database):
    """One transaction around many ``save_article`` calls, each still atomic on its own (a
    savepoint): a commit per article (a WAL frame and an fsync each) cost more than storing
    it. Call ``commit`` every so many articles. A killed process loses at most the open batch,
    never half an article."""
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        # Also when the batch stops early (--strict, Ctrl-C, a bad input): every article
        # stored so far is whole (an article that failed half-way was rolled back to its
        # savepoint), so it is kept. A commit that fails (disk full) rolls back the batch.
        if conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.rollback()
                raise


def commit(db: sqlite_utils.Database) -> None:
    """Inside ``batch``: commit the articles stored so far and go on in a new transaction."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")


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


# A prefix as a range (name >= prefix AND name < prefix + U+10FFFF), which the index on each
# level answers; LIKE 'prefix%' with a bound parameter never uses an index.
REGION_PREFIX = ("((a.province >= ? AND a.province < ?) OR (a.city >= ? AND a.city < ?) "
                 "OR (a.county >= ? AND a.county < ?) OR (a.town >= ? AND a.town < ?))")


# Almost every article is not a repost: the index on duplicate_of (there to find reposts) must
# never drive a query, which it did in a database without statistics (no ANALYZE), scanning
# every article. The unary + keeps the test out of index selection.
NOT_A_REPOST = "+a.duplicate_of IS NULL"


def region_params(value: str) -> list[str]:
    """Parameters of REGION_PREFIX for a user's place name (any script).

    >>> region_params("長沙")[:2] == ["长沙", "长沙\U0010ffff"]
    True
    """
    prefix = simplify(str(value).strip())
    return [prefix, prefix + "\U0010ffff"] * 4


ARTICLE_FILTERS = {
    "theme": "a.id IN (SELECT article_id FROM article_themes WHERE theme = ?)",
    # A prefix of a full name at any level, on the stored region: 湖南 finds an article stored
    # with 湖南省 even when its text never names the province.
    "region": REGION_PREFIX,
    # Published in the year (a range the index on published answers), or with figures about it.
    "year": "((a.published >= ? AND a.published < ?) OR a.id IN (SELECT article_id FROM facts WHERE year = ?))",
    "metric": "a.id IN (SELECT article_id FROM facts WHERE metric = ?)",
    # The outlet (a substring of it) of the article or of a repost collapsed into it.
    "source": "(a.source LIKE '%' || ? || '%' ESCAPE '\\' OR EXISTS (SELECT 1 FROM article_sources s "
              "WHERE s.article_id = a.id AND s.source LIKE '%' || ? || '%' ESCAPE '\\'))",
    "ids": None,   # handled below: a list of article ids
}


def _list_or_region(key: str, value, id_column: str) -> tuple[str, list]:
    """The clause and parameters of the two filters that article and fact listings share:
    ``ids`` (a list of article ids; an empty list matches nothing) and ``region`` (a place
    at any level, by prefix)."""
    if key == "ids":
        ids = list(value)
        return (f"{id_column} IN ({','.join('?' * len(ids))})" if ids else "0"), ids
    return REGION_PREFIX, region_params(value)


def _article_where(filters: dict) -> tuple[list[str], list]:
    clauses, params = [NOT_A_REPOST], []
    for key, value in filters.items():
        if value is None or value == () or value == []:
            continue
        if key not in ARTICLE_FILTERS:
            raise ValueError(f"Unknown filter {key!r}. Filters: {', '.join(ARTICLE_FILTERS)}")
        if key in ("ids", "region"):
            clause, values = _list_or_region(key, value, "a.id")
            clauses.append(clause)
            params += values
            continue
        if key == "year":
            clauses.append(ARTICLE_FILTERS[key])
            params += [str(int(value)), str(int(value) + 1), int(value)]
            continue
        if key == "source":
            value = like_escape(simplify(str(value).strip()))
        clauses.append(ARTICLE_FILTERS[key])
        params += [value] * ARTICLE_FILTERS[key].count("?")
    return clauses, params


# At most this many hits are ranked by relevance (BM25); a query with more lists its hits
# newest first (last stored first): ranking half a million hits costs seconds and says little
# more than recency does, and the index walks its rowids backwards stopping at the limit.
RANK_AT_MOST = 1000
# Two subqueries: SQLite answers a lone MIN or MAX from the index, but scans the table for
# "SELECT MIN(rowid), MAX(rowid)".
ARTICLE_SPAN = "SELECT (SELECT MIN(rowid) FROM articles), (SELECT MAX(rowid) FROM articles)"
FACT_SPAN = "SELECT (SELECT MIN(id) FROM facts), (SELECT MAX(id) FROM facts)"
# Totals are exact up to this many; beyond, an estimate (``HitCount.exact`` is False).
COUNT_EXACT_UP_TO = 1000


class HitCount(int):
    """A total: exact, or (``exact`` False) an estimate, printed as ``~123000 (estimated)``.

    >>> f"{HitCount(120000, exact=False)} hits"
    '~120000 (estimated) hits'
    >>> f"{HitCount(42)} hits"
    '42 hits'
    """

    exact: bool

    def __new__(cls, value: int, exact: bool = True) -> "HitCount":
        obj = super().__new__(cls, value)
        obj.exact = exact
        return obj

    def __format__(self, spec: str) -> str:
        text = int.__format__(int(self), spec)
        return text if self.exact else f"~{text} (estimated)"

    def __str__(self) -> str:
        return format(self, "")


def _capped_count(db: sqlite_utils.Database, from_where: str, params: list, key: str,
                  key_span: str, in_key_order: bool = False) -> HitCount:
    """How many rows ``from_where`` (``FROM … WHERE …``) selects: exact up to
    COUNT_EXACT_UP_TO (counted through whatever index suits the filters); beyond, an
    estimate: the newest COUNT_EXACT_UP_TO rows by ``key`` cover some share of the table's
    key range (``key_span`` gives its min and max), the total is scaled from that share.
    ``in_key_order``: the rows come in key order anyway (the full-text index): one pass."""
    if in_key_order:
        n, lowest = db.execute(f"SELECT COUNT(*), MIN(k) FROM (SELECT {key} AS k {from_where} ORDER BY {key} DESC "
                               f"LIMIT {COUNT_EXACT_UP_TO + 1})", params).fetchone()
        if n <= COUNT_EXACT_UP_TO:
            return HitCount(n)
        low, high = db.execute(key_span).fetchone()
        return HitCount(max(n, round(n * (high - low + 1) / max(1, high - lowest + 1))), exact=False)
    n = db.execute(f"SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {COUNT_EXACT_UP_TO + 1})",
                   params).fetchone()[0]
    if n <= COUNT_EXACT_UP_TO:
        return HitCount(n)
    lowest = db.execute(f"SELECT MIN(k) FROM (SELECT {key} AS k {from_where} ORDER BY {key} DESC "
                        f"LIMIT {COUNT_EXACT_UP_TO})", params).fetchone()[0]
    low, high = db.execute(key_span).fetchone()
    covered = max(1, high - lowest + 1)
    return HitCount(max(n, round(COUNT_EXACT_UP_TO * (high - low + 1) / covered)), exact=False)


def search(db: sqlite_utils.Database, query: str, limit: int | None = 20, **filters) -> list[dict]:
    """Articles matching ``query`` (any script; AND/OR/NOT, "phrases", parentheses: see
    ``corpus.query``) and the filters (theme, region, year, metric, source, ids): id, title,
    url, published, source, region levels, and the text for a context snippet. Best first
    (BM25) when the query has at most RANK_AT_MOST hits, newest stored first when it has
    more (``score`` is then None). An empty query lists the filtered articles, newest first."""
    from corpus.query import to_match

    clauses, params = _article_where(filters)
    match = to_match(query) if query and query.strip() else ""
    cols = ("a.id, a.title, a.url, a.published, a.source, a.province, a.city, a.county, a.town, "
            "a.text, a.simplified")
    if match:
        probe = db.execute("SELECT COUNT(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                           f"LIMIT {RANK_AT_MOST + 1})", [match]).fetchone()[0]
        if probe <= RANK_AT_MOST:
            # Rank inside the index first (no text carried), then join the survivors.
            sql = (f"SELECT {cols}, m.score FROM (SELECT rowid, bm25(articles_fts) AS score FROM articles_fts "
                   f"WHERE articles_fts MATCH ?) m JOIN articles a ON a.rowid = m.rowid "
                   f"WHERE {' AND '.join(clauses)} ORDER BY m.score, a.id")
        else:
            sql = (f"SELECT {cols}, NULL AS score FROM articles_fts m JOIN articles a ON a.rowid = m.rowid "
                   f"WHERE articles_fts MATCH ? AND {' AND '.join(clauses)} ORDER BY m.rowid DESC")
        params = [match, *params]
    else:
        sql = f"SELECT {cols}, 0 AS score FROM articles a WHERE {' AND '.join(clauses)} " \
              "ORDER BY a.published DESC, a.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(_dicts(db, sql, params))


def count_hits(db: sqlite_utils.Database, query: str, **filters) -> HitCount:
    """How many articles ``search`` would return without a limit: exact up to
    COUNT_EXACT_UP_TO, an estimate beyond (a ``HitCount`` with ``exact`` False)."""
    from corpus.query import to_match

    clauses, params = _article_where(filters)
    match = to_match(query) if query and query.strip() else ""
    if match:
        from_where = ("FROM articles_fts m JOIN articles a ON a.rowid = m.rowid "
                      f"WHERE articles_fts MATCH ? AND {' AND '.join(clauses)}")
        return _capped_count(db, from_where, [match, *params], "m.rowid",
                             ARTICLE_SPAN, in_key_order=True)
    return _capped_count(db, f"FROM articles a WHERE {' AND '.join(clauses)}", params, "a.rowid",
                         ARTICLE_SPAN)


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
    clauses = [] if filters.get("article") else [NOT_A_REPOST]
    params: list = []
    for key, value in filters.items():
        if value is None:
            continue
        if key not in FACT_FILTERS:
            raise ValueError(f"Unknown filter {key!r}. Filters: {', '.join(FACT_FILTERS)}")
        if key in ("ids", "region"):
            clause, values = _list_or_region(key, value, "f.article_id")
            clauses.append(clause)
            params += values
            continue
        if key in ("subject", "source"):
            value = like_escape(simplify(value.strip()))
        clauses.append(FACT_FILTERS[key])
        params += [value] * FACT_FILTERS[key].count("?")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


# --- Fact listings, totals and group-bys at a million articles ---------------------------------
# SQLite cannot know how many facts a filter selects (a province, a theme, a word of a subject)
# and chose plans that gathered and sorted a hundred thousand facts for a top 20. So each
# filter is written two ways: as a *driver*, whose index lists the matching facts, and as a
# *check*, tested on each fact that another index listed (a unary + keeps it out of index
# selection). A capped probe counts what each driver would list; the smallest drives when it
# lists at most DRIVE_AT_MOST facts (gathering and sorting that many is cheap). Otherwise
# every filter matches more than DRIVE_AT_MOST of the N facts, and the facts are walked in
# their listing order (article, offset) with every filter checked: a top 20 then stops after
# about 20 × N / DRIVE_AT_MOST facts at most.
DRIVE_AT_MOST = 5000
# How many outlets (``articles.source``) a source filter looks through, one index seek each;
# beyond, the source filter is only checked, never drives.
OUTLETS_AT_MOST = 5000
# Character pairs of a fact subject that the subject index holds (m007); a longer subject
# also gets LONG_SUBJECT, which every subject search includes (and the LIKE check decides).
SUBJECT_PAIRS_UP_TO = 40
LONG_SUBJECT = "wrminelongsubject"
# The listing indexes a walk in listing order uses (m004, m005).
WALK_INDEX = {"metric": "idx_facts_metric_order", "year": "idx_facts_year_order", None: "idx_facts_article_id_start",
              "metric+year": "idx_facts_metric_year_order"}


@dataclass(frozen=True)
class FactPlan:
    """How a fact query runs: ``driver`` is the filter whose index lists the facts (None: a
    walk in listing order), ``listed`` how many facts it lists (DRIVE_AT_MOST + 1: more),
    ``from_where`` the FROM and WHERE clauses (facts ``f``, their article ``a``)."""
    driver: str | None
    listed: int
    from_where: str
    params: list


def subject_tokens_sql(column: str) -> str:
    """SQL giving the subject index's text for ``column``: its character pairs (the last
    character alone), computed in SQL so that a trigger keeps the index whoever writes.
    FTS5's unicode61 tokenizer splits a pair at punctuation the same way in the subject and
    in the query, so a substring's pairs are always among the subject's tokens."""
    pairs = " || ' ' || ".join(f"substr({column}, {i}, 2)" for i in range(1, SUBJECT_PAIRS_UP_TO + 1))
    return f"({pairs} || CASE WHEN length({column}) > {SUBJECT_PAIRS_UP_TO} THEN ' {LONG_SUBJECT}' ELSE '' END)"


def subject_match(text: str) -> str | None:
    """The subject index's MATCH expression for subjects that may contain ``text``
    (already simplified): all of its character pairs; None when it has no letter, digit
    or Chinese character to look up (the LIKE check alone then decides).

    >>> subject_match("志愿服务")
    '("志愿" AND "愿服" AND "服务") OR wrminelongsubject'
    >>> subject_match("队")
    '("队"*) OR wrminelongsubject'
    """
    def usable(piece: str) -> bool:
        return any(c.isalnum() or unicodedata.category(c) == "Co" for c in piece)

    def quoted(piece: str) -> str:
        return '"' + piece.replace('"', '""') + '"'

    if len(text) == 1:
        terms = [quoted(text) + "*"] if usable(text) else []
    else:
        terms = [quoted(text[i:i + 2]) for i in range(len(text) - 1) if usable(text[i:i + 2])]
    if not terms:
        return None
    return f"({' AND '.join(dict.fromkeys(terms))}) OR {LONG_SUBJECT}"


def _region_check() -> str:
    """REGION_PREFIX with index use switched off (a check on the article of a listed fact)."""
    return REGION_PREFIX.replace("(a.", "(+a.").replace("AND a.", "AND +a.")


def _outlets(db: sqlite_utils.Database, text: str) -> list[str] | None:
    """The stored outlets containing ``text``, found by skipping through the index on
    ``articles.source`` (one seek per distinct outlet); None when there are more than
    OUTLETS_AT_MOST outlets."""
    found = db.execute(
        "WITH RECURSIVE o(v, n) AS (SELECT (SELECT MIN(source) FROM articles), 1 UNION ALL "
        "SELECT (SELECT MIN(source) FROM articles WHERE source > o.v), n + 1 FROM o "
        f"WHERE o.v IS NOT NULL AND n <= {OUTLETS_AT_MOST}) "
        "SELECT v, n FROM o WHERE v IS NOT NULL", []).fetchall()
    if found and found[-1][1] > OUTLETS_AT_MOST:
        return None
    pattern = re.compile(re.escape(text), re.IGNORECASE) if text.isascii() else None
    # LIKE's own rule: case-insensitive for ASCII letters only.
    return [v for v, _ in found if (pattern.search(v) if pattern else _like_contains(v, text))]


def _like_contains(value: str, text: str) -> bool:
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return text.translate(fold) in value.translate(fold)


def _fact_parts(db: sqlite_utils.Database, filters: dict) -> tuple[dict, dict]:
    """The filters as drivers (name → FROM … WHERE head, its params, a capped probe listing
    what it would list, the probe's params) and as checks (name → clause, params)."""
    given = {k: v for k, v in filters.items() if v is not None}
    for key in given:
        if key not in FACT_FILTERS:
            raise ValueError(f"Unknown filter {key!r}. Filters: {', '.join(FACT_FILTERS)}")
    checks: dict[str, tuple[str, list]] = {}
    drivers: dict[str, tuple[str, list, str, list]] = {}
    def facts_first(index: str) -> str:
        # The driver's own index: SQLite would rather take one that saves the sort, and
        # walk a whole year to find one metric.
        return f"FROM facts f {index} CROSS JOIN articles a ON a.id = f.article_id WHERE "

    articles_first = "FROM articles a CROSS JOIN facts f ON f.article_id = a.id WHERE "
    cap = f"LIMIT {DRIVE_AT_MOST + 1}"
    for key, value in given.items():
        if key == "metric":
            checks[key] = ("+f.metric = ?", [value])
            same = [value] + ([int(given["year"])] if "year" in given else [])
            clause = "f.metric = ?" + (" AND f.year = ?" if "year" in given else "")
            index = "INDEXED BY " + ("idx_facts_metric_year_order" if "year" in given else "idx_facts_metric_order")
            drivers[key] = (facts_first(index) + clause, same, f"SELECT 1 FROM facts f WHERE {clause} {cap}", same)
        elif key == "year":
            checks[key] = ("+f.year = ?", [int(value)])
            if "metric" not in given:
                drivers[key] = (facts_first("INDEXED BY idx_facts_year_order") + "f.year = ?", [int(value)],
                                f"SELECT 1 FROM facts f WHERE f.year = ? {cap}", [int(value)])
        elif key == "region":
            ps = region_params(value)
            checks[key] = (_region_check(), ps)
            drivers[key] = (articles_first + REGION_PREFIX, ps,
                            f"SELECT 1 {articles_first}{REGION_PREFIX} {cap}", ps)
        elif key == "theme":
            checks[key] = ("EXISTS (SELECT 1 FROM article_themes t WHERE t.article_id = f.article_id "
                           "AND t.theme = ?)", [value])
            drivers[key] = ("FROM article_themes t CROSS JOIN facts f ON f.article_id = t.article_id "
                            "CROSS JOIN articles a ON a.id = f.article_id WHERE t.theme = ?", [value],
                            "SELECT 1 FROM article_themes t CROSS JOIN facts f ON f.article_id = t.article_id "
                            f"WHERE t.theme = ? {cap}", [value])
        elif key == "subject":
            text = simplify(str(value).strip())
            checks[key] = ("+f.subject LIKE '%' || ? || '%' ESCAPE '\\'", [like_escape(text)])
            match = subject_match(text) if _has_table(db, "fact_subjects_fts") else None
            if match:
                drivers[key] = ("FROM fact_subjects_fts s CROSS JOIN facts f ON f.id = s.rowid CROSS JOIN "
                                "articles a ON a.id = f.article_id WHERE fact_subjects_fts MATCH ?", [match],
                                f"SELECT 1 FROM fact_subjects_fts WHERE fact_subjects_fts MATCH ? {cap}", [match])
        elif key == "source":
            text = simplify(str(value).strip())
            checks[key] = ("+a.source LIKE '%' || ? || '%' ESCAPE '\\'", [like_escape(text)])
            outlets = _outlets(db, text)
            if outlets is not None:
                listed = json.dumps(outlets, ensure_ascii=False)
                head = ("FROM json_each(?) o CROSS JOIN articles a ON a.source = o.value "
                        "CROSS JOIN facts f ON f.article_id = a.id WHERE ")
                drivers[key] = (head + "1", [listed], f"SELECT 1 {head}1 {cap}", [listed])
        elif key == "article":
            checks[key] = ("+f.article_id = ?", [value])
            drivers[key] = (facts_first("INDEXED BY idx_facts_article_id_start") + "f.article_id = ?", [value],
                            f"SELECT 1 FROM facts f WHERE f.article_id = ? {cap}", [value])
        elif key == "min_confidence":
            checks[key] = ("+f.confidence >= ?", [value])
        elif key == "ids":
            ids = list(value)
            marks = ",".join("?" * len(ids))
            checks[key] = (f"+f.article_id IN ({marks})" if ids else "0", ids)
            drivers[key] = (facts_first("") + (f"f.article_id IN ({marks})" if ids else "0"), ids,
                            f"SELECT 1 FROM facts f WHERE {f'f.article_id IN ({marks})' if ids else '0'} {cap}", ids)
    return drivers, checks


def _fact_plan(db: sqlite_utils.Database, filters: dict) -> FactPlan:
    """The plan for the filters (see the note above DRIVE_AT_MOST)."""
    drivers, checks = _fact_parts(db, filters)
    probed = {}
    for name, (_, _, probe, probe_params) in drivers.items():
        probed[name] = db.execute(f"SELECT COUNT(*) FROM ({probe})", probe_params).fetchone()[0]
        if probed[name] <= DRIVE_AT_MOST // 10:     # small enough: no need to probe the others
            break
    driver = min(probed, key=probed.get) if probed else None
    # A repost's facts are the original's facts: count them once (an article's own listing
    # shows its facts whatever it is).
    repost = [] if filters.get("article") else [NOT_A_REPOST]
    if driver is not None and probed[driver] <= DRIVE_AT_MOST:
        skip = {driver} | ({"year"} if driver == "metric" else set())
        if driver == "subject":
            skip.discard("subject")      # the index finds candidates; LIKE decides
        kept = [(clause, ps) for key, (clause, ps) in checks.items() if key not in skip]
        clauses = [drivers[driver][0], *repost, *(clause for clause, _ in kept)]
        params = [*drivers[driver][1], *(p for _, ps in kept for p in ps)]
        return FactPlan(driver, probed[driver], " AND ".join(clauses), params)
    # The walk. The article's conditions are one EXISTS, not a join: for a join over what
    # it thinks is every fact, SQLite first builds a Bloom filter of every article (0.5 s
    # at a million), though the walk stops after a few thousand facts.
    order = [k for k in ("metric", "year") if k in checks]
    on_article = [(c, ps) for key, (c, ps) in checks.items() if key in ARTICLE_CHECKS]
    on_fact = [(c, ps) for key, (c, ps) in checks.items() if key not in ARTICLE_CHECKS and key not in order]
    clauses = [*(f"f.{k} = ?" for k in order), *(c for c, _ in on_fact)] or ["1"]
    params = [checks[k][1][0] for k in order] + [p for _, ps in on_fact for p in ps]
    article = [*repost, *(c for c, _ in on_article)]
    if article:
        clauses.append(f"EXISTS (SELECT 1 FROM articles a WHERE a.id = f.article_id AND {' AND '.join(article)})")
        params += [p for _, ps in on_article for p in ps]
    return FactPlan(None, DRIVE_AT_MOST + 1,
                    f"FROM facts f INDEXED BY {WALK_INDEX['+'.join(order) or None]} WHERE {' AND '.join(clauses)}",
                    params)


# The checks that read the fact's article (``a``); the others read the fact (``f``).
ARTICLE_CHECKS = {"region", "source"}


def _sample_span(db: sqlite_utils.Database) -> tuple[int, int, int] | None:
    """(lowest, highest fact id, first id of the sample): the newest FACT_SAMPLE facts."""
    low, high = db.execute(FACT_SPAN).fetchone()
    if low is None:
        return None
    return low, high, max(low, high - FACT_SAMPLE + 1)


def _sample_where(db: sqlite_utils.Database, filters: dict, since: int, high: int) -> tuple[str, list]:
    """FROM … WHERE for the facts with ids ``since`` to ``high`` that pass every filter (all
    checked). A closed range: with ``f.id >= ?`` alone SQLite expected a quarter of the
    facts, and chose to scan them in group order or to build a Bloom filter of every article."""
    _, checks = _fact_parts(db, filters)
    repost = [] if filters.get("article") else [NOT_A_REPOST]
    clauses = ["f.id BETWEEN ? AND ?", *repost, *(clause for clause, _ in checks.values())]
    params = [since, high, *(p for _, ps in checks.values() for p in ps)]
    return f"FROM facts f CROSS JOIN articles a ON a.id = f.article_id WHERE {' AND '.join(clauses)}", params


def query_facts(db: sqlite_utils.Database, limit: int | None = None, **filters) -> Iterator[dict]:
    """Facts matching the filters (metric, year, subject, region, theme, article), with
    their article's title, url and region as provenance, in article order.

    With a limit, the plan is chosen by measurement (``_fact_plan``): a filter whose index
    lists few facts drives the query, otherwise the facts are walked in their listing order
    and the filters checked on each, so a limit stops the walk early."""
    if limit:
        plan = _fact_plan(db, filters)
        from_where, params = plan.from_where, plan.params
    else:
        where, params = _fact_where(filters)
        from_where = f"FROM facts f JOIN articles a ON a.id = f.article_id{where}"
    # The limit applies before the article's title and url are read: the filters need only
    # the article's place and repost mark (an index holds them), not its row.
    sql = (
        "SELECT f.article_id, a.title, a.url, f.span, f.value, f.unit, f.approx, f.subject, "
        "f.metric, f.year, a.province, a.city, a.county, a.town, f.start, f.end, "
        "f.raw_start, f.raw_end, f.sentence, f.confidence, f.id AS fact_id "
        f"FROM (SELECT f.id {from_where} ORDER BY f.article_id, f.start{f' LIMIT {int(limit)}' if limit else ''}) k "
        "JOIN facts f ON f.id = k.id JOIN articles a ON a.id = f.article_id ORDER BY f.article_id, f.start"
    )
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


RATIO_UNITS = ("%", "‰")


# An estimated fact total checks the filters on this many of the newest facts.
FACT_SAMPLE = 20000


def count_facts(db: sqlite_utils.Database, **filters) -> HitCount:
    """How many facts ``query_facts`` would return without a limit: exact when the filters are
    only metric, year and region (the roll-up holds the counts) or when one filter's index
    lists at most DRIVE_AT_MOST facts (they are counted); otherwise an estimate from the
    share of the newest FACT_SAMPLE facts that pass the filters (a ``HitCount`` with
    ``exact`` False)."""
    if _rollup_answers(db, filters):
        from_where, params = _rollup_source(db, None, filters)
        return HitCount(db.execute(f"SELECT COALESCE(SUM(a.facts), 0) {from_where}", params).fetchone()[0])
    plan = _fact_plan(db, filters)
    if plan.driver is not None:
        return HitCount(db.execute(f"SELECT COUNT(*) {plan.from_where}", plan.params).fetchone()[0])
    span = _sample_span(db)
    if span is None:
        return HitCount(0)
    low, high, since = span
    from_where, params = _sample_where(db, filters, since, high)
    passed = db.execute(f"SELECT COUNT(*) {from_where}", params).fetchone()[0]
    if since == low:                 # the sample is every fact
        return HitCount(passed)
    # Fact ids are given in storing order: the share among the newest ids, times the id range.
    share = passed / max(1, high - since + 1)
    return HitCount(round(share * (high - low + 1)), exact=False)


def _rollup_answers(db: sqlite_utils.Database, filters: dict) -> bool:
    return {k for k, v in filters.items() if v is not None} <= ROLLUP_FILTERS and _has_table(db, "fact_rollup")


# --- Fact roll-up (m006) -------------------------------------------------------------------------
# Counts, sums and ratio extremes of the facts of non-repost articles per place (the four
# levels, '' for none), year, metric and unit, kept up to date by ``save_article``; a group-by
# whose filters are only metric, year and region reads these rows instead of every fact
# (5 s at a million articles). Each article also counts once under "every year" (year -1),
# "every metric" ('*') and "every place" ('*' at each level), so the article count of a group
# is exact whichever of year and metric are filtered, grouped on, or left open (an article
# has one place), and a group-by year or metric with no place filter reads a few rows.
ALL_YEARS, ALL_METRICS, ALL_PLACES = -1, "*", ("*", "*", "*", "*")
ROLLUP_KEY = ("province", "city", "county", "town", "year", "metric", "unit")
ROLLUP_FILTERS = {"metric", "year", "region"}


def _rollup_rows(place, facts) -> dict[tuple, list]:
    """Roll-up key → [facts, total, least, greatest] of one article's facts."""
    place = tuple(p or "" for p in place)
    out: dict[tuple, list] = {}
    for year, metric, unit, value in facts:
        year = 0 if year is None else int(year)
        for where in (place, ALL_PLACES):
            for y in (year, ALL_YEARS):
                for m in (metric or "", ALL_METRICS):
                    agg = out.setdefault((*where, y, m, unit or ""), [0, 0.0, None, None])
                    agg[0] += 1
                    agg[1] += value or 0.0
                    if unit in RATIO_UNITS and value is not None:
                        agg[2] = value if agg[2] is None else min(agg[2], value)
                        agg[3] = value if agg[3] is None else max(agg[3], value)
    return out


def _rollup_add(db: sqlite_utils.Database, place, facts) -> None:
    rows = _rollup_rows(place, facts)
    if not rows:
        return
    db.conn.executemany(
        f"INSERT INTO fact_rollup ({', '.join(ROLLUP_KEY)}, facts, total, least, greatest, articles) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET facts = facts + excluded.facts, "
        "total = total + excluded.total, articles = articles + 1, "
        "least = CASE WHEN least IS NULL THEN excluded.least WHEN excluded.least IS NULL THEN least "
        "ELSE min(least, excluded.least) END, "
        "greatest = CASE WHEN greatest IS NULL THEN excluded.greatest WHEN excluded.greatest IS NULL "
        "THEN greatest ELSE max(greatest, excluded.greatest) END",
        [(*key, *agg) for key, agg in rows.items()])


def _rollup_remove(db: sqlite_utils.Database, place, facts) -> None:
    """Take one article's (already deleted) facts out of the roll-up. A removed extreme
    cannot be subtracted: that row's least and greatest are computed again from the facts."""
    where = " AND ".join(f"{c} = ?" for c in ROLLUP_KEY)
    for key, (n, total, least, greatest) in _rollup_rows(place, facts).items():
        db.execute(f"UPDATE fact_rollup SET facts = facts - ?, total = total - ?, articles = articles - 1 "
                   f"WHERE {where}", [n, total, *key])
        stored = db.execute(f"SELECT least, greatest FROM fact_rollup WHERE {where}", key).fetchone()
        removed_extreme = least is not None and stored is not None and (
            stored[0] is None or stored[1] is None or least <= stored[0] or greatest >= stored[1])
        if removed_extreme:
            clauses = [NOT_A_REPOST, "f.unit IS ?"]
            params: list = [key[6] or None]
            for col, value in zip(("province", "city", "county", "town"), key[:4]):
                if key[:4] == ALL_PLACES:
                    break
                clauses.append(f"a.{col} IS ?")
                params.append(value or None)
            if key[4] != ALL_YEARS:
                clauses.append("f.year IS ?")
                params.append(key[4] or None)
            if key[5] != ALL_METRICS:
                clauses.append("f.metric IS ?")
                params.append(key[5] or None)
            lo, hi = db.execute("SELECT MIN(f.value), MAX(f.value) FROM facts f JOIN articles a ON "
                                f"a.id = f.article_id WHERE {' AND '.join(clauses)}", params).fetchone()
            db.execute(f"UPDATE fact_rollup SET least = ?, greatest = ? WHERE {where}", [lo, hi, *key])
        db.execute(f"DELETE FROM fact_rollup WHERE {where} AND facts <= 0", key)


def rebuild_fact_rollup(db: sqlite_utils.Database) -> None:
    """Compute the roll-up again from the facts (the migration; a bulk load that bypassed
    ``save_article``)."""
    db.execute("DELETE FROM fact_rollup")
    marks = ",".join("?" * len(RATIO_UNITS))
    real = "COALESCE(a.province, ''), COALESCE(a.city, ''), COALESCE(a.county, ''), COALESCE(a.town, '')"
    every = ", ".join(f"'{p}'" for p in ALL_PLACES)
    for place, year, metric in itertools.product(
            (real, every), ("COALESCE(f.year, 0)", str(ALL_YEARS)), ("COALESCE(f.metric, '')", f"'{ALL_METRICS}'")):
        db.execute(
            f"INSERT INTO fact_rollup ({', '.join(ROLLUP_KEY)}, facts, total, least, greatest, articles) "
            f"SELECT {place}, {year}, {metric}, COALESCE(f.unit, ''), COUNT(*), "
            f"TOTAL(f.value), MIN(CASE WHEN f.unit IN ({marks}) THEN f.value END), "
            f"MAX(CASE WHEN f.unit IN ({marks}) THEN f.value END), COUNT(DISTINCT f.article_id) "
            f"FROM facts f JOIN articles a ON a.id = f.article_id WHERE {NOT_A_REPOST} "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7", [*RATIO_UNITS, *RATIO_UNITS])


ROLLUP_GROUPS = {
    "region": "COALESCE(NULLIF(a.town, ''), NULLIF(a.county, ''), NULLIF(a.city, ''), NULLIF(a.province, ''), '(unknown)')",
    "province": "COALESCE(NULLIF(a.province, ''), '(unknown)')",
    "city": "COALESCE(NULLIF(a.city, ''), NULLIF(a.province, ''), '(unknown)')",
    "county": "COALESCE(NULLIF(a.county, ''), NULLIF(a.city, ''), NULLIF(a.province, ''), '(unknown)')",
    "year": "CASE WHEN a.year = 0 THEN '(none)' ELSE CAST(a.year AS TEXT) END",
    "metric": "NULLIF(a.metric, '')",
}


def _group_from_rollup(db: sqlite_utils.Database, group_by: str, filters: dict) -> list[dict]:
    from_where, params = _rollup_source(db, group_by, filters)
    marks = ",".join("?" * len(RATIO_UNITS))
    sql = (
        f"SELECT {ROLLUP_GROUPS[group_by]} AS {group_by}, NULLIF(a.unit, '') AS unit, SUM(a.facts) AS facts, "
        f"SUM(a.articles) AS articles, "
        f"CASE WHEN a.unit IN ({marks}) THEN NULL ELSE ROUND(SUM(a.total), 2) END AS total, "
        f"CASE WHEN a.unit IN ({marks}) THEN ROUND(SUM(a.total) / SUM(a.facts), 2) END AS mean, "
        f"CASE WHEN a.unit IN ({marks}) THEN MIN(a.least) END AS least, "
        f"CASE WHEN a.unit IN ({marks}) THEN MAX(a.greatest) END AS greatest "
        f"{from_where} GROUP BY 1, a.unit ORDER BY 1, facts DESC, a.unit"
    )
    return list(_dicts(db, sql, [*RATIO_UNITS * 4, *params]))


def _rollup_source(db: sqlite_utils.Database, group_by: str | None, filters: dict) -> tuple[str, list]:
    """FROM … WHERE over the roll-up rows (``a``) that a group-by (None: a plain count) reads
    under metric/year/region filters: "every" rows for an open dimension, real ones for a
    filtered or grouped one. Each read is a slice of an index (m008): the rows of one metric
    and year across places (``idx_fact_rollup_slice``), or those of "every place" (the
    primary key). With a region, every matching place is looked up with every year and
    metric wanted, one seek each (a province is a hundred places; scanning its rows of
    every year and metric was not cheap)."""
    year, metric, region = filters.get("year"), filters.get("metric"), filters.get("region")
    if region is not None:
        places = [list(r) for r in db.execute(
            "SELECT DISTINCT province, city, county, town FROM fact_rollup a INDEXED BY idx_fact_rollup_slice "
            f"WHERE a.metric = ? AND a.year = ? AND a.province != ? AND {REGION_PREFIX}",
            [ALL_METRICS, ALL_YEARS, ALL_PLACES[0], *region_params(region)])]
        years = [int(year)] if year is not None else _rollup_values(db, "year") if group_by == "year" else [ALL_YEARS]
        metrics = [metric] if metric is not None else \
            _rollup_values(db, "metric") if group_by == "metric" else [ALL_METRICS]
        level = ", ".join(f"json_extract(p.value, '$[{i}]')" for i in range(4))
        return ("FROM json_each(?) p CROSS JOIN json_each(?) y CROSS JOIN json_each(?) m CROSS JOIN fact_rollup a "
                "INDEXED BY idx_fact_rollup_slice ON a.metric = m.value AND a.year = y.value AND "
                f"(a.province, a.city, a.county, a.town) = ({level}) WHERE 1",
                [json.dumps(places, ensure_ascii=False), json.dumps(years), json.dumps(metrics, ensure_ascii=False)])
    clauses, params = [], []
    for col, value, every in (("year", year, ALL_YEARS), ("metric", metric, ALL_METRICS)):
        if value is not None:
            clauses.append(f"a.{col} = ?")
            params.append(int(value) if col == "year" else value)
        else:
            clauses.append(f"a.{col} != ?" if group_by == col else f"a.{col} = ?")
            params.append(every)
    if group_by in ("year", "metric", None):
        # The rows of "every place", together under the primary key; the + keeps the metric
        # out of index selection (the slice index would read the metric of every place).
        clauses = [c.replace("a.", "+a.", 1) for c in clauses]
        clauses.append("a.province = ? AND a.city = ? AND a.county = ? AND a.town = ?")
        params += ALL_PLACES
        return f"FROM fact_rollup a WHERE {' AND '.join(clauses)}", params
    clauses.append("a.province != ?")
    params.append(ALL_PLACES[0])
    return f"FROM fact_rollup a INDEXED BY idx_fact_rollup_slice WHERE {' AND '.join(clauses)}", params


def _rollup_values(db: sqlite_utils.Database, col: str) -> list:
    """Every year or metric in the roll-up (from its "every place" rows)."""
    every = ALL_YEARS if col == "year" else ALL_METRICS
    return [r[0] for r in db.execute(
        f"SELECT DISTINCT {col} FROM fact_rollup WHERE province = ? AND city = ? AND county = ? AND town = ? "
        f"AND {col} != ?", [*ALL_PLACES, every])]


def group_facts(db: sqlite_utils.Database, group_by: str, **filters) -> list[dict]:
    """Counts per region, year or metric, and per unit (sums across units mean nothing). Amounts
    are summed within one unit; ratios are never summed: their mean, least and greatest are
    given instead. Values are rounded to two decimals (no float noise).

    Exact when the filters are only metric, year and region (the roll-up) or when one
    filter's index lists at most DRIVE_AT_MOST facts. Otherwise the groups are estimated
    from the newest FACT_SAMPLE facts: counts and sums scaled to the whole, and every row
    carries ``estimated: True``."""
    if group_by not in GROUPS:
        raise ValueError(f"Unknown group {group_by!r}. Groups: {', '.join(GROUPS)}")
    if _rollup_answers(db, filters):
        rows = _group_from_rollup(db, group_by, filters)
    else:
        rows = _group_planned(db, group_by, filters)
    for row in rows:
        for k in ("total", "mean", "least", "greatest"):
            if isinstance(row[k], float) and row[k].is_integer():
                row[k] = int(row[k])
    return rows


def _has_table(db: sqlite_utils.Database, name: str) -> bool:
    # A database opened read-only may predate m006 / m007 only in tests that build one by hand.
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None


def _group_planned(db: sqlite_utils.Database, group_by: str, filters: dict) -> list[dict]:
    """A group-by the roll-up cannot answer: through a driver listing few facts, else
    estimated from the newest facts (see ``group_facts``)."""
    plan = _fact_plan(db, filters)
    if plan.driver is not None:
        return _group_from_facts(db, group_by, filters, (plan.from_where, plan.params))
    span = _sample_span(db)
    if span is None:
        return []
    low, high, since = span
    rows = _group_from_facts(db, group_by, filters, _sample_where(db, filters, since, high))
    if since == low:                 # the sample is every fact
        return rows
    scale = (high - low + 1) / (high - since + 1)
    for row in rows:
        row["facts"], row["articles"] = round(row["facts"] * scale), round(row["articles"] * scale)
        if row["total"] is not None:
            row["total"] = round(row["total"] * scale, 2)
        row["estimated"] = True
    return rows


def _group_from_facts(db: sqlite_utils.Database, group_by: str, filters: dict,
                      from_where: tuple[str, list] | None = None) -> list[dict]:
    """Groups computed from the facts: those ``from_where`` selects (FROM … WHERE, params),
    by default every fact passing the filters."""
    if from_where is None:
        where, params = _fact_where(filters)
        from_where = (f"FROM facts f JOIN articles a ON a.id = f.article_id{where}", params)
    source, params = from_where
    key = GROUPS[group_by]
    marks = ",".join("?" * len(RATIO_UNITS))
    sql = (
        f"SELECT {key} AS {group_by}, f.unit, COUNT(*) AS facts, COUNT(DISTINCT f.article_id) AS articles, "
        f"CASE WHEN f.unit IN ({marks}) THEN NULL ELSE ROUND(SUM(f.value), 2) END AS total, "
        f"CASE WHEN f.unit IN ({marks}) THEN ROUND(AVG(f.value), 2) END AS mean, "
        f"CASE WHEN f.unit IN ({marks}) THEN MIN(f.value) END AS least, "
        f"CASE WHEN f.unit IN ({marks}) THEN MAX(f.value) END AS greatest "
        f"{source} GROUP BY 1, 2 ORDER BY 1, facts DESC, f.unit"
    )
    return list(_dicts(db, sql, [*RATIO_UNITS, *RATIO_UNITS, *RATIO_UNITS, *RATIO_UNITS, *params]))


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
    rows = list(_dicts(db, "SELECT id, title, title_origin, meta_evidence, url, province, city, county, town, "
                           "region_confidence, region_evidence FROM articles WHERE id = ?", [article_id]))
    if not rows:
        return None
    out = rows[0]
    out["region_evidence"] = json.loads(out["region_evidence"] or "[]")
    out["meta_evidence"] = json.loads(out["meta_evidence"] or "[]")
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
    db["articles"].add_column("meta_evidence", str)
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


@MIGRATIONS()
def m005_bigram_index(db: sqlite_utils.Database) -> None:
    """Search and filters at a million articles.

    - A full-text index of character bigrams (``corpus.fts``), contentless. Measured at a
      million articles: the spaced-character index took 7.4 s for a top-20 of a
      two-character word and was 5.3 GB, 59 % of it a second copy of the text; bigrams
      answer in milliseconds and the text is stored once, in ``articles``.
    - The article's long columns (raw, text, simplified, raw_map, evidence) last: SQLite
      reads a row's columns in order, so a filter on the region or ``duplicate_of`` walked
      the overflow pages of three copies of the text for every row it looked at.
    - Indexes for the theme filters, for fact listings in their order within a metric or a
      year (a LIMIT then stops early instead of sorting every fact of the metric), for
      joining facts to their article's place without reading the article, and for
      clearing a skip record.
    """
    cols = [c.name for c in db["articles"].columns]
    long = [c for c in ("raw_map", "region_evidence", "raw", "text", "simplified") if c in cols]
    db["articles"].transform(column_order=[c for c in cols if c not in long] + long)
    db.execute("DROP TABLE IF EXISTS articles_fts")
    db.execute(FTS_SCHEMA)
    # transform() gave the rows new rowids: the index is rebuilt from them (one row at a time:
    # memory stays flat whatever the size of the database).
    for rowid, title, body in db.execute("SELECT rowid, title, simplified FROM articles"):
        db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                   [rowid, index_text(simplify(title or "")), index_text(body or "")])
    for sql in (
        "CREATE INDEX IF NOT EXISTS idx_article_themes_theme ON article_themes (theme, article_id)",
        "CREATE INDEX IF NOT EXISTS idx_practice_themes_theme ON practice_themes (theme)",
        "CREATE INDEX IF NOT EXISTS idx_facts_metric_order ON facts (metric, article_id, start)",
        "CREATE INDEX IF NOT EXISTS idx_facts_year_order ON facts (year, article_id, start)",
        "CREATE INDEX IF NOT EXISTS idx_articles_place ON articles "
        "(id, duplicate_of, province, city, county, town)",
        "CREATE INDEX IF NOT EXISTS idx_skips_key ON skips (key)",
    ):
        db.execute(sql)


@MIGRATIONS()
def m006_fact_rollup(db: sqlite_utils.Database) -> None:
    """The fact roll-up that group-bys read (see ``_rollup_rows``)."""
    db.execute(
        "CREATE TABLE fact_rollup (province TEXT NOT NULL, city TEXT NOT NULL, county TEXT NOT NULL, "
        "town TEXT NOT NULL, year INTEGER NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL, "
        "facts INTEGER NOT NULL, total REAL NOT NULL, least REAL, greatest REAL, articles INTEGER NOT NULL, "
        "PRIMARY KEY (province, city, county, town, year, metric, unit))")
    db.execute("CREATE INDEX idx_fact_rollup_metric_year ON fact_rollup (metric, year)")
    rebuild_fact_rollup(db)


@MIGRATIONS()
def m007_fact_subject_index(db: sqlite_utils.Database) -> None:
    """A subject filter at a million facts: 志愿 in 青年志愿服务队 is a substring, which no
    B-tree answers, and subjects hardly repeat (half of them are distinct in the corpora),
    so a vocabulary would be as long as the facts. A contentless full-text index holds each
    subject's character pairs (``subject_tokens_sql``), keyed by the fact's id; triggers
    keep it, so every writer does (no Python function needs registering on a connection)."""
    db.execute(SUBJECT_FTS_SCHEMA)
    db.execute(f"INSERT INTO fact_subjects_fts (rowid, subject) SELECT id, {subject_tokens_sql('subject')} "
               "FROM facts WHERE subject IS NOT NULL")
    new, old = subject_tokens_sql("new.subject"), subject_tokens_sql("old.subject")
    forget = ("INSERT INTO fact_subjects_fts (fact_subjects_fts, rowid, subject) "
              f"SELECT 'delete', old.id, {old} WHERE old.subject IS NOT NULL;")
    learn = f"INSERT INTO fact_subjects_fts (rowid, subject) SELECT new.id, {new} WHERE new.subject IS NOT NULL;"
    db.execute(f"CREATE TRIGGER facts_subject_insert AFTER INSERT ON facts BEGIN {learn} END")
    db.execute(f"CREATE TRIGGER facts_subject_delete AFTER DELETE ON facts BEGIN {forget} END")
    db.execute(f"CREATE TRIGGER facts_subject_update AFTER UPDATE OF id, subject ON facts BEGIN {forget} {learn} END")


@MIGRATIONS()
def m008_rollup_slices(db: sqlite_utils.Database) -> None:
    """The roll-up read in slices: clustered by place (WITHOUT ROWID), so the rows of "every
    place" are together, and a covering index by metric and year, so the rows of one metric
    and year across places are too. Reading them through the old index was one random
    lookup per row: 170–300 ms for a group-by region at a million articles."""
    db.execute("ALTER TABLE fact_rollup RENAME TO fact_rollup_v1")
    db.execute(
        "CREATE TABLE fact_rollup (province TEXT NOT NULL, city TEXT NOT NULL, county TEXT NOT NULL, "
        "town TEXT NOT NULL, year INTEGER NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL, "
        "facts INTEGER NOT NULL, total REAL NOT NULL, least REAL, greatest REAL, articles INTEGER NOT NULL, "
        "PRIMARY KEY (province, city, county, town, year, metric, unit)) WITHOUT ROWID")
    db.execute("INSERT INTO fact_rollup SELECT province, city, county, town, year, metric, unit, facts, total, "
               "least, greatest, articles FROM fact_rollup_v1 ORDER BY province, city, county, town, year, metric, unit")
    db.execute("DROP TABLE fact_rollup_v1")
    db.execute("CREATE INDEX idx_fact_rollup_slice ON fact_rollup (metric, year, province, city, county, town, "
               "unit, facts, total, least, greatest, articles)")


@MIGRATIONS()
def m009_metric_year_listing(db: sqlite_utils.Database) -> None:
    """Facts of one metric and year in listing order (article, offset): a top 20 under both
    filters reads them in order, and another filter (a province) is checked on a few hundred
    of them, instead of on every fact of the metric (the year was read from each row)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_facts_metric_year_order ON facts (metric, year, article_id, start)")
    db.execute("DROP INDEX IF EXISTS idx_facts_metric_year")     # a prefix of the new one
    # A database analyzed before gets statistics for the new indexes too: SQLite's guesses
    # for an index without them, beside measured ones, chose a scan of every fact.
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        db.execute("ANALYZE facts")
        db.execute("ANALYZE fact_rollup")


SUBJECT_FTS_SCHEMA = ("CREATE VIRTUAL TABLE fact_subjects_fts USING fts5(subject, content='', "
                      "tokenize='unicode61 remove_diacritics 2')")


# Contentless (content=''): the index keeps only its doclists; rows are forgotten with the
# 'delete' command and the tokens they were indexed with (``save_article``).
FTS_SCHEMA = ("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', "
              "tokenize='unicode61 remove_diacritics 2')")
