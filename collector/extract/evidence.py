"""The evidence of an appearance: the embed's markup as the page writes it, and where it starts.

lexbor gives no source positions, and its `node.html` is its own serialisation (attributes
re-quoted, entities decoded), not the page's bytes. So each embed element is found in the page's
source again: its start tag (`<tag` whose text holds the element's attribute values, checked
against the values lexbor read) searched forward from a cursor that only moves on, since the
candidates come in document order; the element's markup runs from there to its matching end tag
(same-tag nesting counted) and must hold the post's id or handle. One pass over the page in all,
each element's scan bounded by MARKUP_BYTES; a page whose elements cannot be found again
(MAX_MISSES of them) stops being searched, so a miss costs at most a few scans of the page.

Text and Markdown pages have no elements: an appearance there is the paragraph of its signature
(the line naming its status URL or handle), found the same way, forward from the previous one.

`byte_offset` is in the page's text as UTF-8: the page's own bytes for a UTF-8 page (what ingest
reads; the parser is given those very bytes), the re-encoded text for a page in another encoding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import AnyStr

from selectolax.lexbor import LexborNode

from collector.values import MARKUP_BYTES, Appearance, Post

# After this many elements not found again in a page, the rest are not searched (each miss scans
# to the end of the page).
MAX_MISSES = 4
# A start tag is looked for its closing '>' this far at most.
START_TAG_CHARS = 8_192
# Elements with no end tag: their markup is the start tag.
VOID_TAGS = frozenset({"img", "embed", "source", "input", "link", "meta", "br", "hr", "area", "wbr"})
# Attribute values checked in the start tag: those written the same in the source as lexbor
# reads them (an entity or a CR in a value is decoded by the parser), and not too long to look for.
_PLAIN_VALUE = re.compile(r"[^&\r<>\"']{1,200}")
_BLANK_LINE = "\n\n"


@dataclass(frozen=True, slots=True)
class Evidence:
    """An element's markup (capped), whether it was cut, and its offset (None: serialised)."""

    markup: str | None
    truncated: bool = False
    byte_offset: int | None = None


def with_evidence(appearances: Sequence[Appearance], evidence: Evidence) -> list[Appearance]:
    # Built directly: dataclasses.replace costs several times a constructor call, once per post.
    return [
        Appearance(
            post=a.post,
            status=a.status,
            context_before=a.context_before,
            context_after=a.context_after,
            markup=evidence.markup,
            markup_truncated=evidence.truncated,
            byte_offset=evidence.byte_offset,
        )
        for a in appearances
    ]


def located_text(source: str, appearances: Sequence[Appearance]) -> list[Appearance]:
    """A text or Markdown page's appearances (in page order), each with its signature's paragraph."""
    locator = Locator(source)
    return [with_evidence([a], locator.paragraph(a.post))[0] for a in appearances]


def capped(markup: str) -> tuple[str, bool]:
    """`markup` cut to MARKUP_BYTES of UTF-8 (at a character boundary), and whether it was cut."""
    if len(markup) * 4 <= MARKUP_BYTES:
        return markup, False
    encoded = markup.encode("utf-8", "surrogatepass")
    if len(encoded) <= MARKUP_BYTES:
        return markup, False
    return encoded[:MARKUP_BYTES].decode("utf-8", "ignore"), True


def serialised(node: LexborNode) -> Evidence:
    """An element not found in the source: lexbor's serialisation of it, without an offset."""
    markup, truncated = capped(node.html or "")
    return Evidence(markup, truncated)


def needle(post: Post) -> str | None:
    """What the markup of a post's embed must contain: its id, else its handle."""
    if post.post_id:
        return post.post_id
    return post.handle.lstrip("@") if post.handle else None


class Locator:
    """Finds a page's embed elements in its source, in document order, with one forward cursor."""

    def __init__(self, source: str | bytes | None) -> None:
        self.source = source
        self.cursor = 0
        self.misses = 0 if source is not None else MAX_MISSES
        self._chars, self._bytes = 0, 0  # a known (char offset, byte offset) pair, for str sources

    def element(self, node: LexborNode, post: Post | None) -> Evidence:
        """The evidence of `node`, an embed holding `post` (its first, if several)."""
        source = self.source
        if source is None or self.misses >= MAX_MISSES or not node.tag:
            return serialised(node)
        found = _find_element(source, node, needle(post) if post else None, self.cursor)
        if found is None:
            self.misses += 1
            return serialised(node)
        start, end = found
        self.cursor = start + 1  # an embed inside this element comes next
        return self._evidence(source, start, end)

    def paragraph(self, post: Post) -> Evidence:
        """A text or Markdown post: the paragraph of its signature line (see the module docstring)."""
        source = self.source
        if not isinstance(source, str) or self.misses >= MAX_MISSES:
            return Evidence(None)
        hit = _first_hit(source, _text_needles(post), self.cursor)
        if hit is None:
            self.misses += 1
            return Evidence(None)
        line_end = source.find("\n", hit)
        line_end = len(source) if line_end < 0 else line_end
        blank = source.rfind(_BLANK_LINE, self.cursor, hit)
        start = blank + len(_BLANK_LINE) if blank >= 0 else source.rfind("\n", self.cursor, hit) + 1
        start = max(start, self.cursor)
        self.cursor = line_end
        return self._evidence(source, start, line_end)

    def _evidence(self, source: str | bytes, start: int, end: int) -> Evidence:
        piece = source[start:end]
        text = piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece
        markup, truncated = capped(text)
        return Evidence(markup, truncated, self._byte_offset(start))

    def _byte_offset(self, start: int) -> int:
        source = self.source
        if not isinstance(source, str):
            return start
        if start < self._chars:  # not met in document order: count from the start
            self._chars, self._bytes = 0, 0
        self._bytes += len(source[self._chars : start].encode("utf-8", "surrogatepass"))
        self._chars = start
        return self._bytes


def _text_needles(post: Post) -> list[str]:
    found = [post.url] if post.url else []
    if post.post_id:
        found.append(post.post_id)
    if post.handle:
        handle = post.handle.lstrip("@")
        found += [f"(@{handle})", f"@{handle}"]
    return found


def _first_hit(source: str, needles: Sequence[str], cursor: int) -> int | None:
    for item in needles:
        at = source.find(item, cursor)
        if at >= 0:
            return at
    return None


@lru_cache(maxsize=64)
def _text_patterns(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The start tags of `tag`, and its start and end tags (for counting nesting)."""
    name = re.escape(tag)
    return re.compile(rf"<{name}(?=[\s/>])", re.I), re.compile(rf"<{name}(?=[\s/>])|</{name}\s*>", re.I)


@lru_cache(maxsize=64)
def _byte_patterns(tag: str) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    opening, either = _text_patterns(tag)
    return re.compile(opening.pattern.encode(), re.I), re.compile(either.pattern.encode(), re.I)


def _find_element(
    source: str | bytes, node: LexborNode, wanted: str | None, cursor: int
) -> tuple[int, int] | None:
    """(start, end) in `source` of the first element from `cursor` that is `node`'s: its tag, its
    attribute values in its start tag, `wanted` in its markup."""
    tag = (node.tag or "").lower()
    values = [value for value in node.attributes.values() if value and _PLAIN_VALUE.fullmatch(value)]
    if isinstance(source, bytes):
        byte_values = [value.encode() for value in values]
        return _search(source, *_byte_patterns(tag), byte_values, _encoded(wanted), tag, cursor)
    return _search(source, *_text_patterns(tag), values, wanted, tag, cursor)


def _encoded(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def _search(
    source: AnyStr,
    opening: re.Pattern[AnyStr],
    either: re.Pattern[AnyStr],
    values: list[AnyStr],
    wanted: AnyStr | None,
    tag: str,
    cursor: int,
) -> tuple[int, int] | None:
    close = b">" if isinstance(source, bytes) else ">"
    for match in opening.finditer(source, cursor):
        start = match.start()
        tag_end = source.find(close, match.end(), match.end() + START_TAG_CHARS)
        if tag_end < 0:
            continue
        start_tag = source[start:tag_end]
        if not all(value in start_tag for value in values):
            continue
        end = tag_end + 1 if tag in VOID_TAGS else _element_end(source, either, start)
        if wanted is None or source.find(wanted, start, end) >= 0:  # no copy of the element
            return start, end
    return None


def _element_end(source: AnyStr, either: re.Pattern[AnyStr], start: int) -> int:
    """Where the element opening at `start` ends: after its matching end tag, counting nested
    elements of its tag; the window's end (MARKUP_BYTES on) when none closes it within it."""
    limit = min(len(source), start + MARKUP_BYTES * 4)
    depth = 0
    slash = b"/" if isinstance(source, bytes) else "/"
    for match in either.finditer(source, start, limit):
        depth += -1 if match.group()[1:2] == slash else 1
        if depth == 0:
            return match.end()
    return limit
