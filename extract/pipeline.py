"""The extraction stages, in order, written out once: Article → Analysis.

Themes are added afterwards by ``classify.themes.assign_themes`` (imports flow
corpus → extract → classify).
"""
from __future__ import annotations

from corpus.article import Article
from extract.analysis import Analysis
from extract.facts import extract_facts
from extract.places import resolve_region
from extract.practices import extract_practices, find_named_methods


def analyse(article: Article) -> Analysis:
    """Run every extraction stage over one clean article (no themes yet)."""
    return Analysis(
        article_id=article.id,
        region=resolve_region(article),
        facts=tuple(extract_facts(article)),
        practices=tuple(extract_practices(article)),
        named_methods=tuple(find_named_methods(article)),
    )
