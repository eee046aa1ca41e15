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

from sqlalchemy import Connection, Engine, Table, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from collector import values
from db.copies import Copy, appearance_rows, batch_posts, inserted_records, merge_stored
from db.engine import session_scope
from db.failures import BATCH_ATTEMPTS, RETRY_PAUSE_S, is_archive_failure, is_transient
from db.models import Post
from db.rows import (
    HANDLE_AT,
    POST_ID_AT,
    AuthorKey,
    PostKey,
    PreparedPage,
    handle_key,
    identity_columns,
    prepare_page,
    row_author_key,
    row_content_key,
    row_post_key,
    to_utc,
)
from db.statements import Statements, statements_for

_POSTS: Table = Post.__table__  # type: ignore[assignment]
# Values per IN (...) list: well under SQLite's 32,766 bound parameters per statement.
IN_CHUNK = 2_000
# A page as callers give it: its article and its posts' appearances (or bare posts).
Page = tuple[values.Article, Sequence[values.Post | values.Appearance]]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving one page did: its article row, and how many distinct posts were new or known."""

    article_id: int
    new_posts: int
    known_posts: int


def save_article(
    session: Session, article: values.Article, posts: Sequence[values.Post | values.Appearance]
) -> SaveResult:
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
    statements = statements_for(connection.dialect)
    article_ids = _save_article_rows(connection, statements, pages)
    page_keys = _merge_copies(pages)
    # Each post's copies in the batch, merged: the embed's id, the full copy's text (db.merge).
    unique = batch_posts(pages, page_keys)
    known = _find_known(connection, statements, unique)
    known.update(_promote(connection, statements, unique, known))
    missing = {key: post for key, post in unique.items() if key not in known}
    inserted = _insert_posts(connection, statements, missing)
    known.update(inserted)
    # Lost a race with another writer: the row exists now, committed by them.
    lost = [key for key in missing if key not in known]
    known.update(_find_by_keys(connection, statements, lost))
    # Every post this batch did not insert is stored already: its copies merge into it.
    existing = {key: known[key] for key in unique if key not in inserted}
    helpers = (_select_in, lambda posts: _save_authors(connection, statements, posts))
    records = merge_stored(connection, statements, existing, unique, helpers)
    records.update(inserted_records(inserted, unique))
    _save_appearances(connection, statements, appearance_rows(article_ids, page_keys, pages, known, records))
    return _results(article_ids, page_keys, set(inserted))


def _merge_copies(pages: Sequence[PreparedPage]) -> list[list[PostKey]]:
    """Within one batch, an id-less post whose content key matches a post with an id is that post.

    (Across batches the same match is made against the stored posts, in `_find_known`.)
    """
    page_keys = [[row_post_key(row) for row, _, _ in page.posts] for page in pages]
    with_id = {
        row_content_key(row): row_post_key(row)
        for page in pages
        for row, _, _ in page.posts
        if row[POST_ID_AT]
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
    connection: Connection, statements: Statements, pages: Sequence[PreparedPage]
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
    connection: Connection, statements: Statements, keys: Iterable[PostKey]
) -> dict[PostKey, int]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = []
    for platform, keys_ in sorted(_by_platform(wanted).items()):
        rows.extend(_select_in(connection, statements.posts_by_key, keys_, platform=platform))
    return {(p, k): i for p, k, i in rows if (p, k) in wanted}


def _find_known(
    connection: Connection, statements: Statements, unique: dict[PostKey, Copy]
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
    connection: Connection, statements: Statements, handles: Iterable[tuple[str, str]]
) -> list[Any]:
    """Author rows (platform, handle_key, name, id) for (platform, handle_key) pairs, any name."""
    rows = []
    for platform, keys in sorted(_by_platform(handles).items()):
        rows.extend(_select_in(connection, statements.authors_by_handle, keys, platform=platform))
    return rows


def _promote(
    connection: Connection,
    statements: Statements,
    unique: dict[PostKey, Copy],
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
    connection: Connection, statements: Statements, posts: Iterable[Copy]
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
    connection: Connection, statements: Statements, missing: dict[PostKey, Copy]
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
    connection: Connection, statements: Statements, stored: dict[PostKey, int], seen_at: dt.datetime
) -> dict[PostKey, int]:
    """Of `stored`, the posts this batch inserted (not a concurrent writer): they carry its timestamp."""
    rows = _select_in(connection, statements.first_seen_by_id, stored.values())
    mine = {row_id for row_id, first in rows if to_utc(first) == seen_at}
    return {key: row_id for key, row_id in stored.items() if row_id in mine}


def _save_appearances(connection: Connection, statements: Statements, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        statements.insert_appearances(connection, rows)
