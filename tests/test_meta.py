"""corpus.meta (+ the header layout in corpus.clean): title, published, source from scraped text."""
from __future__ import annotations

import json
import unicodedata

import pytest

from conftest import DEV, SEEDS, needs_shared
from corpus.clean import article_from_text
from corpus.meta import clean_title, find_published, find_source, join_subtitle, published_from_url


def _norm(value):
    # score.py: exact match after NFKC and whitespace removal
    return None if value is None else "".join(unicodedata.normalize("NFKC", value).split())


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
        for key in hits:
            ok = _norm(getattr(article, key)) == _norm(g[key])
            hits[key] += ok
            if not ok:
                misses.append((g["id"], key, getattr(article, key), g[key]))
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
    (["2024年05月29日 19:11 来源:中新网四川 编辑:尧欣雨"],         "2024-05-29", "中新网四川"),
    (["2022-4-27 10:56| 发布者: 老干部之家| 查看: 325| 评论: 0|来自: 江苏常州市钟楼区永红街道党工委"],
                                                                  "2022-04-27", "江苏常州市钟楼区永红街道党工委"),
    (["2024-05-27", "作者:", "来源:", "大众日报"],                  "2024-05-27", "大众日报"),
    (["發布日期:2024年12月12日 來源: 四川省巴中市南江縣關工委、縣委老干局 作者: 謝楊"],
                                                                  "2024-12-12", "四川省巴中市南江县关工委、县委老干局"),
    (["作者: 退休第五支部   审核人: 潘文东   文章来源:    点击数:   发布时间: 2023-05-20"], "2023-05-20", None),
    (["来源: NULL 发布时间:2016-01-19"],                            "2016-01-19", None),
    (["时间:2024-05-11"],                                           "2024-05-11", None),
]
OUTLET_CASES = [
    ("本文来自投稿,作者:时遇,不代表食养源立场,如若转载,请注明出处",          "食养源"),
    ("即日起,《晚晴》雜志與中共遵義市委老干部局聯合推出專題報道。",            "晚晴"),
    ("我们将在“酒泉老干部”微信平台择优编发先进典型。",                        "酒泉老干部"),
    ("近期,《人民日报》刊发文章,对志愿服务先进事迹进行宣传报道。",              None),
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
    ("实施“双融双助”工程 推动离退休干部党建融入城乡发展 泰安市岱岳区委老干部局、区离退休干部党工委",
     "实施“双融双助”工程 推动离退休干部党建融入城乡发展"),
    ("四川省南江縣打造“老黨員工作室”品牌 助力城鄉基層治理", "四川省南江縣打造“老黨員工作室”品牌 助力城鄉基層治理"),
    ("原标题:【党建引领开新局】凤庆县:“银发”绽芳华", "【党建引领开新局】凤庆县:“银发”绽芳华"),
    ("发挥“五老”优势助力乡村振兴 成都启动“银龄行动”", "发挥“五老”优势助力乡村振兴 成都启动“银龄行动”"),
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
    raw = "本报讯(通讯员 杨小旗 徐冰洁)6月7日,退休党支部组织委员在社区走了一圈。\n支部把10个党小组建在楼栋。"
    article = article_from_text("x", raw, url="http://szb.eyesnews.cn/pc/cont/202506/10/content_1.html")
    assert article.title is None
    assert article.published == "2025-06-10"
    assert article.source is None
    assert article.text.startswith("6月7日")


@pytest.mark.parametrize("header, lead, source", SOURCE_FALLBACK_CASES)
def test_source_without_label(header, lead, source):
    assert find_source(header, lead) == source


@pytest.mark.parametrize("title, next_line, joined", SUBTITLE_CASES)
def test_join_subtitle(title, next_line, joined):
    assert join_subtitle(title, next_line) == joined


def test_subtitle_joins_headline_and_periodical_is_not_title():
    text = ("某市老年教育通讯\n银发先锋聚合力\n——某街道志愿服务项目纪事\n2022-04-27\n"
            "某街道组建银发志愿服务队，开展志愿服务活动二十余次，受到群众欢迎。\n")
    art = article_from_text("t", text)
    assert art.title == "银发先锋聚合力——某街道志愿服务项目纪事"
    assert art.source == "某市老年教育通讯"


# fmt: off
CLOSING_CASES = [
    # header, first body line as scraped, closing lines → (published, source)
    ([], "长江日报融媒体4月25日讯(记者张三)某市培训支部书记。", [], (None, "长江日报")),
    ([], "广州日报讯 (全媒体记者张三)某局举办分享会。", [], (None, "广州日报")),
    # online outlets, agencies and short paper names in a dateline; 本报讯/本网讯 name none
    ([], "紅網時刻某市2月3日訊(通訊員 張三)連日來,黨員志願者值守。", [], (None, "红网")),
    ([], "中新网某地11月27日电 (张三)在某县的田里,专家在线会诊。", [], (None, "中新网")),
    ([], "某星在线网讯 “非常感谢区关工委的资助。”", [], (None, "某星在线")),
    ([], "今日头条讯(主编 张三)3月25日,某市老年大学开课。", [], (None, "今日头条")),
    ([], "星报讯 在某社区,活跃着一支志愿巡逻队。", [], (None, "星报")),
    ([], "本报讯 (记者 张三)某局举办分享会。", [], (None, None)),
    ([], "本网讯 近日，某局举办分享会。", [], (None, None)),
    (["北京日报客户端 2024-06-24 19:05:17"], "", [], ("2024-06-24", "北京日报")),
    (["2026年01月20日 某安日报 版次:B07 记者 张三"], "", [], ("2026-01-20", "某安日报")),
    (["网易首页 > 网易山东 > 正文"], "", [], (None, "网易")),
    ([], "", ["某社区举办汇演。", "(来源:中新网)", "(作者:某编辑部)"], (None, "中新网")),
    (["作者: NULL  来源: NULL  2016-01-19"], "", ["(来源:某市政府)"], ("2016-01-19", "某市政府")),
    ([], "", ["(記者 張三)", "《人民日報》(2022年12月28日第15版)"], ("2022-12-28", "人民日报")),
    # a related article's source line inside the text is not a closing label line
    ([], "", ["据悉，来源:某网的报道称活动很成功。"], (None, None)),
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
    ("网易首页 > 网易山东 > 正文\n\n某区老兵志愿服务队,小区里的“老超人”\n\n0\n分享至\n\n脱下军装\n\n"
     "“退役不退志、退伍不褪色”\n\n在某社区，居民们总能看到一支退伍老兵组成的志愿服务队穿梭在小区内，守护辖区安宁。\n",
     "某区老兵志愿服务队,小区里的“老超人”"),
    # a headline broken over short adjacent lines is joined
    ("市委老干部局\n举办专(兼)职\n人员培训班\n文|张三 李四\n11月17日,市委老干部局举办了为期两天的培训班，50名工作人员参加。\n",
     "市委老干部局举办专(兼)职人员培训班"),
    # short lines separated by blank lines are not one headline
    ("工作动态\n\n人员培训班\n11月17日,市委老干部局举办了为期两天的培训班，50名工作人员参加。\n", "人员培训班"),
    # a kicker ending in —— is not the headline
    ("當前位置:首頁 > 區縣新聞 > 某區\n\n挖掘人才資源庫,引領老年人展現新作為,某社區——\n\n“銀齡”解憂 社區治理煥發新活力\n\n"
     "來源:某新聞網 發布時間:2025-07-30 10:10:51\n\n7月22日，在某社區的廣場上，數十位學員舒展肢體，晨練活動有序開展。\n",
     "“銀齡”解憂 社區治理煥發新活力"),
    # a page counter or a bare section heading is not the headline
    ("信息来源:某县\n发布时间:2024-04-15\n浏览 次\n4月12日,某县召开全县老干部工作会议，部署全年工作。\n", None),
    ("工作背景\n\n某市位于半岛南端，全市共有基层党组织3000个，党员5万名，是重要的港口城市。\n", None),
    # an SEO title line dropped for its spam site name keeps the headline before the separator
    ("某县搭建“银发人才库” 带动培育新型职业农民|澳门游戏网站入口\n"
     "近年来，某县创新搭建“银发人才库”，500余名退休干部重新上岗，投身乡村振兴。\n",
     "某县搭建“银发人才库” 带动培育新型职业农民"),
    # the ``——`` subtitle below a date line and a repeat of the headline still joins it
    ("“党员会客厅”,群众给出“五颗星”\n2022-11-09 05:33:31 来源:某网\n\n“党员会客厅”,群众给出“五颗星”\n\n"
     "——某市一个城市社区的基层社会治理实践\n\n某小区的一户人家，是党员张三的家，也是周边党员群众口中的“党员会客厅”。\n",
     "“党员会客厅”,群众给出“五颗星”——某市一个城市社区的基层社会治理实践"),
]
# fmt: on


@pytest.mark.parametrize("raw, title", LAYOUT_TITLE_CASES)
def test_title_after_breadcrumb_and_broken_headline(raw, title):
    assert article_from_text("t", raw).title == title


def test_dateline_below_image_captions_names_the_source():
    raw = ("某街道:党员志愿者守好社区“安全门”\n\n党员志愿者在雨中排查进出车辆。\n\n志愿者在路口值守。\n\n"
           "紅網時刻某市2月3日訊(通訊員 張三)連日來,身穿紅馬甲的黨員志願者在某社區值守，守護居民安全。\n")
    assert article_from_text("t", raw).source == "红网"
