"""The rows one article becomes in the database, prepared without a database.

``prepare_rows`` is pure (no SQLite): a worker process or a Dask worker runs it after the
analysis, so the single writer only executes prepared INSERTs. Everything costly that does not
depend on what is already stored is done here: JSON encoding, the full-text index tokens, the
repost band keys (a MinHash of every shingle) and the normalised text the repost check compares.
The result is plain tuples and strings: cheap to send between processes and to write to a
Parquet shard.

>>> from corpus.clean import article_from_text
>>> from extract.analysis import Analysis, Region
>>> art = article_from_text("t1", "示例县志愿服务\\n示例县组建志愿服务队十二支，服务群众三千人次。")
>>> rows = prepare_rows(art, Analysis("t1", Region(province="示例省")))
>>> rows.id, rows.value("province"), rows.title_tokens
('t1', '示例省', '示例 例县 县志 志愿 愿服 服务 务')
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from corpus.article import Article
from corpus.fts import index_text
from corpus.reposts import grams, normalise, shingle_band_keys
from corpus.script import simplify

if TYPE_CHECKING:
    from extract.analysis import Analysis

# The columns of ``articles`` a worker fills; the writer adds path, duplicate_of, source_hash
# and ingested_at (they depend on the batch and the database, not on the text).
ARTICLE_COLUMNS = (
    "id", "url", "title", "published", "source", "author", "raw", "text", "simplified", "raw_map",
    "content_hash", "province", "city", "county", "town", "region_confidence", "region_evidence",
    "title_origin", "meta_evidence",
)
# ``facts`` columns after article_id: the Fact fields, then the offsets into the raw text.
_FACT_FIELDS: tuple[str, ...] | None = None


def fact_columns() -> tuple[str, ...]:
    """Columns of a prepared fact row (``Fact``'s fields, then raw_start and raw_end)."""
    global _FACT_FIELDS
    if _FACT_FIELDS is None:
        from extract.analysis import Fact

        _FACT_FIELDS = tuple(f.name for f in fields(Fact))
    return (*_FACT_FIELDS, "raw_start", "raw_end")


@dataclass(frozen=True)
class ArticleRows:
    """Everything ``store.save_rows`` writes for one article, as plain values.

    ``article`` holds the values of ``ARTICLE_COLUMNS``; ``facts`` rows follow
    ``fact_columns()``; ``practices`` are (start, end, title, confidence, evidence JSON);
    ``practice_themes`` (start, theme); ``named_methods`` (name, start, end); ``themes`` in
    rank order. ``bands``: repost LSH band keys; ``normalised``: the text the repost check
    compares (``corpus.reposts.normalise`` of the simplified body).
    """

    id: str
    article: tuple
    facts: tuple[tuple, ...]
    practices: tuple[tuple, ...]
    practice_themes: tuple[tuple, ...]
    themes: tuple[str, ...]
    named_methods: tuple[tuple, ...]
    bands: tuple[str, ...]
    title_tokens: str
    body_tokens: str
    normalised: str

    def value(self, column: str):
        """One column of the article row: ``rows.value("simplified")``."""
        return self.article[ARTICLE_COLUMNS.index(column)]


def _json(items) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def prepare_rows(article: Article, analysis: "Analysis") -> ArticleRows:
    """The rows of one analysed article (pure: runs in a worker)."""
    region = analysis.region
    values = {
        "id": article.id, "url": article.url, "title": article.title, "published": article.published,
        "source": article.source, "author": article.author, "raw": article.raw, "text": article.text,
        "simplified": article.simplified,
        "raw_map": json.dumps(article.raw_map.pieces, separators=(",", ":")),
        "content_hash": article.content_hash, **region.levels(),
        "region_confidence": region.confidence, "region_evidence": _json(region.evidence),
        "title_origin": getattr(article, "title_origin", None),
        "meta_evidence": _json(getattr(article, "meta_evidence", ())),
    }
    names = fact_columns()[:-2]
    facts = []
    for f in analysis.facts:
        row = [getattr(f, name) for name in names]
        row[names.index("evidence")] = _json(f.evidence)
        facts.append((*row, *article.raw_map.span_to_raw(f.start, f.end)))
    normalised = normalise(article.simplified)
    return ArticleRows(
        id=article.id,
        article=tuple(values[c] for c in ARTICLE_COLUMNS),
        facts=tuple(facts),
        practices=tuple((p.start, p.end, p.title, p.confidence, _json(p.evidence)) for p in analysis.practices),
        practice_themes=tuple((p.start, t) for p in analysis.practices for t in p.themes),
        themes=tuple(analysis.themes),
        named_methods=tuple((m.name, m.start, m.end) for m in analysis.named_methods),
        # The same keys as ``reposts.band_keys(article.simplified)``, from the text normalised once.
        bands=shingle_band_keys(grams(normalised)),
        title_tokens=index_text(simplify(article.title or "")),
        body_tokens=index_text(article.simplified),
        normalised=normalised,
    )
