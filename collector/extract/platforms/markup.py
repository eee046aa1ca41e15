"""Small markup helpers the non-Twitter detectors share: class tests, attributes, URLs, clocks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from selectolax.lexbor import LexborNode

# How far up a candidate may look for a wrapper that owns it (fb-post > span > iframe is 2).
_ANCESTOR_DEPTH = 6
# Every WordPress embed block's class starts so. One shared marker instead of one per platform:
# each marker is a full scan of a page that has none, which costs as much as a small parse.
WP_EMBED_MARKER = b"wp-block-embed-"
_NBSP = "\u00a0"


def classes(node: LexborNode) -> list[str]:
    """The node's class tokens (an HTML class attribute is a whitespace-separated set)."""
    return (node.attributes.get("class") or "").split()


def has_class(node: LexborNode, name: str) -> bool:
    return name in classes(node)


def attr(node: LexborNode, name: str) -> str | None:
    """An attribute's value, trimmed; None when missing, valueless or blank."""
    value = node.attributes.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def iframe_src(node: LexborNode) -> str | None:
    """An iframe's address; lazy loaders keep it in data-src until the frame scrolls into view."""
    return attr(node, "src") or attr(node, "data-src")


def strip_query(url: str) -> str:
    """The URL without its query and fragment (tracking parameters such as ?ref_src=embed)."""
    for mark in ("?", "#"):
        cut = url.find(mark)
        if cut >= 0:
            url = url[:cut]
    return url


def wp_embed_url(node: LexborNode, provider: str) -> str | None:
    """The bare post URL of a WordPress embed block whose oEmbed call failed, else None.

    WordPress wraps embeds in `figure.wp-block-embed-{provider}`; when the provider did not answer,
    the wrapper keeps only the URL the author pasted. A block that still holds the embed markup
    returns None: that markup is a candidate of its own.
    """
    if node.tag != "figure" or not has_class(node, f"wp-block-embed-{provider}"):
        return None
    if node.css_first("blockquote, iframe") is not None:
        return None
    wrapper = node.css_first(".wp-block-embed__wrapper")
    if wrapper is None:
        return None
    anchor = wrapper.css_first("a[href]")
    address = attr(anchor, "href") if anchor is not None else plain_text(wrapper)
    return address if address and " " not in address else None


def first_link_match(node: LexborNode, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first link inside node whose href matches `pattern` (a permalink), else None."""
    for anchor in node.css("a[href]"):
        match = pattern.match(attr(anchor, "href") or "")
        if match:
            return match
    return None


def has_ancestor(node: LexborNode, test: Callable[[LexborNode], bool]) -> bool:
    """True when one of the node's nearest ancestors passes `test` (a wrapper already claimed it)."""
    parent = node.parent
    for _ in range(_ANCESTOR_DEPTH):
        if parent is None:
            return False
        if test(parent):
            return True
        parent = parent.parent
    return False


def plain_text(node: LexborNode) -> str:
    """A short run of markup as one line: NBSP and whitespace runs become single spaces."""
    return " ".join(node.text(deep=True).replace(_NBSP, " ").split())


def utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def parse_iso_datetime(value: str | None) -> dt.datetime | None:
    """A machine-readable timestamp (`<time datetime>`), as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
