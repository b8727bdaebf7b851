"""Reading input files (the I/O edge): which files to take, and their bytes as text.

``iter_inputs(paths)`` walks files and directories; ``read_source(path)`` returns a Source
with the decoded text (scraped ``.txt``) or the raw bytes (``.html``), or raises BadInput
with a one-line reason; ``iter_sources(path)`` also opens web archives (``.warc``,
``.warc.gz``), one Source per archived HTML page. Decoding of HTML bytes is ``corpus.decode``'s job.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from corpus.decode import BOMS, RE_HEADER_CHARSET, looks_binary
from corpus.errors import BadInput
from corpus.urls import article_id

logger = logging.getLogger(__name__)
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
MAX_INPUT_BYTES = 60 * 1024 * 1024
# Files the gold corpus keeps beside each article: not articles themselves.
IGNORED_SUFFIXES = (".clean.txt", ".gold.txt")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: its id (the file stem), its kind and its content."""

    id: str
    path: str
    kind: str            # "text" or "html"
    text: str = ""       # decoded text for kind == "text"
    data: bytes = b""    # raw bytes for kind == "html"
    encoding: str | None = None
    url: str | None = None           # the page URL, when the input records it (WARC)
    http_charset: str | None = None  # the charset of the archived HTTP header (WARC)


def source_id(path: str | os.PathLike) -> str:
    """The article id of a file: its name without the suffix (``dev-001.txt`` → ``dev-001``)."""
    name = Path(path).name
    for suffix in HTML_SUFFIXES + TEXT_SUFFIXES + WARC_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def iter_inputs(paths: list[str]) -> Iterator[str]:
    """Expand files and directories (recursively, sorted) into input file paths.

    Paths that do not exist are yielded as they are, so that reading them reports the error.
    """
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    low = name.lower()
                    if low.endswith(IGNORED_SUFFIXES):
                        continue
                    if low.endswith(TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES):
                        yield os.path.join(root, name)
        else:
            yield p


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a scraped text file: BOM, strict UTF-8, then GB18030, then a detector.

    >>> decode_text("党建".encode("gbk"))
    ('党建', 'gb18030')
    """
    # A UTF-8 BOM stays in the text as U+FEFF (the cleaner drops it), so that offsets index
    # the file as read with encoding="utf-8", which is how the gold and the scorer read it.
    for bom, codec in BOMS:   # UTF-32 before UTF-16: a UTF-32 LE BOM starts like a UTF-16 one
        if codec != "utf-8-sig" and data.startswith(bom):
            return data.decode(codec, "replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A file cut off mid-character is still UTF-8: decode all but the broken tail.
        if exc.start >= len(data) - 3 and exc.start > 0:
            try:
                return data[: exc.start].decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise BadInput("undecodable text: not UTF-8, GB18030 or any detectable encoding")
    enc = best.encoding
    if enc.lower() in ("gb2312", "gbk"):
        enc = "gb18030"
    return data.decode(enc, "replace"), enc


def read_source(path: str) -> Source:
    """Read one input file, or raise BadInput with the reason (never anything else)."""
    sid = source_id(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_INPUT_BYTES:
            raise BadInput(f"file too large: {size} bytes (limit {MAX_INPUT_BYTES})")
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise BadInput("no such file") from None
    except IsADirectoryError:
        raise BadInput("is a directory") from None
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise BadInput("empty file")
    if looks_binary(data):
        raise BadInput("binary file, not text or HTML")
    low = path.lower()
    # A .txt that holds a saved page is still a page.
    if low.endswith(HTML_SUFFIXES) or _sniff_html(data):
        return Source(sid, path, "html", data=data)
    text, enc = decode_text(data)
    if not text.strip():
        raise BadInput("empty file")
    return Source(sid, path, "text", text=text, encoding=enc)


def _sniff_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head


def iter_sources(path: str) -> Iterator[Source]:
    """The Sources in one input file: itself, or each archived HTML page of a WARC file.

    Raises BadInput for an unreadable file; a WARC file that breaks off half-way yields the
    pages before the break and then raises BadInput saying where it broke.
    """
    if not path.lower().endswith(WARC_SUFFIXES):
        yield read_source(path)
        return
    yield from _iter_warc(path)


def _iter_warc(path: str) -> Iterator[Source]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with open(path, "rb") as fh:
            magic = fh.read(16)
    except FileNotFoundError:
        raise BadInput("no such file") from None
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}") from None
    # warcio skips over junk with warnings instead of failing: check the magic ourselves.
    if not magic.startswith((b"WARC/", b"\x1f\x8b", b"filedesc://")):
        raise BadInput("not a WARC file (no WARC/ or gzip header)")
    pages = 0
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, arc2warc=True):
                if record.rec_type not in ("response", "resource"):
                    continue
                http = record.http_headers
                if http is not None and not http.get_statuscode().startswith("2"):
                    continue
                ctype = (http.get_header("Content-Type") if http is not None
                         else record.rec_headers.get_header("Content-Type")) or ""
                if "html" not in ctype.lower():
                    continue
                data = record.content_stream().read(MAX_INPUT_BYTES + 1)
                if len(data) > MAX_INPUT_BYTES:
                    logger.warning("%s: skipped an archived page over %d bytes", path, MAX_INPUT_BYTES)
                    continue
                # A record whose bytes stop before its Content-Length: the file was cut off.
                if getattr(record.raw_stream, "limit", 0):
                    raise BadInput(f"WARC file broken off after {pages} page(s): last record truncated")
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                match = RE_HEADER_CHARSET.search(ctype)
                pages += 1
                yield Source(article_id(url) if url else f"{source_id(path)}-{pages}", path, "html",
                             data=data, url=url or None, http_charset=match.group(1) if match else None)
    except ArchiveLoadFailed as exc:
        raise BadInput(f"not a readable WARC file after {pages} page(s): {str(exc).splitlines()[0]}") from None
    except (OSError, EOFError, ValueError, AttributeError, KeyError, TypeError) as exc:
        # warcio raises AttributeError/KeyError/TypeError on records missing required headers.
        raise BadInput(f"WARC file broken after {pages} page(s): {type(exc).__name__}") from None
    if pages == 0:
        raise BadInput("no archived HTML pages (status 2xx, text/html) in this WARC file")
