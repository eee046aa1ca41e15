"""Posts cited as the style guides write a post: APA 7, MLA 9, Chicago 17 (entry and note).

Each follows its guide's worked examples for a tweet (tests/test_cite.py holds them): APA 7
(apastyle.apa.org, "Twitter references"), MLA 9 (MLA Style Center and Purdue OWL), Chicago 17
(14.209). Records in, one line of text out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from collector.output.citing import (
    MONTHS,
    Post,
    archive_copy,
    cited_address,
    cites_copy,
    clock,
    closed,
    inner_quotes,
    local_day,
    moment_of,
    no_scheme,
    one_line,
    outlet_of,
    person_name,
    platform_name,
    post_kind,
)

APA_WORDS = 20  # APA: the first 20 words of the post are its title
CHICAGO_TITLE_CHARS = 160  # Chicago 14.209: up to 160 characters of the post stand for a title
MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
VIDEO_MARKERS = (".mp4", ".m3u8", "/video", "video.")

# --- APA 7 ------------------------------------------------------------------------------------------


def _apa_initials(given: str) -> str:
    """Initials of the given names: "Jean-Luc" J.-L., "J.K." J. K."""
    words = [part for word in given.split() for part in re.split(r"(?<=\.)(?=\w)", word)]
    return " ".join("-".join(part[0] + "." for part in word.split("-") if part) for word in words)


def _apa_author(post: Post) -> str:
    name, handle = post.get("author_name"), post.get("handle")
    person = person_name(name)
    shown = f"{person[0]}, {_apa_initials(person[1])}" if person else (name or "")
    if handle:
        shown = f"{shown} [@{handle}]" if shown else f"@{handle}"
    if not shown:
        return ""
    return shown if shown.endswith(".") else shown + "."


def _apa_media(post: Post) -> str:
    """APA's note of what the post carries: an image or video, else a link's preview card."""
    media = post.get("media") or []
    if not media:
        # A quote post's link is the quoted post, shown as the quote rather than a preview card.
        if post.get("quoted_url") or post.get("quoted"):
            return ""
        cards = [url for url in post.get("links") or [] if not _is_media_link(url)]
        return "[Thumbnail with link attached] " if cards else ""
    video = any(marker in url.casefold() for url in media for marker in VIDEO_MARKERS)
    return "[Video attached] " if video else "[Image attached] "


def _is_media_link(url: str) -> bool:
    return "pic.twitter.com/" in url or "/photo/" in url or "/video/" in url


def format_apa(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """An APA 7 reference: Author [@handle]. (Year, Month Day). First 20 words [Tweet]. Site. URL"""
    day = local_day(post, zone)
    date = f"{day.year}, {MONTHS[day.month - 1]} {day.day}" if day else "n.d."
    words = one_line(post.get("text")).split()[:APA_WORDS]
    title = " ".join(words) + " " if words else ""
    author = _apa_author(post)
    reference = f"{author} ({date})." if author else f"({date})."
    reference += f" {title}{_apa_media(post)}[{post_kind(post)}]. {platform_name(post)}."
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        where = ", ".join(filter(None, [copy.get("title"), outlet_of(copy)]))
        reference += f" Post {post['status']}; copy quoted in {where}." if where else ""
    link = cited_address(post)
    return f"{reference} {link}" if link else reference


# --- MLA 9 ------------------------------------------------------------------------------------------


def _mla_date(day: dt.date) -> str:
    return f"{day.day} {MLA_MONTHS[day.month - 1]} {day.year}"


def _mla_author(post: Post) -> str:
    if post.get("handle"):
        return f"@{post['handle']}"
    person = person_name(post.get("author_name"))
    return f"{person[0]}, {person[1]}" if person else str(post.get("author_name") or "")


def format_mla(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """An MLA 9 works-cited entry: @handle. “Full text.” Twitter, 22 Jan. 2012, 3:06 a.m., URL."""
    parts = [closed(author) for author in [_mla_author(post)] if author]
    if text := one_line(post.get("text")):
        parts.append(f"“{closed(inner_quotes(text))}”")
    container = [platform_name(post)]
    if day := local_day(post, zone):
        container.append(_mla_date(day))
    if moment := moment_of(post, zone):
        container.append(clock(moment))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        parts.append(", ".join(container) + ".")
        where = quoted_in(copy, _mla_date, no_scheme(copy["address"]))
        parts.append(f"Post {post['status']}; quoted in {where}.")
    else:
        link = cited_address(post)
        parts.append(", ".join([*container, no_scheme(link)] if link else container) + ".")
    return " ".join(parts)


def quoted_in(copy: dict[str, Any], write_day: Callable[[dt.date], str], address: str = "") -> str:
    """The article holding the copy: “Title,” Site, day[, address] (the comma inside the quotes)."""
    published = article_day(copy.get("published") or "")
    rest = ", ".join(filter(None, [outlet_of(copy), write_day(published) if published else "", address]))
    title = inner_quotes(one_line(copy.get("title")))
    if not title:
        return rest
    if title.endswith(("?", "!")):
        return f"“{title}” {rest}".strip()
    return f"“{title.rstrip('.')},” {rest}" if rest else f"“{title.rstrip('.')}”"


def article_day(published: str) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


# --- Chicago 17 -------------------------------------------------------------------------------------


def _chicago_title(text: str) -> str:
    if len(text) <= CHICAGO_TITLE_CHARS:
        return closed(text)
    cut = text[: CHICAGO_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def long_date(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_chicago(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """A Chicago 17 bibliography entry: Family, Given (@handle). “Text.” Twitter, Month D, YYYY, time. URL."""
    person = person_name(post.get("author_name"))
    author = f"{person[0]}, {person[1]}" if person else str(post.get("author_name") or "")
    if post.get("handle"):
        author = f"{author} (@{post['handle']})" if author else f"@{post['handle']}"
    parts = [closed(author)] if author else []
    if text := one_line(post.get("text")):
        parts.append(f"“{_chicago_title(inner_quotes(text))}”")
    facts = [platform_name(post)]
    if day := local_day(post, zone):
        facts.append(long_date(day))
    if moment := moment_of(post, zone):
        facts.append(clock(moment))
    parts.append(closed(", ".join(facts)))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        parts.append(f"Post {post['status']}; quoted in {quoted_in(copy, long_date)}.")
    if link := cited_address(post):
        parts.append(link + ".")
    return " ".join(parts)


def format_chicago_note(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """A Chicago 17 note: Given Family (@handle), “Text,” Twitter, Month D, YYYY, time, URL."""
    author = str(post.get("author_name") or "")
    if post.get("handle"):
        author = f"{author} (@{post['handle']})" if author else f"@{post['handle']}"
    pieces = [author] if author else []
    if text := one_line(post.get("text")):
        title = _chicago_title(inner_quotes(text))
        body = title.rstrip("’”").removesuffix(".")
        closing = title[len(title.rstrip("’”")) :]
        pieces.append(f"“{body}{closing}”" if body.endswith(("?", "!", "…")) else f"“{body},{closing}”")
    pieces.append(platform_name(post))
    if day := local_day(post, zone):
        pieces.append(long_date(day))
    if moment := moment_of(post, zone):
        pieces.append(clock(moment))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        pieces.append(f"post {post['status']}, quoted in {quoted_in(copy, long_date)}")
    if link := cited_address(post):
        pieces.append(link)
    note = ""
    for piece in pieces:  # a title closes with its own comma (or ? !) inside the quotes
        note += piece if not note else (" " if note.endswith("”") else ", ") + piece
    return closed(note)
