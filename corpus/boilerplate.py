"""Markers of page chrome in scraped text: data, no logic (``corpus.clean`` applies them).

Every line pattern is matched against one stripped line in SIMPLIFIED script (the cleaner
simplifies each line first), so the tables list simplified forms only: 责任编辑 also catches
責任編輯. Patterns anchored with ``^…$`` judge the whole line; the others search it.

A bug is a new row here, not a new ``if`` in the cleaner.
"""
from __future__ import annotations

import re

from corpus.markers import marker_source

# --------------------------------------------------------------------------------------
# Spans deleted inside a line (the rest of the line stays).

TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_LETTERS = "a-zü" + TONE_VOWELS

# 創(chuàng) → 創. A tone mark is required, so (张三 李四), (京) and (一) survive.
# Some converters leave a space before the closing parenthesis: 互助會(huì ).
RE_PINYIN = re.compile(
    rf"(?<=[\u3400-\u9fff])\((?=[a-zü]*[{TONE_VOWELS}])[{PINYIN_LETTERS}]{{1,7}} ?\)"
)

# Unrecoverable mojibake left by the converting site: a pinyin fragment whose "(" became "?"
# (`?yōu)椤盎訉W(xué)`, `?lián)芑鶎?`). The run ends at the next "?" or the next pinyin gloss.
RE_MOJIBAKE = re.compile(
    rf"\?[{PINYIN_LETTERS}]{{1,7}}\)"
    rf"(?:[^，。,、；;：:！!？“”\"\n]{{0,12}}?(?:\?|\((?=[a-zü]*[{TONE_VOWELS}])[{PINYIN_LETTERS}]{{1,7}}\)))?"
)

# Characters that are never text: controls, replacement chars, lone surrogates, zero-width
# marks, private-use glyphs of broken fonts. Deleted wherever they are.
RE_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff\ufeff\u200b-\u200f\u2060\ue000-\uf8ff]+"
)

# Encoding debris of some scrapers: "????", "?/a>", markdown image stubs "![]()".
RE_DEBRIS = re.compile(r"\?{2,}|\?/a>|!\[[^\]\n]{0,80}\]\([^)\n]{0,300}\)|^[\s|｜•·]+|[\s|｜•·]+$")

# Datelines and bylines that open the lead paragraph: 本网某省某市讯(张三 李四),
# 本报讯(通讯员 王五 赵六), 某某网某省新闻3月8日电 (记者 孙七), 本报某地讯.
RE_LEAD_BYLINE = re.compile(
    r"^(?:(?:[^\s,，。、“”：:]{2,26}?[讯訊电電]\s*[(（][^()（）\n]{0,30}"
    r"(?:记者|記者|通讯员|通訊員|报道组|報道組|特约|特約|[\u4e00-\u9fff]{2,4}\s+[\u4e00-\u9fff]{2,4})[^()（）\n]{0,30}[)）]"
    r"|(?:本报|本報|本网|本網|本刊|本台)[\u4e00-\u9fff]{0,6}[讯訊](?:\s*[(（][^()（）\n]{1,40}[)）])?"
    r"|[^\s,，。、“”：:]{2,24}?(?:网|網|报|報|台|在线|在線|客户端|客戶端)[讯訊](?=\s|\d|[\u4e00-\u9fff]{2})"
    r"|[\u4e00-\u9fff]{2,4}(?:报道|報道)(?=[:：]))[\s:：]*)+"
)
# Credits that close the last paragraph: (记者 张三 通讯员 李四).
RE_TRAILING_BYLINE = re.compile(
    r"\s*[(（](?:本报)?(?:记者|通讯员|见习记者|特约记者|作者|撰稿|文|图|摄影?)[^()（）\n]{1,40}[)）]\s*$"
)

# --------------------------------------------------------------------------------------
# Whole lines dropped wherever they are.

DROP_LINE_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.I) for p in (
    # breadcrumbs: 我的位置: 首页 > 健康 > 正文, 首页 > bwbd > 中新网四川
    r"(?:我的|当前|您的|您当前的|您所在的|所在)位置\s*[:：]",
    r"(?:首页|主页|网站首页)\s*(?:>|&gt;|»|/|→)",
    r"^.{0,40}(?:>|&gt;|»){1,2}.{0,20}(?:>|&gt;|»){1,2}.{0,40}$",
    r"(?:>>|»)\s*(?:正文|更多)|^更多\s*>>",
    # navigation, share and print buttons
    r"^[•·|｜\s↑]*(?:(?:设为首页|加入收藏|首页|首\s页|注册|登录|找回密码|字号[:：]?\s*[大中小]?|分享到[:：]?|打印(?:本页|此文)?|关闭(?:窗口|本页)?"
    r"|返回(?:首页|顶部|列表)?|收藏|全文阅读|正文|更多|官方微信|官方微博|手机(?:站点|版)|我来说两句|扫一扫|微信扫一扫|二维码|"
    r"【[^】]{1,6}】|\[[^\]]{1,6}\]|[大中小]|默认|[Tt]op|字体[:：]?)[•·|｜\s↑:：]*)+$",
    r"^(?:发表(?:回复|评论)|登录后才能评论|网友评论|评论\s*\(\d*\)|\(\d+\)|阅读\s*\d*|点赞\s*\d*|分享\s*\d*)$",
    r"^(?:浏览|阅读|点击|人气|访问)(?:次数|量|数)?\s*[:：]",
    r"^(?:欢迎您?访问|您是第\s*\d*\s*位)",
    # keyword spam: ~40 county names joined by |
    r"^(?:[^|｜]{0,14}[|｜]){4,}",
    # contacts, licences, ICP, copyright
    r"^(?:合作|电话|联系电话|热线|传真|邮箱|电子邮箱|e-?mail|qq|微信|微信号|地址|通讯地址|邮编|邮政编码|联系方式|联系我们|举报电话)\s*[:：]",
    r"icp|公网安备|网安备|版权所有|copyright|©|all rights reserved|许可证|违法和不良信息|举报中心|网站地图|网站声明|网站简介|关于我们",
    r"^(?:主办单位|主办|承办单位|承办|协办|技术支持|网站主管单位|主管单位|运营|维护)\s*[:：]",
    r"^(?:版权声明|联系方式|官方微信|官方微博|手机站点|友情链接|相关链接|网站导航)$",
    # image file names and photo captions
    r"\.(?:png|jpe?g|gif|bmp|webp|tiff?)\s*$",
    r"^<\s*/?\s*[a-z!][^>]*>?$",
    r"^图为.{0,60}$",
    r"^.{0,80}(?:供图|摄影?|图片来源[:：].{0,30}|(?:记者|通讯员)\s*\S{2,4}\s*摄)$",
    r"^(?:图|图片|照片)\s*[:：/].{0,40}$",
    r"^摘要\s*[:：]",
    # CSS and JavaScript fragments, hidden-content prompts
    r"(?:font-family|line-height|font-size|text-indent|margin|padding)\s*:|\{[^{}]*:[^{}]*;|function\s*\(|document\.|var\s+\w+\s*=",
    r"需先登录|请先登录|登录后(?:查看|才能)|查看隐藏内容|马上注册|立即注册",
    r"</?[a-z]{1,6}[\s>]|\b(?:span|div|td|href|src|class|style)\s*=|/(?:a|td|tr|span|div|p)>",
    r"^附件(?:下载)?\s*[:：]?$",
    r"^(?:关键词|关键字|标签|tags?)\s*[:：]",
    # bylines on a line of their own: □通讯员 张三 报道, 本报记者 李四 通讯员 王五, 文/大海,
    # 文◎某区委组织部
    r"^[□■◆▲\s]*(?:本报|本台|本网)?(?:全媒体|融媒体|首席)?(?:记者|通讯员|见习记者|特约记者|特约通讯员)[\u4e00-\u9fff\s、，,]{1,30}(?:报道)?$",
    r"^(?:文|图|文图|图文|撰文|摄影)\s*(?:[/|｜◎]|>{1,3}|[:：])\s*\S{1,30}(?:\s+\S{1,10}){0,3}$",
    r"^(?:作者|撰稿|撰稿人|供稿|通讯员|记者|审稿人|审核人?|校对)\s*[:：]",
    r"^原文链接\s*[:：]",
    r"^(?:来源|来自|稿源|文章来源|信息来源|出处)\s*[:：]\s*\S{0,30}$",
))

# Gambling / porn spam injected by hacked aggregator sites. A line with two of these words, or a
# short line with one, is spam.
SPAM_WORDS = (
    "无码", "人妻", "毛片", r"(?<![a-z])av(?![a-z])", "一区二区", "彩票", "博彩", "娱乐城", "新澳门", "澳门游戏", "赌场",
    "真人荷官", "老虎机", "百家乐", "六合彩", "时时彩", "体育投注", "成人视频", "黄色网站", "久久免费", "国产精品",
)
RE_SPAM_WORD = re.compile("|".join(SPAM_WORDS), re.I)
SPAM_LONG_LINE_HITS = 3
SPAM_SHORT_LINE_CHARS = 80

# Sign-off lines: editor credits close the article body (编辑 张三, [编辑:李四],
# (责任编辑:王五), 二审 赵六). A sign-off also ends the body: what follows is footer.
RE_SIGNOFF = re.compile(
    r"^[\[【(（\s]*(?:责任编辑|责编|编辑|编审|初审|一审|二审|三审|终审|审核|审校|审签|校对|监制|值班编辑|网络编辑|"
    r"撰稿人|审稿人|编辑人|签发)(?:\s*[:：]\s*|\s+)\S{0,12}(?:\s*[\s,，、;；]\s*\S{1,12}){0,6}[\]】)）\s]*$"
)

# --------------------------------------------------------------------------------------
# Lines that start the page footer: everything from here on is dropped.

# Heads of a box of links to other articles (相关推荐, 延伸阅读). They end the body when links
# follow; a page that prints one above its own text (a scraped sidebar box) goes on with long
# paragraphs, and then the head is dropped and the body goes on (``corpus.clean``).
RELATED_HEAD_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.I) for p in (
    r"^(?:相关(?:推荐|阅读|文章|新闻|链接|资讯|报道)|延伸阅读|推荐阅读|热门(?:推荐|文章|阅读)|猜你喜欢|精彩推荐|更多(?:阅读|精彩))",
))
# What follows a link-box head is prose, not links, when this many of the next few text lines
# are paragraphs: this long at least, with sentence punctuation (link titles have none).
RELATED_LOOKAHEAD_LINES = 6
RELATED_PROSE_MIN_LINES = 2
RELATED_PROSE_MIN_CHARS = 50

STOP_LINE_RES: tuple[re.Pattern[str], ...] = RELATED_HEAD_RES + tuple(re.compile(p, re.I) for p in (
    r"^(?:免责声明|声明\s*[:：]|特别声明|版权声明)",
    r"^本文(?:来自|来源|系|为|转载|仅代表|内容)",
    r"^(?:原文链接|原文地址|文章链接)\s*[:：]",
    r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇)|上一篇.{0,60}下一篇",
    r"^(?:发表(?:回复|评论)|登录后才能评论|网友评论|我要评论|评论区)",
    r"我们致力于保护作者版权|如有侵权|侵权请联系|转载请注明|不代表本(?:站|网)(?:观点|立场)",
    r"^(?:主办单位|网站主管单位|技术支持)\s*[:：]",
    r"^(?:欢迎您?访问)",
    r"^(?:关于我们|版权声明|联系我们)$",
    r"icp备|公网安备",
))

# --------------------------------------------------------------------------------------
# Metadata lines of the article header (date, source, author, views): never body.

# A full date: 2024-07-12, 2017年08月17日, 2022/10/10, 2024.05.11.
RE_FULL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
)
META_LABELS = (
    "来源", "文章来源", "本文来源", "信息来源", "稿源", "来自", "出处", "发布时间", "发布日期", "发表时间", "发表日期",
    "时间", "日期", "更新时间", "作者", "编辑", "责任编辑", "发布者", "发布人", "发布", "点击", "点击数",
    "浏览", "浏览量", "浏览次数", "阅读", "人气", "版次", "字号", "审核人", "访问量",
)
RE_META_LABEL = re.compile(r"^(?:" + "|".join(sorted(META_LABELS, key=len, reverse=True)) + r")\s*[:：]")
# A header line is short; a body sentence that mentions a date has sentence punctuation.
META_MAX_CHARS = 90

# --------------------------------------------------------------------------------------
# Shape of lines.

# A body paragraph has sentence punctuation or is long (a cut-off lead paragraph).
# A half-width "?" is no sentence end: it is what mojibake leaves behind.
RE_SENTENCE_END = re.compile(r"[。！？!；;]")
PARAGRAPH_MIN_CHARS = 80
# Lines with fewer CJK characters than this are debris (page numbers, "SHOW", hashes).
MIN_CJK_CHARS = 2
RE_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1f]")
# Exact repeats of a line this long are scraper duplicates; shorter ones may be headings.
DUPLICATE_MIN_CHARS = 12

# Chinese list markers that open a numbered section heading (一、 （二）), shared by the
# headline test of ``corpus.meta`` and the HTML reader's heading table; each adds its own
# Arabic-numeral and 第一 forms.
ENUMERATION_MARKERS = marker_source(("cn_comma", "cn_paren", "digit_paren"), capture=False)

# Endings of an organ's name: a credit under the article or after its headline
# (某县委老干部局, 某街道党工委). ``corpus.meta`` reads headline credits with this table too.
ORG_SUFFIXES = ("党工委", "党委", "工委", "委员会", "老干部局", "组织部", "宣传部", "关工委", "局", "办公室",
                "中心", "支部", "总支")
# Units that end a sign-off line but also end many headlines (和美社区, 放心办): sign-offs only.
SIGNOFF_ONLY_SUFFIXES = ("办", "街道", "政府", "协会", "学校", "学院", "大学", "研究院", "研究所", "社区",
                         "村委会", "居委会")
# Organisation sign-offs under the last paragraph: 某县某街道党工委, 中共某县委老干部局.
RE_ORG_SIGNOFF = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff（）()]{2,30}(?:" + "|".join(ORG_SUFFIXES + SIGNOFF_ONLY_SUFFIXES) + ")"
    r"(?:[、\s][\u4e00-\u9fff]{2,20})*$"
)
# Author names on a line of their own: 张三 李四.
RE_NAMES_LINE = re.compile(r"^[\u4e00-\u9fff]{2,4}(?:[\s、,，]+[\u4e00-\u9fff]{2,4}){1,5}$")
SIGNOFF_MAX_CHARS = 30
# Common surnames, less those that often begin an ordinary phrase (和, 安, 文): a short line of
# words that all begin with one is a list of personal names (■张三 李四), not a headline.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪"
    "庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍喻祁蒲房滕"
    "屈饶牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩佘池查麻苑迟邝")
# A line of names: this many short parts at least, or two or more parts that all begin with a surname.
NAMES_LINE_MIN_PARTS = 3
NAME_MAX_CHARS = 3
# Row labels of a government disclosure table (索 引 号 …/2025-00012 主题分类 …): a line that
# starts with one is a table row, never the headline (the 标题 row's value is read instead).
DISCLOSURE_LABELS = ("索引号", "主题分类", "发文字号", "发文机关", "发布机构", "制发机构", "有效期限", "有效性",
                     "成文日期", "公开方式", "公开范围", "公开时限", "信息分类", "组配分类")
