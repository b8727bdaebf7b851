"""A small slice of the fuzzing in benchmarks/fuzz.py, so that CI catches a new crash: the text
paths never raise anything but the documented BadInput / NotAnArticle, whatever the input.

The full run (10,000+ inputs, slowest input timed) is ``python benchmarks/fuzz.py``.
"""
from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from corpus.clean import article_from_text, clean_text, extract_body
from extract.numbers import find_quantities, parse_number
from extract.pipeline import analyse

def harness():
    """benchmarks/fuzz.py, whose targets hold the one definition of "no crash"."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import fuzz
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return fuzz


FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NUMERAL_ATOMS = ["一", "两", "九", "十", "百", "千", "万", "萬", "亿", "〇", "余", "多", "点", "百分之",
                 "分之", "成", "1", "9", "0", ".", ",", "%", "１", "．", "-", "至", "约", "超", "个", "人次",
                 "万元", "支", "，", "。", "\n", " "]
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
# Text that looks like an article more often than st.text() does: CJK, numerals, punctuation.
articleish = st.lists(st.one_of(st.sampled_from(NUMERAL_ATOMS), st.text(CJK, min_size=1, max_size=12),
                                st.text(max_size=5)), max_size=80).map("".join)


@st.composite
def nested_html(draw) -> bytes:
    tags = draw(st.lists(st.sampled_from(["div", "p", "td", "table", "span", "a", "script", "b"]),
                         min_size=1, max_size=4))
    depth = draw(st.integers(1, 300))
    inner = draw(articleish)
    opened = "".join(f"<{t}>" for t in tags) * depth
    closed = "".join(f"</{t}>" for t in reversed(tags)) * draw(st.integers(0, depth))
    return (opened + inner + closed).encode("utf-8")


@FUZZ
@given(st.one_of(st.binary(max_size=3000), nested_html(),
                 articleish.map(lambda s: s.encode("gb18030", "replace"))))
def test_extract_body_never_raises(data):
    assert isinstance(extract_body(data), str)


@FUZZ
@given(st.one_of(st.text(max_size=2000), articleish))
def test_clean_text_never_raises(text):
    assert isinstance(clean_text(text), str)


@FUZZ
@given(st.one_of(st.text(max_size=500), articleish))
def test_find_quantities_never_raises_and_keeps_offsets(text):
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.span


@FUZZ
@given(st.lists(st.sampled_from(NUMERAL_ATOMS), min_size=1, max_size=30).map("".join))
def test_parse_number_answers_a_number_or_not_a_number(text):
    try:
        value, approx = parse_number(text)
    except ValueError as exc:
        assert str(exc).startswith("Not a number")
    else:
        assert value == value and approx in ("exact", "over", "under", "about")   # not NaN


@settings(FUZZ, max_examples=30)
@given(articleish)
def test_predict_path_declines_only_with_typed_errors(text):
    harness().run_target("predict", text.encode("utf-8", "surrogatepass"))


# fmt: off
PATHOLOGICAL = [
    "九" * 500 + "人",                  # 10^500 once overflowed float() in numbers._tidy
    "共" + "9" * 400 + "元",
    "百分之" + "九" * 300 + "点五",
    "一" + "万" * 3000 + "人",
    "1." * 2000 + "1个",
    "１２３" * 1000 + "万元",
]
# fmt: on


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=lambda t: f"{t[:4]}…{len(t)}")
def test_pathological_numerals_do_not_crash(text):
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.span and q.value == q.value
    analyse(article_from_text("p", "示例县" + text + "。\n另一段正文，开展活动。"))


def test_fuzz_harness_runs_clean():
    fuzz = harness()
    result = fuzz.fuzz(n=40, seed=7, targets=fuzz.TARGETS, slow=float("inf"), log=lambda *a: None)
    assert sum(result["counts"].values()) == 40
    assert result["crashes"] == {}
