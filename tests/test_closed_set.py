"""The closed test sets stay closed: no string of 4 or more Chinese characters that occurs only
in its articles may appear in code, data tables, tests or docs. (Such a string in the repository
means someone read a test article while building.) The check reads the test texts only to
collect their 4-character runs; a failure names the file, line and a hash, never the string.

"Occurs only in test articles" means: in no other text of ../shared/corpus, not a place name of
the gazetteer (public reference data) and not inside a word of jieba's general dictionary (the
language itself).

    python tests/test_closed_set.py --baseline   # record today's chance overlaps (hashes only)
"""
from __future__ import annotations

import functools
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHARED

from corpus.script import simplify

ANNOTATIONS = ROOT / "benchmarks" / "annotations"
# (corpus folder, ids file) of every closed test set.
CLOSED = (("unlabeled2", ANNOTATIONS / "unlabeled2-test-ids.txt"),
          ("unlabeled", ANNOTATIONS / "unlabeled-test2-ids.txt"))
# Hashes (never the strings) of 4-character runs that hand-written fixtures share by chance with
# test articles and with no other text we have: common phrasing of the genre (fixtures written
# before the set was drawn among them). Recorded when each set was closed (the second set's
# texts had been in the shared corpus for earlier sessions, so its list is longer); a run not
# in this list fails the test.
BASELINE = ROOT / "tests" / "closed_set_baseline.txt"
RE_RUN = re.compile(r"[\u3400-\u9fff]{4,}")
SCANNED = (".py", ".tsv", ".txt", ".json", ".jsonl", ".md", ".toml", ".html", ".cfg", ".ini", ".csv")
# The national list of administrative divisions names every town, test articles' included.
NOT_SCANNED = {"extract/data/divisions.tsv"}
needs_corpus = pytest.mark.skipif(not (SHARED / "corpus" / "unlabeled2").is_dir(),
                                  reason=f"needs the shared corpus at {SHARED}; absent in a user's clone")


def grams(text: str) -> set[str]:
    """Every 4-character run of Chinese in ``text`` and in its simplified form."""
    out = set()
    for form in {text, simplify(text)}:
        for run in RE_RUN.findall(form):
            out.update(run[i:i + 4] for i in range(len(run) - 3))
    return out


def tag(gram: str) -> str:
    return hashlib.sha1(gram.encode("utf-8")).hexdigest()[:12]


def dictionary_grams() -> set[str]:
    """4-character runs inside the words of jieba's general dictionary."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words = (line.split(" ", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return set().union(*(grams(w) for w in words if len(w) >= 4))


@functools.lru_cache(maxsize=1)
def closed_only_grams() -> frozenset[str]:
    """4-character runs of the test articles that occur in no other text we have."""
    corpus = SHARED / "corpus"
    tests = {corpus / folder / f"{i}.txt" for folder, ids in CLOSED for i in ids.read_text().split()}
    found: set[str] = set()
    for path in tests:
        found |= grams(path.read_text(encoding="utf-8", errors="replace"))
    for path in corpus.rglob("*.txt"):
        if path.parent / f"{path.name.split('.')[0]}.txt" not in tests:
            found -= grams(path.read_text(encoding="utf-8", errors="replace"))
    found -= grams((ROOT / "extract" / "data" / "divisions.tsv").read_text(encoding="utf-8"))
    return frozenset(found - dictionary_grams())


def repo_files() -> list[str]:
    try:
        names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    return [n for n in names if n.endswith(SCANNED) and n not in NOT_SCANNED and (ROOT / n).is_file()]


def flagged(test_grams: set[str]):
    """(file, line, hashes of the test-only runs on it) for every line that has some."""
    for name in repo_files():
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            hit = grams(line) & test_grams
            if hit:
                yield name, lineno, {tag(g) for g in hit}


@needs_corpus
def test_no_test_only_text_in_the_repository():
    known = set(BASELINE.read_text().split()) if BASELINE.exists() else set()
    leaks = [f"{name}:{lineno} (string #{min(tags - known)})"
             for name, lineno, tags in flagged(closed_only_grams()) if tags - known]
    assert not leaks, "text that occurs only in closed test articles: " + ", ".join(leaks[:20])


@needs_corpus
def test_the_check_catches_a_copied_string(tmp_path, monkeypatch):
    """A line built from a test article's own 4-character run is caught (the check can fail)."""
    test_grams = closed_only_grams()
    probe = sorted(test_grams)[0]
    monkeypatch.setattr(sys.modules[__name__], "repo_files", lambda: ["probe.py"])
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "probe.py").write_text(f"# {probe}\n", encoding="utf-8")
    assert [name for name, _, _ in flagged(test_grams)] == ["probe.py"]


if __name__ == "__main__" and "--baseline" in sys.argv:
    tags = set().union(*(t for _, _, t in flagged(closed_only_grams())))
    BASELINE.write_text("".join(f"{t}\n" for t in sorted(tags)))
    print(f"{len(tags)} chance overlaps recorded in {BASELINE}")
