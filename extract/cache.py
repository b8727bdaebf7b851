"""An on-disk cache for structures derived from data files (jieba's tables, the gazetteer trie).

Building them from their source files costs seconds at every start; unpickling costs a
fraction. An entry is keyed by the content hash of its source files, the versions of the
libraries that build it, Python's version and ``FORMAT_VERSION``, so an edited table or an
upgraded library simply misses. The cache is an optimisation only: a missing, corrupt or
unwritable cache (read-only home, full disk) falls back to building from the sources.

Where: ``$WRMINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/wrmine``, else ``~/.cache/wrmine``;
``WRMINE_CACHE_DIR=`` (empty) turns the cache off.

>>> cached("例子", [], lambda: {"经验": "n"}, versions=("demo",))   # doctest: +SKIP
{'经验': 'n'}
"""
from __future__ import annotations

import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")

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
        with open(source, "rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()[:24]


def cached(name: str, sources: Iterable[Path], build: Callable[[], T], *,
           versions: Iterable[str] = (), pickler: Callable[[io.BytesIO], pickle.Pickler] | None = None) -> T:
    """``build()``, or its pickled result from an earlier run with the same sources.

    ``pickler`` makes a custom ``pickle.Pickler`` for the file (a ``dispatch_table`` that
    writes frozen dataclasses as constructor calls, which load several times faster).
    """
    directory = cache_dir()
    try:
        path = None if directory is None else directory / f"{name}-{cache_key(name, sources, versions)}.pickle"
    except OSError:
        path = None
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
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getbuffer())
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
