"""Tombstones: what saved pages show in place of a deleted, suspended, withheld or hidden post.

widgets.js leaves a deleted tweet's embed code as it was, so most tombstones in saved pages come
from elsewhere (research notes and sources: docs/design-records.md):
- the platform's own pages and frames, saved (SingleFile, "Save page complete"): x.com status
  pages (a conversation cell holding "This Post was deleted by the Post author. Learn more"),
  Bluesky's embed frame ("Post not found, it may have been deleted.", kept in `srcdoc`),
  Facebook's post plugin ("This content isn't available right now");
- third-party renderers: vercel/react-tweet's TweetNotFound box, Nitter's `unavailable-box`,
  OldTwitter-style clients' `tweet-warning`, old twitter.com's `Tombstone-label`;
- CMS placeholders inside the embed ("Tweet may have been deleted", Mashable's CMS);
- text copies of any of these, where the notice and the post's address share a paragraph.

A tombstone counts only when it is attached to a post: a status URL, id or post address inside
its box, the box's own id attribute, a caption right below it, or (x.com) the status page's own
address for the conversation's first cell. Notices without one are left alone: no post is
invented. X's public-interest interstitial ("…may be in the public's interest for the Tweet to
remain accessible") sits over a live post and is no tombstone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.guards import check_nesting
from collector.extract.platforms.markup import attr, classes
from collector.extract.platforms.twitter.urls import make_post, status_parts
from collector.extract.text import node_text
from collector.values import Post

# Notice texts, case-insensitive, "Tweet" and "Post" wordings alike; a status per family
# (collector.values.STATUSES). Sources: docs/design-records.md.
_TWEET = r"(?:tweet|post|ツイート|ポスト)"
NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "deleted",
        re.compile(
            rf"\b{_TWEET} (?:was|has been|may have been) deleted\b"
            rf"|deleted by (?:the|its) (?:{_TWEET} )?author|\bpost not found, it may have been deleted",
            re.IGNORECASE,
        ),
    ),
    ("suspended", re.compile(r"\bfrom a suspended account\b|被冻结的账号", re.IGNORECASE)),
    ("withheld", re.compile(r"\bhas been withheld\b|\bwithheld in response to a report\b", re.IGNORECASE)),
    (
        "protected",
        re.compile(rf"\blimits who can view their {_TWEET}s\b|\b{_TWEET}s are protected\b", re.IGNORECASE),
    ),
    (
        "unavailable",
        re.compile(
            rf"\b(?:this|the) {_TWEET} is unavailable\b|\b{_TWEET} not found\b"
            rf"|\bembedded {_TWEET} could not be found\b|\bisn[’']t available (?:right now|at the moment)\b"
            r"|\bfrom an account that no longer exists\b|\bonly available to the subscribers\b"
            r"|\bage-restricted adult content\b|\brequested their posts not be displayed on external sites\b"
            r"|\bviolated the (?:twitter|x) rules\b|\bthis page isn[’']t available\b"
            rf"|この{_TWEET}は表示できません|\bce (?:tweet|post) n[’']est pas disponible\b"
            r"|\bcette publication n[’']est pas disponible\b|\beste tweet no está disponible\b",
            re.IGNORECASE,
        ),
    ),
)
# Every notice above holds one of these (lower case): a cheap test before the patterns.
NOTICE_WORDS = (
    "deleted",
    "suspended",
    "withheld",
    "unavailable",
    "not found",
    "available",
    "limits who",
    "protected",
    "no longer exists",
    "age-restricted",
    "violated",
    "external sites",
    "disponible",
    "表示できません",
    "被冻结",
)
# X's interstitial over a live post that breaks a rule but stays up: not a tombstone.
INTERSTITIAL = re.compile(r"\bremain accessible\b", re.IGNORECASE)
# A notice is a short box: longer text is prose that talks about notices.
MAX_NOTICE_CHARS = 400
# The boxes of the renderers above; page.py adds this list to its one CSS query.
BOX_SELECTOR = ", ".join(
    (
        "div[data-testid='cellInnerDiv']",  # x.com conversation cell
        "div:is(.unavailable-box, .tweet-warning, .Tombstone, .tombstone)",  # Nitter, OldTwitter, twitter.com
        "div[class^='tweet-not-found']",  # react-tweet (CSS-module class: tweet-not-found_root__…)
        ":is(li, div)[data-item-type='tweet']",  # an old twitter.com stream item, told without classes
    )
)
_BOX_CLASSES = frozenset({"unavailable-box", "tweet-warning", "Tombstone", "tombstone"})
_CELL = "cellInnerDiv"
_ITEM_TYPE = "data-item-type"
# Byte markers for the page prefilter: pages holding such boxes hold one of these (X's "Learn
# more" link, the boxes' own attribute values and class names). Values only, never an attribute's
# name or quotes, which other tools write in other cases and quotes.
BOX_MARKERS = (
    b"notices-on-twitter",
    b"cellInnerDiv",
    b"tweet-warning",
    b"tweet-not-found",
    b"tweet-body",
    b"unavailable-box",
    b"Tombstone",
    b"tombstone",
)
# Where a box's post address may sit: its nearest container of these, searched up to CLIMB levels.
CONTAINER_CLASSES = frozenset({"react-tweet-theme", "timeline-item", "stream-item", "tweet"})
ID_ATTRIBUTES = ("data-tweet-id", "data-item-id")
CLIMB = 5
STOP_TAGS = frozenset({"body", "main", "html"})
# A caption written right below an embed (WordPress, CMS figures, react-tweet pages).
CAPTION_CLASSES = frozenset({"caption", "wp-caption-text", "wp-element-caption"})
# x.com's own markup links posts by path: /{user}/status/{id}.
X_ORIGIN = "https://x.com"


def notice_status(text: str | None) -> str | None:
    """The status a notice text says (deleted, suspended…), None for any other text."""
    if not text or len(text) > MAX_NOTICE_CHARS or not _has_notice_word(text) or INTERSTITIAL.search(text):
        return None
    for status, pattern in NOTICES:
        if pattern.search(text):
            return status
    return None


def candidate_status(node: LexborNode) -> str | None:
    """An embed's tombstone status: a notice in its text, or in a saved frame's `srcdoc`.

    Asked only of embeds that show no post text (a live post's text may quote a notice).
    """
    status = notice_status(_short_text(node))
    if status is not None:
        return status
    # The embed's few elements walked, not a CSS query compiled for each embed.
    for frame in node.traverse():
        if frame.tag != "iframe":
            continue
        document = attr(frame, "srcdoc")
        if document and "<" in document:
            check_nesting(document)
            body = LexborHTMLParser(document).body
            status = notice_status(node_text(body) if body is not None else None)
            if status is not None:
                return status
    return None


def _has_notice_word(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in NOTICE_WORDS)


def _short_text(node: LexborNode) -> str | None:
    """The reader text of a node that may be a notice (lexbor's text tested first: most are not)."""
    raw = node.text(deep=True)
    if not raw or len(raw) > MAX_NOTICE_CHARS * 2 or not _has_notice_word(raw):
        return None
    return node_text(node)


def is_box(node: LexborNode) -> bool:
    """A renderer's tombstone box (BOX_SELECTOR), told without a CSS query."""
    if node.tag == "li" or (node.tag == "div" and attr(node, _ITEM_TYPE) == "tweet"):
        return _is_bare_stream_item(node)
    if node.tag != "div":
        return False
    if attr(node, "data-testid") == _CELL:
        return True
    names = classes(node)
    return bool(_BOX_CLASSES.intersection(names)) or any(name.startswith("tweet-not-found") for name in names)


def _is_bare_stream_item(node: LexborNode) -> bool:
    """An old twitter.com stream item (`data-item-type="tweet"`) is a box when nothing else in it
    is: its inner `Tombstone` box, where the classes are kept, stands for it. One holding a
    tweet's text (a `lang` paragraph) is a live tweet, never a notice."""
    if attr(node, _ITEM_TYPE) != "tweet":
        return False
    inner = node.traverse()
    next(inner, None)  # the item itself
    return not any((n.tag == "p" and attr(n, "lang")) or (n.tag == "div" and is_box(n)) for n in inner)


def is_cell(node: LexborNode) -> bool:
    return attr(node, "data-testid") == _CELL


def box_tombstone(box: LexborNode, tree: LexborHTMLParser, *, first_cell: bool) -> tuple[Post, str] | None:
    """The post a tombstone box stands for and its status; None when the box holds no notice or
    is attached to no post. `first_cell`: the box is an x.com conversation's first cell, which
    is the status page's own post."""
    if is_cell(box) and box.css_first("article") is not None:
        return None  # a cell holding a post (an interstitial over it or not) is that post
    status = notice_status(node_text(box))
    if status is None:
        return None
    post = _box_post(box)
    if post is None and first_cell and is_cell(box):
        post = _page_post(tree)
    return (post, status) if post is not None else None


def _box_post(box: LexborNode) -> Post | None:
    """The post a box is attached to: an id attribute or one status link in its container, or
    one in a caption right below the container."""
    container = box_container(box)
    relative = is_cell(container)
    found = _one_status(container, relative)
    for name in ID_ATTRIBUTES:
        value = attr(container, name)
        if value and value.isdigit():
            return _tweet(value, found)
    if found is None:
        caption = _caption_below(container)
        if caption is not None:
            found = _one_status(caption, relative=False)
    return _tweet(found[1], found) if found else None


def _caption_below(container: LexborNode) -> LexborNode | None:
    """The caption right below the container, or below the wrappers (a theme's or CMS's `div`,
    `figure`) that hold nothing after it, up to CLIMB levels."""
    node = container
    for _ in range(CLIMB):
        after = node.next
        # Blank text, and a wrapper's own caption that names no post ("Embedded post"), pass.
        while after is not None and (
            (after.tag == "-text" and not (after.text_content or "").strip())
            or (_is_caption(after) and _one_status(after, relative=False) is None)
        ):
            after = after.next
        if after is not None:
            return after if _is_caption(after) else None
        parent = node.parent
        if parent is None or parent.tag in STOP_TAGS:
            return None
        node = parent
    return None


def _is_caption(node: LexborNode) -> bool:
    return node.tag == "figcaption" or bool(CAPTION_CLASSES.intersection(classes(node)))


def box_container(box: LexborNode) -> LexborNode:
    """The element a box stands in for: its conversation cell, card or stream item."""
    node = box
    for _ in range(CLIMB):
        if is_cell(node) or CONTAINER_CLASSES.intersection(classes(node)):
            return node
        if any(attr(node, name) for name in ID_ATTRIBUTES):
            return node
        parent = node.parent
        if parent is None or parent.tag in STOP_TAGS:
            break
        node = parent
    return box


def _one_status(node: LexborNode, relative: bool) -> tuple[str, str, str | None] | None:
    """The status link inside node when all its status links name one post (`relative`: x.com's
    own markup, whose links are paths)."""
    found = []
    for anchor in node.css("a[href]"):
        href = attr(anchor, "href") or ""
        if relative and href.startswith("/") and not href.startswith("//"):
            href = X_ORIGIN + href
        parts = status_parts(href)
        if parts is not None:
            found.append(parts)
    return found[0] if found and len({parts[1] for parts in found}) == 1 else None


def _page_post(tree: LexborHTMLParser) -> Post | None:
    """The post of a saved x.com status page: its canonical (or og:url) address."""
    for selector in ("link[rel='canonical']", "meta[property='og:url']"):
        node = tree.css_first(selector)
        href = (attr(node, "href") or attr(node, "content")) if node is not None else None
        parts = status_parts(href or "")
        if parts is not None:
            return _tweet(parts[1], parts)
    return None


def _tweet(post_id: str, parts: tuple[str, str, str | None] | None) -> Post:
    same = parts is not None and parts[1] == post_id
    url, user = (parts[0], parts[2]) if parts is not None and same else (None, None)
    return make_post(post_id, url=url, handle=user)


# --- text copies -----------------------------------------------------------------------------

# A status address written out in a text copy (lynx, Markdown, copy and paste).
TEXT_STATUS = re.compile(
    r"(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/\w{1,50}/status(?:es)?/\d{1,20}"
)


def text_tombstones(paragraphs: list[tuple[str, tuple[str, ...]]]) -> Iterator[tuple[int, Post, str]]:
    """(paragraph index, post, status) for paragraphs of a text or Markdown copy that hold a
    notice and the address of one post (as text, or as a link's target)."""
    for index, (text, hrefs) in enumerate(paragraphs):
        status = notice_status(text)
        if status is None:
            continue
        found = {
            parts[1]: parts
            for address in (*TEXT_STATUS.findall(text), *hrefs)
            if (parts := status_parts(address if "//" in address else f"https://{address}"))
        }
        if len(found) == 1:
            post_id, parts = next(iter(found.items()))
            yield index, _tweet(post_id, parts), status
