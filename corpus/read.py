"""Reading input files (the I/O edge): which files to take, and their bytes as text.

``iter_inputs(paths)`` walks files and directories; ``read_source(path)`` returns a Source
with the decoded text (scraped ``.txt``) or the raw bytes (``.html``), or raises BadInput
with a one-line reason. Decoding of HTML bytes is ``corpus.decode``'s job.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from corpus.errors import BadInput

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
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


def source_id(path: str | os.PathLike) -> str:
    """The article id of a file: its name without the suffix (``dev-001.txt`` → ``dev-001``)."""
    name = Path(path).name
    for suffix in HTML_SUFFIXES + TEXT_SUFFIXES:
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
                    if low.endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
                        yield os.path.join(root, name)
        else:
            yield p


def looks_binary(data: bytes) -> bool:
    """True for bytes that are no text in any encoding we read (NULs, many control bytes)."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a scraped text file: BOM, strict UTF-8, then GB18030, then a detector.

    >>> decode_text("党建".encode("gbk"))
    ('党建', 'gb18030')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
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
    if low.endswith(HTML_SUFFIXES) or (not low.endswith(TEXT_SUFFIXES) and _sniff_html(data)):
        return Source(sid, path, "html", data=data)
    text, enc = decode_text(data)
    if not text.strip():
        raise BadInput("empty file")
    return Source(sid, path, "text", text=text, encoding=enc)


def _sniff_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head
