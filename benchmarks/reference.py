"""The reference extraction path that the fast path must match, post for post.

The fast path (collector.extract.extract_posts) takes two shortcuts; the reference takes neither:

1. No byte prefilter: every page, and every consent wrapper's content, is parsed, so a marker
   list that misses a form shows up as a page whose posts the fast path lost.
2. No combined selector: each detector's own selector (and the wrapper selector) is queried on its
   own, and the candidates are merged back into document order by one walk of the tree, so a
   selector that the combined list breaks (a comma inside `:is()`, a duplicate match) shows up.

Candidates then go through the same detectors, the same wrapper rules and the same appearance
rules (tombstone boxes, context, media: collector.extract.appearances): the reference checks the
shortcuts, and the golden files and the real-world gold check the detectors themselves.
BeautifulSoup is not the reference: html.parser builds a different tree from lexbor's for the
very cases the detectors handle (`<template>` content, `<noscript>` markup, unclosed tags), so a
bs4 detector set would differ by design, not by bug. bs4 is the speed baseline instead.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.appearances import box_appearance, embed_appearances, fold_tombstones, with_context
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
from collector.extract.tombstones import BOX_SELECTOR, box_tombstone, is_box, is_cell
from collector.values import Appearance, Post

SELECTORS: tuple[str, ...] = (*(d.selector for d in DETECTORS), WRAPPER_SELECTOR, BOX_SELECTOR)
# Saved RSS/Atom documents also carry item HTML in these elements.
FEED_SELECTORS: tuple[str, ...] = (*SELECTORS, FEED_WRAPPER_SELECTOR)


def reference_posts(html: str | bytes) -> list[Post]:
    """Every embedded post, found without the prefilter and without the combined selector."""
    # A feed's CDATA sections are opened first, as the fast path does: that is input
    # normalisation, not a shortcut.
    feed = is_xml(html)
    tree = LexborHTMLParser(unwrap_cdata(html) if feed else html)
    found = _find_all(tree, 0, FEED_SELECTORS if feed else SELECTORS)
    live = {post_key(a.post) for a, held_back, _ in found if not held_back}
    kept = [
        (a, from_box) for a, held_back, from_box in found if not held_back or post_key(a.post) not in live
    ]
    return [appearance.post for appearance in fold_tombstones(kept)]


def _candidates(root: LexborNode, selectors: tuple[str, ...]) -> list[LexborNode]:
    position = {node.mem_id: index for index, node in enumerate(root.traverse())}
    chosen: dict[int, LexborNode] = {}
    for selector in selectors:
        for node in root.css(selector):
            chosen.setdefault(node.mem_id, node)
    return sorted(chosen.values(), key=lambda node: position[node.mem_id])


def _find_all(
    tree: LexborHTMLParser, depth: int, selectors: tuple[str, ...]
) -> list[tuple[Appearance, bool, bool]]:
    root = tree.root
    if root is None:
        return []
    found: list[tuple[Appearance, bool, bool]] = []
    candidates = _candidates(root, selectors)
    ids = {node.mem_id for node in candidates}

    def is_embed(node: LexborNode) -> bool:
        return node.mem_id in ids

    first_cell = True
    for node in candidates:
        posts = parse_candidate(node)
        if posts:
            held_back = depth > 0 or in_noscript(node)
            found.extend((a, held_back, False) for a in embed_appearances(node, posts, is_embed))
        elif is_box(node):
            tombstone = box_tombstone(node, tree, first_cell=first_cell and is_cell(node))
            first_cell = first_cell and not is_cell(node)
            if tombstone:
                found.append((box_appearance(node, *tombstone, is_embed), False, True))
        elif depth < MAX_WRAPPER_DEPTH:
            content = wrapped_markup(node)
            if content:
                inner = _find_all(LexborHTMLParser(content), depth + 1, SELECTORS)
                kept = with_context([a for a, _, _ in inner], node, is_embed)
                found.extend((a, True, from_box) for a, (_, _, from_box) in zip(kept, inner, strict=True))
    return found
