"""Twitter / X status URLs and ids, and the post that every embed form builds from them."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import twitter_time
from collector.extract.dates import parse_date_text
from collector.extract.platforms.markup import attr, classes
from collector.values import Post, Quoted

PLATFORM = "twitter"
# A status permalink on any of Twitter's hosts and path forms: /{user}/status/{id},
# legacy /statuses/, /i/web/status/{id} and the old hash-bang /#!/{user}/status/{id}.
STATUS_URL = re.compile(
    r"(?:https?:)?//(?:www\.|mobile\.|m\.)?(?P<host>twitter\.com|x\.com)/(?:#!/)?"
    r"(?:(?P<web>i(?:/web)?)/status|(?P<user>\w{1,50})/status(?:es)?)/(?P<id>\d{1,20})(?!\d)",
    re.IGNORECASE,
)
# A profile link: /{user} on a Twitter host, nothing after it but a query or fragment.
PROFILE_URL = re.compile(
    r"^(?:https?:)?//(?:www\.|mobile\.|m\.)?(?:twitter\.com|x\.com)/(?P<user>\w{1,50})/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_STATUS_WORD = "status"
TWEET_ID = re.compile(r"^\d{1,20}$")
TWEET_BLOCKQUOTES = "blockquote.twitter-tweet, blockquote.twitter-video"
# Embed forms that are candidates of their own when they sit inside a wrapper.
TWEET_FORMS_INSIDE = "blockquote, iframe, twitter-widget, amp-twitter, bento-twitter"


def status_parts(href: str) -> tuple[str, str, str | None] | None:
    """(normalised URL, id, user as written) for a status permalink, else None.

    The URL keeps the host (twitter.com or x.com, without www/mobile) and the user as written,
    drops query and fragment, and turns /statuses/ into /status/ (corpus README rules).
    """
    # Most hrefs of a page name no status: a C-speed test before the pattern (casefold, so that
    # every spelling IGNORECASE matches passes it, "ſtatus" too).
    if _STATUS_WORD not in href.casefold():
        return None
    match = STATUS_URL.search(href)
    if match is None:
        return None
    host = match["host"].lower()
    post_id = match["id"]
    if match["web"] is not None:
        return f"https://{host}/{match['web']}/status/{post_id}", post_id, None
    user = match["user"]
    return f"https://{host}/{user}/status/{post_id}", post_id, user


def is_tweet(node: LexborNode) -> bool:
    if node.tag != "blockquote":
        return False  # most nodes: no need to split a class attribute
    names = classes(node)
    return "twitter-tweet" in names or "twitter-video" in names


def make_post(
    post_id: str | None,
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
        post_id=post_id or None,
        url=url,
        author_name=author_name or None,
        handle=handle or None,
        date_text=date_text or None,
        date=parse_date_text(date_text) if date_text else None,
        posted_at=twitter_time(post_id) if post_id else None,
        text=text,
        links=links,
        lang=lang,
        quoted=quoted,
    )


def status_id(anchor: LexborNode) -> str | None:
    parts = status_parts(attr(anchor, "href") or "")
    return parts[1] if parts else None
