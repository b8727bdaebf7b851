"""wrmine command line: a thin layer over the library (``wrmine.py``) and the store.

A command parses options, calls the library, prints, and exits with the operator's contract:

- 0: the job was done (every input stored, unchanged, or declined for a reason of its own
  content, such as a list page or an empty file, and recorded in ``skips``);
- 1: the job was not (fully) done: an input could not be read or broke a stage, nothing was
  stored, a crawl reached no page, the database is full or corrupt; ``--strict`` makes any
  skip fatal, stopping the batch there;
- 2: a usage error: a bad option, a missing database for a command that reads one.

Read commands (search, facts, practices, show, explain, export, skips) never create or alter a
file: a missing database, or a SQLite file that is not wrmine's, is refused with a message.
"""
from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import logging
import os
import sys
import time
from pathlib import Path

import click

from corpus.lazy import LazyModule
from extract.analysis import METRICS, THEMES

# Imported on first use: `wrmine --help` or a usage error answers at once.
store = LazyModule("corpus.store")
wrmine = LazyModule("wrmine")
# Must equal corpus.store.GROUPS (a test checks): listed here so --help needs no import.
GROUP_CHOICES = ("region", "province", "city", "county", "year", "metric")

logger = logging.getLogger("wrmine")
DEFAULT_DB = "wrmine.db"
DEMO_DB = "wrmine-demo.db"
SAMPLES_DIR = Path(__file__).parent / "corpus" / "samples"
FORMATS = ("table", "csv", "jsonl")
BACKENDS = ("default", "hanlp")


class Failed(click.ClickException):
    """The job was not done (exit 1)."""

    exit_code = 1


class Usage(click.ClickException):
    """A usage error without the usage text (exit 2): a missing database, an unreadable query."""

    exit_code = 2


db_option = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
                         help="SQLite database file.", type=click.Path(dir_okay=False))
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                             help="table (tab-separated, with a header), csv (UTF-8 with BOM, for Excel) or jsonl.")
output_option = click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False, allow_dash=True),
                             default="-", help="Write here instead of stdout.")
urls_option = click.option("--urls", "urls_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
                           help="TSV of id<TAB>url giving each input's page URL (repeatable: the files combine; "
                                "one id with two URLs is an error).")
backend_option = click.option(
    "--backend", "backend_name", type=click.Choice(BACKENDS), default="default", show_default=True,
    help="default: gazetteer only. hanlp: also a local HanLP NER model from $HANLP_HOME (never downloaded).")


def filter_options(fn):
    """The filters every listing command shares (search, facts, practices, export, dossier)."""
    for option in reversed([
        click.option("--region", help="Only articles about this place, any level (湖南, 长沙市, 天心區)."),
        click.option("--year", type=int, help="Only articles published in, or with figures about, this year."),
        click.option("--theme", type=click.Choice(THEMES), help="Only this theme."),
        click.option("--metric", type=click.Choice(METRICS), help="Only articles (facts) of this metric."),
        click.option("--source", "outlet", help="Only articles whose outlet (来源) contains this text."),
    ]):
        fn = option(fn)
    return fn


def _closed_at_exit(db):
    """Close the database when the command ends: the WAL is checkpointed into the file."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(db.close)
    return db


def open_for_writing(db_path: str):
    try:
        return _closed_at_exit(wrmine.open_db(db_path))
    except store.StoreError as exc:
        raise Failed(str(exc)) from None


def open_for_reading(db_path: str):
    if not os.path.exists(db_path):
        raise Usage(f"{db_path}: no such database (create one with `wrmine ingest FILES --db {db_path}`)")
    try:
        return _closed_at_exit(wrmine.open_existing(db_path))
    except store.StoreError as exc:
        raise Failed(str(exc)) from None


def read_urls(paths) -> dict[str, str]:
    try:
        return wrmine.read_urls(list(paths))
    except wrmine.UsageError as exc:
        raise Usage(str(exc)) from None


def open_backend(name: str):
    """The chosen backend (None for the default), or a usage error saying how to get it."""
    if name == "default":
        return None
    from extract.hanlp_backend import BackendUnavailable, load_backend

    try:
        return load_backend(name)
    except BackendUnavailable as exc:
        raise Failed(f"--backend {name}: {exc}") from None


class Writer:
    """Rows out as a table (tab-separated, header first), CSV (UTF-8 with BOM) or JSON lines,
    to stdout or a file; counts what it wrote."""

    def __init__(self, fmt: str, out_path: str = "-"):
        self.fmt, self.out_path, self.count = fmt, out_path, 0

    def write(self, rows, columns: list[str] | None = None) -> int:
        rows = iter(rows)
        first = next(rows, None)
        binary = self.fmt == "csv"
        stream = (sys.stdout.buffer if binary else sys.stdout) if self.out_path == "-" else \
            open(self.out_path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"}))
        try:
            if first is None:
                if self.fmt == "table" and columns:
                    stream.write("\t".join(columns) + "\n")
                return 0
            columns = columns or list(first.keys())
            if self.fmt == "csv":
                buf = io.StringIO()
                writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
                writer.writeheader()
                stream.write(b"\xef\xbb\xbf")
                for row in _chain(first, rows):
                    writer.writerow({k: _cell(v) for k, v in row.items()})
                    self.count += 1
                    if buf.tell() > 1 << 16:
                        stream.write(buf.getvalue().encode("utf-8"))
                        buf.seek(0), buf.truncate()
                stream.write(buf.getvalue().encode("utf-8"))
            elif self.fmt == "jsonl":
                for row in _chain(first, rows):
                    stream.write(json.dumps({k: row.get(k) for k in columns}, ensure_ascii=False) + "\n")
                    self.count += 1
            else:
                stream.write("\t".join(columns) + "\n")
                for row in _chain(first, rows):
                    stream.write("\t".join(_cell(row.get(c), table=True) for c in columns) + "\n")
                    self.count += 1
            return self.count
        finally:
            if self.out_path == "-":
                stream.flush()
            else:
                stream.close()


def _chain(first, rest):
    yield first
    yield from rest


def _cell(value, table: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(map(str, value))
    if isinstance(value, float):
        value = round(value, 3)
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value)
    return text.replace("\t", " ").replace("\n", " ") if table else text


def place_of(row: dict, sep: str = "") -> str:
    """The region chain of a row as one string (湖南省长沙市天心区)."""
    return sep.join(filter(None, (row.get("province"), row.get("city"), row.get("county"), row.get("town"))))


def total_line(shown: int, total: int, noun: str) -> None:
    more = f" (showing {shown})" if shown < total else ""
    click.echo(f"{total} {noun}{more}", err=True)


@click.group()
@click.version_option(package_name="wrmine")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def cli(verbose: bool) -> None:
    """wrmine: mine Chinese work-report (经验做法) articles for facts, places, practices and themes."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def progress_bar(files):
    """Files one by one behind a progress bar on stderr (a terminal only)."""
    with click.progressbar(files, label="ingesting", file=sys.stderr) as bar:
        yield from bar


@contextlib.contextmanager
def batch_errors(db_path: str, what: str):
    """The operator's contract for a writing batch (ingest, merge): a usage error exits 2; a
    stop under --strict, a failed store or database exits 1, saying what was kept."""
    try:
        yield
    except wrmine.UsageError as exc:
        raise Usage(str(exc)) from None
    except wrmine.StopBatch as exc:
        raise Failed(f"stopped (--strict): {exc}") from None
    except store.StoreError as exc:
        raise Failed(str(exc)) from None
    except store.sqlite3.OperationalError as exc:
        raise Failed(f"{db_path}: {exc}; the {what} stopped, the database holds every article stored "
                     "before this point") from None


def report_ingest(result: wrmine.IngestResult, elapsed: float, db_path: str) -> None:
    """Per-input problems on stderr, the summary line on stdout, and the exit code."""
    for key, _, reason in result.failed + result.skipped:
        click.echo(f"skipped {key}: {reason}", err=True)
    click.echo(f"{result.summary()}, {elapsed:.1f}s -> {db_path}")
    if result.failed:
        raise Failed(f"{len(result.failed)} input(s) could not be read or processed (see `wrmine skips`)")
    if not result.stored and not result.unchanged:
        raise Failed("nothing was stored")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@urls_option
@backend_option
@click.option("--strict", is_flag=True, help="Stop at the first input that is skipped, and exit 1.")
@click.option("--force", is_flag=True, help="Analyse inputs again even when their bytes are unchanged.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that analyse the inputs (default: the number of cores); one writer stores "
                   "the results in input order, so the database is the same for any number.")
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="local: a process pool on this machine. dask: the workers of a Dask cluster "
                   "(pip install 'wrmine[dask]'; needs --scheduler).")
@click.option("--scheduler", help="Dask scheduler address for --engine dask, e.g. tcp://10.0.0.5:8786.")
@click.option("--shards", "shards_dir", metavar="DIR",
              help="With --engine dask: the workers write Parquet shards into DIR (shared storage) "
                   "instead of sending results back; load them with `wrmine merge DIR --db X`.")
def ingest(paths, db_path, urls_paths, backend_name, strict, force, workers, engine, scheduler, shards_dir):
    """Ingest article files (.txt, .html/.htm, .warc/.warc.gz) and directories (recursively)."""
    if engine == "dask" and not scheduler:
        raise Usage("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    if scheduler and engine != "dask":
        raise Usage("--scheduler is for --engine dask")
    if shards_dir:
        if engine != "dask":
            raise Usage("--shards is for --engine dask")
        start = time.perf_counter()
        written = wrmine.ingest_shards(paths, shards_dir, scheduler, read_urls(urls_paths))
        click.echo(f"{len(written)} shard(s) in {shards_dir}, {time.perf_counter() - start:.1f}s; "
                   f"load them with: wrmine merge {shards_dir} --db DB")
        return
    if workers is None:
        from corpus.parallel import default_workers

        workers = default_workers()
    urls = read_urls(urls_paths)
    backend = open_backend(backend_name)
    missing = [p for p in paths if not os.path.exists(p)]
    db = open_for_writing(db_path)
    start = time.perf_counter()
    with batch_errors(db_path, "batch"):
        result = wrmine.ingest(db, paths, urls, backend=backend, strict=strict, force=force,
                               progress=progress_bar if sys.stderr.isatty() else None,
                               workers=workers, engine=engine, scheduler=scheduler)
    report_ingest(result, time.perf_counter() - start, db_path)
    if missing:
        raise Failed(f"no such file or directory: {', '.join(missing)}")


@cli.command()
@click.argument("shards", nargs=-1, required=True)
@db_option
@click.option("--strict", is_flag=True, help="Stop at the first input that was skipped, and exit 1.")
@click.option("--force", is_flag=True, help="Store inputs again even when their bytes are unchanged.")
def merge(shards, db_path, strict, force):
    """Load Parquet shards written by `ingest --engine dask --shards DIR` (files or folders)."""
    missing = [p for p in shards if not os.path.exists(p)]
    if missing:
        raise Usage(f"no such file or directory: {', '.join(missing)}")
    db = open_for_writing(db_path)
    start = time.perf_counter()
    from corpus.shards import ShardError

    with batch_errors(db_path, "merge"):
        try:
            result = wrmine.merge(db, shards, strict=strict, force=force)
        except ShardError as exc:
            raise Failed(str(exc)) from None
    report_ingest(result, time.perf_counter() - start, db_path)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@urls_option
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="Write JSON lines here instead of stdout.")
@backend_option
@click.option("--explain", is_flag=True, help="Add the evidence trace: which rules and models decided each figure.")
def predict(files, urls_paths, output, backend_name, explain):
    """Print one gold-format JSON line per input file (no database)."""
    urls = read_urls(urls_paths)
    backend = open_backend(backend_name)
    failures = 0
    for path in wrmine.iter_inputs(list(files)):
        for record, reason in wrmine.predict_file(path, urls, backend, explain=explain):
            output.write(json.dumps(record, ensure_ascii=False) + "\n")
            if reason:
                click.echo(f"skipped {path}: {reason}", err=True)
                failures += not os.path.exists(path) or reason.startswith("internal")
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        raise Failed(f"no such file or directory: {', '.join(missing)}")
    if failures:
        raise Failed(f"{failures} input(s) could not be read")


def context(text: str, simplified: str, query: str, width: int = 30) -> str:
    """A short piece of ``text`` around the first match of ``query`` (matched in simplified form)."""
    from corpus.query import words

    flat = simplified.replace("\n", " ")
    pos = min((i for i in (flat.find(w) for w in words(query)) if i >= 0), default=0)
    start, end = max(0, pos - width), min(len(text), pos + width)
    snippet = text[start:end].replace("\n", " ")
    return ("…" if start else "") + snippet + ("…" if end < len(text) else "")


def article_filters(region, year, theme, metric, outlet, ids=()) -> dict:
    return {"region": region, "year": year, "theme": theme, "metric": metric, "source": outlet,
            "ids": list(ids) or None}


SEARCH_COLUMNS = ["id", "title", "published", "source", "place", "context"]


@cli.command()
@click.argument("query", required=False, default="")
@db_option
@filter_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Maximum number of hits.")
@format_option
@output_option
def search(query, db_path, region, year, theme, metric, outlet, limit, fmt, out_path):
    """Full-text search in Chinese: words of any length, either script, AND/OR/NOT, "phrases".

    An empty QUERY lists the articles that pass the filters."""
    from corpus.query import QueryError

    db = open_for_reading(db_path)
    filters = article_filters(region, year, theme, metric, outlet)
    try:
        hits = store.search(db, query, limit=limit, **filters)
        total = store.count_hits(db, query, **filters)
    except QueryError as exc:
        raise Usage(f"cannot read the query {query!r}: {exc}") from None
    rows = ({"id": h["id"], "title": h["title"], "url": h["url"], "published": h["published"],
             "source": h["source"], "place": place_of(h),
             "context": context(h["text"], h["simplified"], query)} for h in hits)
    n = Writer(fmt, out_path).write(rows, SEARCH_COLUMNS + ([] if fmt == "table" else ["url"]))
    total_line(n, total, "hit(s)")


FACT_COLUMNS = ["article_id", "span", "value", "unit", "approx", "subject", "metric", "year", "confidence",
                "province", "city", "county", "town", "sentence"]


@cli.command()
@db_option
@filter_options
@click.option("--subject", help="Only facts whose subject contains this text.")
@click.option("--article", help="Only facts from this article id.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), help="Only facts at least this sure (0–1).")
@click.option("--group-by", type=click.Choice(GROUP_CHOICES),
              help="Count per group and unit: amounts summed within a unit, ratios averaged, never summed. "
                   "Exact for metric, year and region filters; with other filters matching many facts, "
                   "estimated from the newest facts and marked so.")
@click.option("--limit", type=click.IntRange(min=1), help="Maximum number of facts.")
@format_option
@output_option
def facts(db_path, region, year, theme, metric, outlet, subject, article, min_confidence, group_by, limit,
          fmt, out_path):
    """List facts (figures) with their sentence and provenance, or counts with --group-by."""
    db = open_for_reading(db_path)
    filters = dict(metric=metric, region=region, year=year, subject=subject, theme=theme, article=article,
                   min_confidence=min_confidence, source=outlet)
    if group_by:
        groups = store.group_facts(db, group_by, **filters)
        n = Writer(fmt, out_path).write(groups)
        # Filters the roll-up cannot answer, matching too many facts to count: a sample.
        estimated = f" (estimated from the newest {store.FACT_SAMPLE} facts: counts and sums scaled, " \
                    "each row marked)" if groups and groups[0].get("estimated") else ""
        click.echo(f"{n} group(s){estimated}", err=True)
        return
    columns = FACT_COLUMNS if fmt != "table" else [
        "article_id", "span", "value", "unit", "approx", "subject", "metric", "year", "confidence", "county",
        "sentence"]
    if fmt == "jsonl":
        columns = FACT_COLUMNS + ["start", "end", "raw_start", "raw_end", "url", "title"]
    n = Writer(fmt, out_path).write(store.query_facts(db, limit=limit, **filters), columns)
    total = n if not limit or n < limit else store.count_facts(db, **filters)
    total_line(n, total, "fact(s)")


PRACTICE_COLUMNS = ["article_id", "title", "themes", "confidence", "article_title", "published", "source",
                    "province", "city", "county", "town", "url"]


@cli.command()
@click.argument("query", required=False, default="")
@db_option
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Maximum number of practices.")
@format_option
@output_option
def practices(query, db_path, region, year, theme, metric, outlet, limit, fmt, out_path):
    """List practices (一是…二是…) with their article, place, date and URL; QUERY: words the
    practice title must contain."""
    db = open_for_reading(db_path)
    rows = store.query_practices(db, limit=limit, query=query,
                                 **article_filters(region, year, theme, metric, outlet))
    n = Writer(fmt, out_path).write(rows, PRACTICE_COLUMNS)
    click.echo(f"{n} practice(s)", err=True)


def stored_article(db_path: str, article_id: str):
    """(the database, ``store.explain_rows`` of the article), or exit 1 naming what is missing."""
    db = open_for_reading(db_path)
    info = store.explain_rows(db, article_id)
    if info is None:
        raise Failed(f"no article {article_id!r} in {db_path}")
    return db, info


@cli.command()
@click.argument("article_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(article_id, db_path, fmt):
    """Show one stored article: metadata, place, themes, facts, practices and its text."""
    db, info = stored_article(db_path, article_id)
    row = next(store.export_rows(db, "articles", ids=[article_id]))
    if fmt == "json":
        click.echo(json.dumps(row | {"facts": info["facts"], "practices": info["practices"]},
                              ensure_ascii=False, indent=1))
        return
    place = place_of(row, " ") or "-"
    click.echo(f"{row['title'] or '(no title)'}\n{row['source'] or '-'}  {row['published'] or '-'}  {place}")
    click.echo(f"url: {row['url'] or '-'}\nthemes: {'、'.join(row['themes']) or '-'}\n")
    for f in info["facts"]:
        click.echo(f"  {f['span']}\t{f['subject']}\t{f['metric']}\t{f['year'] or ''}\t{f['confidence']:.2f}")
    for p in info["practices"]:
        click.echo(f"  · {p['title']}")
    click.echo("\n" + row["text"])


@cli.command()
@click.argument("article_id")
@db_option
def explain(article_id, db_path):
    """Why each figure, the place and each practice of a stored article came out as they did:
    the rules and models that fired, with their confidence."""
    _, info = stored_article(db_path, article_id)
    place = place_of(info, " ") or "(none)"
    click.echo(f"{article_id}  {info['title'] or '(no title)'}  [title from: {info['title_origin'] or '-'}]")
    for line in info["meta_evidence"]:
        click.echo(f"    {line}")
    conf = info["region_confidence"]
    click.echo(f"region: {place}" + (f"  confidence {conf:.2f}" if conf is not None else ""))
    for line in info["region_evidence"]:
        click.echo(f"    {line}")
    click.echo(f"facts ({len(info['facts'])}):")
    for f in info["facts"]:
        click.echo(f"  [{f['start']}:{f['end']}] {f['span']} = {f['value']} {f['unit']} ({f['approx']}) "
                   f"subject {f['subject']} · {f['metric']} · year {f['year'] or '-'} · "
                   f"confidence {f['confidence'] or 0:.2f}")
        for line in f["evidence"]:
            click.echo(f"      {line}")
    click.echo(f"practices ({len(info['practices'])}):")
    for p in info["practices"]:
        click.echo(f"  [{p['start']}:{p['end']}] {p['title']} · confidence {p['confidence'] or 0:.2f}")
        for line in p["evidence"]:
            click.echo(f"      {line}")


@cli.command()
@db_option
@click.option("--table", type=click.Choice(["articles", "facts", "practices"]), default="articles",
              show_default=True)
@click.option("--query", help="Only articles matching this full-text query.")
@filter_options
@click.option("--ids", help="Only these article ids (comma-separated).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@output_option
def export(db_path, table, query, region, year, theme, metric, outlet, ids, fmt, out_path):
    """Export articles (default), facts or practices, filtered like search."""
    from corpus.query import QueryError

    db = open_for_reading(db_path)
    filters = article_filters(region, year, theme, metric, outlet, [i for i in (ids or "").split(",") if i])
    try:
        n = Writer(fmt, out_path).write(store.export_rows(db, table, query=query, **filters))
    except QueryError as exc:
        raise Usage(f"cannot read the query {query!r}: {exc}") from None
    click.echo(f"{n} {table}", err=True)


@cli.command()
@db_option
@click.option("--stage", help="Only this stage (read, clean, internal, fetch …).")
@click.option("--since", help="Only skips at or after this ISO date/time (2026-12-01).")
@format_option
@output_option
def skips(db_path, stage, since, fmt, out_path):
    """List every input that was declined or failed, and why."""
    db = open_for_reading(db_path)
    n = Writer(fmt, out_path).write(store.list_skips(db, stage=stage, since=since), ["stage", "key", "reason", "at"])
    click.echo(f"{n} skip(s)", err=True)


@cli.command()
@db_option
def migrate(db_path):
    """Bring an existing wrmine database up to this version's schema."""
    if not os.path.exists(db_path):
        raise Usage(f"{db_path}: no such database")
    open_for_writing(db_path)
    click.echo(f"{db_path}: up to date")


@cli.command()
@click.option("--db", "db_path", default=DEMO_DB, show_default=True, type=click.Path(dir_okay=False),
              help="Database to build (the demo's own file unless told otherwise).")
@click.option("--crawl", "via_crawl", is_flag=True,
              help="Serve the samples as a small website on 127.0.0.1 and crawl it instead of reading files.")
def demo(db_path, via_crawl):
    """Build a database from the bundled sample articles and show what wrmine found."""
    if not os.path.exists(SAMPLES_DIR):
        raise Failed(f"bundled samples missing at {SAMPLES_DIR}")
    db = open_for_writing(db_path)
    if via_crawl:
        from corpus.crawl import crawl as run_crawl
        from corpus.demo_site import build_site, serve
        from corpus.fetch import FetchSettings

        with serve(build_site(SAMPLES_DIR)) as base:
            click.echo(f"Serving the sample articles as a website at {base}/news/index.html")
            stats = run_crawl(db, [f"{base}/news/index.html"], lambda page, aid: wrmine.store_page(db, page, aid),
                              settings=FetchSettings(delay=0.0, allow_private=True))
        click.echo(stats.summary() + f" -> {db_path}\n")
    else:
        urls_file = SAMPLES_DIR / "urls.tsv"
        result = wrmine.ingest(db, [str(SAMPLES_DIR)], read_urls([str(urls_file)] if urls_file.exists() else []))
        click.echo(f"Sample articles into {db_path}: {result.summary()}.\n")
        if not result.stored and not result.unchanged:
            raise Failed("no sample article could be stored: "
                         + "; ".join(f"{k}: {r}" for k, _, r in (result.failed + result.skipped)[:3]))
    for row in store.export_rows(db, "articles"):
        place = place_of(row) or "?"
        n = db.execute("SELECT COUNT(*) FROM facts WHERE article_id = ?", [row["id"]]).fetchone()[0]
        click.echo(f"{row['id']}  {row['title'] or '(no title)'}")
        click.echo(f"    place: {place}   facts: {n}   themes: {'、'.join(row['themes']) or '-'}")
    click.echo("\nFacts by metric:")
    per_metric: dict[str, list[str]] = {}
    for g in store.group_facts(db, "metric"):
        per_metric.setdefault(g["metric"], []).append(f"{g['facts']}×{g['unit']}")
    for metric, units in per_metric.items():
        click.echo(f"    {metric:<14}{' '.join(units)}")
    click.echo("\nTry next:")
    click.echo(f"    wrmine search 党建 --db {db_path}")
    click.echo(f"    wrmine facts --metric teams --db {db_path}")
    click.echo(f"    wrmine practices --region 长沙 --db {db_path}")
    click.echo(f"    wrmine explain {next(iter(store.export_rows(db, 'articles')), {}).get('id', 'ID')} --db {db_path}")


def _desk(module: str):
    try:
        return importlib.import_module(f"desk.{module}")
    except ImportError as exc:
        raise Failed(f"the desk needs its extra: pip install 'wrmine[desk]' ({exc})") from None


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 shows the desk to your network.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--immutable", is_flag=True, help="The file never changes while served (faster; no live ingest).")
def serve(db_path, host, port, immutable):
    """The desk: search, articles with highlighted figures, practices and comparisons in the
    browser (Datasette), read-only."""
    app = _desk("app")
    open_for_reading(db_path)      # the same refusals as every read command
    click.echo(f"wrmine desk on http://{host}:{port}/  (database {db_path}, read-only; Ctrl-C stops)", err=True)
    try:
        app.serve(db_path, host=host, port=port, immutable=immutable)
    except store.StoreError as exc:
        raise Failed(str(exc)) from None


@cli.command()
@db_option
@click.option("--query", help="Only articles matching this full-text query (AND/OR/NOT, \"phrases\").")
@filter_options
@click.option("--ids", help="Only these article ids (comma-separated).")
@click.option("-o", "--output", "out_path", required=True, type=click.Path(dir_okay=False),
              help="File to write; its suffix picks the format unless --format is given.")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "md", "html", "csv"]),
              help="docx (Word), xlsx (Excel), md, html or csv.")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1), help="Most articles.")
def dossier(db_path, query, region, year, theme, metric, outlet, ids, out_path, fmt, limit):
    """A document for editors: one section per matching article (title, outlet, date, place, key
    figures, practices, excerpt, source URL) after a summary table."""
    from corpus.query import QueryError

    dossier_module = _desk("dossier")
    db = open_for_reading(db_path)
    filters = {"query": query, "region": region, "year": year, "theme": theme, "metric": metric,
               "source": outlet, "ids": ids}
    try:
        n = dossier_module.write_dossier(db, out_path, fmt=fmt, limit=limit,
                                         **{k: v for k, v in filters.items() if v})
    except QueryError as exc:
        raise Usage(f"cannot read the query {query!r}: {exc}") from None
    except ValueError as exc:
        raise Usage(str(exc)) from None
    click.echo(f"{n} article(s) -> {out_path}", err=True)
    if not n:
        raise Failed("no article matches these filters: nothing to put in a dossier")


BENCHMARKS_DIR = Path(__file__).parent / "benchmarks"


@cli.command()
@click.option("--only", "only", multiple=True, help="Run only these benchmarks (e.g. ingest, extract).")
def bench(only):
    """Run the benchmarks in benchmarks/ and print their figures (each against its anchor)."""
    import subprocess

    scripts = sorted(BENCHMARKS_DIR.glob("bench_*.py")) if BENCHMARKS_DIR.exists() else []
    if not scripts:
        raise Failed(f"no benchmarks found in {BENCHMARKS_DIR} (they ship with a source checkout)")
    names = {p.stem.removeprefix("bench_"): p for p in scripts}
    unknown = set(only) - set(names)
    if unknown:
        raise Usage(f"unknown benchmark(s) {', '.join(sorted(unknown))}. "
                                   f"Benchmarks: {', '.join(names)}")
    failed = 0
    for name, script in names.items():
        if only and name not in only:
            continue
        click.echo(f"== {name} ({script.name})")
        proc = subprocess.run([sys.executable, str(script)], cwd=str(BENCHMARKS_DIR.parent))
        failed += proc.returncode != 0
    if failed:
        raise Failed(f"{failed} benchmark(s) failed")


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@db_option
@click.option("--delay", type=float, default=1.0, show_default=True,
              help="Seconds between requests to one host (robots.txt Crawl-delay wins when larger).")
@click.option("--max-pages", type=click.IntRange(min=0), help="Stop after this many fetches (rerun to continue).")
@click.option("--max-depth", type=click.IntRange(min=0), help="Follow links at most this many hops from a start URL.")
@click.option("--allow-private", is_flag=True,
              help="Allow hosts on private/loopback/link-local addresses (local tests and demos).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="TOML file of per-site options (link_selector, next_selector, encoding, delay, follow_hosts).")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Network timeout in seconds.")
@click.option("--retries", type=int, default=3, show_default=True,
              help="Retries (with backoff) after timeouts, 429 and 5xx.")
def crawl(urls, db_path, delay, max_pages, max_depth, allow_private, config_path, timeout, retries):
    """Crawl list pages (栏目页), sitemaps or RSS/Atom feeds and store every article found."""
    from corpus.crawl import crawl as run_crawl
    from corpus.fetch import FetchSettings
    from corpus.sites import SiteConfigError, load_sites

    try:
        sites = load_sites(config_path)
    except SiteConfigError as exc:
        raise Usage(str(exc)) from None
    from urllib.parse import urlsplit

    for url in urls:
        try:
            parts = urlsplit(url)
            parts.port  # raises ValueError for a malformed port
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            raise Usage(f"{url!r}: not an http(s) URL with a host (e.g. https://www.gov.cn/xinwen/)")
    db = open_for_writing(db_path)
    settings = FetchSettings(delay=delay, timeout=timeout, retries=retries, allow_private=allow_private)
    try:
        stats = run_crawl(db, list(urls), lambda page, aid: wrmine.store_page(db, page, aid),
                          settings=settings, sites=sites, max_pages=max_pages, max_depth=max_depth)
    except KeyboardInterrupt:
        raise Failed("interrupted; run the same command again to resume") from None
    click.echo(stats.summary() + f" -> {db_path}")
    if getattr(stats, "reached_nothing", lambda: False)():
        raise Failed("no start URL could be fetched: every one was refused or failed "
                     f"(reasons: `wrmine skips --db {db_path}`)")


@cli.command("train-themes")
@click.option("--corpus", "corpus_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of the articles the labels refer to (e.g. ../shared/corpus/unlabeled).")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False),
              help="Label references (JSONL). Default: the shipped classify/data/theme_labels.jsonl.")
@click.option("--relabel", is_flag=True, help="Rebuild the labels from the keyword rules first.")
@click.option("--exclude", "exclude_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="File of article ids (one per line) never to label or train on, e.g. the "
                   "hand-annotated evaluation articles; repeatable.")
@click.option("--annotations", "annotations_path", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Hand annotations (gold JSONL with a `set` field, e.g. "
                   "benchmarks/annotations/unlabeled.jsonl): train on those of --annotations-set too; "
                   "every other annotated article is excluded. Repeatable.")
@click.option("--annotations-texts", "annotation_texts", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Texts folder of each --annotations file, in the same order (default: --corpus).")
@click.option("--annotations-set", "annotation_sets", multiple=True, default=("dev",), show_default=True,
              help="`set` value(s) of the annotations to train on; repeatable.")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False),
              help="Model file to write. Default: the shipped classify/data/theme_model.json.gz.")
@click.option("--eval", "gold_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Gold folder(s) (gold.jsonl + <id>.txt) to evaluate on; repeatable.")
def train_themes_command(corpus_dir, labels_path, relabel, exclude_files, annotations_path, annotation_texts,
                         annotation_sets, out_path, gold_dirs):
    """Rebuild the theme model from labelled units of a corpus folder (offline, reproducible)."""
    from classify import themes, train

    out = Path(out_path) if out_path else themes.MODEL_PATH
    labels = Path(labels_path) if labels_path else train.LABELS_PATH
    if relabel and not labels_path and out_path:
        # A model written elsewhere never rewrites the shipped labels: its labels go beside it.
        labels = out.with_name(out.name.split(".")[0] + ".labels.jsonl")
    start = time.perf_counter()
    try:
        model, n = train.train_themes(corpus_dir, labels, relabel=relabel,
                                      exclude=train.read_exclude(exclude_files),
                                      annotations=annotations_path or None, annotation_sets=annotation_sets,
                                      annotation_texts=annotation_texts)
    except (FileNotFoundError, ValueError) as exc:
        raise Failed(str(exc)) from None
    themes.save_model(model, out)
    themes.load_model.cache_clear()
    click.echo(f"trained on {n} units, {len(model.vocab)} features, "
               f"{time.perf_counter() - start:.1f}s -> {out} ({out.stat().st_size // 1024} KiB)")
    if gold_dirs:
        click.echo(train.report(train.evaluate(model, list(gold_dirs))))


if __name__ == "__main__":
    cli()
