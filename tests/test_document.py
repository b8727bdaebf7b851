"""The document model (extract/document.py) and the one item-marker table (corpus/markers.py),
on hand-written snippets."""
from __future__ import annotations

import dataclasses

import pytest

from corpus.article import Article
from corpus.markers import find_marker, load_markers, marker_number, marker_source
from corpus.script import simplify
from extract.document import Document, as_document, build_document
from extract.practices import extract_practices, find_named_methods

BODY = "社区党组织牵头组建志愿服务队，每周上门走访独居老人，帮助解决生活中的实际困难。"


def article(text: str) -> Article:
    return Article(id="t", text=text, simplified=simplify(text))


@pytest.mark.parametrize("text, name, number, level", [
    ("一是完善学习制度", "is", 1, 50),
    ("十二是做好服务", "is", 12, 50),
    ("（三）丰富活动载体", "cn_paren", 3, 20),
    ("二十、附则", "cn_comma", 20, 10),
    ("3.健全机制", "digit", 3, 40),
    ("（2）建立台账", "digit_paren", 2, 45),
    ("②走访慰问", "circled", 2, 55),
    ("第一，建强阵地", "ordinal", 1, 50),
    ("其二，搭建平台", "ordinal", 2, 50),
])
def test_find_marker_reads_name_number_and_level(text, name, number, level):
    m = find_marker(text)
    assert (m.name, m.number, m.level, m.start) == (name, number, level, 0)


@pytest.mark.parametrize("text", ["3.5万元", "一是", "二〇二四年", "第一书记", "某街道"])
def test_find_marker_refuses_prose(text):
    assert find_marker(text) is None


def test_every_table_row_matches_its_own_example():
    for marker in load_markers().values():
        example = marker.example.split(" / ")[0]
        if marker.numbered:
            assert find_marker(example).name == marker.name, marker.name
        else:
            import re
            assert re.search(marker.pattern, example), marker.name


def test_marker_number_reads_every_numeral_form():
    assert [marker_number(s) for s in ("7", "七", "十", "十五", "三十", "三十二", "⑩")] == [7, 7, 10, 15, 30, 32, 10]


def test_uncaptured_source_pastes_into_other_patterns():
    import re
    source = marker_source(("cn_comma", "cn_paren"), capture=False)
    assert re.compile(f"^(?:{source})").match("（四）") and re.compile(source).groups == 0


def test_document_fields_and_offsets():
    text = "近年来，某街道扎实推进为老服务。\n一、主要做法\n一是建强阵地。" + BODY + "二是丰富活动。" + BODY + "\n二、工作成效\n" + BODY
    doc = build_document(article(text))
    assert doc.text == text and doc.plain == simplify(text)
    assert [(p.start, p.end) for p in doc.paragraphs][0] == (0, text.index("\n"))
    assert [(i.marker, i.number) for i in doc.items] == [("cn_comma", 1), ("is", 1), ("is", 2), ("cn_comma", 2)]
    sec1, first, second, sec2 = doc.items
    assert text[first.head.start:first.head.end] == "建强阵地"
    assert text[first.start:first.end] == "一是建强阵地。" + BODY
    # a section reaches the next one; run-in items stop at their paragraph's end
    assert sec1.end == sec2.start and second.end == text.index("\n二、")
    assert [text[h.head.start:h.head.end] for h in doc.headings] == ["主要做法", "工作成效"]
    s = doc.sentence_at(first.head.start)
    assert text[s.start:s.end] == "一是建强阵地。"


def test_document_is_frozen_and_accepted_by_the_stages():
    a = article("以“银龄+”模式组建队伍。一是建强阵地。" + BODY + "二是丰富活动。" + BODY)
    doc = build_document(a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = ""
    assert as_document(doc) is doc and isinstance(as_document(a), Document)
    assert extract_practices(doc) == extract_practices(a)
    assert [m.name for m in find_named_methods(doc)] == ["银龄+"]


def test_a_clause_list_in_one_sentence_is_no_items():
    doc = build_document(article("困难有二：一是年龄偏大，二是居住分散。" + BODY))
    assert doc.items == ()


def test_circled_items_nest_inside_run_in_items():
    text = "一是开展系列活动。①举办书画展。②组织文艺演出。" + BODY + "二是做好走访。" + BODY
    doc = build_document(article(text))
    levels = {i.marker: i.level for i in doc.items}
    assert levels["circled"] > levels["is"]
    # ① parts are the body of their practice, not practices of their own
    assert [p.title for p in extract_practices(doc)] == ["开展系列活动", "做好走访"]
