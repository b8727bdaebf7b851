"""wrmine as a library: the pipeline from an input to stored facts, written out once.

``cli.py`` only parses options, calls these functions and prints; a worker process (a process
pool, a Dask worker) calls the same pure stages through ``analyse_source``. Three lines ingest a
folder and query its facts::

    import wrmine
    db = wrmine.open_db("reports.db")
    wrmine.ingest(db, ["articles/"])
    teams = list(wrmine.facts(db, metric="teams", region="湖南"))

The stages, one way (each layer imports only the ones above it in this list):

1. reading and decoding   ``corpus.read``, ``corpus.decode``        path → Source
2. cleaning               ``corpus.clean``, ``corpus.html``, ``corpus.meta`` → Article
3. extraction             ``extract.document`` (one Document per article), ``extract.facts``,
                          ``extract.places``, ``extract.practices``   → Analysis
4. classification         ``classify.themes``                       → Analysis with themes
5. storage                ``corpus.store`` (the only module that touches SQLite)
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from corpus.article import Article
from corpus.errors import Declined
from corpus.read import Source, iter_inputs, iter_sources, source_id
from corpus.rows import prepare_rows

logger = logging.getLogger("wrmine")


class _LazyStore:
    """``corpus.store``, imported on first use: it pulls in sqlite-utils (and numpy through it),
    a fifth of a one-file ``predict``, which never opens a database."""

    def __getattr__(self, attr: str):
        from corpus import store as module

        return getattr(module, attr)


store = _LazyStore()

__all__ = [
    "open_db", "open_existing", "read_urls", "article_from_source", "analyse_article",
    "analyse_source", "predict_file", "ingest", "ingest_source", "store_page", "IngestResult",
    "facts", "search", "UsageError", "StopBatch", "iter_inputs",
]


class UsageError(ValueError):
    """The caller asked for something impossible (bad option value, unreadable URL table)."""


# --- Opening -------------------------------------------------------------------------------

def open_db(path: str):
    """A wrmine database for writing: created and migrated when new; a file that is not a
    wrmine database (another SQLite file, a corrupt file) raises ``store.StoreError``."""
    return store.open_db(path)


def open_existing(path: str):
    """A wrmine database for reading: never created, never migrated, never written."""
    return store.open_existing(path)


def read_urls(paths: str | Iterable[str] | None) -> dict[str, str]:
    """id → url from one or more TSV files (first two columns id and url; a header line
    ``id<TAB>url`` is skipped). The same id with two different URLs is an error.

    >>> read_urls(None)
    {}
    """
    if not paths:
        return {}
    if isinstance(paths, str):
        paths = [paths]
    urls: dict[str, str] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig") as fh:
                for i, line in enumerate(fh):
                    cols = line.rstrip("\r\n").split("\t")
                    if len(cols) < 2 or (i == 0 and cols[0].strip().lower() == "id"):
                        continue
                    key, url = cols[0].strip(), cols[1].strip()
                    if urls.get(key, url) != url:
                        raise UsageError(f"{path}: id {key!r} has two URLs ({urls[key]} and {url})")
                    urls[key] = url
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not a UTF-8 TSV file (id<TAB>url per line)") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return urls


# --- The pure stages (no database: safe in a worker process) --------------------------------

def article_from_source(source: Source, url: str | None = None) -> Article:
    """Clean one read input into an Article; raises ``Declined`` with the reason."""
    from corpus.clean import article_from_html, article_from_text

    url = url or source.url
    if source.kind == "html":
        return article_from_html(source.id, source.data, url=url, http_charset=source.http_charset)
    return article_from_text(source.id, source.text, url=url)


def analyse_article(article: Article, backend=None):
    """Extraction and classification of one clean article: facts, region, practices, named
    methods and themes. ``backend`` (HanLP): its NER places are an extra signal for the region."""
    from classify.themes import assign_themes
    from extract.pipeline import analyse

    analysis = analyse(article, extra_places=backend.find_places(article.plain) if backend else None)
    return assign_themes(article, analysis)


def analyse_source(source: Source, url: str | None = None, backend=None):
    """(Article, Analysis) for one source: the unit of work a worker process runs."""
    article = article_from_source(source, url)
    return article, analyse_article(article, backend)


def source_hash(source: Source) -> str:
    """Identity of an input as read: an unchanged file is not analysed again."""
    data = source.data if source.kind == "html" else source.text.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def predict_file(path: str, urls: dict[str, str] | None = None, backend=None,
                 explain: bool = False) -> Iterator[tuple[dict, str | None]]:
    """Gold-format lines (``shared/spec/gold-format.md``) for one input file, each with the
    reason it is empty (None when the input was analysed). A file that cannot be read yields
    one empty line with its reason, so every input has its prediction."""
    from extract.record import empty_record, to_record

    urls = urls or {}
    written = 0
    try:
        for source in iter_sources(path):
            url = urls.get(source.id) or source.url
            try:
                article, analysis = analyse_source(source, url, backend)
            except Declined as exc:
                yield empty_record(source.id, url), str(exc)
            else:
                yield to_record(article, analysis, explain=explain), None
            written += 1
    except Declined as exc:
        if not written:
            yield empty_record(source_id(path), urls.get(source_id(path))), str(exc)


# --- Ingest ---------------------------------------------------------------------------------

@dataclass
class IngestResult:
    """What one ingest run did, for the summary line and the exit code."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reposts: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)   # (key, stage, reason)
    failed: list[tuple[str, str, str]] = field(default_factory=list)    # could not be read at all

    @property
    def stored(self) -> int:
        return self.new + self.changed

    def by_reason(self) -> Counter:
        """Skips and failures counted by reason (the part before a colon)."""
        return Counter(reason.split(":")[0] for _, _, reason in self.skipped + self.failed)

    def summary(self) -> str:
        """``3 new, 1 changed, 2 unchanged, 1 skipped (empty file: 1)``."""
        parts = [f"{self.new} new" + (f" ({self.reposts} reposts of stored articles)" if self.reposts else ""),
                 f"{self.changed} changed", f"{self.unchanged} unchanged"]
        problems = len(self.skipped) + len(self.failed)
        line = ", ".join(parts) + f", {problems} skipped"
        if problems:
            line += " (" + ", ".join(f"{r}: {n}" for r, n in self.by_reason().most_common()) + ")"
        return line


class StopBatch(Exception):
    """``strict`` ingest met a skip: the batch stops there."""


def skip_reason(exc: BaseException) -> tuple[str, str]:
    """(stage, one-line reason) for an input that was not stored: a stage that declined says
    why; anything else is a bug, logged with its traceback under -v and recorded as internal."""
    if isinstance(exc, Declined):
        return exc.stage, str(exc)
    logger.info("unexpected error", exc_info=exc)
    return "internal", f"internal error: {type(exc).__name__}: {exc}"


def ingest_source(db, source: Source, key: str, url: str | None = None, backend=None,
                  force: bool = False) -> str:
    """Clean, analyse and store one source; returns "new", "changed", "unchanged" or
    "repost". Raises ``Declined`` (or a bug's exception) when it was not stored."""
    planned = _plan(db, source, key, force)
    if planned is None:
        return "unchanged"
    source, digest, previous = planned
    return _store_rows(db, prepare_rows(*analyse_source(source, url, backend)), key, digest, previous)


def _plan(db, source: Source, key: str, force: bool, taken: dict[str, str] | None = None):
    """(source with its unique id, input hash, stored hash) for an input to analyse, or None when
    its bytes are unchanged since it was stored. ``taken``: ids already given to inputs of this
    batch that are not stored yet (id -> key)."""
    digest = source_hash(source)
    holder = (taken or {}).get(source.id)
    if holder is not None and holder != key:
        source = replace(source, id=f"{source.id}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}")
    else:
        source = store.unique_source_id(db, source, key)
    previous = store.stored_hash(db, source.id)
    if previous == digest and not force:
        return None
    return source, digest, previous


def _store_rows(db, rows, key: str, digest: str, previous: str | None) -> str:
    """The single writer's part of one input: the repost lookup and the prepared INSERTs."""
    duplicate_of = store.find_repost(db, rows.id, rows.value("content_hash"), rows.value("simplified"),
                                     keys=rows.bands, normalised=rows.normalised)
    store.save_rows(db, rows, path=key, duplicate_of=duplicate_of, source_hash=digest)
    if duplicate_of:
        return "repost"
    return "changed" if previous else "new"


def _analyse_task(source: Source, url: str | None):
    """The unit of work of a worker (a pool process, a Dask worker): pure, no database.
    Returns the article's prepared rows (``corpus.rows``): the JSON, the index tokens, the
    repost band keys and normalised text are computed here, in parallel, so the single writer
    (the bottleneck) only looks up reposts and runs INSERTs; plain tuples travel back cheaply."""
    from corpus.parallel import worker_state

    return prepare_rows(*analyse_source(source, url, worker_state("backend")))


# Commit the open batch every so many stored articles, or every so many seconds: a commit per
# article cost more than storing it; a crash (even kill -9) loses at most the open batch, and
# never half an article (each article is written in its own savepoint).
COMMIT_EVERY = 500
COMMIT_SECONDS = 2.0


@dataclass
class _Pending:
    """An input that needs the analysis: what the writer needs to store its result."""

    key: str
    digest: str
    previous: str | None


def ingest(db, paths: Iterable[str], urls: dict[str, str] | None = None, backend=None,
           strict: bool = False, force: bool = False,
           progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
           workers: int = 1, engine: str = "local", scheduler=None) -> IngestResult:
    """Ingest files and folders (``.txt``, ``.html``, ``.warc``) into ``db``.

    A file that cannot be read, and an input a stage declines, is recorded in ``skips`` with
    its reason and the batch goes on (``strict``: it stops at the first one). An input whose
    bytes are unchanged since it was stored is not analysed again (``force``: it is).

    ``workers`` processes analyse the inputs (``engine="dask"``: the workers of the Dask
    cluster whose scheduler is at ``scheduler``); this process alone stores the results, in
    input order, so the database is the same whatever the number of workers.
    """
    from corpus.parallel import Done, Task, ordered_map

    if engine == "dask" and backend is not None:
        raise UsageError("--backend hanlp runs with the local engine only (its model is not sent to Dask workers)")
    urls = urls or {}
    result = IngestResult()
    files = list(iter_inputs(list(paths)))
    inflight: dict[str, str] = {}    # ids sent to be analysed, not yet stored -> their key

    def record_problem(key: str, exc: BaseException, file_level: bool, path: str) -> None:
        stage, reason = skip_reason(exc)
        store.record_skip(db, stage, key, reason)
        if file_level:
            # Declined for its own content (empty, binary): skipped. Missing, unreadable, or a
            # bug: the job was not done for it.
            declined = isinstance(exc, Declined) and os.access(path, os.R_OK) and os.path.isfile(path)
            (result.skipped if declined else result.failed).append((path, stage, reason))
        else:
            (result.failed if stage == "internal" else result.skipped).append((key, stage, reason))
        if strict:
            raise StopBatch(f"{path if file_level else key}: {reason}") from None

    def count(outcome: str, key: str) -> None:
        store.clear_skip(db, key)
        if outcome == "repost":
            result.reposts += 1
            outcome = "new"
        setattr(result, outcome, getattr(result, outcome) + 1)

    def tasks():
        """The inputs in order: a Task for each one to analyse, a tuple for the others."""
        for path in (progress(files) if progress else files):
            fallback_key = os.path.abspath(path)
            try:
                for source in iter_sources(path):
                    key = source.url or fallback_key
                    planned = _plan(db, source, key, force, inflight)
                    if planned is None:
                        yield ("unchanged", key)
                        continue
                    source, digest, previous = planned
                    inflight[source.id] = key
                    yield Task((source, urls.get(source.id)), _Pending(key, digest, previous))
            except Exception as exc:  # noqa: BLE001 - an unreadable file never stops a batch
                yield ("file", fallback_key, exc, path)

    done_since, last_commit = 0, time.monotonic()
    with store.batch(db):
        for item in ordered_map(_analyse_task, tasks(), workers=workers, engine=engine,
                                scheduler=scheduler, state={"backend": backend}):
            if isinstance(item, Done):
                pending = item.task.tag
                inflight.pop(item.task.args[0].id, None)
                try:
                    if item.error is not None:
                        raise item.error
                    outcome = _store_rows(db, item.value, pending.key, pending.digest, pending.previous)
                except (store.StoreError, sqlite3.OperationalError):
                    raise    # the database itself failed (full, locked, corrupt): stop the batch
                except Exception as exc:  # noqa: BLE001 - one bad input never stops a batch
                    record_problem(pending.key, exc, False, pending.key)
                    continue
                count(outcome, pending.key)
                done_since += 1
            elif item[0] == "unchanged":
                count("unchanged", item[1])
            else:
                _, key, exc, path = item
                record_problem(key, exc, True, path)
            if done_since >= COMMIT_EVERY or time.monotonic() - last_commit > COMMIT_SECONDS:
                store.commit(db)
                done_since, last_commit = 0, time.monotonic()
    return result


def store_page(db, page, article_id: str) -> str | None:
    """The crawler's per-article callback: the same clean → extract → store path as ingest.
    Returns the stored id, or None when a stage declined the page (recorded in skips)."""
    source = Source(article_id, page.url, "html", data=page.html, url=page.url, http_charset=page.encoding)
    try:
        _store_rows(db, prepare_rows(*analyse_source(source, page.url)), page.url, source_hash(source), None)
        store.clear_skip(db, page.url)
        return article_id
    except store.StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad page must never stop a crawl
        stage, reason = skip_reason(exc)
        store.record_skip(db, stage, page.url, reason)
    return None


# --- Queries (thin: the SQL lives in corpus.store) ------------------------------------------

def facts(db, **filters) -> Iterator[dict]:
    """Facts with provenance; filters: metric, year, subject, region, theme, article,
    min_confidence, limit. ``region`` matches any level by prefix (湖南 → 湖南省)."""
    limit = filters.pop("limit", None)
    return store.query_facts(db, limit=limit, **filters)


def search(db, query: str, **filters) -> list[dict]:
    """Full-text search (any word length, either script); see ``corpus.store.search``."""
    return store.search(db, query, **filters)
