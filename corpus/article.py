"""The data that flows from the corpus stages into extraction: Page and Article.

An Article's ``text`` is the clean body in the original script. Every offset that a later
stage produces indexes ``text``. ``simplified`` has exactly the same length as ``text``
(character-aligned), so an offset into one is an offset into the other. ``raw_map`` maps
offsets of ``text`` back into ``raw`` (the input as read), which is what ``wrmine predict``
reports and what the gold offsets index.
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched web page (or sitemap, or feed) before cleaning: the fetcher's answer and the
    cleaner's input.

    ``url`` is where the body came from, after redirects (``requested_url`` is the URL as asked
    when a redirect led elsewhere); ``html`` holds the body bytes untouched and ``encoding`` the
    charset the server (or the site's config) declared, None when none: decoding is the
    cleaner's job. A 304 answer has an empty body.
    """

    url: str
    fetched_at: str
    status: int
    html: bytes
    encoding: str | None = None
    content_type: str | None = None
    requested_url: str = ""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class RawMap:
    """Piecewise-linear map from clean-text offsets to raw-text offsets.

    ``pieces`` holds ``(clean_start, raw_start, length)`` triples sorted by clean_start;
    the clean text is the concatenation of raw[raw_start:raw_start+length] pieces, with
    inserted characters (paragraph separators the cleaner adds) mapped to the previous piece's end.

    >>> m = RawMap(((0, 0, 1), (1, 9, 2)))   # "創(chuàng)新高" -> "創新高"
    >>> m.to_raw(1), m.to_raw(3), m.span_to_raw(1, 3)
    (9, 11, (9, 11))
    """

    pieces: tuple[tuple[int, int, int], ...] = ()
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # Built once: to_raw runs for every fact of every article.
        object.__setattr__(self, "_starts", tuple(p[0] for p in self.pieces))

    @classmethod
    def identity(cls, length: int) -> "RawMap":
        return cls(((0, 0, length),)) if length else cls(())

    def to_raw(self, pos: int) -> int:
        """Raw offset of clean offset ``pos`` (an end offset maps to the end of its piece)."""
        if not self.pieces:
            return pos
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return self.pieces[0][1]
        cs, rs, n = self.pieces[i]
        return rs + min(pos - cs, n)

    def span_to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` covering clean ``[start, end)``."""
        if end <= start:
            r = self.to_raw(start)
            return r, r
        return self.to_raw(start), self.to_raw(end - 1) + 1


@dataclass(frozen=True, slots=True)
class Article:
    """A clean article: body text plus metadata. Offsets everywhere index ``text``."""

    id: str
    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    raw: str = ""
    simplified: str = ""
    raw_map: RawMap = field(default_factory=RawMap)
    content_hash: str = ""
    # Where ``title`` came from: "text" (the headline printed in a scraped text), "html-heading",
    # "html-meta", "html-title", "json-ld", "lead" (no headline printed: the first sentence,
    # shown to people but never reported as the printed title), None (no title at all).
    title_origin: str | None = None
    # The metadata votes behind title/published/source/author: every candidate and the winner
    # (``corpus.meta.read``), for ``wrmine explain``.
    meta_evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.simplified and len(self.simplified) != len(self.text):
            raise ValueError(
                f"Article {self.id!r}: simplified text must be character-aligned with text "
                f"({len(self.simplified)} != {len(self.text)})"
            )

    @property
    def plain(self) -> str:
        """The simplified body (the text extraction reads); falls back to ``text``."""
        return self.simplified or self.text


def content_hash(text: str) -> str:
    """Stable identity of an article body (whitespace-insensitive)."""
    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()
