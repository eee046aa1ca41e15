"""Tweets that other tools render in their own markup, each read by that tool's template.

- Discourse oneboxes (`aside.onebox.twitterstatus`, discourse lib/onebox/templates/
  twitterstatus.mustache): the post is the onebox's `data-onebox-src`; name in `h4`, handle in
  `.twitter-screen-name`, text in `.tweet-description`, shown time in `a.timestamp`; a quoted
  tweet sits in `div.quoted` and is the quote, never the post.
- Ghost newsletter emails (`table.kg-twitter-card`, Ghost's koenig embed renderer for the email
  target): every link is `https://twitter.com/twitter/status/{id}`, so the URL's user is a
  placeholder and the handle is the header's `@username`; rows hold the header (name, `<br>`,
  `@username`), the text, the shown time ("1:30 AM • Sep 5, 2023") and the counts.
- Medium's Embedly frames (`cdn.embedly.com/widgets/media.html?…&schema=twitter&url=…`): the
  status URL is the `url` parameter; the frame's title is "Name on Twitter" or
  'Name on Twitter: "text / Twitter"' (the tweet page's own title) when Medium kept it.
- s9e MediaEmbed frames (phpBB, XenForo, Flarum): `s9e.github.io/iframe/2/twitter.min.html#{id}`
  (generation 1 without `/2`); the id alone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from collector.extract.dates import parse_date_text
from collector.extract.platforms.markup import attr, classes, iframe_src
from collector.extract.platforms.twitter.urls import make_post, status_parts
from collector.extract.text import node_links, node_text
from collector.values import Post, Quoted

ONEBOX_CLASS = "twitterstatus"
# A onebox title as Discourse writes it without the API: "Name (@handle) on X".
ONEBOX_TITLE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>\w{1,50})\)\s+on\s+(?:X|Twitter)$")
GHOST_CARD_CLASS = "kg-twitter-card"
# Ghost's date row "{time} • {date}" and its counts row "{n} likes • {n} retweets".
GHOST_DATE_MARK = "•"
GHOST_COUNTS = re.compile(r"\blikes\s*•.*\bretweets\s*$", re.DOTALL)
MAX_DATE_TEXT = 40
EMBEDLY_PATH = "/widgets/media.html"
EMBEDLY_TITLE = re.compile(
    r'^(?P<name>.+?) on (?:Twitter|X)(?:: [“"](?P<text>.*?)(?: / (?:Twitter|X))?[”"](?: / (?:Twitter|X))?)?$',
    re.DOTALL,
)
S9E_HOST = "s9e.github.io"
S9E_FRAME = re.compile(r"^/iframe/(?:\d+/)?twitter\.min\.html$")
S9E_ID = re.compile(r"^(?P<id>\d{1,20})(?:#|$)")


def parse_onebox(node: LexborNode) -> list[Post]:
    if ONEBOX_CLASS not in classes(node):
        return []
    parts = status_parts(attr(node, "data-onebox-src") or "")
    header = node.css_first("h4 a[href], header a[href]")
    if parts is None and header is not None:
        parts = status_parts(attr(header, "href") or "")
    if parts is None:
        return []
    url, post_id, user = parts
    name = _text_of(node, "h4")
    handle = (_text_of(node, ".twitter-screen-name") or "").lstrip("@") or None
    titled = ONEBOX_TITLE.match(name or "")
    if titled is not None:
        name, handle = titled["name"] or None, handle or titled["handle"]
    description = node.css_first(".tweet-description")
    links = node_links(description) if description is not None else ()
    return [
        make_post(
            post_id,
            url=url,
            author_name=name,
            handle=handle or user,
            date_text=_text_of(node, "a.timestamp"),
            text=node_text(description) if description is not None else None,
            links=tuple(href for href in links if (own := status_parts(href)) is None or own[1] != post_id),
            quoted=_onebox_quote(node),
        )
    ]


def _onebox_quote(node: LexborNode) -> Quoted | None:
    quote = node.css_first(".quoted")
    if quote is None:
        return None
    title = quote.css_first(".quoted-title")
    handle_node = title.css_first("span") if title is not None else None
    handle = node_text(handle_node) if handle_node is not None else None
    name = node_text(title, exclude=lambda n: n.tag == "span") if title is not None else None
    # The quoted text is the div after the title link (css() also returns the quote itself).
    body = next((div for div in quote.css("div") if div.mem_id != quote.mem_id), None)
    return Quoted(
        author_name=name,
        handle=handle.lstrip("@") if handle else None,
        text=node_text(body) if body is not None else None,
    )


def parse_ghost_card(node: LexborNode) -> list[Post]:
    if GHOST_CARD_CLASS not in classes(node):
        return []
    anchors = node.css("a[href]")
    parts = next((p for a in anchors if (p := status_parts(attr(a, "href") or ""))), None)
    if parts is None:
        return []
    url, post_id, _placeholder = parts  # the URL's user is Ghost's "twitter", never the author
    name = handle = text = date_text = None
    for anchor in anchors:
        shown = node_text(anchor)
        if not shown:
            continue  # the avatar, the logo, the image
        at_handle = _header_handle(anchor)
        if at_handle is not None and handle is None:
            handle = at_handle
            name = node_text(anchor, exclude=lambda n: n.tag == "span")
        elif GHOST_DATE_MARK in shown and len(shown) <= MAX_DATE_TEXT and parse_date_text(shown):
            date_text = shown
        elif not GHOST_COUNTS.search(shown) and text is None:
            text = shown
    return [make_post(post_id, url=url, author_name=name, handle=handle, date_text=date_text, text=text)]


def _header_handle(anchor: LexborNode) -> str | None:
    """The header link's "@username" (after the name and a `<br>`), without the @."""
    spans = anchor.css("span")
    if not spans or anchor.css_first("br") is None:
        return None
    shown = node_text(spans[-1]) or ""
    return shown[1:] if shown.startswith("@") and len(shown) > 1 else None


def parse_frame(node: LexborNode) -> list[Post]:
    """Medium's Embedly frame or an s9e MediaEmbed frame; [] for any other iframe."""
    source = urlsplit(iframe_src(node) or attr(node, "data-s9e-mediaembed-src") or "")
    host = (source.hostname or "").lower()
    if host == S9E_HOST and S9E_FRAME.match(source.path):
        found = S9E_ID.match(source.fragment)
        return [make_post(found["id"])] if found else []
    if "embedly" not in host or source.path != EMBEDLY_PATH:
        return []
    query = parse_qs(source.query)
    if query.get("schema", [""])[0] != "twitter":
        return []
    parts = status_parts(query.get("url", [""])[0])
    if parts is None:
        return []
    url, post_id, user = parts
    title = EMBEDLY_TITLE.match(attr(node, "title") or "")
    return [
        make_post(
            post_id,
            url=url,
            author_name=title["name"] if title else None,
            handle=user,
            text=(title["text"] or None) if title else None,
        )
    ]


def _text_of(node: LexborNode, selector: str) -> str | None:
    found = node.css_first(selector)
    return node_text(found) if found is not None else None
