"""Data for the HTML extractor (corpus/html.py): tags, edge markers and metadata patterns.

No logic here. A boilerplate line that leaks into the body on some page is fixed by a row
in one of these tables, not by a branch in the extractor. Patterns are matched against one
visible line of the page, whitespace removed at both ends.
"""
from __future__ import annotations

import re

from corpus.boilerplate import ENUMERATION_MARKERS

# Elements whose text is never article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "select", "option", "textarea",
    "button", "input", "svg", "canvas", "object", "embed", "map", "video", "audio", "head",
    "title", "meta", "link", "label",
})
# Elements that start a new line of text.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "td", "th", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody",
    "thead", "tfoot", "caption", "section", "article", "header", "footer", "nav", "aside",
    "blockquote", "pre", "form", "center", "hr", "figure", "figcaption", "main", "address",
    "h1", "h2", "h3", "h4", "h5", "h6", "body", "html", "fieldset", "legend", "frame",
})
HEADING_TAGS = frozenset({"h1", "h2", "h3"})
# Page regions named for what they are: their text is chrome however prose-like it reads.
CHROME_WORDS = (
    "nav", "navbar", "navigation", "menu", "breadcrumbs?", "crumbs?", "footer", "foot", "copyright",
    "sidebar", "share", "comments?", "related", "recommend", "hot", "login", "toolbar", "ads?", "banner",
    "disclaimer", "statement",
)
# A class/id value names chrome when one of its tokens is, starts or ends with a chrome word.
RE_CHROME_ATTR = re.compile(
    r"(?:^|\s)(?:" + "|".join(CHROME_WORDS) + r")(?:[_-]\S*)?(?=\s|$)"
    r"|[_-](?:" + "|".join(CHROME_WORDS) + r")(?=\s|$)",
    re.I,
)
# The page's outer elements: a class on them describes the page, not a region.
NEVER_CHROME_TAGS = frozenset({"html", "body", "main", "article"})
RE_CAPTION_ATTR = re.compile(r"caption|pic_?txt|img_?desc|photo_?desc|pictext|imgtxt", re.I)
RE_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A hidden element holding at least this share of the page's Chinese characters is the
# article hidden until a script reveals it (WeChat's #js_content ships with
# ``visibility: hidden``), not a popup or a collapsed menu.
HIDDEN_ARTICLE_SHARE = 0.5
# Centred short lines right after an image are captions even without 摄/图 in them.
RE_CENTER_STYLE = re.compile(r"text-align\s*:\s*center", re.I)

# Stop lines: furniture that borders an article. Nothing is chosen across them. A line is a
# stop line when it is short and one of these matches at its start.
# END markers close an article for good: sign-offs, share/print bars, comments, pagers.
END_MARKERS = (
    r"上一篇", r"下一篇", r"上一条", r"下一条", r"上篇", r"下篇", r"(?:网友|我要|发表|查看|全部|最新|热门)评论",
    r"评论(?:区|列表)", r"版权(?:所有|声明)", r"Copyright", r"©", r"免责声明", r"扫一扫", r"分享到",
    r"分享让更多人看到", r"【纠错】", r"\[纠错\]", r"我要纠错", r"打印(?:本页|此页|文章|本文)?$",
    r"关闭(?:窗口|本页)?$", r"【?(?:打印|关闭)(?:本页|窗口)?】", r"责任编辑", r"\(?（?责编", r"返回(?:顶部|首页|列表|页首)",
    r"收藏(?:本页)?$", r"举报", r"手机(?:看|扫|打开)", r"用微信扫", r"微信扫一扫", r"点击排行", r"热门排行",
    r"(?:特别|郑重|重要)?声明[:：]", r"阅读原文", r"长按(?:识别|扫码|二维码)", r"预览时标签不可点", r"继续滑动看下一个",
)
# RELATED markers head a box of links. Such boxes also sit inside articles, between two runs
# of paragraphs, so the runs on both sides may still be joined across them.
RELATED_MARKERS = (
    r"相关(?:阅读|新闻|文章|链接|推荐|报道|稿件|专题|信息|内容)", r"延伸阅读", r"推荐阅读", r"热点推荐",
    r"猜你喜欢", r"为您推荐", r"更多(?:新闻|精彩|阅读)", r"今日推荐", r"附件[:：]?$", r"往期(?:推荐|回顾|精彩|链接)",
    r"精彩推荐",
)
RE_END = re.compile(r"^[\s【\[（(<《|·]*(?:" + "|".join(END_MARKERS) + ")", re.I)
RE_RELATED = re.compile(r"^[\s【\[（(<《|·]*(?:" + "|".join(RELATED_MARKERS) + ")", re.I)
STOP_MAX_CHARS = 60
# Footer lines are long (address, ICP number, phone) but say what they are anywhere.
RE_FOOTER = re.compile(r"版权所有|Copyright|All rights reserved|ICP备|ICP证|公网安备|网安备", re.I)
FOOTER_MAX_CHARS = 300
# Sign-offs anywhere in a short line: 供稿, 摄影/张艳, 编辑/苏芳, 责编, 审核：.
RE_SIGNOFF = re.compile(
    r"供稿|(?:摄影|编辑|责编|审核|审校|校对|终审|二审|三审|初审|监制)\s*[/／:：]|[（(]\s*(?:责任)?编辑"
)
SIGNOFF_MAX_CHARS = 60
# Metadata lines at the edges of the body: date, source, views, author, font size, editors.
META_MARKERS = (
    r"(?:信息)?来源[:：]", r"(?:发布|发表|更新|成文|印发)(?:时间|日期)", r"时间[:：]", r"日期[:：]",
    r"(?:浏览|阅读|点击|访问)(?:次数|量|数)?[:：]?\s*\d*", r"作者[:：]", r"(?:本报|本网|通讯员|特约|见习)?记者",
    r"(?:责任|文字|图片|网络)?编辑[:：\s]", r"(?:审核|审校|校对|终审|初审|二审|三审|监制|制作|统筹|策划)[:：\s]",
    r"字号", r"【?字体[:：]", r"大\s*中\s*小", r"索引号", r"发文(?:字号|机关)", r"主题分类", r"公文种类",
    r"信息分类", r"生效日期", r"文号[:：]", r"原标题[:：]", r"摄影[:：]", r"摄[:：]", r"图[:／/]", r"图片来源",
    r"文[/／:：]", r"供图", r"发布机构", r"所属机构", r"分类[:：]", r"当前位置", r"您的位置", r"我的位置",
    r"首页\s*[>/»]", r"□", r"■", r"●\s*本报", r"\(?（?完）?\)?$", r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\s\d:：]*",
    r"(?:稿件|文章|消息)来源", r"转载", r"(?:点赞|收藏|分享)\s*\d*$", r"点击(?:上方)?(?:蓝字|关注)", r"关注我们$",
)
# Numbered section headings inside an article: 一、 （一） 1． 第一，. The per-line cost
# pushes a heading that opens the body out of the chosen run; these bring it back.
RE_NUMBERED_HEADING = re.compile(
    r"^\s*(?:" + ENUMERATION_MARKERS + r"|\d{1,2}[、．.](?!\d)|第[一二三四五六七八九十]{1,3}[章节部分条，,、])"
)
NUMBERED_HEADING_MAX_CHARS = 40
RE_META = re.compile(r"^[\s【\[（(\-—|·]*(?:" + "|".join(META_MARKERS) + ")", re.I)
META_MAX_CHARS = 80

# Image captions: the gold keeps none of them.
RE_CAPTION = re.compile(r"^[\s（(]*(?:图为|图片为|上图|下图|左图|右图|图\d+[:：\s]|图片[:：]|资料图|（?图片来源)")
# What makes a short line after an image a caption rather than a subheading.
RE_CAPTION_HINT = re.compile(r"摄|图|照片|供图|视频截图|[(（][^()（）]{1,12}[)）]\s*$")

# Metadata values (dates are read with ``corpus.boilerplate.RE_FULL_DATE``).
RE_DATE_LABEL = re.compile(r"(?:发布|发表|更新|成文)?(?:时间|日期)[:：]?\s*")
RE_SOURCE = re.compile(
    r"(?:信息|稿件|文章|新闻)?来源[:：]\s*([^\s|｜:：]{2,30}?)(?=\s|$|[|｜]|作者|编辑|时间|发布|日期|浏览|点击|字号|【)"
)
RE_AUTHOR = re.compile(
    r"(?:作者|记者|撰稿|撰文|文)[:：/／\s]\s*([\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4}){0,3})"
)
# Separators between an article title and the site name in <title>.
RE_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s-\s|\s—\s|——|--|-{1}(?=[^\d])|－)\s*")
# <meta> names and properties that carry the publication date, source and author.
DATE_META = (
    "article:published_time", "pubdate", "publishdate", "publish_date", "published_time",
    "og:release_date", "datepublished", "dc.date", "dc.date.issued", "firstpublishedtime",
    "publishtime", "date", "releasedate", "sp.time",
)
SOURCE_META = ("contentsource", "source", "og:site_name", "sitename")
AUTHOR_META = ("author", "article:author", "dc.creator", "byline")
TITLE_META = ("og:title", "articletitle", "title", "twitter:title", "headline")
