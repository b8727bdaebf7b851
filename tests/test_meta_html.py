"""corpus.meta on HTML: <meta> tags, JSON-LD, <title>, headings and the lines around the body
vote on title, published, source and author. Every page here is hand-written."""
from __future__ import annotations

import pytest

from corpus.clean import article_from_html
from corpus.html import extract_page
from corpus.meta import Candidate, HtmlHints, MetaLayout, read, vote, weight_of

BODY = ("<p>近年来，某县组织离退休老党员组建银发志愿服务队二十支，常年开展邻里互助、政策宣讲等活动。</p>"
        "<p>今年以来，服务队累计服务群众一万余人次，调解邻里纠纷八十余起，受到居民欢迎。</p>")


def page(head: str = "", top: str = "", bottom: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'>{head}</head><body>{top}<div class='content'>{BODY}</div>"
            f"{bottom}</body></html>").encode("utf-8")


JSON_LD = """<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "某某资讯网"},
  {"@type": "NewsArticle", "headline": "银发志愿服务队扎根社区",
   "datePublished": "2024-03-05T08:30:00+08:00",
   "publisher": {"@type": "Organization", "name": "某某日报"},
   "author": [{"@type": "Person", "name": "王小明"}, {"@type": "Person", "name": "李小红"}]}
]}
</script>"""


def test_json_ld_gives_every_field():
    p = extract_page(page(JSON_LD + "<title>某某资讯网</title>"))
    assert (p.title, p.title_origin, p.published, p.source, p.author) == (
        "银发志愿服务队扎根社区", "json-ld", "2024-03-05", "某某日报", "王小明、李小红")


def test_malformed_json_ld_is_skipped():
    head = '<script type="application/ld+json">{"headline": "坏的数据",</script><meta property="og:title" content="社区书屋开门迎客">'
    p = extract_page(page(head))
    assert (p.title, p.title_origin) == ("社区书屋开门迎客", "html-meta")


def test_meta_tags_and_site_name_after_separator():
    head = ('<meta property="og:title" content="老年食堂开进小区_某某新闻网">'
            '<meta name="PubDate" content="2022/06/01 10:00"><meta name="ContentSource" content="某区融媒体中心">'
            '<meta name="author" content="赵六">')
    p = extract_page(page(head))
    assert (p.title, p.published, p.source, p.author) == ("老年食堂开进小区", "2022-06-01", "某区融媒体中心", "赵六")


def test_heading_the_title_contains_beats_a_conflicting_og_title():
    # og:title is a stale draft; <title> and <h1> agree, and agreement adds up.
    head = '<meta property="og:title" content="草稿标题请勿发布"><title>老党员当起“楼栋长”_某县政府网</title>'
    p = extract_page(page(head, top="<h1>老党员当起“楼栋长”</h1>"))
    assert (p.title, p.title_origin) == ("老党员当起“楼栋长”", "html-heading")
    assert any("草稿标题请勿发布" in line for line in p.meta_evidence)   # the loser is in the evidence


def test_printed_date_label_beats_meta_and_document_date():
    top = ("<h1>老党员当起“楼栋长”</h1><table><tr><td>成文日期：</td><td>2021-01-02</td></tr></table>"
           "<div class='info'>发布时间：2021-01-05 09:30 来源：某县民政局</div>")
    p = extract_page(page('<meta name="PubDate" content="2021-01-04">', top=top))
    assert (p.published, p.source) == ("2021-01-05", "某县民政局")


def test_source_label_beats_site_name():
    head = '<meta property="og:site_name" content="某某网">'
    p = extract_page(page(head, top="<h1>老党员当起“楼栋长”</h1><p>2023-02-03 来源：某县老干部局</p>"))
    assert p.source == "某县老干部局"
    assert extract_page(page(head, top="<h1>老党员当起“楼栋长”</h1>")).source == "某某网"   # nothing else


def test_markup_and_captions_are_never_the_title():
    head = "<title>&lt;div&gt;银发宣讲团走进校园&lt;/div&gt;</title>"
    assert extract_page(page(head)).title == "银发宣讲团走进校园"
    p = extract_page(page(top="<h2>图为志愿者在社区为老人理发。</h2>"))
    assert p.title_origin == "lead" and not p.title.startswith("图为")


def test_page_without_headline_gets_a_lead_title():
    art = article_from_html("h", page(), url="http://www.example.cn/art/2024/5/6/art_1_2.html")
    assert art.title_origin == "lead"
    assert art.title == "近年来，某县组织离退休老党员组建银发志愿服务队二十支"
    assert art.published == "2024-05-06"                      # the URL's date, nothing printed
    assert art.meta_evidence and art.meta_evidence[-1].startswith("title = ")


def test_author_meta_that_is_a_link_is_no_author():
    p = extract_page(page('<meta name="author" content="https://www.example.com/profile/123">'))
    assert p.author is None


# fmt: off
VOTE_CASES = [
    # two weaker readings that agree outvote one heavier reading
    ([("published", "2020-01-01", "url"), ("published", "2020-01-01", "citation"),
      ("published", "2020-02-02", "html-meta:pubdate")], "2020-01-01"),
    # otherwise the heavier reading wins
    ([("published", "2020-01-01", "url"), ("published", "2020-02-02", "header")], "2020-02-02"),
    # the same origin twice counts once
    ([("title", "社区书屋开门迎客", "html-heading:h2"), ("title", "社区书屋开门迎客", "html-heading:h2"),
      ("title", "某某新闻网首页", "html-heading:h1")], "某某新闻网首页"),
    ([], None),
]
# fmt: on


@pytest.mark.parametrize("cands, winner", VOTE_CASES)
def test_vote(cands, winner):
    best, _, _ = vote([Candidate(*c) for c in cands])
    assert (best.value if best else None) == winner


def test_weights_come_from_the_table_with_prefix_fallback():
    assert weight_of("title", "html-meta:og:title") == weight_of("title", "html-meta")
    with pytest.raises(KeyError):
        weight_of("title", "no-such-origin")


def test_read_on_hints_alone():
    hints = HtmlHints(tags={"og:title": "银发课堂开课啦 - 某某网"}, page_title="银发课堂开课啦_某某网",
                      headings=((1, "银发课堂开课啦"),))
    m = read(MetaLayout(html=hints))
    assert (m.title, m.title_origin) == ("银发课堂开课啦", "html-meta")


@pytest.mark.parametrize("container, value, part", [
    ("老年食堂开进小区_某某新闻网", "老年食堂开进小区", True),
    ("某某新闻网 - 老年食堂开进小区", "老年食堂开进小区", True),
    ("某县：银发课堂 - 开课啦_某某网", "某县：银发课堂 - 开课啦", True),   # a separator inside the headline
    ("银发生辉——某街道志愿服务纪事", "银发生辉", False),                 # the main title of a title——subtitle
    ("老年食堂开进小区_某某新闻网", "食堂开进", False),
])
def test_a_title_supports_only_the_parts_it_is_made_of(container, value, part):
    from corpus.meta import _is_part

    assert _is_part(container, value) is part
