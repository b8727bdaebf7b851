"""corpus.html: page bytes → article body and metadata.

Hand-written pages in tests/fixtures/html (``<name>.html`` + ``<name>.body.txt``), table-driven
edge cases, a score floor on the shared boilerplate benchmark, and properties: never raises.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BOILERPLATE, FIXTURES
from corpus.errors import NotAnArticle
from corpus.html import MAX_HTML_BYTES, HtmlPage, extract_body, extract_page

HTML = FIXTURES / "html"
PAGES = sorted(p.stem for p in HTML.glob("*.html") if (HTML / f"{p.stem}.body.txt").exists())
# Pages served in GBK in real life; the fixtures are stored as UTF-8 text and encoded here.
GBK_PAGES = {"old_table"}


def page_bytes(name: str) -> bytes:
    data = (HTML / f"{name}.html").read_bytes()
    return data.decode("utf-8").encode("gbk") if name in GBK_PAGES else data


@pytest.mark.parametrize("name", PAGES)
def test_extract_body_fixture_pages(name):
    assert extract_body(page_bytes(name)) == (HTML / f"{name}.body.txt").read_text(encoding="utf-8").strip()


# fmt: off
METADATA = [
    # page, title, published, source, author, encoding
    ("gov_portal", "某县推行“党建+网格”治理模式", "2023-04-18", "某县融媒体中心", None, "utf-8"),
    ("old_table", "老党员之家成了村里的“议事厅”", "2005-06-12", "县报", "张建国", "gb18030"),
    ("news_meta", "社区食堂开到家门口", "2021-09-03", "某某日报", "陈晓", "utf-8"),
]
# fmt: on


@pytest.mark.parametrize("name, title, published, source, author, encoding", METADATA)
def test_extract_page_metadata(name, title, published, source, author, encoding):
    page = extract_page(page_bytes(name))
    assert (page.title, page.published, page.source, page.author, page.encoding) == (
        title, published, source, author, encoding,
    )


def test_extract_page_body_has_no_edge_furniture():
    body = extract_page(page_bytes("gov_portal")).body
    for furniture in ("索引号", "发布时间", "浏览次数", "责任编辑", "纠错", "打印", "分享到", "相关阅读",
                      "版权所有", "扫一扫", "图为", "{{", "统计代码", "某县推行"):
        assert furniture not in body


def test_extract_body_listing_page_is_empty():
    assert extract_body((HTML / "listing.html").read_bytes()) == ""


P1 = "<p>今年以来，全县共建成党群服务中心126个，实现行政村全覆盖，服务群众3.2万人次。</p>"
P2 = "<p>下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。</p>"

# fmt: off
EDGES = [
    # markup around two paragraphs, text that must not survive
    ("<h1>党群服务中心全覆盖</h1><div>发布日期：2023-01-05 来源：县委组织部</div>" + P1 + P2,
     ["党群服务中心全覆盖", "发布日期", "来源"]),
    (P1 + P2 + "<p>（责任编辑：李华）</p><p>【纠错】 【打印】 【关闭】</p>", ["责任编辑", "纠错", "打印"]),
    (P1 + P2 + "<div>上一篇：<a href=1>某县召开会议</a></div><div>下一篇：<a href=2>某县开展培训</a></div>",
     ["上一篇", "下一篇", "某县召开会议"]),
    (P1 + "<p><img src=a.jpg></p><p>图为党群服务中心外景。</p>" + P2, ["图为"]),
    (P1 + P2 + "<p>编辑：张三 审核：李四</p>", ["张三", "审核"]),
    ("<table><tr><td>索引号：</td><td>113500/2023-00012</td></tr><tr><td>发文字号：</td><td>县政办〔2023〕5号</td></tr></table>"
     + P1 + P2, ["索引号", "发文字号", "113500"]),
    (P1 + "{{content.editor}}${article.source}" + P2, ["{{", "${", "editor"]),
    # a centred line under an image is its caption, even without 图为/摄
    (P1 + '<p style="text-align:center"><img src=a.jpg></p><p style="text-align:center">党员志愿者为居民测量血压</p>'
     + P2, ["测量血压"]),
    # a site disclaimer after the attachments box is no paragraph of the article
    (P1 + P2 + "<div><p>附件：</p><p><a href=1.doc>1.工作方案.doc</a></p></div>"
     "<div><p>声明：本站部分文章来源于网络，如有侵权，请联系我们删除，我们将及时处理。</p></div>", ["声明", "侵权"]),
    # a small hidden popup stays hidden
    ("<div style='display:none'><p>温馨提示：您正在访问的页面需要登录，登录后可查看更多内容。</p></div>" + P1 + P2,
     ["温馨提示"]),
    # WeChat-style subscription prompts and 往期推荐 boxes
    ("<p>点击蓝字 关注我们</p>" + P1 + P2 + "<p><strong>往期推荐</strong></p><p><a href=1>某县召开会议</a></p>"
     "<p>阅读原文</p>", ["关注我们", "往期推荐", "阅读原文"]),
]
# fmt: on

# fmt: off
KEPT_EDGES = [
    # markup, the first and the last line the body must have
    # a lead sentence that opens with a date or 记者 is prose, not a date line
    ("<div>发布时间：2023-03-06</div><p>2023年3月5日上午，某村党支部开展了主题党日活动。</p>" + P1 + P2,
     "2023年3月5日上午，某村党支部开展了主题党日活动。", "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。"),
    ("<p>记者从县委组织部获悉，全县村级党组织换届工作顺利完成。</p>" + P1 + P2,
     "记者从县委组织部获悉，全县村级党组织换届工作顺利完成。", "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。"),
    # numbered headings that open the body belong to it
    ("<h1>调研报告</h1><div>时间：2021-11-02</div><p><strong>一、强化组织引领</strong></p><p><strong>（一）健全工作机制</strong></p>"
     + P1 + P2, "一、强化组织引领", "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。"),
    # a centred numbered subheading under an image is a subheading, not a caption
    (P1 + '<p style="text-align:center"><img src=a.jpg></p><p style="text-align:center">二、做好服务保障</p>' + P2,
     "今年以来，全县共建成党群服务中心126个，实现行政村全覆盖，服务群众3.2万人次。",
     "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。"),
    # an old portal centres its whole layout table: body lines after a spacer image stay
    ('<table align="center"><tr><td>' + P1 + '</td></tr><tr><td><img src=spacer.gif></td></tr>'
     "<tr><td>下一步，该县将继续推进阵地建设</td></tr></table>",
     "今年以来，全县共建成党群服务中心126个，实现行政村全覆盖，服务群众3.2万人次。", "下一步，该县将继续推进阵地建设"),
]
# fmt: on


@pytest.mark.parametrize("markup, first, last", KEPT_EDGES, ids=[
    "date-lead", "reporter-lead", "numbered-headings", "centred-subheading", "centred-layout-table"])
def test_extract_body_keeps_edges(markup, first, last):
    lines = extract_body(markup.encode("utf-8")).splitlines()
    assert (lines[0], lines[-1]) == (first, last)


def test_extract_body_centred_subheading_after_image_is_kept():
    markup = KEPT_EDGES[3][0]
    assert "二、做好服务保障" in extract_body(markup.encode("utf-8")).splitlines()


@pytest.mark.parametrize("markup, absent", EDGES)
def test_extract_body_trims_edges(markup, absent):
    body = extract_body(markup.encode("utf-8"))
    assert body.startswith("今年以来") and body.endswith("办好事。")
    for text in absent:
        assert text not in body


def test_extract_body_no_html_or_body_tags():
    # Fragments as some servers send them: no <html>, no <body>, GBK, no declaration.
    assert extract_body((P1 + P2).encode("gbk")).splitlines() == [
        "今年以来，全县共建成党群服务中心126个，实现行政村全覆盖，服务群众3.2万人次。",
        "下一步，该县将继续推进阵地建设，让群众在家门口就能办成事、办好事。",
    ]


def test_extract_body_short_article_is_not_lost():
    assert extract_body("<p>特此通知。</p><p>全县各村要在3月底前完成摸底工作。</p>".encode()) != ""


# fmt: off
BAD_INPUT = [
    b"",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20,
    b"<html><body><div></div><script>var a='\xe4\xb8\xad';</script></body></html>",
    "<html><body><div><p>被截断的页面，全县共建成党群服务中心".encode("utf-8")[:-2],
    b"\xff\xfe\x00\xd8" * 500,
    b"<" * 5000,
    b"<div>" * 50_000,
    "<p>\x00控制字符\x07之间的文字，测试一下。</p>".encode("utf-8"),
]
# fmt: on


@pytest.mark.parametrize("data", BAD_INPUT)
def test_extract_page_bad_input_never_raises(data):
    page = extract_page(data)
    assert isinstance(page, HtmlPage) and isinstance(page.body, str)


def test_extract_body_binary_is_empty():
    assert extract_body(os.urandom(1) + b"\x00" + os.urandom(4000)) == ""


def test_extract_body_huge_page_is_capped():
    # 50 MB of junk after a real article: read only the first MAX_HTML_BYTES.
    head = ("<html><body>" + P1 + P2).encode("utf-8")
    data = head + b"<p>" + b"x" * (50 * 1024 * 1024) + b"</p>"
    assert len(data) > 5 * MAX_HTML_BYTES
    assert extract_body(data).startswith("今年以来")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_extract_body_never_raises_on_bytes(data):
    assert isinstance(extract_body(data), str)


TAGS = ["p", "div", "td", "tr", "table", "a", "span", "h1", "br", "li", "script", "style", "b"]
MARKUP = st.lists(
    st.one_of(
        st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
        st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
        st.sampled_from(["<a href='x'>", "<img src=a>", "<!--", "-->", "<meta charset=gbk>", "&nbsp;", "&#x4e2d;", "<?xml?>"]),
        st.text(max_size=40),
        st.sampled_from(["全县共建成党群服务中心126个，", "来源：县委组织部", "责任编辑：王芳", "相关阅读", "。"]),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP, st.sampled_from(["utf-8", "gb18030", "utf-16"]), st.one_of(st.none(), st.text(max_size=20)))
def test_extract_page_never_raises_on_markup(markup, encoding, http_charset):
    data = markup.encode(encoding, "replace")
    try:
        page = extract_page(data, http_charset)
    except NotAnArticle as exc:   # the one decline allowed: a list page, with its reason
        assert str(exc).startswith(("list page:", "front page:")) and extract_body(data, http_charset) == ""
        return
    assert isinstance(page.body, str)
    assert page.published is None or len(page.published) == 10


needs_boilerplate = pytest.mark.skipif(
    not BOILERPLATE.exists(), reason=f"needs the shared boilerplate benchmark at {BOILERPLATE}"
)


@needs_boilerplate
def test_extract_body_benchmark_floor():
    """Score floor on the 27 shared pages (char-bigram F1 of the shared scorer)."""
    sys.path.insert(0, str(BOILERPLATE.parent))
    try:
        from score import bigrams, norm, prf  # noqa: F401  (the benchmark's own metric)
    finally:
        sys.path.pop(0)
    rows = []
    for html in sorted(Path(BOILERPLATE).glob("*.html")):
        gold = norm(html.with_name(html.stem + ".gold.txt").read_text(encoding="utf-8"))
        pred = norm(extract_body(html.read_bytes()))
        rows.append((html.stem, prf(pred, gold)[2], pred.startswith(gold[:10]), pred.endswith(gold[-10:])))
    f1 = sum(r[1] for r in rows) / len(rows)
    worst = min(rows, key=lambda r: r[1])
    assert f1 >= 0.98, rows
    assert worst[1] >= 0.9, worst
    assert sum(r[2] for r in rows) / len(rows) >= 0.85
    assert sum(r[3] for r in rows) / len(rows) >= 0.85
