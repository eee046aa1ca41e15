"""The plain value types that extraction produces and the archive stores.

Nothing here knows about HTML parsers, databases or the CLI: `db` may import this module,
extraction code builds these values, and the two never meet except in the ingest pipeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
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
RECORD_KEYS = (*RECORD_POST_KEYS, *RECORD_ARTICLE_KEYS)

_SPACE_RUN = re.compile(r"\s+")


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


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a page says about itself. Every field is optional: plain-text copies carry little."""

    title: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    published: str | None = None
    saved_from: str | None = None


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one page: its metadata and its posts in document order."""

    meta: ArticleMeta
    posts: tuple[Post, ...]


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
