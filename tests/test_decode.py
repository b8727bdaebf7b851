"""corpus.decode: page bytes → (text, encoding), with declarations that lie."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.decode import decode_html, declared_charsets, looks_binary, normalize_charset
from corpus.read import decode_text

TEXT = "<p>村里建起了老党员之家，党员们每周在这里学习，共开展活动126场次。</p>"
TRAD = "<p>村里建起了老黨員之家，黨員們每週在這里學習，共開展活動126場次。</p>"

# fmt: off
CASES = [
    # (bytes, http charset, expected codec)
    (TEXT.encode("utf-8"), None, "utf-8"),
    (TEXT.encode("gbk"), None, "gb18030"),                                         # undeclared GBK
    (("<meta charset=gb2312>" + TEXT).encode("utf-8"), None, "utf-8"),             # declares gb2312, is UTF-8
    (("<meta charset=utf-8>" + TEXT).encode("gbk"), None, "gb18030"),              # declares utf-8, is GBK
    (("<meta http-equiv='Content-Type' content='text/html; charset=gbk'>" + TEXT).encode("gb18030"), None, "gb18030"),
    (TEXT.encode("gbk"), "text/html; charset=GB2312", "gb18030"),                  # HTTP header
    (TRAD.encode("big5"), "text/html; charset=big5", "big5hkscs"),
    (TRAD.encode("big5"), None, "big5hkscs"),                                      # undeclared Big5: not read as GBK
    (codecs.BOM_UTF8 + ("<meta charset=gbk>" + TEXT).encode("utf-8"), None, "utf-8-sig"),
    (TEXT.encode("utf-16"), None, "utf-16"),                                       # BOM
    (('<?xml version="1.0" encoding="gb2312"?>' + TEXT).encode("gbk"), None, "gb18030"),
    (("<meta charset=iso-8859-1>" + TEXT).encode("gbk"), "text/html; charset=ISO-8859-1", "gb18030"),  # server default lies
]
# fmt: on


@pytest.mark.parametrize("data, http_charset, codec", CASES)
def test_decode_html_cases(data, http_charset, codec):
    text, got = decode_html(data, http_charset)
    assert got == codec
    assert ("老黨員之家" if "big5" in codec else "老党员之家") in text


def test_decode_html_rare_gb18030_character():
    # 镕 is outside GB2312: a page declaring gb2312 must still read it (gb18030 superset).
    data = "<meta charset=gb2312><p>朱镕基同志视察了该县。</p>".encode("gb18030")
    assert "朱镕基" in decode_html(data)[0]


def test_decode_html_truncated_utf8_tail():
    data = "<p>党建引领基层治理，成效明显。</p>".encode("utf-8")[:-9]  # cut inside 显
    text, codec = decode_html(data)
    assert codec == "utf-8" and text.endswith("成效明") and "\ufffd" not in text


def test_decode_html_one_stray_byte_stays_utf8():
    data = ("<p>" + "全县共建成党群服务中心126个，覆盖所有村。" * 20 + "</p>").encode("utf-8")
    data = data[:100] + b"\xff" + data[100:]
    assert decode_html(data)[1] == "utf-8"


def test_normalize_charset():
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset(b"GBK") == "gb18030"
    assert normalize_charset(" UTF8 ") == "utf-8"
    assert normalize_charset("x-unknown-thing") is None
    assert normalize_charset(None) is None


def test_declared_charsets_order():
    data = b'<?xml version="1.0" encoding="utf-8"?><meta charset="gbk">'
    assert declared_charsets(data, "text/html; charset=big5") == ["big5hkscs", "utf-8", "gb18030"]


@pytest.mark.parametrize("data", [TEXT.encode("utf-16"), TEXT.encode("utf-32"),
                                  codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be")], ids=["utf-16", "utf-32", "utf-32-be"])
def test_decode_text_reads_bom_files_like_decode_html(data):
    # A UTF-32 LE BOM starts with the UTF-16 LE one: read as UTF-16 it is mojibake.
    assert decode_text(data)[0] == decode_html(data)[0] == TEXT


def test_looks_binary():
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert not looks_binary(TEXT.encode("gbk"))
    assert not looks_binary(TEXT.encode("utf-16"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.one_of(st.none(), st.text(max_size=30)))
def test_decode_html_never_raises(data, http_charset):
    text, codec = decode_html(data, http_charset)
    assert isinstance(text, str) and isinstance(codec, str)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from("，。；、 ab12"),
               min_size=20, max_size=400))
def test_decode_html_utf8_roundtrip(text):
    assert decode_html(("<p>" + text + "</p>").encode("utf-8")) == ("<p>" + text + "</p>", "utf-8")
