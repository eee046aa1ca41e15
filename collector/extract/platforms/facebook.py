"""Facebook embeds: `div.fb-post` / `div.fb-video` with their XFBML fallback blockquote, and the
plugin iframes (`plugins/post.php?href=…`, `plugins/video.php?href=…`).

The fallback blockquote is what a reader sees without the SDK: the text (often cut with "…"),
then a localized byline, "Posted by <a profile>Name</a> on <a post>Wednesday, July 27, 2016</a>"
("Publicado por … en …", "Publiée par … sur …", tr "<a>Name</a> paylaştı: <a>9 Ocak 2017
Pazartesi</a>"); fb-video puts a title link first and leaves the date as plain text. The byline
is found by its link to the author's profile, not by its words. Facebook ids have no clock.

`url` is the embed target as given (`data-href`, else the blockquote's `cite`, else the iframe's
decoded `href=`); `post_id` its `fbid`/`story_fbid`/`v` parameter or last numeric path segment.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from urllib.parse import parse_qs

from selectolax.lexbor import LexborNode

from collector.extract.dates import parse_date_text
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import (
    WP_EMBED_MARKER,
    attr,
    classes,
    has_ancestor,
    iframe_src,
    plain_text,
    wp_embed_url,
)
from collector.extract.text import node_links, node_text
from collector.values import Post

WRAPPER_CLASSES = frozenset({"fb-post", "fb-video"})
FALLBACK_CLASS = "fb-xfbml-parse-ignore"
_PLUGINS = ("post.php", "video.php")
# Grouped with :is() under one tag: lexbor walks the tree once per top-level selector.
_PLUGIN_IFRAMES = ", ".join(f'[{key}*="/plugins/{name}"]' for key in ("src", "data-src") for name in _PLUGINS)
SELECTOR = (
    f".fb-post, .fb-video, blockquote.{FALLBACK_CLASS}, amp-facebook, figure.wp-block-embed-facebook, "
    f"iframe:is({_PLUGIN_IFRAMES})"
)
MARKERS = (
    b"fb-post",
    b"fb-video",
    FALLBACK_CLASS.encode(),
    b"amp-facebook",
    WP_EMBED_MARKER,
    b"/plugins/post.php",
    b"/plugins/video.php",
)
# amp-facebook shows a post unless told otherwise; "comment" embeds are comments, not posts.
AMP_POST_KINDS = frozenset({"", "post", "video"})

FACEBOOK_URL = re.compile(
    r"^(?:https?:)?//(?P<host>(?:[\w-]+\.)?facebook\.com)(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?",
    re.IGNORECASE,
)
PLUGIN_PATH = re.compile(r"^(?:/v[\d.]+)?/plugins/(?:post|video)\.php$")
# Query parameters that name the post: photo.php?fbid=, permalink.php?story_fbid=, watch/?v=.
ID_PARAMETERS = ("fbid", "story_fbid", "v")
# "1920722881385983", "1920722881385983:0" (an old suffix), or a new opaque "pfbid0…" id.
ID_SEGMENT = re.compile(r"^(?:(?P<number>\d+)(?::\d+)?|(?P<opaque>pfbid\w+))$")
# A video's own address: /{page}/videos/{id}/, /watch/?v=, /reel/{id}.
VIDEO_PATH = re.compile(r"facebook\.com/(?:[^?#]*/videos/|watch/?\?|reel/)", re.IGNORECASE)
# Connectives before a byline date are short lowercase words; weekday and month names are longer
# or capitalised ("Friday", "Jeudi"), day numbers are digits.
CONNECTIVE_MAX_LEN = 4
# First path segments that are Facebook's own pages, not a page or user name.
NOT_NAMES = frozenset(
    {
        "photo.php", "permalink.php", "story.php", "video.php", "profile.php", "watch", "groups",
        "pages", "people", "events", "plugins", "media", "reel", "share", "sharer", "sharer.php",
        "l.php", "hashtag", "notes", "photos", "videos", "posts", "login", "help", "story",
    }
)  # fmt: skip


def parse_node(node: LexborNode) -> list[Post]:
    tokens = classes(node)
    if not WRAPPER_CLASSES.isdisjoint(tokens):
        return _parse_wrapper(node)
    if node.tag == "blockquote" and FALLBACK_CLASS in tokens:
        # Only a fallback that lost its wrapper (the wrapper's own candidate reads it otherwise).
        return [] if has_ancestor(node, _is_wrapper) else _parse_fallback(node, attr(node, "cite"))
    if node.tag == "iframe":
        return [] if has_ancestor(node, _is_wrapper) else _parse_iframe(node)
    if node.tag == "amp-facebook" and (attr(node, "data-embed-as") or "").lower() in AMP_POST_KINDS:
        return _post_from_url(attr(node, "data-href"))
    if node.tag == "figure":
        return _post_from_url(wp_embed_url(node, "facebook"))
    return []


def _is_wrapper(node: LexborNode) -> bool:
    return not WRAPPER_CLASSES.isdisjoint(classes(node))


def _parse_wrapper(node: LexborNode) -> list[Post]:
    fallback = node.css_first(f".{FALLBACK_CLASS}")
    if fallback is not None and fallback.tag != "blockquote":
        # Embed code of ≈2014 wraps the blockquote in div.fb-xfbml-parse-ignore, or has none:
        # "<a>Post</a> by <a href=profile>Name</a>." (no text, no date).
        fallback = fallback.css_first("blockquote") or fallback
    target = attr(node, "data-href")
    if target is None and fallback is not None:
        target = attr(fallback, "cite")
    if fallback is None:
        return _post_from_url(target)
    if fallback.tag != "blockquote":
        return _byline_only(fallback, target)
    return _parse_fallback(fallback, target)


def _byline_only(fallback: LexborNode, url: str | None) -> list[Post]:
    posts = _post_from_url(url)
    author = _author_link(fallback)
    if not posts or author is None:
        return posts
    name = plain_text(author) or None
    handle = _name_in_url(attr(author, "href")) or posts[0].handle
    return [replace(posts[0], author_name=name, handle=handle)]


def _parse_iframe(node: LexborNode) -> list[Post]:
    match = FACEBOOK_URL.match(iframe_src(node) or "")
    if match is None or not PLUGIN_PATH.match(match["path"] or ""):
        return []
    query: str = match["query"] or ""
    target = parse_qs(query).get("href")
    return _post_from_url(target[0]) if target else []


def _post_from_url(url: str | None) -> list[Post]:
    post_id = _post_id(url)
    if url is None or post_id is None:
        return []
    return [Post(platform="facebook", post_id=post_id, url=url, handle=_name_in_url(url))]


def _parse_fallback(blockquote: LexborNode, url: str | None) -> list[Post]:
    post_id = _post_id(url) or _post_id(attr(blockquote, "cite"))
    if url is None or post_id is None:
        return []
    author = _author_link(blockquote)
    date_text, day = _byline_date(author) if author is not None else (None, None)
    blocks = _text_blocks(blockquote, author)
    texts = [text for block in blocks if (text := node_text(block))]
    own = {url, attr(blockquote, "cite")}
    return [
        Post(
            platform="facebook",
            post_id=post_id,
            url=url,
            author_name=(plain_text(author) or None) if author is not None else None,
            handle=(_name_in_url(attr(author, "href")) if author is not None else None) or _name_in_url(url),
            date_text=date_text,
            date=day,
            text="\n\n".join(texts) or None,
            links=tuple(href for block in blocks for href in node_links(block) if href not in own),
        )
    ]


def _post_id(url: str | None) -> str | None:
    match = FACEBOOK_URL.match(url or "")
    if match is None:
        return None
    query: str = match["query"] or ""
    parameters = parse_qs(query)
    for key in ID_PARAMETERS:
        value = parameters.get(key, [""])[0]
        if value.isdigit():
            return value
    for segment in reversed((match["path"] or "").split("/")):
        found = ID_SEGMENT.match(segment)
        if found:
            return found["number"] or found["opaque"]
    return None


def _name_in_url(url: str | None) -> str | None:
    """The page or user name in /{name}/… (None for photo.php, groups, graph.facebook.com ids)."""
    match = FACEBOOK_URL.match(url or "")
    if match is None or match["host"].lower().startswith("graph."):
        return None
    segments = [s for s in (match["path"] or "").split("/") if s]
    if not segments or segments[0].lower() in NOT_NAMES or segments[0].isdigit():
        return None
    return segments[0]


def _is_profile_url(href: str | None) -> bool:
    """A link to a page or person: one name segment, profile.php?id=, or /pages/{name}/{id}."""
    match = FACEBOOK_URL.match(href or "")
    if match is None:
        return False
    segments = [s for s in (match["path"] or "").split("/") if s]
    if segments and segments[0] in ("profile.php", "pages"):
        return True
    return len(segments) == 1 and segments[0].lower() not in NOT_NAMES


def _author_link(blockquote: LexborNode) -> LexborNode | None:
    """The byline's link to the author: the last profile link (links in the text come earlier)."""
    found = None
    for anchor in blockquote.css("a[href]"):
        if _is_profile_url(attr(anchor, "href")):
            found = anchor
    return found


def _byline_date(author: LexborNode) -> tuple[str | None, dt.date | None]:
    """The date after the author link: the next link's text, else the plain text after it."""
    sibling = author.next
    tail: list[str] = []
    while sibling is not None:
        if sibling.tag == "a":
            shown = plain_text(sibling)
            parsed = _date_after_words(shown, max_skipped=0)
            return (shown or None, parsed[1] if parsed else None)
        tail.append(sibling.text(deep=True))
        sibling = sibling.next
    rest = " ".join("".join(tail).replace("\u00a0", " ").split())
    parsed = _date_after_words(rest)
    return (parsed[0], parsed[1]) if parsed else (None, None)


def _date_after_words(text: str, max_skipped: int = 2) -> tuple[str, dt.date] | None:
    """The date at the end of a byline such as "on Friday, December 5, 2014" or "paylaştı: 9 Ocak 2017".

    Bylines put a localized connective before the date; rather than list every language's word
    for "on", drop up to `max_skipped` leading words until the rest parses as a date.
    """
    words = text.split()
    for skip in range(min(max_skipped, len(words) - 1) + 1):
        if skip < max_skipped and _is_connective(words[skip]):
            continue
        candidate = " ".join(words[skip:])
        day = parse_date_text(candidate)
        if day is not None:
            return candidate, day
    return None


def _is_connective(word: str) -> bool:
    """A byline word before the date ("on", "sur", "am", "en", "paylaştı:"), never part of it."""
    return (word.islower() and len(word) <= CONNECTIVE_MAX_LEN) or word.endswith(":")


def _text_blocks(blockquote: LexborNode, author: LexborNode | None) -> list[LexborNode]:
    """The blockquote's children before the byline: paragraphs, and fb-video's title link.

    A bare link before the byline is a video's title only when it links to a video; otherwise it
    is the "<a>Post</a> by <a>Name</a>." stand-in of embeds made without text.
    """
    blocks = []
    child = blockquote.child
    while child is not None:
        if author is not None and (child.mem_id == author.mem_id or _contains(child, author)):
            break
        if child.tag in ("p", "div") or (child.tag == "a" and VIDEO_PATH.search(attr(child, "href") or "")):
            blocks.append(child)
        child = child.next
    return blocks


def _contains(node: LexborNode, inner: LexborNode) -> bool:
    parent = inner.parent
    while parent is not None:
        if parent.mem_id == node.mem_id:
            return True
        parent = parent.parent
    return False


DETECTOR = Detector(platform="facebook", selector=SELECTOR, markers=MARKERS, parse=parse_node)
