"""Distinct article files for the ingest benchmarks, made at run time from the shared corpora
(read in place, never copied into the repository): each generated article takes the title of
one real article and paragraphs drawn from several others, with every figure changed, so
repost detection does not collapse them and the extraction has real text to work on.

Not a ``bench_*.py`` (``wrmine bench`` runs those): a helper the ingest benchmarks import.
"""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
# Never the closed test set (unlabeled2): these folders only.
CORPORA = [SHARED / "corpus" / name for name in ("unlabeled", "dev", "seeds")]
RE_DIGITS = re.compile(r"\d+")


def available() -> bool:
    return all(folder.is_dir() for folder in CORPORA)


class ArticleMaker:
    """``make(i) -> text`` of the i-th generated article (deterministic for a seed)."""

    def __init__(self, seed: int = 1) -> None:
        self.titles: list[str] = []
        self.paragraphs: list[str] = []
        for folder in CORPORA:
            for path in sorted(folder.glob("*.txt")):
                lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="ignore").splitlines()]
                lines = [ln for ln in lines if ln]
                if len(lines) < 3:
                    continue
                self.titles.append(lines[0])
                self.paragraphs += [ln for ln in lines[1:] if len(ln) >= 30]
        self.seed = seed

    def make(self, i: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + i)
        paras = rng.sample(self.paragraphs, rng.randint(4, 8))
        text = "\n".join([rng.choice(self.titles), *paras])
        return RE_DIGITS.sub(lambda m: str(rng.randint(1, 9) * 10 ** (len(m.group()) - 1) + rng.randint(0, 9)), text)

    def write(self, folder: Path, start: int, n: int) -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i in range(start, start + n):
            path = folder / f"gen{i:07d}.txt"
            path.write_text(self.make(i), encoding="utf-8")
            paths.append(str(path))
        return paths
