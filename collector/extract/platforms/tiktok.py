"""TikTok embeds: `blockquote.tiktok-embed` for one video.

The blockquote holds `@user`, the caption with hashtag links, and a "♬ sound" link; the author's
display name and the date are not shown. The date comes from the video id (seconds since the
Unix epoch = id >> 32). Creator (profile) embeds use the same class and are not posts; neither
are the CSS rules, embed.js loaders and `<script type="text/template">` copies pages carry, which
the parser never turns into elements.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import tiktok_time
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import (
    WP_EMBED_MARKER,
    attr,
    has_class,
    plain_text,
    wp_embed_url,
)
from collector.extract.text import node_links, node_text
from collector.values import Post

SELECTOR = "blockquote.tiktok-embed, amp-tiktok, figure.wp-block-embed-tiktok"
MARKERS = (b"tiktok-embed", b"amp-tiktok", WP_EMBED_MARKER)

VIDEO_URL = re.compile(
    r"^(?P<url>https?://(?:www\.|m\.)?tiktok\.com/@(?P<user>[\w.-]+)/video/(?P<id>\d+))", re.IGNORECASE
)
PROFILE_URL = re.compile(r"^https?://(?:www\.|m\.)?tiktok\.com/@[\w.-]+/?(?:[?#].*)?$", re.IGNORECASE)
POST_URL = "https://www.tiktok.com/@{user}/video/{id}"
MUSIC_URL = re.compile(r"^https?://(?:www\.|m\.)?tiktok\.com/music/", re.IGNORECASE)
# data-embed-type is absent on video embeds; "creator" (and any other value) is not one video.
VIDEO_EMBED_TYPES = frozenset({"", "video"})


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag == "amp-tiktok":
        return _parse_amp(node, attr(node, "data-src"))
    if node.tag == "figure":
        return _parse_amp(node, wp_embed_url(node, "tiktok"))
    if node.tag != "blockquote" or not has_class(node, "tiktok-embed"):
        return []
    if (attr(node, "data-embed-type") or "").lower() not in VIDEO_EMBED_TYPES:
        return []
    match = VIDEO_URL.match(attr(node, "cite") or "")
    video_id = attr(node, "data-video-id") or (match["id"] if match else None)
    if video_id is None or not video_id.isdigit():
        return []
    posted_at = tiktok_time(video_id)
    handle = match["user"] if match else _handle_from_link(node)
    text, links = _caption(node)
    return [
        Post(
            platform="tiktok",
            post_id=video_id,
            url=match["url"] if match else (POST_URL.format(user=handle, id=video_id) if handle else None),
            handle=handle,
            posted_at=posted_at,
            text=text,
            links=links,
        )
    ]


def _parse_amp(node: LexborNode, source: str | None) -> list[Post]:
    """`<amp-tiktok data-src=…>` or a WordPress block left with the bare URL: the id, nothing else."""
    source = source or ""
    match = VIDEO_URL.match(source)
    video_id = match["id"] if match else source
    if not video_id.isdigit():
        return []
    posted_at = tiktok_time(video_id)
    return [
        Post(
            platform="tiktok",
            post_id=video_id,
            url=match["url"] if match else None,
            handle=match["user"] if match else None,
            posted_at=posted_at,
        )
    ]


def _handle_from_link(node: LexborNode) -> str | None:
    for anchor in node.css("a[href]"):
        if PROFILE_URL.match(attr(anchor, "href") or ""):
            shown = plain_text(anchor)
            return shown[1:] if shown.startswith("@") else None
    return None


def _caption(node: LexborNode) -> tuple[str | None, tuple[str, ...]]:
    """The caption without the leading @user link and the trailing "♬ sound" link.

    Both are metadata shown around the caption, not words of the post; their links are left out
    too (the author's profile, and the sound's page).
    """
    section = node.css_first("section") or node
    text = node_text(section, exclude=_is_metadata_link)
    links = tuple(
        href for href in node_links(section) if not PROFILE_URL.match(href) and not MUSIC_URL.match(href)
    )
    return text, links


def _is_metadata_link(node: LexborNode) -> bool:
    href = attr(node, "href") if node.tag == "a" else None
    return href is not None and (PROFILE_URL.match(href) is not None or MUSIC_URL.match(href) is not None)


DETECTOR = Detector(platform="tiktok", selector=SELECTOR, markers=MARKERS, parse=parse_node)
