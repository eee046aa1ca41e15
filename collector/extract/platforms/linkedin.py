"""LinkedIn embeds: the `embed/feed/update/urn:li:…` iframe.

The iframe carries only the urn; the date comes from its id (ms since the Unix epoch = id >> 22).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import linkedin_time
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import iframe_src
from collector.values import Post

_EMBED_PATH = "linkedin.com/embed/feed/update/"
SELECTOR = f'iframe:is([src*="{_EMBED_PATH}"], [data-src*="{_EMBED_PATH}"])'
MARKERS = (b"linkedin.com/embed/feed/update",)

EMBED_URL = re.compile(
    r"^(?:https?:)?//(?:[\w-]+\.)?linkedin\.com/embed/feed/update/"
    r"(?P<urn>urn:li:(?:share|activity|ugcPost):(?P<id>\d+))",
    re.IGNORECASE,
)
# The public address of the same post: the embed URL without "/embed".
POST_URL = "https://www.linkedin.com/feed/update/{urn}/"


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag != "iframe":
        return []
    match = EMBED_URL.match(iframe_src(node) or "")
    if match is None:
        return []
    posted_at = linkedin_time(match["id"])
    return [
        Post(
            platform="linkedin",
            post_id=match["id"],
            url=POST_URL.format(urn=match["urn"]),
            posted_at=posted_at,
        )
    ]


DETECTOR = Detector(platform="linkedin", selector=SELECTOR, markers=MARKERS, parse=parse_node)
