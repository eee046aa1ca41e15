"""Reddit embeds: the new `blockquote.reddit-embed-bq` and the old `blockquote.reddit-card`.

Both carry the title (posts only), the permalink and, in the new form, the author. Neither
carries the post's date: `data-embed-created` / `data-card-created` record when someone made the
embed code, which can be years after the post, so they are never used. Reddit's base-36 ids are
sequential counters with no clock.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import (
    WP_EMBED_MARKER,
    attr,
    classes,
    plain_text,
    strip_query,
    wp_embed_url,
)
from collector.values import Post

SELECTOR = "blockquote.reddit-embed-bq, blockquote.reddit-card, amp-reddit, figure.wp-block-embed-reddit"
MARKERS = (b"reddit-embed-bq", b"reddit-card", b"amp-reddit", WP_EMBED_MARKER)
EMBED_CLASSES = frozenset({"reddit-embed-bq", "reddit-card"})

# /r/{sub}/comments/{post}/{slug}/ for a post; a comment adds /comment/{id}/ (new embeds) or
# /{slug}/{id}/ (old permalinks).
COMMENTS_URL = re.compile(
    r"^(?:https?:)?//(?:[\w-]+\.)?reddit\.com/r/[^/]+/comments/(?P<post>[a-z0-9]+)"
    r"(?:/comment/(?P<comment>[a-z0-9]+)|/[^/]*(?:/(?P<old_comment>[a-z0-9]+))?)?/?$",
    re.IGNORECASE,
)
USER_URL = re.compile(r"^(?:https?:)?//(?:[\w-]+\.)?reddit\.com/(?:user|u)/(?P<user>[\w-]+)/?", re.IGNORECASE)


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag == "amp-reddit":
        return _permalink_only(attr(node, "data-src"))
    if node.tag == "figure":
        return _permalink_only(wp_embed_url(node, "reddit"))
    if node.tag != "blockquote" or EMBED_CLASSES.isdisjoint(classes(node)):
        return []
    for anchor in node.css("a[href]"):
        href = attr(anchor, "href") or ""
        match = COMMENTS_URL.match(strip_query(href))
        if match:
            return [_post(node, anchor, href, match)]
    return []


def _permalink_only(href: str | None) -> list[Post]:
    """`<amp-reddit data-src=permalink>` or a WordPress block left with the bare URL."""
    href = href or ""
    match = COMMENTS_URL.match(strip_query(href))
    if match is None:
        return []
    comment_id = match["comment"] or match["old_comment"]
    return [Post(platform="reddit", post_id=comment_id or match["post"], url=strip_query(href))]


def _post(node: LexborNode, anchor: LexborNode, href: str, match: re.Match[str]) -> Post:
    comment_id = match["comment"] or match["old_comment"]
    # A comment embed shows the word "Comment" and the thread's title, not the comment's words.
    title = None if comment_id else plain_text(anchor) or None
    return Post(
        platform="reddit",
        post_id=comment_id or match["post"],
        url=strip_query(href),
        handle=_author(node),
        text=title,
    )


def _author(node: LexborNode) -> str | None:
    for anchor in node.css("a[href]"):
        match = USER_URL.match(attr(anchor, "href") or "")
        if match:
            return match["user"]
    return None


DETECTOR = Detector(platform="reddit", selector=SELECTOR, markers=MARKERS, parse=parse_node)
