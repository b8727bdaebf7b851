"""Region: the place an article reports on, as province/city/county/town.

First version (to be replaced by the gazetteer-based resolver).
Contract: ``resolve_region(article) -> Region``.
"""
from __future__ import annotations

from corpus.article import Article
from extract.analysis import Region


def resolve_region(article: Article) -> Region:
    """The administrative chain of the place reported on; all None when unknown."""
    return Region()
