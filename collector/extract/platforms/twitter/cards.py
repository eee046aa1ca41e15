"""Tweets that CMSs carry in their own markup: WordPress embed figures whose oEmbed failed
(only the bare status URL), note.com figures, and Substack tweet cards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.guards import check_nesting
from collector.extract.platforms.markup import attr, classes, has_ancestor
from collector.extract.platforms.twitter.urls import (
    TWEET_FORMS_INSIDE,
    make_post,
    status_parts,
)
from collector.extract.text import (
    inside,
    node_links,
    node_text,
)
from collector.values import Post, Quoted

# created_at in Twitter's v1.1 API, which Substack copies into its card JSON.
API_DATE_FORMAT = "%a %b %d %H:%M:%S %z %Y"
# Embeds a wrapping figure may hold, each its own candidate: the embed forms, Substack's cards,
# the carriers of other tools (carriers.py).
CARD_FORMS_INSIDE = (
    f"{TWEET_FORMS_INSIDE}, div:is(.tweet, .twitter-tweet, .twitter-embed, .react-tweet-theme), "
    "aside.twitterstatus, table.kg-twitter-card"
)
# Where a quoted tweet sits inside a card (Substack's quote card, a onebox's `div.quoted`).
QUOTE_CLASSES = frozenset({"quote-tweet", "quoted"})
SUBSTACK_TEXT_SKIP = (
    "tweet-header",
    "tweet-footer",
    "quote-tweet",
    "expanded-link",
    "tweet-photos-container",
    "tweet-link-bottom",
)


def parse_figure(node: LexborNode) -> list[Post]:
    """WordPress embed figure whose oEmbed failed (bare URL), or note.com's figure."""
    if node.css_first(CARD_FORMS_INSIDE) is not None:
        return []  # the embed inside is its own candidate
    places = [attr(node, "data-src") or "", *(attr(a, "href") or "" for a in node.css("a[href]"))]
    for place in [*places, node.text(deep=True)]:
        parts = status_parts(place) if place else None
        if parts is not None:
            url, post_id, user = parts
            return [make_post(post_id, url=url, handle=user)]
    return []


def parse_card(node: LexborNode) -> list[Post]:
    """Substack's tweet card: header (name, @handle), text, optional quote card, date footer.

    The visible card is read first. Cards saved before the client rendered them (Substack's
    `twitter-embed` with only `data-attrs`) are read from that JSON instead; its `date` is the
    tweet's UTC time, not a shown date, so it gives `date` but no `date_text`.
    """
    if node.css_first(TWEET_FORMS_INSIDE) is not None or has_ancestor(node, _is_onebox):
        return []  # a wrapper around a real embed, or a onebox's body: those are candidates of their own
    data = _card_data(node)
    parts = status_parts(str(data.get("url") or "")) or _card_status(node)
    name = _first_text(node, ".tweet-author-name")
    handle = (_first_text(node, ".tweet-author-handle, .tweet-author") or "").lstrip("@")
    text_node = node.css_first(".tweet-text")
    if parts is None and not (handle and text_node is not None):
        return []
    # Substack's email cards link only to substack.com/redirect/…: a card without a status link
    # anywhere is keyed like an id-less post, by handle, date and text.
    url, post_id, user = parts if parts is not None else (None, None, None)

    def skip(candidate: LexborNode) -> bool:
        return any(cls in SUBSTACK_TEXT_SKIP for cls in classes(candidate))

    if text_node is not None:
        text = node_text(text_node)
    elif node.css_first(".tweet-header") is not None:
        # Old Substack markup: the text is loose inside the card, between header and footer.
        text = node_text(node, exclude=skip)
    else:
        text = None  # a site's own wrapper with a link in it: no card text to read
    if not (name or handle or text) and data and post_id:
        return [_card_from_data(data, post_id, url, user)]
    links = tuple(
        href
        for href in _card_links(node, text_node)
        if (own := status_parts(href)) is None or own[1] != post_id
    )
    return [
        make_post(
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


def _card_status(node: LexborNode) -> tuple[str, str, str | None] | None:
    """The card's own status URL: the first in any `href` (Substack's email cards put it on a
    likes or retweets `<span href>`, cut as "…/status/ID?s=20/likes"), never one inside the
    quoted tweet."""
    for element in node.css("[href]"):
        parts = status_parts(attr(element, "href") or "")
        if parts is not None and not inside(element, node, _is_quote):
            return parts
    return None


def _is_quote(node: LexborNode) -> bool:
    return node.tag == "blockquote" or any(name in QUOTE_CLASSES for name in classes(node))


def _is_onebox(node: LexborNode) -> bool:
    return node.tag == "aside" and "onebox" in classes(node)


def _card_from_data(data: dict[str, object], post_id: str, url: str | None, user: str | None) -> Post:
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
    post = make_post(
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
        href = attr(anchor, "href")
        if href and not inside(anchor, node, _is_quote_card):
            links.append(href)
    return links


def _is_quote_card(node: LexborNode) -> bool:
    return "quote-tweet" in classes(node)


def _card_quote(node: LexborNode) -> Quoted | None:
    quote = node.css_first(".quote-tweet")
    if quote is None:
        return None

    def header(candidate: LexborNode) -> bool:
        return "quote-tweet-header" in classes(candidate)

    name = _first_text(quote, ".quote-tweet-name")
    handle = (_first_text(quote, ".quote-tweet-username") or "").lstrip("@") or None
    text = node_text(quote, exclude=header)
    if not (name or handle or text):
        return None
    return Quoted(author_name=name, handle=handle, text=text)
