"""Quantities: numbers with qualifier and unit, found by patterns over characters.

jieba cuts ``534萬多元`` as ``534|萬|多元`` (``stack.md``), so quantities are never read
from tokens. ``find_quantities`` runs over the simplified text and returns offsets into
it (character-aligned with the original), dropping what the gold spec says is not a fact:
years and dates, durations, ages, ordinals, numbers in slogans and method names, phone /
ICP / licence numbers.

>>> [(q.span, q.value, q.unit, q.approx) for q in find_quantities("成立志愿服务队56支、超5万人")]
[('56支', 56, '支', 'exact'), ('超5万人', 50000, '人', 'over')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extract.tables import read_tsv

CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
            "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10 ** 4, "萬": 10 ** 4, "亿": 10 ** 8, "億": 10 ** 8}
CN_CHARS = "".join(CN_DIGIT) + "".join(CN_SMALL) + "".join(CN_BIG)
# The numerals that number enumerated items (一是, （二）, 第三，): one to ten.
CN_ITEM_NUMERALS = "一二三四五六七八九十"
FULLWIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")

# Qualifiers → approx (spec: over 余 多 超 逾 以上; under 近 不到 不足; about 约 左右 上下).
QUALIFIER_APPROX = {
    "超过": "over", "超": "over", "逾": "over", "多于": "over", "上": "over", "余": "over",
    "餘": "over", "多": "over", "以上": "over", "有余": "over", "几": "over",
    "近": "under", "将近": "under", "接近": "under", "不足": "under", "不到": "under",
    "少于": "under", "约": "about", "約": "about", "大约": "about", "左右": "about",
    "上下": "about", "把": "about", "来": "about",
}

RE_ARABIC = r"[0-9０-９]+(?:,[0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?"
RE_CN = rf"[{CN_CHARS}]+"
RE_PRE = r"超过|将近|接近|大约|多于|少于|不足|不到|超|逾|近|约|約|上(?=[百千万萬])"
RE_TAIL = r"以上|左右|上下|有余|/年|/月"
RE_GAP = r"[ \u00a0]"
RE_NUMBER = re.compile(
    rf"(?P<pre>{RE_PRE})?(?P<num>{RE_ARABIC}|{RE_CN})(?P<mid>余|多|几)?"
    r"(?P<mag>[千万萬亿億])?(?P<post>余|多|把|来)?(?P<tail>以上|左右|上下|有余)?"
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A measure word as written (``万元``) and what it normalises to (``元``, money)."""

    surface: str
    unit: str
    kind: str    # count person household event case item money area duration date age …
    metric: str  # default metric when the subject names none


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as written in the text, e.g. ``130余支`` → 130, 支, over."""

    start: int
    end: int
    span: str
    value: int | float
    unit: str        # simplified; money is 元; "" when the text writes none
    approx: str      # exact | over | under | about
    kind: str        # the unit's kind (units.tsv), "ratio" for percentages, "" for none


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """surface → Unit, from ``data/units.tsv``."""
    return {r["surface"]: Unit(r["surface"], r["unit"], r["kind"], r["metric"])
            for r in read_tsv("units.tsv")}


@lru_cache(maxsize=1)
def nouns_not_units() -> tuple[str, ...]:
    """Words that begin with a measure-word character but are nouns (家庭, 人员, 支部)."""
    return tuple(r["word"] for r in read_tsv("nouns_not_units.tsv"))


@lru_cache(maxsize=1)
def tenth_idioms() -> tuple[str, ...]:
    """Set phrases with a numeral before 成 that are not shares (一成不变, 十成把握)."""
    return tuple(r["word"] for r in read_tsv("tenth_idioms.tsv"))


@lru_cache(maxsize=1)
def _nouns_re() -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(nouns_not_units(), key=len, reverse=True)))


@lru_cache(maxsize=1)
def _quantity_re() -> re.Pattern:
    unit_alt = "|".join(re.escape(u) for u in sorted(units(), key=len, reverse=True))
    return re.compile(
        # A qualifier may also stand apart from an Arabic number in typeset text (近 300 人次).
        rf"(?:(?P<pre>{RE_PRE})(?:{RE_GAP}(?=[0-9０-９]))?)?"
        rf"(?P<num>{RE_ARABIC}|{RE_CN})"
        rf"(?:(?P<range>至|到|-|—|–|~|～)(?P<num2>{RE_ARABIC}|{RE_CN}))?"
        # Typeset text puts a space between number and measure word (27 家, 260 余名).
        rf"(?:{RE_GAP}(?=[余多几千万萬亿億]|{unit_alt}))?"
        r"(?P<mid>余|多|几)?"
        r"(?P<mag>[千万萬亿億](?!分之))?"
        r"(?P<post>余|多|把|来)?"
        rf"(?P<unit>{unit_alt})?"
        rf"(?P<tail>{RE_TAIL})?"
    )


# The look-behinds start a number only where its run starts: without them a long digit run
# with no % after it is rescanned from every position inside it (quadratic; 5,000 digits took
# 6 s, found by benchmarks/fuzz.py). A match from inside a run also matches from its start.
RE_PERCENT = re.compile(
    rf"(?P<pre>{RE_PRE})?(?:(?<![0-9０-９])(?P<num>{RE_ARABIC})(?P<mid>多)?[%％]"
    rf"|百分之(?P<cn>{RE_ARABIC}|[{CN_CHARS}点]+)"
    r"|(?<![二三四五六七八九十百])(?P<den>[二三四五六七八九十百]+)分之(?P<share>[一二三四五六七八九]+)(?![十百千万])"
    r"|(?P<tenth>[一二两三四五六七八九十]|[0-9])成)"
    rf"(?P<tail>以上|左右)?"
)
# Words before N成 that make it a share (占三成, 提高两成, 约七成); N成 followed by a word
# that starts with 成 (三成为, 八成员) is a share only after one of these.
RE_SHARE_BEFORE = re.compile(
    r"(?:占|达|约|近|超|逾|有|仅|只|不足|不到|提高|提升|增长|增加|上升|下降|降低|减少)[^，,。；;：:！？\n]{0,3}$"
)
# A word share (约占一半 → 50 %, about): the 占 is part of the span as annotated.
RE_HALF = re.compile(r"(?P<pre>约|近|超过|超)?占(?P<half>一半|半数)")
# Digits glued to these are dates, times, codes, formulas or versions (2024-05-11, 1+8+N;
# more such rules in data/decline_rules.tsv).
LEFT_GLUE = set("+-—–~～:：/.．_#№")
# A limit a rule sets (出资比例不得超过20%, 每月不少于2次), not a reported figure.
RE_LIMIT_BEFORE = re.compile(r"(?:不得|不能|不应|不|最多|最少)(?:超过|超出|高于|低于|少于|多于|大于|小于)$")
# A lone Chinese numeral closing a list (甲、乙等三个清单) or listed beside written counts
# (5个村、一个社区和8个部门) is a count, not a slogan.
# …等四个板块: parts of a structure, not things set up (corpus README, named structures).
PART_NOUNS = ("板块", "模块", "方面", "领域", "维度", "环节", "部分", "层级", "类别")
RE_RANGE_NEXT = re.compile(r"[-—–~～至到][0-9０-９]")
RE_LIST_BEFORE = re.compile(r"(?:[^，,。；;：:]等|[0-9][^，,。；;：:]{1,12}[、和及])$")
# A duration counts only as the measure of work done (志愿服务时长超360日), not as a period.
RE_DURATION_BEFORE = re.compile(r"时长|时数|工时|时间")
RE_NON_DIGIT = re.compile(r"\D")


def cn_to_number(s: str) -> int | None:
    """Chinese numeral → int: ``一百二十`` → 120, ``两千`` → 2000, ``十`` → 10, ``三万五千`` → 35000.

    Returns None for strings that are not numerals.
    """
    total, section, digit = 0, 0, None
    if not s:
        return None
    for ch in s:
        if ch in CN_DIGIT:
            if digit is not None:   # 一一, 二〇二四: digit by digit
                digit = digit * 10 + CN_DIGIT[ch]
            else:
                digit = CN_DIGIT[ch]
        elif ch in CN_SMALL:
            section += (1 if digit is None else digit) * CN_SMALL[ch]
            digit = None
        elif ch in CN_BIG:
            section += digit or 0
            total += (section or 1) * CN_BIG[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


# No count runs to this many characters; a longer digit run is an id or junk, and its value
# (九九九… is 10^n) would overflow a float (found by benchmarks/fuzz.py).
MAX_NUMERAL_CHARS = 40


def _number(s: str) -> int | float | None:
    """Arabic (full-width, thousands commas, decimals) or Chinese numeral → number."""
    if len(s) > MAX_NUMERAL_CHARS:
        return None
    s = s.translate(FULLWIDTH)
    if s and s[0].isdigit():
        s = s.replace(",", "")
        try:
            return float(s) if "." in s else int(s)
        except ValueError:
            return None
    if "点" in s:   # 百分之三点五
        whole, _, frac = s.partition("点")
        w = cn_to_number(whole)
        digits = [CN_DIGIT.get(c) for c in frac]
        if w is None or None in digits or not digits:
            return None
        return float(f"{w}." + "".join(str(d) for d in digits))
    pair = _cn_pair(s)
    return pair if pair is not None else cn_to_number(s)


# Two neighbouring numerals are a rough range (七八十名 = 70 to 80, 两三个): like a written
# range (200-1000元) it is read as its lower bound, approx "over" (corpus README, ranges).
RE_CN_PAIR = re.compile(r"(?P<low>[二两三四五六七八])(?P<high>[三四五六七八九])(?P<mag>[十百千万萬]?)")


def _cn_pair(s: str) -> int | None:
    """``七八十`` → 70, ``两三`` → 2; None unless ``s`` is two consecutive numerals (+ magnitude)."""
    m = RE_CN_PAIR.fullmatch(s)
    if not m or CN_DIGIT[m.group("high")] != CN_DIGIT[m.group("low")] + 1:
        return None
    return CN_DIGIT[m.group("low")] * ({"": 1, **CN_SMALL, **CN_BIG}[m.group("mag")])


def _tidy(value: float) -> int | float:
    """Integers as int, others rounded to kill float noise (4.9万 → 49000)."""
    r = round(value, 6)
    return int(r) if float(r).is_integer() else r


def parse_number(text: str) -> tuple[int | float, str]:
    """A numeral with qualifiers → (value, approx).

    ``"30余万"`` → (300000, "over"); ``"近70"`` → (70, "under"); ``"一百二十"`` → (120, "exact").
    Raises ValueError when ``text`` holds no number.
    """
    m = RE_NUMBER.fullmatch(text.strip())
    if not m:
        raise ValueError(f"Not a number: {text!r}. Expected e.g. 130, 1.2万, 30余万, 一百二十")
    value = _value(m)
    if value is None:
        raise ValueError(f"Not a number: {text!r}")
    return value, _approx(m)


def _value(m: re.Match) -> int | float | None:
    num = m.group("num")
    mag = m.group("mag") or ""
    if mag and not num[0].isdigit() and not m.group("mid"):
        num, mag = num + mag, ""          # 两千 / 一万: part of the Chinese numeral
    value = _number(num)
    if value is None:
        return None
    if mag:
        value *= {"千": 1000, **CN_BIG}[mag]
    return _tidy(value)


def _approx(m: re.Match) -> str:
    for group in ("pre", "mid", "post", "tail"):
        word = m.groupdict().get(group)
        if word and word in QUALIFIER_APPROX:
            return QUALIFIER_APPROX[word]
    if m.groupdict().get("range") or _cn_pair(m.group("num") + (m.group("mag") or "")) is not None:
        return "over"   # ranges are scored by their lower bound
    return "exact"


def _is_single_cn(num: str) -> bool:
    """一 … 九, 两, 十, or a bare 万: in these texts mostly slogans (三会一课, 五老, 一个党员)."""
    return len(num) == 1 and not num.isdigit() and num not in "０１２３４５６７８９"


@dataclass(frozen=True, slots=True)
class DeclineRule:
    """One row of ``data/decline_rules.tsv``: when a number is not a reported quantity."""

    name: str
    numeral: str               # any | arabic | chinese
    unit: re.Pattern | None    # over "kind/surface"; None: any unit or none
    no_unit: bool              # the rule needs the number to have no measure word
    test: str                  # always | num | before | before_num | after | check
    window: int
    pattern: re.Pattern | None
    check: str
    example: str


@lru_cache(maxsize=1)
def decline_rules() -> tuple[DeclineRule, ...]:
    """The rules of ``data/decline_rules.tsv``, compiled; a ``check`` must name a test here."""
    rules = []
    for r in read_tsv("decline_rules.tsv"):
        unit = r["unit"]
        check = r["pattern"] if r["test"] == "check" else ""
        if check and check not in DECLINE_CHECKS:
            raise ValueError(f"decline rule {r['name']!r}: no check {check!r}; "
                             f"known: {', '.join(sorted(DECLINE_CHECKS))}")
        pattern = re.compile(r["pattern"]) if r["test"] in ("num", "before", "before_num", "after") else None
        rules.append(DeclineRule(r["name"], r["numeral"], re.compile(unit) if unit and unit != "-" else None,
                                 unit == "-", r["test"], int(r["window"] or 0), pattern, check, r["example"]))
    return tuple(rules)


def declined_by(text: str, m: re.Match, unit: Unit | None) -> str | None:
    """The name of the first rule of ``data/decline_rules.tsv`` that says the match is not a
    quantity the gold counts (dates, ages, ordinals, slogans, ids…), or None."""
    num = m.group("num")
    arabic = num[0].isdigit() or num[0] in "０１２３４５６７８９"
    unit_key = f"{unit.kind}/{unit.surface}" if unit else None
    for rule in decline_rules():
        if rule.numeral != "any" and (rule.numeral == "arabic") != arabic:
            continue
        if rule.no_unit and unit is not None or rule.unit is not None and (
                unit_key is None or not rule.unit.fullmatch(unit_key)):
            continue
        if _fires(rule, text, m, unit):
            return rule.name
    return None


def _fires(rule: DeclineRule, text: str, m: re.Match, unit: Unit | None) -> bool:
    if rule.test == "always":
        return True
    if rule.test == "check":
        return DECLINE_CHECKS[rule.check](text, m, unit)
    if rule.test == "num":
        return bool(rule.pattern.fullmatch(m.group("num")))
    if rule.test == "after":
        return bool(rule.pattern.match(text, m.end()))
    anchor = m.start() if rule.test == "before" else m.start("num")
    return bool(rule.pattern.search(text[max(0, anchor - rule.window):anchor]))


def _declined(text: str, m: re.Match, unit: Unit | None) -> bool:
    return declined_by(text, m, unit) is not None


# The tests a decline rule can name (``check`` in data/decline_rules.tsv): what a pattern
# over the neighbouring characters cannot say.
def _bare_number(text: str, m: re.Match, unit: Unit | None) -> bool:
    """A number without a measure word counts only with a magnitude (约21万) after digits
    or a qualifier."""
    arabic = m.group("num")[0].isdigit() or m.group("num")[0] in "０１２３４５６７８９"
    return not m.group("mag") or not arabic and not m.group("pre")


def _duration_not_work(text: str, m: re.Match, unit: Unit | None) -> bool:
    """A duration is a time frame unless it measures work (志愿服务时长超360日)."""
    s = m.start("num")
    return not RE_DURATION_BEFORE.search(text, max(0, s - 8), s)


def _date_like(text: str, m: re.Match, unit: Unit | None) -> bool:
    """Digits followed by a separator and a digit (2024-05, 10.1, 8:30), unless a range."""
    nxt = text[m.end("num"):m.end("num") + 2]
    return not m.group("range") and len(nxt) == 2 and nxt[0] in "-—–:：/.．" and nxt[1].isdigit()


def _long_digits(text: str, m: re.Match, unit: Unit | None) -> bool:
    """Seven digits are an ID or phone number unless money is counted; past 15 digits
    nothing is a quantity (and a float would overflow)."""
    digits = len(RE_NON_DIGIT.sub("", m.group("num")))
    return digits >= 7 and (unit is None or unit.kind != "money") or digits > 15


def _year(text: str, m: re.Match, unit: Unit | None) -> bool:
    num = m.group("num")
    return len(num) == 4 and num[:2] in ("19", "20") and text[m.end():m.end() + 1] == "年"


def _lone_numeral(text: str, m: re.Match, unit: Unit | None) -> bool:
    """一 … 十 alone before a measure word: mostly slogans (三会一课, 五老, 一个党员), unless
    listed beside written counts, or counting people or sessions, or measuring land/money."""
    num = m.group("num")
    if not _is_single_cn(num) or m.group("mag") or m.group("mid"):
        return False
    if unit is not None and unit.kind != "duration" and _listed(text, m, unit):
        return False
    if _counts_people_or_events(text, m, num, unit) or num in "万千百" and (m.group("pre") or m.group("post")):
        return False
    return unit is None or unit.kind not in ("area", "money", "weight", "length")


def _bare_magnitude(text: str, m: re.Match, unit: Unit | None) -> bool:
    return m.group("num") in "万千百亿" and not (m.group("pre") or m.group("post") or m.group("mid"))


def _short_quote(text: str, m: re.Match, unit: Unit | None) -> bool:
    return _in_short_quote(text, m.start("num"))


def _limit(text: str, m: re.Match, unit: Unit | None) -> bool:
    return _is_limit(text, m)


def _range_parameter(text: str, m: re.Match, unit: Unit | None) -> bool:
    """``留1—2名…值班``: a small or wide range is a rule's parameter, not a report."""
    if not m.group("range"):
        return False
    low, high = _number(m.group("num")), _number(m.group("num2"))
    return low is None or high is None or high < low or high <= 10 or high > 10 * max(low, 1)


DECLINE_CHECKS = {
    "bare_number": _bare_number, "duration_not_work": _duration_not_work, "date_like": _date_like,
    "long_digits": _long_digits, "year": _year, "lone_numeral": _lone_numeral,
    "bare_magnitude": _bare_magnitude, "short_quote": _short_quote, "limit": _limit,
    "range_parameter": _range_parameter,
}


# 三位退休农技专家, 经过四次调解, 三场专题教学: a small Chinese numeral before a person or
# session measure word counts; 一 stays out (一名党员一面旗帜, 一次 = "once").
SMALL_COUNT_KINDS = ("person", "event")
RE_SET_PHRASE_AFTER = re.compile(r"一体|一线|一体化|合一")


def _counts_people_or_events(text: str, m: re.Match, num: str, unit: Unit | None) -> bool:
    # 两人 is a pronoun ("the two of them"), 二次 an ordinal ("a second time").
    if unit is None or unit.kind not in SMALL_COUNT_KINDS or num in "一十二" or unit.surface == "人":
        return False
    return not RE_SET_PHRASE_AFTER.match(text, m.end())


def _is_limit(text: str, m: re.Match) -> bool:
    """``不得超过20%``, ``每月不少于2次``: a limit set by a rule, not a report."""
    before = text[max(0, m.start() - 6):m.start()] + (m.group("pre") or "")
    return bool(RE_LIMIT_BEFORE.search(before))


def _listed(text: str, m: re.Match, unit: Unit) -> bool:
    """``等三个清单``, ``7个镇、一个街道``: a Chinese numeral in a list of counts."""
    before = text[max(0, m.start() - 16):m.start()]
    if not RE_LIST_BEFORE.search(before):
        return False
    if text.startswith(PART_NOUNS, m.end()):
        return False
    return before.endswith("等") or unit.surface in before


def _in_short_quote(text: str, pos: int) -> bool:
    """Inside a short “…” (a slogan or method name: “三个不放松”, “一老一小”)."""
    open_ = text.rfind("“", max(0, pos - 12), pos)
    if open_ < 0 or text.rfind("”", open_, pos) >= 0:
        return False
    close = text.find("”", pos, open_ + 13)
    return close >= 0


def _unit_at(text: str, m: re.Match) -> Unit | None:
    """The measure word after the number, unless it begins a noun (人员, 家庭, 支部)."""
    surface = m.group("unit")
    if not surface:
        return None
    if _nouns_re().match(text, m.start("unit")):
        return None
    return units()[surface]


def find_quantities(text: str) -> list[Quantity]:
    """Every reported quantity in ``text`` (read the simplified text), in order.

    >>> [q.span for q in find_quantities("2024年，召开会议6次，覆盖群众600余人，“三会一课”")]
    ['6次', '600余人']
    """
    found: list[Quantity] = []
    taken = bytearray(len(text) + 1)
    for m in RE_HALF.finditer(text):
        _add(found, taken, Quantity(m.start(), m.end(), m.group(), 50, "%",
                                    QUALIFIER_APPROX.get(m.group("pre") or "", "about"), "ratio"))
    for m in RE_PERCENT.finditer(text):
        q = _percent(text, m)
        if q:
            _add(found, taken, q)
    for m in _quantity_re().finditer(text):
        q = _quantity(text, m)
        if q:
            _add(found, taken, q)
    return sorted(found, key=lambda q: q.start)


def _add(found: list[Quantity], taken: bytearray, q: Quantity) -> None:
    if any(taken[q.start:q.end]):
        return
    taken[q.start:q.end] = b"\x01" * (q.end - q.start)
    found.append(q)


def _percent(text: str, m: re.Match) -> Quantity | None:
    s = m.start("num") if m.group("num") else m.start()
    left = text[s - 1] if s else ""
    if m.group("num") and (left in LEFT_GLUE or left.isascii() and left.isalnum()):
        return None
    if _is_limit(text, m) or m.group("num") and RE_RANGE_NEXT.match(text, m.end()):
        return None   # 不得超过20%; 提取5%-10%的公积金 (a rule's range)
    if m.group("den"):
        # 五分之一 → 20 %: a fraction is a share like 百分之二十 (corpus README, ratios)
        den, share = _number(m.group("den")), _number(m.group("share"))
        # Two decimals, as a share is written (三分之一 → 33.33 %).
        value = None if not den or share is None or share >= den else round(share * 100 / den, 2)
    elif m.group("tenth"):
        if m.start() and text[m.start() - 1] in CN_CHARS + "第" or not _is_tenth_share(text, m):
            return None
        value = _number(m.group("tenth"))
        value = None if value is None else value * 10
    else:
        value = _number(m.group("num") or m.group("cn"))
    if value is None:
        return None
    approx = "exact"
    for g in ("pre", "mid", "tail"):
        if m.groupdict().get(g):
            approx = QUALIFIER_APPROX.get(m.group(g), approx)
            break
    return Quantity(m.start(), m.end(), m.group(), _tidy(value), "%", approx, "ratio")


def _is_tenth_share(text: str, m: re.Match) -> bool:
    """``超八成党员``, ``六成老人``, ``占三成``: N成 as tenths; not in set phrases
    (``一成不变``, ``十成把握``, ``data/tenth_idioms.tsv``) nor where 成 begins a word
    (``三成为``, ``五成员``) unless a share word stands before it."""
    at = m.start("tenth")
    if text.startswith(tenth_idioms(), at):
        return False
    if m.group("pre") or m.group("tail"):
        return True
    if RE_SHARE_BEFORE.search(text, max(0, m.start() - 6), m.start()):
        return True
    cheng = m.end("tenth")
    return not _starts_word(text[cheng:cheng + 2])


def _starts_word(pair: str) -> bool:
    """True when ``pair`` is a word of the segmenter's dictionary (成员, 成立, 支部)."""
    from extract.segment import word_frequency   # the dictionary loads only when needed

    return len(pair) == 2 and word_frequency(pair) > 0


def _quantity(text: str, m: re.Match) -> Quantity | None:
    unit = _unit_at(text, m)
    end = m.end("unit") if unit else max(m.end("num"), m.end("mid"), m.end("mag"), m.end("post"))
    if m.group("tail") and (unit or m.group("tail").startswith("/")):
        end = m.end("tail")
    if _declined(text, m, unit):
        return None
    value = _value(m)
    if value is None or value == 0:
        return None
    approx = _approx(m)
    if not unit and m.group("post") in ("把", "来"):
        end = m.end("post")
    start = m.start()
    unit_name, kind = (unit.unit, unit.kind) if unit else ("", "")
    if unit and unit.surface in ("万元", "亿元"):
        value = _tidy(value * CN_BIG[unit.surface[0]])
    return Quantity(start, end, text[start:end], value, unit_name, approx, kind)
