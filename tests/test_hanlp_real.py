"""The HanLP backend against the real ``hanlp`` package, offline, with no model weights.

Runs only where ``pip install 'wrmine[hanlp]'`` was done (a separate venv: it pulls torch);
CI has no hanlp and skips this file. No HanLP weights exist offline, so this checks what the
package does without them: the gating through the CLI, the rule-based sentence splitter, and
broken local models, which must fail with wrmine's message and without touching the network
(HanLP would otherwise retry a download for ~25 s).
"""
from __future__ import annotations

import json
import re
import socket
import sys

import pytest
from click.testing import CliRunner

pytest.importorskip("hanlp", reason="the real hanlp package is not installed: pip install 'wrmine[hanlp]'")

from cli import cli  # noqa: E402
from extract.hanlp_backend import (  # noqa: E402
    BackendUnavailable, HanlpBackend, load_hanlp_backend, model_inputs,
)

NER_CLASS = "hanlp.components.ner.transformer_ner.TransformerNamedEntityRecognizer"
ARTICLE = "长沙市天心区:老党员志愿服务\n长沙市天心区组建志愿服务队。\n"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every connection attempt is recorded and refused; the test asserts there were none."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError(f"network access attempted: {args!r}")

    for owner, name in ((socket, "create_connection"), (socket, "getaddrinfo"),
                        (socket.socket, "connect"), (socket.socket, "connect_ex")):
        monkeypatch.setattr(owner, name, refuse)
    yield attempts
    assert attempts == []


@pytest.fixture(autouse=True)
def hanlp_env(monkeypatch):
    """The variables the loader sets are restored after each test."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HANLP_HOME"):
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)


def forget_hanlp(monkeypatch):
    """Unimport hanlp for one test (monkeypatch puts the modules back afterwards)."""
    for name in [m for m in sys.modules if m == "hanlp" or m.startswith("hanlp.")]:
        monkeypatch.delitem(sys.modules, name)


def model_dir(home, name: str, config, weights: bytes | None = b"not a torch file"):
    """A local model directory under ``home/ner`` with the given config.json and model.pt."""
    path = home / "ner" / name
    path.mkdir(parents=True)
    text = config if isinstance(config, str) else json.dumps(config)
    (path / "config.json").write_text(text, encoding="utf-8")
    if weights is not None:
        (path / "model.pt").write_bytes(weights)
    return path


@pytest.mark.parametrize("home", ["empty", "missing", None])
def test_cli_backend_hanlp_without_models_exits_1(tmp_path, monkeypatch, home):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    if home == "empty":
        (tmp_path / "empty").mkdir()
    if home is not None:
        monkeypatch.setenv("HANLP_HOME", str(tmp_path / home))
    result = CliRunner().invoke(cli, ["predict", "--backend", "hanlp", str(article)])
    assert result.exit_code == 1, result.output
    expected = {"empty": "no HanLP model found under", "missing": "HANLP_HOME=",
                None: "HANLP_HOME is not set"}[home]
    assert f"--backend hanlp: {expected}" in result.output
    assert home != "missing" or "is not a directory" in result.output
    assert "wrmine never downloads models" in result.output
    assert result.output.count("\n") == 1


def test_cli_default_backend_unaffected(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["predict", str(article)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["region"]["county"] == "天心区"


def test_real_split_sentence_feeds_model_inputs():
    from hanlp.utils.rules import split_sentence

    text = "长沙市天心区开展活动。老党员说：“很好！”效果好吗？是的!第二段……结束"
    assert list(split_sentence(text)) == [
        "长沙市天心区开展活动。", "老党员说：“很好！”", "效果好吗？", "是的!第二段……", "结束"]
    # HanLP keeps "是的!第二段……" together; the backend also breaks at a half-width "!".
    assert model_inputs(text, split_sentence) == [
        "长沙市天心区开展活动。", "老党员说：“很好！”", "效果好吗？", "是的!", "第二段……", "结束"]


def test_real_split_sentence_long_sentence_is_packed_not_cut():
    from hanlp.utils.rules import split_sentence

    sentence = "，".join(["长沙市天心区组建志愿服务队"] * 20) + "。"
    inputs = model_inputs(sentence, split_sentence)
    assert len(inputs) > 1 and all(len(piece) <= 126 for piece in inputs)
    assert "".join(inputs) == sentence
    assert all(piece.endswith(("，", "。")) for piece in inputs)


@pytest.mark.parametrize("config, weights, message", [
    ("{oops", b"x", "is unreadable (JSONDecodeError"),
    ({"transformer": "x"}, b"x", "is not a HanLP model config"),
    ({"classpath": NER_CLASS}, None, "lacks model.pt"),
])
def test_broken_model_fails_before_import(tmp_path, monkeypatch, config, weights, message):
    model_dir(tmp_path, "broken", config, weights)
    forget_hanlp(monkeypatch)
    with pytest.raises(BackendUnavailable, match=re.escape(message)) as info:
        load_hanlp_backend(home=tmp_path)
    assert "\n" not in str(info.value)
    assert "hanlp" not in sys.modules


def test_model_missing_its_transformer_refuses_download(tmp_path, monkeypatch, capsys):
    forget_hanlp(monkeypatch)  # HanLP reads HANLP_HOME once, at import
    model_dir(tmp_path, "msra_like", {
        "classpath": NER_CLASS, "transformer": "hfl/chinese-electra-180g-small-discriminator"})
    with pytest.raises(BackendUnavailable, match="which is not on disk") as info:
        load_hanlp_backend(home=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "transformers" / "electra_zh_small_") in message
    assert "wrmine never downloads models" in message and "\n" not in message
    assert "Downloading" not in capsys.readouterr().err


@pytest.mark.parametrize("classpath, error", [
    ("hanlp.components.ner.transformer_ner.NoSuchClass", "AttributeError"),
    ("hanlp.no_such_module.Ner", "ModuleNotFoundError"),
])
def test_model_with_unknown_class_fails_with_one_line(tmp_path, capsys, classpath, error):
    model_dir(tmp_path, "unknown", {"classpath": classpath})
    with pytest.raises(BackendUnavailable, match=f"HanLP could not load .*unknown: {error}") as info:
        load_hanlp_backend(home=tmp_path)
    assert "\n" not in str(info.value) and "pkg_resources" not in str(info.value)
    assert "ERROR LOG" not in capsys.readouterr().err


def test_second_usable_model_is_chosen(tmp_path, monkeypatch):
    model_dir(tmp_path, "a_broken", "{oops")
    good = model_dir(tmp_path, "b_good", {"classpath": NER_CLASS})
    import hanlp

    loaded = []
    monkeypatch.setattr(hanlp, "load", lambda path, **kw: loaded.append(path) or (lambda s: [[]]))
    backend = load_hanlp_backend(home=tmp_path)
    assert loaded == [str(good)] and isinstance(backend, HanlpBackend)
    from hanlp.utils.rules import split_sentence

    assert backend.split is split_sentence
    assert backend.find_places("长沙市天心区开展活动。") == []


def test_pretrained_identifiers_are_urls_never_loaded(tmp_path):
    """What ``hanlp.load`` would download: wrmine passes a directory path, never these."""
    import hanlp.pretrained

    url = hanlp.pretrained.ner.MSRA_NER_ELECTRA_SMALL_ZH
    assert url.startswith("https://") and url.endswith("/ner/msra_ner_electra_small_20220215_205503.zip")
    # The directory HanLP itself would unpack it to is the layout find_model reads.
    from hanlp.utils.io_util import path_from_url

    assert path_from_url(url, str(tmp_path)) == str(tmp_path / "ner" / "msra_ner_electra_small_20220215_205503.zip")
