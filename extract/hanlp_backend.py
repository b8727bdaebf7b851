"""Optional HanLP backend: place names from a HanLP NER model already on disk, never downloaded.

The default path needs no HanLP at all (our own gazetteer matching). ``--backend hanlp`` adds the
places a local HanLP model recognises as an extra signal for ``resolve_region``. HanLP's
``hanlp.load`` downloads pretrained models at run time, which cannot work offline, so this
module checks everything it can *before* importing ``hanlp`` and fails within a second with a
one-line message that says what to do:

- ``hanlp`` not installed → ``pip install 'wrmine[hanlp]'``;
- no ``HANLP_HOME`` (argument or environment) → where to put models;
- no ``$HANLP_HOME/<kind>/<name>/`` with a HanLP ``config.json`` and ``model.pt`` → the same,
  naming the directory searched (a broken config is reported as such).

Only then does it set ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` and import ``hanlp``
(0.2 s: torch is imported only by the load), loading the model from its directory path, never a
pretrained identifier (``hanlp.load("MSRA_NER_ELECTRA_SMALL_ZH")`` downloads). Those variables do not
stop HanLP itself: a local model whose config names a resource that is not on disk (its
transformer, e.g. ``$HANLP_HOME/transformers/electra_zh_small_…``) makes HanLP download it, retrying
for ~25 s, and a failed load asks PyPI for the latest version. So the load runs with HanLP's
downloader and the socket refusing (see ``offline``): it fails at once, naming the missing file.

>>> load_hanlp_backend(home="/nonexistent")   # doctest: +SKIP
Traceback (most recent call last):
BackendUnavailable: HanLP is not installed: pip install 'wrmine[hanlp]' ...
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import socket
from collections.abc import Callable, Iterable, Iterator
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
# What HanLP's own downloads leave under its home: <kind>/<name>/{config.json,model.pt,vocabs.json}
# plus transformers/<name>/ for the encoder the model names; copying ~/.hanlp over works.
MODEL_FILES: tuple[str, ...] = ("config.json", "model.pt")
MODELS_HINT = ("put a HanLP model at $HANLP_HOME/<kind>/<name>/ (config.json, model.pt; "
               f"kind: {' or '.join(MODEL_KINDS)}) with the transformers/ it needs, e.g. a copy of "
               "~/.hanlp from a machine that downloaded it; wrmine never downloads models")
RE_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
# A clause ends at a comma-like mark; long sentences are packed clause by clause.
RE_CLAUSE = re.compile(r"[^，,；;：:、]+[，,；;：:、]?|[，,；;：:、]")
# HanLP's splitter ends sentences at 。！？? and …… but not at the half-width "!".
RE_BANG = re.compile(r"[^!]+!?")
MAX_SENTENCE = 126   # HanLP transformer models take ≤ 128 positions with [CLS]/[SEP]


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here; ``str(exc)`` is one line saying how to fix it."""


@dataclass(frozen=True, slots=True)
class HanlpBackend:
    """A loaded local HanLP model that finds place names in text."""

    model: Any
    model_dir: Path
    kind: str
    # HanLP's rule-based splitter once loaded (what its models were trained on), else a regex.
    split: Callable[[str], Iterable[str]] = RE_SENTENCE.findall

    def find_places(self, text: str) -> list[str]:
        """Place names the model tags in ``text`` (simplified), in order of appearance.

        >>> backend.find_places("太原市晋源区金胜镇开展活动。")   # doctest: +SKIP
        ['太原市', '晋源区', '金胜镇']
        """
        sentences = model_inputs(text, self.split)
        if not sentences:
            return []
        if self.kind == "ner":
            output = self.model([list(s) for s in sentences])
        else:
            output = self.model(sentences, tasks="ner")
        return list(place_names(output))


def model_inputs(text: str, split: Callable[[str], Iterable[str]] = RE_SENTENCE.findall,
                 limit: int = MAX_SENTENCE) -> list[str]:
    """Sentences of ``text`` no longer than ``limit``: long ones are packed clause by clause.

    A model sees at most ``limit`` characters; cutting a sentence there would drop every place
    after it, so long sentences become several inputs, broken after a comma where one fits.

    >>> model_inputs("长沙市天心区开展活动！老党员参加!效果好。", limit=8)
    ['长沙市天心区开展', '活动！', '老党员参加!', '效果好。']
    >>> model_inputs("一，二，三，四。", limit=4)
    ['一，二，', '三，四。']
    """
    inputs: list[str] = []
    for sentence in split(text):
        for piece in RE_BANG.findall(sentence):
            if piece.strip():
                inputs.extend(pack(RE_CLAUSE.findall(piece), limit))
    return inputs


def pack(clauses: list[str], limit: int) -> Iterator[str]:
    """Consecutive clauses joined into pieces of at most ``limit`` characters."""
    piece = ""
    for clause in clauses:
        while len(clause) > limit:  # one clause longer than a whole input: cut it hard
            if piece:
                yield piece
                piece = ""
            yield clause[:limit]
            clause = clause[limit:]
        if len(piece) + len(clause) > limit:
            yield piece
            piece = ""
        piece += clause
    if piece:
        yield piece


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
    """The first usable local model directory under ``home``, and its kind.

    Directories are tried in order (kind, then name); when none is usable the first one's
    problem is the message, so a broken model is not reported as a missing one.
    """
    problems: list[str] = []
    for kind in MODEL_KINDS:
        for model_dir in sorted(p for p in (home / kind).glob("*") if p.is_dir()):
            problem = model_problem(model_dir)
            if problem is None:
                return model_dir, kind
            problems.append(problem)
    if problems:
        raise BackendUnavailable(f"{problems[0]}: {MODELS_HINT}")
    raise BackendUnavailable(f"no HanLP model found under HANLP_HOME={home}: {MODELS_HINT}")


def model_problem(model_dir: Path) -> str | None:
    """Why ``model_dir`` is not a loadable HanLP model, from its files alone; None when it looks so.

    HanLP itself answers a config without ``classpath`` with a bare AssertionError and
    a missing ``model.pt`` only after importing torch (3 s): checked here first.
    """
    missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
    if missing:
        return f"HanLP model {model_dir} lacks {', '.join(missing)}"
    config_path = model_dir / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"HanLP model config {config_path} is unreadable ({type(exc).__name__}: {exc})"
    classpath = config.get("classpath") if isinstance(config, dict) else None
    if not (isinstance(classpath, str) and classpath.startswith("hanlp.")):
        return f"{config_path} is not a HanLP model config (no hanlp.* classpath)"
    return None


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


def refuse_network(*args: Any, **kwargs: Any) -> Any:
    """Stands in for socket connects and look-ups while a model loads."""
    raise ConnectionRefusedError(f"wrmine loads HanLP models offline; refused network access {args[1:2]!r}")


def refuse_download(url: str, save_path: str | None = None, *args: Any, **kwargs: Any) -> str:
    """Stands in for ``hanlp.utils.io_util.download``: name the file instead of fetching it."""
    raise BackendUnavailable(f"the model needs {save_path or url}, which is not on disk "
                             f"(HanLP would download {url.split('#')[0]}): {MODELS_HINT}")


@contextlib.contextmanager
def offline(io_util: Any) -> Iterator[io.StringIO]:
    """No network while the block runs: HanLP's downloader and every socket connect refuse.

    Yields what HanLP prints to stderr meanwhile: its failure report is a page long
    (and ends with a PyPI version check); wrmine reports one line instead.
    """
    patches = [(io_util, "download", refuse_download), (socket, "getaddrinfo", refuse_network),
               (socket, "create_connection", refuse_network),
               (socket.socket, "connect", refuse_network), (socket.socket, "connect_ex", refuse_network)]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    stderr = io.StringIO()
    try:
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        with contextlib.redirect_stderr(stderr):
            yield stderr
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def load_error(exc: BaseException, model_dir: Path) -> BackendUnavailable:
    """One line for a failed load: our own refusal if it is in the chain, else the first cause.

    HanLP reports load failures from inside an ``except`` block that imports ``pkg_resources``
    (gone from setuptools ≥ 81 and from bare venvs), so the error raised is often
    ``No module named 'pkg_resources'`` with the real one as its context.
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for error in chain:
        if isinstance(error, BackendUnavailable):
            return error
    real = [e for e in chain if not (isinstance(e, ImportError) and e.name == "pkg_resources")]
    cause = real[0] if real else exc
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return BackendUnavailable(f"HanLP could not load {model_dir}: {type(cause).__name__}: {first_line}")


# What HanLP's load raises for a broken model: bad files (OSError, pickle and zip errors as
# RuntimeError/ValueError/EOFError), missing or unknown classes (ImportError, AttributeError),
# config fields the class does not take (TypeError, KeyError), its own asserts.
LOAD_ERRORS = (OSError, ValueError, RuntimeError, KeyError, ImportError, AttributeError, TypeError,
               AssertionError, EOFError)


def load_hanlp_backend(home: str | os.PathLike | None = None) -> HanlpBackend:
    """Load a local HanLP NER model, offline; BackendUnavailable when that cannot work."""
    model_dir, kind = check_hanlp(home)
    # HanLP resolves a model's dependencies under HANLP_HOME, read once at import.
    os.environ["HANLP_HOME"] = str(model_dir.parent.parent)
    for name, value in OFFLINE_ENV.items():
        os.environ[name] = value  # before the import: transformers reads them once
    import hanlp  # noqa: PLC0415 - only after the checks, and only for this backend
    from hanlp.utils import io_util  # noqa: PLC0415
    from hanlp.utils.rules import split_sentence  # noqa: PLC0415

    try:
        with offline(io_util):
            model = hanlp.load(str(model_dir), verbose=False)
    except LOAD_ERRORS as exc:
        raise load_error(exc, model_dir) from exc
    return HanlpBackend(model, model_dir, kind, split=split_sentence)


def load_backend(name: str, home: str | os.PathLike | None = None) -> HanlpBackend | None:
    """The backend for a ``--backend`` value: None for the default (gazetteer only)."""
    if name == "default":
        return None
    if name == "hanlp":
        return load_hanlp_backend(home)
    raise BackendUnavailable(f"Unknown backend {name!r}. Backends: {', '.join(BACKENDS)}")
