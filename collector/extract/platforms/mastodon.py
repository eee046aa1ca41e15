"""Mastodon embeds: the ≥4.3 blockquote and the older iframe.

Neither form carries the post's text, author name or date: only the status URL (and, in the
blockquote, "Post by @user@domain"). The date comes from the id clock (id >> 16 = ms since the
Unix epoch, Mastodon ≥ 2.0).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import mastodon_time
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import attr, has_class, iframe_src, plain_text
from collector.values import Post

SELECTOR = "blockquote.mastodon-embed, iframe.mastodon-embed"
MARKERS = (b"mastodon-embed",)

# https://{instance}/@{user}/{id}[/embed] or the ActivityPub form /users/{user}/statuses/{id};
# {user} may be user@remote.host when an instance shows a remote account.
STATUS_URL = re.compile(
    r"^(?P<url>https?://(?P<host>[^/?#@]+)/(?:@(?P<user>[^/?#]+)|users/(?P<ap_user>[^/?#]+)/statuses)"
    r"/(?P<id>\d+))(?:/embed)?/?(?:[?#].*)?$"
)
# "Post by @pretty_acct@local_domain": the instance's own account domain, which may differ from
# its web host, so it is preferred over the URL when present.
POST_BY = re.compile(r"@(?P<acct>[\w.-]+@[\w.-]+\.\w+)")


def parse_node(node: LexborNode) -> list[Post]:
    if not has_class(node, "mastodon-embed"):
        return []
    if node.tag == "blockquote":
        address = attr(node, "data-embed-url") or _first_status_href(node)
    elif node.tag == "iframe":
        address = iframe_src(node)
    else:
        return []
    match = STATUS_URL.match(address or "")
    if match is None:
        return []
    return [_post(node, match)]


def _first_status_href(node: LexborNode) -> str | None:
    for anchor in node.css("a[href]"):
        href = attr(anchor, "href")
        if href and STATUS_URL.match(href):
            return href
    return None


def _post(node: LexborNode, match: re.Match[str]) -> Post:
    post_id = match["id"]
    posted_at = mastodon_time(post_id)
    return Post(
        platform="mastodon",
        post_id=post_id,
        url=match["url"],
        handle=_handle(node, match),
        posted_at=posted_at,
    )


def _handle(node: LexborNode, match: re.Match[str]) -> str:
    """The full account address, user@domain: a bare username is ambiguous across instances."""
    if node.tag == "blockquote":
        # Read each line on its own: saved copies may lose the space between the two divs.
        for line in node.css("div"):
            shown = POST_BY.search(plain_text(line))
            if shown:
                return shown["acct"]
    user = match["user"] or match["ap_user"]
    return user if "@" in user else f"{user}@{match['host']}"


DETECTOR = Detector(platform="mastodon", selector=SELECTOR, markers=MARKERS, parse=parse_node)
