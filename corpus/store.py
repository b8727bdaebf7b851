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
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote

import sqlite_utils
from sqlite_utils.migrations import Migrations

from corpus.article import Article, RawMap
from corpus.fts import index_text, phrase as fts_phrase
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
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? AND id != ? AND +duplicate_of IS NULL LIMIT 1",
        [article.content_hash, article.id],
    ).fetchone()
    if row:
        return row[0]
    if keys is None:   # a worker process may have computed them already (the writer is the bottleneck)
        keys = band_keys(article.simplified)
    if not keys:
        return None
    marks = ",".join("?" * len(keys))
    candidates = db.execute(
        f"SELECT b.article_id, COUNT(*) AS shared FROM repost_bands b "
        f"JOIN articles a ON a.id = b.article_id AND +a.duplicate_of IS NULL "
        f"WHERE b.band IN ({marks}) AND b.article_id != ? "
        f"GROUP BY b.article_id ORDER BY shared DESC, b.article_id LIMIT 5",
        [*keys, article.id],
    ).fetchall()
    best, own = None, shingles(article.simplified) if candidates else None
    for cid, _ in candidates:
        other = db.execute("SELECT simplified FROM articles WHERE id = ?", [cid]).fetchone()[0]
        score = jaccard(own, shingles(other or ""))
        if score >= REPOST_THRESHOLD and (best is None or score > best[1]):
            best = (cid, score)
    return best[0] if best else None


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
                 source_hash: str | None = None, keys: tuple[str, ...] | None = None,
                 tokens: tuple[str, str] | None = None) -> None:
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
    row["meta_evidence"] = json.dumps(list(getattr(article, "meta_evidence", ())), ensure_ascii=False)
    row["source_hash"] = source_hash
    # ``keys`` and ``tokens`` (``index_tokens``) may come precomputed from a worker process.
    keys = band_keys(article.simplified) if keys is None else keys
    title_tokens, body_tokens = tokens or index_tokens(article)
    art_id = article.id
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
        cols = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        db.execute(f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                   f"ON CONFLICT(id) DO UPDATE SET {updates}", [row[c] for c in cols])
        rowid = old[0] if old else db.execute("SELECT rowid FROM articles WHERE id = ?", [art_id]).fetchone()[0]
        db.conn.executemany("INSERT INTO repost_bands (band, article_id) VALUES (?, ?)", [(k, art_id) for k in keys])
        if facts:
            fcols = list(facts[0])
            db.conn.executemany(f"INSERT INTO facts ({', '.join(fcols)}) VALUES ({', '.join('?' * len(fcols))})",
                           [[f[c] for c in fcols] for f in facts])
        if old and old[3] is None:
            _rollup_remove(db, old[4:8], old_facts)
        if duplicate_of is None:
            _rollup_add(db, (row["province"], row["city"], row["county"], row["town"]),
                        [(f["year"], f["metric"], f["unit"], f["value"]) for f in facts])
        db.conn.executemany(
            "INSERT OR REPLACE INTO practices (article_id, start, end, title, confidence, evidence) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(art_id, p.start, p.end, p.title, p.confidence, json.dumps(list(p.evidence), ensure_ascii=False))
             for p in analysis.practices])
        db.conn.executemany("INSERT OR REPLACE INTO practice_themes (article_id, start, theme) VALUES (?, ?, ?)",
                       [(art_id, p.start, t) for p in analysis.practices for t in p.themes])
        db.conn.executemany("INSERT OR REPLACE INTO article_themes (article_id, theme, rank) VALUES (?, ?, ?)",
                       [(art_id, t, i) for i, t in enumerate(analysis.themes)])
        db.conn.executemany("INSERT OR REPLACE INTO named_methods (article_id, name, start, end) VALUES (?, ?, ?, ?)",
                       [(art_id, m.name, m.start, m.end) for m in analysis.named_methods])
        if path or article.url:
            db.execute("INSERT OR REPLACE INTO article_sources (article_id, source, url, path, seen_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [duplicate_of or art_id, article.source, article.url, path or article.url, now()])
        db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                   [rowid, title_tokens, body_tokens])
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
    "source": "a.source LIKE '%' || ? || '%' ESCAPE '\\'",
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


def query_facts(db: sqlite_utils.Database, limit: int | None = None, **filters) -> Iterator[dict]:
    """Facts matching the filters (metric, year, subject, region, theme, article), with
    their article's title, url and region as provenance."""
    where, params = _fact_where(filters)
    # The limit applies before the article's title and url are read: the filters need only
    # the article's place and repost mark (an index holds them), not its row.
    sql = (
        "SELECT f.article_id, a.title, a.url, f.span, f.value, f.unit, f.approx, f.subject, "
        "f.metric, f.year, a.province, a.city, a.county, a.town, f.start, f.end, "
        "f.raw_start, f.raw_end, f.sentence, f.confidence, f.id AS fact_id "
        "FROM (SELECT f.id FROM facts f JOIN articles a ON a.id = f.article_id"
        f"{where} ORDER BY f.article_id, f.start{f' LIMIT {int(limit)}' if limit else ''}) k "
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
    only metric, year and region (the roll-up holds the counts) or when there are at most
    COUNT_EXACT_UP_TO; otherwise an estimate from the share of the newest FACT_SAMPLE facts
    that pass the filters (a ``HitCount`` with ``exact`` False)."""
    if {k for k, v in filters.items() if v is not None} <= ROLLUP_FILTERS and _has_rollup(db):
        clauses, params = _rollup_where(None, filters)
        return HitCount(db.execute(f"SELECT COALESCE(SUM(a.facts), 0) FROM fact_rollup a WHERE "
                                   f"{' AND '.join(clauses)}", params).fetchone()[0])
    where, params = _fact_where(filters)
    from_where = f"FROM facts f JOIN articles a ON a.id = f.article_id{where}"
    n = db.execute(f"SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {COUNT_EXACT_UP_TO + 1})",
                   params).fetchone()[0]
    if n <= COUNT_EXACT_UP_TO:
        return HitCount(n)
    low, high = db.execute(FACT_SPAN).fetchone()
    since = max(low, high - FACT_SAMPLE + 1)
    clause = where.replace(" WHERE ", " WHERE f.id >= ? AND ", 1) if where else " WHERE f.id >= ?"
    passed = db.execute(f"SELECT COUNT(*) FROM facts f JOIN articles a ON a.id = f.article_id{clause}",
                        [since, *params]).fetchone()[0]
    # Fact ids are given in storing order: the share among the newest ids, times the id range.
    share = passed / max(1, high - since + 1)
    return HitCount(max(n, round(share * (high - low + 1))), exact=False)


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
    clauses, params = _rollup_where(group_by, filters)
    marks = ",".join("?" * len(RATIO_UNITS))
    sql = (
        f"SELECT {ROLLUP_GROUPS[group_by]} AS {group_by}, NULLIF(a.unit, '') AS unit, SUM(a.facts) AS facts, "
        f"SUM(a.articles) AS articles, "
        f"CASE WHEN a.unit IN ({marks}) THEN NULL ELSE ROUND(SUM(a.total), 2) END AS total, "
        f"CASE WHEN a.unit IN ({marks}) THEN ROUND(SUM(a.total) / SUM(a.facts), 2) END AS mean, "
        f"CASE WHEN a.unit IN ({marks}) THEN MIN(a.least) END AS least, "
        f"CASE WHEN a.unit IN ({marks}) THEN MAX(a.greatest) END AS greatest "
        f"FROM fact_rollup a WHERE {' AND '.join(clauses)} GROUP BY 1, a.unit ORDER BY 1, facts DESC, a.unit"
    )
    return list(_dicts(db, sql, [*RATIO_UNITS * 4, *params]))


def _rollup_where(group_by: str | None, filters: dict) -> tuple[list[str], list]:
    """The roll-up rows for a group-by (None: a plain count) under metric/year/region filters:
    "every" rows for an open dimension, real ones for a filtered or grouped one."""
    clauses, params = [], []
    if filters.get("year") is not None:
        clauses.append("a.year = ?")
        params.append(int(filters["year"]))
    else:
        clauses.append("a.year != ?" if group_by == "year" else "a.year = ?")
        params.append(ALL_YEARS)
    if filters.get("metric") is not None:
        clauses.append("a.metric = ?")
        params.append(filters["metric"])
    else:
        clauses.append("a.metric != ?" if group_by == "metric" else "a.metric = ?")
        params.append(ALL_METRICS)
    if filters.get("region") is not None:
        clauses.append(REGION_PREFIX)
        params += region_params(filters["region"])
    elif group_by in ("year", "metric", None):
        clauses.append("a.province = ?")
        params.append(ALL_PLACES[0])
    if filters.get("region") is not None or group_by not in ("year", "metric", None):
        clauses.append("a.province != ?")
        params.append(ALL_PLACES[0])
    return clauses, params


def group_facts(db: sqlite_utils.Database, group_by: str, **filters) -> list[dict]:
    """Counts per region, year or metric, and per unit (sums across units mean nothing). Amounts
    are summed within one unit; ratios are never summed: their mean, least and greatest are
    given instead. Values are rounded to two decimals (no float noise)."""
    if group_by not in GROUPS:
        raise ValueError(f"Unknown group {group_by!r}. Groups: {', '.join(GROUPS)}")
    if {k for k, v in filters.items() if v is not None} <= ROLLUP_FILTERS and _has_rollup(db):
        rows = _group_from_rollup(db, group_by, filters)
    else:
        rows = _group_from_facts(db, group_by, filters)
    for row in rows:
        for k in ("total", "mean", "least", "greatest"):
            if isinstance(row[k], float) and row[k].is_integer():
                row[k] = int(row[k])
    return rows


def _has_rollup(db: sqlite_utils.Database) -> bool:
    # A database opened read-only may predate m006 only in tests that build one by hand.
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'fact_rollup'").fetchone() is not None


def _group_from_facts(db: sqlite_utils.Database, group_by: str, filters: dict) -> list[dict]:
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
        f"{where} GROUP BY 1, 2 ORDER BY 1, facts DESC, f.unit"
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


# Contentless (content=''): the index keeps only its doclists; rows are forgotten with the
# 'delete' command and the tokens they were indexed with (``save_article``).
FTS_SCHEMA = ("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', "
              "tokenize='unicode61 remove_diacritics 2')")
