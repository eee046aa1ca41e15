"""Reading the archive: the query builders (filters, export rows, authors, articles, statistics).

Query builders return statements and callers execute them (`db.records` streams the export
records from `select_records`); `find_post_id` and `collect_stats` are the small executing
helpers the CLI uses.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from collector.values import RECORD_ADDED_KEYS, RECORD_POST_KEYS
from db.dialects import joined_list, match_all, year_month
from db.models import Appearance, Article, Author, Post, PostTag

# Statements of any column types (SQLAlchemy 2.1 types Select/Row by their columns).
AnySelect = Select[*tuple[Any, ...]]
TOP_AUTHORS = 10
# Internal ids are INTEGER columns: a number past PostgreSQL's bound names no row on either database
# (and SQLite overflows at 2^63). Row counts past BIGINT's bound no archive holds.
MAX_ROW_ID = 2**31 - 1
MAX_LIMIT = 2**63 - 1
TEXT_FILTERS = ("words", "author", "platform", "article")
# --sort: by the post's date (undated posts last either way), or by how many articles quote it.
SORTS = ("oldest", "newest", "most-quoted")


@dataclass(frozen=True, slots=True)
class Filters:
    """What `quotes search/export` narrow the archive to; None means no restriction."""

    words: str | None = None
    author: str | None = None
    platform: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    article: str | None = None
    limit: int | None = None
    sort: str | None = None  # one of SORTS; None: the listing's own order
    offset: int | None = None
    tags: tuple[str, ...] = ()  # posts carrying every one of these tags
    # Posts an article showed as a tombstone of this status (collector.values.STATUSES).
    status: str | None = None
    # Posts whose copies differ (db.merge: an appearance whose copy_json holds a difference).
    differing: bool = False

    def __post_init__(self) -> None:
        for name in TEXT_FILTERS:
            if value := getattr(self, name):
                object.__setattr__(self, name, argument_text(value))
        for name in ("limit", "offset"):
            if (value := getattr(self, name)) is not None and value > MAX_LIMIT:
                object.__setattr__(self, name, MAX_LIMIT)
        if self.sort is not None and self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; expected one of {', '.join(SORTS)}")
        object.__setattr__(self, "tags", tuple(argument_text(tag) for tag in self.tags))


def tag_key(tag: str) -> str:
    """How tags compare: NFC, case-folded, spaces around removed (`#Vote` and `#vote` are one)."""
    return unicodedata.normalize("NFC", tag).strip().casefold()


def argument_text(value: str) -> str:
    """A command-line argument as text the databases can bind, as the archive stores file names.

    Bytes that are not UTF-8 reach Python as lone surrogates, which neither database can encode:
    they become `\\xNN` escapes (a file name stored so still matches); NUL, which PostgreSQL
    refuses, becomes U+FFFD as in stored pages.
    """
    try:
        text = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte made
        text = value.encode("utf-8", "backslashreplace").decode("ascii")
    return text.replace("\x00", "\ufffd")


@dataclass(frozen=True, slots=True)
class Stats:
    """Archive totals for `quotes stats`."""

    posts: int
    articles: int
    per_platform: dict[str, int]
    top_authors: list[tuple[str, str | None, str | None, int]]  # platform, handle, name, posts
    per_month: list[tuple[str, int]]  # ('YYYY-MM', posts); undated posts are left out
    undated: int = 0


def article_source() -> ColumnElement[str]:
    # Articles without a URL (local files) are shown by their path.
    return func.coalesce(Article.url, Article.source)


def _author_condition(author: str) -> ColumnElement[bool]:
    # Resolve to author ids first: a few thousand author rows instead of a million posts.
    handle = author.strip().lstrip("@").casefold()
    matching = select(Author.id).where(
        or_(Author.handle_key == handle, Author.name.icontains(author.strip(), autoescape=True))
    )
    return Post.author_id.in_(matching)


def _article_condition(text: str) -> ColumnElement[bool]:
    matching = (
        select(Appearance.post_id)
        .join(Article, Article.id == Appearance.article_id)
        .where(_article_matches(text))
    )
    return Post.id.in_(matching)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.words:
        conditions.append(match_all(filters.words))
    if filters.author:
        conditions.append(_author_condition(filters.author))
    if filters.platform:
        conditions.append(Post.platform == filters.platform)
    if filters.since:
        conditions.append(Post.date >= filters.since)
    if filters.until:
        conditions.append(Post.date <= filters.until)
    if filters.article:
        conditions.append(_article_condition(filters.article))
    for tag in filters.tags:
        conditions.append(Post.id.in_(select(PostTag.post_id).where(PostTag.tag_key == tag_key(tag))))
    if filters.status:
        conditions.append(Post.id.in_(select(Appearance.post_id).where(Appearance.status == filters.status)))
    if filters.differing:
        conditions.append(Post.id.in_(select(Appearance.post_id).where(Appearance.copy_json.is_not(None))))
    return conditions


def quotation_count() -> Any:
    """How many articles quote the current post (one correlated count on appearances' index)."""
    return (
        select(func.count(func.distinct(Appearance.article_id)))
        .where(Appearance.post_id == Post.id)
        .correlate(Post)
        .scalar_subquery()
    )


def _post_order(sort: str) -> list[Any]:
    # Undated posts last on both databases (SQLite sorts NULL first by default, PostgreSQL last).
    oldest = [Post.date.asc().nulls_last(), Post.post_id.asc().nulls_last(), Post.id]
    if sort == "newest":
        return [Post.date.desc().nulls_last(), Post.post_id.desc().nulls_last(), Post.id.desc()]
    if sort == "most-quoted":
        return [quotation_count().desc(), *oldest]
    return oldest


def paged(statement: AnySelect, filters: Filters) -> AnySelect:
    """`statement` cut to --offset and --limit."""
    if filters.offset:
        statement = statement.offset(filters.offset)
    return statement.limit(filters.limit) if filters.limit is not None else statement


def _ordered(statement: AnySelect, filters: Filters) -> AnySelect:
    return paged(statement.order_by(*_post_order(filters.sort or "oldest")), filters)


def select_post_ids(filters: Filters) -> AnySelect:
    """Internal ids of the matching posts, in export order: the query without building records."""
    return _ordered(select(Post.id).where(*_conditions(filters)), filters)


def _quoting_article_ids() -> Any:
    """The ids of the articles quoting the current post, joined by LIST_SEPARATOR (one per appearance).

    Only the (post_id, article_id) index is read. Looking each address up in the articles table
    inside the query cost a third of the whole query at 1M posts (docs/design-perf.md);
    `_fetch_addresses` resolves a batch's article ids in one query instead.
    """
    return (
        select(joined_list(cast(Appearance.article_id, String), Appearance.article_id))
        .where(Appearance.post_id == Post.id)
        .correlate(Post)
        .scalar_subquery()
    )


# Record fields read from another column, or raw: SQLite's date text is already the ISO form, and
# skipping the date/datetime conversion (a regex per value) is a good part of the export's speed.
# Every other field of the record is the Post column of its name.
_RECORD_COLUMNS: dict[str, Any] = {
    "date": type_coerce(Post.date, String).label("date"),
    "posted_at": type_coerce(Post.posted_at, String).label("posted_at"),
    "links": Post.links_json.label("links"),
    "media": Post.media_json.label("media"),
}
# The added record fields read from the quoting articles (db.records builds them), not the post.
ARTICLE_FIELDS = ("first_quoted_at", "article_titles")
# The added record fields that are the post's own columns, in record order.
ADDED_POST_KEYS = tuple(key for key in RECORD_ADDED_KEYS if key not in ARTICLE_FIELDS)


def select_records(filters: Filters) -> AnySelect:
    """Export rows in the --sort order (by date then post id unless told otherwise);
    `db.records.export_columns` turns rows into the export.

    Columns: the RECORD_KEYS from `platform` to `lang` (links as JSON text; date and posted_at as
    the database returns them), then `article_ids`: the ids of the quoting articles, one per
    appearance, joined by LIST_SEPARATOR; then the ADDED_POST_KEYS (media as JSON text); then the
    post's internal id (its tags and note are looked up by it).
    """
    columns = [_record_column(key) for key in RECORD_POST_KEYS]
    added = [_record_column(key) for key in ADDED_POST_KEYS]
    statement = select(
        *columns, _quoting_article_ids().label("article_ids"), *added, Post.id.label("row_id")
    ).where(*_conditions(filters))
    return _ordered(statement, filters)


def _record_column(key: str) -> Any:
    return _RECORD_COLUMNS[key] if key in _RECORD_COLUMNS else getattr(Post, key)


def _first_post(session: Session, condition: ColumnElement[bool]) -> int | None:
    return session.execute(select(Post.id).where(condition).order_by(Post.id).limit(1)).scalar()


def find_post_id(session: Session, ref: str) -> int | None:
    """Platform id first, then the post URL (or the id at its end), then the internal id."""
    ref = argument_text(ref.strip())
    found = _first_post(session, Post.post_id == ref)
    if found is None and "://" in ref:
        found = _first_post(session, Post.url == ref)
        # The same status in another spelling (x.com vs twitter.com, ?s=20): match the id at its end.
        tail = ref.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if found is None and tail:
            found = _first_post(session, Post.post_id == tail)
    # isascii: str.isdigit is also true of '²' and other digits int() refuses.
    if found is None and ref.isascii() and ref.isdigit() and int(ref) <= MAX_ROW_ID:
        found = _first_post(session, Post.id == int(ref))
    return found


# What `select_quotations` gives for each appearance, in its column order.
QUOTATION_FIELDS = (
    "title",
    "url",
    "source",
    "position",
    "ingested_at",
    "site_name",
    "published",
    "author",
    "status",
    "context_before",
    "context_after",
    "copy_known",
    "copy_json",
)


def select_quotations(post_row_id: int) -> AnySelect:
    """The articles quoting one post (by internal id), oldest ingest first: QUOTATION_FIELDS."""
    return (
        select(
            *(
                getattr(Appearance if hasattr(Appearance, name) else Article, name)
                for name in QUOTATION_FIELDS
            )
        )
        .join(Appearance, Appearance.article_id == Article.id)
        .where(Appearance.post_id == post_row_id)
        .order_by(Article.id, Appearance.position)
    )


def select_authors(filters: Filters = Filters()) -> AnySelect:
    """One row per (platform, handle) among the matching posts: handle and name as shown, post
    count, first and last date; most posts first unless --sort says otherwise."""
    count = func.count(Post.id)
    first, last = func.min(Post.date), func.max(Post.date)
    orders: dict[str, list[Any]] = {
        "oldest": [first.asc().nulls_last()],
        "newest": [last.desc().nulls_last()],
        "most-quoted": [count.desc()],
    }
    order = orders[filters.sort or "most-quoted"]
    statement = (
        select(
            Post.platform,
            func.min(Post.handle).label("handle"),
            func.max(Post.author_name).label("author_name"),
            count.label("post_count"),
            first.label("first_date"),
            last.label("last_date"),
        )
        .join(Author, Author.id == Post.author_id)
        .where(*_conditions(filters))
        .group_by(Post.platform, Author.handle_key)
        .order_by(*order, Post.platform, Author.handle_key)
    )
    return paged(statement, filters)


def _article_matches(text: str) -> ColumnElement[bool]:
    return or_(
        Article.url.icontains(text, autoescape=True),
        Article.source.icontains(text, autoescape=True),
        Article.title.icontains(text, autoescape=True),
    )


def select_articles(filters: Filters) -> AnySelect:
    """Articles (id, title, URL or path, published, posts quoted, ingested).

    With post filters (words, author, platform, dates, tags), the articles quoting a matching post,
    counting those; without, every article, those quoting no post too. --article matches the
    article's own URL, path or title. Oldest published first unless --sort says otherwise.
    """
    post_conditions = _conditions(replace(filters, article=None))
    count = func.count(func.distinct(Appearance.post_id))
    statement = select(
        Article.id,
        Article.title,
        article_source().label("url"),
        Article.published,
        count.label("post_count"),
        Article.ingested_at,
    )
    if post_conditions:
        statement = statement.join(Appearance, Appearance.article_id == Article.id)
        statement = statement.join(Post, Post.id == Appearance.post_id).where(*post_conditions)
    else:
        statement = statement.outerjoin(Appearance, Appearance.article_id == Article.id)
    if filters.article:
        statement = statement.where(_article_matches(filters.article))
    orders: dict[str, list[Any]] = {
        "oldest": [Article.published.asc().nulls_last(), Article.ingested_at, Article.id],
        "newest": [Article.published.desc().nulls_last(), Article.ingested_at.desc(), Article.id.desc()],
        "most-quoted": [count.desc(), Article.ingested_at, Article.id],
    }
    order = orders[filters.sort or "oldest"]
    statement = statement.group_by(
        Article.id, Article.title, Article.url, Article.source, Article.published, Article.ingested_at
    )
    return paged(statement.order_by(*order), filters)


def collect_stats(session: Session) -> Stats:
    """Totals per platform, the most quoted authors, and posts per month."""
    per_platform = dict(
        session.execute(
            select(Post.platform, func.count()).group_by(Post.platform).order_by(Post.platform)
        ).all()
    )
    articles = session.execute(select(func.count()).select_from(Article)).scalar_one()
    top = [
        (row.platform, row.handle, row.author_name, row.post_count)
        for row in session.execute(select_authors().limit(TOP_AUTHORS))
    ]
    month = year_month(Post.date)
    per_month = [
        (str(ym), int(n))
        for ym, n in session.execute(
            select(month, func.count()).where(Post.date.is_not(None)).group_by(month).order_by(month)
        )
    ]
    undated = session.execute(select(func.count()).where(Post.date.is_(None))).scalar_one()
    return Stats(
        posts=sum(per_platform.values()),
        articles=int(articles),
        per_platform={str(k): int(v) for k, v in per_platform.items()},
        top_authors=top,
        per_month=per_month,
        undated=int(undated),
    )
