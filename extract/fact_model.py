"""Learned decisions for facts: which candidate names what a figure counts, and its metric.

The rules in ``extract.facts`` propose (subject candidates from both sides of the figure, a
rule metric); two linear models trained on our annotations choose. Both are plain
multinomial logistic regressions shipped as JSON in ``data/`` (no pickle) and evaluated
here with a dot product over sparse string features, so prediction needs no scikit-learn:

    python scripts/train_facts.py          # rebuilds data/metric_model.json, data/subject_model.json

>>> m = LinearModel(("a", "b"), {"x": (1.0, -1.0)}, (0.0, 0.0))
>>> round(m.proba({"x": 1.0})["a"], 3)
0.881
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
METRIC_MODEL = DATA / "metric_model.json"
SUBJECT_MODEL = DATA / "subject_model.json"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Softmax over ``classes`` of ``intercept + sum(value * weights[feature])``.

    A two-class model may store one weight column (scikit-learn's binary form): the score of
    ``classes[1]`` is then the logit and ``classes[0]`` scores 0.
    """

    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    intercept: tuple[float, ...]

    def scores(self, features: dict[str, float]) -> list[float]:
        out = list(self.intercept)
        for name, value in features.items():
            w = self.weights.get(name)
            if w:
                for k, wk in enumerate(w):
                    out[k] += value * wk
        if len(out) == 1:
            return [0.0, out[0]]
        return out

    def proba(self, features: dict[str, float]) -> dict[str, float]:
        """Class → probability."""
        s = self.scores(features)
        top = max(s)
        exp = [math.exp(x - top) for x in s]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def to_json(self) -> dict:
        """Weights stored sparse: feature → [[class index, weight], …] for non-zero weights."""
        return {"classes": list(self.classes), "intercept": [_short(x) for x in self.intercept],
                "weights": {k: [[i, _short(x)] for i, x in enumerate(v) if _short(x)]
                            for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, obj: dict) -> "LinearModel":
        width = len(obj["intercept"])
        weights = {}
        for name, pairs in obj["weights"].items():
            row = [0.0] * width
            for i, x in pairs:
                row[i] = x
            weights[name] = tuple(row)
        return cls(tuple(obj["classes"]), weights, tuple(obj["intercept"]))


def _short(x: float) -> float | int:
    """A weight with three decimals, 0 when smaller (most weights of rare features)."""
    r = round(x, 3)
    return int(r) if r == int(r) else r


def save_model(model: LinearModel, path: Path, meta: dict) -> None:
    """Write ``model`` as JSON with how it was trained (``meta``: data, sizes, CV figures)."""
    obj = model.to_json()
    # One feature per line: diffs of a retrained model stay readable.
    lines = [json.dumps(k, ensure_ascii=False) + ": " + json.dumps(v) for k, v in obj["weights"].items()]
    head = {"meta": meta, "classes": obj["classes"], "intercept": obj["intercept"]}
    text = json.dumps(head, ensure_ascii=False)[:-1] + ',\n"weights": {\n' + ",\n".join(lines) + "\n}}\n"
    path.write_text(text, encoding="utf-8")


@lru_cache(maxsize=4)
def load_model(path: Path) -> LinearModel | None:
    """The model stored at ``path``; None when it has not been trained (the rules decide)."""
    if not path.exists():
        return None
    return LinearModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def metric_model() -> LinearModel | None:
    return load_model(METRIC_MODEL)


def subject_model() -> LinearModel | None:
    return load_model(SUBJECT_MODEL)
