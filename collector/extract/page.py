"""Find embedded posts in a page: the pure entry points of extraction.

One lexbor (selectolax) parse per page, one combined CSS query over every registered
detector's selector, candidates dispatched in document order. Pages that contain none of the
detectors' byte markers are not parsed at all.

Consent layers and lazy loaders keep the real embed out of the live DOM until the reader agrees:
as text inside a hidden `<textarea>`, inside `<template>` or `<noscript>`, or percent-encoded in
a `data-content` attribute. Saved RSS/Atom feeds carry item HTML entity-encoded in
`<description>`, `<content>` or `<summary>`, or in CDATA sections (opened before parsing). A
wrapper's content is parsed as a fragment when it holds a marker, and the posts found there
count unless the same post is also embedded live on the page (then the wrapper is only a
fallback copy). Escaped copies inside `<script>` are never read.
"""

from __future__ import annotations

import itertools
import re
from typing import Literal
from urllib.parse import unquote_plus

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.appearances import (
    box_appearance,
    embed_appearances,
    fold_tombstones,
    text_appearances,
    with_context,
)
from collector.extract.evidence import Evidence, Locator, located_text, with_evidence
from collector.extract.guards import check_nesting
from collector.extract.markdown import extract_markdown
from collector.extract.metadata import extract_metadata, text_metadata
from collector.extract.platforms import DETECTORS
from collector.extract.prefilter import has_markers
from collector.extract.textforms import text_blocks
from collector.extract.textposts import find_located_posts
from collector.extract.tombstones import BOX_SELECTOR, box_tombstone, is_box, is_cell
from collector.values import Appearance, Extraction, Post, natural_key

# Carriers of embeds a consent layer or lazy loader holds back (see the module docstring).
WRAPPER_SELECTOR = "textarea, template, [data-content]"
# RSS/Atom items' entity-encoded HTML: queried only in saved feeds (each selector costs every page).
FEED_WRAPPER_SELECTOR = "description, content, summary"
# Elements whose text is markup: consent textareas, and RSS/Atom items' entity-encoded HTML.
_TEXT_WRAPPER_TAGS = frozenset({"textarea", "description", "content", "summary"})
_WRAPPER_TAGS = frozenset({"template", *_TEXT_WRAPPER_TAGS})
# A feed wraps item HTML in CDATA, which an HTML parser reads as a comment up to the first ">".
_XML_DECLARATION = "<?xml"
_CDATA_OPEN, _CDATA_CLOSE = "<![CDATA[", "]]>"
_NOSCRIPT = "noscript"
# A wrapper inside a wrapper inside a wrapper is no embed anyone sees.
MAX_WRAPPER_DEPTH = 2
# A compound selector on one tag: the tag, then only classes, attribute tests and :is().
_ON_ONE_TAG = re.compile(r"([a-z][a-z0-9-]*)((?:\.[\w-]+|\[[^\]]*\]|:is\(.*\))*)")


def _top_level(selector: str, separators: str) -> list[int]:
    """Positions of `separators` outside [...] and (...) in a selector."""
    found, depth = [], 0
    for index, char in enumerate(selector):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in separators:
            found.append(index)
    return found


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        if depth < 0:
            return False
    return depth == 0


def _selector_list(selector: str) -> list[str]:
    cuts = [-1, *_top_level(selector, ","), len(selector)]
    return [selector[a + 1 : b].strip() for a, b in itertools.pairwise(cuts) if selector[a + 1 : b].strip()]


def group_by_tag(selectors: list[str]) -> str:
    """One selector list with every tag's forms merged: `blockquote:is(.a, .b)` for
    `blockquote.a, blockquote.b`.

    lexbor tests each selector of a list against every element; grouped, one tag test rules out
    most of them at once (measured faster: docs/design-perf.md). Same
    nodes in the same order: benchmarks/reference.py queries each detector's own selector.
    """
    groups: dict[str, list[str] | None] = {}
    for part in (p for selector in selectors for p in _selector_list(selector)):
        match = _ON_ONE_TAG.fullmatch(part)
        if match is None or _top_level(part, " >+~"):
            groups.setdefault(part, None)  # combinators, universal forms: kept as written
            continue
        tag, rest = match.groups()
        if not rest:
            groups[tag] = None  # the bare tag already matches every form of it
        elif (forms := groups.setdefault(tag, [])) is not None:
            whole_is = rest.startswith(":is(") and rest.endswith(")") and _balanced(rest[4:-1])
            forms.extend(_selector_list(rest[4:-1]) if whole_is else [rest])
    return ", ".join(
        key if forms is None else f"{key}:is({', '.join(forms)})" for key, forms in groups.items()
    )


COMBINED_SELECTOR = group_by_tag([*(d.selector for d in DETECTORS), WRAPPER_SELECTOR, BOX_SELECTOR])
_FEED_SELECTOR = group_by_tag([COMBINED_SELECTOR, FEED_WRAPPER_SELECTOR])


def extract_posts(html: str | bytes, *, source: str | None = None) -> list[Post]:
    """Every embedded post in an HTML page, in document order.

    `source` names the page in nothing but future diagnostics; extraction never reads it.
    """
    return [appearance.post for appearance in extract_appearances(html)]


def _parse(html: str | bytes) -> LexborHTMLParser:
    """lexbor's tree, once the page is known not to nest past what it builds in linear time
    (guards.check_nesting raises PageRefused otherwise)."""
    check_nesting(html)
    return LexborHTMLParser(html)


def is_xml(html: str | bytes) -> bool:
    """True for a saved XML document (an RSS/Atom feed): it starts with an XML declaration."""
    head = html[:64].lstrip()
    if isinstance(head, bytes):
        return head.startswith(_XML_DECLARATION.encode())
    return head.startswith(_XML_DECLARATION)


def unwrap_cdata(html: str | bytes) -> str | bytes:
    """A saved RSS/Atom feed with its items' HTML in CDATA sections, the sections opened."""
    if isinstance(html, bytes):
        return html.replace(_CDATA_OPEN.encode(), b"").replace(_CDATA_CLOSE.encode(), b"")
    return html.replace(_CDATA_OPEN, "").replace(_CDATA_CLOSE, "")


def find_posts(tree: LexborHTMLParser, *, feed: bool = False) -> list[Post]:
    """Run every detector over an already parsed page (`feed`: a saved RSS/Atom document)."""
    return [appearance.post for appearance in find_appearances(tree, feed=feed)]


def find_appearances(
    tree: LexborHTMLParser, *, feed: bool = False, source: str | bytes | None = None
) -> list[Appearance]:
    """Every post's appearance in an already parsed page, in document order (see find_posts).

    `source`: what the tree was parsed from, where each embed's markup and offset are found
    (collector.extract.evidence); without it, the markup is the parser's serialisation."""
    search = _Search(tree, Locator(source))
    found = search.run(depth=0, selector=_FEED_SELECTOR if feed else COMBINED_SELECTOR)
    live = {post_key(a.post) for a, held_back, _ in found if not held_back}
    return fold_tombstones(
        [(a, from_box) for a, held_back, from_box in found if not held_back or post_key(a.post) not in live]
    )


# (appearance, held back by a consent wrapper, came from a renderer's tombstone box)
_Found = tuple[Appearance, bool, bool]


class _Search:
    """One page's candidates, each dispatched in document order."""

    def __init__(self, tree: LexborHTMLParser, locator: Locator) -> None:
        self.tree = tree
        self.locator = locator
        self.candidates: set[int] = set()
        self.first_cell = True

    def is_embed(self, node: LexborNode) -> bool:
        """A candidate of the page's query: an embed, not the article's text around one."""
        return node.mem_id in self.candidates

    def run(self, depth: int, selector: str = COMBINED_SELECTOR) -> list[_Found]:
        root = self.tree.root
        if root is None:
            return []
        nodes = root.css(selector)
        self.candidates.update(node.mem_id for node in nodes)
        found: list[_Found] = []
        seen: set[int] = set()
        for node in nodes:
            # A node matching several selectors of the list comes back once per match.
            if node.mem_id in seen:
                continue
            seen.add(node.mem_id)
            found.extend(self._candidate(node, depth))
        return found

    def _candidate(self, node: LexborNode, depth: int) -> list[_Found]:
        posts = parse_candidate(node)
        if posts:
            held_back = depth > 0 or in_noscript(node)
            found = embed_appearances(node, posts, self.is_embed)
            shown = with_evidence(found, self.evidence(node, posts[0]))
            return [(a, held_back, False) for a in shown]
        if is_box(node):
            tombstone = box_tombstone(node, self.tree, first_cell=self.first_cell and is_cell(node))
            self.first_cell = self.first_cell and not is_cell(node)
            if not tombstone:
                return []
            box = box_appearance(node, *tombstone, self.is_embed)
            # A box shows what it says of the post, seldom its id: found by its own attributes.
            return [(a, False, True) for a in with_evidence([box], self.locator.element(node, None))]
        if depth < MAX_WRAPPER_DEPTH:
            inner = _wrapped_posts(node, depth)
            if not inner:
                return []
            # The page holds the wrapper's markup, not the embed's: that is the evidence.
            kept = with_context([a for a, _, _ in inner], node, self.is_embed)
            kept = with_evidence(kept, self.evidence(node, inner[0][0].post))
            return [(a, True, from_box) for a, (_, _, from_box) in zip(kept, inner, strict=True)]
        return []

    def evidence(self, node: LexborNode, post: Post) -> Evidence:
        return self.locator.element(node, post)


def _wrapped_posts(node: LexborNode, depth: int) -> list[_Found]:
    content = wrapped_markup(node)
    if not content or not has_markers(content):
        return []
    return _Search(_parse(content), Locator(None)).run(depth + 1)


def wrapped_markup(node: LexborNode) -> str | None:
    """The markup a consent wrapper holds: textarea text, template content, data-content."""
    tag = node.tag
    if tag in _TEXT_WRAPPER_TAGS:
        return node.text(deep=True)
    if tag == "template":
        # lexbor keeps template content in a separate fragment that CSS does not reach.
        markup = node.html or ""
        return markup[markup.find(">") + 1 : markup.rfind("<")]
    encoded = node.attributes.get("data-content")
    if encoded and "<" not in encoded and "%3C" in encoded.upper():
        # encodeURIComponent writes %20, PHP urlencode "+"; both write a literal "+" as %2B.
        return unquote_plus(encoded)
    return encoded if tag not in _WRAPPER_TAGS else None


def in_noscript(node: LexborNode) -> bool:
    """lexbor parses <noscript> content as markup: such embeds are fallback copies."""
    parent = node.parent
    while parent is not None:
        if parent.tag == _NOSCRIPT:
            return True
        parent = parent.parent
    return False


def post_key(post: Post) -> tuple[str, str]:
    """A post's identity on the page: a held-back copy with the same key as a live embed is dropped."""
    return post.platform, natural_key(post)


def parse_candidate(node: LexborNode) -> list[Post]:
    """The posts of one candidate node, by the first detector that recognises it.

    Each detector checks the node itself and returns [] when it is not its form.
    """
    for detector in DETECTORS:
        found = detector.parse(node)
        if found:
            return found
    return []


def _text_page_appearances(page: str) -> list[Appearance]:
    blocks = text_blocks(page)
    return _with_embed_code(page, located_text(page, text_appearances(blocks, find_located_posts(blocks))))


def _with_embed_code(page: str, found: list[Appearance]) -> list[Appearance]:
    """Signed posts, and embed code a text or Markdown page holds as it is (inscriptis writes a
    consent layer's `<textarea>` out verbatim; html2markdown and hand-written Markdown keep the
    embed's `<blockquote>` as raw HTML): each post once, the embed's copy where both have it."""
    if "<blockquote" not in page or not has_markers(page):
        return found
    embedded = find_appearances(_parse(page), source=page)
    keys = {(a.post.handle, a.post.date) for a in embedded}
    return [a for a in found if (a.post.handle, a.post.date) not in keys] + embedded


def extract_page(
    page: str, *, kind: Literal["html", "text", "markdown"] = "html", utf8: bytes | None = None
) -> Extraction:
    """Metadata and posts of one decoded page: the unit the ingest pipeline stores.

    `utf8`: the page's bytes when they are exactly `page` in UTF-8 (`loaders.Page.utf8`). The parser
    reads those as they are; given the text, selectolax would encode it to UTF-8 first (a cost and
    a copy of the page kept as long as its tree: docs/design-perf.md).
    """
    if kind == "text":
        return Extraction(meta=text_metadata(page), appearances=tuple(_text_page_appearances(page)))
    if kind == "markdown":
        clip = extract_markdown(page)
        found = located_text(page, clip.appearances)
        return Extraction(meta=clip.meta, appearances=tuple(_with_embed_code(page, found)))
    # One parse for both: the posts' tree, whose <head> the metadata reads when it can.
    found, tree = _html_appearances(page if utf8 is None else utf8)
    return Extraction(meta=extract_metadata(page, tree=tree, utf8=utf8), appearances=tuple(found))


def extract_appearances(html: str | bytes) -> list[Appearance]:
    """Every post's appearance in an HTML page, in document order (see extract_posts)."""
    return _html_appearances(html)[0]


def _html_appearances(html: str | bytes) -> tuple[list[Appearance], LexborHTMLParser | None]:
    """An HTML page's appearances, and the tree of the page they were found in (None when nothing
    was parsed, as for most pages of a crawl, which hold no marker, or for a saved feed, whose tree
    is of its opened CDATA)."""
    if not has_markers(html):
        return [], None
    if is_xml(html):
        # A feed's CDATA is opened before parsing: offsets in the opened text would not be the page's.
        return find_appearances(_parse(unwrap_cdata(html)), feed=True), None
    tree = _parse(html)
    return find_appearances(tree, source=html), tree
