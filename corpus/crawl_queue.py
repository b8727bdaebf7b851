"""The crawler's queue: the fetch log as frontier and memory (``corpus/crawl.py`` is its only user).

One row per canonical URL in the ``fetch_log`` table (its schema is ``store.m002_fetch_log``).
``queued_gen`` is the crawl generation that wants the URL, ``fetched_gen`` the one that last
fetched it. A URL is pending while queued_gen > fetched_gen; a crawl that finds pending rows
resumes their generation, otherwise it starts the next one (and refetches with ETag /
Last-Modified). Every write is parameterised SQL inside ``db.atomic()``.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import sqlite_utils

FETCH_COLUMNS = ("final_url", "status", "fetched_at", "sha256", "etag", "last_modified",
                 "encoding", "content_type", "article_id", "error")
# Reasons (prefixes of ``error``) that may pass by themselves: a new crawl asks again.
PASSING_ERRORS = ("timed out", "connection failed", "cannot resolve", "host unreachable")


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
        # Column names come from FETCH_COLUMNS, never from the record's keys as given.
        sets = ", ".join(f"{k} = ?" for k in values)
        db.execute(f"UPDATE fetch_log SET fetched_gen = ?{', ' if sets else ''}{sets} WHERE url = ?",
                   [gen, *values.values(), url])
        return [link for link in links if _queue(db, link, gen)]


def requeue_failed(db: sqlite_utils.Database, gen: int) -> int:
    """Queue for ``gen`` the URLs whose last fetch failed for a passing reason (timeout, dropped
    connection, unreachable host, 429, 5xx), so a new crawl retries them; returns how many."""
    passing = " OR ".join("error LIKE ?" for _ in PASSING_ERRORS)
    with db.atomic():
        cur = db.execute(
            "UPDATE fetch_log SET queued_gen = ? WHERE queued_gen < ? AND error IS NOT NULL AND "
            f"(status IN (429, 500, 502, 503, 504) OR {passing})",
            [gen, gen, *(f"{p}%" for p in PASSING_ERRORS)])
        return cur.rowcount


def _dicts(db: sqlite_utils.Database, sql: str, params: Iterable = ()) -> Iterator[dict]:
    cur = db.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))
