"""Twitter / X embeds (placeholder until the detector lands)."""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from collector.platforms.base import Detector
from collector.posts import Post

SELECTOR = "blockquote.twitter-tweet, blockquote.twitter-video"
MARKERS = (b"twitter-tweet", b"twitter-video")


def parse_node(node: LexborNode) -> list[Post]:
    return []


DETECTOR = Detector(platform="twitter", selector=SELECTOR, markers=MARKERS, parse=parse_node)
