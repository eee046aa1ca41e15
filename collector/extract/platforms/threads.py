"""Threads embeds: `blockquote.text-post-media` with its permalink and nothing else.

The embed code carries no text, name or date, only "View on Threads" and the permalink. Threads
codes look like Instagram shortcodes, but no published source documents a clock for them, so no
date is derived.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import attr, first_link_match, has_class
from collector.values import Post

SELECTOR = "blockquote.text-post-media"
MARKERS = (b"text-post-media",)

# threads.net until 2025, threads.com since.
PERMALINK = re.compile(
    r"^(?P<url>https?://(?:www\.)?threads\.(?:net|com)/@(?P<user>[\w.]+)/post/(?P<code>[\w-]+))"
)


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag != "blockquote" or not has_class(node, "text-post-media"):
        return []
    match = PERMALINK.match(attr(node, "data-text-post-permalink") or "")
    if match is None:
        match = first_link_match(node, PERMALINK)
    if match is None:
        return []
    return [Post(platform="threads", post_id=match["code"], url=match["url"], handle=match["user"])]


DETECTOR = Detector(platform="threads", selector=SELECTOR, markers=MARKERS, parse=parse_node)
