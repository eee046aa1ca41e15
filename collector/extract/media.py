"""What an embed shows besides its text: its photos, videos and GIFs, and the post it quotes.

Media: `pic.twitter.com/…` links in the text (Twitter's embed code writes each attached photo,
video or GIF as one), the `src` of images and the `poster` of videos inside the embed (Substack
cards, rendered cards, Bluesky and Mastodon copies), not avatars, emoji or icons. The quoted post:
a link inside the post to another post of the same platform (a quote card's link, an expanded
status URL in a CMS or text copy).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from collector.extract.platforms.markup import attr, classes
from collector.extract.platforms.twitter.urls import status_parts
from collector.values import Post

PIC_LINK = re.compile(r"(?<![\w/])pic\.(?:twitter|x)\.com/[A-Za-z0-9]{4,20}")
MEDIA_TAGS = frozenset({"img", "video", "source"})
# Embeds whose markup holds no media elements: Twitter's and Bluesky's embed code write media as
# links in the text (`pic.twitter.com/…`, "[image or embed]"), and a frame's document is not in
# the page.
TEXT_ONLY_EMBEDS = frozenset({"blockquote", "iframe", "amp-twitter", "twitter-widget"})
# Images that are no media of the post: profile pictures, emoji, icons, tracking pixels.
NOT_MEDIA_PARTS = (
    "profile_images",
    "avatar",
    "emoji",
    "twemoji",
    "/icons/",
    "favicon",
    "pixel",
    "twitter_name",
)
NOT_MEDIA_CLASSES = frozenset({"emoji", "wp-smiley", "avatar"})
MAX_MEDIA = 20
HTTP_SCHEMES = ("http", "https")


def with_media(post: Post, node: LexborNode | None) -> Post:
    """`post` with its media and quoted post filled in from its text, links and (for an embed
    that is one post) its node."""
    media = text_media(post.text)
    if node is not None and node.tag not in TEXT_ONLY_EMBEDS:
        media = _unique((*media, *_node_media(node)))
    quoted = post.quoted_url or quoted_link(post)
    if not media and quoted is None:
        return post
    return dataclasses.replace(post, media=media or post.media, quoted_url=quoted)


def text_media(text: str | None) -> tuple[str, ...]:
    if not text or "pic." not in text:
        return ()
    return _unique(f"https://{found}" for found in PIC_LINK.findall(text))


def _node_media(node: LexborNode) -> tuple[str, ...]:
    found: list[str] = []
    # A walk of the embed's few elements costs less than compiling a CSS query for each embed.
    for element in node.traverse():
        if element.tag not in MEDIA_TAGS:
            continue
        address = (
            attr(element, "poster")
            if element.tag == "video" and attr(element, "poster")
            else attr(element, "src")
        )
        if address and _is_media(address) and not NOT_MEDIA_CLASSES.intersection(classes(element)):
            found.append(address)
        if len(found) >= MAX_MEDIA:
            break
    return tuple(found)


def _is_media(address: str) -> bool:
    lowered = address.lower()
    if any(part in lowered for part in NOT_MEDIA_PARTS):
        return False
    return urlsplit(address).scheme in HTTP_SCHEMES


def quoted_link(post: Post) -> str | None:
    """The first link in the post to another post of its platform (Twitter status URLs)."""
    if post.platform != "twitter":
        return None
    for link in post.links:
        parts = status_parts(link) if "/status" in link else None
        if parts is not None and parts[1] != post.post_id:
            return parts[0]
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
