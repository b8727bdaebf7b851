"""Article metadata: title, published date, source outlet and author, for scraped text and HTML.

One reader for both inputs. Each input is first laid out the same way (``MetaLayout``):
header lines (above the body), lead lines (the first body lines), closing lines (the end of
the body and the top of the footer), footer lines, the URL; an HTML page adds its ``<meta>``
tags, ``<title>``, h1–h3 headings and JSON-LD (``HtmlHints``). Every rule below proposes
*candidates* (field, value, origin); each field is then decided by a vote: a candidate's
weight comes from ``data/meta_votes.tsv`` by its origin, and candidates that agree add up
(a heading the ``<title>`` contains, a date both the header and the URL print). The votes,
the winner and the runners-up are kept as evidence (``Meta.evidence``) for ``wrmine explain``.

``corpus.clean`` (scraped text) and ``corpus.html`` (HTML) build the layouts; ``read`` decides.

Rules or a model: ``scripts/train_meta.py`` trains a logistic regression that ranks a text's
first lines as the headline (the rules' verdicts are among its features) and ships it as
``data/meta_title_model.json`` only when it beats the rules under cross-validation. On the
annotated sets it does not (5-fold CV 0.923 against the rules' 0.962, and 0.883 against 0.942
trained without unlabeled2-train and tested on it: most of what the rules miss is a headline
glued inside a line, which no choice among lines finds), so no model is shipped and the rules
decide.

Lines are passed in the original script: ``source`` is a normalised label (simplified), the
title is copied as written.

Conventions (shared/corpus/README.md "Title, published, source"):
- title: the headline as printed; None when the page prints none (the lead's first sentence
  stands in for people, with origin ``"lead"``, and is never reported as the printed title).
- published: the date printed for the article (its header, a date line among the first body
  lines, a closing print citation, the sign-off under the last paragraph); else a dated
  CMS/newspaper URL; else None. Dates of other articles (上一篇/下一篇, related lists) are never
  read: footers are not.
- source: what a 来源:/来自: label names; else the outlet the page names as publisher
  (不代表食养源立场, 《晚晴》杂志, “某市老干部”微信平台); 本报讯 and bylines give None.
"""
from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from corpus.boilerplate import (DISCLOSURE_LABELS, ENUMERATION_MARKERS, NAME_MAX_CHARS, NAMES_LINE_MIN_PARTS, ORG_SUFFIXES,
                                RE_FULL_DATE, RE_PINYIN, SURNAMES)
from corpus.script import simplify
from corpus.boilerplate_html import marker_list

# The same header lines are read by many rules: each is simplified once.
_plain = lru_cache(maxsize=8192)(simplify)

# Line patterns and <meta> names of the metadata reader (kind, pattern, why), read by the one
# marker loader of ``corpus.boilerplate_html``.
PATTERNS_TABLE = "meta_patterns.tsv"

# --- title ---------------------------------------------------------------------------

# Section headings (一、基本情况, （二）, 3.) are never the headline; a 第三节 chapter head may be.
RE_ENUMERATED_HEADING = re.compile(r"^(?:" + ENUMERATION_MARKERS + r"|\d{1,2}[、.．])")
# Prefixes that are not part of the headline: 原标题:, 第一篇:.
RE_TITLE_PREFIX = re.compile(r"^(?:(?:原标题|原文标题|标题|第[一二三四五六七八九十\d]{1,3}篇)\s*[:：]\s*"
                             r"|[【\[][^】\]]{0,6}(?:标题|標題)[】\]]\s*"           # 【原标题】
                             r"|第[一二三四五六七八九十\d]{1,3}[节章節]\s+)")   # 第三节 the chapter's number
# An author/organisation credit after the headline, e.g.
# "开展“银发”行动 助力基层治理 某县委老干部局、县关工委".
ORG_NAME = r"[\u4e00-\u9fff]{2,20}(?:" + "|".join(ORG_SUFFIXES) + ")"
RE_TITLE_CREDIT = re.compile(r"\s+(?:中共)?" + ORG_NAME + r"(?:[、，,]" + ORG_NAME + r")*$")
# A URL, a page counter (浏览 次, 阅读次数), a bare section heading of a report (工作背景,
# 基本情况), a row of a government disclosure table (索 引 号 …, 发文字号 制发机构; labels in any
# spacing, checked on the simplified line) or a byline (文◎某区委组织部, 文|张三, 文/图 李四):
# not a headline.
RE_DISCLOSURE_ROW = re.compile(r"^\s*(?:" + "|".join(r"\s*".join(label) for label in DISCLOSURE_LABELS) + ")")
RE_NOT_TITLE = re.compile(r"https?:|www\."
                          r"|^\s*(?:文|图|圖|文/图|文/圖|图/文|圖/文|文图|图文)\s*[◎|｜/:：]"
                          r"|^\s*(?:浏览|瀏覽|阅读|閱讀|点击|點擊|访问|訪問)\s*(?:次数|次數|量)?\s*[:：]?\s*\d*\s*次?\s*$"
                          r"|^\s*(?:工作背景|背景情况|基本情况|基本情況|主要做法|工作成效|主要成效|经验启示|經驗啟示"
                          r"|背景|引言|前言|摘要)\s*$")
TITLE_MIN_CHARS = 4
# A long line with two commas or more is a sentence: no annotated headline has more than one.
RE_COMMA_ANY = re.compile(r"[，,]")
SENTENCE_MIN_COMMAS = 2
SENTENCE_MIN_CHARS = 30
# A headline may hold a ！ or ？ when it is this short and has this many Chinese characters.
EXCLAIMED_TITLE_MAX_CHARS = 40
EXCLAIMED_TITLE_MIN_CJK = 8
# A headline printed on the date line before the date is at least this long.
DATED_TITLE_MIN_CHARS = 6
# Header labels: a line holding one is a date/source line, not a headline.
RE_META_WORD = re.compile(r"来源|来自|时间|日期|作者|编辑|记者|浏览|点击|发布")
TITLE_MAX_CHARS = 120
# Parts of a line of names: ■张三 李四, 张三、李四、王五.
RE_NAME_PARTS = re.compile(r"^[■□◆\s]*(?P<parts>[\u4e00-\u9fff]{2,4}(?:[\s、]+[\u4e00-\u9fff]{2,4})+)\s*$")
# The 标题 row of a disclosure table (标        题 某县开展……): its value is the headline
# (``corpus.clean`` picks it before any other header line).
RE_TITLE_ROW = re.compile(r"^\s*[标標]\s*[题題](?:\s*[:：]\s*|\s+)(?P<value>\S.*?)\s*$")


def is_names_line(line: str) -> bool:
    """Only personal names: at least three short parts, or parts that all begin with a surname.

    >>> is_names_line("■张三 李四"), is_names_line("银龄解忧 社区焕新")
    (True, False)
    """
    m = RE_NAME_PARTS.match(_plain(line))
    if not m:
        return False
    parts = re.split(r"[\s、]+", m.group("parts"))
    if all(len(p) <= NAME_MAX_CHARS for p in parts) and len(parts) >= NAMES_LINE_MIN_PARTS:
        return True
    return all(len(p) <= NAME_MAX_CHARS and p[0] in SURNAMES for p in parts)


def is_credit_line(line: str) -> bool:
    """Organisations and the names of their writers: 某市关工委 张三 某县关工委 李四.

    >>> is_credit_line("某市關工委 張三 某縣關工委 李四"), is_credit_line("某县关工委 助力乡村振兴")
    (True, False)
    """
    parts = _plain(line).split()
    orgs = [p for p in parts if p.endswith(ORG_SUFFIXES) and len(p) >= 3]
    names = [p for p in parts if len(p) <= NAME_MAX_CHARS and p[0] in SURNAMES]
    return len(parts) >= 2 and bool(orgs) and bool(names) and len(orgs) + len(names) == len(parts)


def clean_title(line: str) -> str | None:
    """The headline as printed, without label prefixes and trailing credits.

    >>> clean_title("原标题:某县:“银发”展风采")
    '某县:“银发”展风采'
    """
    title = RE_TITLE_PREFIX.sub("", line.strip())
    m = RE_TITLE_CREDIT.search(_plain(title))
    if m and m.start() >= 8:
        title = title[: m.start()]
    title = title.strip()
    return title if TITLE_MIN_CHARS <= len(title) <= TITLE_MAX_CHARS else None


# A headline broken over short lines: each piece at most this long, at most this many pieces.
TITLE_FRAGMENT_MAX_CHARS = 12
TITLE_MAX_PARTS = 3
TITLE_JOINED_MAX_CHARS = 40
# A navigation path: two steps or more, or one step into 正文.
RE_BREADCRUMB = re.compile(r"[>＞»›]\s*[^>＞»›\s][^>＞»›]*[>＞»›]|[>＞»›]\s*正文\s*$")


def is_breadcrumb(line: str) -> bool:
    """``某易首页 > 某易河南 > 正文`` and the like."""
    return bool(RE_BREADCRUMB.search(line))


def is_title_fragment(line: str) -> bool:
    """A short piece of a broken headline: 举办专(兼)职. No sentence or clause punctuation."""
    line = line.strip()
    return (2 <= len(line) <= TITLE_FRAGMENT_MAX_CHARS and not re.search(r"[。！？!?；;，,:：|｜]", line)
            and not is_breadcrumb(line) and not RE_NOT_TITLE.search(line) and not is_names_line(line)
            and not RE_DISCLOSURE_ROW.match(_plain(line))
            and not RE_PERIODICAL_LINE.match(_plain(line)))   # 某市老年教育通讯 over the headline


RE_SUBTITLE = re.compile(r"^\s*(?:——|--|—)\s*\S")


def join_subtitle(title: str, next_line: str | None) -> str:
    """A headline and the ``——`` subtitle line under it form one title.

    >>> join_subtitle("银发生辉", "——某街道志愿服务纪事")
    '银发生辉——某街道志愿服务纪事'
    """
    if next_line and RE_SUBTITLE.match(next_line) and len(title) + len(next_line.strip()) <= TITLE_MAX_CHARS:
        return title.rstrip() + next_line.strip()
    return title


def is_exclaimed_title(line: str) -> bool:
    """A short headline with a ！ or ？ in it (社区食堂,何以长久飘香?), not a sentence: no full
    stop, at most one comma.

    >>> is_exclaimed_title("即时看!乡村慈善会点亮幸福“夕阳红”"), is_exclaimed_title("大家好,欢迎访问,请多关注!")
    (True, False)
    """
    line = line.strip()
    return (len(line) <= EXCLAIMED_TITLE_MAX_CHARS and bool(re.search(r"[！？!?]", line))
            and not re.search(r"[。；;]", line) and len(re.findall(r"[，,]", line)) <= 1
            and sum(1 for c in line if "\u3400" <= c <= "\u9fff") >= EXCLAIMED_TITLE_MIN_CJK)


def looks_like_title(line: str) -> bool:
    """Shape of a headline line: short, no sentence punctuation, mostly Chinese."""
    cjk = sum(1 for c in line if "\u3400" <= c <= "\u9fff")
    return (TITLE_MIN_CHARS <= len(line) <= TITLE_MAX_CHARS and cjk >= 3
            and (not re.search(r"[。！？!?；;]", line.rstrip("。")) or is_exclaimed_title(line))
            and not line.startswith(("——", "--", "—"))
            and not line.rstrip().endswith(("——", "—"))   # a kicker leading into the headline
            and not RE_ENUMERATED_HEADING.match(line)
            and not RE_NOT_TITLE.search(line)
            and not is_names_line(line) and not is_credit_line(line)
            and not (len(RE_COMMA_ANY.findall(line)) >= SENTENCE_MIN_COMMAS and len(line) > SENTENCE_MIN_CHARS)
            and not RE_DISCLOSURE_ROW.match(_plain(line))
            and not RE_PERIODICAL_LINE.match(_plain(line)))  # 桂林日报 over the headline


# --- published -----------------------------------------------------------------------

# Dated URLs of newspapers and CMSes (/202506/10/, /art/2020/7/16/, /html/2022-08/01/,
# /t20250109_, /2024/0121/): ``data/meta_patterns.tsv``, kind ``url_date``; groups year, month, day.
URL_DATE_RES: tuple[re.Pattern[str], ...] = tuple(map(re.compile, marker_list("url_date", PATTERNS_TABLE)))


def iso_date(year: str, month: str, day: str) -> str | None:
    """``2024``, ``7``, ``12`` → ``'2024-07-12'``; None for impossible dates."""
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def published_from_url(url: str | None) -> str | None:
    """The date in a dated CMS or newspaper URL.

    >>> published_from_url("http://www.zh.gov.cn/art/2020/7/16/art_1229033707_50770189.html")
    '2020-07-16'
    """
    if not url:
        return None
    for rx in URL_DATE_RES:
        m = rx.search(url)
        if m and (iso := iso_date(*m.groups())):
            return iso
    return None


# A reprint's closing citation of the paper it came from: 《人民日报》(2023年3月6日第7版).
# It dates and sources the article itself, unlike the dates of related articles in a footer.
RE_PRINT_CITATION = re.compile(
    r"^\s*《(?P<paper>[^》]{2,12})》\s*[(（]\s*(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"\s*(?:第?\s*[\dA-Z]{1,3}\s*版)?\s*[)）]\s*$")


def print_citation(closing: list[str]) -> re.Match[str] | None:
    """The citation line among the closing lines, if any.

    >>> print_citation(["(记者 张三)", "《人民日报》(2023年3月6日第7版)"]).group("paper")
    '人民日报'
    """
    for line in closing:
        if m := RE_PRINT_CITATION.match(_plain(line)):
            return m
    return None


# --- source --------------------------------------------------------------------------

SOURCE_LABELS = ("文章来源", "信息来源", "新闻来源", "来源", "稿源", "来自", "出处")
# The value ends at the next label, a run of spaces, or a separator.
RE_SOURCE_LABEL = re.compile(
    r"(?:" + "|".join(SOURCE_LABELS) + r")\s*[:：]\s*(?P<value>.*?)\s*"
    r"(?=\s{2,}|[|｜]|\s*(?:时间|作者|编辑|责任编辑|发布|日期|点击|浏览|人气|审核|记者|见习记者|通讯员|字号|字体|访问|阅读)|$)"
)
# The page names its publisher without a label: 不代表食养源立场, 《晚晴》杂志, “某市老干部”微信平台.
OUTLET_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"不代表(?P<value>[^\s,，。、“”《》]{2,12}?)(?:的)?(?:立场|观点)",
    r"《(?P<value>[^》]{2,12})》(?:杂志|期刊|周刊|月刊)",
    r"[“\"](?P<value>[^”\"]{2,12})[”\"](?:微信)?(?:微信平台|公众号|微信公众号)",
    r"(?:^|[\s@©|｜])(?P<value>[\u4e00-\u9fff]{2,10}(?:网|在线))\s*(?:网站)?版权所有",   # 某原网 网站版权所有
    # the site, its address, then the owner's rights: 某城新闻网 http://… 某城日报社版权所有
    r"^\s*(?P<value>[\u4e00-\u9fff]{2,10}(?:网|在线))\s+(?:https?://)?[\w.\-/]+\.[a-z]{2,4}/?\s+\S{0,12}版权所有",
))
PAPER = r"[\u4e00-\u9fff]{2,8}?(?:日[报報]|晚[报報]|时[报報]|時報|商[报報]|晨[报報]|都市[报報])"
# The paper's own channels, dropped from its name: 某城日报客户端, 某江日报融媒体.
PAPER_CHANNEL = r"(?:客户端|客戶端|融媒体|融媒體|全媒体|全媒體|APP|App|app|网|網)?"
# An outlet opening a dateline: a paper (广州日报, 星报; 本报 names none), an online outlet
# (娄星在线, 红网, 中新网) or an agency/platform of the table below.
DATELINE_OUTLET = (r"(?:今日头条|新华社|新華社|中新社|人民网|人民網|央视网|央視網"
                   r"|[\u4e00-\u9fff]{2,6}?在[线線]|[\u4e00-\u9fff]{1,6}?[网網](?![友民站页頁])"
                   r"|" + PAPER + r"|(?!本)[\u4e00-\u9fff]{1,4}?[报報])")
# The dateline itself: outlet, its channel, an optional place and date, then 讯 (or 电 after a
# date): 广州日报讯, 某江日报融媒体4月5日讯, 紅網時刻某市3月2日訊, 中新网某市10月8日电.
RE_PAPER_DATELINE = re.compile(r"^\s*(?P<value>" + DATELINE_OUTLET + ")" + PAPER_CHANNEL
                               + r"\s*(?:[\u4e00-\u9fff]{0,8}?\d{1,2}月\d{1,2}日\s*(?:[讯訊电電]|消息)|[讯訊])")
# A reporter's byline that names the paper: 某德日报记者 张三, 某庄日报客户端 | 记者 李四.
RE_PAPER_BYLINE = re.compile(r"^\s*(?P<value>" + PAPER + ")" + PAPER_CHANNEL
                             + r"\s*[|｜]?\s*(?:全媒体|融媒体)?(?:记者|通讯员|见习记者)")
# A site's name alone on one of the first header lines (某某知青网): the outlet of a page
# that prints no 来源.
RE_SITE_LINE = re.compile(r"^\s*(?P<value>[\u4e00-\u9fff]{2,12}(?:网|在线))\s*$")
SITE_LINE_MAX_INDEX = 2
# Any outlet's dateline followed by the reporter's bracket: 云上某阳讯(记者张三). 本报讯 names none.
RE_BRACKET_DATELINE = re.compile(r"^\s*(?P<value>(?!本)[\u4e00-\u9fff]{2,6}?)[讯訊]\s*[(（]")
# A 来源 label opening the first body line (消息来源:某网 某网记者 张三…): the body started early.
RE_LEAD_SOURCE_LABEL = re.compile(r"^\s*(?:消息|信息|文章|新闻)?来源\s*[:：]")
# A paper standing alone in a header date line: "某城日报客户端 2023-05-08", "2023年02月14日 某安日报 版次:A03".
RE_PAPER_IN_META = re.compile(r"(?:^|\s)(?P<value>" + PAPER + ")" + PAPER_CHANNEL + r"(?=\s|$)")
# A closing line that is only a source label: "(来源:中新网)".
RE_CLOSING_SOURCE = re.compile(r"^\s*[(（【\[]?\s*(?:" + "|".join(("文章来源", "信息来源", "新闻来源", "来源", "稿源"))
                               + r")\s*[:：]\s*(?P<value>[^()（）【】\[\]]{2,30}?)\s*[)）】\]]?\s*$")
# A breadcrumb with no label whose root is a site's home page: 某易首页 > 某易河南 > 正文.
RE_HOME_ROOT = re.compile(r"^\s*(?P<value>[\u4e00-\u9fffA-Za-z]{2,8}?)首页\s*[>＞»]")
# A header line that is only a periodical's name (某市老年教育通讯): the outlet.
RE_PERIODICAL_LINE = re.compile(r"^\s*(?P<value>[\u4e00-\u9fff]{2,12}(?:通讯|简报|日报|晚报|时报|周报))\s*$")
# A periodical's issue line (某刊 2020年13期, 某刊 2019年第5期): the magazine is the outlet.
RE_ISSUE_LINE = re.compile(r"^\s*《?(?P<value>[\u4e00-\u9fff]{2,10})》?\s*(?:19|20)\d{2}\s*年\s*(?:第\s*)?\d{1,3}\s*期\s*$")
# The first step of a breadcrumb names the site unless it is a 首页 (当前位置: 夕阳网 > 新闻中心).
RE_BREADCRUMB_ROOT = re.compile(r"(?:当前的?位置|您的位置|你的位置|我的位置|您当前的?位置)\s*[:：]\s*(?P<value>[^\s>＞»/]{2,12})\s*[>＞»]")
RE_NOT_SITE = re.compile(r"首页|主页|频道|home", re.I)
# Words the gold drops from an outlet name.
RE_SOURCE_SUFFIX = re.compile(r"(?:杂志社|杂志|微信平台|微信公众号|公众号|官网|网站)$")
# Values that are not an outlet: empty labels, 本站/本网, bylines.
SOURCE_STOPWORDS = frozenset({"本站", "本网", "网络", "网络整理", "互联网", "原创", "未知", "佚名", "转载",
                              "本站原创", "本网原创", "转载文章", "网络转载", "null", "none", "无"})
SOURCE_MAX_CHARS = 40
# Quote and title marks the gold drops inside an outlet name (“学习强国”某市学习平台).
RE_SOURCE_QUOTES = re.compile(r"[“”\"《》「」]")
# A value that runs on into the next label (某日报全媒体作者:张三 责任编辑:李四) ends there.
RE_LABEL_TAIL = re.compile(r"\s*(?:作者|责任编辑|编辑|记者|通讯员|审核|发布|时间|日期)\s*[:：]|\s{2,}"
                           r"|\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")   # …and at a printed date
# A CMS field code left in a 来源 label (sp20241110): Latin letters and a run of digits, no Chinese.
RE_SOURCE_CODE = re.compile(r"^[A-Za-z_\-]*\d{4,}[A-Za-z_\-\d]*$")
# A paper's own channel after its name is not part of the outlet: 某日报客户端, 某日报全媒体.
RE_PAPER_WITH_CHANNEL = re.compile(r"^(?P<paper>" + PAPER + r")(?:客户端|融媒体|全媒体|APP|App|app)$")


def normalise_source(value: str) -> str | None:
    """A source label's value as a normalised (simplified) outlet name, or None.

    >>> normalise_source(" 紅星網 ")
    '红星网'
    """
    value = RE_SOURCE_QUOTES.sub("", _plain(value.strip(" \t\u3000\u00a0:：|｜“”\"'[]【】")))
    value = RE_LABEL_TAIL.split(value, maxsplit=1)[0]
    parts = value.split()
    if len(parts) > 1 and all(p.startswith(parts[0]) for p in parts[1:]):
        value = parts[0]   # the outlet, then its reporter's byline: 某川在线 某川在线记者
    value = RE_SOURCE_SUFFIX.sub("", value).strip()
    if m := RE_PAPER_WITH_CHANNEL.match(value):
        value = m.group("paper")
    if not value or value.lower() in SOURCE_STOPWORDS or len(value) > SOURCE_MAX_CHARS:
        return None
    if not re.search(r"[\u4e00-\u9fffA-Za-z]", value) or RE_SOURCE_CODE.match(value):
        return None
    return value



# --- author patterns -------------------------------------------------------------------

RE_AUTHOR_LABEL = re.compile(r"(?:作者|撰稿|撰稿人|文)\s*[:：/]\s*(?P<value>[^\s|｜:：]{2,20}(?:\s[^\s|｜:：]{2,4}){0,3})")
RE_BYLINE_AUTHOR = re.compile(r"[讯电]\s*[(（](?:通讯员|记者|见习记者)?\s*(?P<value>[^()（）]{2,40})[)）]")

# --- candidates and the vote -----------------------------------------------------------

VOTES_TABLE = Path(__file__).resolve().parent / "data" / "meta_votes.tsv"
FIELDS = ("title", "published", "source", "author")
# The origins a reported ``title_origin`` may name (the part of a candidate's origin before ":").
TITLE_ORIGINS = ("text", "html-heading", "html-meta", "html-title", "json-ld", "lead")


@lru_cache(maxsize=None)
def vote_weights() -> dict[tuple[str, str], float]:
    """(field, origin) → weight, from ``data/meta_votes.tsv`` (field, origin, weight, note).

    >>> vote_weights()[("published", "url")] < vote_weights()[("published", "header")]
    True
    """
    with open(VOTES_TABLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {(row["field"], row["origin"]): float(row["weight"]) for row in rows if row.get("field")}


def weight_of(field_name: str, origin: str) -> float:
    """The weight of an origin; ``html-meta:og:title`` falls back to ``html-meta`` when the
    table has no row of its own for it."""
    table = vote_weights()
    key = origin
    while True:
        if (field_name, key) in table:
            return table[(field_name, key)]
        if ":" not in key:
            raise KeyError(f"no weight for {field_name} from {origin!r} in {VOTES_TABLE.name}")
        key = key.rsplit(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of one field. ``container``: the longer string the value was cut from
    (a ``<title>`` with the site name after the headline); it also supports every candidate
    whose value it contains."""

    field: str
    value: str
    origin: str
    container: str = ""

    @property
    def weight(self) -> float:
        return weight_of(self.field, self.origin)


@lru_cache(maxsize=4096)
def vote_key(value: str) -> str:
    """What two readings must share to agree: NFKC, simplified, no spaces or quote marks."""
    text = _plain(unicodedata.normalize("NFKC", value))
    return re.sub(r"[\s\u3000“”\"'‘’《》]+", "", text).lower()


def _supports(a: Candidate, b: Candidate) -> bool:
    if vote_key(a.value) == vote_key(b.value):
        return True
    return bool(a.container) and len(b.value) >= TITLE_MIN_CHARS and _is_part(a.container, b.value)


def _is_part(container: str, value: str) -> bool:
    """``value`` stands in ``container`` between separators: the headline of ``标题_栏目_网站``
    (even one with a separator of its own), not the main title of ``标题——副标题``."""
    text, value = " ".join(container.split()), " ".join(value.split())
    at = text.find(value)
    if at < 0:
        return False
    before, after = text[:at], text[at + len(value):]
    return ((not before.strip() or bool(RE_SITE_SEPARATOR.search(before[-3:])))
            and (not after.strip() or bool(RE_SITE_SEPARATOR.match(after))))


def vote(cands: list[Candidate]) -> tuple[Candidate | None, float, list[str]]:
    """The winning candidate of one field, its score and the evidence lines.

    A candidate's score is its weight plus the weights of the other origins that agree with it
    (each origin counts once). Ties go to the heavier single candidate, then the earlier one.

    >>> c = [Candidate("published", "2024-05-06", "header"), Candidate("published", "2024-05-07", "url")]
    >>> vote(c)[0].value
    '2024-05-06'
    """
    if not cands:
        return None, 0.0, []
    scored = []
    for i, c in enumerate(cands):
        by_origin: dict[str, float] = {}
        for d in cands:
            if _supports(d, c):
                by_origin[d.origin] = max(by_origin.get(d.origin, 0.0), d.weight)
        scored.append((sum(by_origin.values()), c.weight, -i, c))
    scored.sort(key=lambda s: s[:3], reverse=True)
    best = scored[0]
    evidence = [f"{c.field} ← {c.origin} {c.value!r} (weight {c.weight:g}, score {s:g})" for s, _, _, c in scored]
    if best[0] <= 0:
        return None, 0.0, evidence
    evidence.append(f"{best[3].field} = {best[3].value!r} from {best[3].origin} (score {best[0]:g})")
    return best[3], best[0], evidence


@dataclass(frozen=True, slots=True)
class HtmlHints:
    """What an HTML page says about itself outside its visible lines."""

    tags: dict[str, str] = field(default_factory=dict)     # <meta> name → content, lower-cased names
    page_title: str = ""                                    # <title>
    headings: tuple[tuple[int, str], ...] = ()              # (level, text) of h1–h3 in page order
    json_ld: dict[str, str] = field(default_factory=dict)   # headline, datePublished, publisher, author


@dataclass(frozen=True, slots=True)
class MetaLayout:
    """One article laid out for the metadata reader (scraped text or HTML).

    ``headline``: the line the text layout chose as the headline (``corpus.clean``), already
    joined with a broken first part or a ``——`` subtitle; ``dateline``: the first body line as
    scraped, before cleaning deleted its 广州日报讯 byline.
    """

    header: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    url: str | None = None
    headline: str | None = None
    dateline: str = ""
    html: HtmlHints | None = None
    # The first lines of a scraped text, whatever their kind, and those of them below the header
    # that are date/source lines: a page whose slogan or lead-in opened the body early still
    # prints its headline (often twice) and its date line there.
    top: tuple[str, ...] = ()
    upper: tuple[str, ...] = ()
    # The kind ``corpus.clean`` gave each line of ``top`` (text, meta, drop, stop, signoff) and
    # how many of them are header lines: what the learned headline model reads.
    top_kinds: tuple[str, ...] = ()
    top_header: int = 0
    # Lines under the last paragraph and above the footer: the sign-off (某县委老干部局 /
    # 张三 李四 / 2022年12月6日), which dates a text that prints no date above it.
    signoff: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Meta:
    """The metadata of one article and the votes behind it."""

    title: str | None = None
    title_origin: str | None = None
    published: str | None = None
    source: str | None = None
    author: str | None = None
    evidence: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()


def read(layout: MetaLayout) -> Meta:
    """Title, published, source and author of one article, each by a vote over its candidates.

    >>> m = read(MetaLayout(header=("某县开展银发助老行动", "2024-05-06 来源:某县融媒体中心"),
    ...                     lead=("近日，某县组织老党员开展结对帮扶，服务群众300余人次。",), headline="某县开展银发助老行动"))
    >>> m.title, m.title_origin, m.published, m.source
    ('某县开展银发助老行动', 'text', '2024-05-06', '某县融媒体中心')
    >>> read(MetaLayout(lead=("近日，某县组织老党员开展结对帮扶，服务群众300余人次。",))).title_origin
    'lead'
    """
    cands = (title_candidates(layout) + published_candidates(layout) + source_candidates(layout)
             + author_candidates(layout))
    winners: dict[str, str | None] = {}
    evidence: list[str] = []
    title_origin = None
    for name in FIELDS:
        best, _, lines = vote([c for c in cands if c.field == name])
        evidence += lines
        winners[name] = best.value if best else None
        if name == "title" and best:
            title_origin = best.origin.split(":", 1)[0]
    if winners["title"] is None and (lead := lead_title(layout.lead)):
        winners["title"], title_origin = lead, "lead"
        evidence.append(f"title = {lead!r} from lead (no headline printed)")
    return Meta(winners["title"], title_origin, winners["published"], winners["source"], winners["author"],
                tuple(evidence), tuple(cands))


# --- title candidates ------------------------------------------------------------------

# Patterns that mark a line as no headline whatever its shape (photo captions, share bars,
# page navigation of a paper's e-edition): ``data/meta_patterns.tsv``, kind ``not_title``.
RE_NOT_HEADLINE = re.compile("|".join(marker_list("not_title", PATTERNS_TABLE)))
RE_CAPTION_LINE = re.compile("|".join(marker_list("caption", PATTERNS_TABLE)))
# Markup that a converter left in a line: tags and entities are never part of a headline.
RE_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][^<>]{0,200}>|&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")
# Separators between an article title and the site name in <title> and og:title.
RE_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s-\s|\s—\s|--|-(?=[^\d])|－)\s*")


# Private-use and format characters a page's icon font or editor leaves in a heading.
RE_INVISIBLE = re.compile(r"[\ue000-\uf8ff\u200b-\u200f\u2060\ufeff]")


def strip_markup(text: str) -> str:
    """A line without tags, entities and icon-font characters: ``<div>银发课堂</div>`` → ``银发课堂``."""
    return re.sub(r"\s{2,}", " ", RE_MARKUP.sub(" ", RE_INVISIBLE.sub("", text))).strip()


def is_caption(line: str) -> bool:
    """A photo caption: 图为…, (张三 摄), 资料图.

    >>> is_caption("图为志愿者在社区为老人理发。"), is_caption("某县举办摄影展")
    (True, False)
    """
    return bool(RE_CAPTION_LINE.search(_plain(line)))


def headline_value(line: str | None) -> str | None:
    """A candidate headline made presentable, or None when it cannot be one: markup stripped,
    label prefixes and credits removed; captions, share bars and e-paper navigation refused."""
    if not line:
        return None
    line = strip_markup(line)
    plain = _plain(line)
    if not line or is_caption(line) or RE_NOT_HEADLINE.search(plain) or is_breadcrumb(plain):
        return None
    return clean_title(line)


def is_headline_line(line: str) -> bool:
    """A header line that may be the headline: headline-shaped and no caption, share bar or
    e-paper navigation (``corpus.clean`` picks the headline among such lines)."""
    return looks_like_title(line) and headline_value(line) is not None


def _dated_title(header: tuple[str, ...]) -> str | None:
    """A headline printed on the date line: ``某社区党群服务中心揭牌启用 2025年04月10日``."""
    for line in header:
        m = RE_FULL_DATE.search(line)
        if m and m.start() > 0:
            head = line[:m.start()].strip(" \t\u3000|｜/")
            if len(head) >= DATED_TITLE_MIN_CHARS and looks_like_title(head) and not RE_META_WORD.search(_plain(head)):
                return head
    return None


def _repeated_title(top: tuple[str, ...]) -> str | None:
    """A headline-shaped line printed twice or more among the first lines (a scraper keeps
    the page's headline and the article's own)."""
    counts: dict[str, int] = {}
    for line in top:
        counts[line.strip()] = counts.get(line.strip(), 0) + 1
    return next((line.strip() for line in top if counts[line.strip()] >= 2 and is_headline_line(line.strip())), None)


RE_PAGE_MARKER = re.compile("|".join(marker_list("page_marker", PATTERNS_TABLE)))
RE_DOC_GENRE = re.compile("|".join(marker_list("doc_genre", PATTERNS_TABLE)))
# How far into a run-on first line a glued headline may end.
RUNON_TITLE_MAX_CHARS = 45
RUNON_TITLE_MIN_CHARS = 6


def runon_title(line: str) -> str | None:
    """The headline glued to the start of a run-on first line, as document-sharing sites
    print it: printed twice (标题标题正文…), or ending in the document's genre
    (第1页共5页关于某社区网格化管理的调研报告某区某社区成立于…).

    >>> runon_title("第1页共3页关于某县养老服务的调研报告某县地处山区，老年人口占三成。")
    '关于某县养老服务的调研报告'
    >>> runon_title("1、银发课堂典型经验银发课堂典型经验 一是建强队伍。")
    '银发课堂典型经验'
    """
    text = RE_PAGE_MARKER.sub("", line, count=1).strip()
    for n in range(RUNON_TITLE_MIN_CHARS, RUNON_TITLE_MAX_CHARS + 1):
        if text[:n] == text[n:2 * n]:
            return text[:n].strip()
    m = RE_DOC_GENRE.search(text, 0, RUNON_TITLE_MAX_CHARS)
    if m and m.end() >= RUNON_TITLE_MIN_CHARS and not re.search(r"[，,。；;：:]", text[:m.end()]):
        return text[:m.end()].strip()
    return None


# How many lines above the page's date/source line its headline may stand (HTML).
HEADLINE_ABOVE_DATE_LINES = 3


def _line_above_date(header: tuple[str, ...]) -> str | None:
    """The headline-shaped line just above the date/source line nearest the body: the visible
    headline of an HTML page whose markup marks none (<font size=4><b>…</b></font>)."""
    dated = [i for i, line in enumerate(header)
             if len(line) <= HEADER_DATE_MAX_CHARS and (RE_FULL_DATE.search(line) or RE_SOURCE_LABEL.search(_plain(line)))]
    if not dated:
        return None
    at = dated[-1]
    while at > 0 and at - 1 in dated:
        at -= 1   # a block of date/source lines: the headline is above the first of them
    for line in reversed(header[max(0, at - HEADLINE_ABOVE_DATE_LINES):at]):
        if is_headline_line(line.strip()):
            return line.strip()
    return None


def _orphan_subtitle(header: tuple[str, ...]) -> str | None:
    """A ``——`` subtitle opening the header with no headline above it (the scraper lost the
    headline): the subtitle without its dash stands for the title."""
    if header and RE_SUBTITLE.match(header[0]):
        line = header[0].strip().lstrip("—-").strip()
        return line if looks_like_title(line) else None
    return None


def _breadcrumb_title(header: tuple[str, ...]) -> str | None:
    """The last step of a breadcrumb when it is the article itself: ``某范文网 > 激活小区治理``."""
    for line in header:
        if not is_breadcrumb(line):
            continue
        last = re.split(r"[>＞»›]", line)[-1].strip()
        if len(last) >= DATED_TITLE_MIN_CHARS and looks_like_title(last):
            return last
    return None


def _site_part(value: str) -> str:
    """The headline part of an SEO title (标题_栏目_网站): Chinese sites put the article first."""
    parts = [p.strip() for p in RE_SITE_SEPARATOR.split(value) if p.strip()]
    if not parts:
        return value.strip()
    return parts[0] if len(parts[0]) >= TITLE_MIN_CHARS else max(parts, key=len)


def title_candidates(layout: MetaLayout) -> list[Candidate]:
    """Headline readings: the text layout's headline, a headline on a date line, the last
    step of a breadcrumb; for HTML the JSON-LD headline, title <meta> tags, <title> and h1–h3."""
    if layout.top and (model := title_model()):
        # A shipped headline model (scripts/train_meta.py ships one only when it beats these
        # rules under cross-validation) picks among the text's lines in their place.
        raw: list[tuple[str | None, str, str]] = [(model_headline(layout, model)[0], "text", "")]
    else:
        raw = [
            (layout.headline, "text", ""),
            (_dated_title(layout.header), "text:dated", ""),
            (_breadcrumb_title(layout.header + layout.top), "text:breadcrumb", ""),
            (_repeated_title(layout.top), "text:repeat", ""),
            (runon_title(layout.lead[0]) if layout.lead and not layout.header else None, "text:runon", ""),
            (_orphan_subtitle(layout.header), "text:subtitle", ""),
        ]
    hints = layout.html
    if hints:
        raw.append((_line_above_date(layout.header), "html-heading:line", ""))
        raw.append((hints.json_ld.get("headline"), "json-ld", ""))
        for key in TITLE_META:
            if value := hints.tags.get(key):
                raw.append((_site_part(value), f"html-meta:{key}", value))
                break
        if hints.page_title:
            raw.append((_site_part(hints.page_title), "html-title", hints.page_title))
        for level, text in hints.headings:
            raw.append((text, f"html-heading:h{level}", ""))
    out = []
    for value, origin, container in raw:
        if (title := headline_value(value)) and not RE_NOT_HEADLINE.search(_plain(title)):
            out.append(Candidate("title", title, origin, container))
    return out


# A title made from the lead sentence is at most this long, cut at a clause boundary.
LEAD_TITLE_MAX_CHARS = 30
LEAD_TITLE_MIN_CHARS = 6
RE_CLAUSE_END = re.compile(r"[，,；;：:、]")
# Reporters' names and quote marks opening a lead are no part of a stand-in title
# (本报记者 张三 通讯员 李四 每天傍晚…, “今天您量血压了吗？”…).
RE_LEAD_CREDIT = re.compile(r"^(?:\s*(?:本报|本网|本刊)?(?:全媒体|融媒体)?(?:记者|通讯员|见习记者|特约记者)"
                            r"\s*[\u4e00-\u9fff]{2,3}(?:[\s、][\u4e00-\u9fff]{2,3})*\s+)+|^[\s“”\"'‘’「」]+")


def lead_title(lead: tuple[str, ...] | list[str]) -> str | None:
    """A stand-in title from the first sentence of the lead, shortened at a clause boundary.

    >>> lead_title(["近日，某县组织老党员开展结对帮扶活动，为独居老人上门服务300余人次，受到群众欢迎。"])
    '近日，某县组织老党员开展结对帮扶活动'
    """
    for line in lead:
        text = RE_LEAD_CREDIT.sub("", strip_markup(line)).strip()
        if not text or is_caption(text):
            continue
        sentence = re.split(r"(?<=[。！？!?])", text, maxsplit=1)[0].strip()
        if len(sentence) > LEAD_TITLE_MAX_CHARS:
            cuts = [m.start() for m in RE_CLAUSE_END.finditer(sentence, 0, LEAD_TITLE_MAX_CHARS + 1)
                    if m.start() >= LEAD_TITLE_MIN_CHARS]
            sentence = sentence[:cuts[-1]] if cuts else sentence[:LEAD_TITLE_MAX_CHARS] + "…"
        sentence = sentence.rstrip("。！？!?，,；;：: ")
        return sentence if len(sentence) >= LEAD_TITLE_MIN_CHARS else None
    return None


# --- published candidates --------------------------------------------------------------

# A 发布时间/日期 label; a document's 成文日期 or 生效日期 on a disclosure table is not its publication.
RE_DATE_LABEL = re.compile(r"(?<!成文)(?<!生效)(?<!印发)(?<!有效)(?<!废止)(?:发布|发表|更新)?(?:时间|日期)\s*[:：]?")
HEADER_DATE_MAX_CHARS = 90
SIGNOFF_DATE_MAX_CHARS = 40


def _first_date(lines, max_chars: int | None = None) -> str | None:
    for line in lines:
        if max_chars and len(line) > max_chars:
            continue
        for m in RE_FULL_DATE.finditer(line):
            if iso := iso_date(*m.groups()):
                return iso
    return None


def _headline_index(header: tuple[str, ...], headline: str | None) -> int:
    """Index of the header line the headline was read from (0 when unknown)."""
    if not headline:
        return 0
    key = vote_key(headline)
    return next((i for i, line in enumerate(header)
                 if len(k := vote_key(line)) >= TITLE_MIN_CHARS and (k in key or key in k)), 0)


def published_candidates(layout: MetaLayout) -> list[Candidate]:
    """Date readings: the first full date of the header (for HTML, whose head lines may hold
    a list of other articles, only short lines, a labelled one first), a closing print
    citation, the URL, date <meta> tags and JSON-LD."""
    out = []
    if layout.html is None:
        # A date above the headline is the page's clock or another item (2025-09-18 星期四 over
        # the site's logo); the article's own is printed under its headline.
        at = _headline_index(layout.header, layout.headline)
        if iso := _first_date(layout.header[at:]):
            out.append(Candidate("published", iso, "header"))
        elif iso := _first_date(layout.header[:at]):
            out.append(Candidate("published", iso, "header:above"))
        if iso := _first_date(layout.upper):
            out.append(Candidate("published", iso, "upper"))
        if iso := _first_date(layout.signoff, SIGNOFF_DATE_MAX_CHARS):
            out.append(Candidate("published", iso, "signoff"))
    else:
        labelled = [ln for ln in layout.header if RE_DATE_LABEL.search(_plain(ln))]
        if iso := _first_date(labelled, HEADER_DATE_MAX_CHARS):
            out.append(Candidate("published", iso, "header:labelled"))
        elif iso := _first_date(layout.header, HEADER_DATE_MAX_CHARS):
            out.append(Candidate("published", iso, "header"))
    if (m := print_citation(list(layout.closing))) and (iso := _first_date([m.group("date")])):
        out.append(Candidate("published", iso, "citation"))
    if iso := published_from_url(layout.url):
        out.append(Candidate("published", iso, "url"))
    if hints := layout.html:
        for key in DATE_META:
            if iso := _first_date([hints.tags.get(key, "")]):
                out.append(Candidate("published", iso, f"html-meta:{key}"))
                break
        if iso := _first_date([hints.json_ld.get("datePublished", "")]):
            out.append(Candidate("published", iso, "json-ld"))
    return out


# --- source candidates -----------------------------------------------------------------

def _label_source(header: tuple[str, ...]) -> str | None:
    for i, line in enumerate(header):
        for m in RE_SOURCE_LABEL.finditer(_plain(line)):
            value = m.group("value")
            if not value and m.end() >= len(line.rstrip()) and i + 1 < len(header):
                value = header[i + 1] if len(header[i + 1]) <= SOURCE_MAX_CHARS else ""
            if src := normalise_source(value):
                return src
    return None


def _first_match(lines, rx: re.Pattern[str], method: str = "search", dated: bool = False,
                 simplified: bool = True) -> str | None:
    for line in lines:
        # ``simplified=False`` for a raw line: it may hold what the cleaner deletes (surrogates)
        plain = _plain(line) if simplified else line
        if dated and not RE_FULL_DATE.search(line):
            continue
        if (m := getattr(rx, method)(plain)) and (src := normalise_source(m.group("value"))):
            return src
    return None


def _breadcrumb_source(header: tuple[str, ...]) -> str | None:
    for line in header:
        plain = _plain(line)
        m = RE_BREADCRUMB_ROOT.search(plain) or RE_HOME_ROOT.match(plain)
        if m and not RE_NOT_SITE.search(m.group("value")) and (src := normalise_source(m.group("value"))):
            return src
    return None


def _outlet_source(lines) -> str | None:
    for line in lines:
        plain = _plain(line)
        for rx in OUTLET_RES:
            if (m := rx.search(plain)) and (src := normalise_source(m.group("value"))):
                return src
    return None


# How many closing lines may hold the page's copyright line (某网 … 版权所有).
CLOSING_COPYRIGHT_LINES = 3


def source_candidates(layout: MetaLayout) -> list[Candidate]:
    """Source readings (see ``find_source``) and, for HTML, source <meta> tags and the
    JSON-LD publisher."""
    citation = print_citation(list(layout.closing))
    # The first body line as scraped, less the pinyin glosses a converter put in (网(wǎng)).
    dateline = RE_PINYIN.sub("", layout.dateline or (layout.lead[0] if layout.lead else ""))
    readings = [
        ("label", _label_source(layout.header)),
        ("label:upper", _label_source(layout.upper)),
        ("closing-label", _first_match(layout.closing, RE_CLOSING_SOURCE, "match")),
        ("citation", normalise_source(citation.group("paper")) if citation else None),
        ("periodical", _first_match(layout.header, RE_PERIODICAL_LINE, "match")),
        ("periodical:issue", _first_match(layout.header, RE_ISSUE_LINE, "match")),
        ("paper-in-meta", _first_match(layout.header, RE_PAPER_IN_META, dated=True)),
        ("dateline", _first_match([dateline], RE_PAPER_DATELINE, "match", simplified=False)),
        ("dateline:bracket", _first_match([dateline], RE_BRACKET_DATELINE, "match", simplified=False)),
        ("label:lead", _label_source(tuple(ln for ln in layout.lead[:1] if RE_LEAD_SOURCE_LABEL.match(_plain(ln))))),
        ("paper-byline", _first_match(list(layout.header) + [dateline],
                                      RE_PAPER_BYLINE, "match", simplified=False)),
        ("breadcrumb", _breadcrumb_source(layout.header)),
        ("site-line", _first_match(layout.header[:SITE_LINE_MAX_INDEX], RE_SITE_LINE, "match")),
        # a copyright line may end the body when the page has no footer the cleaner recognised
        ("outlet", _outlet_source(list(layout.lead) + list(layout.footer)
                                  + [ln for ln in layout.closing[-CLOSING_COPYRIGHT_LINES:] if "版权所有" in _plain(ln)])),
    ]
    if hints := layout.html:
        readings.append(("html-meta:source", next((normalise_source(hints.tags[k]) for k in SOURCE_META
                                                   if hints.tags.get(k)), None)))
        readings.append(("html-meta:site", next((normalise_source(hints.tags[k]) for k in SITE_META
                                                 if hints.tags.get(k)), None)))
        readings.append(("json-ld", normalise_source(hints.json_ld.get("publisher", ""))))
    return [Candidate("source", value, origin) for origin, value in readings if value and not RE_URLISH.search(value)]


# --- author candidates -----------------------------------------------------------------

# A URL or an e-mail address is no name (some CMSes put the author's profile link in <meta>).
RE_URLISH = re.compile(r"https?:|www\.|@|\.(?:com|cn|net|org)\b", re.I)
AUTHOR_MAX_CHARS = 30

RE_AUTHOR_LINE = re.compile(
    r"(?:作者|记者|撰稿|撰文|文)[:：/／\s]\s*(?P<value>[\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4}){0,3})")
AUTHOR_LINE_MAX_CHARS = 80


def author_candidates(layout: MetaLayout) -> list[Candidate]:
    """Author readings: a 作者: label in the header; the names in a lead byline
    (本报讯(通讯员 张三 李四)); for HTML a 作者/记者 line near the body, author <meta> tags and
    the JSON-LD author."""
    out = []
    for line in layout.header:
        m = RE_AUTHOR_LABEL.search(line)
        if m and not re.match(r"(?:来源|时间|编辑|发布)", m.group("value")):
            out.append(Candidate("author", m.group("value").strip(), "label"))
            break
    if m := RE_BYLINE_AUTHOR.search((layout.dateline or "")[:80]):
        out.append(Candidate("author", m.group("value").strip(), "byline"))
    if hints := layout.html:
        for line in list(layout.header) + list(layout.closing):
            if len(line) <= AUTHOR_LINE_MAX_CHARS and (m := RE_AUTHOR_LINE.search(_plain(line))):
                # the names as printed: simplified text is aligned with the line
                out.append(Candidate("author", line[m.start("value"):m.end("value")].strip(), "html-byline"))
                break
        if value := next((hints.tags[k] for k in AUTHOR_META if hints.tags.get(k)), None):
            out.append(Candidate("author", value.strip(), "html-meta"))
        if value := hints.json_ld.get("author"):
            out.append(Candidate("author", value, "json-ld"))
    return [c for c in out if len(c.value) <= AUTHOR_MAX_CHARS and not RE_URLISH.search(c.value)]


# --- HTML hints --------------------------------------------------------------------------

# <meta> names and properties that carry each field (lower-cased), in order of trust.
TITLE_META = marker_list("title_meta", PATTERNS_TABLE)
DATE_META = marker_list("date_meta", PATTERNS_TABLE)
SOURCE_META = marker_list("source_meta", PATTERNS_TABLE)
SITE_META = marker_list("site_meta", PATTERNS_TABLE)
AUTHOR_META = marker_list("author_meta", PATTERNS_TABLE)
HEADING_TAGS = ("h1", "h2", "h3")
HEADING_MAX_CHARS = 120
JSON_LD_MAX_CHARS = 200_000


def read_meta(root) -> dict[str, str]:
    """<meta name|property|http-equiv=… content=…> as a lower-cased name → content dict."""
    tags: dict[str, str] = {}
    for el in root.iter("meta"):
        name = el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if name and content and name.strip().lower() not in tags:
            tags[name.strip().lower()] = content.strip()
    return tags


def _ld_name(value) -> str:
    """A JSON-LD person or organisation as a name: ``{"@type": "Organization", "name": …}``,
    a list of them (names joined by 、) or a plain string."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _ld_name(value.get("name", ""))
    if isinstance(value, list):
        return "、".join(n for n in map(_ld_name, value) if n)
    return ""


def _ld_objects(data):
    """Every object of a JSON-LD document, @graph members and list items included."""
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph", []))


def read_json_ld(root) -> dict[str, str]:
    """headline, datePublished, publisher and author of the page's JSON-LD article object.

    Malformed JSON is skipped: it is the page's own markup, nothing to fail on.
    """
    found: dict[str, str] = {}
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        text = (script.text or "")[:JSON_LD_MAX_CHARS]
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            for key, reader in (("headline", _ld_name), ("datePublished", _ld_name),
                                ("publisher", _ld_name), ("author", _ld_name)):
                if key not in found and (value := reader(obj.get(key, ""))):
                    found[key] = value
    return found


def html_hints(root) -> HtmlHints:
    """The metadata an HTML page carries outside its lines (tags, <title>, h1–h3, JSON-LD)."""
    title_el = root.find(".//title")
    page_title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    headings = []
    for h in root.iter(*HEADING_TAGS):
        text = " ".join(h.text_content().split())
        if TITLE_MIN_CHARS <= len(text) <= HEADING_MAX_CHARS:
            headings.append((int(h.tag[1]), text))
    return HtmlHints(read_meta(root), page_title, tuple(headings), read_json_ld(root))


# --- the former one-field readers ------------------------------------------------------

def find_published(header: list[str], url: str | None = None, closing: list[str] = ()) -> str | None:
    """The published date of a scraped text's layout (the vote of ``read``).

    >>> find_published(["2024-07-12 19:15:27    来源:中国应急安全网"])
    '2024-07-12'
    """
    best, _, _ = vote(published_candidates(MetaLayout(tuple(header), closing=tuple(closing), url=url)))
    return best.value if best else None


def find_source(header: list[str], lead: list[str] = (), tail: list[str] = (),
                dateline: str = "", closing: list[str] = ()) -> str | None:
    """Source of a scraped text's layout (the vote of ``read``). Readings, heaviest first: a
    来源 label in the header (a bare ``来源:`` takes the next line); a closing line that is only
    a 来源 label, or a print citation (《人民日报》(2023年3月6日第7版)); a header line naming a
    periodical (某市老年教育通讯) or a paper in a date line (某城日报客户端 2023-05-08); a paper's
    dateline opening the lead (广州日报讯); the site at the root of a breadcrumb (当前位置:
    夕阳网 >, 网易首页 >); an outlet named in the lead or footer.

    >>> find_source(["2024-07-12 19:15:27    来源:中国应急安全网"])
    '中国应急安全网'
    """
    layout = MetaLayout(tuple(header), tuple(lead), tuple(closing), tuple(tail), dateline=dateline)
    best, _, _ = vote(source_candidates(layout))
    return best.value if best else None


def find_author(header: list[str], lead: str = "") -> str | None:
    """Author from a 作者: label, else the names in a lead byline (本报讯(通讯员 张三 李四)).

    >>> find_author(["作者:王小明"])
    '王小明'
    """
    best, _, _ = vote(author_candidates(MetaLayout(tuple(header), dateline=lead)))
    return best.value if best else None


# --- the learned headline model ---------------------------------------------------------

# Logistic regression over the headline options of a scraped text (``headline_options``),
# trained by ``scripts/train_meta.py`` on the annotated sets and shipped as JSON: feature
# names, weights, intercept, and the probability under which no option is the headline.
TITLE_MODEL = Path(__file__).resolve().parent / "data" / "meta_title_model.json"
RE_ANY_DATE = RE_FULL_DATE
RE_STOP_PUNCT = re.compile(r"[。；;]")
RE_EXCLAIM = re.compile(r"[！？!?]")
RE_COMMA = re.compile(r"[，,]")


def _option_value(line: str) -> str | None:
    """The headline a line would give: the line cleaned, or the part before its date."""
    if m := RE_FULL_DATE.search(line):
        line = line[:m.start()].strip(" \t\u3000|｜/")
    return headline_value(line)


def headline_options(layout: MetaLayout) -> list[tuple[str, dict[str, float]]]:
    """Every distinct headline reading among the first lines of a scraped text, each with the
    features the headline model weighs (the rules' verdicts among them).

    >>> opts = headline_options(MetaLayout(top=("某县开展银发助老行动", "2024-05-06 来源:某网", "正文。"),
    ...                                   top_kinds=("text", "meta", "text"), top_header=2,
    ...                                   headline="某县开展银发助老行动"))
    >>> [(v, f["rule"], f["before_meta"]) for v, f in opts]
    [('某县开展银发助老行动', 1.0, 1.0)]
    """
    top, kinds = layout.top, layout.top_kinds
    if not top or len(kinds) != len(top):
        return []
    rule = headline_value(layout.headline) if layout.headline else None
    rule_key = vote_key(rule) if rule else ""
    first_meta = next((i for i, k in enumerate(kinds) if k == "meta"), len(top))
    crumb = next((i for i, line in enumerate(top) if is_breadcrumb(line)), None)
    counts: dict[str, int] = {}
    for line in top:
        counts[vote_key(line)] = counts.get(vote_key(line), 0) + 1
    options: dict[str, tuple[str, dict[str, float]]] = {}
    for i, line in enumerate(top):
        value = _option_value(line)
        if not value:
            continue
        key = vote_key(value)
        is_rule = bool(rule_key) and key in rule_key
        if is_rule:
            value, key = rule, rule_key
        j = next((j for j in range(i + 1, len(top)) if kinds[j] != "drop"), None)
        nxt = top[j] if j is not None else ""
        n = len(line.strip())
        f = {
            "rule": float(is_rule),
            "shape": float(looks_like_title(line.strip())),
            "header": float(i < layout.top_header),
            "first_line": float(i == 0),
            "before_meta": float(i < first_meta),
            "next_is_meta": float(j is not None and kinds[j] == "meta"),
            "after_crumb": float(crumb is not None and i > crumb),
            "kind_meta": float(kinds[i] == "meta"),
            "kind_drop": float(kinds[i] == "drop"),
            "kind_stop": float(kinds[i] in ("stop", "signoff")),
            "dated": float(bool(RE_FULL_DATE.search(line))),
            "short": float(n < 8),
            "long": float(n > 40),
            "stop_punct": float(bool(RE_STOP_PUNCT.search(line))),
            "exclaim": float(bool(RE_EXCLAIM.search(line))),
            "commas": float(min(len(RE_COMMA.findall(line)), 3)),
            "repeated": float(counts.get(vote_key(line), 0) >= 2),
            "names": float(is_names_line(line)),
            "enumerated": float(bool(RE_ENUMERATED_HEADING.match(line.strip()))),
            "subtitle_next": float(bool(RE_SUBTITLE.match(nxt))),
            "position": min(i, 20) / 20,
        }
        if key in options:   # the same headline twice: keep the first reading, mark the repeat
            options[key][1]["repeated"] = 1.0
            continue
        options[key] = (value, f)
    return list(options.values())


@lru_cache(maxsize=1)
def title_model() -> dict | None:
    """The shipped headline model (``data/meta_title_model.json``), or None when absent."""
    if not TITLE_MODEL.exists():
        return None
    return json.loads(TITLE_MODEL.read_text(encoding="utf-8"))


def option_probability(features: dict[str, float], model: dict) -> float:
    """The model's probability that an option is the printed headline."""
    z = model["intercept"] + sum(w * features.get(name, 0.0) for name, w in zip(model["features"], model["weights"]))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def model_headline(layout: MetaLayout, model: dict | None = None) -> tuple[str | None, float]:
    """The option the headline model ranks first and its probability; None under the
    model's threshold (the text prints no headline)."""
    model = model or title_model()
    options = headline_options(layout)
    if not model or not options:
        return None, 0.0
    value, p = max(((v, option_probability(f, model)) for v, f in options), key=lambda vp: vp[1])
    return (value if p >= model["threshold"] else None), p
