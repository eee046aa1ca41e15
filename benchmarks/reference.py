"""The reference extraction path that the fast path must match, post for post.

The fast path (collector.extract.extract_posts) takes two shortcuts; the reference takes neither:

1. No byte prefilter: every page, and every consent wrapper's content, is parsed, so a marker
   list that misses a form shows up as a page whose posts the fast path lost.
2. No combined selector: each detector's own selector (and the wrapper selector) is queried on its
   own, and the candidates are merged back into document order by one walk of the tree, so a
   selector that the combined list breaks (a comma inside `:is()`, a duplicate match) shows up.

Candidates then go through the same detectors and the same wrapper rules: the reference checks
the shortcuts, and the golden files and the real-world gold check the detectors themselves.
BeautifulSoup is not the reference: html.parser builds a different tree from lexbor's for the
very cases the detectors handle (`<template>` content, `<noscript>` markup, unclosed tags), so a
bs4 detector set would differ by design, not by bug. bs4 is the speed baseline instead.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.page import (
    FEED_WRAPPER_SELECTOR,
    MAX_WRAPPER_DEPTH,
    WRAPPER_SELECTOR,
    in_noscript,
    is_xml,
    parse_candidate,
    post_key,
    unwrap_cdata,
    wrapped_markup,
)
from collector.extract.platforms import DETECTORS
from collector.values import Post

SELECTORS: tuple[str, ...] = (*(d.selector for d in DETECTORS), WRAPPER_SELECTOR)
# Saved RSS/Atom documents also carry item HTML in these elements.
FEED_SELECTORS: tuple[str, ...] = (*SELECTORS, FEED_WRAPPER_SELECTOR)


def reference_posts(html: str | bytes) -> list[Post]:
    """Every embedded post, found without the prefilter and without the combined selector."""
    # A feed's CDATA sections are opened first, as the fast path does: that is input
    # normalisation, not a shortcut.
    feed = is_xml(html)
    tree = LexborHTMLParser(unwrap_cdata(html) if feed else html)
    found = _find_all(tree, 0, FEED_SELECTORS if feed else SELECTORS)
    live = {post_key(post) for post, held_back in found if not held_back}
    return [post for post, held_back in found if not held_back or post_key(post) not in live]


def _candidates(root: LexborNode, selectors: tuple[str, ...]) -> list[LexborNode]:
    position = {node.mem_id: index for index, node in enumerate(root.traverse())}
    chosen: dict[int, LexborNode] = {}
    for selector in selectors:
        for node in root.css(selector):
            chosen.setdefault(node.mem_id, node)
    return sorted(chosen.values(), key=lambda node: position[node.mem_id])


def _find_all(tree: LexborHTMLParser, depth: int, selectors: tuple[str, ...]) -> list[tuple[Post, bool]]:
    root = tree.root
    if root is None:
        return []
    found: list[tuple[Post, bool]] = []
    for node in _candidates(root, selectors):
        posts = parse_candidate(node)
        if posts:
            held_back = depth > 0 or in_noscript(node)
            found.extend((post, held_back) for post in posts)
        elif depth < MAX_WRAPPER_DEPTH:
            content = wrapped_markup(node)
            if content:
                inner = _find_all(LexborHTMLParser(content), depth + 1, SELECTORS)
                found.extend((post, True) for post, _ in inner)
    return found
