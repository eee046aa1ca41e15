"""Twitter / X embeds in every form real saved pages show (see ../shared/EMBEDS.md, section 2.1).

- The classic blockquote (`twitter-tweet` / `twitter-video`): text `<p lang>`, byline
  `— Name (@handle)`, date link to the status. WordPress may wrap the byline in its own `<p>`;
  old embed code has no `lang` and uses `/statuses/`; CMS templates leave link-only blockquotes
  whose anchor is empty, the URL itself or a placeholder ("Tweet may have been deleted").
- What widgets.js leaves behind when a browser saves the rendered page: an iframe with
  `data-tweet-id` or `Tweet.html?id=`, or an empty `<twitter-widget data-tweet-id>`. When the
  original blockquote survives beside it, the pair is one post and the blockquote speaks for it.
- AMP `amp-twitter` / `bento-twitter` (`data-tweetid`), WordPress embed figures whose oEmbed
  failed (only the bare status URL), note.com figures, Qiita's tweet frames, and Substack tweet
  cards.

Not posts: timelines, share/follow buttons, a `div.twitter-tweet` without a tweet inside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs, unquote_plus, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.clocks import twitter_time
from collector.dates import parse_date_text
from collector.guards import check_nesting
from collector.platforms.base import Detector
from collector.posts import Post, Quoted
from collector.text import (
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

PLATFORM = "twitter"
# Grouped by tag with :is(): lexbor matches a short list much faster than one entry per form.
# Qiita's frames need no entry: extract's consent-wrapper selector ([data-content]) brings them.
SELECTOR = ", ".join(
    (
        "blockquote:is(.twitter-tweet, .twitter-video)",
        "div:is(.twitter-tweet, .tweet, .twitter-embed)",
        "iframe:is([data-tweet-id], [id^='twitter-widget-'])",
        "twitter-widget",
        "amp-twitter",
        "bento-twitter",
        "figure:is(.wp-block-embed-twitter, [embedded-service='twitter'])",
    )
)
MARKERS = (
    b"twitter-tweet",
    b"twitter-video",
    b"twitter-widget",
    b"data-tweet-id",
    b"amp-twitter",
    b"bento-twitter",
    b"wp-block-embed-twitter",
    b'embedded-service="twitter"',
    b'class="tweet"',
    b"twitter-embed",
    b"embed-contents/tweet",
)

# A status permalink on any of Twitter's hosts and path forms: /{user}/status/{id},
# legacy /statuses/, /i/web/status/{id} and the old hash-bang /#!/{user}/status/{id}.
STATUS_URL = re.compile(
    r"(?:https?:)?//(?:www\.|mobile\.|m\.)?(?P<host>twitter\.com|x\.com)/(?:#!/)?"
    r"(?:(?P<web>i(?:/web)?)/status|(?P<user>\w{1,50})/status(?:es)?)/(?P<id>\d{1,20})(?!\d)",
    re.IGNORECASE,
)
# The byline's handle: the *last* "(@handle)", because names may hold parentheses and emoji.
BYLINE_HANDLE = re.compile(r"\(\s*@(\w{1,50})\s*\)")
BYLINE_DASHES = "—–―"
ASCII_DASHES = "-~"
# Only spacing is trimmed off a name: display names may start or end with "-" or "~" or hold dashes.
NAME_TRIM = " \u00a0\n\t"
# A profile link: /{user} on a Twitter host, nothing after it but a query or fragment.
PROFILE_URL = re.compile(
    r"^(?:https?:)?//(?:www\.|mobile\.|m\.)?(?:twitter\.com|x\.com)/(?P<user>\w{1,50})/?(?:[?#].*)?$",
    re.IGNORECASE,
)
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
TWEET_ID = re.compile(r"^\d{1,20}$")
# A date link's text in a language the date parser does not know: a year, and short.
SHOWN_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MAX_DATE_TEXT = 40
# Rendered widget iframes: platform.twitter.com/embed/Tweet.html?id=… (older: embed/index.html).
WIDGET_FRAME_PATH = re.compile(r"/embed/(?:Tweet|index)\.html$", re.IGNORECASE)
WIDGET_HOSTS = ("platform.twitter.com", "platform.x.com")
QIITA_TWEET_FRAME = "qiita.com/embed-contents/tweet"
TWEET_BLOCKQUOTES = "blockquote.twitter-tweet, blockquote.twitter-video"
# Embed forms that are candidates of their own when they sit inside a wrapper.
TWEET_FORMS_INSIDE = "blockquote, iframe, twitter-widget, amp-twitter, bento-twitter"
# How far around a rendered widget to look for the original blockquote it replaced.
TWIN_SEARCH_DEPTH = 3
TWIN_SIBLINGS = 3
# created_at in Twitter's v1.1 API, which Substack copies into its card JSON.
API_DATE_FORMAT = "%a %b %d %H:%M:%S %z %Y"
SUBSTACK_TEXT_SKIP = (
    "tweet-header",
    "tweet-footer",
    "quote-tweet",
    "expanded-link",
    "tweet-photos-container",
    "tweet-link-bottom",
)


def parse_node(node: LexborNode) -> list[Post]:
    """Posts for one candidate node; [] when the node is not a tweet embed of ours."""
    tag = node.tag
    classes = _classes(node)
    if tag == "blockquote" and ("twitter-tweet" in classes or "twitter-video" in classes):
        return _parse_blockquote(node)
    if tag == "div" and "twitter-tweet" in classes:
        return _parse_div(node)
    if tag in ("iframe", "twitter-widget"):
        return _parse_widget(node)
    if tag in ("amp-twitter", "bento-twitter"):
        return _parse_amp(node)
    if tag == "figure":
        return _parse_figure(node)
    if tag == "div" and ("tweet" in classes or "twitter-embed" in classes):
        return _parse_card(node)
    return []


# --- shared pieces -------------------------------------------------------------------------


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split()


def _attr(node: LexborNode, name: str) -> str:
    return (node.attributes.get(name) or "").strip()


def status_parts(href: str) -> tuple[str, str, str | None] | None:
    """(normalised URL, id, user as written) for a status permalink, else None.

    The URL keeps the host (twitter.com or x.com, without www/mobile) and the user as written,
    drops query and fragment, and turns /statuses/ into /status/ (corpus README rules).
    """
    match = STATUS_URL.search(href)
    if match is None:
        return None
    host = match["host"].lower()
    post_id = match["id"]
    if match["web"] is not None:
        return f"https://{host}/{match['web']}/status/{post_id}", post_id, None
    user = match["user"]
    return f"https://{host}/{user}/status/{post_id}", post_id, user


def _is_tweet(node: LexborNode) -> bool:
    if node.tag != "blockquote":
        return False  # most nodes: no need to split a class attribute
    classes = _classes(node)
    return "twitter-tweet" in classes or "twitter-video" in classes


def _post(
    post_id: str,
    *,
    url: str | None = None,
    author_name: str | None = None,
    handle: str | None = None,
    date_text: str | None = None,
    text: str | None = None,
    links: tuple[str, ...] = (),
    lang: str | None = None,
    quoted: Quoted | None = None,
) -> Post:
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        url=url,
        author_name=author_name or None,
        handle=handle or None,
        date_text=date_text or None,
        date=parse_date_text(date_text) if date_text else None,
        posted_at=twitter_time(post_id),
        text=text,
        links=links,
        lang=lang,
        quoted=quoted,
    )


# --- classic blockquote --------------------------------------------------------------------


def _parse_blockquote(node: LexborNode) -> list[Post]:
    classic = parse_classic(node)
    return [classic] if classic is not None else parse_segments(node)


def parse_segments(node: LexborNode) -> list[Post]:
    """The general reading of a blockquote: one post per date link, each with the content
    between the previous embed's date link and its own."""
    anchors = _date_anchors(node)
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


def _date_anchors(node: LexborNode) -> list[LexborNode]:
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
        if status_parts(_attr(anchor, "href")) and not inside(anchor, node, _is_tweet)
    ]
    if len(found) <= 1:
        return found
    last_id = _status_id(found[-1])
    same = [index for index, anchor in enumerate(found) if _status_id(anchor) == last_id]
    dated = [index for index in same if _date_text(found[index])]
    last = dated[0] if dated else same[-1]
    earlier = found[: same[0]]
    anchors = [a for a in earlier if _after_byline(a) and _status_id(a) != last_id]
    return [*anchors, found[last]]


def _after_byline(anchor: LexborNode) -> bool:
    previous = anchor.prev
    return previous is not None and bool(BYLINE_END.search(previous.text_content or ""))


def _status_id(anchor: LexborNode) -> str | None:
    parts = status_parts(_attr(anchor, "href"))
    return parts[1] if parts else None


def _parse_segment(node: LexborNode, anchor: LexborNode, before: set[int]) -> Post | None:
    """One embed: the content between the previous embed's date link and this one's."""
    parts = status_parts(_attr(anchor, "href"))
    if parts is None:
        return None
    after = _nodes_after(anchor, node)

    def hidden(candidate: LexborNode) -> bool:
        # Other embeds' content, this date link and whatever follows it, tweets nested inside.
        mem_id = candidate.mem_id
        return mem_id in after or mem_id in before or _is_tweet(candidate)

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
    return _post(
        post_id,
        url=url,
        author_name=name,
        handle=handle or user,
        date_text=_date_text(segment.anchor),
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
    parts = status_parts(_attr(anchor, "href"))
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
            return _attr(candidate, "lang") or None
    return None


def _never(_node: LexborNode) -> bool:
    return False


def _parse_div(node: LexborNode) -> list[Post]:
    """A `div.twitter-tweet`: the wrapper widgets.js renders into, or a CMS's copy of the embed.

    Only the copy is a post here, and only when it has the embed's shape (a status link and a
    byline or a text paragraph): a rendered wrapper's iframe or blockquote is its own candidate,
    and a wrapper with nothing but a "Read more" link is not a tweet.
    """
    if node.css_first(TWEET_FORMS_INSIDE) is not None:
        return []
    if node.css_first("p[lang]") is None and not BYLINE_HANDLE.search(node.text(deep=True)):
        return []
    return _parse_blockquote(node)


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
        profile = PROFILE_URL.match(_attr(anchor, "href"))
        if profile is None or profile["user"].casefold() != handle.casefold():
            continue
        shown = node_text(anchor)
        if shown and shown in byline and not hidden(anchor):
            return True
    return False


def _parse_attributes_only(node: LexborNode) -> list[Post]:
    """A blockquote without a status link: the URL kept in an attribute, or as plain text."""
    for name in STATUS_ATTRIBUTES:
        parts = status_parts(_attr(node, name))
        if parts is not None:
            url, post_id, user = parts
            return [_post(post_id, url=url, handle=user)]
    tweet_id = _attr(node, "data-tweet-id")
    if TWEET_ID.match(tweet_id):
        return [_post(tweet_id)]
    return _parse_unlinked(node)


def _parse_unlinked(node: LexborNode) -> list[Post]:
    """A copy whose date link lost its <a>: "text — Name (@handle) https://twitter.com/…"."""
    full = node_text(node, exclude=_is_tweet) or ""
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
    lang = _text_lang(node, _is_tweet)
    return [
        _post(
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


def _date_text(anchor: LexborNode) -> str | None:
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
            return _attr(paragraph, "lang") or None
    return None


# --- rendered widgets and AMP --------------------------------------------------------------


def _parse_widget(node: LexborNode) -> list[Post]:
    if QIITA_TWEET_FRAME in _attr(node, "src"):
        return _parse_qiita(node)
    post_id = _widget_id(node)
    if post_id is None or _has_twin_blockquote(node, post_id):
        return []
    return [_post(post_id)]


def _widget_id(node: LexborNode) -> str | None:
    tweet_id = _attr(node, "data-tweet-id")
    if TWEET_ID.match(tweet_id):
        return tweet_id
    if node.tag != "iframe":
        return None
    src = urlsplit(_attr(node, "src"))
    if src.hostname not in WIDGET_HOSTS or not WIDGET_FRAME_PATH.search(src.path):
        return None  # share and follow buttons live under /widgets/, not /embed/
    ids = parse_qs(src.query).get("id", [])
    return ids[0] if ids and TWEET_ID.match(ids[0]) else None


def _parse_qiita(node: LexborNode) -> list[Post]:
    """Qiita's tweet frame keeps the status URL percent-encoded in data-content."""
    parts = status_parts(unquote_plus(_attr(node, "data-content")))
    if parts is None:
        return []
    url, post_id, user = parts
    return [_post(post_id, url=url, handle=user)]


def _has_twin_blockquote(node: LexborNode, post_id: str) -> bool:
    """True when the original blockquote of this rendered widget survives next to it."""
    current: LexborNode | None = node
    for _ in range(TWIN_SEARCH_DEPTH):
        if current is None:
            return False
        for sibling in _near_siblings(current):
            for quote in _tweets_in(sibling):
                if any(_status_id(anchor) == post_id for anchor in _date_anchors(quote)):
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
    if _is_tweet(node):
        return [node]
    return list(node.css(TWEET_BLOCKQUOTES))


def _parse_amp(node: LexborNode) -> list[Post]:
    # A placeholder blockquote inside carries the full embed and is parsed on its own.
    if node.css_first(TWEET_BLOCKQUOTES) is not None:
        return []
    post_id = _attr(node, "data-tweetid")
    return [_post(post_id)] if TWEET_ID.match(post_id) else []


# --- CMS carriers --------------------------------------------------------------------------


def _parse_figure(node: LexborNode) -> list[Post]:
    """WordPress embed figure whose oEmbed failed (bare URL), or note.com's figure."""
    if node.css_first(TWEET_FORMS_INSIDE) is not None:
        return []  # the embed inside is its own candidate
    places = [_attr(node, "data-src"), *(_attr(a, "href") for a in node.css("a[href]"))]
    for place in [*places, node.text(deep=True)]:
        parts = status_parts(place) if place else None
        if parts is not None:
            url, post_id, user = parts
            return [_post(post_id, url=url, handle=user)]
    return []


def _parse_card(node: LexborNode) -> list[Post]:
    """Substack's tweet card: header (name, @handle), text, optional quote card, date footer.

    The visible card is read first. Cards saved before the client rendered them (Substack's
    `twitter-embed` with only `data-attrs`) are read from that JSON instead; its `date` is the
    tweet's UTC time, not a shown date, so it gives `date` but no `date_text`.
    """
    if node.css_first(TWEET_FORMS_INSIDE) is not None:
        return []  # a site's wrapper around a real embed, which is its own candidate
    data = _card_data(node)
    parts = status_parts(str(data.get("url") or ""))
    if parts is None:
        anchor = node.css_first("a[href]")
        parts = status_parts(_attr(anchor, "href")) if anchor is not None else None
    if parts is None:
        return []
    url, post_id, user = parts
    name = _first_text(node, ".tweet-author-name")
    handle = (_first_text(node, ".tweet-author-handle, .tweet-author") or "").lstrip("@")
    text_node = node.css_first(".tweet-text")

    def skip(candidate: LexborNode) -> bool:
        return any(cls in SUBSTACK_TEXT_SKIP for cls in _classes(candidate))

    if text_node is not None:
        text = node_text(text_node)
    elif node.css_first(".tweet-header") is not None:
        # Old Substack markup: the text is loose inside the card, between header and footer.
        text = node_text(node, exclude=skip)
    else:
        text = None  # a site's own wrapper with a link in it: no card text to read
    if not (name or handle or text) and data:
        return [_card_from_data(data, post_id, url, user)]
    links = tuple(
        href
        for href in _card_links(node, text_node)
        if (own := status_parts(href)) is None or own[1] != post_id
    )
    return [
        _post(
            post_id,
            url=url,
            author_name=name or _str(data.get("name")),
            handle=handle or _str(data.get("username")) or user,
            date_text=_first_text(node, ".tweet-date"),
            text=text,
            links=links,
            quoted=_card_quote(node),
        )
    ]


def _card_from_data(data: dict[str, object], post_id: str, url: str, user: str | None) -> Post:
    text, links = _html_fragment(_str(data.get("full_text")))
    expanded = data.get("expanded_url")
    if isinstance(expanded, dict) and (card_url := _str(expanded.get("url"))):
        links = (*links, card_url)
    quoted = None
    quoted_data = data.get("quoted_tweet")
    if isinstance(quoted_data, dict) and quoted_data:
        quoted_text, _ = _html_fragment(_str(quoted_data.get("full_text")))
        quoted = Quoted(
            author_name=_str(quoted_data.get("name")),
            handle=_str(quoted_data.get("username")),
            text=quoted_text,
        )
    post = _post(
        post_id,
        url=url,
        author_name=_str(data.get("name")),
        handle=_str(data.get("username")) or user,
        text=text,
        links=links,
        quoted=quoted,
    )
    day = _api_date(_str(data.get("date")))
    return dataclasses.replace(post, date=day) if day else post


def _html_fragment(markup: str | None) -> tuple[str | None, tuple[str, ...]]:
    """Text and links of a small HTML string (the card JSON keeps tweet text as HTML)."""
    if not markup:
        return None, ()
    check_nesting(markup)
    body = LexborHTMLParser(markup).body
    if body is None:
        return None, ()
    return node_text(body), node_links(body)


def _api_date(value: str | None) -> dt.date | None:
    """Twitter API's created_at ("Thu Feb 08 12:00:45 +0000 2018") as a UTC day."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, API_DATE_FORMAT).astimezone(dt.UTC).date()
    except ValueError:
        return None


def _card_data(node: LexborNode) -> dict[str, object]:
    try:
        data = json.loads(node.attributes.get("data-attrs") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _first_text(node: LexborNode, selector: str) -> str | None:
    found = node.css_first(selector)
    return node_text(found) if found is not None else None


def _card_links(node: LexborNode, text_node: LexborNode | None) -> list[str]:
    links = list(node_links(text_node)) if text_node is not None else []
    # The link-preview card under the text points at the page the tweet shared; a card inside
    # the quoted tweet belongs to that tweet.
    for anchor in node.css("a.expanded-link"):
        if _attr(anchor, "href") and not inside(anchor, node, _is_quote_card):
            links.append(_attr(anchor, "href"))
    return links


def _is_quote_card(node: LexborNode) -> bool:
    return "quote-tweet" in _classes(node)


def _card_quote(node: LexborNode) -> Quoted | None:
    quote = node.css_first(".quote-tweet")
    if quote is None:
        return None

    def header(candidate: LexborNode) -> bool:
        return "quote-tweet-header" in _classes(candidate)

    name = _first_text(quote, ".quote-tweet-name")
    handle = (_first_text(quote, ".quote-tweet-username") or "").lstrip("@") or None
    text = node_text(quote, exclude=header)
    if not (name or handle or text):
        return None
    return Quoted(author_name=name, handle=handle, text=text)


DETECTOR = Detector(platform=PLATFORM, selector=SELECTOR, markers=MARKERS, parse=parse_node)
