"""Tweets that sites render server-side with vercel/react-tweet (Next.js, Astro, Remix sites), so the
rendered card is in the saved HTML: `div.react-tweet-theme > article`, with class names from CSS
modules named after react-tweet's components (`tweet-header_username__x1Y2z`): the header (name,
`@handle`), the body paragraph, the quoted tweet, and the created-at link to the status.

The class names are matched by the component's module name, never by the build's hash. A
TweetNotFound box inside the same theme is a tombstone (collector/extract/tombstones.py).
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from collector.extract.platforms.markup import attr, classes
from collector.extract.platforms.twitter.urls import make_post, status_parts
from collector.extract.text import inside, node_links, node_text
from collector.values import Post, Quoted

ROOT_CLASS = "react-tweet-theme"
# CSS-module prefixes of react-tweet's components (packages/react-tweet/src/twitter-theme/*.tsx).
CREATED_AT = "tweet-info-created-at"
BODY = "tweet-body"
AUTHOR_NAME = "tweet-header_authorLinkText"
USERNAME = "tweet-header_username"
QUOTED = "quoted-tweet-container"
QUOTED_AUTHOR = "quoted-tweet-header_authorText"
QUOTED_USERNAME = "quoted-tweet-header_username"
QUOTED_BODY = "quoted-tweet-body"


def parse_react_tweet(node: LexborNode) -> list[Post]:
    """One react-tweet card: [] for anything else inside the theme (a TweetNotFound box)."""
    anchor = _first(node, CREATED_AT, within_quote=False)
    parts = status_parts(attr(anchor, "href") or "") if anchor is not None else None
    body = _first(node, BODY, within_quote=False)
    if parts is None or body is None:
        return []
    url, post_id, user = parts
    handle = _span_title(node, USERNAME)
    time = anchor.css_first("time") if anchor is not None else None
    return [
        make_post(
            post_id,
            url=url,
            author_name=_span_title(node, AUTHOR_NAME),
            handle=(handle or "").lstrip("@") or user,
            date_text=node_text(time) if time is not None else None,
            text=node_text(body),
            links=node_links(body),
            lang=attr(body, "lang"),
            quoted=_quoted(node),
        )
    ]


def _quoted(node: LexborNode) -> Quoted | None:
    quote = _first(node, QUOTED, within_quote=True)
    if quote is None:
        return None
    body = _first(quote, QUOTED_BODY, within_quote=True)
    name, handle = _span_title(quote, QUOTED_AUTHOR), _span_title(quote, QUOTED_USERNAME)
    text = node_text(body) if body is not None else None
    if not (name or handle or text):
        return None
    return Quoted(author_name=name, handle=(handle or "").lstrip("@") or None, text=text)


def _first(node: LexborNode, prefix: str, *, within_quote: bool) -> LexborNode | None:
    """The first element whose class is `prefix`'s module (outside the quoted tweet unless asked)."""
    for element in node.traverse():
        if element.mem_id == node.mem_id or not _has_prefix(element, prefix):
            continue
        if within_quote or not inside(element, node, _is_quote):
            return element
    return None


def _span_title(node: LexborNode, prefix: str) -> str | None:
    holder = _first(node, prefix, within_quote=prefix.startswith("quoted"))
    if holder is None:
        return None
    span = holder.css_first("span[title]")
    return (attr(span, "title") if span is not None else None) or node_text(holder)


def _has_prefix(node: LexborNode, prefix: str) -> bool:
    return any(name.startswith(prefix) for name in classes(node))


def _is_quote(node: LexborNode) -> bool:
    return _has_prefix(node, QUOTED)
