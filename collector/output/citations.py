"""Citations of archived posts: CSL-JSON, APA 7, MLA 9, Chicago 17, BibTeX and RIS.

Records in, text out. Each post is an export record (collector.values.RECORD_KEYS) with `id`,
`articles` (the quoting articles, oldest ingest first: title, url, address, site_name, published,
ingested_at, status) and `quoted`, as `db.sources.iter_sourced_posts` gives them.

The styles follow their guides' worked examples for a tweet (tests/test_cite.py holds them):
APA 7 (apastyle.apa.org, "Twitter references"), MLA 9 (MLA Style Center and Purdue OWL) and
Chicago 17 (14.209, the bibliography entry and the note). A post that an article showed as a
tombstone (deleted, suspended, …) is cited from the archived copy: the first article that showed
it, else the first that quoted it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any, TextIO

FORMATS = ("csl-json", "apa", "mla", "chicago", "chicago-note", "bibtex", "ris")
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
APA_WORDS = 20  # APA: the first 20 words of the post are its title
CHICAGO_TITLE_CHARS = 160  # Chicago 14.209: up to 160 characters of the post stand for a title
MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
VIDEO_MARKERS = (".mp4", ".m3u8", "/video", "video.")
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
    }
)  # fmt: skip
PERSON_WORD = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?")
SPACES = re.compile(r"\s+")
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
    "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}  # fmt: skip
BIBTEX_KEY_JUNK = re.compile(r"[^A-Za-z0-9]+")

Post = dict[str, Any]


def post_key(post: Post) -> str:
    """The post's platform id, else `archive-` and the archive's internal id (the id `quotes show`
    takes): the two never stand for each other."""
    return str(post["post_id"]) if post.get("post_id") else f"archive-{post['id']}"


def person_name(name: str | None) -> tuple[str, str] | None:
    """(family, given) of a display name read as a person's (see ORGANISATION_WORDS), else None."""
    words = (name or "").split()
    if not 2 <= len(words) <= 3:
        return None
    for word in words:
        if not PERSON_WORD.fullmatch(word) or not word[0].isupper() or word.casefold() in ORGANISATION_WORDS:
            return None
        if len(word) > 2 and word.isupper():  # an acronym: CDC, NASA
            return None
    return words[-1], " ".join(words[:-1])


def platform_name(post: Post) -> str:
    day = _day(post)
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


def _day(post: Post) -> dt.date | None:
    return dt.date.fromisoformat(post["date"]) if post.get("date") else None


def _moment(post: Post, zone: dt.tzinfo) -> dt.datetime | None:
    if not post.get("posted_at"):
        return None
    return dt.datetime.fromisoformat(post["posted_at"].replace("Z", "+00:00")).astimezone(zone)


def _local_day(post: Post, zone: dt.tzinfo) -> dt.date | None:
    """The day in `zone` when the exact time is known (it then goes with the time), else the day."""
    moment = _moment(post, zone)
    return moment.date() if moment else _day(post)


def _clock(moment: dt.datetime) -> str:
    """3:06 a.m.: the time as MLA and Chicago write it."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def _one_line(text: str | None) -> str:
    return SPACES.sub(" ", text or "").strip()


def _inner_quotes(text: str) -> str:
    """Double quotes inside a quoted title as single ones (“… ‘<noun>.js’ …”), as MLA and
    Chicago nest them; straight quotes open and close in turn."""
    text = text.replace("“", "‘").replace("”", "’")
    parts = text.split('"')
    return (
        "".join(part + ("‘" if index % 2 == 0 else "’") for index, part in enumerate(parts[:-1])) + parts[-1]
    )


def _closed(text: str) -> str:
    """Text followed by a period, unless it ends with its own . ? or !; the period goes inside
    closing quotation marks (American usage: MLA and Chicago)."""
    body = text.rstrip("’”")
    if body.endswith((".", "?", "!", "…")):
        return text
    return body + "." + text[len(body) :]


def _no_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def _link(post: Post) -> str:
    """The address cited: the post's, or its archived copy's for a post shown as gone."""
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        return str(copy["address"])
    return str(post.get("url") or (copy["address"] if copy else ""))


def _outlet(article: dict[str, Any]) -> str:
    return str(article.get("site_name") or urllib.parse.urlsplit(article.get("url") or "").hostname or "")


# --- APA 7 ------------------------------------------------------------------------------------------


def _apa_initials(given: str) -> str:
    return " ".join("-".join(part[0] + "." for part in word.split("-") if part) for word in given.split())


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
    day = _local_day(post, zone)
    date = f"{day.year}, {MONTHS[day.month - 1]} {day.day}" if day else "n.d."
    words = _one_line(post.get("text")).split()[:APA_WORDS]
    title = " ".join(words) + " " if words else ""
    author = _apa_author(post)
    reference = f"{author} ({date})." if author else f"({date})."
    reference += f" {title}{_apa_media(post)}[{post_kind(post)}]. {platform_name(post)}."
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        where = ", ".join(filter(None, [copy.get("title"), _outlet(copy)]))
        reference += f" Post {post['status']}; copy quoted in {where}." if where else ""
    link = _link(post)
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
    parts = [_closed(author) for author in [_mla_author(post)] if author]
    if text := _one_line(post.get("text")):
        parts.append(f"“{_closed(_inner_quotes(text))}”")
    container = [platform_name(post)]
    if day := _local_day(post, zone):
        container.append(_mla_date(day))
    if moment := _moment(post, zone):
        container.append(_clock(moment))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        parts.append(", ".join(container) + ".")
        where = _quoted_in(copy, _mla_date, _no_scheme(copy["address"]))
        parts.append(f"Post {post['status']}; quoted in {where}.")
    else:
        link = _link(post)
        parts.append(", ".join([*container, _no_scheme(link)] if link else container) + ".")
    return " ".join(parts)


def _quoted_in(copy: dict[str, Any], write_day: Callable[[dt.date], str], address: str = "") -> str:
    """The article holding the copy: “Title,” Site, day[, address] (the comma inside the quotes)."""
    published = _article_day(copy.get("published") or "")
    rest = ", ".join(filter(None, [_outlet(copy), write_day(published) if published else "", address]))
    title = _inner_quotes(_one_line(copy.get("title")))
    if not title:
        return rest
    if title.endswith(("?", "!")):
        return f"“{title}” {rest}".strip()
    return f"“{title.rstrip('.')},” {rest}" if rest else f"“{title.rstrip('.')}”"


def _article_day(published: str) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


# --- Chicago 17 -------------------------------------------------------------------------------------


def _chicago_title(text: str) -> str:
    if len(text) <= CHICAGO_TITLE_CHARS:
        return _closed(text)
    cut = text[: CHICAGO_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _long_date(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_chicago(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """A Chicago 17 bibliography entry: Family, Given (@handle). “Text.” Twitter, Month D, YYYY, time. URL."""
    person = person_name(post.get("author_name"))
    author = f"{person[0]}, {person[1]}" if person else str(post.get("author_name") or "")
    if post.get("handle"):
        author = f"{author} (@{post['handle']})" if author else f"@{post['handle']}"
    parts = [_closed(author)] if author else []
    if text := _one_line(post.get("text")):
        parts.append(f"“{_chicago_title(_inner_quotes(text))}”")
    facts = [platform_name(post)]
    if day := _local_day(post, zone):
        facts.append(_long_date(day))
    if moment := _moment(post, zone):
        facts.append(_clock(moment))
    parts.append(_closed(", ".join(facts)))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        parts.append(f"Post {post['status']}; quoted in {_quoted_in(copy, _long_date)}.")
    if link := _link(post):
        parts.append(link + ".")
    return " ".join(parts)


def format_chicago_note(post: Post, zone: dt.tzinfo = dt.UTC) -> str:
    """A Chicago 17 note: Given Family (@handle), “Text,” Twitter, Month D, YYYY, time, URL."""
    author = str(post.get("author_name") or "")
    if post.get("handle"):
        author = f"{author} (@{post['handle']})" if author else f"@{post['handle']}"
    pieces = [author] if author else []
    if text := _one_line(post.get("text")):
        title = _chicago_title(_inner_quotes(text))
        body = title.rstrip("’”").removesuffix(".")
        closing = title[len(title.rstrip("’”")) :]
        pieces.append(f"“{body}{closing}”" if body.endswith(("?", "!", "…")) else f"“{body},{closing}”")
    pieces.append(platform_name(post))
    if day := _local_day(post, zone):
        pieces.append(_long_date(day))
    if moment := _moment(post, zone):
        pieces.append(_clock(moment))
    copy = archive_copy(post)
    if cites_copy(post) and copy:
        pieces.append(f"post {post['status']}, quoted in {_quoted_in(copy, _long_date)}")
    if link := _link(post):
        pieces.append(link)
    note = ""
    for piece in pieces:  # a title closes with its own comma (or ? !) inside the quotes
        note += piece if not note else (" " if note.endswith("”") else ", ") + piece
    return _closed(note)


# --- CSL-JSON ---------------------------------------------------------------------------------------


def _date_parts(day: dt.date | None) -> dict[str, Any] | None:
    return {"date-parts": [[day.year, day.month, day.day]]} if day else None


def csl_item(post: Post) -> dict[str, Any]:
    """One CSL-JSON item of type `post` (the CSL data schema: tests/data/csl-data.json)."""
    person = person_name(post.get("author_name"))
    name = post.get("author_name") or (f"@{post['handle']}" if post.get("handle") else None)
    author = {"family": person[0], "given": person[1]} if person else {"literal": name} if name else None
    copy = archive_copy(post)
    ingested = copy.get("ingested_at") if copy else None
    custom = {"platform": post["platform"], "handle": post.get("handle"), "post_url": post.get("url")}
    custom |= {"quoted_in": len(post.get("articles") or []), "status": post.get("status")}
    item: dict[str, Any] = {
        "id": f"{post['platform']}:{post_key(post)}",
        "type": "post",
        "author": [author] if author else None,
        "title": _one_line(post.get("text")) or None,
        "issued": _date_parts(_day(post)),
        "URL": _link(post) or None,
        "container-title": platform_name(post),
        "genre": post_kind(post),
        "language": post.get("lang"),
        "accessed": _date_parts(dt.date.fromisoformat(ingested[:10]) if ingested else None),
        "archive": _outlet(copy) or None if copy else None,
        "archive_location": copy["address"] if copy else None,
        "status": post.get("status"),
        "note": f"Post {post['status']}; cited from the copy an article kept." if cites_copy(post) else None,
        "custom": {key: value for key, value in custom.items() if value is not None},
    }
    return {key: value for key, value in item.items() if value is not None}


# --- BibTeX and RIS ---------------------------------------------------------------------------------


def _bibtex_text(text: str) -> str:
    return "".join(BIBTEX_SPECIALS.get(char, char) for char in text)


def _bibtex_key(post: Post, seen: set[str]) -> str:
    day = _day(post)
    stem = BIBTEX_KEY_JUNK.sub("", post.get("handle") or post["platform"]) or post["platform"]
    base = f"{stem}{day.year if day else ''}_{BIBTEX_KEY_JUNK.sub('', str(post['id']))[-8:]}"
    key, number = base, 1
    while key in seen:
        number += 1
        key = f"{base}_{number}"
    seen.add(key)
    return key


def format_bibtex(post: Post, seen: set[str] | None = None) -> str:
    """A BibTeX @misc entry (biblatex's date and urldate too)."""
    person = person_name(post.get("author_name"))
    name = post.get("author_name") or (f"@{post['handle']}" if post.get("handle") else "")
    author = _bibtex_text(f"{person[0]}, {person[1]}") if person else "{" + _bibtex_text(name) + "}"
    copy, day = archive_copy(post), _day(post)
    notes = [f"[{post_kind(post)}]"] + ([f"@{post['handle']}"] if post.get("handle") else [])
    if cites_copy(post) and copy:
        notes.append(f"Post {post['status']}; copy quoted in {copy.get('title') or _outlet(copy)}")
    fields = {
        "author": author if name else None,
        "title": "{" + _bibtex_text(_one_line(post.get("text"))) + "}" if post.get("text") else None,
        "howpublished": platform_name(post),
        "year": str(day.year) if day else None,
        "month": MONTHS[day.month - 1][:3].lower() if day else None,
        "date": day.isoformat() if day else None,
        "url": _link(post).replace("{", "%7B").replace("}", "%7D") or None,
        "urldate": copy["ingested_at"][:10] if copy and copy.get("ingested_at") else None,
        "note": _bibtex_text(". ".join(notes)),
    }
    body = ",\n".join(
        f"  {key} = {value}" if key == "month" else f"  {key} = {{{value}}}"
        for key, value in fields.items()
        if value
    )
    return f"@misc{{{_bibtex_key(post, seen if seen is not None else set())},\n{body}\n}}"


def _ris_date(iso: str | None) -> str | None:
    return iso[:10].replace("-", "/") if iso else None


def format_ris(post: Post) -> str:
    """An RIS record of type ELEC (a web page: what reference managers import a post as)."""
    person = person_name(post.get("author_name"))
    name = f"{person[0]}, {person[1]}" if person else post.get("author_name")
    copy, day = archive_copy(post), _day(post)
    lines = [
        ("TY", "ELEC"),
        ("AU", name or (f"@{post['handle']}" if post.get("handle") else None)),
        ("TI", _one_line(post.get("text")) or None),
        ("T2", platform_name(post)),
        ("M3", post_kind(post)),
        ("PY", str(day.year) if day else None),
        ("DA", _ris_date(post.get("date"))),
        ("UR", _link(post) or None),
        ("Y2", _ris_date(copy.get("ingested_at")) if copy else None),
        ("LA", post.get("lang")),
        ("DB", _outlet(copy) or None if copy else None),
        ("N1", f"Post {post['status']}; cited from the copy an article kept." if cites_copy(post) else None),
        ("ER", ""),
    ]
    return "\n".join(f"{tag}  - {_one_line(value)}" for tag, value in lines if value is not None)


# --- writing ----------------------------------------------------------------------------------------

TEXT_STYLES: dict[str, Callable[[Post, dt.tzinfo], str]] = {
    "apa": format_apa,
    "mla": format_mla,
    "chicago": format_chicago,
    "chicago-note": format_chicago_note,
}


def write_citations(posts: Iterable[Post], out: TextIO, fmt: str, zone: dt.tzinfo = dt.UTC) -> int:
    """Write the posts' citations in `fmt` (FORMATS); returns how many. CSL-JSON is one array, an
    item a line;
    BibTeX and RIS entries are separated by a blank line; the styles give one reference a line."""
    count = 0
    seen: set[str] = set()
    if fmt == "csl-json":
        out.write("[")
    for post in posts:
        if fmt == "csl-json":
            # One item a line: readable, and json's C encoder (indent= takes the Python one, 3x slower).
            item = json.dumps(csl_item(post), ensure_ascii=False)
            out.write(("," if count else "") + "\n" + item)
        elif fmt == "bibtex":
            out.write(("\n" if count else "") + format_bibtex(post, seen) + "\n")
        elif fmt == "ris":
            out.write(("\n" if count else "") + format_ris(post) + "\n")
        else:
            out.write(TEXT_STYLES[fmt](post, zone) + "\n")
        count += 1
    if fmt == "csl-json":
        out.write("\n]\n" if count else "]\n")
    return count
