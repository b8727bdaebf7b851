"""Article + Analysis → one line of the gold format (``shared/spec/gold-format.md``).

This is what ``wrmine predict`` prints. Fact offsets are mapped from the clean body back
into the input text as read, which is what the gold offsets index.
"""
from __future__ import annotations

from dataclasses import asdict

from corpus.article import Article
from extract.analysis import Analysis


def raw_sentence(article: Article, sentence: str, near: int) -> str:
    """The sentence as written in the raw input (the cleaner drops pinyin and mojibake inside
    sentences, and the gold copies sentences from the raw text); the clean one if unmappable."""
    pos = article.text.rfind(sentence, 0, near + len(sentence)) if sentence else -1
    if pos < 0 or not article.raw:
        return sentence
    raw_start, raw_end = article.raw_map.span_to_raw(pos, pos + len(sentence))
    raw = article.raw[raw_start:raw_end]
    return raw if raw and "\n" not in raw else sentence


def to_record(article: Article, analysis: Analysis) -> dict:
    """The gold-format dict for one article (facts carry raw-text offsets)."""
    facts = []
    for f in analysis.facts:
        start, end = article.raw_map.span_to_raw(f.start, f.end)
        facts.append({
            "span": f.span, "value": f.value, "unit": f.unit, "approx": f.approx,
            "subject": f.subject, "metric": f.metric, "year": f.year,
            "sentence": raw_sentence(article, f.sentence, f.start), "start": start, "end": end,
        })
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "published": article.published,
        "source": article.source,
        "region": asdict(analysis.region),
        "facts": facts,
        "practices": [{"title": p.title, "themes": list(p.themes)} for p in analysis.practices],
        "named_methods": [m.name for m in analysis.named_methods],
        "themes": list(analysis.themes),
    }


def empty_record(article_id: str, url: str | None = None) -> dict:
    """The gold-format line of an input that yielded no article (empty, binary, no body)."""
    return {"id": article_id, "url": url, "title": None, "published": None, "source": None,
            "region": {"province": None, "city": None, "county": None, "town": None},
            "facts": [], "practices": [], "named_methods": [], "themes": []}
