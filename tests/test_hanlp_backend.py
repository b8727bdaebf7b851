"""The optional HanLP backend: gating without hanlp, without models, and without the network.

A fake ``hanlp`` package on ``sys.path`` stands in for the real one (which pulls ~1 GB of
torch): one that fails if imported proves the checks run before the import; one with a
``load`` proves the model is loaded from its local directory, offline.
"""
from __future__ import annotations

import importlib
import json
import socket
import sys
import textwrap

import pytest
from click.testing import CliRunner

from corpus.article import Article
from extract.hanlp_backend import (
    BackendUnavailable, HanlpBackend, load_backend, load_hanlp_backend, place_names,
)
from extract.places import resolve_region

REAL_HANLP = importlib.util.find_spec("hanlp") is not None

# A hanlp package whose import is itself a test failure.
FORBIDDEN_HANLP = "raise ImportError('hanlp must not be imported before the checks pass')\n"
# A hanlp package that loads a model only from a local directory, and only offline.
FAKE_HANLP = textwrap.dedent('''
    import os
    IMPORT_ENV = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HANLP_HOME")}

    def load(path, **kwargs):
        assert os.path.isfile(os.path.join(path, "config.json")), path
        def model(sentences, **kw):
            out = []
            for chars in sentences:
                s = "".join(chars)
                out.append([(name, "NS", s.find(name), s.find(name) + len(name))
                            for name in ("长沙市", "天心区") if name in s]
                           + [("老干部局", "NT", 0, 4)])
            return out
        return model
''')
# The submodules the loader takes from the real package: its downloader and its sentence splitter.
FAKE_UTILS = {
    "utils/__init__.py": "",
    "utils/io_util.py": "def download(url, save_path=None, **kwargs):\n    raise AssertionError(url)\n",
    "utils/rules.py": "def split_sentence(text, best=True):\n    return [s + '。' for s in text.split('。') if s]\n",
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
def fake_hanlp(tmp_path, monkeypatch):
    """Install a fake ``hanlp`` package with the given source; returns its directory."""
    def install(source: str):
        pkg = tmp_path / "site" / "hanlp"
        (pkg / "utils").mkdir(parents=True)
        (pkg / "__init__.py").write_text(source, encoding="utf-8")
        for name, text in FAKE_UTILS.items():
            (pkg / name).write_text(text, encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        # A real hanlp imported by another test comes back at teardown (monkeypatch restores it).
        for name in [m for m in sys.modules if m == "hanlp" or m.startswith("hanlp.")]:
            monkeypatch.delitem(sys.modules, name)
        importlib.invalidate_caches()
        return pkg
    yield install
    for name in [m for m in sys.modules if m == "hanlp" or m.startswith("hanlp.")]:
        sys.modules.pop(name)


@pytest.fixture
def model_home(tmp_path, monkeypatch):
    """A HANLP_HOME with one (fake) local NER model; the variables the loader sets are restored."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HANLP_HOME"):
        monkeypatch.setenv(name, "unset")  # records the original value for teardown
        monkeypatch.delenv(name)
    home = tmp_path / "hanlp_home"
    model = home / "ner" / "msra_ner_electra_small_20220215_205503"
    model.mkdir(parents=True)
    (model / "config.json").write_text(json.dumps({"classpath": "hanlp.fake.Ner"}), encoding="utf-8")
    (model / "model.pt").write_bytes(b"weights")
    return home


@pytest.mark.skipif(REAL_HANLP, reason="hanlp is installed here")
def test_load_hanlp_backend_not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("HANLP_HOME", str(tmp_path))
    with pytest.raises(BackendUnavailable, match=r"pip install 'wrmine\[hanlp\]'"):
        load_hanlp_backend()
    assert "hanlp" not in sys.modules


def test_load_hanlp_backend_empty_home_never_imports(fake_hanlp, tmp_path):
    fake_hanlp(FORBIDDEN_HANLP)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BackendUnavailable, match="no HanLP model found") as info:
        load_hanlp_backend(home=empty)
    assert str(empty) in str(info.value) and "config.json" in str(info.value)
    assert "\n" not in str(info.value)
    assert "hanlp" not in sys.modules


def test_load_hanlp_backend_no_home(fake_hanlp, monkeypatch):
    fake_hanlp(FORBIDDEN_HANLP)
    monkeypatch.delenv("HANLP_HOME", raising=False)
    with pytest.raises(BackendUnavailable, match="HANLP_HOME is not set"):
        load_hanlp_backend()
    assert "hanlp" not in sys.modules


def test_load_hanlp_backend_home_missing(fake_hanlp, tmp_path):
    fake_hanlp(FORBIDDEN_HANLP)
    with pytest.raises(BackendUnavailable, match="is not a directory"):
        load_hanlp_backend(home=tmp_path / "nowhere")


def test_load_hanlp_backend_local_model_offline(fake_hanlp, model_home):
    fake_hanlp(FAKE_HANLP)
    backend = load_hanlp_backend(home=model_home)
    import hanlp

    assert hanlp.IMPORT_ENV == {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                                "HANLP_HOME": str(model_home)}
    assert backend.kind == "ner" and backend.model_dir.parent.parent == model_home
    assert backend.find_places("长沙市天心区老干部局开展活动。") == ["长沙市", "天心区"]


def test_backend_places_feed_resolve_region(fake_hanlp, model_home):
    fake_hanlp(FAKE_HANLP)
    backend = load_hanlp_backend(home=model_home)
    article = Article("x", "老干部局开展活动，参加的老同志很多。")
    assert resolve_region(article) == resolve_region(Article("y", ""))
    places = backend.find_places("长沙市天心区开展活动。天心区老党员积极参加。")
    assert places == ["长沙市", "天心区", "天心区"]
    region = resolve_region(article, extra=places)
    assert (region.city, region.county) == ("长沙市", "天心区")


def test_load_backend_default_and_unknown():
    assert load_backend("default") is None
    with pytest.raises(BackendUnavailable, match="Backends: default, hanlp"):
        load_backend("spacy")


# fmt: off
PLACE_OUTPUTS = [
    ([[("长沙市", "NS", 0, 3), ("老干部局", "NT", 3, 7)]], ["长沙市"]),                 # MSRA
    ({"tok/fine": [["长沙", "市"]], "ner/ontonotes": [[("长沙市", "GPE", 0, 2)]]}, ["长沙市"]),  # MTL
    ([[(["天心", "区"], "LOC", 0, 2)]], ["天心区"]),                                    # tokens
    ([[]], []),
]
# fmt: on


@pytest.mark.parametrize("output, expected", PLACE_OUTPUTS)
def test_place_names_shapes(output, expected):
    assert list(place_names(output)) == expected


def test_cli_backend_hanlp_fails_fast(fake_hanlp, tmp_path, monkeypatch):
    from cli import cli

    fake_hanlp(FORBIDDEN_HANLP)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("HANLP_HOME", str(empty))
    article = tmp_path / "a.txt"
    article.write_text("长沙市天心区:老党员志愿服务\n长沙市天心区组建志愿服务队。\n", encoding="utf-8")
    for command in (["predict", "--backend", "hanlp", str(article)],
                    ["ingest", "--backend", "hanlp", "--db", str(tmp_path / "x.db"), str(article)]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1, result.output
        assert "--backend hanlp: no HanLP model found" in result.output
    assert "hanlp" not in sys.modules
    assert not (tmp_path / "x.db").exists()


def test_hanlp_backend_is_frozen(model_home):
    backend = HanlpBackend(model=None, model_dir=model_home, kind="ner")
    with pytest.raises(AttributeError):
        backend.kind = "mtl"  # type: ignore[misc]


# A hanlp whose load needs a file that is not on disk, and reports the failure the way HanLP 2.1.5
# does: an import of pkg_resources inside its except block hides the real error as context.
FETCHING_HANLP = textwrap.dedent('''
    from hanlp.utils import io_util

    def load(path, **kwargs):
        try:
            io_util.download("https://file.hankcs.com/hanlp/transformers/x.zip", save_path="/h/transformers/x.zip")
        except Exception:
            import pkg_resources  # noqa: F401
''')


def test_load_refuses_download_and_unmasks_it(fake_hanlp, model_home, monkeypatch):
    fake_hanlp(FETCHING_HANLP)
    monkeypatch.setitem(sys.modules, "pkg_resources", None)  # gone, as in bare venvs
    with pytest.raises(BackendUnavailable, match="needs /h/transformers/x.zip, which is not on disk"):
        load_hanlp_backend(home=model_home)
    import hanlp.utils.io_util

    assert "refuse" not in hanlp.utils.io_util.download.__name__  # restored after the load
    assert socket.getaddrinfo.__name__ == "getaddrinfo"


@pytest.mark.parametrize("config, weights, message", [
    ("{oops", True, "is unreadable"),
    ('{"classpath": "fake"}', True, "not a HanLP model config"),
    ('{"classpath": "hanlp.x.Y"}', False, "lacks model.pt"),
])
def test_broken_model_reported_without_import(fake_hanlp, tmp_path, config, weights, message):
    fake_hanlp(FORBIDDEN_HANLP)
    model = tmp_path / "home" / "mtl" / "close_tok_pos_ner"
    model.mkdir(parents=True)
    (model / "config.json").write_text(config, encoding="utf-8")
    if weights:
        (model / "model.pt").write_bytes(b"x")
    with pytest.raises(BackendUnavailable, match=message) as info:
        load_hanlp_backend(home=tmp_path / "home")
    assert str(model) in str(info.value) and "\n" not in str(info.value)
    assert "hanlp" not in sys.modules
