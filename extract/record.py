"""Article + Analysis → one line of the gold format (``shared/spec/gold-format.md``).

This is what ``wrmine predict`` prints. Fact offsets are mapped from the clean body back
into the input text as read, which is what the gold offsets index.
"""
from __future__ import annotations

from corpus.article import Article
from extract.analysis import Analysis, Fact


def raw_sentence(article: Article, fact: Fact) -> str:
    """The fact's sentence as written in the raw input (the cleaner drops pinyin and mojibake
    inside sentences, and the gold copies sentences from the raw text); the clean one if
    unmappable."""
    sentence = fact.sentence
    pos = fact.sentence_start
    if pos < 0 and sentence:
        pos = article.text.rfind(sentence, 0, fact.start + len(sentence))
    if pos < 0 or not sentence or not article.raw:
        return sentence
    raw_start, raw_end = article.raw_map.span_to_raw(pos, pos + len(sentence))
    raw = article.raw[raw_start:raw_end]
    return raw if raw and "\n" not in raw else sentence


def fact_record(article: Article, f: Fact, explain: bool = False) -> dict:
    """One fact as the gold format writes it (raw-text offsets), plus confidence."""
    start, end = article.raw_map.span_to_raw(f.start, f.end)
    out = {
        "span": f.span, "value": f.value, "unit": f.unit, "approx": f.approx,
        "subject": f.subject, "metric": f.metric, "year": f.year,
        "sentence": raw_sentence(article, f), "start": start, "end": end,
        "confidence": round(f.confidence, 3),
    }
    if explain:
        out["evidence"] = list(f.evidence)
    return out


def to_record(article: Article, analysis: Analysis, explain: bool = False) -> dict:
    """The gold-format dict for one article (facts carry raw-text offsets). ``explain`` adds
    the evidence trace of every fact, practice and the region."""
    record = {
        "id": article.id,
        "url": article.url,
        # A title made from the lead sentence is for people browsing, not a printed headline.
        "title": None if article.title_origin == "lead" else article.title,
        "published": article.published,
        "source": article.source,
        "region": analysis.region.levels(),
        "facts": [fact_record(article, f, explain) for f in analysis.facts],
        "practices": [{"title": p.title, "themes": list(p.themes), "confidence": round(p.confidence, 3)}
                      | ({"evidence": list(p.evidence)} if explain else {})
                      for p in analysis.practices],
        "named_methods": [m.name for m in analysis.named_methods],
        "themes": list(analysis.themes),
    }
    if explain:
        record["explain"] = {
            "region": {"confidence": round(analysis.region.confidence, 3),
                       "evidence": list(analysis.region.evidence)},
            "title_origin": article.title_origin,
            "meta": list(article.meta_evidence),
        }
    return record


def empty_record(article_id: str, url: str | None = None) -> dict:
    """The gold-format line of an input that yielded no article (empty, binary, no body)."""
    return {"id": article_id, "url": url, "title": None, "published": None, "source": None,
            "region": {"province": None, "city": None, "county": None, "town": None},
            "facts": [], "practices": [], "named_methods": [], "themes": []}
