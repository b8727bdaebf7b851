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
    assert loaded.names == built.names and dict(loaded.items()) == dict(built.items())
    # Shared units stay shared: one Division object per unit, as when built.
    ids = {id(d) for d in loaded.divisions}
    assert all(id(c.division) in ids for cands in dict(loaded.items()).values() for c in cands)
    text = "湖南省长沙市天心区城关镇，参观上海城市建设"
    assert gazetteer.find_names(text, loaded) == gazetteer.find_names(text, built)


def test_gazetteer_names_table_holds_every_prefix():
    """The walk stops where no name goes on: every prefix of a name must be in the table."""
    names = gazetteer.load_gazetteer().names
    assert all(name[:end] in names for name, codes in names.items() if codes for end in range(1, len(name)))
    assert names["长沙"] and names["长"] is None


def test_jieba_tables_from_cache_are_identical(cache_env):
    fresh = segment._full_tokenizer()
    segment.make_tokenizer.__wrapped__()
    tokenizer = segment.make_tokenizer.__wrapped__()
    assert list(cache_env.glob("jieba-freq-*.table")) and list(cache_env.glob("jieba-totals-*.pickle"))
    text = "成立离退休党支部，组建银发先锋志愿服务队"
    assert list(tokenizer.tokenize(text, HMM=False)) == list(fresh.tokenize(text, HMM=False))
    assert len(tokenizer.FREQ) < len(fresh.FREQ)        # only the characters met so far
    tokenizer.fill("".join({word[0] for word in fresh.FREQ}))
    assert (tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab) == \
        (fresh.FREQ, fresh.total, fresh.user_word_tag_tab)
    segment.word_tags.__wrapped__()
    assert segment.word_tags.__wrapped__().to_dict() == segment._build_word_tags()
    gazetteer.common_words.__wrapped__()
    assert set(gazetteer.common_words.__wrapped__().to_dict()) == gazetteer._build_common_words()


def test_lazy_tokenizer_added_word_wins_over_the_dictionary(cache_env):
    tokenizer = segment.make_tokenizer.__wrapped__()
    tokenizer.add_word("支部", 7)     # a dictionary word, before the shard of 支 is loaded
    list(tokenizer.tokenize("党支部", HMM=False))
    assert tokenizer.FREQ["支部"] == 7 and tokenizer.FREQ["支"] > 0


def test_sharded_table_acts_as_its_dict(cache_env, tmp_path):
    source = tmp_path / "words.txt"
    source.write_text("x", encoding="utf-8")
    table = {"经验": "n", "经": "v", "做法": "n", "a": "eng"}
    build, calls = _count_builds(lambda: dict(table))
    for _ in range(2):
        loaded = cache.cached_table("demo", [source], build)
        assert loaded.to_dict() == table and len(loaded) == 4
        assert loaded.get("经验") == "n" and loaded.get("经历") is None and loaded.get("", 1) == 1
        assert "做法" in loaded and "做" not in loaded and loaded["a"] == "eng"
    assert len(calls) == 1 and len(list(cache_env.glob("demo-*.table"))) == 1


@pytest.mark.parametrize("cut", [0, 5, 30, -3])
def test_truncated_table_falls_back(cache_env, tmp_path, cut):
    source = tmp_path / "t.txt"
    source.write_text("x", encoding="utf-8")
    build, calls = _count_builds(lambda: {"经验": "n", "做法": "v"})
    cache.cached_table("demo", [source], build)
    (path,) = cache_env.glob("demo-*.table")
    path.write_bytes(path.read_bytes()[:cut])
    assert cache.cached_table("demo", [source], build).to_dict() == {"经验": "n", "做法": "v"}
    assert len(calls) == 2


def test_table_others_may_write_is_never_read(cache_env, tmp_path):
    source = tmp_path / "t.txt"
    source.write_text("x", encoding="utf-8")
    build, calls = _count_builds(lambda: {"经验": "n"})
    cache.cached_table("demo", [source], build)
    (path,) = cache_env.glob("demo-*.table")
    os.chmod(path, 0o666)
    assert cache.cached_table("demo", [source], build).get("经验") == "n"
    assert len(calls) == 2 and not os.stat(path).st_mode & 0o022


def test_find_names_reads_one_character_names(tmp_path):
    """The walk starts from two characters; a name of one character is still found."""
    table = tmp_path / "divisions.tsv"
    table.write_text("code\tprovince\tcity\tcounty\ttown\taliases\tweak\n"
                     "900000\t某省\t\t\t\t\t\n"
                     "900001\t某省\t\t\t甲\t\t\n", encoding="utf-8")
    gaz = gazetteer._build_gazetteer(table)
    assert gaz.one_character_names == {"甲"}
    assert [(m.surface, m.candidates[0].division.chain) for m in gazetteer.find_names("某省甲", gaz)] == \
        [("某省", ("某省", None, None, None)), ("甲", ("某省", None, None, "甲"))]
