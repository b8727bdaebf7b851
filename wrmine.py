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
from corpus.lazy import LazyModule
from corpus.read import Source, iter_inputs, iter_sources, source_id
from corpus.rows import prepare_rows

logger = logging.getLogger("wrmine")


# Imported on first use: a one-file ``predict`` never opens a database.
store = LazyModule("corpus.store")

__all__ = [
    "open_db", "open_existing", "read_urls", "article_from_source", "analyse_article",
    "analyse_source", "predict_file", "ingest", "ingest_source", "store_page", "IngestResult",
    "facts", "search", "UsageError", "StopBatch", "iter_inputs", "analyse_partition", "ingest_shards", "merge",
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
    planned = _plan_id(db, source.id, key, digest, force, taken)
    if planned is None:
        return None
    article_id, previous = planned
    return replace(source, id=article_id) if article_id != source.id else source, digest, previous


def _plan_id(db, source_id: str, key: str, digest: str, force: bool, taken: dict[str, str] | None = None):
    """(unique id, stored hash) for an input, or None when it is stored with these bytes.
    An id another input already holds gets a suffix derived from this input's key."""
    holder = (taken or {}).get(source_id)
    if holder is not None and holder != key:
        article_id = f"{source_id}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
    else:
        article_id = store.unique_source_id(db, Source(source_id, key, "text"), key).id
    previous = store.stored_hash(db, article_id)
    if previous == digest and not force:
        return None
    return article_id, previous


def rename_rows(rows, article_id: str):
    """Prepared rows under another id (an input whose file name another input already holds)."""
    if rows.id == article_id:
        return rows
    return replace(rows, id=article_id, article=(article_id, *rows.article[1:]))


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


class _Writer:
    """The single writer of a batch: stores analysed inputs in input order, counts them, records
    each skip with its reason, and commits every ``COMMIT_EVERY`` articles or ``COMMIT_SECONDS``.
    ``ingest`` and ``merge`` feed it the same way, so they build the same database."""

    def __init__(self, db, strict: bool) -> None:
        self.db, self.strict = db, strict
        self.result = IngestResult()
        self.since, self.last_commit = 0, time.monotonic()

    def problem(self, key: str, stage: str, reason: str, failed: bool, shown: str) -> None:
        """Record a skip: ``failed`` when the job was not done for it (a bug, an unreadable
        file), not merely declined for its own content; ``shown``: how the summary names it."""
        store.record_skip(self.db, stage, key, reason)
        (self.result.failed if failed else self.result.skipped).append((shown, stage, reason))
        if self.strict:
            raise StopBatch(f"{shown}: {reason}") from None

    def file_problem(self, key: str, exc: BaseException, path: str) -> None:
        stage, reason = skip_reason(exc)
        # Declined for its own content (empty, binary): skipped. Missing, unreadable, or a bug:
        # the job was not done for it.
        self.problem(key, stage, reason, not _declined_file(exc, path), path)

    def count(self, outcome: str, key: str) -> None:
        store.clear_skip(self.db, key)
        if outcome == "repost":
            self.result.reposts += 1
            outcome = "new"
        setattr(self.result, outcome, getattr(self.result, outcome) + 1)

    def store(self, pending: _Pending, rows=None, error: BaseException | None = None) -> None:
        """Store one analysed input (or record why its analysis failed)."""
        try:
            if error is not None:
                raise error
            outcome = _store_rows(self.db, rows, pending.key, pending.digest, pending.previous)
        except (store.StoreError, sqlite3.OperationalError):
            raise    # the database itself failed (full, locked, corrupt): stop the batch
        except Exception as exc:  # noqa: BLE001 - one bad input never stops a batch
            stage, reason = skip_reason(exc)
            self.problem(pending.key, stage, reason, stage == "internal", pending.key)
            return
        self.count(outcome, pending.key)
        self.since += 1

    def tick(self) -> None:
        if self.since >= COMMIT_EVERY or time.monotonic() - self.last_commit > COMMIT_SECONDS:
            store.commit(self.db)
            self.since, self.last_commit = 0, time.monotonic()


def _declined_file(exc: BaseException, path: str) -> bool:
    return isinstance(exc, Declined) and os.access(path, os.R_OK) and os.path.isfile(path)


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
    writer = _Writer(db, strict)
    files = list(iter_inputs(list(paths)))
    inflight: dict[str, str] = {}    # ids sent to be analysed, not yet stored -> their key

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

    with store.batch(db):
        for item in ordered_map(_analyse_task, tasks(), workers=workers, engine=engine,
                                scheduler=scheduler, state={"backend": backend}):
            if isinstance(item, Done):
                inflight.pop(item.task.args[0].id, None)
                writer.store(item.task.tag, item.value, item.error)
            elif item[0] == "unchanged":
                writer.count("unchanged", item[1])
            else:
                _, key, exc, path = item
                writer.file_problem(key, exc, path)
            writer.tick()
    return writer.result


# --- Shards: a cluster writes Parquet, the single writer merges ----------------------------

FILES_PER_SHARD = 64


def analyse_partition(part: int, files: list[str], folder: str, urls: dict[str, str] | None = None) -> str:
    """Analyse the input files of one partition and write their rows to a Parquet shard in
    ``folder`` (``corpus.shards``); returns the shard's path. Pure but for that file: a Dask
    worker runs it, reading the inputs from storage it shares with the others."""
    from corpus.shards import Entry, write_shard

    urls = urls or {}
    entries: list[Entry] = []
    for path in files:
        fallback_key = os.path.abspath(path)
        try:
            for source in iter_sources(path):
                key, digest = source.url or fallback_key, source_hash(source)
                at = dict(part=part, seq=len(entries), kind="source", path=path, key=key,
                          source_id=source.id, digest=digest)
                try:
                    entries.append(Entry(**at, rows=prepare_rows(*analyse_source(source, urls.get(source.id)))))
                except Exception as exc:  # noqa: BLE001 - recorded, the merge decides
                    stage, reason = skip_reason(exc)
                    entries.append(Entry(**at, stage=stage, reason=reason, failed=stage == "internal"))
        except Exception as exc:  # noqa: BLE001 - an unreadable file never stops a batch
            stage, reason = skip_reason(exc)
            entries.append(Entry(part=part, seq=len(entries), kind="file", path=path, key=fallback_key,
                                 stage=stage, reason=reason, failed=not _declined_file(exc, path)))
    return write_shard(folder, part, entries)


def ingest_shards(paths: Iterable[str], folder: str, scheduler, urls: dict[str, str] | None = None,
                  files_per_shard: int = FILES_PER_SHARD) -> list[str]:
    """Analyse inputs on the Dask cluster at ``scheduler`` (an address or a ``Client``), one
    partition of ``files_per_shard`` files per task; each worker writes its partition's shard
    into ``folder``. Inputs and ``folder`` must be on storage every worker sees, under the same
    paths. No database is opened: ``merge`` loads the shards. Returns the shard paths in order."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise RuntimeError("the dask engine needs Dask: pip install 'wrmine[dask]'") from None
    files = [os.path.abspath(p) for p in iter_inputs(list(paths))]
    parts = [files[i:i + files_per_shard] for i in range(0, len(files), files_per_shard)]
    folder = os.path.abspath(folder)
    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        [shared] = client.scatter([urls or {}], broadcast=True)   # sent once, not with every task
        futures = client.map(analyse_partition, range(len(parts)), parts, folder=folder, urls=shared, pure=False)
        return client.gather(futures)
    finally:
        if own:
            client.close()


def merge(db, shards: Iterable[str], strict: bool = False, force: bool = False) -> IngestResult:
    """Load Parquet shards (``ingest_shards``; files or folders) into ``db`` through the single
    writer, in input order: the database is the one a local ``ingest`` of the same inputs
    builds. An input whose bytes are unchanged since it was stored is not stored again."""
    from corpus.shards import read_shards

    writer = _Writer(db, strict)
    with store.batch(db):
        for entry in read_shards(list(shards)):
            if entry.kind == "file":
                writer.problem(entry.key, entry.stage, entry.reason, entry.failed, entry.path)
            else:
                planned = _plan_id(db, entry.source_id, entry.key, entry.digest, force)
                if planned is None:
                    writer.count("unchanged", entry.key)
                elif entry.rows is None:
                    writer.problem(entry.key, entry.stage, entry.reason, entry.failed, entry.key)
                else:
                    article_id, previous = planned
                    writer.store(_Pending(entry.key, entry.digest, previous), rename_rows(entry.rows, article_id))
            writer.tick()
    return writer.result


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
