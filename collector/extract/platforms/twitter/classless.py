"""Tweet blockquotes that lost their class: recognised by their shape, not by `twitter-tweet`.

Feed readers and HTML sanitizers keep the embed code's blockquote but drop its class: Mozilla
Readability (Firefox Reader View, clippers, read-it-later apps), sanitize-html, nh3/ammonia and
bleach with their defaults, oEmbed consumers that sanitize the HTML they get, GitHub-rendered
Markdown. What survives is the shape: the text (a `<p>`, or bare text when bleach strips the
tags), then the signature `— Name (@handle)` and the status link showing the date. A blockquote
is a tweet here only with all three: a dated status link, right after a dash-led `(@handle)`.
So pull quotes ("— Jane Doe, CEO"), quoted speech, a quoted article with a link to a status, a
bio with a handle, a link-only blockquote (a quoted link) and look-alikes such as the Artifact
Hub widget (`— Open in <a>Artifact Hub</a>`) are not.

bleach's default escapes the `<p>` instead of removing it: the text then starts with the literal
tag, which is taken off (its `lang` kept), and a literal `<br>` reads as a line break.

Only blockquotes holding a status link are candidates (a query for every blockquote would cost
every page that has many), and the shape is read from the blockquote's children only: the date
link closes the blockquote or its last paragraph. A class-less blockquote holding another
blockquote is left alone: only the innermost is read (a known limit; pasted double embeds keep
their classes in every copy we have seen).
"""

from __future__ import annotations

import dataclasses
import re

from selectolax.lexbor import LexborNode

from collector.extract.platforms.markup import attr
from collector.extract.platforms.twitter.classic import anchor_date_text, parse_blockquote
from collector.extract.platforms.twitter.urls import status_parts
from collector.extract.text import TEXT_TAG, collapse_spaces
from collector.values import Post

# Blockquotes holding a status link: the only ones the shape can fit. Queried on every page:
# lexbor tests :has() on each blockquote in C, which costs less than scanning the page's bytes
# for a gate (docs/design-twitter.md). Not `:has(> a, > p > a)`, which would be narrower: the
# bs4 baseline of benchmarks/bench_extract (soupsieve) rejects complex selectors in :has().
SELECTOR = 'blockquote:has(a[href*="/status"])'
# The prefilter's markers for pages without any other: a status URL and a blockquote, in the
# spellings pages use (old editors wrote tags in capitals).
SHAPE_MARKERS = ((b"/status",), (b"<blockquote", b"<BLOCKQUOTE"))
# The signature right before the date link: a dash, a name (maybe none), "(@handle)".
SIGNATURE_END = re.compile(r"(?:[—–―]|(?:^|\s)(?:--?|~)(?=\s))[^—–―\n]{0,200}\(\s*@\w{1,50}\s*\)\s*$")
# Elements that may follow the date link inside the blockquote without ending the shape.
TRAILING_TAGS = frozenset({"br", "script"})
# Enough of the text before the date link to hold any signature.
SIGNATURE_WINDOW = 300
# bleach (default, not strip) writes the disallowed <p> as text.
ESCAPED_PARAGRAPH = re.compile(r"^<p\b(?P<attrs>[^<>]{0,300})>")
ESCAPED_CLOSE = re.compile(r"</p\s*>")
ESCAPED_BREAK = re.compile(r"\s*<br\s*/?>\s*")
ESCAPED_LANG = re.compile(r"""\blang\s*=\s*["']?(?P<lang>[\w-]{1,20})""")


def is_classless_tweet(node: LexborNode) -> bool:
    """True when a blockquote without the embed class still has a tweet's shape.

    Only the blockquote's children (and its last paragraph's) are looked at, never the whole
    subtree: a hostile page nests thousands of blockquotes, each a candidate.
    """
    anchor = _closing_link(node)
    if anchor is None or status_parts(attr(anchor, "href") or "") is None:
        return False
    if anchor_date_text(anchor) is None:
        return False
    return bool(SIGNATURE_END.search(_text_before(anchor)[-SIGNATURE_WINDOW:]))


def _closing_link(node: LexborNode) -> LexborNode | None:
    """The link that closes the blockquote: its last element, or the last element of its last
    paragraph (WordPress's byline paragraph); None when a blockquote sits directly inside."""
    last = None
    for child in _elements(node):
        if child.tag == "blockquote":
            return None
        last = child
    if last is not None and last.tag == "p":
        inner = _elements(last)
        last = inner[-1] if inner else None
    return last if last is not None and last.tag == "a" else None


def _elements(node: LexborNode) -> list[LexborNode]:
    """Element children, without the ones that add nothing after a date link."""
    return [
        child
        for child in node.iter()
        if child.tag and not child.tag.startswith("-") and child.tag not in TRAILING_TAGS
    ]


def parse_classless(node: LexborNode) -> list[Post]:
    if not is_classless_tweet(node):
        return []
    return [_unescape_paragraph(post) for post in parse_blockquote(node)]


def _text_before(anchor: LexborNode) -> str:
    """The text of the anchor's earlier siblings, up to the nearest block (the text paragraph)."""
    pieces: list[str] = []
    sibling = anchor.prev
    while sibling is not None and len(pieces) < SIGNATURE_WINDOW:
        if sibling.tag == "p":
            break
        if sibling.tag == TEXT_TAG or (sibling.tag and not sibling.tag.startswith("-")):
            pieces.append(collapse_spaces(sibling.text(deep=True)))
        sibling = sibling.prev
    return "".join(reversed(pieces))


def _unescape_paragraph(post: Post) -> Post:
    """bleach's escaped `<p lang>`: the literal tags off the text, the lang taken from them."""
    text = post.text or ""
    opening = ESCAPED_PARAGRAPH.match(text)
    if opening is None:
        return post
    body = ESCAPED_BREAK.sub("\n", ESCAPED_CLOSE.sub("", text[opening.end() :])).strip(" \n")
    lang = ESCAPED_LANG.search(opening["attrs"])
    return dataclasses.replace(post, text=body or None, lang=post.lang or (lang["lang"] if lang else None))
