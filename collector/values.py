"""The plain value types that extraction produces and the archive stores.

Nothing here knows about HTML parsers, databases or the CLI: `db` may import this module,
extraction code builds these values, and the two never meet except in the ingest pipeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field

PLATFORMS = (
    "twitter",
    "bluesky",
    "mastodon",
    "threads",
    "instagram",
    "facebook",
    "tiktok",
    "reddit",
    "linkedin",
)

# The export record (`quotes search/export/show`), in its column order: a post's own fields (any
# field of Post but `quoted`), then how many articles quote it and their addresses. db.records
# builds it; every reader of records uses these names.
RECORD_POST_KEYS = (
    "platform",
    "post_id",
    "url",
    "handle",
    "author_name",
    "date",
    "posted_at",
    "date_text",
    "text",
    "links",
    "lang",
)
RECORD_ARTICLE_KEYS = ("article_count", "article_urls")
# Columns added after the first release, appended so that readers of the older columns by position
# keep working: where `date` comes from ("shown", "id" or None), the most severe tombstone status
# an article showed (STATUSES), the post's media and quoted post, the earliest published time of
# the quoting articles and their titles.
RECORD_ADDED_KEYS = ("date_source", "status", "media", "quoted_url", "first_quoted_at", "article_titles")
# The archive user's own marks on a post (`quotes tag`, `quotes note`): always the last columns.
RECORD_MARK_KEYS = ("tags", "note")
RECORD_KEYS = (*RECORD_POST_KEYS, *RECORD_ARTICLE_KEYS, *RECORD_ADDED_KEYS, *RECORD_MARK_KEYS)
# A tombstone's status: what an article showed in place of the post, most severe first (a post's
# summary status is the first of these any of its articles showed).
STATUSES = ("deleted", "suspended", "withheld", "protected", "unavailable")
# Where the archive's `date` comes from: the day the page shows, else the UTC day of the id's time.
DATE_SHOWN, DATE_FROM_ID = "shown", "id"

_SPACE_RUN = re.compile(r"\s+")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say how a reader arrived, not which page it is: Google Analytics' utm_*
# (prefix) and the click ids of Facebook, Google Ads, Microsoft Ads, Yandex, Twitter, Mailchimp,
# HubSpot, Marketo and Instagram shares.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "mc_cid",
        "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "igshid", "_ga", "_gl",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Quoted:
    """A post shown inside another post (a quote tweet card)."""

    author_name: str | None = None
    handle: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """One embedded social-media post as found in a page.

    `None` means the page does not carry that information; extraction never invents it.
    `date` is the day as shown (or derived from the platform's id clock when nothing is shown);
    `posted_at` is the exact UTC instant when the platform's id encodes it.
    """

    platform: str
    post_id: str | None = None
    url: str | None = None
    author_name: str | None = None
    handle: str | None = None
    date_text: str | None = None
    date: dt.date | None = None
    posted_at: dt.datetime | None = None
    text: str | None = None
    links: tuple[str, ...] = ()
    lang: str | None = None
    quoted: Quoted | None = field(default=None, compare=True)
    media: tuple[str, ...] = ()
    quoted_url: str | None = None


@dataclass(frozen=True, slots=True)
class Appearance:
    """One place a page shows a post: the copy it shows, and how and where it shows it.

    Post-level facts live in `post` (the copy as this page shows it); what belongs to this
    appearance only lives here: `status`, a tombstone's (STATUSES) when the page shows one in
    place of the post, else None; `context_before` / `context_after`, the reader text of the
    article's paragraph directly before and after the embed (at most CONTEXT_CHARS each).

    The evidence of the showing (collector.extract.evidence): `markup`, the embed's markup as the
    page has it (at most MARKUP_BYTES of UTF-8; `markup_truncated` when it was cut there), and
    `byte_offset`, where that markup starts in the page's UTF-8 bytes (None when it could not be
    told: then `markup` is the parser's serialisation of the element).
    """

    post: Post
    status: str | None = None
    context_before: str | None = None
    context_after: str | None = None
    markup: str | None = None
    markup_truncated: bool = False
    byte_offset: int | None = None


# A context paragraph is cut to this many characters.
CONTEXT_CHARS = 500
# An appearance's markup is kept up to this many bytes of UTF-8 (64 KiB): an embed is a few KB; a
# larger one is a page's wrapper markup, kept in part and flagged (Appearance.markup_truncated).
MARKUP_BYTES = 64 * 1024


def day_and_source(post: Post) -> tuple[dt.date | None, str | None]:
    """The day the archive files a post under, and where it comes from (DATE_SHOWN, DATE_FROM_ID)."""
    if post.date is not None:
        return post.date, DATE_SHOWN
    if post.posted_at is not None:
        moment = post.posted_at
        moment = moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment
        return moment.date(), DATE_FROM_ID
    return None, None


def normalize_text(text: str | None) -> str:
    """Text as compared for deduplication: NFC, case-folded, whitespace collapsed."""
    if not text:
        return ""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def content_key(post: Post) -> str:
    """A compact key for a post that has no platform id: handle + date + normalised text.

    Plain-text copies of articles lose the status URL, so the same tweet seen as text and as an
    embed can only be matched this way.
    """
    handle = (post.handle or "").casefold()
    day = post.date.isoformat() if post.date else ""
    digest = hashlib.sha1(f"{handle}\x1f{day}\x1f{normalize_text(post.text)}".encode()).hexdigest()
    return "~" + digest[:24]


def natural_key(post: Post) -> str:
    """The unique key of a post within its platform: its id, else its content key."""
    return post.post_id if post.post_id else content_key(post)


def normalize_url(url: str) -> str:
    """`url` as the key of the page it names: one spelling for the fetched page, its saved copy's
    canonical link and a clipper's front matter.

    Scheme and host lower-cased, the default port dropped, an empty path as '/' and a trailing
    slash dropped from any other, the fragment dropped, tracking parameters (TRACKING_PARAMETERS,
    utm_*) removed; the other parameters are kept as written, in their order. Not a URL with a
    host: returned stripped.
    """
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal: keep it as written
        return url
    if not parts.scheme or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = parts.path.rstrip("/") or "/"
    kept = [item for item in parts.query.split("&") if item and not _is_tracking(item)]
    return urllib.parse.urlunsplit((scheme, netloc, path, "&".join(kept), ""))


def _is_tracking(parameter: str) -> bool:
    name = urllib.parse.unquote_plus(parameter.split("=", 1)[0]).lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a page says about itself. Every field is optional: plain-text copies carry little."""

    title: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    published: str | None = None
    saved_from: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one page: its metadata and its posts' appearances in document order."""

    meta: ArticleMeta
    appearances: tuple[Appearance, ...]

    @property
    def posts(self) -> tuple[Post, ...]:
        """The posts as the page shows them, in document order."""
        return tuple(appearance.post for appearance in self.appearances)


@dataclass(frozen=True, slots=True)
class Article:
    """One ingested page, as the archive records it.

    `source` is the file path or URL the user gave (or `-`); `url` the page's own address when
    known (canonical, saved-from, or fetched final URL); `sha256` of the raw bytes read.
    """

    source: str
    sha256: str
    meta: ArticleMeta = ArticleMeta()
    url: str | None = None
    fetched_url: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    fetched_at: dt.datetime | None = None
    archive_path: str | None = None
