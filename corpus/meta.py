"""Article metadata from scraped text: title clean-up, published date, source outlet, author.

``corpus.clean`` decides which lines form the page header (the title line, date/source lines)
and which form the body; this module reads values out of those lines. Lines are passed in
both scripts where it matters: ``source`` is a normalised label (simplified), the title is
copied as written.

Conventions (shared/corpus/README.md "Title, published, source"):
- published: the date printed in the header; else a dated CMS/newspaper URL; else None.
  Dates of other articles (上一篇/下一篇, related lists) are never read: only header lines are.
- source: what a 来源:/来自: label names; else the outlet the page names as publisher
  (不代表食养源立场, 《晚晴》杂志, “某市老干部”微信平台); 本报讯 and bylines give None.
"""
from __future__ import annotations

import re
from datetime import date

from corpus.boilerplate import (DISCLOSURE_LABELS, ENUMERATION_MARKERS, NAME_MAX_CHARS, NAMES_LINE_MIN_PARTS, ORG_SUFFIXES,
                                RE_FULL_DATE, SURNAMES)
from corpus.script import simplify

# --- title ---------------------------------------------------------------------------

# Section headings (一、基本情况, （二）, 3.) are never the headline; a 第三节 chapter head may be.
RE_ENUMERATED_HEADING = re.compile(r"^(?:" + ENUMERATION_MARKERS + r"|\d{1,2}[、.．])")
# Prefixes that are not part of the headline: 原标题:, 第一篇:.
RE_TITLE_PREFIX = re.compile(r"^(?:原标题|原文标题|标题|第[一二三四五六七八九十\d]{1,3}篇)\s*[:：]\s*")
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
    m = RE_NAME_PARTS.match(simplify(line))
    if not m:
        return False
    parts = re.split(r"[\s、]+", m.group("parts"))
    if all(len(p) <= NAME_MAX_CHARS for p in parts) and len(parts) >= NAMES_LINE_MIN_PARTS:
        return True
    return all(len(p) <= NAME_MAX_CHARS and p[0] in SURNAMES for p in parts)


def clean_title(line: str) -> str | None:
    """The headline as printed, without label prefixes and trailing credits.

    >>> clean_title("原标题:某县:“银发”展风采")
    '某县:“银发”展风采'
    """
    title = RE_TITLE_PREFIX.sub("", line.strip())
    m = RE_TITLE_CREDIT.search(simplify(title))
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
            and not RE_DISCLOSURE_ROW.match(simplify(line))
            and not RE_PERIODICAL_LINE.match(simplify(line)))   # 某市老年教育通讯 over the headline


RE_SUBTITLE = re.compile(r"^\s*(?:——|--|—)\s*\S")


def join_subtitle(title: str, next_line: str | None) -> str:
    """A headline and the ``——`` subtitle line under it form one title.

    >>> join_subtitle("银发生辉", "——某街道志愿服务纪事")
    '银发生辉——某街道志愿服务纪事'
    """
    if next_line and RE_SUBTITLE.match(next_line) and len(title) + len(next_line.strip()) <= TITLE_MAX_CHARS:
        return title.rstrip() + next_line.strip()
    return title


def looks_like_title(line: str) -> bool:
    """Shape of a headline line: short, no sentence punctuation, mostly Chinese."""
    cjk = sum(1 for c in line if "\u3400" <= c <= "\u9fff")
    return (TITLE_MIN_CHARS <= len(line) <= TITLE_MAX_CHARS and cjk >= 3
            and not re.search(r"[。！？!?；;]", line.rstrip("。"))
            and not line.startswith(("——", "--", "—"))
            and not line.rstrip().endswith(("——", "—"))   # a kicker leading into the headline
            and not RE_ENUMERATED_HEADING.match(line)
            and not RE_NOT_TITLE.search(line)
            and not is_names_line(line)
            and not RE_DISCLOSURE_ROW.match(simplify(line))
            and not RE_PERIODICAL_LINE.match(simplify(line)))  # 桂林日报 over the headline


# --- published -----------------------------------------------------------------------

# Dated URLs of newspapers and CMSes: /202506/10/, /art/2020/7/16/, /html/2022-08/01/,
# /t20250109_, /2024-05-29/, /20240527/.
URL_DATE_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/",
    r"/((?:19|20)\d{2})(\d{2})/(\d{2})/",
    r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/",
    r"/t((?:19|20)\d{2})(\d{2})(\d{2})_",
    r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/",
    r"/((?:19|20)\d{2})(\d{2})(\d{2})/",
))


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
        if m := RE_PRINT_CITATION.match(simplify(line)):
            return m
    return None


def find_published(header: list[str], url: str | None = None, closing: list[str] = ()) -> str | None:
    """The first full date printed in the header lines, else a closing print citation's date,
    else the URL's date.

    >>> find_published(["2024-07-12 19:15:27    来源:中国应急安全网"])
    '2024-07-12'
    """
    for line in header:
        for m in RE_FULL_DATE.finditer(line):
            if iso := iso_date(*m.groups()):
                return iso
    if (m := print_citation(list(closing))) and (d := RE_FULL_DATE.search(m.group("date"))):
        if iso := iso_date(*d.groups()):
            return iso
    return published_from_url(url)


# --- source --------------------------------------------------------------------------

SOURCE_LABELS = ("文章来源", "信息来源", "新闻来源", "来源", "稿源", "来自", "出处")
# The value ends at the next label, a run of spaces, or a separator.
RE_SOURCE_LABEL = re.compile(
    r"(?:" + "|".join(SOURCE_LABELS) + r")\s*[:：]\s*(?P<value>.*?)\s*"
    r"(?=\s{2,}|[|｜]|\s*(?:时间|作者|编辑|责任编辑|发布|日期|点击|浏览|人气|审核|记者|见习记者|通讯员)|$)"
)
# The page names its publisher without a label: 不代表食养源立场, 《晚晴》杂志, “某市老干部”微信平台.
OUTLET_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"不代表(?P<value>[^\s,，。、“”《》]{2,12}?)(?:的)?(?:立场|观点)",
    r"《(?P<value>[^》]{2,12})》(?:杂志|期刊|周刊|月刊)",
    r"[“\"](?P<value>[^”\"]{2,12})[”\"](?:微信)?(?:微信平台|公众号|微信公众号)",
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
                               + r"\s*(?:[\u4e00-\u9fff]{0,8}?\d{1,2}月\d{1,2}日\s*[讯訊电電]|[讯訊])")
# A paper standing alone in a header date line: "某城日报客户端 2023-05-08", "2023年02月14日 某安日报 版次:A03".
RE_PAPER_IN_META = re.compile(r"(?:^|\s)(?P<value>" + PAPER + ")" + PAPER_CHANNEL + r"(?=\s|$)")
# A closing line that is only a source label: "(来源:中新网)".
RE_CLOSING_SOURCE = re.compile(r"^\s*[(（【\[]?\s*(?:" + "|".join(("文章来源", "信息来源", "新闻来源", "来源", "稿源"))
                               + r")\s*[:：]\s*(?P<value>[^()（）【】\[\]]{2,30}?)\s*[)）】\]]?\s*$")
# A breadcrumb with no label whose root is a site's home page: 某易首页 > 某易河南 > 正文.
RE_HOME_ROOT = re.compile(r"^\s*(?P<value>[\u4e00-\u9fffA-Za-z]{2,8}?)首页\s*[>＞»]")
# A header line that is only a periodical's name (某市老年教育通讯): the outlet.
RE_PERIODICAL_LINE = re.compile(r"^\s*(?P<value>[\u4e00-\u9fff]{2,12}(?:通讯|简报|日报|晚报|时报|周报))\s*$")
# The first step of a breadcrumb names the site unless it is a 首页 (当前位置: 夕阳网 > 新闻中心).
RE_BREADCRUMB_ROOT = re.compile(r"(?:当前位置|您的位置|你的位置|我的位置)\s*[:：]\s*(?P<value>[^\s>＞»/]{2,12})\s*[>＞»]")
RE_NOT_SITE = re.compile(r"首页|主页|频道|home", re.I)
# Words the gold drops from an outlet name.
RE_SOURCE_SUFFIX = re.compile(r"(?:杂志社|杂志|微信平台|微信公众号|公众号|官网|网站)$")
# Values that are not an outlet: empty labels, 本站/本网, bylines.
SOURCE_STOPWORDS = frozenset({"本站", "本网", "网络", "网络整理", "互联网", "原创", "未知", "佚名", "转载",
                              "null", "none", "无"})
SOURCE_MAX_CHARS = 40


def normalise_source(value: str) -> str | None:
    """A source label's value as a normalised (simplified) outlet name, or None.

    >>> normalise_source(" 紅星網 ")
    '红星网'
    """
    value = simplify(value.strip(" \t\u3000\u00a0:：|｜“”\"'[]【】")).replace("《", "").replace("》", "")
    value = RE_SOURCE_SUFFIX.sub("", value).strip()
    if not value or value.lower() in SOURCE_STOPWORDS or len(value) > SOURCE_MAX_CHARS:
        return None
    if not re.search(r"[\u4e00-\u9fffA-Za-z]", value):
        return None
    return value


def find_source(header: list[str], lead: list[str] = (), tail: list[str] = (),
                dateline: str = "", closing: list[str] = ()) -> str | None:
    """Source, in this order: a 来源 label in the header (a bare ``来源:`` takes the next line);
    a closing line that is only a 来源 label, or a print citation (《人民日报》(2023年3月6日第7版));
    a header line naming a periodical (某市老年教育通讯) or a paper in a date line (某城日报客户端
    2023-05-08); a paper's dateline opening the lead (广州日报讯); the site at the root of a
    breadcrumb (当前位置: 夕阳网 >, 网易首页 >); an outlet named in the lead or footer.

    >>> find_source(["2024-07-12 19:15:27    来源:中国应急安全网"])
    '中国应急安全网'
    """
    for i, line in enumerate(header):
        for m in RE_SOURCE_LABEL.finditer(simplify(line)):
            value = m.group("value")
            if not value and m.end() >= len(line.rstrip()) and i + 1 < len(header):
                value = header[i + 1] if len(header[i + 1]) <= SOURCE_MAX_CHARS else ""
            if src := normalise_source(value):
                return src
    for line in closing:
        if (m := RE_CLOSING_SOURCE.match(simplify(line))) and (src := normalise_source(m.group("value"))):
            return src
    if (m := print_citation(list(closing))) and (src := normalise_source(m.group("paper"))):
        return src
    for line in header:
        if m := RE_PERIODICAL_LINE.match(simplify(line)):
            return normalise_source(m.group("value"))
    for line in header:
        if RE_FULL_DATE.search(line) and (m := RE_PAPER_IN_META.search(simplify(line))):
            return normalise_source(m.group("value"))
    # ``dateline``: the first body line as scraped, before cleaning deleted its 广州日报讯 byline.
    if m := RE_PAPER_DATELINE.match(dateline or (lead[0] if lead else "")):
        return normalise_source(m.group("value"))
    for line in header:
        m = RE_BREADCRUMB_ROOT.search(simplify(line)) or RE_HOME_ROOT.match(simplify(line))
        if m and not RE_NOT_SITE.search(m.group("value")) and (src := normalise_source(m.group("value"))):
            return src
    for line in list(lead) + list(tail):
        plain = simplify(line)
        for rx in OUTLET_RES:
            if (m := rx.search(plain)) and (src := normalise_source(m.group("value"))):
                return src
    return None


# --- author --------------------------------------------------------------------------

RE_AUTHOR_LABEL = re.compile(r"(?:作者|撰稿|撰稿人|文)\s*[:：/]\s*(?P<value>[^\s|｜:：]{2,20}(?:\s[^\s|｜:：]{2,4}){0,3})")
RE_BYLINE_AUTHOR = re.compile(r"[讯电]\s*[(（](?:通讯员|记者|见习记者)?\s*(?P<value>[^()（）]{2,40})[)）]")


def find_author(header: list[str], lead: str = "") -> str | None:
    """Author from a 作者: label, else the names in a lead byline (本报讯(通讯员 张三 李四)).

    >>> find_author(["作者:王小明"])
    '王小明'
    """
    for line in header:
        m = RE_AUTHOR_LABEL.search(line)
        if m and not re.match(r"(?:来源|时间|编辑|发布)", m.group("value")):
            return m.group("value").strip()
    m = RE_BYLINE_AUTHOR.search(lead[:80])
    return m.group("value").strip() if m else None
