"""Facts: every quantity with what it counts (subject), its metric and its year.

Quantities come from ``extract.numbers`` (patterns over characters); the words around
each one are segmented with our jieba tokenizer to find the subject, in either order:
``56支志愿服务队`` (subject after) or ``成立离退休党支部和党小组47个`` (subject before).
The metric is decided from the subject's head keyword (``data/metrics.tsv``), then the
unit (``data/units.tsv``); the year from the sentence or its reporting period.

>>> from corpus.article import Article
>>> [(f.span, f.subject, f.metric, f.year) for f in extract_facts(Article("a", "2024年，召开网络会议6次。"))]
[('6次', '网络会议', 'activities', 2024)]
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from corpus.article import Article
from extract.analysis import Fact
from extract.document import RE_ITEM, Document, Sentence, as_document, sentence_at, split_sentences
from extract.fact_model import LinearModel, metric_model, subject_model
from extract.numbers import Quantity, Unit, find_quantities, units
from extract.tables import read_tsv
from extract.segment import tokenize, word_tags

# Clause boundaries for the subject search (、 splits lists: 老人、未成年人 → 未成年人).
CLAUSE_BREAKS = set("，,；;：:。！？!、（）()|\n\t 　【】[]《》")
QUOTES = "“”‘’\"'「」『』"
SPACES = " \u00a0"
# Tokens stripped from the edges of a subject: framing, not what is counted.
EDGE_WORDS = frozenset(
    "达 达到 共 共有 有 计 累计 合计 总计 为 是 约 约有 已 已有 现有 其中 目前 截至 截至目前 共计 "
    "全区 全市 全县 全镇 全省 全街道 该区 该市 该县 各类 各 各种 各项 等 及 和 与 了 的 "
    "先后 相继 分别 同时 还 并 均 都 新 再 又 多 余 仅 就 将 已经 一共 总共 年均 每年 每月 累计达 "
    "多达 高达 达到了 壮大到 增至 增加到 超过 是 即 全部 均已 都已".split()
)
# 社区现有居民3200人: what exists is counted, not the place that has it (现有 is tagged b).
EXISTENCE_WORDS = frozenset("有 现有 共有 约有 已有 拥有 尚有 还有".split())
ASPECT_MARKERS = frozenset("了 着 过".split())
NOUNISH = ("n", "vn", "j", "nz", "nt", "ns", "nr", "ng", "an", "l", "b", "m", "q", "x", "eng", "i")
BREAK_TAGS = ("v", "d", "p", "c", "u", "r", "f", "t", "y", "e", "o", "z")
RE_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年(?!龄|级|代|党龄)")
RE_PERIOD_OPEN = re.compile(r"(?:19|20)[0-9]{2}\s*年(?![0-9一二三四五六七八九十]{1,2}月|[0-9]{1,2}月)")
RE_NO_YEAR = re.compile(r"今年|去年|前年|近年来|近年|当年")
RE_TIME_FRAME = re.compile(
    r"截至|截止|目前|至今|现有|近[0-9一二两三四五六七八九十]+年|[0-9一二两三四五六七八九十]+年来|多年来|近年|今年|去年|每年|年均|此前"
)
# Words that may open a reporting period: 截至2024年, 自2023年以来.
RE_PERIOD_LEAD = re.compile(r"^\s*(截至|截止|自|从|在)?")
UNTIL = ("截至", "截止")
RE_BREAKDOWN = re.compile(r"\s*其中")
RE_SUMMARY = re.compile(r"\s*(摘要|内容摘要|导读)[:：]")
# N个乡镇…分别组建退休干部党支部: the counted units each set up a branch (corpus README).
SETS_UP_BRANCH = r"(?:成立|建立|组建|设立)了?[^，,。；;]{0,12}?(?:党支部|党组织|党小组|党总支|党工委|党委)"
RE_EACH_BRANCH = re.compile(rf"^[^，,。；;：:]{{0,30}}?(?:分别|各自|均){SETS_UP_BRANCH}")
# 9地市、85县市区成立了老干部党工委: counted units opening the clause set up branches
# themselves, with or without 分别 (not 在12家企业中建立党组织, where they host one).
RE_CLAUSE_HEAD = re.compile(r"[，,；;：:。！？!]")
RE_HOST_BEFORE = re.compile(r"[在为帮给向对从]|助推|指导")
RE_OWN_BRANCH = re.compile(rf"^[^，,。；;：:中内里为帮]{{0,30}}?(?:分别|各自|均)?{SETS_UP_BRANCH}")
# 由…8名村民组建/组成: the people make up the team, so they are its members.
RE_MEMBERS_OF = re.compile(r"^[^，,。；;]{0,12}?(?:组建|组成|共同组建)")
RE_ORGANISATION = re.compile(r"支部|党委|党组织|党总支|党小组|队|团|协会|委员会|中心|站|室")
# A subject longer than this many Chinese characters has swallowed its clause (scraped text
# without punctuation): the head noun is kept, the words before it dropped.
MAX_SUBJECT_CJK = 12
RE_CJK = re.compile(r"[\u4e00-\u9fff]")
# Characters a subject can hold besides word characters; any other symbol (emoji, …, ★)
# ends the clause like punctuation.
SUBJECT_SYMBOLS = set(QUOTES + "·・-－+＋%％.．&/—~～")
# The last character of a predicate that says what its subject grew to (发展到, 增至, 达).
RESULT_ENDINGS = ("到", "至", "为", "达")
RE_LIST_GAP = re.compile(r"[、和及]?[^，,；;。、]{0,8}")
# Verbs whose object is the people served (惠及700多万人次, 服务群众3000人次).
RE_BENEFIT_BEFORE = re.compile(r"(?:惠及|受益|覆盖|辐射|服务|帮助|帮扶|救助|受惠)$")
# 由12个分队组成的合唱团: the number counts the noun before the relative verb.
# A quoted name opening the words after a figure: 30场“手把手教老人用手机”活动.
RE_QUOTED_NAME = re.compile(r"“([^”]{1,20})”")
MEMBER_VERBS = frozenset("组成 组建 构成".split())
# Units that measure size, not work: 占地23310平方米 is `other` whatever the subject.
MEASURE_KINDS = ("area", "length", "weight")


@lru_cache(maxsize=1)
def metric_keywords() -> dict[str, str]:
    """keyword → metric from ``data/metrics.tsv`` (simplified; the head noun decides)."""
    return {r["keyword"]: r["metric"] for r in read_tsv("metrics.tsv")}


@lru_cache(maxsize=1)
def _fallback_subjects() -> dict[str, str]:
    return {r["key"]: r["subject"] for r in read_tsv("fallback_subjects.tsv")}


def fallback_subject(metric: str, unit: str | None) -> str:
    """A generic subject for a figure whose sentence names no counted thing (``data/
    fallback_subjects.tsv``): every fact has a subject, as the gold format requires.

    >>> fallback_subject("funds", "元"), fallback_subject("other", "亩"), fallback_subject("other", "条")
    ('资金', '面积', '数量')
    """
    table = _fallback_subjects()
    return table.get(f"metric:{metric}") or table.get(f"unit:{unit}") or "数量"


@lru_cache(maxsize=1)
def population_words() -> dict[str, frozenset[str]]:
    """role → words, from ``data/population_words.tsv``.

    ``place``: residential places (社区, 大院) whose sentence may state a population, unless a
    ``not_place_after`` word follows (社区党委); ``background``: what a population statement
    is made of (某大院现有住户900户，退休干部210人) — any other verb or a preposition
    (为150名退役军人提供服务) means the people take part in work; ``state``: state verbs
    that modify people (退休党员, 留守儿童).
    """
    out: dict[str, set[str]] = {}
    for r in read_tsv("population_words.tsv"):
        out.setdefault(r["role"], set()).add(r["word"])
    return {role: frozenset(words) for role, words in out.items()}


@lru_cache(maxsize=1)
def _residence_re() -> re.Pattern:
    """A residential place as the topic of a sentence: what follows counts its population."""
    def alt(role: str) -> str:
        return "|".join(map(re.escape, sorted(population_words()[role], key=len, reverse=True)))
    return re.compile(f"(?:{alt('place')})(?!{alt('not_place_after')})")


@lru_cache(maxsize=1)
def time_words() -> frozenset[str]:
    """Time adverbials (前不久, 近日) from ``data/time_words.tsv``: they end a noun phrase."""
    return frozenset(r["word"] for r in read_tsv("time_words.tsv"))


@lru_cache(maxsize=1)
def implied_units() -> dict[str, str]:
    """keyword before a bare number → its unit (``管理人口约21万`` → 人, ``资金200万`` → 元)."""
    return {r["keyword"]: r["unit"] for r in read_tsv("implied_units.tsv")}


# A "sentence" in scraped text can be a whole page without punctuation: every fact would copy
# all of it (10,000 numbers on one line made a 1 GB prediction). Past this length the sentence
# is cut to a window around the figure, at clause punctuation where there is some.
MAX_SENTENCE_CHARS = 300
RE_CLAUSE_END = re.compile(r"[，,；;：:、]")


def sentence_window(text: str, start: int, end: int, q_start: int, q_end: int,
                    limit: int = MAX_SENTENCE_CHARS) -> tuple[int, int]:
    """``(start, end)`` of the sentence, or of a window of at most ``limit`` characters
    around the figure ``[q_start, q_end)`` inside it.

    >>> t = "，".join(["开展活动%d场" % i for i in range(100)])
    >>> a, b = sentence_window(t, 0, len(t), t.index("50场"), t.index("50场") + 3, limit=40)
    >>> b - a <= 40 and "开展活动50场" in t[a:b]
    True
    """
    if end - start <= limit:
        return start, end
    half = (limit - (q_end - q_start)) // 2
    lo, hi = max(start, q_start - half), min(end, q_end + half)
    cut = [m.end() for m in RE_CLAUSE_END.finditer(text, lo, q_start)]
    lo = cut[0] if cut else lo
    cut = [m.start() + 1 for m in RE_CLAUSE_END.finditer(text, q_end, hi)]
    hi = cut[-1] if cut else hi
    return lo, hi


@dataclass(frozen=True, slots=True)
class Candidate:
    """A noun phrase that may name what a figure counts, and the rule that proposed it."""

    text: str
    source: str   # rule | left | right | right-open | head | share


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity with everything the rules found about it: what the models read.

    ``before``/``after`` are the clause text between the previous figure (or the sentence
    start) and this one, and from it to the next figure (or the sentence end)."""

    q: Quantity
    sentence: Sentence
    unit: str
    year: int | None
    rule_subject: str | None
    rule_metric: str
    candidates: tuple[Candidate, ...]
    before: str
    after: str
    notes: tuple[str, ...] = ()   # rule decisions worth a feature (population: background figure)


def find_figures(plain: str, sentences: tuple[Sentence, ...] | None = None) -> list[Figure]:
    """The rule pass over a simplified body: every quantity that is a fact, with the rules'
    subject and metric and the other subject candidates (``extract_facts`` lets the models
    choose among them). ``sentences``: ``split_sentences(plain)`` when already made."""
    sentences = split_sentences(plain) if sentences is None else sentences
    if not sentences:
        return []
    quantities = _all_quantities(plain)
    years = sentence_years(plain, sentences)
    first_seen = _first_copies(plain, sentences)
    figures: list[Figure] = []
    prev_end = 0
    population_at = -1
    marks: dict[int, tuple[tuple[int, int, int], ...]] = {}   # sentence → its years
    for n, q in enumerate(quantities):
        i = sentence_at(sentences, q.start)
        s = sentences[i]
        if _not_reported(plain, s, i, q, first_seen):
            continue
        left_bound = max(s.start, prev_end)
        right_bound = _right_bound(s, quantities, n)
        last = _last_in_sentence(figures, s)
        own = find_subject(plain, q, left_bound, right_bound)
        subject, share = _borrowed_subject(plain, q, own, last)
        unit = q.unit or _implied_unit(plain[s.start:q.start])
        metric = decide_metric(subject, unit, q, plain[left_bound:q.start], plain[q.end:s.end],
                               plain[s.start:q.start])
        background = _counts_population(plain, s, q, subject, metric, last, population_at)
        if background:
            metric = "other"     # 住户有1235户，其中散户112户、安置户193户: the list goes on
            population_at = q.start
        if i not in marks:
            marks[i] = year_marks(plain, s)
        figures.append(Figure(
            q=q, sentence=s, unit=unit, year=figure_year(plain, s, q, years[i], marks[i]),
            rule_subject=subject, rule_metric=metric,
            candidates=subject_candidates(plain, q, left_bound, right_bound, subject, share),
            before=plain[left_bound:q.start], after=plain[q.end:right_bound],
            notes=("population",) if background else (),
        ))
        prev_end = _claimed_end(plain, q, subject)
    return figures


def _all_quantities(plain: str) -> list[Quantity]:
    """Quantities in text order, with the bare numbers of table cells (``党员数\\n35``) the
    patterns alone miss."""
    quantities = find_quantities(plain)
    quantities += _table_cells(plain, quantities)
    quantities.sort(key=lambda q: q.start)
    return quantities


def _first_copies(plain: str, sentences: tuple[Sentence, ...]) -> dict[str, int]:
    """Sentence text → index of its first occurrence: scrapers repeat blocks of a page."""
    first_seen: dict[str, int] = {}
    for i, s in enumerate(sentences):
        first_seen.setdefault(plain[s.start:s.end].strip(), i)
    return first_seen


def _not_reported(plain: str, s: Sentence, i: int, q: Quantity, first_seen: dict[str, int]) -> bool:
    """True when ``q`` is not a fact of the article: a second copy of a sentence the scraper
    duplicated, an abstract (摘要：), or an explanation in brackets."""
    key = plain[s.start:s.end].strip()
    if len(key) >= 12 and first_seen[key] != i:
        return True   # text the scraper duplicated: only the first copy counts
    return _in_summary(plain, s) or _in_explanation(plain, q.start, s.start)


def _right_bound(s: Sentence, quantities: list[Quantity], n: int) -> int:
    """Where the text after quantity ``n`` stops being its own: the next quantity, or the
    sentence end."""
    return min(s.end, quantities[n + 1].start) if n + 1 < len(quantities) else s.end


def _last_in_sentence(figures: list[Figure], s: Sentence) -> Figure | None:
    """The figure just before, when it is in the same sentence: only there may a figure
    lend its subject (``社员85户260人``) or list (``其中散户112户``) to the next."""
    last = figures[-1] if figures else None
    return last if last and last.q.start >= s.start else None


def _share_of(last: Figure) -> str | None:
    """``其中80岁以上29人，占36.1%``: the share (…占比) of what the figure before counted,
    when that names at least two characters."""
    base = (last.rule_subject or fallback_subject(last.rule_metric, last.unit)).removesuffix("占比")
    return base + "占比" if len(RE_CJK.findall(base)) >= 2 else None


def _borrowed_subject(plain: str, q: Quantity, subject: str | None,
                      last: Figure | None) -> tuple[str | None, str | None]:
    """(subject, share): a ratio with no noun of its own is the share of the figure before
    (``占36.1%``); a figure stacked on the one before counts the same group in another
    unit (``社员85户260人``, ``奖励500元(4名)``)."""
    share = None
    if q.kind == "ratio" and last:
        share = _share_of(last)
        subject = subject or share
    if subject is None and last and RE_STACKED_GAP.fullmatch(plain, last.q.end, q.start):
        subject = last.rule_subject
    return subject, share


def _counts_population(plain: str, s: Sentence, q: Quantity, subject: str | None, metric: str,
                       last: Figure | None, population_at: int) -> bool:
    """True when a figure the rules read as people served is the population of a place
    (background, ``other``), or continues the list of such a figure just before
    (``住户有1235户，其中散户112户、安置户193户``)."""
    return metric in ("participants", "beneficiaries") and bool(
        _is_population(plain, s.start, q, subject)
        or last and population_at == last.q.start
        and RE_LIST_GAP.fullmatch(plain, last.q.end, q.start))


def _claimed_end(plain: str, q: Quantity, subject: str | None) -> int:
    """Where the next figure's text may start: a noun glued after the number
    (``56支志愿服务队``) belongs to this quantity, not to the next one's left side."""
    if subject and plain.startswith(subject, q.end):
        return q.end + len(subject)
    return q.end


# Between two figures that count the same thing in two units: nothing, or an opening bracket.
RE_STACKED_GAP = re.compile(r"[ \u00a0(（]*")


def extract_facts(doc: Document | Article) -> list[Fact]:
    """Every reported quantity of a document as a Fact (offsets into its text).

    ``doc`` is an ``extract.document.Document`` or an ``Article`` (``as_document`` accepts
    both). The rules propose (``find_figures``); the models in ``data/`` choose the subject
    among the candidates and the metric, and say how sure they are (``confidence``,
    ``evidence``). Without trained models the rules decide alone."""
    document = as_document(doc)
    plain, text = document.plain, document.text
    facts: list[Fact] = []
    for fig in find_figures(plain, document.sentences):
        q, s = fig.q, fig.sentence
        subject, p_subject, why_subject = choose_subject(plain, fig)
        metric, p_metric, why_metric = choose_metric(plain, fig, fig.rule_subject)
        subject = subject or fallback_subject(metric, fig.unit)
        lo, hi = sentence_window(text, s.start, s.end, q.start, q.end)
        raw_sentence = text[lo:hi]
        lead = len(raw_sentence) - len(raw_sentence.lstrip())
        value, unit, why_value = _to_yuan(q.value, fig.unit)
        certainty, why_number = number_certainty(q)
        facts.append(Fact(
            start=q.start, end=q.end, span=text[q.start:q.end], value=value, unit=unit,
            approx=q.approx, subject=subject, metric=metric, year=fig.year,
            sentence=raw_sentence.strip(), sentence_start=lo + lead,
            confidence=round(certainty * p_subject * p_metric, 3),
            evidence=tuple(e for e in (why_number, why_value, why_subject, why_metric) if e),
        ))
    return facts


def _is_population(plain: str, sent_start: int, q: Quantity, subject: str | None) -> bool:
    """True when ``q`` counts the residents of a place the sentence describes: background,
    not work (corpus README: population figures are ``other``).

    ``某社区建于2019年，现有居民8600人，其中退役军人140人`` → both True;
    ``社区为150名退役军人提供服务`` → False (a preposition: they are served).
    Party members keep their metric (``社区现有党员56名``), and so do team members
    (``社区有一支由12名老兵组成的服务队``).
    """
    if units().get(q.unit) is None or units()[q.unit].kind not in ("person", "household") \
            or subject and "党员" in subject:
        return False
    before = plain[max(sent_start, q.start - MAX_SENTENCE_CHARS):q.start]   # windowed: see sentence_window
    places = list(_residence_re().finditer(before))
    if not places:
        return False
    between = before[places[-1].end():]
    if RE_ORGANISATION.search(between) or RE_MEMBERS_OF.match(plain, q.end):
        return False
    # The figure must close its clause (住户有1235户，其中…; 320户960人): when the clause
    # goes on (村210户农民以土地入股…, 百余人现场观看), the people act in the story.
    rest = _clause(plain, q.end, len(plain), +1)
    if subject and rest.startswith(subject):
        rest = rest[len(subject):]
    if rest and not rest[0].isdigit():
        return False
    tags = word_tags()
    for word, _, _ in tokenize(between):
        tag = tags.get(word) or "x"
        if word not in population_words()["background"] and tag.startswith(("v", "p")) and not tag.startswith("vn"):
            return False
    return True


def _in_explanation(plain: str, pos: int, sent_start: int) -> bool:
    """Inside ``(即…)``: numbers that explain a method (“1+3+N”活动(即1名…联系帮扶3名…))."""
    open_ = max(plain.rfind("(即", sent_start, pos), plain.rfind("（即", sent_start, pos))
    return open_ >= 0 and max(plain.rfind(")", open_, pos), plain.rfind("）", open_, pos)) < 0


def _in_summary(plain: str, s: Sentence) -> bool:
    """Inside a page's automatic 摘要 box (furniture, repeated in the body)."""
    line_start = plain.rfind("\n", 0, s.start) + 1
    return bool(RE_SUMMARY.match(plain, line_start))


# A table header over a count: a short label naming what is counted, then 数 (党员人数).
RE_TABLE_CELL = re.compile(r"(?m)^[ \t　]*([\u4e00-\u9fff]{1,10}数)[ \t　]*\n\s*([0-9]{1,6})[ \t　]*$")
RE_COUNT_SUFFIX = re.compile(r"(?:人数|数量|总数|次数|数)$")


def _table_cells(plain: str, found: list[Quantity]) -> list[Quantity]:
    """A paragraph that is only a number under a header ending in 数 (党员人数 / 82).

    The label must end in a keyword of ``data/metrics.tsv``: page furniture (浏览次数,
    阅读数, 第1页) names nothing the article reports.
    """
    out = []
    for m in RE_TABLE_CELL.finditer(plain):
        header = m.group(1)
        noun = RE_COUNT_SUFFIX.sub("", header)
        if not _ends_with_keyword(noun):
            continue
        unit = "人" if "人" in header else "个"
        out.append(Quantity(m.start(2), m.end(2), m.group(2), int(m.group(2)), unit, "exact",
                            "cell:" + noun))
    return out


def _ends_with_keyword(phrase: str) -> bool:
    """True when ``phrase`` ends in a keyword of ``data/metrics.tsv`` (党员, 志愿服务队)."""
    keywords = metric_keywords()
    return any(phrase[len(phrase) - n:] in keywords for n in _keyword_lengths() if n <= len(phrase))


def _implied_unit(before: str) -> str:
    """The unit a bare number implies from the words before it (default 个)."""
    best, best_pos = "个", -1
    for word, unit in implied_units().items():
        pos = before.rfind(word)
        if pos > best_pos:
            best, best_pos = unit, pos
    return best


def sentence_years(plain: str, sentences: tuple[Sentence, ...]) -> list[int | None]:
    """The year each sentence's figures refer to (corpus README "Year" rules).

    A sentence's own year wins; a year opening a sentence as the reporting period
    (``2024年，…``, ``2023年以来``) carries to the following sentences of the same item or
    paragraph until one with its own time frame; ``今年``/``去年`` give None.
    """
    out: list[int | None] = []
    carry: int | None = None
    carry_item = -1
    for s in sentences:
        body = plain[s.start:s.end]
        if s.item != carry_item:
            carry = None
        found = RE_YEAR.findall(body)
        if found:
            year = int(found[0])
            opener = RE_ITEM.match(body)
            head = body[opener.end():] if opener else body
            lead = RE_PERIOD_LEAD.match(head)
            head = head[lead.end():]
            # 截至2021年6月，…: a date that closes a period, not an event (2022年5月，…)
            period = RE_PERIOD_OPEN.match(head) or lead.group(1) in UNTIL and RE_YEAR.match(head)
            carry = int(head[:4]) if period else None
            carry_item = s.item
            out.append(year)
        elif RE_BREAKDOWN.match(body) and out:
            out.append(out[-1])   # 其中，女性会员…: a breakdown of the sentence before, its year
        elif RE_NO_YEAR.search(body) or RE_TIME_FRAME.search(body):
            carry = None
            out.append(None)
        else:
            out.append(carry)
    return out


def figure_year(plain: str, s: Sentence, q: Quantity, sentence_year: int | None,
                marks: tuple[tuple[int, int, int], ...] | None = None) -> int | None:
    """The year of one figure: the last year its sentence states before it (``2015年成立，
    2018年组建3支服务队`` → 2018; a range ``2016年至2021年共筹集经费80万元`` → 2021). A sentence
    whose years all come after the figure (``筹资3万元，计划2026年修好水渠``) dates something else:
    None. Otherwise the sentence's year (carried from a reporting period). ``marks``:
    ``year_marks(plain, s)``, made once per sentence (a page-long sentence has many figures).

    >>> t = "2015年成立，2018年组建3支服务队，2020年建成5个站点。"
    >>> s = split_sentences(t)[0]
    >>> [figure_year(t, s, q, 2003) for q in find_quantities(t)]
    [2018, 2020]
    >>> t = "筹资3万元，计划2026年修好水渠。"
    >>> figure_year(t, split_sentences(t)[0], find_quantities(t)[0], 2030) is None
    True
    """
    marks = year_marks(plain, s) if marks is None else marks
    if not marks:
        return sentence_year
    k = bisect_right(marks, (q.start, len(plain), 0))   # the marks that end before the figure
    if not k:
        return None
    # 2017年，…(2018年更名为联社)…: a year in brackets is an aside when the sentence states
    # another (十年后(2035年左右) is the only one, and it is the figure's)
    for end, start, year in reversed(marks[max(0, k - MAX_ASIDES):k]):
        if not _in_aside(plain, max(s.start, start - MAX_CLAUSE_CHARS), start, min(q.start, end + MAX_CLAUSE_CHARS)):
            return year
    return marks[k - 1][2]


# How many years before a figure are looked at for one outside brackets.
MAX_ASIDES = 3


def year_marks(plain: str, s: Sentence) -> tuple[tuple[int, int, int], ...]:
    """``(end, start, year)`` of every year the sentence states, in order."""
    return tuple((m.end(), m.start(), int(m.group(1))) for m in RE_YEAR.finditer(plain, s.start, s.end))


def _in_aside(plain: str, sent_start: int, pos: int, until: int) -> bool:
    """True when ``pos`` is inside brackets that open in the sentence and close before ``until``."""
    opened = max(plain.rfind("(", sent_start, pos), plain.rfind("（", sent_start, pos))
    if opened < 0 or max(plain.rfind(")", opened, pos), plain.rfind("）", opened, pos)) >= 0:
        return False
    return max(plain.find(")", pos, until), plain.find("）", pos, until)) >= 0


def find_subject(plain: str, q: Quantity, left_bound: int, sent_end: int) -> str | None:
    """The noun phrase naming what ``q`` counts: after it (``56支志愿服务队``) or before it
    (``成立离退休党支部和党小组47个``); simplified, without edge quotes."""
    if q.kind.startswith("cell:"):
        return q.kind[5:] or None
    for noun in noun_units():
        if q.span.endswith(noun):
            return noun          # 5部门: the measure word is the counted noun
    left_cache: list[str | None] = []

    def left() -> str | None:
        if not left_cache:
            left_cache.append(_left_subject(plain, q, left_bound))
        return left_cache[0]

    def left_empty() -> bool:
        # A lone verb before the number (促成12个建“站”申报) does not name the counted thing.
        if plain[q.start - 1:q.start] == "的":
            return True   # 报到的6名在职党员: the clause before only describes them
        found = left()
        return not found or word_tags().get(found, "").startswith("v") and found in _words(found)

    if not q.unit:               # 租金超40万/年, 管理人口约21万: the subject comes first
        right = _right_subject(plain, q, sent_end, left_empty)
        if right and plain.startswith(right, q.end):
            return right         # 录入5.6万常住人口数据: a noun glued to the number
        return left() or right
    if q.kind == "money" and not left_empty():
        return left()            # 投资60亿欧元建设工厂: what follows money is its purpose
    return _right_subject(plain, q, sent_end, left_empty) or left()


def _words(text: str) -> set[str]:
    return {w for w, _, _ in tokenize(text)}


# A clause runs to the next break, but never further than this: a line with no punctuation
# would otherwise be tokenized once per number on it (quadratic; found by benchmarks/fuzz.py).
MAX_CLAUSE_CHARS = 80


def _clause(plain: str, start: int, end: int, step: int) -> str:
    """Characters from ``start`` towards ``end`` up to the first clause break; a typeset
    space next to the number (``260 余名 党员``) is skipped, not a break."""
    end = min(end, start + MAX_CLAUSE_CHARS) if step > 0 else max(end, start - MAX_CLAUSE_CHARS)
    if step > 0:
        while start < end and plain[start] in SPACES:
            start += 1
        i = start
        while i < end and not _breaks_clause(plain[i]):
            i += 1
        return plain[start:i]
    while start > end and plain[start - 1] in SPACES:
        start -= 1
    i = start
    while i > end and not _breaks_clause(plain[i - 1]):
        i -= 1
    return plain[i:start]


def _breaks_clause(ch: str) -> bool:
    """Punctuation, and symbols no name is written with (emoji, ……, ★)."""
    return ch in CLAUSE_BREAKS or not (ch.isalnum() or ch == "_" or ch in SUBJECT_SYMBOLS)


def _tagged(fragment: str) -> list[tuple[str, str]]:
    # Every figure tags the same clauses several times over: memoised, which halves the facts
    # stage on number-dense text (found by benchmarks/fuzz.py).
    return list(_tagged_once(fragment))


@lru_cache(maxsize=4096)
def _tagged_once(fragment: str) -> tuple[tuple[str, str], ...]:
    tags = word_tags()
    out = []
    for word, _, _ in tokenize(fragment):
        if word in QUOTES or all(c in QUOTES for c in word):
            out.append((word, "quote"))
        elif word in time_words():
            out.append((word, "t"))     # 前不久 is tagged i (idiom) by jieba: a time word here
        else:
            out.append((word, tags.get(word) or "x"))
    for i in range(len(out) - 1):
        if out[i][1] == "vn" and out[i + 1][0] in ASPECT_MARKERS:
            out[i] = (out[i][0], "v")   # 交流了经验: used as a verb here, not a noun
    return tuple(out)


def _is_noun(word: str, tag: str) -> bool:
    return word not in EDGE_WORDS and tag.startswith(NOUNISH) and tag != "quote"


def _is_break(word: str, tag: str) -> bool:
    if word in EDGE_WORDS or word == "的":
        return True
    return tag.startswith(BREAK_TAGS) and not tag.startswith("vn")


def _join(tokens: list[tuple[str, str]]) -> str:
    """The tokens' text without edge quotes, but a quoted name inside stays whole
    (“五星”示范岗 keeps its opening mark)."""
    s = "".join(w for w, _ in tokens).strip(QUOTES + " ")
    close = s.find("”")
    if close >= 0 and "“" not in s[:close]:
        s = "“" + s
    open_ = s.rfind("“")
    if open_ >= 0 and "”" not in s[open_:]:
        s += "”"
    return s


def _runs(tokens: list[tuple[str, str]]) -> list[tuple[int, list[tuple[str, str]]]]:
    """Maximal runs of non-break tokens that hold at least one noun, with their start index."""
    runs, cur, start = [], [], 0
    for i, tok in enumerate(tokens + [("", "v")]):
        if _is_break(*tok) or i == len(tokens):
            if any(_is_noun(*t) for t in cur):
                runs.append((start, cur))
            cur, start = [], i + 1
        else:
            cur.append(tok)
    return runs


@lru_cache(maxsize=1)
def noun_units() -> tuple[str, ...]:
    """Nouns written where a measure word goes (``5部门`` → unit 个, subject 部门)."""
    return tuple(u.surface for u in units().values() if u.surface != u.unit and u.kind == "count")


# A segmented word and its part-of-speech tag, as ``_tagged`` returns them.
Token = tuple[str, str]


def _first_run(tokens: list[Token], at: int) -> list[Token] | None:
    """The first noun run of ``tokens`` when it starts at index ``at``, else None: a phrase
    that opens right where a rule expects its noun (``三位退休农技专家`` → 农技专家)."""
    runs = _runs(tokens)
    return runs[0][1] if runs and runs[0][0] == at else None


def _skip_quotes(tokens: list[Token]) -> int:
    """Index of the first token that is not a quotation mark: the words after a figure may
    open a quoted name (30场“手把手”活动)."""
    lead = 0
    while lead < len(tokens) and tokens[lead][1] == "quote":
        lead += 1
    return lead


def _quoted_name(fragment: str, tokens: list[Token], lead: int) -> str | None:
    """``“手把手教居民用手机”活动`` → the whole name: a quoted name with a verb inside (or one
    that does not open with a noun) is named whole, with the noun run right after it."""
    quoted = RE_QUOTED_NAME.match(fragment)
    if not quoted or _is_noun(*tokens[lead]) and not any(_is_break(*t) for t in _tagged(quoted.group(1))):
        return None
    rest = _runs(_tagged(fragment[quoted.end():]))
    tail = _join(rest[0][1]) if rest and rest[0][0] == 0 else ""
    return quoted.group(1) + tail


def _state_verb_phrase(tokens: list[Token], lead: int) -> str | None:
    """``三位退休农技专家`` → 退休农技专家: a state verb (``population_words.tsv``, role
    ``state``) before a noun modifies it, so it stays in the subject."""
    if tokens[lead][0] not in population_words()["state"] or lead + 1 >= len(tokens) \
            or not _is_noun(*tokens[lead + 1]):
        return None
    run = _first_run(tokens[lead + 1:], 0)
    return tokens[lead][0] + _join(run) if run else None


def _opens_with_verb(token: Token) -> bool:
    """The words after the figure open with neither a noun, 的 nor an adjective
    (``12个治理片区``: 治理 is tagged as a verb)."""
    return not _is_noun(*token) and token[0] != "的" and not token[1].startswith("a")


def _verb_opening_subject(tokens: list[Token], lead: int, left_empty: Callable[[], bool]) -> str | None:
    """The subject when a verb follows the figure: the noun after a relative clause
    (``1名熟悉党建业务的联络员`` → 联络员), else — only when nothing before the figure names
    it — the words up to the first noun run, verb included (``12个治理片区`` → 治理片区)."""
    words = [w for w, _ in tokens]
    if "的" in words:
        run = _first_run(tokens[words.index("的") + 1:], 0)
        if run:
            return _join(run)
    if not left_empty():
        return None
    while lead < len(tokens) and tokens[lead][0] in EDGE_WORDS:
        lead += 1
    tokens = tokens[lead:]
    runs = _runs(tokens)
    return _join(tokens[:runs[0][0] + len(runs[0][1])]) if runs else None


def _de_modifies_next(before: list[Token]) -> bool:
    """The words before 的 do not end in a noun (``12条线路所经过的``: 经过 is tagged p):
    they describe the noun after 的, not a noun of their own."""
    head = [t for t in before if t[1] != "quote"]
    return not head or not _is_noun(*head[-1]) or head[-1][1] in ("m", "q")


def _noun_around_de(before: list[Token], after: list[Token], lead: int) -> str | None:
    """The noun a 的 points to, or None when neither case applies: the parts of a whole
    (``由12个分队组成的合唱团`` → 分队), or the noun after a relative clause that describes it."""
    head = [t for t in before if t[1] != "quote"]
    if head and head[-1][0] in MEMBER_VERBS:
        run = _first_run(before[:-1], lead)
        if run:
            return _join(run)
    if _de_modifies_next(before):
        run = _first_run(after, 0)
        if run:
            return _join(run)
    return None


def _name_spans_verb(tokens: list[Token], first: tuple[int, list[Token]],
                     second: tuple[int, list[Token]]) -> bool:
    """``助力振兴“夕阳红”专项服务队``: two noun runs split by one verb make one name when
    only the second holds a metric keyword, or a keyword starts before it."""
    (first_start, first_run), (second_start, second_run) = first, second
    gap = first_start + len(first_run)
    joined = _join(tokens[first_start:second_start + len(second_run)])
    return bool(second_start == gap + 1 and (
        _head_metric(_join(first_run)) is None and _head_metric(_join(second_run))
        or _keyword_starts_before(joined, len(_join(second_run)))))


def _noun_run_subject(tokens: list[Token], lead: int) -> str | None:
    """The first noun run after the figure (``56支志愿服务队`` → 志愿服务队); the last one
    when words come between, and a name joined across one verb (see ``_name_spans_verb``)."""
    runs = _runs(tokens)
    if not runs:
        return None
    first_start, first = runs[0]
    if first_start > lead:
        return _join(runs[-1][1]) or None
    if len(runs) > 1 and _name_spans_verb(tokens, runs[0], runs[1]):
        second_start, second = runs[1]
        return _join(tokens[first_start:second_start + len(second)])
    return _join(first) or None


def _right_subject(plain: str, q: Quantity, sent_end: int,
                   left_empty: Callable[[], bool] = lambda: False) -> str | None:
    """What the figure counts, named after it (``56支志愿服务队`` → 志愿服务队), or None.

    ``left_empty`` says whether nothing before the figure names it: only then may a verb
    after the figure open the subject."""
    fragment = _clause(plain, q.end, sent_end, +1)
    if not fragment or q.kind == "ratio" and not fragment.startswith("的"):
        return None
    tokens = _tagged(fragment)
    lead = _skip_quotes(tokens)
    if lead >= len(tokens):
        return None
    named = _quoted_name(fragment, tokens, lead) or _state_verb_phrase(tokens, lead)
    if named:
        return named
    if _opens_with_verb(tokens[lead]):
        return _verb_opening_subject(tokens, lead, left_empty)
    words = [w for w, _ in tokens]
    if "的" in words:
        k = words.index("的")
        before = tokens[:k]
        noun = _noun_around_de(before, tokens[k + 1:], lead)
        if noun is not None:
            return noun or None
        if _de_modifies_next(before) and not _first_run(before, lead):
            return None      # 12条线路所经过的: else the noun before the relative clause
        tokens = before
    return _noun_run_subject(tokens, lead)


def _left_subject(plain: str, q: Quantity, left_bound: int) -> str | None:
    fragment = _clause(plain, q.start, left_bound, -1)
    if not fragment:
        return None
    if "的" in fragment:
        after = fragment.rsplit("的", 1)[1]
        subject = _left_phrase(_tagged(after))
        if subject:
            return subject
        fragment = fragment.rsplit("的", 1)[0]
    return _left_phrase(_tagged(fragment))


# Tags that cannot end a counted noun phrase (adverb, preposition, pronoun, particle,
# conjunction, time) or open one (the same, and locality words such as 中/里).
NOT_PHRASE_END_TAGS = ("d", "p", "r", "u", "c", "t")
NOT_PHRASE_START_TAGS = ("t", "r", "p", "d", "f", "c", "u")


def _after_copula(tokens: list[Token]) -> list[Token]:
    """``计划是出演`` → 出演: what 是 introduces is counted, not the topic before it."""
    copula = [i for i, (w, _) in enumerate(tokens[:-1]) if w == "是"]
    return tokens[copula[-1] + 1:] if copula else tokens


def _is_predicate_tail(tokens: list[Token]) -> bool:
    """The last token is framing or a predicate, not the noun: an edge word, a function
    word, or an adjective after a noun (服务满意度高(达95%)) — unless the two tokens are
    one word the segmenter split (时|长)."""
    word, tag = tokens[-1]
    return (word in EDGE_WORDS or tag.startswith(NOT_PHRASE_END_TAGS)
            or tag == "a" and any(_is_noun(*t) for t in tokens[:-1])
            and tokens[-2][0] + word not in word_tags())


def _without_count_word(tokens: list[Token]) -> list[Token]:
    """``签约医生人数从…`` → 签约医生: the counted noun, not "number of" (COUNT_WORDS)."""
    if len(tokens) > 1 and tokens[-1][0] in COUNT_WORDS and any(_is_noun(*t) for t in tokens[:-1]) \
            and tokens[-2][1] != "b":
        return tokens[:-1]
    return tokens


def _trim_edges(tokens: list[Token]) -> list[Token]:
    """The tokens without the predicate after the noun and the framing before it
    (``服务满意度高`` → 服务满意度, ``各类活动`` → 活动)."""
    while tokens and _is_predicate_tail(tokens):
        tokens = tokens[:-1]
    tokens = _without_count_word(tokens)
    while tokens and (tokens[0][0] in EDGE_WORDS or tokens[0][1].startswith(NOT_PHRASE_START_TAGS)):
        tokens = tokens[1:]
    return tokens


def _opens_phrase_after(tokens: list[Token], i: int) -> bool:
    """``tokens[i]`` ends the words before the counted phrase: a verb (not a verbal noun)
    or existence word with a noun still after it (召开|网络会议), or a time word (目前为止)."""
    word, tag = tokens[i]
    return (tag.startswith("v") and not tag.startswith("vn") or word in EXISTENCE_WORDS) \
        and any(_is_noun(*x) for x in tokens[i + 1:]) or word in time_words()


def _after_last_verb(tokens: list[Token]) -> list[Token]:
    """The words after the last verb (or existence word) that still has a noun after it,
    or after the last time word (``到目前为止已宣讲``); quoted names are kept whole."""
    cut = max((i + 1 for i in range(len(tokens) - 1) if _opens_phrase_after(tokens, i)), default=0)
    phrase = tokens[cut:]
    if cut == 0 and len(phrase) > 1 and all(t.startswith("v") for _, t in phrase if t != "quote"):
        phrase = phrase[1:]   # 开展走访慰问 → 走访慰问
    return _whole_quotes(tokens, len(tokens) - len(phrase))


def _counted_action(phrase: list[Token]) -> list[Token]:
    """``救援中心每年开展搜救`` → 搜救: when the phrase ends in two or more verbs (edge words
    such as 各类 between them skipped), the last action is what is counted."""
    trail, verbs = len(phrase), 0
    while trail and (phrase[trail - 1][1].startswith("v") and not phrase[trail - 1][1].startswith("vn")
                     or verbs and phrase[trail - 1][0] in EDGE_WORDS):
        verbs += phrase[trail - 1][0] not in EDGE_WORDS
        trail -= 1
    while trail < len(phrase) and phrase[trail][0] in EDGE_WORDS:
        trail += 1   # 每年进行各类搜救: the determiners between the verbs are skipped
    return phrase[trail + 1:] if trail and verbs >= 2 else phrase


def _short_head(phrase: list[Token]) -> list[Token]:
    """The phrase without leading edge words, cut to at most MAX_SUBJECT_CJK characters
    from the front: the head noun is last, words before it go first."""
    while phrase and phrase[0][0] in EDGE_WORDS:
        phrase = phrase[1:]
    while len(phrase) > 1 and len(RE_CJK.findall(_join(phrase))) > MAX_SUBJECT_CJK:
        phrase = phrase[1:]
    return phrase


def _left_phrase(tokens: list[Token]) -> str | None:
    """The noun phrase ending a clause, after its last verb (``召开网络会议`` → ``网络会议``)."""
    tokens = _after_copula(tokens)
    tokens = _before_predicate(tokens)
    tokens = _before_distributive(tokens)
    tokens = _trim_edges(tokens)
    if not tokens:
        return None
    phrase = _short_head(_counted_action(_after_last_verb(tokens)))
    subject = _join(phrase)
    if len(subject) > 2 and subject.endswith("数") and _head_metric(subject[:-1]):
        subject = subject[:-1]   # 退休党员数达1824名: the count's noun, not "number of"
    return subject if RE_CJK.search(subject) else None   # 2024年底近1500人: no noun at all


# 优秀学员每人奖励500元: a sum given per head of the group named before it.
DISTRIBUTIVE = frozenset("每人 每户 每名 每位 每个 人均 户均".split())


def _before_distributive(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``会员每户发放`` → ``会员``: before a distributive word followed only by verbs, the
    group that receives is what the figure is about."""
    for i, (word, _) in enumerate(tokens):
        if i and word in DISTRIBUTIVE and any(_is_noun(*t) for t in tokens[:i]) \
                and all(t.startswith("v") for _, t in tokens[i + 1:]):
            return tokens[:i]
    return tokens


def _before_predicate(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``护河队已发展到`` → ``护河队``: an adverb or time word followed by nothing but verbs
    and adjectives that end in 到/至/为/达 says what the noun before it grew to
    (``活动共惠及``: the people reached are counted, the verb stays)."""
    if not tokens or not tokens[-1][0].endswith(RESULT_ENDINGS):
        return tokens
    for i, (word, tag) in enumerate(tokens):
        if i and (tag.startswith(("d", "t")) or word in time_words()) \
                and any(_is_noun(*t) for t in tokens[:i]) \
                and all(t.startswith(("v", "a", "d", "p", "u")) for _, t in tokens[i + 1:]):
            return tokens[:i]
    return tokens


def _whole_quotes(tokens: list[tuple[str, str]], start: int) -> list[tuple[str, str]]:
    """``tokens[start:]``, moved back to the opening mark when it begins inside a quoted name
    (“助老帮扶”服务队), or past the closing mark when the opening one is not in the clause."""
    phrase = tokens[start:]
    text = "".join(w for w, _ in phrase)
    close = text.find("”")
    if close < 0 or "“" in text[:close]:
        return phrase
    for i in range(start - 1, -1, -1):
        if "“" in tokens[i][0]:
            return tokens[i:]
    for i, (word, _) in enumerate(phrase):
        if "”" in word:
            return phrase[i + 1:] or phrase
    return phrase


def decide_metric(subject: str | None, unit: str, q: Quantity, before: str, after: str = "",
                  sentence_before: str | None = None) -> str:
    """One of the twelve metrics: money → funds, % → ratio, else the subject's head keyword,
    the clause's keyword, then the unit's default (``data/units.tsv``).

    ``after`` is the rest of the sentence: ``5个乡镇分别组建退休干部党支部`` → branches,
    ``由8名村民组建`` → participants. ``sentence_before`` is the sentence up to the figure:
    ``在27家企业、63家社会组织建立党组织`` hosts branches for every listed count."""
    unit_info = units().get(unit)
    fixed = _spec_metric(unit, unit_info, q)
    if fixed:
        return fixed
    default = unit_info.metric if unit_info else "other"
    kind = unit_info.kind if unit_info else ""
    if kind in MEASURE_KINDS:
        return default
    if kind == "count" and _sets_up_branch(before, after, sentence_before):
        return "branches"
    if kind == "person" and _served_by_verb(subject, before):
        return "beneficiaries"   # 惠及700多万人次: the people served, named by the verb
    found = _keyword_metric(subject, before)
    if found is None:
        return default
    return _settle_conflict(kind, found, default, q, subject, after)


def _spec_metric(unit: str, unit_info: Unit | None, q: Quantity) -> str | None:
    """funds for money and ratio for a share, whatever the words say (spec-fixed)."""
    if unit == "元" or unit_info and unit_info.kind == "money":
        return "funds"   # 60亿欧元: foreign money keeps its currency as the unit
    if unit == "%" or q.kind == "ratio":
        return "ratio"
    return None


def _sets_up_branch(before: str, after: str, sentence_before: str | None) -> bool:
    """``5个乡镇分别组建退休干部党支部``: the counted places each set up a party branch, so
    the count is of branches, unless the clause says where they were set up
    (``在27家企业建立党组织``: the hosts are counted)."""
    if RE_EACH_BRANCH.match(after):
        return True
    if not RE_OWN_BRANCH.match(after):
        return False
    # Only the sentence's tail can hold the clause: splitting all of it per figure is quadratic
    # in a page-long sentence (found by benchmarks/fuzz.py).
    sentence = before if sentence_before is None else sentence_before
    host_clause = RE_CLAUSE_HEAD.split(sentence[-MAX_CLAUSE_CHARS:])[-1]
    return not RE_HOST_BEFORE.search(host_clause)


def _served_by_verb(subject: str | None, before: str) -> bool:
    """``惠及700多万人次``: a benefit verb right before a count of people names them as
    served, unless another noun stands between (the subject must end the text before)."""
    before = before.rstrip(SPACES)
    return bool(RE_BENEFIT_BEFORE.search(before)) and (subject is None or before.endswith(subject))


def _keyword_metric(subject: str | None, before: str) -> str | None:
    """The metric of the subject's head keyword (``志愿服务队`` → volunteers), else of the
    clause before the figure; a clause keyword saying only ``other`` decides nothing."""
    found = _head_metric(subject) if subject else None
    if found is None:
        clause = _clause(before, len(before), 0, -1) if before else ""
        found = _head_metric(clause) if clause else None
        if found == "other":
            found = None
    return found


def _settle_conflict(kind: str, found: str, default: str, q: Quantity, subject: str | None,
                     after: str) -> str:
    """The keyword's metric, unless a row of ``data/metric_conflicts.tsv`` says the unit
    wins (or names another metric) for this unit kind and keyword."""
    for row in metric_conflicts():
        if row.kind == kind and found in row.keyword_metrics \
                and CONFLICT_CONDITIONS[row.condition](q, subject, found, after):
            return default if row.result == "unit" else row.result
    return found


@dataclass(frozen=True, slots=True)
class MetricConflict:
    """A row of ``data/metric_conflicts.tsv``: what wins when unit and keyword disagree."""

    kind: str
    keyword_metrics: frozenset[str]
    condition: str
    result: str          # a metric, or "unit" for the unit's default metric
    example: str


# The conditions a row of data/metric_conflicts.tsv may name.
CONFLICT_CONDITIONS: dict[str, Callable[[Quantity, str | None, str, str], bool]] = {
    "always": lambda q, subject, found, after: True,
    "written_unit": lambda q, subject, found, after: bool(q.unit),
    "written_not_ge": lambda q, subject, found, after: q.unit not in ("个", ""),
    "members_after": lambda q, subject, found, after: bool(RE_MEMBERS_OF.match(after)),
    "head_not_last": lambda q, subject, found, after: bool(subject) and _head_metric(subject[-2:]) != found,
}


@lru_cache(maxsize=1)
def metric_conflicts() -> tuple[MetricConflict, ...]:
    """The rows of ``data/metric_conflicts.tsv``, in order (the first that holds wins)."""
    rows = []
    for r in read_tsv("metric_conflicts.tsv"):
        if r["condition"] not in CONFLICT_CONDITIONS:
            raise ValueError(f"metric_conflicts.tsv: unknown condition {r['condition']!r}; "
                             f"known: {', '.join(CONFLICT_CONDITIONS)}")
        rows.append(MetricConflict(r["kind"], frozenset(r["keyword_metrics"].split()), r["condition"],
                                   r["result"], r["example"]))
    return tuple(rows)


def _keyword_starts_before(phrase: str, tail: int) -> bool:
    """True when the head keyword of ``phrase`` begins before its last ``tail`` characters
    (``五老宣讲队``: 宣讲队 spans the verb 宣讲 and the noun 队)."""
    keywords = metric_keywords()
    for length in _keyword_lengths():
        if length <= len(phrase) and phrase[len(phrase) - length:] in keywords:
            return length > tail
    return False


@lru_cache(maxsize=1)
def _keyword_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in metric_keywords()}, reverse=True))


def _head_metric(phrase: str) -> str | None:
    """Metric of the keyword that ends last in ``phrase`` (the head), longest on ties."""
    keywords = metric_keywords()
    for end in range(len(phrase), 0, -1):
        for length in _keyword_lengths():
            if length <= end and (metric := keywords.get(phrase[end - length:end])):
                return metric
    return None


# ---------------------------------------------------------------------------------------
# Learned choices. The rules above propose; the models in data/ (extract.fact_model,
# trained by scripts/train_facts.py) read the rules' output as features and choose.
# Features are strings so that the JSON model is a plain table of weights.

def subject_candidates(plain: str, q: Quantity, left_bound: int, sent_end: int,
                       rule: str | None, share: str | None = None) -> tuple[Candidate, ...]:
    """Every noun phrase the rules can read as what ``q`` counts, the rules' choice first.

    >>> t = "在14个社区织密171个治理网格"
    >>> q = next(x for x in find_quantities(t) if x.span == "171个")
    >>> sorted((c.source, c.text) for c in subject_candidates(t, q, t.index("织密"), len(t), "织密"))
    [('head', '网格'), ('left', '织密'), ('right-open', '治理网格'), ('rule', '织密')]
    """
    if q.kind.startswith("cell:") or any(q.span.endswith(noun) for noun in noun_units()):
        return (Candidate(rule, "rule"),) if rule else ()   # 5部门: the measure word is the noun
    found: list[Candidate] = []

    def add(text: str | None, source: str) -> None:
        if text and RE_CJK.search(text):
            found.append(Candidate(text, source))

    add(rule, "rule")
    left = _left_subject(plain, q, left_bound)
    add(left, "left")
    add(_right_subject(plain, q, sent_end, lambda: not left), "right")
    add(_right_subject(plain, q, sent_end, lambda: True), "right-open")
    add(share, "share")
    add(_left_noun(_clause(plain, q.start, left_bound, -1)), "left-noun")
    add(_left_raw(_clause(plain, q.start, left_bound, -1)), "left-raw")
    add(_before_from(plain, q, left_bound), "from")
    add(_right_first(_clause(plain, q.end, sent_end, +1)), "right-first")
    for cand in list(found):
        head = _head_phrase(cand.text)
        if head and head != cand.text:
            add(head, "head")
    return tuple(found)


# Counting words after the noun they count (注册志愿者人数达): the noun is the subject.
COUNT_WORDS = ("人数", "总人数", "数量", "总数", "总量", "总额", "数")
# What closes a clause before a figure without naming anything (…的占, 分别占, 高达, 仅为).
RE_LEFT_TAIL = re.compile(r"(?:的|占|分别|达到?|高达|多达|仅为?|只有|为|有|约|是|共|计|累计|合计|突破|超过|增至|增加到|上升到|发展到|扩大到)+$")
RE_FROM = re.compile(r"(?:从|由)[^，,；;。]{0,12}?[0-9一二三四五六七八九十百千万]")


def _left_noun(clause: str) -> str | None:
    """The noun run that closes ``clause`` once trailing verbs, adverbs and counting words
    are dropped (``老年大学学员高达`` → ``老年大学学员``, ``注册志愿者人数达`` → ``志愿者``)."""
    tokens = _tagged(clause)
    while tokens and not _is_noun(*tokens[-1]):
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[-1][0] in COUNT_WORDS and _is_noun(*tokens[-2]):
        tokens = tokens[:-1]
    start = len(tokens)
    while start and (_is_noun(*tokens[start - 1]) and tokens[start - 1][1] not in ("m", "q", "x")):
        start -= 1
    phrase = _join(tokens[start:])
    return phrase if len(RE_CJK.findall(phrase)) <= MAX_SUBJECT_CJK else None


def _left_raw(clause: str) -> str | None:
    """The whole short clause before a figure without its closing verb (``35岁及以下的占``
    → ``35岁及以下``): a group named by a description rather than a noun."""
    body = RE_LEFT_TAIL.sub("", clause.strip(SPACES + QUOTES))
    n = len(RE_CJK.findall(body))
    tags = [t for _, t in _tagged(body)]
    if not 1 <= n <= 8 or "的" in body or any(t.startswith("v") and t != "vn" for t in tags):
        return None   # 严格落实党费: a predicate; …的人: a noun phrase (_left_noun reads it)
    return body if any(t.startswith(("n", "m", "x")) for t in tags) else None


def _before_from(plain: str, q: Quantity, left_bound: int) -> str | None:
    """``签约医生人数从120人上升到360人``: in a change from one figure to another the
    noun before 从/由 is what both count."""
    sentence_clause = _clause(plain, q.start, 0, -1)
    m = None
    for m in RE_FROM.finditer(sentence_clause):
        pass
    if m is None:
        return None
    return _left_noun(sentence_clause[:m.start()])


def _right_first(clause: str) -> str | None:
    """The first word after a figure when it is a noun, even a one-character one that the
    phrase rules skip (``229个村中`` → ``村``)."""
    tokens = _tagged(clause)
    if not tokens:
        return None
    word, tag = tokens[0]
    return word if tag.startswith(("n", "zg", "j")) and word not in EDGE_WORDS else None


def _head_phrase(phrase: str) -> str | None:
    """The phrase from its last noun run that ends in a metric keyword (``织密治理网格`` →
    ``治理网格``): the head noun with its modifiers, without a verb in front."""
    tokens = _tagged(phrase)
    if len(tokens) < 2:
        return None
    end = len(tokens)
    start = end
    while start > 0 and _is_noun(*tokens[start - 1]) or start > 0 and tokens[start - 1][1] == "quote":
        start -= 1
    head = _join(tokens[start:end])
    return head if head and RE_CJK.search(head) else None


def _bucket(n: int) -> str:
    return "1" if n <= 1 else "2" if n == 2 else "3-4" if n <= 4 else "5-6" if n <= 6 else "7-9" if n <= 9 else "10+"


def subject_features(plain: str, fig: Figure, text: str, sources: set[str]) -> dict[str, float]:
    """Features of one subject candidate (``text``, proposed by ``sources``)."""
    q = fig.q
    kind = q.kind.split(":")[0] or "none"
    tokens = _tagged(text)
    tags = [t for _, t in tokens if t != "quote"]
    head = _head_metric(text) or "none"
    default = units()[fig.unit].metric if fig.unit in units() else "other"
    f = {"bias": 1.0, f"n_sources={len(sources)}": 1.0, f"len={_bucket(len(RE_CJK.findall(text)))}": 1.0,
         f"head={head}": 1.0, f"head={head}|kind={kind}": 1.0, f"last={text[-1]}": 1.0,
         f"first_tag={tags[0][:1] if tags else 'none'}": 1.0, f"last_tag={tags[-1][:2] if tags else 'none'}": 1.0,
         f"tokens={_bucket(len(tokens))}": 1.0}
    for source in sources:
        f[f"src={source}"] = 1.0
        f[f"src={source}|kind={kind}"] = 1.0
        f[f"src={source}|unit={'yes' if q.unit else 'no'}"] = 1.0
    if len(text) >= 2:
        f[f"last2={text[-2:]}"] = 1.0
    if head == default:
        f["head=unit_default"] = 1.0
    if tags and all(t.startswith("v") and not t.startswith("vn") for t in tags):
        f["all_verbs"] = 1.0
    if "的" in text:
        f["has_de"] = 1.0
    if plain.startswith(text, q.end):
        f["glued_right"] = 1.0
    if plain.endswith(text, 0, q.start):
        f["glued_left"] = 1.0
    if _ends_with_keyword(text):
        f["ends_keyword"] = 1.0
    if text in population_words().get("place", ()):
        f["is_place"] = 1.0
    return f


def subject_pairs(plain: str, fig: Figure) -> list[tuple[str, dict[str, float]]]:
    """(candidate, features) for each candidate other than the rules' choice: the features
    of the candidate minus those of the rules' choice (the model learns when to override)."""
    sources: dict[str, set[str]] = {}
    for c in fig.candidates:
        sources.setdefault(c.text, set()).add(c.source)
    rule = fig.rule_subject
    base = subject_features(plain, fig, rule, sources.get(rule, {"rule"})) if rule else {"rule_none": 1.0}
    quality = _rule_quality(rule)
    out = []
    for text, srcs in sources.items():
        if text == rule:
            continue
        f = subject_features(plain, fig, text, srcs)
        diff = {k: v - base.get(k, 0.0) for k, v in f.items()}
        diff.update({k: -v for k, v in base.items() if k not in f})
        diff.update(_relation(text, rule, quality))
        out.append((text, {k: v for k, v in diff.items() if v}))
    return out


def doubtful(rule: str | None) -> bool:
    """True when the rules' subject may be replaced: none, one character, a verb or words
    without a noun (新建, 修缮), or no keyword of ``data/metrics.tsv`` at all. A noun phrase
    with a keyword stays: on such phrases the model's overrides lost as often as they won."""
    quality = _rule_quality(rule)
    return bool(quality.keys() & {"R:none", "R:no_noun", "R:all_verbs", "R:len=1", "R:no_keyword"})


def _rule_quality(rule: str | None) -> dict[str, float]:
    """What makes the rules' subject doubtful: a verb (新建), one character, no noun."""
    if not rule:
        return {"R:none": 1.0}
    tags = [t for _, t in _tagged(rule) if t != "quote"]
    out = {f"R:len={_bucket(len(RE_CJK.findall(rule)))}": 1.0,
           f"R:last_tag={tags[-1][:2] if tags else 'none'}": 1.0}
    if not any(t.startswith(NOUNISH) for t in tags):
        out["R:no_noun"] = 1.0
    if tags and all(t.startswith("v") and not t.startswith("vn") for t in tags):
        out["R:all_verbs"] = 1.0
    if _head_metric(rule) is None:
        out["R:no_keyword"] = 1.0
    return out


def _relation(text: str, rule: str | None, quality: dict[str, float]) -> dict[str, float]:
    """How a candidate stands to the rules' subject: inside it, around it, apart."""
    out = dict(quality)
    if rule and text in rule:
        out["inside_rule"] = 1.0
        out["inside_rule_suffix" if rule.endswith(text) else "inside_rule_other"] = 1.0
    elif rule and rule in text:
        out["around_rule"] = 1.0
    return out


# The subject model replaces the rules' choice only when this sure (cross-validated on the
# annotations: below it, overrides lose as often as they win).
OVERRIDE = 0.6


def choose_subject(plain: str, fig: Figure, model: LinearModel | None = None) -> tuple[str | None, float, str]:
    """(subject, probability, evidence): the rules' subject unless the subject model is
    sure that another candidate names what is counted better (``model``: another than the
    shipped one, as cross-validation trains)."""
    model = model or subject_model()
    if model is None:
        return fig.rule_subject, 1.0 if fig.rule_subject else 0.5, "subject-rule: no model"
    pairs = [(model.proba(f)["1"], text) for text, f in subject_pairs(plain, fig)]
    p, best = max(pairs, default=(0.0, None))
    if best is not None and p > OVERRIDE and doubtful(fig.rule_subject):
        return best, p, f"subject-model: {best} {p:.2f} over rule {fig.rule_subject or '-'}"
    if fig.rule_subject is None:
        return None, 0.5, "subject: none found"
    return fig.rule_subject, 1 - p, f"subject-rule: {fig.rule_subject} {1 - p:.2f}"


def metric_features(plain: str, fig: Figure, subject: str | None) -> dict[str, float]:
    """Features for the metric of one figure: the rule's metric, the unit, the head keywords
    of the candidates, and the characters around the figure."""
    q = fig.q
    info = units().get(fig.unit)
    kind = info.kind if info else (q.kind.split(":")[0] or "none")
    head = _head_metric(subject) if subject else None
    f = {"bias": 1.0, f"rule={fig.rule_metric}": 1.0, f"unit={fig.unit}": 1.0, f"kind={kind}": 1.0,
         f"rule={fig.rule_metric}|kind={kind}": 1.0, f"head={head}": 1.0, f"approx={q.approx}": 1.0,
         f"written_unit={'yes' if q.unit else 'no'}": 1.0}
    if info:
        f[f"unit_default={info.metric}"] = 1.0
    if subject:
        f[f"last={subject[-1]}"] = 1.0
        if len(subject) >= 2:
            f[f"last2={subject[-2:]}"] = 1.0
        f[f"head={head}|kind={kind}"] = 1.0
    for c in fig.candidates:
        f[f"cand_head:{c.source}={_head_metric(c.text)}"] = 1.0
        words = [w for w, t in _tagged(c.text) if _is_noun(w, t)]
        if words and _common(words[-1]):
            f[f"cand_word={words[-1]}"] = 1.0
    for word, tag in _tagged(_clause(plain, q.start, fig.sentence.start, -1))[-4:]:
        if _common(word):
            f[f"before_word={word}"] = 1.0
    for word, tag in _tagged(_clause(plain, q.end, fig.sentence.end, +1))[:3]:
        if _common(word):
            f[f"after_word={word}"] = 1.0
    rest = plain[q.end:fig.sentence.end]
    if re.match(r"[^，,；;。]{0,4}[，,]?\s*占", rest):
        f["share_follows"] = 1.0   # 男性98人，占53.8%: a breakdown of a population
    if "其中" in plain[fig.sentence.start:q.start]:
        f["among"] = 1.0
    before = fig.before.rstrip(SPACES)[-6:]
    after = fig.after[:6]
    for i in range(len(before) - 1):
        f[f"b:{before[i:i + 2]}"] = 1.0
    for i in range(len(after) - 1):
        f[f"a:{after[i:i + 2]}"] = 1.0
    for note in fig.notes:
        f[f"note={note}"] = 1.0
    if RE_BENEFIT_BEFORE.search(fig.before.rstrip(SPACES)):
        f["benefit_verb"] = 1.0
    if RE_MEMBERS_OF.match(fig.after):
        f["members_of"] = 1.0
    if _residence_re().search(plain, fig.sentence.start, q.start):
        f["place_in_sentence"] = 1.0
    return f


# Proper names (people, places, organisations) in the segmenter's dictionary: never features,
# so that a trained model holds general words only, none peculiar to an article.
PROPER_TAGS = ("nr", "ns", "nt", "nz")


def _common(word: str) -> bool:
    """True for a general word of the segmenter's dictionary (党员, 居民), not a name."""
    tag = word_tags().get(word)
    return bool(tag) and not tag.startswith(PROPER_TAGS) and bool(RE_CJK.search(word))


# Spec-fixed metrics: money is funds and a share is a ratio whatever the words say, and
# the population of a place is background, `other` (corpus README, "Which numbers are facts").
FIXED_METRIC_KINDS = {"money": "funds", "ratio": "ratio"}


def fixed_metric(fig: Figure) -> tuple[str, str] | None:
    """(metric, why) when the spec decides the metric whatever a model says."""
    info = units().get(fig.unit)
    kind = "ratio" if fig.unit == "%" or fig.q.kind == "ratio" else info.kind if info else ""
    if kind in FIXED_METRIC_KINDS:
        return FIXED_METRIC_KINDS[kind], f"metric-rule: {kind} → {FIXED_METRIC_KINDS[kind]}"
    if "population" in fig.notes:
        return "other", "metric-rule: population of a place → other"
    return None


def choose_metric(plain: str, fig: Figure, subject: str | None,
                  model: LinearModel | None = None) -> tuple[str, float, str]:
    """(metric, probability, evidence): the metric model's choice, given the rules' metric
    (``model``: another than the shipped one, as cross-validation trains)."""
    fixed = fixed_metric(fig)
    if fixed:
        return fixed[0], 1.0, fixed[1]
    model = model or metric_model()
    if model is None:
        return fig.rule_metric, 1.0, f"metric-rule: {fig.rule_metric}"
    proba = model.proba(metric_features(plain, fig, subject))
    metric = overrule(proba, fig.rule_metric)
    head = _head_metric(subject) if subject else None
    why = f"metric-model: {metric} {proba[metric]:.2f} (unit {fig.unit or '-'}, head {head or '-'}, rule {fig.rule_metric})"
    return metric, proba[metric], why


# The metric model overrules the rules' metric only by this margin of probability
# (cross-validated by article: 0 loses on the texts the rules were written on, 0.4 gains less
# on new ones).
METRIC_MARGIN = 0.2


def overrule(proba: dict[str, float], rule: str) -> str:
    """The model's metric when it beats the rules' one by ``METRIC_MARGIN``, else the rules'."""
    best = max(proba, key=proba.get)
    return best if proba[best] - proba.get(rule, 0.0) > METRIC_MARGIN else rule


def number_certainty(q: Quantity) -> tuple[float, str]:
    """How sure the number rules are that ``q`` is a reported quantity, and why."""
    for name, test, certainty in NUMBER_DOUBTS:
        if test(q):
            return certainty, f"number: {name}"
    return 1.0, f"number: {q.span} → {q.value} {q.unit or '(implied unit)'} {q.approx}"


def _chinese_numeral(q: Quantity) -> bool:
    return not any(c.isdigit() for c in q.span)


# Where the number rules are least sure (measured on the annotations: bare numbers and lone
# Chinese numerals are most often declined by annotators).
NUMBER_DOUBTS = (
    ("table cell", lambda q: q.kind.startswith("cell:"), 0.8),
    ("no measure word", lambda q: not q.unit, 0.8),
    ("Chinese numeral", _chinese_numeral, 0.85),
)


@lru_cache(maxsize=1)
def currency_rates() -> dict[str, float]:
    """Foreign currency → yuan per unit, from ``data/currency_rates.tsv`` (a fixed table)."""
    return {r["currency"]: float(r["yuan"]) for r in read_tsv("currency_rates.tsv")}


def _to_yuan(value: int | float, unit: str) -> tuple[int | float, str, str]:
    """Money in yuan as the spec requires (``60亿欧元`` → 60亿 × the table's rate, 元)."""
    rate = currency_rates().get(unit)
    if rate is None:
        return value, unit, ""
    yuan = round(value * rate, 2)
    yuan = int(yuan) if float(yuan).is_integer() else yuan
    return yuan, "元", f"currency: {unit} × {rate} → 元"
