"""A module imported on first use.

The store pulls in sqlite-utils (and numpy through it), the library the whole pipeline: half a
second of imports that `wrmine --help`, a usage error or a one-file `predict` (which never
opens a database) should not pay.

>>> json = LazyModule("json")
>>> json.dumps([1])
'[1]'
"""
from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name``; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)
