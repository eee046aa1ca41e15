"""What widgets.js leaves behind when a browser saves the rendered page, and AMP's embeds.

An iframe with `data-tweet-id` or `Tweet.html?id=`, or an empty `<twitter-widget data-tweet-id>`.
When the original blockquote survives beside it, the pair is one post and the blockquote speaks
for it. AMP `amp-twitter` / `bento-twitter` carry `data-tweetid`: an id, or (as AMP's own
cleanup accepts) a status URL, handle and URL read from it, or "ID?ref_src=…"; Qiita's tweet frames keep the
status URL percent-encoded in `data-content`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote_plus, urlsplit

from selectolax.lexbor import LexborNode

from collector.extract.platforms.markup import attr
from collector.extract.platforms.twitter.classic import date_anchors
from collector.extract.platforms.twitter.classless import is_classless_tweet
from collector.extract.platforms.twitter.urls import (
    TWEET_ID,
    is_tweet,
    make_post,
    status_id,
    status_parts,
)
from collector.values import Post

# Rendered widget iframes: platform.twitter.com/embed/Tweet.html?id=… (older: embed/index.html).
WIDGET_FRAME_PATH = re.compile(r"/embed/(?:Tweet|index)\.html$", re.IGNORECASE)
WIDGET_HOSTS = ("platform.twitter.com", "platform.x.com")
QIITA_TWEET_FRAME = "qiita.com/embed-contents/tweet"
# amp-twitter's data-tweetid as "ID?ref_src=twsrc%5Etfw" (amphtml 3p/twitter.js cleanupTweetId_).
AMP_ID_WITH_QUERY = re.compile(r"^(?P<id>\d{1,20})\?ref")
# How far around a rendered widget to look for the original blockquote it replaced: its parent,
# then a theme's or CMS's wrappers (a WordPress block is a figure and a div).
TWIN_SEARCH_DEPTH = 4
TWIN_SIBLINGS = 3


def parse_widget(node: LexborNode) -> list[Post]:
    if QIITA_TWEET_FRAME in (attr(node, "src") or ""):
        return _parse_qiita(node)
    post_id = _widget_id(node)
    if post_id is None or _has_twin_blockquote(node, post_id):
        return []
    return [make_post(post_id)]


def _widget_id(node: LexborNode) -> str | None:
    tweet_id = attr(node, "data-tweet-id") or ""
    if TWEET_ID.match(tweet_id):
        return tweet_id
    if node.tag != "iframe":
        return None
    src = urlsplit(attr(node, "src") or "")
    if src.hostname not in WIDGET_HOSTS or not WIDGET_FRAME_PATH.search(src.path):
        return None  # share and follow buttons live under /widgets/, not /embed/
    ids = parse_qs(src.query).get("id", [])
    return ids[0] if ids and TWEET_ID.match(ids[0]) else None


def _parse_qiita(node: LexborNode) -> list[Post]:
    """Qiita's tweet frame keeps the status URL percent-encoded in data-content."""
    parts = status_parts(unquote_plus(attr(node, "data-content") or ""))
    if parts is None:
        return []
    url, post_id, user = parts
    return [make_post(post_id, url=url, handle=user)]


def _has_twin_blockquote(node: LexborNode, post_id: str) -> bool:
    """True when the original blockquote of this rendered widget survives next to it."""
    current: LexborNode | None = node
    for _ in range(TWIN_SEARCH_DEPTH):
        if current is None:
            return False
        for sibling in _near_siblings(current):
            for quote in _tweets_in(sibling):
                if any(status_id(anchor) == post_id for anchor in date_anchors(quote)):
                    return True
        current = current.parent
    return False


def _near_siblings(node: LexborNode) -> list[LexborNode]:
    """Up to TWIN_SIBLINGS element siblings on each side (widgets.js inserts the widget before)."""
    found: list[LexborNode] = []
    for forward in (True, False):
        sibling = node.next if forward else node.prev
        count = 0
        while sibling is not None and count < TWIN_SIBLINGS:
            if sibling.tag and not sibling.tag.startswith("-"):
                found.append(sibling)
                count += 1
            sibling = sibling.next if forward else sibling.prev
    return found


def _tweets_in(node: LexborNode) -> list[LexborNode]:
    """Tweet blockquotes in or at node: with the embed class, or without it (classless)."""
    quotes = [node] if node.tag == "blockquote" else node.css("blockquote")
    return [quote for quote in quotes if is_tweet(quote) or is_classless_tweet(quote)]


def parse_amp(node: LexborNode) -> list[Post]:
    # A placeholder blockquote inside carries the full embed and is parsed on its own.
    if _tweets_in(node):
        return []
    value = attr(node, "data-tweetid") or ""
    if TWEET_ID.match(value):
        return [make_post(value)]
    # AMP's cleanupTweetId_ also takes a status URL (which the validator allows) or "ID?ref_src=…".
    parts = status_parts(value)
    if parts is not None:
        url, post_id, user = parts
        return [make_post(post_id, url=url, handle=user)]
    with_query = AMP_ID_WITH_QUERY.match(value)
    return [make_post(with_query["id"])] if with_query else []
