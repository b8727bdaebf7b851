"""Optional HanLP backend: place names from a HanLP NER model already on disk, never downloaded.

The default path needs only ``hanlp-trie`` (gazetteer matching). ``--backend hanlp`` adds the
places a local HanLP model recognises as an extra signal for ``resolve_region``. HanLP's
``hanlp.load`` downloads pretrained models at run time, which cannot work offline, so this
module checks everything it can *before* importing ``hanlp`` and fails within a second with a
one-line message that says what to do:

- ``hanlp`` not installed → ``pip install 'wrmine[hanlp]'``;
- no ``HANLP_HOME`` (argument or environment) → where to put models;
- no ``$HANLP_HOME/<kind>/<name>/config.json`` → the same, naming the directory searched.

Only then does it set ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` and import ``hanlp``,
loading the model from its directory path (a path, never a pretrained identifier or URL).

>>> load_hanlp_backend(home="/nonexistent")   # doctest: +SKIP
Traceback (most recent call last):
BackendUnavailable: HanLP is not installed: pip install 'wrmine[hanlp]' ...
"""
from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BACKENDS: tuple[str, ...] = ("default", "hanlp")
# Model kinds that can find place names, in order of preference: single-task NER models take
# characters; multi-task (mtl) models tokenise raw sentences themselves.
MODEL_KINDS: tuple[str, ...] = ("ner", "mtl")
# NER labels of places in HanLP's tag sets (MSRA: NS; OntoNotes: GPE, LOC; PKU: ns).
PLACE_LABELS = frozenset({"NS", "ns", "GPE", "LOC", "LOCATION"})
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
INSTALL_HINT = "pip install 'wrmine[hanlp]'"
MODELS_HINT = ("put a downloaded HanLP model at $HANLP_HOME/<kind>/<name>/config.json "
               f"(kind: {' or '.join(MODEL_KINDS)}); wrmine never downloads models")
RE_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
MAX_SENTENCE = 126   # HanLP transformer models take ≤ 128 positions with [CLS]/[SEP]


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here; ``str(exc)`` is one line saying how to fix it."""


@dataclass(frozen=True, slots=True)
class HanlpBackend:
    """A loaded local HanLP model that finds place names in text."""

    model: Any
    model_dir: Path
    kind: str

    def find_places(self, text: str) -> list[str]:
        """Place names the model tags in ``text`` (simplified), in order of appearance.

        >>> backend.find_places("太原市晋源区金胜镇开展活动。")   # doctest: +SKIP
        ['太原市', '晋源区', '金胜镇']
        """
        sentences = [s[:MAX_SENTENCE] for s in RE_SENTENCE.findall(text) if s.strip()]
        if not sentences:
            return []
        if self.kind == "ner":
            output = self.model([list(s) for s in sentences])
        else:
            output = self.model(sentences, tasks="ner")
        return list(place_names(output))


def place_names(output: Any) -> Iterable[str]:
    """Entity strings with a place label from any HanLP NER output shape.

    Single-task models give ``[[(entity, label, start, end), …], …]``; multi-task models give a
    ``Document`` (a dict) whose ``ner/…`` entries have that shape.

    >>> list(place_names({"ner/msra": [[("长沙市", "NS", 0, 3), ("老干部局", "NT", 3, 7)]]}))
    ['长沙市']
    """
    if isinstance(output, dict):
        for key, value in output.items():
            if str(key).startswith("ner"):
                yield from place_names(value)
        return
    if isinstance(output, (list, tuple)):
        if len(output) >= 2 and isinstance(output[0], (str, list)) and isinstance(output[1], str):
            if output[1] not in PLACE_LABELS:
                return
            entity = output[0]
            yield entity if isinstance(entity, str) else "".join(entity)
            return
        for item in output:
            if isinstance(item, (list, tuple, dict)):
                yield from place_names(item)


def find_model(home: Path) -> tuple[Path, str]:
    """The first local model directory under ``home`` with a config.json, and its kind."""
    for kind in MODEL_KINDS:
        for config in sorted((home / kind).glob("*/config.json")):
            return config.parent, kind
    raise BackendUnavailable(f"no HanLP model found under HANLP_HOME={home}: {MODELS_HINT}")


def check_hanlp(home: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Everything that can be checked without importing hanlp; returns (model dir, kind).

    Raises BackendUnavailable with a one-line, actionable message.
    """
    if importlib.util.find_spec("hanlp") is None:
        raise BackendUnavailable(f"HanLP is not installed: {INSTALL_HINT} (or use --backend default)")
    home = home or os.environ.get("HANLP_HOME")
    if not home:
        raise BackendUnavailable(f"HANLP_HOME is not set: {MODELS_HINT}")
    path = Path(home).expanduser()
    if not path.is_dir():
        raise BackendUnavailable(f"HANLP_HOME={path} is not a directory: {MODELS_HINT}")
    return find_model(path)


def load_hanlp_backend(home: str | os.PathLike | None = None) -> HanlpBackend:
    """Load a local HanLP NER model, offline; BackendUnavailable when that cannot work."""
    model_dir, kind = check_hanlp(home)
    os.environ["HANLP_HOME"] = str(model_dir.parent.parent)
    for name, value in OFFLINE_ENV.items():
        os.environ[name] = value  # before the import: transformers reads them once
    import hanlp  # noqa: PLC0415 - only after the checks, and only for this backend

    try:
        model = hanlp.load(str(model_dir))
    except (OSError, ValueError, RuntimeError, KeyError, ImportError) as exc:
        raise BackendUnavailable(f"HanLP could not load {model_dir}: {type(exc).__name__}: {exc}"
                                 .splitlines()[0]) from exc
    return HanlpBackend(model, model_dir, kind)


def load_backend(name: str, home: str | os.PathLike | None = None) -> HanlpBackend | None:
    """The backend for a ``--backend`` value: None for the default (gazetteer only)."""
    if name == "default":
        return None
    if name == "hanlp":
        return load_hanlp_backend(home)
    raise BackendUnavailable(f"Unknown backend {name!r}. Backends: {', '.join(BACKENDS)}")
