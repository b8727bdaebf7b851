"""The start-up cache (extract.cache): hits give identical structures, bad caches fall back."""
from __future__ import annotations

import os
import pickle

import pytest

from extract import cache, gazetteer, segment


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(directory))
    return directory


def _count_builds(build):
    calls = []

    def counted():
        calls.append(1)
        return build()
    return counted, calls


def test_hit_returns_equal_value_without_rebuilding(cache_env, tmp_path):
    source = tmp_path / "table.tsv"
    source.write_text("词\t标签\n经验\tn\n", encoding="utf-8")
    build, calls = _count_builds(lambda: {"经验": "n", "做法": ("n", 2)})
    first = cache.cached("demo", [source], build)
    second = cache.cached("demo", [source], build)
    assert first == second == {"经验": "n", "做法": ("n", 2)}
    assert len(calls) == 1 and len(list(cache_env.glob("demo-*.pickle"))) == 1


def test_changed_source_or_version_misses(cache_env, tmp_path):
    source = tmp_path / "table.tsv"
    source.write_text("a\n", encoding="utf-8")
    build, calls = _count_builds(lambda: source.read_text(encoding="utf-8"))
    assert cache.cached("demo", [source], build) == "a\n"
    source.write_text("b\n", encoding="utf-8")
    assert cache.cached("demo", [source], build) == "b\n"
    assert cache.cached("demo", [source], build, versions=("lib 2",)) == "b\n"
    assert len(calls) == 3


@pytest.mark.parametrize("garbage", [b"", b"\x80\x05not a pickle", pickle.dumps(("other-stamp", 1)),
                                     pickle.dumps({"no": "stamp"})[:-3]])
def test_corrupt_file_falls_back_and_is_repaired(cache_env, tmp_path, garbage):
    source = tmp_path / "t.txt"
    source.write_text("x", encoding="utf-8")
    build, calls = _count_builds(lambda: ["built"])
    cache.cached("demo", [source], build)
    (path,) = cache_env.glob("demo-*.pickle")
    path.write_bytes(garbage)
    assert cache.cached("demo", [source], build) == ["built"]
    assert cache.cached("demo", [source], build) == ["built"]
    assert len(calls) == 2  # rebuilt once, then the rewritten entry hits


def test_entry_others_may_write_is_never_unpickled(cache_env, tmp_path):
    """Unpickling runs code: an entry that group or others can write is rebuilt, not loaded."""
    source = tmp_path / "t.txt"
    source.write_text("x", encoding="utf-8")
    build, calls = _count_builds(lambda: ["built"])
    cache.cached("demo", [source], build)
    (path,) = cache_env.glob("demo-*.pickle")
    marker = tmp_path / "pwned"
    stamp = path.stem

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path.write_bytes(pickle.dumps((stamp, Evil())))
    os.chmod(path, 0o666)
    assert cache.cached("demo", [source], build) == ["built"]
    assert not marker.exists() and len(calls) == 2
    assert not os.stat(path).st_mode & 0o022          # replaced by our own entry


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file modes")
def test_read_only_dir_falls_back(tmp_path, monkeypatch):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    monkeypatch.setenv(cache.ENV_VAR, str(directory / "wrmine"))
    assert cache.cached("demo", [], lambda: {"a": 1}) == {"a": 1}


def test_unwritable_dir_falls_back(tmp_path, monkeypatch):
    # A regular file where the directory should be: mkdir fails even for root.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker / "wrmine"))
    build, calls = _count_builds(lambda: {"经验": "n"})
    assert cache.cached("demo", [], build) == {"经验": "n"}
    assert cache.cached("demo", [], build) == {"经验": "n"}
    assert len(calls) == 2 and blocker.read_text(encoding="utf-8") == ""


def test_empty_env_var_turns_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, "")
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() is None
    assert cache.cached("demo", [], lambda: 7) == 7
    assert list(tmp_path.iterdir()) == []


def test_gazetteer_from_cache_is_identical(cache_env):
    built = gazetteer._build_gazetteer(gazetteer.DIVISIONS)
    gazetteer.load_gazetteer.__wrapped__()              # writes the entry
    loaded = gazetteer.load_gazetteer.__wrapped__()     # reads it
    assert list(cache_env.glob("gazetteer-*.pickle"))
    assert loaded.divisions == built.divisions
    assert dict(loaded.trie.items()) == dict(built.trie.items())
    # Shared units stay shared: one Division object per unit, as when built.
    ids = {id(d) for d in loaded.divisions}
    assert all(id(c.division) in ids for cands in dict(loaded.trie.items()).values() for c in cands)
    text = "湖南省长沙市天心区城关镇，参观上海城市建设"
    assert gazetteer.find_names(text, loaded) == gazetteer.find_names(text, built)


def test_jieba_tables_from_cache_are_identical(cache_env):
    fresh_freq, fresh_total, fresh_tags, _ = segment._build_prefix_tables()
    segment.make_tokenizer.__wrapped__()
    tokenizer = segment.make_tokenizer.__wrapped__()
    assert list(cache_env.glob("jieba-prefix-*.pickle"))
    assert (tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab) == (fresh_freq, fresh_total, fresh_tags)
    text = "成立离退休党支部，组建银发先锋志愿服务队"
    assert list(tokenizer.tokenize(text, HMM=False)) == list(segment.make_tokenizer().tokenize(text, HMM=False))
    segment.word_tags.__wrapped__()
    assert segment.word_tags.__wrapped__() == segment._build_word_tags()
    assert gazetteer.common_words.__wrapped__() == gazetteer.common_words.__wrapped__() \
        == gazetteer._build_common_words()
