"""corpus.meta (+ the header layout in corpus.clean): title, published, source from scraped text."""
from __future__ import annotations

import json
import unicodedata

import pytest

from conftest import DEV, SEEDS, needs_shared
from corpus.clean import article_from_text
from corpus.meta import (clean_title, find_published, find_source, is_names_line, join_subtitle, looks_like_title,
                         published_from_url)


def _norm(value):
    # score.py: exact match after NFKC and whitespace removal
    return None if value is None else "".join(unicodedata.normalize("NFKC", value).split())


def printed_title(article):
    """The title as ``wrmine predict`` reports it: a stand-in made from the lead is None."""
    return None if article.title_origin == "lead" else article.title


def _urls():
    urls = {}
    for line in (DEV / "urls.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        urls[cols[0]] = cols[1]
    return urls


def _gold(folder):
    with open(folder / "gold.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@needs_shared
def test_title_published_source_on_seeds_and_dev():
    urls = _urls()
    gold = _gold(SEEDS) + _gold(DEV)
    hits = {"title": 0, "published": 0, "source": 0}
    misses = []
    for g in gold:
        folder = SEEDS if g["id"].startswith("seed") else DEV
        raw = (folder / f"{g['id']}.txt").read_text(encoding="utf-8")
        article = article_from_text(g["id"], raw, urls.get(g["id"]))
        # as ``wrmine predict`` reports it: a title made from the lead is no printed headline
        got = {"title": printed_title(article),
               "published": article.published, "source": article.source}
        for key in hits:
            ok = _norm(got[key]) == _norm(g[key])
            hits[key] += ok
            if not ok:
                misses.append((g["id"], key, got[key], g[key]))
    n = len(gold)
    assert hits["title"] / n >= 0.95, misses
    assert hits["published"] / n >= 0.95, misses
    assert hits["source"] / n >= 0.9, misses


# fmt: off
URL_CASES = [
    ("http://szb.eyesnews.cn/pc/cont/202506/10/content_154024.html",         "2025-06-10"),
    ("http://www.zh.gov.cn/art/2020/7/16/art_1229033707_50770189.html",      "2020-07-16"),
    ("http://paper.people.com.cn/zgcsb/html/2022-08/01/content_25931944.htm", "2022-08-01"),
    ("http://nxlgbj.gov.cn/ycfn/yxzyfwxm/202501/t20250109_963000.html",      "2025-01-09"),
    ("https://www.sc.chinanews.com.cn/bwbd/2024-05-29/210309.html",          "2024-05-29"),
    ("http://cdcn.org.cn/article/23285",                                      None),
    ("https://xiexiebang.com/a11/201905146/03cb863ab9ac4173.html",            None),
    ("http://example.cn/202513/45/x.html",                                    None),   # no such date
    (None,                                                                    None),
]
HEADER_CASES = [
    (["2024-07-12 19:15:27    来源:中国应急安全网"],                "2024-07-12", "中国应急安全网"),
    (["文章來源: 紅星網  時間: 2023-04-21 16:07"],                 "2023-04-21", "红星网"),
    (["2023年03月18日 08:40 来源:某新网山东 编辑:张三"],           "2023-03-18", "某新网山东"),
    (["2021-9-3 08:15| 发布者: 银发之家| 查看: 118| 评论: 0|来自: 某省某市某区某街道党工委"],
                                                                  "2021-09-03", "某省某市某区某街道党工委"),
    (["2024-05-27", "作者:", "来源:", "大众日报"],                  "2024-05-27", "大众日报"),
    (["發布日期:2023年11月07日 來源: 某省某市某縣關工委、縣委老干局 作者: 王五"],
                                                                  "2023-11-07", "某省某市某县关工委、县委老干局"),
    (["作者: 退休第三支部   审核人: 赵六   文章来源:    浏览量:   发布时间: 2022-08-16"], "2022-08-16", None),
    (["来源: NULL 发布时间:2016-01-19"],                            "2016-01-19", None),
    (["时间:2024-05-11"],                                           "2024-05-11", None),
]
OUTLET_CASES = [
    ("本文来自投稿,作者:时遇,不代表食养源立场,如若转载,请注明出处",          "食养源"),
    ("即日起,《晚晴》雜志與中共遵義市委老干部局聯合推出專題報道。",            "晚晴"),
    ("本平台将在“某市老干部”微信平台陆续刊发典型案例。",                      "某市老干部"),
    ("日前,《某某日报》以专版形式,报道了该县的银发志愿服务经验。",              None),
]
# Sources without a 来源 label (hand-written): header periodical, paper dateline, breadcrumb root.
SOURCE_FALLBACK_CASES = [
    (["某市老年大学协会", "某市老年教育通讯", "2020/12/30"], [],              "某市老年教育通讯"),
    ([],                           ["南江日报讯 (记者 张三)5日,某区举办分享会。"], "南江日报"),
    ([],                           ["本报讯 (记者 张三)5日,某区举办分享会。"],    None),
    (["当前位置: 夕阳网 > 新闻中心 > 养老动态", "时间:2022-10-01 来源: 作者:小李"], [], "夕阳网"),
    (["当前位置: 首页 > 新闻中心", "时间:2022-10-01 来源:"],            [],      None),
    (["当前位置: 某某频道首页 > 新闻", "时间:2022-10-01"],               [],      None),
    # a label still wins over a breadcrumb
    (["当前位置: 夕阳网 > 新闻", "来源:某区融媒体中心"],                 [],      "某区融媒体中心"),
]
SUBTITLE_CASES = [
    ("银发先锋聚合力", "——某街道志愿服务项目纪事", "银发先锋聚合力——某街道志愿服务项目纪事"),
    ("银发先锋聚合力", "一、基本情况",             "银发先锋聚合力"),
    ("银发先锋聚合力", None,                      "银发先锋聚合力"),
]
TITLE_CASES = [
    ("开展“银发同行”行动 推动老干部工作融入基层治理 某市某区委老干部局、区老干部党工委",
     "开展“银发同行”行动 推动老干部工作融入基层治理"),
    # every organ of a joint credit ends in a suffix of the one table (组织部 too)
    ("开展“银发同行”行动 推动老干部工作融入基层治理 某县委老干部局、县委组织部",
     "开展“银发同行”行动 推动老干部工作融入基层治理"),
    ("某省某縣打造“銀髮工作室”品牌 助力城鄉社區治理", "某省某縣打造“銀髮工作室”品牌 助力城鄉社區治理"),
    ("原标题:【银发新风采】某县:“银发”展风采", "【银发新风采】某县:“银发”展风采"),
    ("发挥“五老”作用助力社区治理 某市启动“银发行动”", "发挥“五老”作用助力社区治理 某市启动“银发行动”"),
]
# fmt: on


@pytest.mark.parametrize("url, expected", URL_CASES)
def test_published_from_url(url, expected):
    assert published_from_url(url) == expected


@pytest.mark.parametrize("header, published, source", HEADER_CASES)
def test_header_published_and_source(header, published, source):
    assert find_published(header) == published
    assert find_source(header) == source


@pytest.mark.parametrize("lead, source", OUTLET_CASES)
def test_outlet_named_without_label(lead, source):
    assert find_source([], [lead]) == source


# fmt: off
TITLE_SHAPE_CASES = [
    # lines of personal names: three short parts, or parts that all begin with a surname
    ("■张三 李四",                                  False),
    ("张三、李四、王五",                             False),
    ("共建 共治 共享",                               False),
    # two four-character phrases: the commonest headline shape
    ("银发助老 邻里焕新",                            True),
    ("老有所为 和美社区",                            True),
    # rows of a disclosure table, in any spacing and script
    ("索  引  号 000000000X/2024-00012 主题分类 老龄工作", False),
    ("發文字號 制發機構",                            False),
    ("有效期限 有效性",                              False),
    # bylines
    ("文◎某县委组织部、某县委两新工委",              False),
    ("文|王五 赵六",                                 False),
    ("文/图 李四",                                   False),
]
# fmt: on


@pytest.mark.parametrize("line, expected", TITLE_SHAPE_CASES)
def test_title_shape(line, expected):
    assert looks_like_title(line) is expected


def test_names_line_needs_three_parts_or_surnames():
    assert is_names_line("张三 李四") and is_names_line("甲乙 丙丁 戊己")
    assert not is_names_line("银发 助老") and not is_names_line("银发助老 邻里焕新")


@pytest.mark.parametrize("line, title", TITLE_CASES)
def test_clean_title(line, title):
    assert clean_title(line) == title


def test_other_articles_dates_are_not_the_date():
    raw = ("曲靖市党建引领基层治理三年活动\n\n近年来,麒麟区着力构建老干部工作格局。\n\n"
           "本文来自投稿,不代表食养源立场\n上一篇 2023-07-26 14:02\n下一篇 2023-07-26 14:08\n")
    article = article_from_text("x", raw)
    assert article.published is None
    assert article.source == "食养源"
    assert article.title == "曲靖市党建引领基层治理三年活动"


def test_body_first_file_has_no_title_and_url_date():
    raw = "本报讯(通讯员 王五 赵六)5月9日,退休党支部书记在小区里走访了一圈。\n支部把8个党小组建在楼栋。"
    article = article_from_text("x", raw, url="http://szb.eyesnews.cn/pc/cont/202506/10/content_1.html")
    assert article.title_origin == "lead" and article.title.startswith("5月9日")   # no headline printed
    assert article.published == "2025-06-10"
    assert article.source is None
    assert article.text.startswith("5月9日")


@pytest.mark.parametrize("header, lead, source", SOURCE_FALLBACK_CASES)
def test_source_without_label(header, lead, source):
    assert find_source(header, lead) == source


@pytest.mark.parametrize("title, next_line, joined", SUBTITLE_CASES)
def test_join_subtitle(title, next_line, joined):
    assert join_subtitle(title, next_line) == joined


def test_subtitle_under_the_date_line_is_body_not_title():
    text = ("银发先锋聚合力\n2022-04-27 来源:某区融媒体中心\n——某街道志愿服务项目纪事\n"
            "某街道组建银发志愿服务队，开展志愿服务活动二十余次，受到群众欢迎。\n")
    assert article_from_text("t", text).title == "银发先锋聚合力"


def test_subtitle_joins_headline_and_periodical_is_not_title():
    text = ("某市老年教育通讯\n银发先锋聚合力\n——某街道志愿服务项目纪事\n2022-04-27\n"
            "某街道组建银发志愿服务队，开展志愿服务活动二十余次，受到群众欢迎。\n")
    art = article_from_text("t", text)
    assert art.title == "银发先锋聚合力——某街道志愿服务项目纪事"
    assert art.source == "某市老年教育通讯"


# fmt: off
CLOSING_CASES = [
    # header, first body line as scraped, closing lines → (published, source)
    ([], "某江日报融媒体3月12日讯(记者张三)某市培训支部书记。", [], (None, "某江日报")),
    ([], "广州日报讯 (全媒体记者张三)某局举办分享会。", [], (None, "广州日报")),
    # online outlets, agencies and short paper names in a dateline; 本报讯/本网讯 name none
    ([], "紅網時刻某市2月3日訊(通訊員 張三)連日來,黨員志願者值守。", [], (None, "红网")),
    ([], "中新网某地11月27日电 (张三)在某县的田里,专家在线会诊。", [], (None, "中新网")),
    ([], "某星在线网讯 “多亏了老党员们的帮忙。”", [], (None, "某星在线")),
    ([], "今日头条讯(主编 张三)3月25日,某市老年大学开课。", [], (None, "今日头条")),
    ([], "星报讯 在某社区,活跃着一支志愿巡逻队。", [], (None, "星报")),
    ([], "本报讯 (记者 张三)某局举办分享会。", [], (None, None)),
    ([], "本网讯 近日，某局举办分享会。", [], (None, None)),
    (["某城日报客户端 2023-05-08 10:02:31"], "", [], ("2023-05-08", "某城日报")),
    (["2023年02月14日 某安日报 版次:A03 记者 张三"], "", [], ("2023-02-14", "某安日报")),
    (["某易首页 > 某易河南 > 正文"], "", [], (None, "某易")),
    ([], "", ["某社区举办汇演。", "(来源:中新网)", "(作者:某编辑部)"], (None, "中新网")),
    (["作者: NULL  来源: NULL  2016-01-19"], "", ["(来源:某市政府)"], ("2016-01-19", "某市政府")),
    ([], "", ["(記者 張三)", "《某城日報》(2023年3月6日第7版)"], ("2023-03-06", "某城日报")),
    # a related article's source line inside the text is not a closing label line
    ([], "", ["据悉，来源:某网的报道称活动很成功。"], (None, None)),
    # a label's value ends at a printed date; a CMS code with no Chinese is no outlet
    (["來源:某獅日報 2016-01-13 08:58 http://www.example.com/ 某某電子版"], "", [], ("2016-01-13", "某狮日报")),
    (["发布时间:2024-11-10 04:01:47 来源: ab20241110"], "", [], ("2024-11-10", None)),
    # a converter's pinyin glosses inside a dateline (網(wǎng))
    ([], "某家界新聞網(wǎng)3月24日訊 (通訊員 張三)近日,某縣關工委開展活動。", [], (None, "某家界新闻网")),
    # a magazine's issue line names the outlet
    (["某刊 2020年13期", "关键词:某市"], "", [], (None, "某刊")),
    # a copyright line closing the body, when the page has no footer the cleaner found
    ([], "", ["某社区开展活动。", "某城新闻网 http://www.example.com 某城日报社版权所有。未经许可,不得转载。"],
     (None, "某城新闻网")),
]
# fmt: on


@pytest.mark.parametrize("header, dateline, closing, expected", CLOSING_CASES)
def test_source_from_dateline_meta_line_and_closing(header, dateline, closing, expected):
    assert (find_published(header, None, closing),
            find_source(header, dateline=dateline, closing=closing)) == expected


def test_dateline_paper_survives_byline_deletion():
    art = article_from_text("t", "某报道\n广州日报讯 (全媒体记者张三 通讯员李四)9月5日,某局举办分享会，100余人参加。\n")
    assert art.source == "广州日报"


# fmt: off
LAYOUT_TITLE_CASES = [
    # the headline follows the breadcrumb; a lead-in poem below it is not the headline
    ("某易首页 > 某易河南 > 正文\n\n某县银发巡逻队,街巷里的“守夜人”\n\n0\n分享至\n\n退休不退岗\n\n"
     "“余热再发光、银发护平安”\n\n在某街道，每天傍晚都有一支由退休职工组成的巡逻队走过大街小巷，守护邻里平安。\n",
     "某县银发巡逻队,街巷里的“守夜人”"),
    # a headline broken over short adjacent lines is joined
    ("县委组织部\n举办新任(兼)职\n党务干部培训班\n文|王五 赵六\n9月8日,县委组织部举办了为期三天的培训班，80名党务干部参加。\n",
     "县委组织部举办新任(兼)职党务干部培训班"),
    # short lines separated by blank lines are not one headline
    ("工作动态\n\n党务干部培训班\n9月8日,县委组织部举办了为期三天的培训班，80名党务干部参加。\n", "党务干部培训班"),
    # a kicker ending in —— is not the headline
    ("當前位置:首頁 > 本地新聞 > 某縣\n\n用好老同志經驗,帶動鄰里共參與,某街道——\n\n“銀髮”助力 老舊小區換新顏\n\n"
     "來源:某日報網 發布時間:2024-03-11 09:20:00\n\n3月5日，在某小區的活動室裡，十多位老黨員圍坐一起，商量加裝電梯的事。\n",
     "“銀髮”助力 老舊小區換新顏"),
    # a page counter or a bare section heading is not the headline
    ("信息来源:某区\n发布时间:2023-10-09\n浏览 次\n10月8日,某区召开老干部工作推进会，安排下阶段工作。\n", None),
    ("工作背景\n\n某县地处山区，全县共有基层党组织860个，党员2万名，是传统农业大县。\n", None),
    # an SEO title line dropped for its spam site name keeps the headline before the separator
    ("某区建立“银发智囊团” 助推社区微更新|澳门游戏网站入口\n"
     "近年来，某区建立“银发智囊团”，300余名退休专家参与社区更新，献计出力。\n",
     "某区建立“银发智囊团” 助推社区微更新"),
    # the ``——`` subtitle below a date line and a repeat of the headline still joins it
    ("“银发议事角”,居民点赞“连连看”\n2023-06-02 10:12:45 来源:某网\n\n“银发议事角”,居民点赞“连连看”\n\n"
     "——某县一个老旧小区的协商议事探索\n\n某小区的一处凉亭，是退休教师李四常坐的地方，也是周边居民口中的“银发议事角”。\n",
     "“银发议事角”,居民点赞“连连看”——某县一个老旧小区的协商议事探索"),
    # the commonest headline shape, two four-character phrases, is not a line of names
    ("银发助老 邻里焕新\n2024-05-06 来源:某网\n某街道组织老党员结对帮扶独居老人，开展上门服务300余次。\n",
     "银发助老 邻里焕新"),
    # a disclosure table: the 标题 row's value is the headline, its index row never is
    ("索  引  号 000000000X/2024-00012 主题分类 老龄工作\n发文字号 制发机构\n有效期限 有效性\n"
     "成文日期 2024-04-02 发布日期 2024-04-02\n标        题 某县“银发课堂”开课 老年人乐享学习\n\n"
     "发布时间:2024-04-02 来源:某县民政局 浏览次数:\n\n近日，某县“银发课堂”正式开课，首批200余名老年人报名参加。\n",
     "某县“银发课堂”开课 老年人乐享学习"),
    ("索 引 号:000000000X/2024-00013\n发布日期:2024-04-03\n\n某县举办老年运动会\n\n"
     "4月2日，某县第五届老年运动会开幕，600余名老年运动员参赛。\n", "某县举办老年运动会"),
    # a byline is not the headline
    ("文◎某县委组织部、某县委两新工委\n某县坚持党建引领，组建银发志愿服务队20支，服务群众5000余人次。\n", None),
]
# fmt: on


@pytest.mark.parametrize("raw, title", LAYOUT_TITLE_CASES)
def test_title_after_breadcrumb_and_broken_headline(raw, title):
    assert printed_title(article_from_text("t", raw)) == title


def test_dateline_below_image_captions_names_the_source():
    raw = ("某社区:银发巡逻队守护小区平安\n\n巡逻队员在夜间巡查楼道。\n\n队员在门岗登记。\n\n"
           "紅網時刻某市5月6日訊(通訊員 李四)近段時間,佩戴紅袖章的老黨員每晚在某小區巡邏，守護一方平安。\n")
    assert article_from_text("t", raw).source == "红网"


# fmt: off
# Hand-written texts for the readings added with the vote (corpus.meta.read).
VOTE_TEXT_CASES = [
    # a headline printed on its date line
    ("04\n\n某社区老年食堂开张 2024年03月08日\n\n本报讯 近日，某社区老年食堂正式开张，首日接待老人120余人次。\n",
     None, ("某社区老年食堂开张", "2024-03-08", None)),
    # a headline with a ？ in it is not the first paragraph
    ("某某首页 > 某某号 > 正文\n\n老年食堂,怎样才能办得长久?\n\n2024-03-08 来源:某城晚报\n\n"
     "一碗热饭，连着老人的冷暖。某区已建成老年食堂60余个，覆盖全部街道。\n",
     None, ("老年食堂,怎样才能办得长久?", "2024-03-08", "某城晚报")),
    # a run-on document: the headline glued before the text, ending in its genre
    ("第1页共4页关于某镇居家养老服务的调研报告某镇位于县城东部，共有60岁以上老人3200人，占总人口的21%。\n",
     None, ("关于某镇居家养老服务的调研报告", None, None)),
    # ... or printed twice
    ("1、银龄互助典型经验银龄互助典型经验 一是建强队伍，组建互助小组30个。二是完善制度。\n",
     None, ("银龄互助典型经验", None, None)),
    # a —— subtitle opening the text with no headline above it
    ("——某社区银发理发队活动侧记\n本刊讯 每月5日，某社区银发理发队都会在广场上摆开理发摊，为居民义务理发。\n",
     None, ("某社区银发理发队活动侧记", None, None)),
    # a date in the sign-off dates a text that prints none above; the URL's date comes second
    ("某镇卫生院给山里的老人送药上门，医生每周进村一次。\n中共某县委老干部局\n张三 李四\n2022年10月5日\n",
     "http://www.example.cn/news/2022/1004/123.html", (None, "2022-10-05", None)),
    # the URL alone: /2023/0121/ and /2023/06/25/ folders
    ("某镇卫生院给山里的老人送药上门，医生每周进村一次。\n", "http://www.example.cn/life/2023/0121/8.html",
     (None, "2023-01-21", None)),
    ("某镇卫生院给山里的老人送药上门，医生每周进村一次。\n", "http://www.example.cn/x/2023/06/25/113.htm",
     (None, "2023-06-25", None)),
    # a paper's reporter byline names the source; its app channel is dropped
    ("某庄日报客户端 | 记者 王五\n\n“今天您量血压了吗？”每周五，退役军人老高都在社区义诊点值守，为老人量血压。\n",
     None, (None, None, "某庄日报")),
    ("某德日报记者 王五 通讯员 赵六 近日，某市老干部合唱团举办新年音乐会，20余个节目轮番上演。\n",
     None, (None, None, "某德日报")),
    # any outlet's dateline before the reporter's bracket; 本报讯 still names none
    ("某某在线讯(记者王五)5月10日，县老年大学新校区投入使用，可容纳学员3000人。\n", None, (None, None, "某某在线")),
    # a 来源 label opening the first body line
    ("消息来源:某川在线 某川在线记者 王五 9月6日获悉，某省今年招募银龄讲学教师330名，面向脱贫县。\n",
     None, (None, None, "某川在线")),
    # a closing label that runs on into the byline stops at the label
    ("某镇卫生院给山里的老人送药上门，医生每周进村一次。\n来源:某阳日报全媒体作者:王五 赵六责任编辑:李四\n",
     None, (None, None, "某阳日报")),
    # the page's clock above the headline is not the article's date
    ("2025-03-20 星期四\n首页 · 县域\n某县:银发人才进社区\n作者:王五    2025-03-11 09:52:59\n"
     "在社区治理中，某县把退休干部组织起来，成立了银发人才库，入库人员300余名。\n", None,
     ("某县:银发人才进社区", "2025-03-11", None)),
    # a breadcrumb's root names the site; a footer's copyright line names the outlet
    ("您当前的位置 : 某某老年大学 >> 学校要闻\n某某老年大学举办书画展\n2025年12月17日 11:15\n"
     "近日，某某老年大学书画系教学成果展在校内举办，展出作品200余幅。\n", None,
     ("某某老年大学举办书画展", "2025-12-17", "某某老年大学")),
    ("本报记者 王五 通讯员 赵六 每天傍晚，一支由退休职工组成的巡逻队都会走过小区的大街小巷。\n"
     "相关新闻\n版权声明 @ 某原网 网站版权所有 |\n", None, (None, None, "某原网")),
    # quote marks inside an outlet name are dropped; a 字号 label ends the value
    ("某区开展银发关爱行动\n发布日期:2022-09-23访问次数:信息来源:“学习强国”某市学习平台字号:[ ]\n"
     "某区请六十岁出头的退休职工陪伴八旬以上长者，目前已有860对。\n", None,
     ("某区开展银发关爱行动", "2022-09-23", "学习强国某市学习平台")),
]
# fmt: on


@pytest.mark.parametrize("raw, url, expected", VOTE_TEXT_CASES)
def test_text_readings(raw, url, expected):
    art = article_from_text("t", raw, url)
    assert (printed_title(art), art.published, art.source) == expected


# fmt: off
NOT_A_HEADLINE_CASES = [
    "图为志愿者在社区为老人理发。",
    "老人们正在社区广场上打太极拳 张三 摄",
    "扫二维码 分享至朋友圈",
    "07版:要闻    上一版  下一版",
    "□ 张三",
    "某市關工委 張三 某縣關工委 李四",
    "5月9日,某县召开老干部工作推进会,安排部署下一阶段重点工作任务",
    "下面是小编为大家整理的社区工作总结",
]
# fmt: on


@pytest.mark.parametrize("line", NOT_A_HEADLINE_CASES)
def test_not_a_headline(line):
    raw = f"{line}\n2024-05-06 来源:某网\n某街道组织老党员结对帮扶独居老人，开展上门服务300余次。\n"
    art = article_from_text("t", raw)
    assert art.title_origin == "lead" and printed_title(art) is None


def test_markup_is_never_in_the_title():
    raw = "<div>银发课堂开课了</div>\n2024-05-06 来源:某网\n某街道组织老党员结对帮扶独居老人，开展上门服务300余次。\n"
    art = article_from_text("t", raw)
    assert (art.title, art.title_origin) == ("银发课堂开课了", "text")


def test_title_prefixes_are_dropped():
    assert clean_title("【原标题】某县:银发课堂开课") == "某县:银发课堂开课"
    assert clean_title("第三节 某市养老服务的主要做法") == "某市养老服务的主要做法"


def test_every_article_has_a_title_with_its_origin_and_evidence():
    art = article_from_text("t", "某街道组织老党员结对帮扶独居老人，开展上门服务300余次，受到群众欢迎。\n")
    assert (art.title, art.title_origin) == ("某街道组织老党员结对帮扶独居老人，开展上门服务300余次", "lead")
    long_lead = "近日，某街道请辖区内的离退休老党员每周上门看望行动不便的长者，量血压、读报纸、拉家常，大家都很满意。"
    art = article_from_text("t", long_lead + "\n")
    assert art.title == "近日，某街道请辖区内的离退休老党员每周上门看望行动不便的长者"   # cut at a clause boundary
    art = article_from_text("t", "银发助老 邻里焕新\n2024-05-06 来源:某网\n某街道组织老党员结对帮扶独居老人。\n")
    assert art.title_origin == "text"
    assert "title = '银发助老 邻里焕新' from text (score 3)" in art.meta_evidence
    assert any(line.startswith("source = '某网'") for line in art.meta_evidence)


def test_headline_model_ranks_options_and_can_say_none():
    from corpus.meta import MetaLayout, model_headline

    lay = MetaLayout(top=("某某网首页", "银发助老 邻里焕新", "2024-05-06 来源:某网", "某街道组织老党员结对帮扶独居老人。"),
                     top_kinds=("drop", "text", "meta", "text"), top_header=3)
    # a hand-set model: lines just above the date line are headlines
    model = {"features": ["next_is_meta", "first_line"], "weights": [4.0, -1.0], "intercept": -2.0, "threshold": 0.5}
    assert model_headline(lay, model)[0] == "银发助老 邻里焕新"
    assert model_headline(lay, dict(model, threshold=0.99))[0] is None



@pytest.mark.parametrize("lead, title", [
    (["本报记者 王五 通讯员 赵六 每天傍晚，一支由退休职工组成的巡逻队都会走过小区的大街小巷。"],
     "每天傍晚，一支由退休职工组成的巡逻队都会走过小区的大街小巷"),
    (["“今天您量血压了吗？”每周五，退役军人老高都在社区义诊点值守。"], "今天您量血压了吗"),
    (["图为志愿者在社区为老人理发。", "某社区理发队成立五年，已为老人义务理发上万次。"], "某社区理发队成立五年，已为老人义务理发上万次"),
    (["好。"], None),
])
def test_lead_title_drops_credits_quotes_and_captions(lead, title):
    from corpus.meta import lead_title

    assert lead_title(lead) == title
