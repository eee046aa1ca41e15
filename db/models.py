"""The archive's schema: one set of typed models for SQLite and PostgreSQL.

Generic types only; each natural key is a unique constraint (the upserts in `store` target them);
the naming convention gives every constraint and index a stable name that Alembic can refer to.
Full-text search is not modelled here: it is dialect-specific and lives in `db/dialects.py`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Lengths are generous limits, not formats: SQLite ignores them, PostgreSQL enforces them.
PLATFORM_LEN = 16
# Facebook pfbid ids run to ~60 characters; leave room (PostgreSQL would refuse longer values).
POST_KEY_LEN = 255
SHA256_LEN = 64
HANDLE_LEN = 128
# collector.values.STATUSES and the date sources ("shown", "id"): short words.
STATUS_LEN = 16
DATE_SOURCE_LEN = 8


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Author(Base):
    """One (platform, handle, display name) as seen in posts.

    A small lookup table so that `--author` (handle, or part of the name) scans a few thousand
    author rows instead of every post, then follows the posts' author_id index.
    """

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("platform", "handle_key", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LEN))
    # Case-folded handle without '@'; '' when the post shows none (NULLs would never conflict).
    handle_key: Mapped[str] = mapped_column(String(HANDLE_LEN))
    name: Mapped[str] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(String(HANDLE_LEN))


class Post(Base):
    """A post, stored once however many articles quote it."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("platform", "key"),
        # Few indexes on purpose: each one costs insert rate at scale (measured: docs/design-db.md).
        Index(None, "date", "post_id"),  # export order, --since/--until
        Index(None, "author_id", "date"),  # --author; and content-key matches within an author's day
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LEN))
    # The natural key within the platform: the post id, or for id-less posts the content key
    # (collector.values.content_key, '~' + 24 hex) — short, so the unique index stays compact.
    key: Mapped[str] = mapped_column(String(POST_KEY_LEN))
    # The content key of every post, id or not, so a plain-text copy finds the embedded original
    # (looked up among the posts of the same author, so it needs no index of its own).
    content_key: Mapped[str] = mapped_column(String(POST_KEY_LEN))
    post_id: Mapped[str | None] = mapped_column(String(POST_KEY_LEN))
    url: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author_name: Mapped[str | None] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(String(HANDLE_LEN))
    date_text: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date)
    # Always UTC. SQLite keeps no zone, so values are stored and read back as naive UTC.
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    text: Mapped[str | None] = mapped_column(Text)
    # The links as a JSON list too, so exports read one column instead of joining `links`.
    links_json: Mapped[str] = mapped_column(Text, default="[]")
    lang: Mapped[str | None] = mapped_column(String(32))
    quoted_author_name: Mapped[str | None] = mapped_column(Text)
    quoted_handle: Mapped[str | None] = mapped_column(String(HANDLE_LEN))
    quoted_text: Mapped[str | None] = mapped_column(Text)
    # The CJK runs of text, author name and handle as overlapping bigrams, for the full-text index
    # (db.fulltext.cjk_terms); None for posts without CJK. Written with the post, never shown.
    cjk_terms: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Added by revision 0004 (docs/design-records.md). `date` above is the day the page shows,
    # else the UTC day of the id's time; `date_source` says which ("shown", "id").
    date_source: Mapped[str | None] = mapped_column(String(DATE_SOURCE_LEN))
    # The most severe tombstone status any article showed for the post (collector.values.STATUSES).
    status: Mapped[str | None] = mapped_column(String(STATUS_LEN))
    quoted_url: Mapped[str | None] = mapped_column(Text)
    # The media URLs as a JSON list, like links_json.
    media_json: Mapped[str] = mapped_column(Text, default="[]")


class Article(Base):
    """An ingested page. The same article saved twice is one row (see `identity`)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 hex of 'url:' + the page's own URL when known, else the sha256 of its content.
    identity: Mapped[str] = mapped_column(String(SHA256_LEN), unique=True)
    source: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(Text)
    saved_from: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(SHA256_LEN))
    fetched_url: Mapped[str | None] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    archive_path: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # The byline, as the page's metadata gives it (revision 0004).
    author: Mapped[str | None] = mapped_column(Text)


class Appearance(Base):
    """Post `post_id` is quoted in article `article_id` at `position` (0-based, document order).

    What belongs to this one showing of the post, not to the post (revision 0004): a tombstone's
    `status`, the paragraphs around the embed, and the copy this article showed, kept compactly
    against the post's record (db.merge: `copy_known` is a bit per field the copy showed,
    `copy_json` the fields whose values differ from the post's), and its evidence.
    """

    __tablename__ = "appearances"
    __table_args__ = (
        UniqueConstraint("article_id", "post_id", "position"),
        Index(None, "post_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(STATUS_LEN))
    context_before: Mapped[str | None] = mapped_column(Text)
    context_after: Mapped[str | None] = mapped_column(Text)
    copy_known: Mapped[int | None] = mapped_column(Integer)
    copy_json: Mapped[str | None] = mapped_column(Text)
    # The evidence of this showing (revision 0008, collector.extract.evidence): the embed's markup
    # as the page writes it (at most collector.values.MARKUP_BYTES; `markup_truncated` when cut),
    # and where it starts in the page's bytes (None: not found again, the markup is lexbor's).
    # `byte_offset`, not `offset`: OFFSET is an SQL keyword.
    markup: Mapped[str | None] = mapped_column(Text)
    markup_truncated: Mapped[bool | None] = mapped_column(Boolean)
    byte_offset: Mapped[int | None] = mapped_column(BigInteger)
    # The sha256 of the page this showing was read from (revision 0009): the article's own, or a
    # later copy of its URL's, which `markup` and `byte_offset` then belong to. None before 0009.
    page_sha256: Mapped[str | None] = mapped_column(String(64))


class Link(Base):
    """A link inside a post's text, in order."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("post_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)


TAG_LEN = 100


class PostTag(Base):
    """A tag the archive's user put on a post (`quotes tag`): theirs, not the page's."""

    __tablename__ = "post_tags"
    __table_args__ = (
        UniqueConstraint("post_id", "tag_key"),
        Index(None, "tag_key", "post_id"),  # --tag
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # As first written; `tag_key` (case-folded) is what --tag and untag compare.
    tag: Mapped[str] = mapped_column(String(TAG_LEN))
    tag_key: Mapped[str] = mapped_column(String(TAG_LEN))
    tagged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PostNote(Base):
    """The user's note on a post (`quotes note`), one per post."""

    __tablename__ = "post_notes"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    noted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Source(Base):
    """One input file or URI of `quotes ingest --dask` (a WARC, a page file): when it was read
    through, what it gave, and why it stopped if it did. A rerun skips the files done without an
    error (`--redo` reads them again), so a crawl of many WARCs resumes where it stopped."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("uri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # As given (a path, or a URI with its scheme); pages of a WARC are its articles' sources.
    uri: Mapped[str] = mapped_column(Text)
    done_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    pages: Mapped[int] = mapped_column(Integer)
    posts: Mapped[int] = mapped_column(Integer)
    # The file's own failure (unreadable, missing, cut short after `pages` pages); None when whole.
    error: Mapped[str | None] = mapped_column(Text)
