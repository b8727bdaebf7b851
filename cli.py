"""wrmine command line: ingest, predict, search, facts, export, demo, crawl, train-themes, bench.

Commands are thin: parse options, loop, call the stages, save through ``corpus.store``,
print a summary. Every stage that declines an input raises ``corpus.errors.Declined``; the
loop records the reason in ``skips`` and goes on.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import sys
import time
from pathlib import Path

import click

from classify.themes import assign_themes
from corpus import store
from corpus.article import Article
from corpus.clean import article_from_html, article_from_text
from corpus.errors import Declined
from corpus.read import Source, iter_inputs, iter_sources, source_id
from extract.analysis import Analysis, METRICS, THEMES
from extract.hanlp_backend import BACKENDS, BackendUnavailable, HanlpBackend, load_backend
from extract.pipeline import analyse
from extract.record import empty_record, to_record

logger = logging.getLogger("wrmine")
DEFAULT_DB = "wrmine.db"
SAMPLES_DIR = Path(__file__).parent / "corpus" / "samples"

db_option = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
                         help="SQLite database file.", type=click.Path(dir_okay=False))


def open_store(db_path: str):
    try:
        return store.open_db(db_path)
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None


def skip_reason(exc: Exception) -> tuple[str, str]:
    """(stage, one-line reason) for an input that failed: a stage that declined says why;
    anything else is a bug, logged with its traceback under -v and recorded as internal."""
    if isinstance(exc, Declined):
        return exc.stage, str(exc)
    logger.info("unexpected error", exc_info=exc)
    return "internal", f"internal error: {type(exc).__name__}: {exc}"


def article_from_source(source: Source, url: str | None = None) -> Article:
    """Clean one read input into an Article (raises Declined)."""
    url = url or source.url
    if source.kind == "html":
        return article_from_html(source.id, source.data, url=url, http_charset=source.http_charset)
    return article_from_text(source.id, source.text, url=url)


def process(article: Article, backend: HanlpBackend | None = None) -> Analysis:
    """Extraction and classification: everything after cleaning.

    ``backend`` (``--backend hanlp``): its NER places are an extra signal for the region.
    """
    analysis = analyse(article)
    if backend is not None:
        from dataclasses import replace

        from extract.places import resolve_region

        region = resolve_region(article, extra=backend.find_places(article.plain))
        analysis = replace(analysis, region=region)
    return assign_themes(article, analysis)


backend_option = click.option(
    "--backend", "backend_name", type=click.Choice(BACKENDS), default="default", show_default=True,
    help="default: gazetteer only. hanlp: also a local HanLP NER model from $HANLP_HOME (never downloaded).")


def open_backend(name: str) -> HanlpBackend | None:
    """The chosen backend, or a ClickException saying how to make it available."""
    try:
        return load_backend(name)
    except BackendUnavailable as exc:
        raise click.ClickException(f"--backend {name}: {exc}") from None


def read_urls(path: str | None) -> dict[str, str]:
    """id → url from a TSV whose first two columns are id and url (header line skipped)."""
    if not path:
        return {}
    urls = {}
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for i, line in enumerate(fh):
                cols = line.rstrip("\r\n").split("\t")
                if len(cols) < 2 or (i == 0 and cols[0].strip().lower() == "id"):
                    continue
                urls[cols[0].strip()] = cols[1].strip()
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not a UTF-8 TSV file (id<TAB>url per line)") from None
    return urls


@click.group()
@click.version_option(package_name="wrmine")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def cli(verbose: bool) -> None:
    """wrmine: mine Chinese work-report (经验做法) articles for facts, places, practices and themes."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def ingest_paths(db, paths: list[str], urls: dict[str, str] | None = None,
                 show_progress: bool = False, backend: HanlpBackend | None = None) -> dict:
    """Ingest files into ``db``; returns counters and the skipped (path, reason) pairs."""
    urls = urls or {}
    result = {"ingested": 0, "skipped": [], "duplicates": 0}
    files = list(iter_inputs(paths))
    if not files:
        raise click.ClickException(f"no input files (.txt, .html, .warc) in {' '.join(paths)}")
    progress = (click.progressbar(files, label="ingesting", file=sys.stderr) if show_progress
                else contextlib.nullcontext(files))
    with progress as iterator:
        for path in iterator:
            try:
                for source in iter_sources(path):
                    _ingest_source(db, source, path, urls, backend, result)
            except Exception as exc:  # noqa: BLE001 - the file itself cannot be read; the batch goes on
                stage, reason = skip_reason(exc)
                store.record_skip(db, stage, os.path.abspath(path), reason)
                result["skipped"].append((path, reason))
    return result


def _ingest_source(db, source: Source, path: str, urls: dict[str, str],
                   backend: HanlpBackend | None, result: dict) -> None:
    """Clean, analyse and store one source; a failure is recorded in ``skips`` and counted."""
    key = source.url or os.path.abspath(path)
    try:
        url = urls.get(source.id)
        source = store.unique_source_id(db, source, key)
        article = article_from_source(source, url)
        analysis = process(article, backend)
        duplicate_of = store.find_duplicate(db, article)
        store.save_article(db, article, analysis, path=key, duplicate_of=duplicate_of)
        result["ingested"] += 1
        result["duplicates"] += bool(duplicate_of)
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop a batch
        stage, reason = skip_reason(exc)
        store.record_skip(db, stage, key, reason)
        result["skipped"].append((source.url or path, reason))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("--urls", "urls_path", type=click.Path(exists=True, dir_okay=False),
              help="TSV of id<TAB>url giving each input's page URL.")
@backend_option
def ingest(paths, db_path, urls_path, backend_name):
    """Ingest article files (.txt, .html/.htm, .warc/.warc.gz) and directories (recursively)."""
    backend = open_backend(backend_name)
    db = open_store(db_path)
    start = time.perf_counter()
    result = ingest_paths(db, list(paths), read_urls(urls_path), show_progress=sys.stderr.isatty(),
                          backend=backend)
    elapsed = time.perf_counter() - start
    for path, reason in result["skipped"]:
        click.echo(f"skipped {path}: {reason}", err=True)
    dup = f" ({result['duplicates']} reposts of stored articles)" if result["duplicates"] else ""
    click.echo(f"{result['ingested']} ingested{dup}, {len(result['skipped'])} skipped, "
               f"{elapsed:.1f}s -> {db_path}")


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--urls", "urls_path", type=click.Path(exists=True, dir_okay=False),
              help="TSV of id<TAB>url (header skipped): each input's page URL.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write JSON lines here instead of stdout.")
@backend_option
def predict(files, urls_path, output, backend_name):
    """Print one gold-format JSON line per input file (no database)."""
    backend = open_backend(backend_name)
    urls = read_urls(urls_path)
    failures = 0
    inputs = list(iter_inputs(list(files)))
    if not inputs:
        raise click.ClickException(f"no input files (.txt, .html, .warc) in {' '.join(files)}")
    for path in inputs:
        written = 0
        try:
            for source in iter_sources(path):
                output.write(json.dumps(predict_source(source, urls, backend), ensure_ascii=False) + "\n")
                written += 1
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop a batch
            _, reason = skip_reason(exc)
            click.echo(f"skipped {path}: {reason}", err=True)
            failures += 1
            if not written:
                # Still one line per input, so that every file has its (empty) prediction.
                output.write(json.dumps(empty_record(source_id(path), urls.get(source_id(path))),
                                        ensure_ascii=False) + "\n")
    if failures:
        click.echo(f"{failures} file(s) skipped", err=True)


def predict_source(source: Source, urls: dict[str, str], backend: HanlpBackend | None) -> dict:
    """The gold-format line for one source; an input that yields no article gets an empty line."""
    try:
        article = article_from_source(source, urls.get(source.id))
    except Declined as exc:
        click.echo(f"skipped {source.url or source.path}: {exc}", err=True)
        return empty_record(source.id, urls.get(source.id) or source.url)
    return to_record(article, process(article, backend))


def context(text: str, simplified: str, query: str, width: int = 30) -> str:
    """A short piece of ``text`` around the first match of ``query`` (matched in simplified form)."""
    from corpus.script import simplify

    words = [simplify(w) for w in query.split() if w]
    flat = simplified.replace("\n", " ")
    pos = min((i for i in (flat.find(w) for w in words) if i >= 0), default=0)
    start, end = max(0, pos - width), min(len(text), pos + width)
    snippet = text[start:end].replace("\n", " ")
    return ("…" if start else "") + snippet + ("…" if end < len(text) else "")


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Maximum number of hits.")
@click.option("--theme", type=click.Choice(THEMES), help="Only articles with this theme.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
def search(query, db_path, limit, theme, fmt):
    """Full-text search in Chinese (2-character words, traditional or simplified queries)."""
    db = open_store(db_path)
    hits = store.search(db, query, limit=limit, theme=theme)
    for hit in hits:
        ctx = context(hit["text"], hit["simplified"], query)
        if fmt == "jsonl":
            click.echo(json.dumps({"id": hit["id"], "title": hit["title"], "url": hit["url"],
                                   "context": ctx}, ensure_ascii=False))
        else:
            click.echo(f"{hit['id']}\t{hit['title'] or ''}\t{ctx}")
    if fmt == "table":
        click.echo(f"{len(hits)} hit(s)", err=True)


def write_rows(rows, fmt: str, columns: list[str] | None = None) -> None:
    """Write dict rows as a table, CSV (UTF-8 with BOM, for Excel) or JSON lines to stdout."""
    rows = list(rows) if fmt != "jsonl" else rows
    if fmt == "jsonl":
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    if not rows:
        return
    columns = columns or list(rows[0].keys())
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("|".join(v) if isinstance(v, list) else v) for k, v in r.items()})
        sys.stdout.buffer.write(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
        sys.stdout.flush()
        return
    click.echo("\t".join(columns))
    for r in rows:
        click.echo("\t".join("" if r.get(c) is None else str(r.get(c)) for c in columns))


FACT_COLUMNS = ["article_id", "span", "value", "unit", "approx", "subject", "metric", "year",
                "province", "city", "county", "town", "sentence"]


@cli.command()
@db_option
@click.option("--metric", type=click.Choice(METRICS), help="Only facts of this metric.")
@click.option("--region", help="Only articles about this place (any level, e.g. 天心区).")
@click.option("--year", type=int, help="Only facts about this year.")
@click.option("--subject", help="Only facts whose subject contains this text.")
@click.option("--theme", type=click.Choice(THEMES), help="Only facts from articles with this theme.")
@click.option("--article", help="Only facts from this article id.")
@click.option("--group-by", type=click.Choice(list(store.GROUPS)), help="Sum and count per group and unit.")
@click.option("--limit", type=click.IntRange(min=1), help="Maximum number of facts.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
def facts(db_path, metric, region, year, subject, theme, article, group_by, limit, fmt):
    """List facts (figures) with filters, or sums and counts with --group-by."""
    db = open_store(db_path)
    filters = dict(metric=metric, region=region, year=year, subject=subject, theme=theme, article=article)
    if group_by:
        write_rows(store.group_facts(db, group_by, **filters), fmt)
    else:
        columns = FACT_COLUMNS if fmt != "table" else ["article_id", "span", "value", "unit", "approx",
                                                        "subject", "metric", "year", "county"]
        rows = store.query_facts(db, limit=limit, **filters)
        if fmt == "jsonl":
            rows = ({k: r[k] for k in FACT_COLUMNS + ["start", "end", "raw_start", "raw_end"]} for r in rows)
        write_rows(rows, fmt, columns)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--table", type=click.Choice(["articles", "facts", "practices"]), default="articles",
              show_default=True)
def export(db_path, fmt, table):
    """Export articles (default), facts or practices as JSON lines or CSV."""
    db = open_store(db_path)
    write_rows(store.export_rows(db, table), fmt)


@cli.command()
@db_option
@click.option("--crawl", "via_crawl", is_flag=True,
              help="Serve the samples as a small website on 127.0.0.1 and crawl it instead of reading files.")
def demo(db_path, via_crawl):
    """Build a database from the bundled sample articles and show what wrmine found."""
    if not os.path.exists(SAMPLES_DIR):
        raise click.ClickException(f"bundled samples missing at {SAMPLES_DIR}")
    db = open_store(db_path)
    if via_crawl:
        from corpus.crawl import crawl as run_crawl
        from corpus.demo_site import build_site, serve
        from corpus.fetch import FetchSettings

        with serve(build_site(SAMPLES_DIR)) as base:
            click.echo(f"Serving the sample articles as a website at {base}/news/index.html")
            stats = run_crawl(db, [f"{base}/news/index.html"], lambda page, aid: store_crawled_page(db, page, aid),
                              settings=FetchSettings(delay=0.0, allow_private=True))
        click.echo(stats.summary() + f" -> {db_path}\n")
    else:
        urls_file = SAMPLES_DIR / "urls.tsv"
        result = ingest_paths(db, [str(SAMPLES_DIR)], read_urls(str(urls_file) if urls_file.exists() else None))
        click.echo(f"Ingested {result['ingested']} sample articles into {db_path} "
                   f"({len(result['skipped'])} skipped).\n")
    for row in store.export_rows(db, "articles"):
        place = "".join(filter(None, (row["province"], row["city"], row["county"], row["town"]))) or "?"
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
    click.echo(f"    wrmine facts --group-by region --format csv --db {db_path} > facts.csv")


BENCHMARKS_DIR = Path(__file__).parent / "benchmarks"


@cli.command()
@click.option("--only", "only", multiple=True, help="Run only these benchmarks (e.g. ingest, extract).")
def bench(only):
    """Run the benchmarks in benchmarks/ and print their figures (each against its anchor)."""
    import subprocess

    scripts = sorted(BENCHMARKS_DIR.glob("bench_*.py")) if BENCHMARKS_DIR.exists() else []
    if not scripts:
        raise click.ClickException(f"no benchmarks found in {BENCHMARKS_DIR} (they ship with a source checkout)")
    names = {p.stem.removeprefix("bench_"): p for p in scripts}
    unknown = set(only) - set(names)
    if unknown:
        raise click.ClickException(f"unknown benchmark(s) {', '.join(sorted(unknown))}. "
                                   f"Benchmarks: {', '.join(names)}")
    failed = 0
    for name, script in names.items():
        if only and name not in only:
            continue
        click.echo(f"== {name} ({script.name})")
        proc = subprocess.run([sys.executable, str(script)], cwd=str(BENCHMARKS_DIR.parent))
        failed += proc.returncode != 0
    if failed:
        raise click.ClickException(f"{failed} benchmark(s) failed")


def store_crawled_page(db, page, article_id: str) -> str | None:
    """The crawler's per-article callback: the same clean → extract → store path as ingest.
    Returns the stored id, or None when a stage declined the page (recorded in skips)."""
    try:
        article = article_from_html(article_id, page.html, url=page.url, http_charset=page.encoding)
        analysis = process(article)
        store.save_article(db, article, analysis, path=page.url,
                           duplicate_of=store.find_duplicate(db, article))
        return article_id
    except Exception as exc:  # noqa: BLE001 - one bad page must never stop a crawl
        stage, reason = skip_reason(exc)
        store.record_skip(db, stage, page.url, reason)
    return None


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
        raise click.ClickException(str(exc)) from None
    from urllib.parse import urlsplit

    for url in urls:
        try:
            parts = urlsplit(url)
            parts.port  # raises ValueError for a malformed port
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            raise click.ClickException(f"{url!r}: not an http(s) URL with a host (e.g. https://www.gov.cn/xinwen/)")
    db = open_store(db_path)
    settings = FetchSettings(delay=delay, timeout=timeout, retries=retries, allow_private=allow_private)
    try:
        stats = run_crawl(db, list(urls), lambda page, aid: store_crawled_page(db, page, aid),
                          settings=settings, sites=sites, max_pages=max_pages, max_depth=max_depth)
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; run the same command again to resume") from None
    click.echo(stats.summary() + f" -> {db_path}")


@cli.command("train-themes")
@click.option("--corpus", "corpus_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of the articles the labels refer to (e.g. ../shared/corpus/unlabeled).")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False),
              help="Label references (JSONL). Default: the shipped classify/data/theme_labels.jsonl.")
@click.option("--relabel", is_flag=True, help="Rebuild the labels from the keyword rules first.")
@click.option("--exclude", "exclude_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="File of article ids (one per line) never to label or train on, e.g. the "
                   "hand-annotated evaluation articles; repeatable.")
@click.option("--annotations", "annotations_path", type=click.Path(exists=True, dir_okay=False),
              help="Hand annotations of --corpus articles (gold JSONL with a `set` field, e.g. "
                   "benchmarks/heldout/annotations.jsonl): train on those of --annotations-set too; "
                   "every other annotated article is excluded.")
@click.option("--annotations-set", "annotation_sets", multiple=True, default=("dev",), show_default=True,
              help="`set` value(s) of the annotations to train on; repeatable.")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False),
              help="Model file to write. Default: the shipped classify/data/theme_model.json.gz.")
@click.option("--eval", "gold_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Gold folder(s) (gold.jsonl + <id>.txt) to evaluate on; repeatable.")
def train_themes_command(corpus_dir, labels_path, relabel, exclude_files, annotations_path, annotation_sets,
                         out_path, gold_dirs):
    """Rebuild the theme model from labelled units of a corpus folder (offline, reproducible)."""
    from classify import themes, train

    labels = Path(labels_path) if labels_path else train.LABELS_PATH
    out = Path(out_path) if out_path else themes.MODEL_PATH
    start = time.perf_counter()
    try:
        model, n = train.train_themes(corpus_dir, labels, relabel=relabel,
                                      exclude=train.read_exclude(exclude_files),
                                      annotations=annotations_path, annotation_sets=annotation_sets)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    themes.save_model(model, out)
    themes.load_model.cache_clear()
    click.echo(f"trained on {n} units, {len(model.vocab)} features, "
               f"{time.perf_counter() - start:.1f}s -> {out} ({out.stat().st_size // 1024} KiB)")
    if gold_dirs:
        click.echo(train.report(train.evaluate(model, list(gold_dirs))))


if __name__ == "__main__":
    cli()
