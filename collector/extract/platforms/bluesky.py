"""Bluesky embeds: `blockquote.bluesky-embed` as made by bsky.app's embed dialog.

The blockquote holds the text, display name, handle and a localized date-and-time link. The
shown date is in the *embedder's* time zone (the dialog formats it in the browser), so `date` is
that day as shown. The record key is usually a TID whose top bits are the creation time in µs,
but clients may choose keys freely and imported posts get a TID of the import, not of the post.
So `posted_at` takes the TID time only when it agrees with the shown day (±1 day for time zones);
only when the embed shows no date at all does `posted_at` fall back to the TID, as a hint (and
the archive dates the post by it).
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import bluesky_time
from collector.extract.dates import parse_date_text
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import attr, has_class, plain_text, strip_query, utc_day
from collector.extract.text import node_links, node_text
from collector.values import Post

_RENDERED = "embed.bsky.app/embed/"
# embed.js swaps the blockquote for iframe[data-bluesky-id] src=…/embed/{did}/app.bsky.feed.post/{rkey}.
SELECTOR = f'blockquote.bluesky-embed, iframe:is([data-bluesky-id], [src*="{_RENDERED}"])'
MARKERS = (b"bluesky-embed", _RENDERED.encode())

AT_URI = re.compile(r"^at://(?P<did>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[\w.:~-]+)$")
POST_URL = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/(?P<actor>[^/?#]+)/post/(?P<rkey>[^/?#]+)")
RENDERED_SRC = re.compile(
    r"^https://embed\.bsky\.app/embed/(?P<did>did:[^/?#]+)/app\.bsky\.feed\.post/(?P<rkey>[\w.:~-]+)"
)
WEB_URL = "https://bsky.app/profile/{did}/post/{rkey}"
PROFILE_URL = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/[^/?#]+/?(?:[?#].*)?$")
# The link the dialog appends to the text when the post has images, a card or a quoted post.
MEDIA_PLACEHOLDER = "[image or embed]"
# "May 13, 2025 at 11:37 PM", "20 novembre 2024 à 14:43": the clock time is cut off when the date
# parser does not read the whole string.
TIME_OF_DAY = re.compile(
    r"(?<![\s,])[\s,]++(?:[^\s\d]+\s+)?\d{1,2}[:.h]\d{2}(?:\s*[ap]\.?m\.?)?\s*$", re.IGNORECASE
)
# A UTC offset moves the shown day by at most one day from the UTC day.
TIME_ZONE_SLACK = dt.timedelta(days=1)
BYLINE_DASH = "—–-"


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag == "iframe":
        return _parse_rendered(node)
    if node.tag != "blockquote" or not has_class(node, "bluesky-embed"):
        return []
    uri = AT_URI.match(attr(node, "data-bluesky-uri") or "")
    permalink = _permalink(node)
    href = attr(permalink, "href") if permalink is not None else None
    link = POST_URL.match(href) if href else None
    if uri is not None:
        rkey = uri["rkey"]
        url = strip_query(href) if href else WEB_URL.format(did=uri["did"], rkey=rkey)
    elif link is not None and href:
        rkey, url = link["rkey"], strip_query(href)
    else:
        return []
    return [_post(node, rkey, url, permalink)]


def _parse_rendered(node: LexborNode) -> list[Post]:
    """The rendered iframe keeps only the at-URI: no text, no name, no shown date (TID hint)."""
    match = RENDERED_SRC.match(attr(node, "src") or "")
    if match is None:
        return []
    posted_at = bluesky_time(match["rkey"])
    return [
        Post(
            platform="bluesky",
            post_id=match["rkey"],
            url=WEB_URL.format(did=match["did"], rkey=match["rkey"]),
            posted_at=posted_at,
        )
    ]


def _permalink(node: LexborNode) -> LexborNode | None:
    """The date link: the last link to the post that is not inside the text paragraph."""
    found = None
    for anchor in node.css("a[href]"):
        if POST_URL.match(attr(anchor, "href") or "") and not _in_paragraph(anchor, node):
            found = anchor
    return found


def _in_paragraph(anchor: LexborNode, root: LexborNode) -> bool:
    parent = anchor.parent
    while parent is not None and parent.mem_id != root.mem_id:
        if parent.tag == "p":
            return True
        parent = parent.parent
    return False


def _post(node: LexborNode, rkey: str, url: str | None, permalink: LexborNode | None) -> Post:
    date_text = plain_text(permalink) if permalink is not None else None
    shown = _shown_day(date_text) if date_text else None
    posted_at = _tid_time(rkey, shown)
    name, handle = _byline(node)
    text, links = _text_and_links(node, rkey)
    return Post(
        platform="bluesky",
        post_id=rkey,
        url=url,
        author_name=name,
        handle=handle,
        date_text=date_text or None,
        date=shown,
        posted_at=posted_at,
        text=text,
        links=links,
    )


def _shown_day(date_text: str) -> dt.date | None:
    return parse_date_text(date_text) or parse_date_text(TIME_OF_DAY.sub("", date_text))


def _tid_time(rkey: str, shown: dt.date | None) -> dt.datetime | None:
    moment = bluesky_time(rkey)
    if moment is None or shown is None:
        return moment
    return moment if abs(utc_day(moment) - shown) <= TIME_ZONE_SLACK else None


def _byline(node: LexborNode) -> tuple[str | None, str | None]:
    """`&mdash; Name (<a href=profile>@handle</a>)`: the name is the text before the profile link."""
    for anchor in node.css("a[href]"):
        if not PROFILE_URL.match(attr(anchor, "href") or ""):
            continue
        shown = plain_text(anchor)
        handle = shown[1:] if shown.startswith("@") else None
        before = anchor.prev
        name = plain_text(before).strip(BYLINE_DASH + " (").strip() if before is not None else ""
        return name or None, handle
    return None, None


def _text_and_links(node: LexborNode, rkey: str) -> tuple[str | None, tuple[str, ...]]:
    paragraph = node.css_first("p")
    if paragraph is None:
        return None, ()
    text = node_text(paragraph, exclude=_is_media_placeholder)
    links = tuple(href for href in node_links(paragraph) if not _links_to_post(href, rkey))
    return text, links


def _is_media_placeholder(node: LexborNode) -> bool:
    return node.tag == "a" and plain_text(node) == MEDIA_PLACEHOLDER


def _links_to_post(href: str, rkey: str) -> bool:
    match = POST_URL.match(href)
    return match is not None and match["rkey"] == rkey


DETECTOR = Detector(platform="bluesky", selector=SELECTOR, markers=MARKERS, parse=parse_node)
