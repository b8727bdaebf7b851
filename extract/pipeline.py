"""The extraction stages, in order, written out once: Article → Document → Analysis.

The Document (paragraphs, sentences, items, headings with offsets) is built once per
article and every stage reads it. Themes are added afterwards by
``classify.themes.assign_themes`` (imports flow corpus → extract → classify).
"""
from __future__ import annotations

from collections.abc import Iterable

from corpus.article import Article
from extract.analysis import Analysis
from extract.document import build_document
from extract.facts import extract_facts
from extract.places import resolve_region
from extract.practices import extract_practices, find_named_methods


def analyse(article: Article, extra_places: Iterable[str] | None = None) -> Analysis:
    """Run every extraction stage over one clean article (no themes yet).

    ``extra_places``: names another recogniser found (the HanLP backend), counted as mentions.
    """
    doc = build_document(article)
    return Analysis(
        article_id=article.id,
        region=resolve_region(article, extra=extra_places or ()),
        facts=tuple(extract_facts(doc)),
        practices=tuple(extract_practices(doc)),
        named_methods=tuple(find_named_methods(doc)),
    )
