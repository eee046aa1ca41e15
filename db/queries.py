"""Reading the archive: filters, export records, one post's detail, authors, articles, statistics.

Query builders return statements and callers execute them; `iter_records` and friends are the
thin executing helpers the CLI uses. Exports stream with `yield_per`, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, String, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from collector import posts as values
from db.dialects import LIST_SEPARATOR, joined_list, match_all, year_month
from db.models import Appearance, Article, Author, Post

# Statements of any column types (SQLAlchemy 2.1 types Select/Row by their columns).
AnySelect = Select[*tuple[Any, ...]]

# Rows fetched per round trip when streaming exports. Small on purpose: see COLUMN_BATCH (PERF.md's
# 10k was measured row by row; 512 here is 1.3x faster than 2,000 for the column passes).
STREAM_BATCH = 512
# Rows converted together a column at a time: small enough that a batch's columns stay in the CPU
# cache through every pass over them (1M-post CSV export: 2,000 rows 61k rows/s, 50-250 rows 75-78k).
COLUMN_BATCH = 256
# Article ids per lookup query (well under SQLite's and PostgreSQL's bound-parameter limits).
ADDRESS_BATCH = 1_000
# An article's address looked up by id costs about this many times its share of reading them all.
LOOKUP_COST = 6
TOP_AUTHORS = 10
# Internal ids are INTEGER columns: a number past PostgreSQL's bound names no row on either database
# (and SQLite overflows at 2^63). Row counts past BIGINT's bound no archive holds.
MAX_ROW_ID = 2**31 - 1
MAX_LIMIT = 2**63 - 1
TEXT_FILTERS = ("words", "author", "platform", "article")
RECORD_KEYS = (
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
    "article_count",
    "article_urls",
)


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

    def __post_init__(self) -> None:
        for name in TEXT_FILTERS:
            if value := getattr(self, name):
                object.__setattr__(self, name, argument_text(value))
        if self.limit is not None and self.limit > MAX_LIMIT:
            object.__setattr__(self, "limit", MAX_LIMIT)


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
class Quotation:
    """One article that quoted a post, and where."""

    title: str | None
    url: str | None
    source: str
    position: int
    ingested_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PostDetail:
    """A post's export record plus every article that quoted it (oldest ingest first)."""

    record: dict[str, Any]
    articles: list[Quotation]


@dataclass(frozen=True, slots=True)
class Stats:
    """Archive totals for `quotes stats`."""

    posts: int
    articles: int
    per_platform: dict[str, int]
    top_authors: list[tuple[str, str | None, str | None, int]]  # platform, handle, name, posts
    per_month: list[tuple[str, int]]  # ('YYYY-MM', posts); undated posts are left out
    undated: int = 0


def _article_source() -> ColumnElement[str]:
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
        .where(
            or_(
                Article.url.icontains(text, autoescape=True),
                Article.source.icontains(text, autoescape=True),
                Article.title.icontains(text, autoescape=True),
            )
        )
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
    return conditions


def _ordered(statement: AnySelect, filters: Filters) -> AnySelect:
    # Undated posts last on both databases (SQLite sorts NULL first by default, PostgreSQL last).
    statement = statement.order_by(Post.date.asc().nulls_last(), Post.post_id.asc().nulls_last(), Post.id)
    return statement.limit(filters.limit) if filters.limit is not None else statement


def select_post_ids(filters: Filters) -> AnySelect:
    """Internal ids of the matching posts, in export order: the query without building records."""
    return _ordered(select(Post.id).where(*_conditions(filters)), filters)


def _quoting_article_ids() -> Any:
    """The ids of the articles quoting the current post, joined by LIST_SEPARATOR (one per appearance).

    Only the (post_id, article_id) index is read. Looking each address up in the articles table
    inside the query cost ~1.8 µs per exported row at 1M posts (a third of the whole query);
    `_fetch_addresses` resolves a batch's article ids in one query instead.
    """
    return (
        select(joined_list(cast(Appearance.article_id, String), Appearance.article_id))
        .where(Appearance.post_id == Post.id)
        .correlate(Post)
        .scalar_subquery()
    )


def select_records(filters: Filters) -> AnySelect:
    """Export rows ordered by date then post id; `export_columns` turns rows into the export.

    Columns: the RECORD_KEYS from `platform` to `lang` (links as JSON text; date and posted_at as
    the database returns them), then `article_ids`: the ids of the quoting articles, one per
    appearance, joined by LIST_SEPARATOR.
    """
    statement = select(
        Post.platform,
        Post.post_id,
        Post.url,
        Post.handle,
        Post.author_name,
        # Raw values: SQLite's text is already the ISO form, and skipping the date/datetime
        # conversion (a regex per value) is a good part of the export's speed.
        type_coerce(Post.date, String).label("date"),
        type_coerce(Post.posted_at, String).label("posted_at"),
        Post.date_text,
        Post.text,
        Post.links_json.label("links"),
        Post.lang,
        _quoting_article_ids().label("article_ids"),
    ).where(*_conditions(filters))
    return _ordered(statement, filters)


def format_utc(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z', to the millisecond when the source has it."""
    if moment is None:
        return None
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _day_text(value: str | dt.date | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


# One column of a batch: a field's values, one per post, in export order.
Column = Sequence[Any]


@dataclass(slots=True)
class Addresses:
    """The address (URL, else path) of each article met so far in one export, by id as text.

    Values are one-tuples, so a post quoted by one article needs no work. Articles are looked up
    by id until those lookups have cost about as much as reading every address at once (~6 µs
    an article by id, ~1 µs in one pass; 1M posts, 125k articles), then all are read: a search
    stays cheap and a whole-archive export pays at most about twice the single pass.
    """

    known: dict[str, tuple[str]] = field(default_factory=dict)
    looked_up: int = 0
    articles: int | None = None  # highest article id, read when first needed


def _fetch_addresses(connection: Connection, ids: Column, book: Addresses) -> None:
    """Add to `book` the address of every article in `ids` that it lacks."""
    # Most values are one id, and known; only the rest are split into ids and looked at again.
    unresolved = [value for value in ids if value and value not in book.known]
    if not unresolved:
        return
    keys = set(LIST_SEPARATOR.join(unresolved).split(LIST_SEPARATOR))
    keys.discard("")
    # set.difference(dict) tests each key against the dict in C; `set - known.keys()` would copy
    # every known id into a new set, for every batch.
    missing = sorted(map(int, keys.difference(book.known)))
    if not missing:
        return
    book.looked_up += len(missing)
    if book.articles is None and book.looked_up > ADDRESS_BATCH:  # a small result never needs it
        book.articles = connection.execute(select(func.max(Article.id))).scalar() or 0
    every = select(cast(Article.id, String), _article_source())
    if book.articles is not None and book.looked_up * LOOKUP_COST > book.articles:
        parts = [every]
    else:
        chunks = range(0, len(missing), ADDRESS_BATCH)
        parts = [every.where(Article.id.in_(missing[start : start + ADDRESS_BATCH])) for start in chunks]
    for part in parts:
        book.known.update((key, (address,)) for key, address in connection.execute(part))


def _known_addresses(ids: Column, addresses: Addresses) -> list[tuple[str] | None]:
    """The address of each value of the article-ids column that is one known id, else None."""
    return list(map(addresses.known.get, ids))


def _quoting_addresses(ids: str | None, addresses: Addresses) -> tuple[str, ...]:
    if not ids:
        return ()
    # One id per appearance: an article that quotes the post twice is listed once, oldest first.
    return tuple(addresses.known[key][0] for key in sorted(set(ids.split(LIST_SEPARATOR)), key=int))


def _link_tuple(stored: str | None) -> tuple[str, ...]:
    """The JSON list of links that `store` wrote (json.dumps of strings, ensure_ascii=False)."""
    return _link_tuples([stored])[0]


_TEXT_OR_NONE = frozenset({str, type(None)})


def _utc_texts(values: Column) -> list[str | None]:
    """`format_utc` of each posted_at. PostgreSQL gives datetimes; SQLite gives the stored text,
    'YYYY-MM-DD HH:MM:SS.ffffff' in naive UTC (how SQLAlchemy stores DateTime there), converted
    inline without a call per value."""
    if not _TEXT_OR_NONE.issuperset(map(type, values)):
        return list(map(format_utc, values))
    return [
        None
        if value is None
        else f"{value[:10]}T{value[11:19]}.{value[20:23]}Z"
        if value[20:26].strip("0")
        else f"{value[:10]}T{value[11:19]}Z"
        for value in values
    ]


def _link_tuples(stored: Column) -> list[tuple[str, ...]]:
    """`_link_tuple` of each value, without a call per value.

    No backslash means no escape anywhere, so no '"' inside a string: splitting on json.dumps'
    default separators is exact (the quote count confirms those separators), and several times
    cheaper than json.loads per exported row.
    """
    return [
        ()
        if not value or value == "[]"
        else tuple(value[2:-2].split('", "'))
        if "\\" not in value and value.count('"') == 2 * value.count('", "') + 2
        else tuple(json.loads(value))
        for value in stored
    ]


def export_columns(
    rows: Sequence[Row[Any]], addresses: Addresses, found: list[tuple[str] | None] | None = None
) -> list[Column]:
    """Rows of `select_records` as the export's columns, one per RECORD_KEYS field; `addresses`
    must already hold the rows' articles (`_fetch_addresses`), and `found` may hold what it gave
    for each row's article ids (`_known_addresses`).

    A column at a time, so the common conversions run in `map` rather than in a Python loop, and
    the lists (links, article URLs) are tuples: Python's cycle collector skips a tuple of strings
    once it has seen it, while a batch holding lists is walked at every collection.
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(RECORD_KEYS) - 1)
    (platform, post_id, url, handle, name, day, posted_at, date_text, text, links, lang, ids) = columns
    # A single id is a key of `addresses`; no id or several take the slower way.
    found = _known_addresses(ids, addresses) if found is None else found
    urls = (
        typing.cast("list[tuple[str, ...]]", found)
        if None not in found
        else [hit or _quoting_addresses(value, addresses) for hit, value in zip(found, ids, strict=True)]
    )
    # SQLite gives the ISO text already; PostgreSQL gives date objects.
    days: Column = (
        day if all(value.__class__ is str for value in filter(None, day)) else list(map(_day_text, day))
    )
    return [
        platform,
        post_id,
        url,
        handle,
        name,
        days,
        _utc_texts(posted_at),
        date_text,
        text,
        _link_tuples(links),
        lang,
        list(map(len, urls)),
        urls,
    ]


def to_record(values: Sequence[Any]) -> dict[str, Any]:
    """One post's values from `export_columns` as the export record (lists as lists)."""
    record = dict(zip(RECORD_KEYS, values, strict=True))
    record["links"], record["article_urls"] = list(record["links"]), list(record["article_urls"])
    return record


def iter_column_batches(session: Session, filters: Filters) -> Iterator[list[Column]]:
    """Stream the export a batch of COLUMN_BATCH posts at a time, as `export_columns`.

    Memory stays flat: one round trip's STREAM_BATCH rows, plus one address per article met so far.
    """
    connection = session.connection()
    addresses = Addresses()
    # Core rows through the session's connection: the ORM result layer costs ~2x per row.
    statement = select_records(filters).execution_options(yield_per=STREAM_BATCH)
    for rows in connection.execute(statement).partitions():
        # One lookup of the unknown articles per fetch, not per column batch, and each row's ids
        # looked up in `addresses` once: at 1M posts each lookup is a few CPU cache misses.
        ids = [row[-1] for row in rows]
        found = _known_addresses(ids, addresses)
        if None in found:
            unknown = [value for value, hit in zip(ids, found, strict=True) if hit is None]
            _fetch_addresses(connection, unknown, addresses)
            found = [hit or addresses.known.get(value) for hit, value in zip(found, ids, strict=True)]
        for start in range(0, len(rows), COLUMN_BATCH):
            end = start + COLUMN_BATCH
            yield export_columns(rows[start:end], addresses, found[start:end])


def iter_records(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    """Stream export records (see RECORD_KEYS) without holding the result in memory."""
    for columns in iter_column_batches(session, filters):
        yield from map(to_record, zip(*columns, strict=True))


def _first_post(session: Session, condition: ColumnElement[bool]) -> int | None:
    return session.execute(select(Post.id).where(condition).order_by(Post.id).limit(1)).scalar()


def _find_post_id(session: Session, ref: str) -> int | None:
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


def select_quotations(post_row_id: int) -> AnySelect:
    """The articles quoting one post (by internal id), oldest ingest first."""
    return (
        select(Article.title, Article.url, Article.source, Appearance.position, Article.ingested_at)
        .join(Appearance, Appearance.article_id == Article.id)
        .where(Appearance.post_id == post_row_id)
        .order_by(Article.id, Appearance.position)
    )


def find_post(session: Session, ref: str) -> PostDetail | None:
    """A post by platform id, post URL, or internal id, with the articles that quoted it."""
    row_id = _find_post_id(session, ref)
    if row_id is None:
        return None
    connection = session.connection()
    row = connection.execute(select_records(Filters()).where(Post.id == row_id)).one()
    addresses = Addresses()
    _fetch_addresses(connection, [row[-1]], addresses)
    values = next(zip(*export_columns([row], addresses), strict=True))
    quotations = [
        Quotation(title=t, url=u, source=s, position=p, ingested_at=_aware(at))
        for t, u, s, p, at in connection.execute(select_quotations(row_id))
    ]
    return PostDetail(record=to_record(values), articles=quotations)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def select_authors() -> AnySelect:
    """One row per (platform, handle): handle and name as shown, post count, first and last date."""
    return (
        select(
            Post.platform,
            func.min(Post.handle).label("handle"),
            func.max(Post.author_name).label("author_name"),
            func.count(Post.id).label("post_count"),
            func.min(Post.date).label("first_date"),
            func.max(Post.date).label("last_date"),
        )
        .join(Author, Author.id == Post.author_id)
        .group_by(Post.platform, Author.handle_key)
        .order_by(func.count(Post.id).desc(), Post.platform, Author.handle_key)
    )


def select_articles(filters: Filters) -> AnySelect:
    """Articles (title, URL or path, published, posts quoted, ingested) that hold matching posts."""
    statement = (
        select(
            Article.title,
            _article_source().label("url"),
            Article.published,
            func.count(func.distinct(Appearance.post_id)).label("post_count"),
            Article.ingested_at,
        )
        .join(Appearance, Appearance.article_id == Article.id)
        .join(Post, Post.id == Appearance.post_id)
        .where(*_conditions(filters))
        .group_by(
            Article.id, Article.title, Article.url, Article.source, Article.published, Article.ingested_at
        )
        .order_by(Article.ingested_at, Article.id)
    )
    return statement.limit(filters.limit) if filters.limit is not None else statement


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


def iter_article_posts(session: Session) -> Iterator[tuple[str, values.Post]]:
    """(article source, post) for every appearance, by source then position in the page.

    The archive read back as the value type extraction produced: what the corpus scorer compares
    with the gold, so a field lost on the way into the database shows up as a miss.
    """
    statement = (
        select(Article.source, Post)
        .join(Appearance, Appearance.article_id == Article.id)
        .join(Post, Post.id == Appearance.post_id)
        .order_by(Article.source, Appearance.position)
    )
    for source, row in session.execute(statement):
        yield source, _post_value(row)


def _post_value(row: Post) -> values.Post:
    quoted = None
    if row.quoted_author_name or row.quoted_handle or row.quoted_text:
        quoted = values.Quoted(
            author_name=row.quoted_author_name, handle=row.quoted_handle, text=row.quoted_text
        )
    return values.Post(
        platform=row.platform,
        post_id=row.post_id,
        url=row.url,
        author_name=row.author_name,
        handle=row.handle,
        date_text=row.date_text,
        date=row.date,
        posted_at=_aware(row.posted_at) if row.posted_at else None,
        text=row.text,
        links=_link_tuple(row.links_json),
        lang=row.lang,
        quoted=quoted,
    )
