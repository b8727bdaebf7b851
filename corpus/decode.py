"""HTML bytes → text: find the encoding a page really uses.

``decode_html(data, http_charset=None) -> (text, encoding)`` never raises. The cascade:

1. a byte-order mark decides (UTF-8, UTF-16, UTF-32);
2. bytes that are valid UTF-8 (but for a few broken bytes) are UTF-8 whatever the page
   declares: Chinese portals often declare gb2312 and serve UTF-8, and GBK text is almost
   never valid UTF-8 by chance;
3. the HTTP ``Content-Type`` charset, then ``<meta charset>`` / ``<meta http-equiv>`` /
   ``<?xml encoding?>``, each accepted only when the bytes decode under it (a page declaring
   utf-8 can be GBK);
4. charset-normalizer on a sample, when nothing declared holds;
5. GB18030, the superset of what undeclared Chinese pages use, with replacement characters
   for bytes that are invalid in every encoding.

gb2312 and gbk are read as gb18030 (its superset: names and rare characters outside GB2312
otherwise come out as U+FFFD). Latin-1 style declarations are server defaults, not facts
about Chinese pages, so they are tried last.

>>> decode_html("<p>党建引领</p>".encode("gbk"))
('<p>党建引领</p>', 'gb18030')
"""
from __future__ import annotations

import codecs
import re

# How far into a page to look for <meta charset>: it belongs in <head>, but some pages
# put kilobytes of scripts and comments before it.
META_SCAN_BYTES = 16_384
# charset-normalizer is slow on large inputs and a sample decides as well as the whole.
DETECT_SAMPLE_BYTES = 65_536
# "A few broken bytes": a truncated download or one stray byte in an otherwise valid page.
TOLERATED_ERRORS_PER_MILLE = 1

# Binary sniffing: how much to look at, and the share of control bytes no text page has.
BINARY_SNIFF_BYTES = 8192
BINARY_CONTROL_PERCENT = 5

RE_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I
)
RE_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})""")
RE_HANZI = re.compile(r"[\u4e00-\u9fff]")
# GBK text is nearly all GB2312 characters; Big5 bytes read as GBK give ~half rare ones.
COMMON_HANZI_SHARE = 0.9
RE_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),   # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Declared names → the codec we read them with.
ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "gb_2312-80": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cp950": "big5hkscs",
    "utf8": "utf-8", "unicode": "utf-8",
}
# Declarations that are server defaults rather than knowledge: every byte string decodes
# under them, so they can never be proven wrong and would turn GBK into mojibake.
NOT_PAGE_CODECS = frozenset({"undefined", "mbcs", "oem", "unicode_escape", "raw_unicode_escape",
                             "idna", "punycode", "utf-7", "palmos"})
WEAK_CODECS = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii"})


def normalize_charset(name: str | bytes | None) -> str | None:
    """A declared charset name → a Python codec name, or None when unknown.

    >>> normalize_charset("GB2312"), normalize_charset("utf8"), normalize_charset("klingon")
    ('gb18030', 'utf-8', None)
    """
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    name = name.strip().strip("\"'").lower()
    name = ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):   # ValueError: a NUL in the name; UnicodeEncodeError (a ValueError): a surrogate
        return None
    # Python also knows codecs that are no page encodings (hex, rot13, "undefined").
    if not getattr(info, "_is_text_encoding", True) or info.name in NOT_PAGE_CODECS:
        return None
    codec = info.name
    return ALIASES.get(codec, codec)


def declared_charsets(data: bytes, http_charset: str | None = None) -> list[str]:
    """Codec names the page declares, in order of authority (HTTP header, then the markup)."""
    found: list[str] = []
    if http_charset:
        m = RE_HEADER_CHARSET.search(http_charset)
        found.append(m.group(1) if m else http_charset)
    head = data[:META_SCAN_BYTES]
    m = RE_XML_ENCODING.match(head)
    if m:
        found.append(m.group(1).decode("ascii", "ignore"))
    found.extend(m.group(1).decode("ascii", "ignore") for m in RE_META_CHARSET.finditer(head))
    out: list[str] = []
    for name in found:
        codec = normalize_charset(name)
        if codec and codec not in out:
            out.append(codec)
    return out


def _errors(data: bytes, codec: str) -> tuple[str, int]:
    """Decode with replacement and count the bytes that did not decode."""
    try:
        text = data.decode(codec, "replace")
    except (LookupError, UnicodeError):
        return "", len(data) + 1
    return text, text.count("\ufffd")


def _tolerated(data: bytes) -> int:
    non_ascii = len(data) - len(data.decode("ascii", "ignore"))
    # A truncated page may end mid-character: 1 error is always allowed.
    return max(1, non_ascii * TOLERATED_ERRORS_PER_MILLE // 1000)


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_SAMPLE_BYTES]).best()
    return normalize_charset(best.encoding) if best is not None else None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Page bytes → (text, codec name). Never raises; see the module docstring for the cascade.

    >>> decode_html('<meta charset="gb2312"><p>村史馆</p>'.encode("utf-8"))[1]
    'utf-8'
    """
    if not data:
        return "", "utf-8"
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _errors(data, codec)[0].lstrip("\ufeff"), codec
    tolerated = _tolerated(data)
    text, bad = _errors(data, "utf-8")
    if bad - _literal_replacements(data) <= tolerated and not _looks_utf16(data):
        # A download cut off mid-character leaves one broken character at the very end.
        return (text[:-1] if text.endswith("\ufffd") and not data.endswith(b"\xef\xbf\xbd") else text), "utf-8"
    declared = declared_charsets(data, http_charset)
    strong = [c for c in declared if c not in WEAK_CODECS and c != "utf-8"]
    candidates = strong[:]
    if _looks_utf16(data):
        candidates.insert(0, "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
    for codec in candidates:
        text, bad = _errors(data, codec)
        if bad <= tolerated:
            return text, codec
    # Undeclared (or wrongly declared) Chinese pages are mostly GBK; Big5 bytes also decode
    # as GB18030, but into rare characters, so demand that the text reads as common hanzi.
    text, bad = _errors(data, "gb18030")
    if bad <= tolerated and _common_hanzi_share(text) >= COMMON_HANZI_SHARE:
        return text, "gb18030"
    detected = _detect(data)
    # UTF-16/32 decode almost any bytes without error: only the NUL pattern proves them.
    if detected and detected.startswith(("utf-16", "utf-32")) and not _looks_utf16(data):
        detected = None
    if detected and detected not in candidates and detected not in WEAK_CODECS:
        text, bad = _errors(data, detected)
        if bad <= tolerated:
            return text, detected
        candidates.append(detected)
    # Nothing decodes cleanly: bytes invalid in every encoding. Keep the reading that
    # loses the fewest, GB18030 first among equals (the Chinese default).
    results = [(*_errors(data, c), c) for c in ["gb18030", *candidates, "utf-8"]]
    text, _, codec = min(results, key=lambda r: r[1])
    return text, codec


def _common_hanzi_share(text: str) -> float:
    """Share of the Chinese characters of ``text`` that GB2312 (the 6,763 common hanzi) has."""
    hanzi = "".join(RE_HANZI.findall(text[:20_000]))
    if not hanzi:
        return 1.0
    # One encode for all: each character GB2312 lacks becomes one "?" (no hanzi is a "?").
    rare = hanzi.encode("gb2312", errors="replace").count(b"?")
    return (len(hanzi) - rare) / len(hanzi)


def looks_binary(data: bytes) -> bool:
    """True for bytes that are no text page: NULs outside UTF-16, or many control bytes.

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR"), looks_binary("<p>党建</p>".encode())
    (True, False)
    """
    head = data[:BINARY_SNIFF_BYTES]
    if not head or _looks_utf16(head) or head.startswith(tuple(bom for bom, _ in BOMS)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls * 100 > len(head) * BINARY_CONTROL_PERCENT


def _literal_replacements(data: bytes) -> int:
    """U+FFFD characters that were already in the (UTF-8) bytes, not decoding errors."""
    return data.count(b"\xef\xbf\xbd")


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: every other byte of ASCII markup is NUL."""
    head = data[:200]
    if len(head) < 8:
        return False
    # NULs in the high bytes of one parity, text in the other: a run of NULs alone is binary.
    even, odd = head[0::2], head[1::2]
    for zeros, text in ((even, odd), (odd, even)):
        if zeros.count(0) * 3 > len(zeros) * 2 and text.count(0) * 4 < len(text):
            return True
    return False
