"""Themes for articles and practices.

First version (to be replaced by the scikit-learn model): keyword rules.
Contracts: ``classify_text(text) -> tuple[str, ...]``;
``assign_themes(article, analysis) -> Analysis`` (practice and article themes filled in).
"""
from __future__ import annotations

from dataclasses import replace

from corpus.article import Article
from extract.analysis import THEMES, Analysis

KEYWORDS = {
    "政治引领": ("学习", "宣讲", "理论", "思想"),
    "组织建设": ("党支部", "支部", "组织"),
    "阵地建设": ("阵地", "之家", "驿站", "活动室"),
    "志愿服务": ("志愿",),
    "基层治理": ("治理", "调解", "网格", "纠纷"),
    "关心下一代": ("青少年", "关心下一代", "学生", "儿童"),
    "文化养老": ("老年大学", "文艺", "文化"),
    "为老服务": ("为老服务", "养老", "关爱"),
    "智慧信息化": ("网络", "线上", "信息化", "微信", "平台"),
    "助力发展": ("乡村振兴", "产业", "发展"),
}


def classify_text(text: str) -> tuple[str, ...]:
    """Themes whose keywords occur in ``text``, in the fixed theme order."""
    return tuple(t for t in THEMES if any(k in text for k in KEYWORDS[t]))


def assign_themes(article: Article, analysis: Analysis) -> Analysis:
    """The analysis with themes on each practice and on the article."""
    plain = article.plain
    practices = tuple(replace(p, themes=classify_text(plain[p.start:p.end])[:2])
                      for p in analysis.practices)
    themes: list[str] = []
    for p in practices:
        themes += [t for t in p.themes if t not in themes]
    if not themes:
        themes = list(classify_text(plain)[:3])
    return replace(analysis, practices=practices, themes=tuple(themes))
