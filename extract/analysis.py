"""What extraction produces for one article. Field names follow the gold format
(``../shared/spec/gold-format.md``) so ``asdict`` compares directly with gold lines.

Every ``start``/``end`` indexes ``Article.text`` (the clean body, original script; the
simplified form is character-aligned with it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Approx = Literal["exact", "over", "under", "about"]
Metric = Literal[
    "branches", "teams", "participants", "beneficiaries", "activities", "cases",
    "venues", "funds", "items", "measures", "ratio", "other",
]
METRICS: tuple[str, ...] = (
    "branches", "teams", "participants", "beneficiaries", "activities", "cases",
    "venues", "funds", "items", "measures", "ratio", "other",
)
APPROX: tuple[str, ...] = ("exact", "over", "under", "about")
THEMES: tuple[str, ...] = (
    "政治引领", "组织建设", "阵地建设", "志愿服务", "基层治理",
    "关心下一代", "文化养老", "为老服务", "智慧信息化", "助力发展",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """One quantity the article reports, e.g. ``130余支``志愿服务队 (teams, over)."""

    start: int
    end: int
    span: str            # text[start:end], original script
    value: float | int
    unit: str            # simplified; money always 元
    approx: str          # one of APPROX
    subject: str | None  # simplified noun phrase
    metric: str          # one of METRICS
    year: int | None
    sentence: str        # the sentence containing the span, original script
    sentence_start: int = -1   # where ``sentence`` starts in text (-1: unknown)
    confidence: float = 1.0    # how sure the stages are of value, subject and metric (0..1)
    evidence: tuple[str, ...] = ()   # rules/models that decided it, "name: why" (explain trace)


@dataclass(frozen=True, slots=True)
class Region:
    """Administrative chain of the place reported on; None for levels not determinable."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    town: str | None = None
    confidence: float = field(default=1.0, compare=False, repr=False)
    evidence: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def levels(self) -> dict[str, str | None]:
        """The four levels as the gold format writes them."""
        return {"province": self.province, "city": self.city, "county": self.county, "town": self.town}


@dataclass(frozen=True, slots=True)
class Practice:
    """One enumerated practice (一是…, （一）…): its heading and where its item lies."""

    start: int           # item start in text
    end: int             # item end in text
    title: str           # simplified heading / lead clause
    themes: tuple[str, ...] = ()
    confidence: float = 1.0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamedMethod:
    """A named working method or brand, e.g. “三个不放松”."""

    start: int
    end: int
    name: str            # simplified, without quote marks


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything extracted from one article."""

    article_id: str
    region: Region
    facts: tuple[Fact, ...] = ()
    practices: tuple[Practice, ...] = ()
    named_methods: tuple[NamedMethod, ...] = ()
    themes: tuple[str, ...] = ()
