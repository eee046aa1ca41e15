"""Saving pages: articles, their posts, the posts' links, and where each post appears.

Plain functions taking a session (or, for `save_pages`, an engine). Saving is set-based: a batch of
pages costs a handful of statements (look up what is known, insert the rest with
INSERT ... ON CONFLICT DO NOTHING against each natural key), not a handful per post. Repeated
pages, and concurrent workers racing on the same posts, converge on one row each. Rows are
inserted in key order, table by table, so concurrent PostgreSQL batches take their row locks in
one global order.

A post without a platform id is recognised as any stored post with the same content key, id or
not; and when an embed with an id arrives for a post first stored without one, the stored row is
promoted (it gains the id, URL and exact time) instead of becoming a second post.

The rows come from `db.rows.prepare_page` (pure, runs where the page was extracted); this module
writes them, with one executemany of plain tuples per table and batch. `db.failures` says which
errors are a page's, the archive's, or a race to retry.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from collector import values
from db.dialects import in_values
from db.engine import session_scope
from db.failures import BATCH_ATTEMPTS, RETRY_PAUSE_S, is_archive_failure, is_transient
from db.models import Appearance, Article, Author, Link, Post
from db.rows import (
    ARTICLE_COLUMNS,
    HANDLE_AT,
    POST_COLUMNS,
    POST_ID_AT,
    AuthorKey,
    PostKey,
    PreparedPage,
    PreparedPost,
    handle_key,
    identity_columns,
    prepare_page,
    row_author_key,
    row_content_key,
    row_post_key,
    to_utc,
)

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_AUTHORS: Table = Author.__table__  # type: ignore[assignment]
_POSTS: Table = Post.__table__  # type: ignore[assignment]
_LINKS: Table = Link.__table__  # type: ignore[assignment]
_APPEARANCES: Table = Appearance.__table__  # type: ignore[assignment]
# Values per IN (...) list: well under SQLite's 32,766 bound parameters per statement.
IN_CHUNK = 2_000
Page = tuple[values.Article, Sequence[values.Post]]
_T = TypeVar("_T")
_POST_INSERT = (*POST_COLUMNS, "author_id", "first_seen_at")
_ARTICLE_INSERT = (*ARTICLE_COLUMNS, "ingested_at")


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving one page did: its article row, and how many distinct posts were new or known."""

    article_id: int
    new_posts: int
    known_posts: int


def save_article(session: Session, article: values.Article, posts: Sequence[values.Post]) -> SaveResult:
    """Store one page and its posts (in document order); saving the same page again changes nothing.

    Runs in a SAVEPOINT: if anything fails, this page's rows are rolled back and the error raised,
    while earlier pages in the caller's transaction stay. The caller commits (every N pages);
    `save_pages` does the batching, and is faster.
    """
    return _save_prepared_page(session, prepare_page(article, posts))


def save_pages(engine: Engine, pages: Sequence[Page]) -> list[SaveResult | Exception]:
    """Save a batch of pages in one transaction; one outcome per page, in order (see `save_prepared`)."""
    return save_prepared(engine, [prepare_page(article, posts) for article, posts in pages])


def save_prepared(engine: Engine, pages: Sequence[PreparedPage]) -> list[SaveResult | Exception]:
    """Save a batch of prepared pages in one transaction; one outcome per page, in order.

    The batch is written set-based in one SAVEPOINT. If that fails, it is redone page by page so
    that only the failing page is rolled back; its error is returned in its place. When concurrent
    writers deadlock (PostgreSQL) or a lock wait times out, the whole batch is retried: saving is
    idempotent.
    """
    for attempt in range(BATCH_ATTEMPTS):
        try:
            return _save_batch(engine, pages)
        except DBAPIError as error:
            if not is_transient(error) or attempt == BATCH_ATTEMPTS - 1:
                raise
            # Random back-off so the same two batches do not collide again in lockstep.
            time.sleep(random.uniform(0, RETRY_PAUSE_S * 2**attempt))
    raise AssertionError("unreachable")


def _save_batch(engine: Engine, pages: Sequence[PreparedPage]) -> list[SaveResult | Exception]:
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                return list(_save_many(session.connection(), pages))
        except SQLAlchemyError as error:
            if isinstance(error, DBAPIError) and (is_transient(error) or is_archive_failure(error)):
                raise
        except (ValueError, TypeError):  # a value the database driver refused
            pass
        return [_save_alone(session, page) for page in pages]


def _save_prepared_page(session: Session, page: PreparedPage) -> SaveResult:
    with session.begin_nested():
        return _save_many(session.connection(), [page])[0]


def _save_alone(session: Session, page: PreparedPage) -> SaveResult | Exception:
    try:
        return _save_prepared_page(session, page)
    except SQLAlchemyError as error:
        if isinstance(error, DBAPIError) and is_transient(error):
            raise
        return error
    except (ValueError, TypeError) as error:
        return error


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Inserter:
    """One INSERT ... ON CONFLICT DO NOTHING run as a plain executemany of tuples.

    Rows go to the driver as they are, past SQLAlchemy's per-row parameter handling; only the
    columns whose type converts values for this dialect (dates and times on SQLite) are converted,
    with SQLAlchemy's own converters, so the stored values are exactly those of a Core insert.

    Kept instead of SQLAlchemy's `insert().on_conflict_do_nothing()` with executemany, measured
    against it on the same rows (`benchmarks.bench_store inserts`, docs/design-perf.md): that is
    slower on both databases, most on rows already stored, and on PostgreSQL it gives no count of
    the rows inserted, which the writer needs.
    """

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str], key: Sequence[str]) -> None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
        names = ", ".join(quote(name) for name in columns)
        marks = ", ".join([mark] * len(columns))
        conflict = ", ".join(quote(name) for name in key)
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) DO NOTHING"
        )
        self.converters = [
            (index, converter)
            for index, name in enumerate(columns)
            if (converter := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]

    def __call__(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert `rows`; returns how many were new (the others hit the unique key)."""
        if self.converters:
            rows = [self._convert(row) for row in rows]
        return connection.exec_driver_sql(self.sql, list(rows)).rowcount

    def _convert(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values_ = list(row)
        for index, converter in self.converters:
            values_[index] = converter(values_[index])
        return tuple(values_)


@dataclass(frozen=True)
class _Statements:
    """Statements built once per dialect: their compiled forms are then cached by SQLAlchemy."""

    insert_articles: Inserter
    insert_authors: Inserter
    insert_posts: Inserter
    insert_links: Inserter
    insert_appearances: Inserter
    articles_by_identity: Any
    authors_by_handle: Any
    posts_by_key: Any
    posts_by_content: Any
    first_seen_by_id: Any


_STATEMENTS: dict[str, _Statements] = {}


def _statements(dialect: Dialect) -> _Statements:
    found = _STATEMENTS.get(dialect.name)
    if found is None:
        found = _STATEMENTS[dialect.name] = _make_statements(dialect)
    return found


def _make_statements(dialect: Dialect) -> _Statements:
    # Plain executemany inserts, no RETURNING: ids are looked up afterwards by natural key. A long
    # multi-row INSERT ... RETURNING is re-parsed by psycopg on every batch (too long for its cache).
    return _Statements(
        insert_articles=Inserter(dialect, _ARTICLES, _ARTICLE_INSERT, ["identity"]),
        insert_authors=Inserter(
            dialect,
            _AUTHORS,
            ["platform", "handle_key", "name", "handle"],
            ["platform", "handle_key", "name"],
        ),
        insert_posts=Inserter(dialect, _POSTS, _POST_INSERT, ["platform", "key"]),
        insert_links=Inserter(dialect, _LINKS, ["post_id", "position", "url"], ["post_id", "position"]),
        insert_appearances=Inserter(
            dialect,
            _APPEARANCES,
            ["article_id", "post_id", "position"],
            ["article_id", "post_id", "position"],
        ),
        articles_by_identity=select(_ARTICLES.c.identity, _ARTICLES.c.id).where(
            in_values(_ARTICLES.c.identity)
        ),
        authors_by_handle=select(
            _AUTHORS.c.platform, _AUTHORS.c.handle_key, _AUTHORS.c.name, _AUTHORS.c.id
        ).where(_AUTHORS.c.platform == bindparam("platform"), in_values(_AUTHORS.c.handle_key)),
        # The platform is part of every lookup: the unique index is (platform, key), and without its
        # first column SQLite would scan the whole table.
        posts_by_key=select(_POSTS.c.platform, _POSTS.c.key, _POSTS.c.id).where(
            _POSTS.c.platform == bindparam("platform"), in_values(_POSTS.c.key)
        ),
        posts_by_content=select(_POSTS.c.platform, _POSTS.c.content_key, _POSTS.c.id)
        .where(_POSTS.c.author_id.in_(bindparam("authors", expanding=True)), in_values(_POSTS.c.content_key))
        # Prefer the row that has a platform id, then the oldest.
        .order_by(_POSTS.c.post_id.is_(None), _POSTS.c.id),
        first_seen_by_id=select(_POSTS.c.id, _POSTS.c.first_seen_at).where(in_values(_POSTS.c.id)),
    )


def _chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(connection: Connection, statement: Any, keys: Iterable[Any], **params: Any) -> list[Any]:
    """Rows of `statement` (with an expanding 'values' IN list) for all `keys`, chunked."""
    ordered = sorted(set(keys))
    rows: list[Any] = []
    for chunk in _chunks(ordered):
        rows.extend(connection.execute(statement, {"values": list(chunk), **params}))
    return rows


def _by_platform(keys: Iterable[tuple[str, _T]]) -> dict[str, list[_T]]:
    grouped: dict[str, list[_T]] = {}
    for platform, key in keys:
        grouped.setdefault(platform, []).append(key)
    return grouped


def _save_many(connection: Connection, pages: Sequence[PreparedPage]) -> list[SaveResult]:
    statements = _statements(connection.dialect)
    article_ids = _save_article_rows(connection, statements, pages)
    page_keys = _merge_copies(pages)
    unique: dict[PostKey, PreparedPost] = {}
    for keys, page in zip(page_keys, pages, strict=True):
        for key, post in zip(keys, page.posts, strict=True):
            # The embed (with its id) represents a post, not a plain-text copy merged into it.
            if key not in unique or (post[0][POST_ID_AT] and not unique[key][0][POST_ID_AT]):
                unique[key] = post
    known = _find_known(connection, statements, unique)
    known.update(_promote(connection, statements, unique, known))
    missing = {key: post for key, post in unique.items() if key not in known}
    inserted = _insert_posts(connection, statements, missing)
    known.update(inserted)
    # Lost a race with another writer: the row exists now, committed by them.
    lost = [key for key in missing if key not in known]
    known.update(_find_by_keys(connection, statements, lost))
    _save_appearances(
        connection, statements, article_ids, [[known[key] for key in keys] for keys in page_keys]
    )
    return _results(article_ids, page_keys, set(inserted))


def _merge_copies(pages: Sequence[PreparedPage]) -> list[list[PostKey]]:
    """Within one batch, an id-less post whose content key matches a post with an id is that post.

    (Across batches the same match is made against the stored posts, in `_find_known`.)
    """
    page_keys = [[row_post_key(row) for row, _ in page.posts] for page in pages]
    with_id = {
        row_content_key(row): row_post_key(row) for page in pages for row, _ in page.posts if row[POST_ID_AT]
    }
    if not with_id:
        return page_keys
    return [[with_id.get(key, key) for key in keys] for keys in page_keys]


def _results(
    article_ids: list[int], page_keys: list[list[PostKey]], inserted: set[PostKey]
) -> list[SaveResult]:
    # A post new to the archive counts as new on the first page of the batch that has it.
    results = []
    for article_id, keys in zip(article_ids, page_keys, strict=True):
        distinct = set(keys)
        new = distinct & inserted
        inserted -= new
        results.append(
            SaveResult(article_id=article_id, new_posts=len(new), known_posts=len(distinct) - len(new))
        )
    return results


def _save_article_rows(
    connection: Connection, statements: _Statements, pages: Sequence[PreparedPage]
) -> list[int]:
    identities = [page.identity for page in pages]
    ids: dict[str, int] = dict(_select_in(connection, statements.articles_by_identity, identities))
    now = _now()
    rows = {page.identity: (*page.row, now) for page in pages if page.identity not in ids}
    if rows:
        statements.insert_articles(connection, [rows[key] for key in sorted(rows)])
        ids.update(dict(_select_in(connection, statements.articles_by_identity, rows)))
    return [ids[identity] for identity in identities]


def _find_by_keys(
    connection: Connection, statements: _Statements, keys: Iterable[PostKey]
) -> dict[PostKey, int]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = []
    for platform, keys_ in sorted(_by_platform(wanted).items()):
        rows.extend(_select_in(connection, statements.posts_by_key, keys_, platform=platform))
    return {(p, k): i for p, k, i in rows if (p, k) in wanted}


def _find_known(
    connection: Connection, statements: _Statements, unique: dict[PostKey, PreparedPost]
) -> dict[PostKey, int]:
    """Stored posts: by natural key; id-less posts also by content key among their author's posts."""
    found = _find_by_keys(connection, statements, unique)
    idless = {key: row for key, (row, _) in unique.items() if not row[POST_ID_AT] and key not in found}
    handles = {
        (platform, key) for (platform, _), row in idless.items() if (key := handle_key(row[HANDLE_AT]))
    }
    if not handles:
        return found
    # Any display name: a plain-text signature may spell the name differently from the embed.
    authors = [row[-1] for row in _select_authors(connection, statements, handles)]
    if not authors:
        return found
    for chunk in _chunks(sorted({key for _, key in idless})):
        rows = connection.execute(statements.posts_by_content, {"authors": authors, "values": list(chunk)})
        for platform, content, row_id in rows:
            if (platform, content) in idless:
                found.setdefault((platform, content), row_id)
    return found


def _select_authors(
    connection: Connection, statements: _Statements, handles: Iterable[tuple[str, str]]
) -> list[Any]:
    """Author rows (platform, handle_key, name, id) for (platform, handle_key) pairs, any name."""
    rows = []
    for platform, keys in sorted(_by_platform(handles).items()):
        rows.extend(_select_in(connection, statements.authors_by_handle, keys, platform=platform))
    return rows


def _promote(
    connection: Connection,
    statements: _Statements,
    unique: dict[PostKey, PreparedPost],
    known: dict[PostKey, int],
) -> dict[PostKey, int]:
    """Give an id-less stored post the id of the embed now seen for it (same content key)."""
    candidates = {
        row_content_key(row): row for key, (row, _) in unique.items() if row[POST_ID_AT] and key not in known
    }
    if not candidates:
        return {}
    stored = _find_by_keys(connection, statements, candidates)
    promoted: dict[PostKey, int] = {}
    for content, row_id in sorted(stored.items()):
        row = candidates[content]
        try:
            with connection.begin_nested():
                connection.execute(update(_POSTS).where(_POSTS.c.id == row_id).values(identity_columns(row)))
        except IntegrityError:
            continue  # another writer stored the id meanwhile: that row wins, this one stays id-less
        promoted[row_post_key(row)] = row_id
    return promoted


def _save_authors(
    connection: Connection, statements: _Statements, posts: Iterable[PreparedPost]
) -> dict[AuthorKey, int]:
    handles: dict[AuthorKey, str | None] = {}
    for row, _ in posts:
        author = row_author_key(row)
        if author is not None:
            handles.setdefault(author, row[HANDLE_AT])
    if not handles:
        return {}

    def lookup() -> dict[AuthorKey, int]:
        rows = _select_authors(connection, statements, ((p, h) for p, h, _ in handles))
        return {(p, h, n): i for p, h, n, i in rows if (p, h, n) in handles}

    found = lookup()
    missing = sorted(key for key in handles if key not in found)
    if missing:
        statements.insert_authors(connection, [(*key, handles[key]) for key in missing])
        found = lookup()
    return found


def _insert_posts(
    connection: Connection, statements: _Statements, missing: dict[PostKey, PreparedPost]
) -> dict[PostKey, int]:
    """Insert the posts not stored yet; returns the ones this call actually inserted."""
    if not missing:
        return {}
    authors = _save_authors(connection, statements, missing.values())
    seen_at = _now()
    rows = []
    for key in sorted(missing):
        row = missing[key][0]
        author = row_author_key(row)
        rows.append((*row, authors.get(author) if author is not None else None, seen_at))
    # A plain executemany, not INSERT ... RETURNING: psycopg re-parses a multi-row VALUES statement
    # on every batch (it is too long for its cache), which made PostgreSQL ingest much slower.
    inserted = statements.insert_posts(connection, rows)
    stored = _find_by_keys(connection, statements, missing)
    if inserted != len(rows):
        stored = _inserted_at(connection, statements, stored, seen_at)
    links = [
        (row_id, position, url)
        for key, row_id in sorted(stored.items(), key=lambda item: item[1])
        for position, url in enumerate(missing[key][1])
    ]
    if links:  # links of a post another writer inserted meanwhile are the same links: no conflict
        statements.insert_links(connection, links)
    return stored


def _inserted_at(
    connection: Connection, statements: _Statements, stored: dict[PostKey, int], seen_at: dt.datetime
) -> dict[PostKey, int]:
    """Of `stored`, the posts this batch inserted (not a concurrent writer): they carry its timestamp."""
    rows = _select_in(connection, statements.first_seen_by_id, stored.values())
    mine = {row_id for row_id, first in rows if to_utc(first) == seen_at}
    return {key: row_id for key, row_id in stored.items() if row_id in mine}


def _save_appearances(
    connection: Connection, statements: _Statements, article_ids: list[int], post_ids: list[list[int]]
) -> None:
    rows = sorted(
        {
            (article_id, row_id, position)
            for article_id, ids in zip(article_ids, post_ids, strict=True)
            for position, row_id in enumerate(ids)
        }
    )
    if rows:
        statements.insert_appearances(connection, rows)
