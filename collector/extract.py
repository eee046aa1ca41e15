"""Find embedded posts in a page: the pure entry points of extraction.

One lexbor (selectolax) parse per page, one combined CSS query over every registered
detector's selector, candidates dispatched in document order. Pages that contain none of the
detectors' byte markers are not parsed at all.
"""

from __future__ import annotations

from typing import Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.metadata import extract_metadata, text_metadata
from collector.platforms import DETECTORS
from collector.posts import Extraction, Post
from collector.signatures import extract_text_posts

_COMBINED_SELECTOR = ", ".join(d.selector for d in DETECTORS)
_MARKERS: tuple[bytes, ...] = tuple({m for d in DETECTORS for m in d.markers})


def has_markers(data: bytes | str) -> bool:
    """True when the page may hold an embed: any detector's marker occurs (case-insensitive)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    lowered = raw.lower()
    return any(marker in lowered for marker in _MARKERS)


def extract_posts(html: str | bytes, *, source: str | None = None) -> list[Post]:
    """Every embedded post in an HTML page, in document order.

    `source` names the page in nothing but future diagnostics; extraction never reads it.
    """
    if not has_markers(html):
        return []
    tree = LexborHTMLParser(html)
    return find_posts(tree)


def find_posts(tree: LexborHTMLParser) -> list[Post]:
    """Run every detector over an already parsed page."""
    root = tree.root
    if root is None:
        return []
    posts: list[Post] = []
    seen: set[int] = set()
    for node in root.css(_COMBINED_SELECTOR):
        # A node matching several selectors of the list comes back once per match.
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        posts.extend(_parse_candidate(node))
    return posts


def _parse_candidate(node: LexborNode) -> list[Post]:
    # Each detector checks the node itself and returns [] when it is not its form; the first
    # detector that recognises the node owns it.
    for detector in DETECTORS:
        found = detector.parse(node)
        if found:
            return found
    return []


def extract_page(page: str, *, kind: Literal["html", "text"] = "html") -> Extraction:
    """Metadata and posts of one decoded page: the unit the ingest pipeline stores."""
    if kind == "text":
        return Extraction(meta=text_metadata(page), posts=tuple(extract_text_posts(page)))
    return Extraction(meta=extract_metadata(page), posts=tuple(extract_posts(page)))
