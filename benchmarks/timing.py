"""Timing helpers shared by the benchmarks (not a ``bench_*.py``: ``wrmine bench`` runs those).

The benchmark scripts run as ``python benchmarks/bench_x.py``, so this folder is on ``sys.path``
and ``from timing import per_second`` works from each of them.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence


def per_second(func: Callable, items: Sequence, repeat: int = 1) -> float:
    """Items per second of ``func`` applied to every item, ``repeat`` times over (one core).

    >>> per_second(len, ["示例"] * 10, 2) > 0
    True
    """
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            func(item)
    return len(items) * repeat / (time.perf_counter() - start)


def best_of(fn: Callable[[], object], rounds: int = 3) -> float:
    """The shortest wall time in seconds of ``rounds`` calls of ``fn`` (the least disturbed by
    other load on a shared machine)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
