"""Ordered parallel map: run a pure function over a stream of tasks in this process, in a
process pool, or on a Dask cluster, and hand the results back in input order.

One writer (the caller) stores the results in the order the inputs came, so the database is
the same whatever ran the tasks. The stream is consumed lazily, with a bounded number of tasks
in flight: memory stays flat however many inputs there are, and the caller may read the
database between tasks (to skip an unchanged input before it is sent anywhere). Tasks travel
in small chunks (``CHUNK``): one message each way per chunk, not per task, because every
message costs CPU on the writer's core, which the writer needs for itself.

An item of the stream is either a ``Task`` (run it) or anything else (passed through, in
order, untouched: an input already known to be unchanged, a file that could not be read).

>>> [r.value if isinstance(r, Done) else r for r in ordered_map(len, [Task(("党建",)), "x", Task(("",))])]
[2, 'x', 0]
"""
from __future__ import annotations

import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Task:
    """Arguments of one call of the mapped function, and what the caller wants back with it."""

    args: tuple
    tag: Any = None


@dataclass(frozen=True)
class Done:
    """The outcome of one Task: ``value``, or ``error`` (the exception it raised)."""

    task: Task
    value: Any = None
    error: BaseException | None = None


class RemoteError(Exception):
    """An exception a worker raised that could not be sent back as itself (not picklable)."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name

    def __reduce__(self):
        # It travels back from the worker itself: rebuilt from both fields, not from ``args``.
        return type(self), (self.type_name, str(self))


def default_workers() -> int:
    """The cores this process may use (the CPU affinity mask, not the machine's core count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


# --- Worker side ---------------------------------------------------------------------------------

_INIT: dict[str, Any] = {}


def _init_worker(state: dict) -> None:
    _INIT.update(state)


def worker_state(name: str, default: Any = None) -> Any:
    """What the caller gave every worker process at start (``ordered_map(state=...)``)."""
    return _INIT.get(name, default)


def call(fn: Callable, args: tuple) -> tuple[str, Any]:
    """Run one task in a worker: ("ok", value) or ("error", exception). An error travels as a
    value, so one bad input never looks like a broken worker."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001 - reported to the caller, per input
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot travel travels as text
            exc = RemoteError(type(exc).__name__, str(exc))
        return "error", exc


def call_chunk(fn: Callable, chunk: tuple[tuple, ...]) -> list[tuple[str, Any]]:
    """``call`` for several tasks sent together: one message each way instead of one per task."""
    return [call(fn, args) for args in chunk]


# --- Caller side ---------------------------------------------------------------------------------

def ordered_map(fn: Callable, items: Iterable, workers: int = 1, engine: str = "local",
                scheduler: Any = None, state: dict | None = None, window: int | None = None,
                inline_first: int = 1) -> Iterator:
    """``Done`` for each ``Task`` of ``items`` (and every other item as it is), in input order.

    ``engine="local"``: ``workers`` processes (1: this process). ``engine="dask"``: the Dask
    distributed scheduler at ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``, or a
    ``Client``). ``state`` is given to every local worker at start (``worker_state``).
    The first ``inline_first`` tasks run in this process: a one-file batch starts no pool, and
    forked workers inherit whatever the first task loaded (models, tables).
    """
    if engine not in ENGINES:
        raise ValueError(f"Unknown engine {engine!r}. Engines: {', '.join(ENGINES)}")
    _init_worker(state or {})
    items = iter(items)
    if engine == "dask":
        yield from _dask_map(fn, items, scheduler, window)
        return
    inline = 0
    for item in items:
        if not isinstance(item, Task):
            yield item
            continue
        yield _done(item, call(fn, item.args))
        inline += 1
        if workers > 1 and inline >= inline_first:
            break
    else:
        return
    yield from _pool_map(fn, items, workers, state or {}, window or workers * 3)


def _done(task: Task, outcome: tuple[str, Any]) -> Done:
    kind, value = outcome
    return Done(task, value=value) if kind == "ok" else Done(task, error=value)


# Tasks travel in chunks of CHUNK: the per-message cost (pickling, a pipe write or a scheduler
# round trip, waking the pool's threads) is paid once per chunk, on the writer's core. Small
# enough that the last chunk of a batch leaves a core idle only briefly.
CHUNK = 4


@dataclass(frozen=True)
class _Chunk:
    tasks: tuple[Task, ...]
    future: Any


def _chunked(submit: Callable, fn: Callable, items: Iterator, window: int, chunk: int) -> Iterator:
    """Send the Tasks of ``items`` in chunks (``submit(call_chunk, fn, args)`` → a future) with
    at most ``window`` chunks in flight, and yield the outcomes and the other items in order."""
    pending: deque = deque()
    gathered: list[Task] = []

    def send() -> None:
        tasks = tuple(gathered)
        gathered.clear()
        pending.append(_Chunk(tasks, submit(call_chunk, fn, tuple(t.args for t in tasks))))

    def drain(limit: int) -> Iterator:
        while len(pending) > limit:
            item = pending.popleft()
            if isinstance(item, _Chunk):
                yield from map(_done, item.tasks, item.future.result())
            else:
                yield item

    try:
        for item in items:
            if isinstance(item, Task):
                gathered.append(item)
                if len(gathered) < chunk:
                    continue
                send()
            else:
                if gathered:   # an item passed through keeps its place after the tasks before it
                    send()
                pending.append(item)
            yield from drain(window)
        if gathered:
            send()
        yield from drain(0)
    finally:
        for item in pending:
            if isinstance(item, _Chunk):
                item.future.cancel()


def _pool_map(fn: Callable, items: Iterator, workers: int, state: dict, window: int) -> Iterator:
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers start at once with everything this process has loaded (models, tables);
    # spawn where fork does not exist. gc.freeze: a forked worker's collector never walks the
    # inherited objects, so fewer of their pages are copied into it.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    gc.freeze()   # not undone: the tables' loader (extract.cache) froze them for good too
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(state,)) as pool:
        yield from _chunked(pool.submit, fn, items, window, CHUNK)


def _dask_map(fn: Callable, items: Iterator, scheduler: Any, window: int | None) -> Iterator:
    try:
        from dask.distributed import Client
    except ImportError:
        raise RuntimeError("the dask engine needs Dask: pip install 'wrmine[dask]'") from None
    own = not isinstance(scheduler, Client)
    if own and not scheduler:
        raise ValueError("the dask engine needs a scheduler address (--scheduler tcp://HOST:8786)")
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        if window is None:
            window = max(4, 3 * sum(client.nthreads().values()))

        def submit(*args):
            return client.submit(*args, pure=False)

        yield from _chunked(submit, fn, items, window, CHUNK)
    finally:
        if own:
            client.close()
