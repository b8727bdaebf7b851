"""corpus.html on the page shapes that real sites add around an article: reader comments,
data tables, forum threads, list and front pages, and the edges (datelines, sign-offs).

Small pages written here assert exact bodies; the hand-made bench in
tests/fixtures/html_bench (``<id>.gold.txt`` / ``<id>.skip.txt``) is checked page by page.
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus.clean import article_from_html
from corpus.errors import NotAnArticle
from corpus.html import extract_body, extract_page

BENCH = FIXTURES / "html_bench"
ARTICLES = sorted(p.stem for p in BENCH.glob("*.html") if (BENCH / f"{p.stem}.gold.txt").exists())
NON_ARTICLES = sorted(p.stem for p in BENCH.glob("*.html") if (BENCH / f"{p.stem}.skip.txt").exists())

P1 = "今年以来，全县共建成党群服务中心126个，实现行政村全覆盖，服务群众3.2万人次。"
P2 = "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。"
BODY = f"<p>{P1}</p><p>{P2}</p>"


def page(inner: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>标题</title></head><body>{inner}</body></html>".encode()


def test_bench_pages_are_enough():
    assert len(ARTICLES) >= 30 and len(NON_ARTICLES) >= 3


@pytest.mark.parametrize("name", ARTICLES)
def test_extract_body_bench_page(name):
    gold = (BENCH / f"{name}.gold.txt").read_text(encoding="utf-8").strip()
    assert extract_body((BENCH / f"{name}.html").read_bytes()) == gold


@pytest.mark.parametrize("name", NON_ARTICLES)
def test_extract_page_bench_non_article(name):
    expected = (BENCH / f"{name}.skip.txt").read_text(encoding="utf-8").strip()
    with pytest.raises(NotAnArticle, match="^" + expected):
        extract_page((BENCH / f"{name}.html").read_bytes())


# --- comments -------------------------------------------------------------------------------

def comment_block(user: str, when: str, text: str) -> str:
    return (f"<div class='item'><div><b>{user}</b> <i>{when}</i></div><div>{text}</div>"
            "<div><span>顶[3]</span> <span>踩[0]</span> <a>回复</a></div></div>")


COMMENTS = "".join(comment_block(u, w, t) for u, w, t in [
    ("老李", "05-11 08:42", "我们小区去年也改造了，加装了电梯，楼上的老人终于能经常下楼了，真心感谢。"),
    ("路过", "05-11 09:15", "希望改造的时候能把小区里的排水问题一并解决，一下大雨就积水，出行很不方便。"),
    ("晨曦", "05-11 10:03", "居民议事会这个做法好，改什么由大家说了算，钱花在刀刃上，大家都满意。"),
])


def test_extract_body_drops_comments_known_by_shape_alone():
    # No class word, no heading: the repeated blocks with a time and 顶/回复 buttons are comments.
    assert extract_body(page(BODY + f"<div id='plist'>{COMMENTS}</div>")) == f"{P1}\n{P2}"


def test_extract_body_drops_comments_with_time_stamps_and_no_buttons():
    notes = ["这个办法好，闲置地利用起来了，村里环境也变好了。", "建议多建一些储水设施，夏天浇水方便一些。",
             "基层的创新往往就是从这些小事做起的。", "希望能长期坚持下去，不要搞成一阵风。", "既共享土地，也共享邻里感情。"]
    items = "".join(f"<li><div><span>网友{i}</span><span>2024-05-06 1{i}:0{i}</span></div><p>{t}</p></li>"
                    for i, t in enumerate(notes))
    assert extract_body(page(BODY + f"<ul>{items}</ul>")) == f"{P1}\n{P2}"


def test_extract_body_dated_headline_list_is_not_taken_for_comments():
    # Links and dates with clock times: a list of news, chrome to the scorer, no comment area.
    items = "".join(f"<li><a href='/a/{i}'>某县召开第{i}次基层党建工作推进会</a><span>2024-05-0{i} 10:00</span></li>"
                    for i in range(1, 7))
    data = page(BODY + f"<ul>{items}</ul>")
    from corpus.html import _LineReader, parse_html
    reader = _LineReader(parse_html(data.decode()))
    reader.read()
    assert reader.comment_groups == [] and extract_body(data) == f"{P1}\n{P2}"


def test_extract_body_drops_comment_area_named_by_class():
    essay = "读到这篇文章，想起了外婆家的院子。" * 8 + "谢谢你的文字，让我又回到了那个夏天。"
    area = (f"<div id='comments' class='comments-area'><ol class='comment-list'><li><p>{essay}</p></li></ol></div>")
    assert extract_body(page(BODY + area)) == f"{P1}\n{P2}"


@pytest.mark.parametrize("head", ["网友评论", "评论（63）", "精选留言", "网友热议"])
def test_extract_body_comment_heading_ends_the_body(head):
    tail = f"<div><h3>{head}</h3><p>这个办法好，闲置地利用起来了，村里环境也变好了，值得各地学习推广。</p></div>"
    assert extract_body(page(BODY + tail)) == f"{P1}\n{P2}"


# --- tables ---------------------------------------------------------------------------------

TABLE = ("<table border='1'><tr><th>场次</th><th>时间</th><th>地点</th></tr>"
         "<tr><td>第一场</td><td>3月14日上午</td><td>城关镇农技站</td></tr>"
         "<tr><td>第二场</td><td><p>3月16日</p><p>上午</p></td><td>石桥镇文化站</td></tr></table>")
ROWS = "场次\t时间\t地点\n第一场\t3月14日上午\t城关镇农技站\n第二场\t3月16日 上午\t石桥镇文化站"


def test_extract_body_keeps_appended_table_as_tab_rows():
    markup = BODY + "<p>附：培训场次安排</p>" + TABLE + "<p>责任编辑：王芳</p>"
    assert extract_body(page(markup)) == f"{P1}\n{P2}\n附：培训场次安排\n{ROWS}"


def test_extract_body_table_caption_is_its_title():
    markup = BODY + TABLE.replace("<tr>", "<caption>培训场次安排</caption><tr>", 1)
    assert extract_body(page(markup)) == f"{P1}\n{P2}\n培训场次安排\n{ROWS}"


def test_extract_body_keeps_table_between_paragraphs_in_place():
    assert extract_body(page(f"<p>{P1}</p>" + TABLE + f"<p>{P2}</p>")) == f"{P1}\n{ROWS}\n{P2}"


def test_extract_body_layout_table_is_read_as_cells():
    # The whole page in one table: one column of rows, nested tables; not a data table.
    markup = (f"<table><tr><td><table><tr><td><a>首页</a></td><td><a>新闻</a></td></tr></table></td></tr>"
              f"<tr><td>{P1}</td></tr><tr><td>{P2}</td></tr></table>")
    assert extract_body(page(markup)) == f"{P1}\n{P2}"


def test_extract_body_metadata_table_stays_out():
    meta = ("<table><tr><td>索 引 号：</td><td>360700-2024-00231</td><td>主题分类：</td><td>防汛抗旱</td></tr>"
            "<tr><td>发文机关：</td><td>某县人民政府办公室</td><td>成文日期：</td><td>2024年05月08日</td></tr></table>")
    assert extract_body(page(meta + BODY)) == f"{P1}\n{P2}"


# --- forums ---------------------------------------------------------------------------------

def post(user: str, floor: str, text: str) -> str:
    return (f"<div class='post'><div class='head'><span>{user}</span> <span>发表于 2024-3-9 20:31</span> "
            f"<span>{floor}</span></div><div class='body'>{text}</div>"
            "<div class='foot'><a>回复</a> <a>举报</a></div></div>")


FIRST_POST = ("孩子今年上三年级，最近半年明显不爱写作业了，每天晚上磨磨蹭蹭要写到十点多。<br>"
              "后来我们把作业拆成几小块，每完成一块就休息五分钟，效果比想象的好。")


@pytest.mark.parametrize("floors", [("楼主", "2楼", "3楼"), ("", "", "")], ids=["labelled", "unlabelled"])
def test_extract_body_forum_thread_is_its_first_post(floors):
    replies = "拆分作业这个办法确实好用，我家也是这么做的，孩子有成就感，不容易烦躁，推荐大家试一试。"
    markup = ("<div id='postlist'>" + post("星星爸爸", floors[0], FIRST_POST)
              + post("豆豆妈", floors[1], replies) + post("老陈", floors[2], replies.replace("我家", "我们")) + "</div>")
    assert extract_body(page(markup)) == FIRST_POST.replace("<br>", "\n")


def test_extract_body_news_comments_numbered_by_floor_are_not_a_thread():
    replies = "".join(post(f"网友{i}", f"{i}楼", "说得好，这样的实事要多办，群众看得见、摸得着。") for i in (1, 2, 3))
    assert extract_body(page(BODY + f"<div>{replies}</div>")) == f"{P1}\n{P2}"


# --- list and front pages -------------------------------------------------------------------

def test_extract_page_list_page_declines_with_reason():
    items = "".join(f"<li><a href='/a/{i}.html'>某县召开第{i}次基层党建工作推进会</a><span>2023-04-{10 + i}</span></li>"
                    for i in range(10))
    with pytest.raises(NotAnArticle, match=r"list page: 10 linked headlines, no article body"):
        extract_page(page(f"<ul>{items}</ul>"))


def test_extract_page_front_page_declines_and_ingest_records_reason():
    posts = "".join(f"<article><h2><a href='/p/{i}'>第{i}篇：院子里的丝瓜架</a></h2>"
                    f"<p>入夏以后，院子里的丝瓜藤爬满了整面竹架，每天清早推开门，就能看见几朵黄花。</p>"
                    f"<a href='/p/{i}'>继续阅读</a></article>" for i in range(4))
    data = page(posts)
    assert extract_body(data) == ""
    with pytest.raises(NotAnArticle, match="front page: 4 linked headlines"):
        article_from_html("x", data)


def test_extract_page_article_with_headline_sidebar_is_an_article():
    side = "<ul>" + "".join(f"<li><a href='/a/{i}'>某县开展第{i}期网格员业务培训</a></li>" for i in range(12)) + "</ul>"
    assert extract_page(page(BODY + side)).body == f"{P1}\n{P2}"


# --- edges ----------------------------------------------------------------------------------

# fmt: off
EDGES = [
    # above the body: a dateline opening the first paragraph stays, 来源/原标题 lines go
    ("<p>来源：某某日报</p><p>原标题：盼了两年，终于住上新房</p><p>本报讯（记者 张三）" + P1 + "</p><p>" + P2 + "</p>",
     "本报讯（记者 张三）" + P1 + "\n" + P2),
    # below the body: 完, a bracketed source, editors, share/print/close bars
    (BODY + "<p>（完）</p><p>（来源：县应急管理局）</p><p>编辑：黄丽 二审：王涛 三审：周正</p>", f"{P1}\n{P2}"),
    (BODY + "<p>【编辑:邓丽】</p><p>分享到：微信 微博</p>", f"{P1}\n{P2}"),
    (BODY + "<p>[ 责编：高远 ]</p><p>打印 收藏 分享</p>", f"{P1}\n{P2}"),
    (BODY + "<p>本文来源：县市场监管局</p><p>作者：潘丽华</p>", f"{P1}\n{P2}"),
    # a labelled credit closing the last paragraph is cut off; a bare byline stays with it
    (f"<p>{P1}</p><p>{P2}（责任编辑：王芳）</p>", f"{P1}\n{P2}"),
    (f"<p>{P1}</p><p>{P2}编辑：王芳</p><p>相关阅读</p>", f"{P1}\n{P2}"),
    (f"<p>{P1}</p><p>{P2}（记者 张三）</p><p>—完—</p><p>关注我们</p>", f"{P1}\n{P2}（记者 张三）"),
    (BODY + "<p>分享至：</p><p>点赞 | 在看</p><p>点击阅读原文</p>", f"{P1}\n{P2}"),
    # a one-sentence last paragraph stays
    (BODY + "<p>特此通知。</p><p>某县人民政府办公室</p><p>2024年5月8日</p>", f"{P1}\n{P2}\n特此通知。"),
]
# fmt: on


@pytest.mark.parametrize("markup, body", EDGES, ids=["dateline-source", "wan-source-editors", "bracket-editor",
                                                     "zebian-tools", "source-author-below", "credit-in-brackets",
                                                     "credit-after-sentence", "byline-stays", "share-like-bars",
                                                     "short-last"])
def test_extract_body_edges(markup, body):
    assert extract_body(page(markup)) == body
