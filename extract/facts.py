"""Facts: every quantity with what it counts (subject), metric and year.

First version (to be replaced by the full extractor): a number + measure-word regex.
Contract: ``extract_facts(article) -> list[Fact]`` with offsets into ``article.text``.
"""
from __future__ import annotations

import re

from corpus.article import Article
from extract.analysis import Fact

RE_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(余|多)?(个|名|支|人次|人|户|次|场|件|项|元|%)")


def extract_facts(article: Article) -> list[Fact]:
    """Find quantities in the simplified body, spans copied from the original text."""
    plain = article.plain
    facts = []
    for m in RE_QUANTITY.finditer(plain):
        value = float(m.group(1))
        value = int(value) if value.is_integer() else value
        s, e = m.start(), m.end()
        sent_start = max(plain.rfind(c, 0, s) for c in "。！？!\n") + 1
        ends = [i for i in (plain.find(c, e) for c in "。！？!\n") if i >= 0]
        sent_end = min(ends) + 1 if ends else len(plain)
        facts.append(Fact(
            start=s, end=e, span=article.text[s:e], value=value, unit=m.group(3),
            approx="over" if m.group(2) else "exact", subject=None, metric="other",
            year=None, sentence=article.text[sent_start:sent_end].strip(),
        ))
    return facts
