"""What every citation of an archived post says: who, when, where, and which copy is cited.

Records in (as `db.quotations.iter_sourced_posts` gives them: an export record with `id`, `articles`
and `quoted`), plain values out; `styles` (APA, MLA, Chicago) and `citations` (CSL-JSON, BibTeX,
RIS) write them, `cards` and `graph` share the names. A post that an article showed as a tombstone
(deleted, suspended, …) is cited from the archived copy: the first article that showed it, else
the first that quoted it.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any

PLATFORM_NAMES = {
    "twitter": "Twitter",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "reddit": "Reddit",
    "linkedin": "LinkedIn",
}
# Twitter became X on this day: posts from then on are cited as "[Post]" on "X" (APA's usage).
X_RENAMED = dt.date(2023, 7, 24)
# APA's bracketed description of each platform's post (APA 7 reference examples).
APA_KINDS = {
    "twitter": "Tweet",
    "facebook": "Status update",
    "instagram": "Photograph",
    "tiktok": "Video",
    "reddit": "Online forum post",
}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# A display name is read as a person's (family name first in the styles) only when it is two or
# three capitalised words of letters, none of them one of these; anything else is an
# organisation's or a pseudonym and is written as shown (APA: "as shown on the work").
ORGANISATION_WORDS = frozenset(
    {
        "agency", "association", "bank", "board", "bureau", "center", "centre", "church", "city",
        "club", "college", "committee", "company", "council", "department", "foundation", "fund",
        "group", "inc", "institute", "league", "ltd", "magazine", "media", "ministry", "museum",
        "network", "news", "office", "party", "police", "press", "project", "radio", "school",
        "service", "society", "team", "the", "times", "tv", "union", "university",
        "account", "army", "campaign", "channel", "commission", "court", "daily", "embassy",
        "government", "house", "journal", "live", "navy", "official", "post", "senate", "updates",
    }
)  # fmt: skip
# Titles before a name, left out of it (the styles cite "Fauci, A.", not "Fauci, D. A."); a title
# and one name ("Pope Francis", "President Biden") is written as shown.
TITLES = frozenset(
    {
        "amb", "ambassador", "capt", "col", "dame", "dr", "fr", "gen", "gov", "governor", "hon",
        "judge", "king", "lady", "lord", "mayor", "minister", "mr", "mrs", "ms", "pope", "pres",
        "president", "prince", "princess", "prof", "queen", "rabbi", "rep", "rev", "sen", "senator",
        "sir",
    }
)  # fmt: skip
PERSON_WORD = re.compile(r"(?:[^\W\d_]\.){2,3}|[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?")
SPACES = re.compile(r"\s+")
# What citations and cards drop from every string of a record: control characters other than
# white space (BEL, ESC: a terminal obeys "\x1b[2J"; HTML and XML forbid them) and the invisible
# bidi embeddings, overrides and isolates, which reorder the rest of the line they are on.
UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")

Post = dict[str, Any]


def post_key(post: Post) -> str:
    """The post's platform id, else `archive-` and the archive's internal id (the id `quotes show`
    takes): the two never stand for each other."""
    return str(post["post_id"]) if post.get("post_id") else f"archive-{post['id']}"


def person_name(name: str | None) -> tuple[str, str] | None:
    """(family, given) of a display name read as a person's (see ORGANISATION_WORDS), else None."""
    words = (name or "").split()
    while words and words[0].casefold().rstrip(".") in TITLES:
        words = words[1:]
    if not 2 <= len(words) <= 3:
        return None
    for word in words:
        if not PERSON_WORD.fullmatch(word) or not word[0].isupper() or word.casefold() in ORGANISATION_WORDS:
            return None
        if len(word) > 2 and word.isupper() and "." not in word:  # an acronym: CDC, NASA (not J.K.)
            return None
    return words[-1], " ".join(words[:-1])


def platform_name(post: Post) -> str:
    day = day_of(post)
    if post["platform"] == "twitter" and day and day >= X_RENAMED:
        return "X"
    return PLATFORM_NAMES.get(post["platform"], str(post["platform"]).title())


def post_kind(post: Post) -> str:
    """The post's kind as APA writes it in brackets: Tweet (before X), Post, Status update…"""
    if post["platform"] == "twitter" and platform_name(post) == "X":
        return "Post"
    return APA_KINDS.get(post["platform"], "Post")


def archive_copy(post: Post) -> dict[str, Any] | None:
    """The article cited for the post: the first that kept a copy (showed no tombstone), else
    the first that quoted it; None for a post no article quotes."""
    articles = post.get("articles") or []
    kept = [article for article in articles if not article.get("status")]
    first: dict[str, Any] | None = (kept or articles or [None])[0]
    return first


def cites_copy(post: Post) -> bool:
    """A post an article showed as gone is cited from the article's copy."""
    return bool(post.get("status")) and archive_copy(post) is not None


def day_of(post: Post) -> dt.date | None:
    return dt.date.fromisoformat(post["date"]) if post.get("date") else None


def moment_of(post: Post, zone: dt.tzinfo) -> dt.datetime | None:
    if not post.get("posted_at"):
        return None
    return dt.datetime.fromisoformat(post["posted_at"].replace("Z", "+00:00")).astimezone(zone)


def local_day(post: Post, zone: dt.tzinfo) -> dt.date | None:
    """The day in `zone` when the exact time is known (it then goes with the time), else the day."""
    moment = moment_of(post, zone)
    return moment.date() if moment else day_of(post)


def clock(moment: dt.datetime) -> str:
    """3:06 a.m.: the time as MLA and Chicago write it."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def printable(value: Any) -> Any:
    """`value` (a record: dicts, lists, strings) with UNPRINTABLE dropped from every string."""
    if isinstance(value, str):
        return UNPRINTABLE.sub("", value)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def one_line(text: str | None) -> str:
    """Text on one line: runs of white space as one space, control and bidi characters dropped."""
    return SPACES.sub(" ", UNPRINTABLE.sub("", text or "")).strip()


def inner_quotes(text: str) -> str:
    """Double quotes inside a quoted title as single ones (“… ‘<noun>.js’ …”), as MLA and
    Chicago nest them; straight quotes open and close in turn."""
    text = text.replace("“", "‘").replace("”", "’")
    parts = text.split('"')
    return (
        "".join(part + ("‘" if index % 2 == 0 else "’") for index, part in enumerate(parts[:-1])) + parts[-1]
    )


def closed(text: str) -> str:
    """Text followed by a period, unless it ends with its own . ? or !; the period goes inside
    closing quotation marks (American usage: MLA and Chicago)."""
    body = text.rstrip("’”")
    if body.endswith((".", "?", "!", "…")):
        return text
    return body + "." + text[len(body) :]


def no_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def cited_address(post: Post) -> str:
    """The address cited: the post's, or its archived copy's for a post shown as gone."""
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        return str(copy["address"])
    return str(post.get("url") or (copy["address"] if copy else ""))


def outlet_of(article: dict[str, Any]) -> str:
    return str(article.get("site_name") or urllib.parse.urlsplit(article.get("url") or "").hostname or "")
