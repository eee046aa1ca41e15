"""The classic embed blockquote (`twitter-tweet` / `twitter-video`) and CMS copies of it.

Text `<p lang>`, byline `— Name (@handle)`, date link to the status. WordPress may wrap the byline
in its own `<p>`; old embed code has no `lang` and uses `/statuses/`; CMS templates leave
link-only blockquotes whose anchor is empty, the URL itself or a placeholder ("Tweet may have
been deleted"); some CMSs copy the blockquote into a `div.twitter-tweet`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Callable

from selectolax.lexbor import LexborNode

from collector.extract.dates import parse_date_text
from collector.extract.platforms.markup import attr
from collector.extract.platforms.twitter.urls import (
    PROFILE_URL,
    STATUS_URL,
    TWEET_FORMS_INSIDE,
    TWEET_ID,
    is_tweet,
    make_post,
    status_id,
    status_parts,
)
from collector.extract.text import (
    BLOCK_SEPARATOR,
    COMMENT_TAG,
    TEXT_TAG,
    block_text,
    collapse_spaces,
    inline_pieces,
    inside,
    node_links,
    node_text,
)
from collector.values import Post

# The byline's handle: the *last* "(@handle)", because names may hold parentheses and emoji.
BYLINE_HANDLE = re.compile(r"\(\s*@(\w{1,50})\s*\)")
BYLINE_DASHES = "—–―"
ASCII_DASHES = "-~"
# Only spacing is trimmed off a name: display names may start or end with "-" or "~" or hold dashes.
NAME_TRIM = " \u00a0\n\t"
# An ASCII dash opening a byline: "text - Name (@handle)", the handle closing the text.
ASCII_DASH_BYLINE = re.compile(r"(?:^|(?<=\s))(?P<dash>--?|~)\s+(?=[^\n]*\(\s*@\w{1,50}\s*\)\s*$)")
ASCII_DASH = re.compile(r"(?:^|(?<=\s))(?P<dash>--?|~)\s+")
# A byline ends in "(@handle)" right before its date link.
BYLINE_END = re.compile(r"\(\s*@\w{1,50}\s*\)\s*$")
# Where a blockquote has no status link, the URL may sit in one of these attributes.
STATUS_ATTRIBUTES = ("cite", "data-url", "data-href")
# Stand-in texts CMSs put where a tweet could not be loaded; never the post's own words.
PLACEHOLDER = re.compile(
    r"^\W*(?:this )?(?:tweet|post) (?:may have been|was|has been) deleted\W*$"
    r"|^\W*(?:this )?(?:tweet|post) is (?:unavailable|not available)\W*$"
    r"|^\W*loading(?: (?:tweet|post))?\W*$"
    r"|^\W*(?:view|see|read) (?:this |the )?(?:tweet|post)(?: on (?:twitter|x))?\W*$"
    r"|^\W*(?:x|twitter) ?で(?:投稿|ツイート)を見る\W*$",
    re.IGNORECASE,
)
# A date link's text in a language the date parser does not know: a year, and short.
SHOWN_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MAX_DATE_TEXT = 40


def parse_blockquote(node: LexborNode) -> list[Post]:
    classic = parse_classic(node)
    return [classic] if classic is not None else parse_segments(node)


def parse_segments(node: LexborNode) -> list[Post]:
    """The general reading of a blockquote: one post per date link, each with the content
    between the previous embed's date link and its own."""
    anchors = date_anchors(node)
    if not anchors:
        return _parse_attributes_only(node)
    posts: list[Post] = []
    before: set[int] = set()
    for anchor in anchors:
        post = _parse_segment(node, anchor, before)
        if post is not None:
            posts.append(post)
        before |= _nodes_through(anchor, node)
    return posts


def date_anchors(node: LexborNode) -> list[LexborNode]:
    """The date link of each embed in this blockquote, usually one.

    The last status link is the date link, unless a site added its own link to the same status
    after it ("View on Twitter"): then the first link to that status that shows a date. An earlier
    status link counts too when a byline "(@handle)" runs right up to it and it names another
    status: authors sometimes paste two embeds into one blockquote. Links inside tweets nested in
    this one belong to those.
    """
    found = [
        anchor
        for anchor in node.css("a[href]")
        if status_parts(attr(anchor, "href") or "") and not inside(anchor, node, is_tweet)
    ]
    if len(found) <= 1:
        return found
    last_id = status_id(found[-1])
    same = [index for index, anchor in enumerate(found) if status_id(anchor) == last_id]
    dated = [index for index in same if anchor_date_text(found[index])]
    last = dated[0] if dated else same[-1]
    earlier = found[: same[0]]
    anchors = [a for a in earlier if _after_byline(a) and status_id(a) != last_id]
    return [*anchors, found[last]]


def _after_byline(anchor: LexborNode) -> bool:
    previous = anchor.prev
    return previous is not None and bool(BYLINE_END.search(previous.text_content or ""))


def _parse_segment(node: LexborNode, anchor: LexborNode, before: set[int]) -> Post | None:
    """One embed: the content between the previous embed's date link and this one's."""
    parts = status_parts(attr(anchor, "href") or "")
    if parts is None:
        return None
    after = _nodes_after(anchor, node)

    def hidden(candidate: LexborNode) -> bool:
        # Other embeds' content, this date link and whatever follows it, tweets nested inside.
        mem_id = candidate.mem_id
        return mem_id in after or mem_id in before or is_tweet(candidate)

    segment = _Segment(
        anchor=anchor,
        parts=parts,
        full_text=node_text(node, exclude=hidden) or "",
        links=node_links(node, exclude=hidden),
        lang=_text_lang(node, hidden),
    )
    return _segment_post(
        segment, lambda byline, handle: _profile_link_in_byline(node, hidden, byline, handle)
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Segment:
    """What one embed in a blockquote shows: its date link, the status it names, the visible text
    up to that link (text and byline), the links in it, and the text paragraph's lang."""

    anchor: LexborNode
    parts: tuple[str, str, str | None]
    full_text: str
    links: tuple[str, ...]
    lang: str | None


def _segment_post(segment: _Segment, profile_in_byline: Callable[[str, str], bool]) -> Post:
    url, post_id, user = segment.parts
    text, byline = _split_byline(segment.full_text)
    name, handle = _read_byline(byline)
    if handle is None and text is not None and PLACEHOLDER.match(text):
        text = None  # a CMS's stand-in ("Tweet may have been deleted"), not the post
    links = tuple(href for href in segment.links if not _own_link(href, post_id, None))
    # Some CMSs link the byline's "@handle" or name to the author's profile: not a text link.
    profile_linked = handle and any(_own_link(href, post_id, handle) for href in links)
    if profile_linked and profile_in_byline(byline, handle or ""):
        links = tuple(href for href in links if not _own_link(href, post_id, handle))
    return make_post(
        post_id,
        url=url,
        author_name=name,
        handle=handle or user,
        date_text=anchor_date_text(segment.anchor),
        text=text,
        links=links if text else (),
        lang=segment.lang,
    )


def parse_classic(node: LexborNode) -> Post | None:
    """The embed code's own shapes, read without the general walk; None for any other shape.

    The shapes: `<p>` text, the byline as plain text, the date link; the same with the byline
    and date link in a second `<p>` (WordPress); the date link alone (link-only copies), with
    nothing but text before it. Most embeds on real pages have one of them. The post is the
    general path's (parse_segments) by construction: the same text rules, byline and link
    logic, checked by tests/test_twitter_classic.py on every page we have.
    """
    shape = _classic_shape(node)
    if shape is None:
        return None
    paragraph, byline_holder, anchor = shape
    parts = status_parts(attr(anchor, "href") or "")
    pieces = inline_pieces(paragraph) if paragraph is not None else []
    links = node_links(paragraph) if paragraph is not None else ()
    if parts is None or pieces is None or any(status_parts(href) for href in links):
        return None  # a status link in the text: which link dates the embed is the general path's call
    segment = _Segment(
        anchor=anchor,
        parts=parts,
        full_text=_classic_text(node, paragraph, pieces, byline_holder, anchor),
        links=links,
        lang=_classic_lang(paragraph, byline_holder),
    )
    return _segment_post(
        segment,
        lambda shown, handle: (
            paragraph is not None and _profile_link_in_byline(paragraph, _never, shown, handle)
        ),
    )


def _classic_shape(node: LexborNode) -> tuple[LexborNode | None, LexborNode, LexborNode] | None:
    """(text paragraph, element holding the byline, date link) when node has a classic shape."""
    elements = _elements(node)
    tags = [element.tag for element in elements]
    if tags == ["a"]:
        return None, node, elements[0]
    if tags == ["p", "a"]:
        return elements[0], node, elements[1]
    if tags == ["p", "p"]:
        inner = _elements(elements[1])
        if len(inner) == 1 and inner[0].tag == "a":
            return elements[0], elements[1], inner[0]
    return None


def _elements(node: LexborNode) -> list[LexborNode]:
    return [child for child in node.iter() if child.tag not in (TEXT_TAG, COMMENT_TAG)]


def _classic_text(
    node: LexborNode,
    paragraph: LexborNode | None,
    pieces: list[str],
    byline_holder: LexborNode,
    anchor: LexborNode,
) -> str:
    """node_text up to the date link, by its rules: each block its own, loose text between them."""
    blocks: list[str] = []
    current: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == TEXT_TAG:
            current.append(collapse_spaces(child.text_content or ""))
        elif paragraph is not None and child.mem_id == paragraph.mem_id:
            blocks.extend((block_text(current), block_text(pieces)))
            current = []
        elif child.mem_id == byline_holder.mem_id or child.mem_id == anchor.mem_id:
            break
    if byline_holder.mem_id != node.mem_id:
        blocks.append(block_text(current))  # the byline paragraph starts a block
        current = [collapse_spaces(child.text_content or "") for child in _text_before(byline_holder, anchor)]
    blocks.append(block_text(current))
    return BLOCK_SEPARATOR.join(block for block in blocks if block)


def _text_before(holder: LexborNode, anchor: LexborNode) -> list[LexborNode]:
    found = []
    for child in holder.iter(include_text=True):
        if child.mem_id == anchor.mem_id:
            break
        if child.tag == TEXT_TAG:
            found.append(child)
    return found


def _classic_lang(paragraph: LexborNode | None, byline_holder: LexborNode) -> str | None:
    """_text_lang's answer: the first `<p lang>` (text paragraph, then byline paragraph)."""
    for candidate in (paragraph, byline_holder):
        if candidate is not None and candidate.tag == "p" and "lang" in candidate.attributes:
            return attr(candidate, "lang")
    return None


def _never(_node: LexborNode) -> bool:
    return False


def parse_div(node: LexborNode) -> list[Post]:
    """A `div.twitter-tweet`: the wrapper widgets.js renders into, or a CMS's copy of the embed.

    Only the copy is a post here, and only when it has the embed's shape (a status link and a
    byline or a text paragraph): a rendered wrapper's iframe or blockquote is its own candidate,
    and a wrapper with nothing but a "Read more" link is not a tweet.
    """
    if node.css_first(TWEET_FORMS_INSIDE) is not None:
        return []
    if node.css_first("p[lang]") is None and not BYLINE_HANDLE.search(node.text(deep=True)):
        return []
    return parse_blockquote(node)


def _own_link(href: str, post_id: str, author: str | None) -> bool:
    """A link to the post itself, or (when the byline links it) to its author's profile."""
    own = status_parts(href)
    if own is not None:
        return own[1] == post_id
    profile = PROFILE_URL.match(href)
    return author is not None and profile is not None and profile["user"].casefold() == author.casefold()


def _profile_link_in_byline(
    node: LexborNode, hidden: Callable[[LexborNode], bool], byline: str, handle: str
) -> bool:
    for anchor in node.css("a[href]"):
        profile = PROFILE_URL.match(attr(anchor, "href") or "")
        if profile is None or profile["user"].casefold() != handle.casefold():
            continue
        shown = node_text(anchor)
        if shown and shown in byline and not hidden(anchor):
            return True
    return False


def _parse_attributes_only(node: LexborNode) -> list[Post]:
    """A blockquote without a status link: the URL kept in an attribute, or as plain text."""
    for name in STATUS_ATTRIBUTES:
        parts = status_parts(attr(node, name) or "")
        if parts is not None:
            url, post_id, user = parts
            return [make_post(post_id, url=url, handle=user)]
    tweet_id = attr(node, "data-tweet-id") or ""
    if TWEET_ID.match(tweet_id):
        return [make_post(tweet_id)]
    return _parse_unlinked(node)


def _parse_unlinked(node: LexborNode) -> list[Post]:
    """A copy whose date link lost its <a>: "text — Name (@handle) https://twitter.com/…"."""
    full = node_text(node, exclude=is_tweet) or ""
    match = STATUS_URL.search(full)
    parts = status_parts(match.group()) if match else None
    if match is None or parts is None:
        return []
    url, post_id, user = parts
    # The URL and whatever shows after it (a date) end the embed, as the date link would.
    text, byline = _split_byline(full[: match.start()].rstrip())
    name, handle = _read_byline(byline)
    if handle is None and text is not None and PLACEHOLDER.match(text):
        text = None
    shown = full[match.end() :].strip()
    date_text = shown if shown and parse_date_text(shown) else None
    lang = _text_lang(node, is_tweet)
    return [
        make_post(
            post_id,
            url=url,
            author_name=name,
            handle=handle or user,
            date_text=date_text,
            text=text,
            lang=lang,
        )
    ]


def _nodes_after(anchor: LexborNode, root: LexborNode) -> set[int]:
    """The anchor and every node that follows it inside root (siblings of it and its parents)."""
    return _nodes_beside(anchor, root, forward=True)


def _nodes_through(anchor: LexborNode, root: LexborNode) -> set[int]:
    """The anchor and every node before it inside root, ancestors' earlier children included."""
    return _nodes_beside(anchor, root, forward=False)


def _nodes_beside(anchor: LexborNode, root: LexborNode, *, forward: bool) -> set[int]:
    hidden = {anchor.mem_id}
    current: LexborNode | None = anchor
    while current is not None and current.mem_id != root.mem_id:
        sibling = current.next if forward else current.prev
        while sibling is not None:
            hidden.add(sibling.mem_id)
            sibling = sibling.next if forward else sibling.prev
        current = current.parent
    return hidden


def _split_byline(full: str) -> tuple[str | None, str]:
    """Cut "— Name (@handle)" off the end of the blockquote's text: (post text, byline)."""
    cut = _byline_start(full)
    if cut < 0:
        return (full or None), ""
    tail = full[cut:]
    # A dash inside the tweet is not a byline unless the handle follows it or it opens a line.
    if not BYLINE_HANDLE.search(tail) and cut > 0 and full[cut - 1] != "\n":
        return (full or None), ""
    text = full[:cut].strip(" \n")
    return (text or None), tail


def _byline_start(full: str) -> int:
    """Where the byline's dash is: the dash opening the last line, else the last dash.

    The text paragraph is a block, so the byline starts its own line; taking the last dash there
    would cut inside a display name that holds one ("Ana — Lisboa") and leak "— Ana" into the text.
    Old embed code without a paragraph keeps text and byline on one line: then the last dash.
    """
    line_start = full.rfind("\n") + 1
    opening = len(full) - len(full[line_start:].lstrip(" "))
    if full[opening : opening + 1] in tuple(BYLINE_DASHES):
        return opening
    # Some CMSs and converters write the dash as "-" or "~": only where a handle closes the text.
    ascii_dash = ASCII_DASH_BYLINE.match(full, opening)
    if ascii_dash is not None:
        return opening
    last_dash = max(full.rfind(dash) for dash in BYLINE_DASHES)
    if last_dash >= 0 and BYLINE_HANDLE.search(full, last_dash):
        return last_dash
    # The lookahead is the same test for every dash of the last line: made once, not per dash
    # (which rescanned the line for each: quadratic in a line of dashes).
    if BYLINE_END.search(full, line_start):
        for ascii_dash in ASCII_DASH.finditer(full, line_start):
            last_dash = ascii_dash.start("dash")
    return last_dash


def _read_byline(byline: str) -> tuple[str | None, str | None]:
    # The byline opens with the one dash _split_byline cut at; the name is what follows it.
    if byline[:1] in tuple(BYLINE_DASHES):
        byline = byline[1:]
    elif byline[:1] in ASCII_DASHES:
        byline = byline.lstrip(ASCII_DASHES)
    handles = deque(BYLINE_HANDLE.finditer(byline), maxlen=1)  # the last only: a byline may hold 100k
    if not handles:
        name = byline.strip(NAME_TRIM)
        return (name or None), None
    last = handles[-1]
    name = byline[: last.start()].strip(NAME_TRIM)
    return (name or None), last[1]


def anchor_date_text(anchor: LexborNode) -> str | None:
    """The date link's text when it shows a date (not a URL or "Tweet may have been deleted")."""
    shown = node_text(anchor)
    if not shown or STATUS_URL.search(shown):
        return None
    if parse_date_text(shown):
        return shown
    # A dialog language whose month names we lack still shows a date: short, with a year in it.
    return shown if len(shown) <= MAX_DATE_TEXT and SHOWN_YEAR.search(shown) else None


def _text_lang(node: LexborNode, hidden: Callable[[LexborNode], bool]) -> str | None:
    """Twitter's detected language of the text paragraph; the blockquote's own lang is UI only."""
    for paragraph in node.css("p[lang]"):
        if not hidden(paragraph) and not inside(paragraph, node, hidden):
            return attr(paragraph, "lang")
    return None
