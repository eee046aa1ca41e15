"""Pages as the rows the archive stores: pure Python, no connection, so it runs in worker processes.

Saving is split in two so that a parallel ingest's single writer only runs SQL: `prepare_page`
(keys, column bounds, the exact row values) runs wherever the page was extracted, in worker
processes too, and returns plain tuples that cost little to send between processes; `db.store`
writes them.

Posts without a platform id (plain-text copies lose the status URL) are keyed by their content key
(handle + date + normalised text); `db.store` matches and promotes them by it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import operator
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from sqlalchemy import String, Table

from collector import values
from db.fulltext import cjk_terms
from db.merge import COPY_BITS
from db.models import HANDLE_LEN, POST_KEY_LEN, Post

_POSTS: Table = Post.__table__  # type: ignore[assignment]
# VARCHAR bounds PostgreSQL enforces and SQLite ignores (see fit_post).
_LANG_TYPE = _POSTS.c.lang.type
assert isinstance(_LANG_TYPE, String) and _LANG_TYPE.length is not None
_LANG_LEN = _LANG_TYPE.length
# A PostgreSQL btree entry must fit in about 2.7 KB: the display name in the authors table's unique
# key is cut to this many characters (at most 4 bytes each in UTF-8, beside platform and handle).
AUTHOR_NAME_KEY_LEN = 400
# (platform, natural key): how a post is identified across pages.
PostKey = tuple[str, str]
# (platform, case-folded handle without '@', display name): one row in `authors`.
AuthorKey = tuple[str, str, str]
# The Post fields the archive stores as they are, each in the models.Post column of its name: every
# field of values.Post but those converted below. A field added to Post is stored with no change
# here (tests/test_db_store.py holds every name to the model).
_CONVERTED_FIELDS = frozenset({"platform", "date", "posted_at", "links", "quoted", "media"})
STORED_AS_IS: tuple[str, ...] = tuple(
    field.name for field in dataclasses.fields(values.Post) if field.name not in _CONVERTED_FIELDS
)
# A quoted post's fields, each in the column `quoted_<field>`.
QUOTED_FIELDS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(values.Quoted))
# Column order of a prepared post row; the writer appends author_id and first_seen_at. `date` is
# the archive's day (shown, else the id's: values.day_and_source) and `date_source` says which;
# `status` is the tombstone status of the copy's appearance, which the post's record summarises.
POST_COLUMNS = (
    "platform",
    "key",
    "content_key",
    *STORED_AS_IS,
    "date",
    "date_source",
    "posted_at",
    "links_json",
    *(f"quoted_{name}" for name in QUOTED_FIELDS),
    "media_json",
    "status",
    "cjk_terms",
)
# Column order of a prepared appearance's own values (models.Appearance): what belongs to this
# showing of the post, and which fields its copy showed (db.merge.known_bits). The writer adds
# the article, post, position and how the copy differs from the post's record (copy_json).
APPEARANCE_COLUMNS = (
    "status",
    "context_before",
    "context_after",
    "markup",
    "markup_truncated",
    "byte_offset",
    "copy_known",
)
_stored_as_is = operator.attrgetter(*STORED_AS_IS)
_quoted_values = operator.attrgetter(*QUOTED_FIELDS)
PLATFORM_AT, KEY_AT, CONTENT_KEY_AT, POST_ID_AT, URL_AT, AUTHOR_NAME_AT, HANDLE_AT, POSTED_AT_AT = (
    POST_COLUMNS.index(name)
    for name in ("platform", "key", "content_key", "post_id", "url", "author_name", "handle", "posted_at")
)
LINKS_JSON_AT = POST_COLUMNS.index("links_json")
_DATE_SOURCE_AT = POST_COLUMNS.index("date_source")
_COPY_BITS_AT = tuple((bit, POST_COLUMNS.index(name)) for name, bit in COPY_BITS.items())
# Column order of a prepared article row; the writer appends ingested_at.
ARTICLE_COLUMNS = (
    "identity",
    "source",
    "url",
    "title",
    "canonical_url",
    "site_name",
    "published",
    "saved_from",
    "sha256",
    "fetched_url",
    "final_url",
    "http_status",
    "fetched_at",
    "archive_path",
    "author",
)
# A post's appearance ready for the writer: the copy's row (POST_COLUMNS; storable, times in UTC),
# its links (storable), and the appearance's own values (APPEARANCE_COLUMNS); its keys are read
# off the row. Plain tuples, not named ones: one crosses from a worker process per post, and plain
# tuples unpickle faster (measured: docs/design-perf.md), time the single writer would spend.
PreparedPost = tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...]]


class PreparedPage(NamedTuple):
    """A page ready to save: `prepare_page`'s result, plain values only (cheap to pickle)."""

    identity: str
    source: str
    row: tuple[Any, ...]  # ARTICLE_COLUMNS, storable
    posts: tuple[PreparedPost, ...]


def article_url(article: values.Article) -> str | None:
    """The page's own address: its canonical URL first, so that the page fetched, its saved copy
    and a clip of it (whose front matter gives the canonical URL) are one article; then the URL
    it was read from, the saved-from comment, the fetch's final URL.

    A canonical URL naming the site's home page for a page that is not is a template's mistake
    (every article would be one), and is passed over.
    """
    meta = article.meta
    read_from = article.url or meta.saved_from or article.final_url
    canonical = meta.canonical_url
    if canonical and read_from and _is_home(canonical) and not _is_home(read_from):
        canonical = None
    return canonical or read_from


def _is_home(url: str) -> bool:
    try:
        return urllib.parse.urlsplit(values.normalize_url(url)).path == "/"
    except ValueError:  # not a URL urlsplit can read: not a home page either
        return False


def url_identity(url: str) -> str:
    """The identity of an article at `url` (normalised: collector.values.normalize_url)."""
    return hashlib.sha256(f"url:{values.normalize_url(url)}".encode()).hexdigest()


def article_identity(article: values.Article) -> str:
    """One article however often it is saved: its URL when known, else its content hash."""
    url = article_url(article)
    return url_identity(url) if url else article.sha256


def prepare_page(article: values.Article, posts: Sequence[values.Post | values.Appearance]) -> PreparedPage:
    """Everything the writer needs from one page, as plain values: no database needed.

    `posts`: the page's appearances in document order (a bare Post is an appearance of it with
    nothing more known). A parallel ingest calls this in its worker processes, so the single
    writer only runs SQL.
    """
    identity = article_identity(article)
    return PreparedPage(
        identity,
        article.source,
        _storable(_article_values(article, identity)),
        tuple(_prepare_post(item) for item in posts),
    )


def _article_values(article: values.Article, identity: str) -> tuple[Any, ...]:
    meta = article.meta
    return (
        identity,
        article.source,
        article_url(article),
        meta.title,
        meta.canonical_url,
        meta.site_name,
        meta.published,
        meta.saved_from,
        article.sha256,
        article.fetched_url,
        article.final_url,
        article.http_status,
        to_utc(article.fetched_at),
        article.archive_path,
        meta.author,
    )


def _prepare_post(item: values.Post | values.Appearance) -> PreparedPost:
    appearance = item if isinstance(item, values.Appearance) else values.Appearance(item)
    post = fit_post(appearance.post)
    content = values.content_key(post)
    key = post.post_id or content
    quoted = post.quoted or _NO_QUOTE
    day, source = values.day_and_source(post)
    row = (
        post.platform,
        key,
        content,
        *_stored_as_is(post),
        day,
        source,
        to_utc(post.posted_at),
        _json_list(post.links),
        *_quoted_values(quoted),
        _json_list(post.media),
        appearance.status,
        cjk_terms(post.text, post.author_name, post.handle),
    )
    own = (
        appearance.status,
        appearance.context_before,
        appearance.context_after,
        appearance.markup,
        appearance.markup_truncated,
        appearance.byte_offset,
    )
    return _storable(row), _storable(post.links), (*_storable(own), _copy_known(row))


def _copy_known(row: tuple[Any, ...]) -> int:
    """copy_known of a copy's row: db.merge.known_bits of its shown fields, read off the row."""
    known = 0
    for bit, at in _COPY_BITS_AT:
        value = row[at]
        if value is not None and value != "[]":
            known |= bit
    return known if row[_DATE_SOURCE_AT] == values.DATE_SHOWN else known & ~COPY_BITS["date"]


def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False) if items else "[]"


_NO_QUOTE = values.Quoted()


def _storable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL characters: both databases store U+FFFD instead (as HTML does)."""
    if not any(isinstance(value, str) and "\x00" in value for value in row):
        return row
    return tuple(value.replace("\x00", "\ufffd") if isinstance(value, str) else value for value in row)


def row_post_key(row: tuple[Any, ...]) -> PostKey:
    return row[PLATFORM_AT], row[KEY_AT]


def row_content_key(row: tuple[Any, ...]) -> PostKey:
    return row[PLATFORM_AT], row[CONTENT_KEY_AT]


def handle_key(handle: str | None) -> str:
    # Cut again after casefold, which may lengthen ("ß" -> "ss").
    return (handle or "").lstrip("@").casefold()[:HANDLE_LEN]


def row_author_key(row: tuple[Any, ...]) -> AuthorKey | None:
    handle = handle_key(row[HANDLE_AT])
    name = (row[AUTHOR_NAME_AT] or "")[:AUTHOR_NAME_KEY_LEN]
    return (row[PLATFORM_AT], handle, name) if handle or name else None


def to_utc(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite keeps no time zone: everything is stored as UTC (see models.Post.posted_at).
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def fit_post(post: values.Post) -> values.Post:
    """`post` cut to the schema's column bounds, alike on both databases.

    Only broken or hostile markup goes past them (a 40-character lang attribute, a 200-character
    handle, a "post id" longer than any platform's); PostgreSQL would fail the whole page over it
    while SQLite stored it whole. An id too long to be a key is dropped: the post is then keyed by
    its content, like a plain-text copy.
    """
    quoted = post.quoted
    fits = (
        len(post.post_id or "") <= POST_KEY_LEN
        and len(post.handle or "") <= HANDLE_LEN
        and len(post.lang or "") <= _LANG_LEN
        and (quoted is None or len(quoted.handle or "") <= HANDLE_LEN)
    )
    if fits:
        return post
    return replace(
        post,
        post_id=post.post_id if len(post.post_id or "") <= POST_KEY_LEN else None,
        handle=post.handle[:HANDLE_LEN] if post.handle else post.handle,
        lang=post.lang[:_LANG_LEN] if post.lang else post.lang,
        quoted=replace(quoted, handle=quoted.handle[:HANDLE_LEN] if quoted.handle else None)
        if quoted
        else None,
    )


def identity_columns(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "key": row[KEY_AT],
        "post_id": row[POST_ID_AT],
        "url": row[URL_AT],
        "posted_at": row[POSTED_AT_AT],
    }
