"""The archive's posts as records: the export's columns, one post's detail, posts read back.

`iter_column_batches` streams `db.queries.select_records` with `yield_per` and shapes each batch a
column at a time, so memory stays flat and the conversions run in C; `iter_records` gives the
same as one dict per post (RECORD_KEYS).
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, String, cast, func, select
from sqlalchemy.orm import Session

from collector import values
from collector.values import RECORD_KEYS, RECORD_POST_KEYS
from db.dialects import LIST_SEPARATOR
from db.merge import COPY_FIELDS, copy_values, differing_fields, shown_fields
from db.models import Appearance, Article, Post, PostNote, PostTag
from db.queries import (
    ADDED_POST_KEYS,
    QUOTATION_FIELDS,
    Filters,
    article_source,
    find_post_id,
    select_quotations,
    select_records,
)
from db.rows import QUOTED_FIELDS, STORED_AS_IS

# Rows fetched per round trip when streaming exports. Small on purpose: see COLUMN_BATCH (PERF.md's
# 10k was measured row by row; for the column passes smaller is faster: docs/design-perf.md).
STREAM_BATCH = 512
# Rows converted together a column at a time: small enough that a batch's columns stay in the CPU
# cache through every pass over them (measured on the 1M-post CSV export: docs/design-perf.md).
COLUMN_BATCH = 256
# Article ids per lookup query (well under SQLite's and PostgreSQL's bound-parameter limits).
ADDRESS_BATCH = 1_000
# An article's address looked up by id costs about this many times its share of reading them all.
LOOKUP_COST = 6
# Where select_records puts the quoting articles' ids: right after the post's own fields (the
# ADDED_POST_KEYS follow them, and the post's row id comes last).
ARTICLE_IDS_AT = len(RECORD_POST_KEYS)


@dataclass(frozen=True, slots=True)
class Quotation:
    """One article that quoted a post, where and how: its site, byline and published time, the
    tombstone it showed (status), the paragraphs around the embed, and how the copy it showed
    differs from the post's record (`differs`: field -> the copy's value; db.merge)."""

    title: str | None
    url: str | None
    source: str
    position: int
    ingested_at: dt.datetime
    site_name: str | None = None
    published: str | None = None
    author: str | None = None
    status: str | None = None
    context_before: str | None = None
    context_after: str | None = None
    differs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PostDetail:
    """A post's export record plus every article that quoted it (oldest ingest first).

    `contradictions`: the fields in which two articles' copies disagree (db.merge.differing_fields),
    reported, never resolved silently; `surviving`: an article showed the post as a tombstone
    while the archive holds its text from another copy.
    """

    record: dict[str, Any]
    articles: list[Quotation]
    contradictions: list[str] = field(default_factory=list)
    surviving: bool = False
    quoted: dict[str, str | None] | None = None


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
    by id until those lookups have cost about as much as reading every address at once (LOOKUP_COST
    times the share of one pass, docs/design-perf.md), then all are read: a search
    stays cheap and a whole-archive export pays at most about twice the single pass.
    """

    known: dict[str, tuple[str]] = field(default_factory=dict)
    looked_up: int = 0
    articles: int | None = None  # highest article id, read when first needed
    # Each article's title and published time, by id as text (only those that have one).
    titles: dict[str, str] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)


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
    every = select(cast(Article.id, String), article_source(), Article.title, Article.published)
    if book.articles is not None and book.looked_up * LOOKUP_COST > book.articles:
        parts = [every]
    else:
        chunks = range(0, len(missing), ADDRESS_BATCH)
        parts = [every.where(Article.id.in_(missing[start : start + ADDRESS_BATCH])) for start in chunks]
    for part in parts:
        for key, address, title, published in connection.execute(part):
            book.known[key] = (address,)
            if title:
                book.titles[key] = title
            if published:
                book.published[key] = published


@dataclass(slots=True)
class Marks:
    """The user's tags and notes (by post row id) of the posts met so far in one export.

    Whether the archive holds any is read once: an archive without marks costs an export no query
    per batch, and one with marks a lookup of the batch's ids in the (small) mark tables.
    """

    tags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    any_tags: bool | None = None
    any_notes: bool | None = None


def _fetch_marks(connection: Connection, row_ids: Column, marks: Marks) -> None:
    """Add to `marks` the tags and note of each post in `row_ids` (export order is kept)."""
    if marks.any_tags is None:
        marks.any_tags = connection.execute(select(PostTag.id).limit(1)).first() is not None
        marks.any_notes = connection.execute(select(PostNote.post_id).limit(1)).first() is not None
    ids = list(row_ids)
    for start in range(0, len(ids), ADDRESS_BATCH):
        chunk = ids[start : start + ADDRESS_BATCH]
        if marks.any_tags:
            found: dict[int, list[str]] = {}
            tagged = select(PostTag.post_id, PostTag.tag).where(PostTag.post_id.in_(chunk))
            for post_id, tag in connection.execute(tagged.order_by(PostTag.post_id, PostTag.id)):
                found.setdefault(post_id, []).append(tag)
            marks.tags.update((post_id, tuple(tags)) for post_id, tags in found.items())
        if marks.any_notes:
            noted = select(PostNote.post_id, PostNote.text).where(PostNote.post_id.in_(chunk))
            marks.notes.update((post_id, note) for post_id, note in connection.execute(noted))


def _mark_columns(row_ids: Column, marks: Marks) -> list[Column]:
    """The tags and note columns of a batch (empty without a lookup when the archive has none)."""
    tags = [marks.tags.get(row_id, ()) for row_id in row_ids] if marks.tags else [()] * len(row_ids)
    notes = list(map(marks.notes.get, row_ids)) if marks.notes else [None] * len(row_ids)
    return [tags, notes]


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
    rows: Sequence[Row[Any]],
    addresses: Addresses,
    found: list[tuple[str] | None] | None = None,
    marks: Marks | None = None,
) -> list[Column]:
    """Rows of `select_records` as the export's columns, one per RECORD_KEYS field; `addresses`
    must already hold the rows' articles (`_fetch_addresses`), and `found` may hold what it gave
    for each row's article ids (`_known_addresses`); `marks`, the rows' tags and notes.

    A column at a time, so the common conversions run in `map` rather than in a Python loop, and
    the lists (links, article URLs) are tuples: Python's cycle collector skips a tuple of strings
    once it has seen it, while a batch holding lists is walked at every collection.
    """
    width = len(RECORD_POST_KEYS) + 1 + len(ADDED_POST_KEYS) + 1
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    post_columns, ids = columns[: len(RECORD_POST_KEYS)], columns[ARTICLE_IDS_AT]
    date_sources, statuses, media, quoted_urls = columns[ARTICLE_IDS_AT + 1 : -1]
    row_ids = columns[-1]
    # A single id is a key of `addresses`; no id or several take the slower way.
    found = _known_addresses(ids, addresses) if found is None else found
    urls = (
        typing.cast("list[tuple[str, ...]]", found)
        if None not in found
        else [hit or _quoting_addresses(value, addresses) for hit, value in zip(found, ids, strict=True)]
    )
    shaped = [
        _EXPORT_FORMS.get(key, _as_stored)(column)
        for key, column in zip(RECORD_POST_KEYS, post_columns, strict=True)
    ]
    first_quoted, titles = _article_columns(ids, addresses)
    added = [date_sources, statuses, _link_tuples(media), quoted_urls, first_quoted, titles]
    return [*shaped, list(map(len, urls)), urls, *added, *_mark_columns(row_ids, marks or Marks())]


def _article_columns(ids: Column, addresses: Addresses) -> tuple[list[str | None], list[tuple[str, ...]]]:
    """first_quoted_at (the earliest published time) and article_titles of each row's articles."""
    published, titles = addresses.published, addresses.titles
    if not published and not titles:
        return [None] * len(ids), [()] * len(ids)
    first: list[str | None] = []
    named: list[tuple[str, ...]] = []
    for value in ids:
        keys = _article_keys(value)
        times = [published[key] for key in keys if key in published]
        first.append(min(times) if times else None)
        named.append(tuple(titles[key] for key in keys if key in titles))
    return first, named


def _article_keys(ids: str | None) -> list[str]:
    """The distinct article ids of one row, oldest first (as _quoting_addresses lists them)."""
    if not ids:
        return []
    if LIST_SEPARATOR not in ids:
        return [ids]
    return sorted(set(ids.split(LIST_SEPARATOR)), key=int)


def _day_texts(days: Column) -> Column:
    """Each date as ISO text: SQLite gives the ISO text already; PostgreSQL gives date objects."""
    if all(value.__class__ is str for value in filter(None, days)):
        return days
    return list(map(_day_text, days))


def _as_stored(column: Column) -> Column:
    return column


# The record's fields that the database does not give in their export form (see select_records).
_EXPORT_FORMS = {"date": _day_texts, "posted_at": _utc_texts, "links": _link_tuples}


def to_record(values: Sequence[Any]) -> dict[str, Any]:
    """One post's values from `export_columns` as the export record (lists as lists)."""
    record = dict(zip(RECORD_KEYS, values, strict=True))
    for key in _LIST_FIELDS:
        record[key] = list(record[key])
    return record


_LIST_FIELDS = ("links", "article_urls", "media", "article_titles", "tags")


def iter_column_batches(session: Session, filters: Filters) -> Iterator[list[Column]]:
    """Stream the export a batch of COLUMN_BATCH posts at a time, as `export_columns`.

    Memory stays flat: one round trip's STREAM_BATCH rows, plus one address per article met so far.
    """
    for columns, _ in _batches(session, filters):
        yield columns


def _batches(session: Session, filters: Filters) -> Iterator[tuple[list[Column], Column]]:
    """`iter_column_batches`, each batch with its posts' row ids."""
    connection = session.connection()
    addresses = Addresses()
    marks = Marks()
    # Core rows through the session's connection: the ORM result layer costs more per row.
    statement = select_records(filters).execution_options(yield_per=STREAM_BATCH)
    for rows in connection.execute(statement).partitions():
        # One lookup of the unknown articles per fetch, not per column batch, and each row's ids
        # looked up in `addresses` once: at 1M posts each lookup is a few CPU cache misses.
        ids = [row[ARTICLE_IDS_AT] for row in rows]
        found = _known_addresses(ids, addresses)
        if None in found:
            unknown = [value for value, hit in zip(ids, found, strict=True) if hit is None]
            _fetch_addresses(connection, unknown, addresses)
            found = [hit or addresses.known.get(value) for hit, value in zip(found, ids, strict=True)]
        row_ids = [row[-1] for row in rows]
        _fetch_marks(connection, row_ids, marks)
        for start in range(0, len(rows), COLUMN_BATCH):
            end = start + COLUMN_BATCH
            yield export_columns(rows[start:end], addresses, found[start:end], marks), row_ids[start:end]


def iter_records(session: Session, filters: Filters, *, with_ids: bool = False) -> Iterator[dict[str, Any]]:
    """Stream export records (see RECORD_KEYS) without holding the result in memory.

    `with_ids` adds `id`: the id `quotes show` takes, the platform's where there is one, else the
    archive's internal id (for the search table, not an export column).
    """
    for columns, row_ids in _batches(session, filters):
        records = map(to_record, zip(*columns, strict=True))
        if not with_ids:
            yield from records
            continue
        for record, row_id in zip(records, row_ids, strict=True):
            record["id"] = record["post_id"] or str(row_id)
            yield record


def iter_row_records(session: Session, filters: Filters) -> Iterator[tuple[int, dict[str, Any]]]:
    """(internal id, export record) of each matching post, streamed like `iter_records`."""
    for columns, row_ids in _batches(session, filters):
        yield from zip(row_ids, map(to_record, zip(*columns, strict=True)), strict=True)


def find_post(session: Session, ref: str) -> PostDetail | None:
    """A post by platform id, post URL, or internal id, with the articles that quoted it."""
    row_id = find_post_id(session, ref)
    if row_id is None:
        return None
    connection = session.connection()
    row = connection.execute(select_records(Filters()).where(Post.id == row_id)).one()
    addresses, marks = Addresses(), Marks()
    _fetch_addresses(connection, [row[ARTICLE_IDS_AT]], addresses)
    _fetch_marks(connection, [row_id], marks)
    values = next(zip(*export_columns([row], addresses, marks=marks), strict=True))
    stored = session.get(Post, row_id)
    assert stored is not None
    record = shown_fields(_record_fields(stored))
    quotations, copies = [], []
    for found in connection.execute(select_quotations(row_id)):
        item = dict(zip(QUOTATION_FIELDS, found, strict=True))
        known, differing = item.pop("copy_known"), item.pop("copy_json")
        copies.append(copy_values(record, known, differing))
        item["ingested_at"] = _aware(item["ingested_at"])
        quotations.append(Quotation(**item, differs=json.loads(differing) if differing else {}))
    exported = to_record(values)
    surviving = bool(exported["text"]) and any(q.status for q in quotations)
    quoted = {name: getattr(stored, f"quoted_{name}") for name in QUOTED_FIELDS}
    shown_quote = quoted if any(quoted.values()) else None
    # The post id is the post's identity: its URL spelled with another host or user is no
    # contradiction (each article's copy still shows the URL it had).
    contradictions = [name for name in differing_fields(copies) if name != "url"]
    return PostDetail(exported, quotations, contradictions, surviving, shown_quote)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def iter_article_posts(session: Session) -> Iterator[tuple[str, values.Post]]:
    """(article source, post) for every appearance, by source then position in the page: each
    the copy that article showed (db.merge.copy_values), its `date` the day it showed.

    The archive read back as the value type extraction produced: what the corpus scorer compares
    with the gold, so a field lost on the way into the database shows up as a miss.
    """
    statement = (
        select(Article.source, Post, Appearance.copy_known, Appearance.copy_json)
        .join(Appearance, Appearance.article_id == Article.id)
        .join(Post, Post.id == Appearance.post_id)
        .order_by(Article.source, Appearance.position)
    )
    for source, row, known, differing in session.execute(statement):
        yield source, shown_copy(row, known, differing)


def shown_copy(row: Post, known: int | None, differing: str | None) -> values.Post:
    """One appearance's copy of a post as the value type: the post's record where the copy
    showed what the record holds, the copy's own values where they differ, nothing it lacked."""
    shown = copy_values(shown_fields(_record_fields(row)), known, differing)
    quoted_values = {name: shown[f"quoted_{name}"] for name in QUOTED_FIELDS}
    return values.Post(
        platform=row.platform,
        posted_at=_aware(row.posted_at) if row.posted_at else None,
        links=_link_tuple(shown["links_json"]),
        media=_link_tuple(shown["media_json"]),
        quoted=values.Quoted(**quoted_values) if any(quoted_values.values()) else None,
        **{name: shown[name] if name in shown else getattr(row, name) for name in STORED_AS_IS},
        date=dt.date.fromisoformat(shown["date"]) if shown["date"] else None,
    )


def _record_fields(row: Post) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*COPY_FIELDS, "date_source")}
