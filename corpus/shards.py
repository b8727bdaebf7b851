"""Parquet shards: the analysed inputs of one partition, written by the worker that analysed
them, loaded later by the single writer (``wrmine merge``).

A shard holds one record per input in input order: an analysed article's prepared rows
(``corpus.rows.ArticleRows``: the article's columns as typed columns, its facts, practices,
themes and band keys as JSON lists), or the reason a stage declined it. With shards a Dask
cluster needs no connection back to the machine that holds the database: the workers write to
shared storage, and the merge runs wherever the SQLite file lives. Columns are plain values, so
a shard can be read by any Parquet reader (DuckDB, pandas); JSON, not pickle, because loading a
shard must never run code.

Needs pyarrow (the ``dask`` extra).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from corpus.rows import ARTICLE_COLUMNS, ArticleRows

# Lists of tuples, stored as JSON text: the order and the exact values (int or float) survive.
_CHILDREN = ("facts", "practices", "practice_themes", "named_methods")
_TEXTS = ("title_tokens", "body_tokens", "normalised")
SHARD_NAME = "part-{:06d}.parquet"
RE_SHARD = re.compile(r"part-(\d+)\.parquet$")


class ShardError(ValueError):
    """A file given as a shard cannot be read as one."""


@dataclass(frozen=True)
class Entry:
    """One input of a shard: ``kind`` "file" (the file could not be read: ``stage``, ``reason``)
    or "source" (an input read from the file: ``rows``, or ``stage`` and ``reason``).
    ``failed``: the job was not done for it (a bug, an unreadable file), not merely declined."""

    part: int
    seq: int
    kind: str
    path: str
    key: str
    source_id: str | None = None
    digest: str | None = None
    rows: ArticleRows | None = None
    stage: str | None = None
    reason: str | None = None
    failed: bool = False


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ShardError("shards need pyarrow: pip install 'wrmine[dask]'") from None
    return pyarrow, pyarrow.parquet


def _schema():
    pa, _ = _pyarrow()

    fields = [("part", pa.int64()), ("seq", pa.int64()), ("kind", pa.string()), ("path", pa.string()),
              ("key", pa.string()), ("source_id", pa.string()), ("digest", pa.string()),
              ("stage", pa.string()), ("reason", pa.string()), ("failed", pa.bool_())]
    fields += [(f"a_{c}", pa.float64() if c == "region_confidence" else pa.string()) for c in ARTICLE_COLUMNS]
    fields += [(c, pa.string()) for c in (*_CHILDREN, "themes", "bands", *_TEXTS)]
    return pa.schema(fields)


def _record(entry: Entry) -> dict:
    record = {"part": entry.part, "seq": entry.seq, "kind": entry.kind, "path": entry.path, "key": entry.key,
              "source_id": entry.source_id, "digest": entry.digest, "stage": entry.stage,
              "reason": entry.reason, "failed": entry.failed}
    rows = entry.rows
    for i, column in enumerate(ARTICLE_COLUMNS):
        record[f"a_{column}"] = rows.article[i] if rows else None
    for name in (*_CHILDREN, "themes", "bands"):
        record[name] = json.dumps(getattr(rows, name), ensure_ascii=False) if rows else None
    for name in _TEXTS:
        record[name] = getattr(rows, name) if rows else None
    return record


def _rows(record: dict) -> ArticleRows | None:
    if record["a_id"] is None:
        return None
    return ArticleRows(
        id=record["a_id"],
        article=tuple(record[f"a_{c}"] for c in ARTICLE_COLUMNS),
        **{name: tuple(map(tuple, json.loads(record[name]))) for name in _CHILDREN},
        themes=tuple(json.loads(record["themes"])),
        bands=tuple(json.loads(record["bands"])),
        **{name: record[name] for name in _TEXTS},
    )


def write_shard(folder: str, part: int, entries: Iterable[Entry]) -> str:
    """Write partition ``part`` to ``folder/part-NNNNNN.parquet`` (atomically: a reader never
    sees half a shard) and return its path."""
    pa, pq = _pyarrow()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, SHARD_NAME.format(part))
    table = pa.Table.from_pylist([_record(e) for e in entries], schema=_schema())
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def shard_files(paths: Iterable[str]) -> list[str]:
    """The shard files named by ``paths`` (files, or folders holding ``part-*.parquet``)."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            out += sorted(os.path.join(path, n) for n in os.listdir(path) if RE_SHARD.search(n))
        else:
            out.append(path)
    return out


def read_shards(paths: Iterable[str]) -> Iterator[Entry]:
    """Every entry of the shards, in input order (by partition, then position), whatever the
    order the files are named in. One shard is in memory at a time."""
    _, pq = _pyarrow()

    def read(path: str, columns: list[str] | None = None):
        try:
            return pq.read_table(path, columns=columns, schema=_schema() if columns is None else None)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            raise ShardError(f"{path}: not a wrmine shard ({type(exc).__name__}: {exc})") from None

    parts = []
    for path in shard_files(paths):
        first = read(path, ["part"]).column("part")
        parts.append((first[0].as_py() if len(first) else -1, path))
    for _, path in sorted(parts):
        for record in sorted(read(path).to_pylist(), key=lambda r: r["seq"]):
            yield Entry(part=record["part"], seq=record["seq"], kind=record["kind"], path=record["path"],
                        key=record["key"], source_id=record["source_id"], digest=record["digest"],
                        rows=_rows(record), stage=record["stage"], reason=record["reason"],
                        failed=bool(record["failed"]))
