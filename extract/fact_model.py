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
        return {"classes": list(self.classes), "intercept": [round(x, 5) for x in self.intercept],
                "weights": {k: [round(x, 5) for x in v] for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, obj: dict) -> "LinearModel":
        return cls(tuple(obj["classes"]), {k: tuple(v) for k, v in obj["weights"].items()},
                   tuple(obj["intercept"]))


def save_model(model: LinearModel, path: Path, meta: dict) -> None:
    """Write ``model`` as JSON with how it was trained (``meta``: data, sizes, CV figures)."""
    path.write_text(json.dumps({"meta": meta, **model.to_json()}, ensure_ascii=False, indent=0) + "\n",
                    encoding="utf-8")


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
