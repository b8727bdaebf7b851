"""An on-disk cache for structures derived from data files (jieba's tables, the gazetteer).

Building them from their source files costs seconds at every start; unpickling costs a
fraction. An entry is keyed by the content hash of its source files, the versions of the
libraries that build it, Python's version and ``FORMAT_VERSION``, so an edited table or an
upgraded library simply misses. The cache is an optimisation only: a missing, corrupt or
unwritable cache (read-only home, full disk) falls back to building from the sources.

Where: ``$WRMINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/wrmine``, else ``~/.cache/wrmine``;
``WRMINE_CACHE_DIR=`` (empty) turns the cache off.

Large word tables (jieba's 500k-entry prefix table) are ``cached_table`` entries instead: one
file of shards, a shard per first character, read through ``mmap`` and decoded only when a
word starting with that character is looked up. A one-file ``predict`` touches under a tenth
of the table, and decoding all of it cost a third of that command's time.

>>> cached("例子", [], lambda: {"经验": "n"}, versions=("demo",))   # doctest: +SKIP
{'经验': 'n'}
"""
from __future__ import annotations

import functools
import gc
import hashlib
import io
import marshal
import mmap
import os
import pickle
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
V = TypeVar("V")

# Bump when the layout of any cached structure changes (fields of Division, tags format …).
FORMAT_VERSION = 1
ENV_VAR = "WRMINE_CACHE_DIR"
# What a truncated, corrupt or foreign pickle raises on load: any of these means "rebuild".
LOAD_ERRORS = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
               AttributeError, ImportError, IndexError, KeyError, MemoryError)


def cache_dir() -> Path | None:
    """The cache directory (not created here), or None when the cache is turned off."""
    configured = os.environ.get(ENV_VAR)
    if configured is not None:
        return Path(configured).expanduser() if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wrmine"


def cache_key(name: str, sources: Iterable[Path], versions: Iterable[str]) -> str:
    """Hex digest over the sources' bytes and everything else that shapes the built structure."""
    digest = hashlib.sha256()
    for part in (name, str(FORMAT_VERSION), sys.version, *versions):
        digest.update(part.encode("utf-8") + b"\0")
    for source in sources:
        st = os.stat(source)
        digest.update(_file_digest(os.fspath(source), st.st_size, st.st_mtime_ns))
    return digest.hexdigest()[:24]


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> bytes:
    """sha256 of a file, once per process for a given size and mtime: jieba's 5 MB
    dictionary is a source of four entries (8 ms each time it is hashed). Only a file
    rewritten in the same process with the same size and mtime (ns) would keep its old digest."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def _entry_path(name: str, sources: Iterable[Path], versions: Iterable[str], suffix: str) -> Path | None:
    """Where the entry for these sources lives; None when the cache is off or a source is
    unreadable (then the structure is built, not cached)."""
    directory = cache_dir()
    try:
        return None if directory is None else directory / f"{name}-{cache_key(name, sources, versions)}{suffix}"
    except OSError:
        return None


def cached(name: str, sources: Iterable[Path], build: Callable[[], T], *,
           versions: Iterable[str] = (), pickler: Callable[[io.BytesIO], pickle.Pickler] | None = None) -> T:
    """``build()``, or its pickled result from an earlier run with the same sources.

    ``pickler`` makes a custom ``pickle.Pickler`` for the file (a ``dispatch_table`` that
    writes frozen dataclasses as constructor calls, which load several times faster).
    """
    path = _entry_path(name, sources, versions, ".pickle")
    if path is None:
        value = build()
        _settle()
        return value
    stamp = path.stem
    entry = _load(path)
    # A file that unpickles to something else (a foreign or garbled entry) is a miss too.
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp:
        value = entry[1]
    else:
        value = build()
        _store(path, (stamp, value), pickler)
    _settle()
    return value


def _settle() -> None:
    """Hide the loaded tables from the cyclic collector for the rest of the process.

    They live as long as the process (``lru_cache``), but every full collection — during the
    run and once more at exit — would walk their ~10^6 objects (trie nodes, candidates):
    that cost more than the whole analysis of a short article (1 s of a 2.4 s ``predict``).
    """
    gc.freeze()  # no collect() first: that would be the very walk we avoid


def _load(path: Path) -> Any:
    try:
        if not _own_file(path):
            return None
        data = path.read_bytes()  # one read: pickle.load on a file object reads in small pieces
    except OSError:
        return None
    # Hundreds of thousands of new objects would trigger full collections that find nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    except LOAD_ERRORS:
        return None
    finally:
        if was_enabled:
            gc.enable()


def _own_file(path: Path) -> bool:
    """Unpickling runs code, so only our own entries are loaded: a file another user owns, or
    one that others may write to, is a miss (and is replaced by a fresh entry). See SECURITY.md."""
    st = path.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


class ShardedTable:
    """A read-only ``str → value`` table decoded one first-character shard at a time.

    ``get``/``in``/``[]`` behave as on the dict it was built from; ``shard(ch)`` is the dict of
    the keys starting with ``ch`` (shared, do not mutate). Values are what ``marshal`` writes:
    str, int, float, tuples of those.

    >>> table = ShardedTable.from_dict({"经验": "n", "经": "v", "做法": "n"})
    >>> table.get("经验"), table.get("没有", "x"), sorted(table.shard("经"))
    ('n', 'x', ['经', '经验'])
    """

    def __init__(self, index: dict[str, tuple[int, int]], data: bytes | mmap.mmap) -> None:
        self._index, self._data = index, data
        self._shards: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_dict(cls, table: dict[str, Any]) -> "ShardedTable":
        """The table held in memory, already split (no file): the cache is turned off."""
        made = cls({}, b"")
        made._shards = _split(table)
        return made

    def shard(self, first: str) -> dict[str, Any]:
        shard = self._shards.get(first)
        if shard is None:
            where = self._index.get(first)
            shard = {} if where is None else marshal.loads(self._data[where[0]:where[0] + where[1]])
            self._shards[first] = shard
        return shard

    def get(self, key: str, default: Any = None) -> Any:
        shard = self._shards.get(key[:1])   # the hot path: a shard already decoded
        if shard is None:
            shard = self.shard(key[:1])
        return shard.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.shard(key[:1])[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.shard(key[:1])

    def __len__(self) -> int:
        return sum(len(self.shard(first)) for first in self._firsts())

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every entry (decodes every shard): for tests and rebuilds, not for the hot path."""
        for first in self._firsts():
            yield from self.shard(first).items()

    def _firsts(self) -> list[str]:
        return list(dict.fromkeys([*self._index, *self._shards]))

    def to_dict(self) -> dict[str, Any]:
        return dict(self.items())


def _split(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """first character → the entries whose key starts with it."""
    shards: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        shards.setdefault(key[:1], {})[key] = value
    return shards


def _shard_blobs(table: dict[str, Any]) -> tuple[dict[str, tuple[int, int]], bytes]:
    """(first character → (offset, length) into the blob, the blob of marshalled shards)."""
    index, parts, offset = {}, [], 0
    for first, shard in _split(table).items():
        blob = marshal.dumps(shard)
        index[first] = (offset, len(blob))
        parts.append(blob)
        offset += len(blob)
    return index, b"".join(parts)


# A table file: 8-byte header length, then marshal((stamp, index)), then the shards' blob.
_HEADER = struct.Struct("<Q")


def cached_table(name: str, sources: Iterable[Path], build: Callable[[], dict[str, Any]], *,
                 versions: Iterable[str] = ()) -> ShardedTable:
    """``ShardedTable`` of ``build()``, mapped from an earlier run's file with the same sources.

    marshal, unlike pickle, runs no code; the file is still only read when it is our own
    (a crafted marshal stream can crash the interpreter).
    """
    path = _entry_path(name, sources, versions, ".table")
    if path is None:
        return ShardedTable.from_dict(build())
    table = _map_table(path, path.stem)
    if table is not None:
        return table
    index, blob = _shard_blobs(build())
    header = marshal.dumps((path.stem, index))
    _write(path, _HEADER.pack(len(header)) + header + blob)
    return ShardedTable(index, blob)


def _map_table(path: Path, stamp: str) -> ShardedTable | None:
    """The table in ``path``, or None for a missing, foreign, garbled, truncated or stale file."""
    try:
        if not _own_file(path):
            return None
        with open(path, "rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):   # ValueError: an empty file cannot be mapped
        return None
    try:
        index = _read_index(data, stamp)
    except (struct.error, EOFError, ValueError, TypeError, OverflowError):
        index = None
    if index is None:
        data.close()
        return None
    return ShardedTable(index, data)


def _read_index(data: mmap.mmap, stamp: str) -> dict[str, tuple[int, int]] | None:
    """The shard index with offsets into ``data``, checked to lie inside it (a truncated file
    would otherwise fail at a lookup, mid-run)."""
    (length,) = _HEADER.unpack_from(data, 0)
    entry = marshal.loads(data[_HEADER.size:_HEADER.size + length])
    if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp and isinstance(entry[1], dict)):
        return None
    start = _HEADER.size + length
    index = {first: (start + offset, size) for first, (offset, size) in entry[1].items()}
    if any(offset + size > len(data) for offset, size in index.values()):
        return None
    return index


def _store(path: Path, value: Any, pickler: Callable[[io.BytesIO], pickle.Pickler] | None) -> None:
    """Write atomically (temp file + ``os.replace``): a concurrent reader sees all or nothing."""
    buffer = io.BytesIO()
    # The gazetteer trie nests one call level per character of the longest name.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        (pickler(buffer) if pickler else pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)).dump(value)
    except (pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return
    finally:
        sys.setrecursionlimit(limit)
    _write(path, buffer.getbuffer())


def _write(path: Path, data: bytes | memoryview) -> None:
    """Write atomically (temp file + ``os.replace``); a failure leaves the run uncached."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # read-only or full: stay uncached, never fail the run
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
