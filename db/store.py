"""Saving pages: articles, their posts, the posts' links, and where each post appears.

Plain functions taking a session (or, for `save_pages`, an engine). Saving is set-based: a batch of
pages costs a handful of statements (look up what is known, insert the rest with
INSERT ... ON CONFLICT DO NOTHING against each natural key), not a handful per post. Repeated
pages, and concurrent workers racing on the same posts, converge on one row each. Rows are
inserted in key order, table by table, so concurrent PostgreSQL batches take their row locks in
one global order.

Posts without a platform id (plain-text copies lose the status URL) are keyed by their content key
(handle + date + normalised text). Such a post is recognised as any stored post with the same
content key, id or not; and when an embed with an id arrives for a post first stored without one,
the stored row is promoted (it gains the id, URL and exact time) instead of becoming a second post.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, String, Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from collector import posts as values
from db.dialects import in_values, insert_for
from db.engine import session_scope
from db.models import HANDLE_LEN, POST_KEY_LEN, Appearance, Article, Author, Link, Post

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_AUTHORS: Table = Author.__table__  # type: ignore[assignment]
_POSTS: Table = Post.__table__  # type: ignore[assignment]
_LINKS: Table = Link.__table__  # type: ignore[assignment]
_APPEARANCES: Table = Appearance.__table__  # type: ignore[assignment]

# PostgreSQL: serialization failure, deadlock detected. Retrying the whole batch is the cure.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite: the busy timeout ran out (another writer held the lock for 30 s).
TRANSIENT_SQLITE_MESSAGE = "database is locked"
BATCH_ATTEMPTS = 8
RETRY_PAUSE_S = 0.05
# VARCHAR bounds PostgreSQL enforces and SQLite ignores (see fit_post).
_LANG_TYPE = _POSTS.c.lang.type
assert isinstance(_LANG_TYPE, String) and _LANG_TYPE.length is not None
_LANG_LEN = _LANG_TYPE.length
# A PostgreSQL btree entry must fit in about 2.7 KB: the display name in the authors table's unique
# key is cut to this many characters (at most 4 bytes each in UTF-8, beside platform and handle).
AUTHOR_NAME_KEY_LEN = 400
# Values per IN (...) list: well under SQLite's 32,766 bound parameters per statement.
IN_CHUNK = 2_000

# (platform, natural key): how a post is identified across pages.
PostKey = tuple[str, str]
# (platform, case-folded handle without '@', display name): one row in `authors`.
AuthorKey = tuple[str, str, str]
Page = tuple[values.Article, Sequence[values.Post]]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving one page did: its article row, and how many distinct posts were new or known."""

    article_id: int
    new_posts: int
    known_posts: int


def article_url(article: values.Article) -> str | None:
    """The page's own address, best source first."""
    meta = article.meta
    return article.url or meta.canonical_url or meta.saved_from or article.final_url


def article_identity(article: values.Article) -> str:
    """One article however often it is saved: its URL when known, else its content hash."""
    url = article_url(article)
    if url:
        return hashlib.sha256(f"url:{url}".encode()).hexdigest()
    return article.sha256


def save_article(session: Session, article: values.Article, posts: Sequence[values.Post]) -> SaveResult:
    """Store one page and its posts (in document order); saving the same page again changes nothing.

    Runs in a SAVEPOINT: if anything fails, this page's rows are rolled back and the error raised,
    while earlier pages in the caller's transaction stay. The caller commits (every N pages);
    `save_pages` does the batching, and is faster.
    """
    with session.begin_nested():
        return _save_many(session.connection(), [(article, posts)])[0]


def save_pages(engine: Engine, pages: Sequence[Page]) -> list[SaveResult | Exception]:
    """Save a batch of pages in one transaction; one outcome per page, in order.

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


def is_transient(error: DBAPIError) -> bool:
    """A concurrency failure that retrying the transaction resolves."""
    state = getattr(error.orig, "sqlstate", None)
    return state in TRANSIENT_SQLSTATES or TRANSIENT_SQLITE_MESSAGE in str(error.orig)


def _save_batch(engine: Engine, pages: Sequence[Page]) -> list[SaveResult | Exception]:
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                return list(_save_many(session.connection(), pages))
        except SQLAlchemyError as error:
            if isinstance(error, DBAPIError) and is_transient(error):
                raise
        except (ValueError, TypeError):  # a value the database driver refused
            pass
        return [_save_alone(session, article, posts) for article, posts in pages]


def _save_alone(
    session: Session, article: values.Article, posts: Sequence[values.Post]
) -> SaveResult | Exception:
    try:
        return save_article(session, article, posts)
    except SQLAlchemyError as error:
        if isinstance(error, DBAPIError) and is_transient(error):
            raise
        return error
    except (ValueError, TypeError) as error:
        return error


# --- the set-based writer ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Statements:
    """Statements built once per dialect: their compiled forms are then cached by SQLAlchemy."""

    insert_articles: Any
    insert_authors: Any
    insert_posts: Any
    insert_links: Any
    insert_appearances: Any
    articles_by_identity: Any
    authors_by_handle: Any
    posts_by_key: Any
    posts_by_content: Any
    first_seen_by_id: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    # Plain executemany inserts, no RETURNING: ids are looked up afterwards by natural key. A long
    # multi-row INSERT ... RETURNING is re-parsed by psycopg on every batch (too long for its cache).
    def upsert(table: Table, *key: str) -> Any:
        return insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(key))

    return _Statements(
        insert_articles=upsert(_ARTICLES, "identity"),
        insert_authors=upsert(_AUTHORS, "platform", "handle_key", "name"),
        insert_posts=upsert(_POSTS, "platform", "key"),
        insert_links=upsert(_LINKS, "post_id", "position"),
        insert_appearances=upsert(_APPEARANCES, "article_id", "post_id", "position"),
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
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


def _save_many(connection: Connection, pages: Sequence[Page]) -> list[SaveResult]:
    statements = _statements(connection.dialect.name)
    pages = [(article, [fit_post(post) for post in posts]) for article, posts in pages]
    article_ids = _save_article_rows(connection, statements, [article for article, _ in pages])
    page_keys = _merge_copies(
        [[(post.platform, values.natural_key(post)) for post in posts] for _, posts in pages], pages
    )
    unique: dict[PostKey, values.Post] = {}
    for keys, (_, posts) in zip(page_keys, pages, strict=True):
        for key, post in zip(keys, posts, strict=True):
            # The embed (with its id) represents a post, not a plain-text copy merged into it.
            if key not in unique or (post.post_id and not unique[key].post_id):
                unique[key] = post
    known = _find_known(connection, statements, unique)
    known.update(_promote(connection, unique, known))
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


def _merge_copies(page_keys: list[list[PostKey]], pages: Sequence[Page]) -> list[list[PostKey]]:
    """Within one batch, an id-less post whose content key matches a post with an id is that post.

    (Across batches the same match is made against the stored posts, in `_find_known`.)
    """
    with_id = {
        (post.platform, values.content_key(post)): (post.platform, post.post_id)
        for _, posts in pages
        for post in posts
        if post.post_id
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


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL text cannot hold NUL characters: both databases store U+FFFD instead (as HTML does)."""
    for name, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            row[name] = value.replace("\x00", "\ufffd")
    return row


def _article_row(article: values.Article, identity: str, now: dt.datetime) -> dict[str, Any]:
    meta = article.meta
    return {
        "identity": identity,
        "source": article.source,
        "url": article_url(article),
        "title": meta.title,
        "canonical_url": meta.canonical_url,
        "site_name": meta.site_name,
        "published": meta.published,
        "saved_from": meta.saved_from,
        "sha256": article.sha256,
        "fetched_url": article.fetched_url,
        "final_url": article.final_url,
        "http_status": article.http_status,
        "fetched_at": _utc(article.fetched_at),
        "archive_path": article.archive_path,
        "ingested_at": now,
    }


def _save_article_rows(
    connection: Connection, statements: _Statements, articles: list[values.Article]
) -> list[int]:
    identities = [article_identity(article) for article in articles]
    ids: dict[str, int] = dict(_select_in(connection, statements.articles_by_identity, identities))
    now = _now()
    rows = {
        identity: _storable(_article_row(article, identity, now))
        for identity, article in zip(identities, articles, strict=True)
        if identity not in ids
    }
    if rows:
        connection.execute(statements.insert_articles, [rows[key] for key in sorted(rows)])
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
    connection: Connection, statements: _Statements, unique: dict[PostKey, values.Post]
) -> dict[PostKey, int]:
    """Stored posts: by natural key; id-less posts also by content key among their author's posts."""
    found = _find_by_keys(connection, statements, unique)
    idless = {key: post for key, post in unique.items() if not post.post_id and key not in found}
    handles = {(post.platform, _handle_key(post)) for post in idless.values() if _handle_key(post)}
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
    connection: Connection, unique: dict[PostKey, values.Post], known: dict[PostKey, int]
) -> dict[PostKey, int]:
    """Give an id-less stored post the id of the embed now seen for it (same content key)."""
    candidates = {
        (post.platform, values.content_key(post)): post
        for key, post in unique.items()
        if post.post_id and key not in known
    }
    if not candidates:
        return {}
    stored = _find_by_keys(connection, _statements(connection.dialect.name), candidates)
    promoted: dict[PostKey, int] = {}
    for content, row_id in sorted(stored.items()):
        post = candidates[content]
        try:
            with connection.begin_nested():
                connection.execute(
                    update(_POSTS).where(_POSTS.c.id == row_id).values(_identity_columns(post))
                )
        except IntegrityError:
            continue  # another writer stored the id meanwhile: that row wins, this one stays id-less
        promoted[(post.platform, values.natural_key(post))] = row_id
    return promoted


def _identity_columns(post: values.Post) -> dict[str, Any]:
    return {
        "key": values.natural_key(post),
        "post_id": post.post_id,
        "url": post.url,
        "posted_at": _utc(post.posted_at),
    }


def _handle_key(post: values.Post) -> str:
    # Cut again after casefold, which may lengthen ("ß" -> "ss").
    return (post.handle or "").lstrip("@").casefold()[:HANDLE_LEN]


def _author_key(post: values.Post) -> AuthorKey | None:
    handle = _handle_key(post)
    name = (post.author_name or "")[:AUTHOR_NAME_KEY_LEN]
    return (post.platform, handle, name) if handle or name else None


def _save_authors(
    connection: Connection, statements: _Statements, posts: Iterable[values.Post]
) -> dict[AuthorKey, int]:
    handles: dict[AuthorKey, str | None] = {}
    for post in posts:
        key = _author_key(post)
        if key is not None:
            handles.setdefault(key, post.handle)
    if not handles:
        return {}

    def lookup() -> dict[AuthorKey, int]:
        rows = _select_authors(connection, statements, ((p, h) for p, h, _ in handles))
        return {(p, h, n): i for p, h, n, i in rows if (p, h, n) in handles}

    found = lookup()
    missing = sorted(key for key in handles if key not in found)
    if missing:
        rows = [
            {"platform": p, "handle_key": h, "name": n, "handle": handles[(p, h, n)]} for p, h, n in missing
        ]
        connection.execute(statements.insert_authors, rows)
        found = lookup()
    return found


def _post_row(post: values.Post, author_id: int | None, seen_at: dt.datetime) -> dict[str, Any]:
    quoted = post.quoted or values.Quoted()
    return {
        "platform": post.platform,
        "key": values.natural_key(post),
        "content_key": values.content_key(post),
        "post_id": post.post_id,
        "url": post.url,
        "author_id": author_id,
        "author_name": post.author_name,
        "handle": post.handle,
        "date_text": post.date_text,
        "date": post.date,
        "posted_at": _utc(post.posted_at),
        "text": post.text,
        "links_json": json.dumps(list(post.links), ensure_ascii=False),
        "lang": post.lang,
        "quoted_author_name": quoted.author_name,
        "quoted_handle": quoted.handle,
        "quoted_text": quoted.text,
        "first_seen_at": seen_at,
    }


def _insert_posts(
    connection: Connection, statements: _Statements, missing: dict[PostKey, values.Post]
) -> dict[PostKey, int]:
    """Insert the posts not stored yet; returns the ones this call actually inserted."""
    if not missing:
        return {}
    authors = _save_authors(connection, statements, missing.values())
    seen_at = _now()
    rows = []
    for key in sorted(missing):
        author = _author_key(missing[key])
        rows.append(_storable(_post_row(missing[key], authors.get(author) if author else None, seen_at)))
    # A plain executemany, not INSERT ... RETURNING: psycopg re-parses a multi-row VALUES statement
    # on every batch (it is too long for its cache), which made PostgreSQL ingest 2x slower.
    inserted = connection.execute(statements.insert_posts, rows).rowcount
    stored = _find_by_keys(connection, statements, missing)
    if inserted != len(rows):
        stored = _inserted_at(connection, stored, seen_at)
    links = [
        _storable({"post_id": row_id, "position": position, "url": url})
        for key, row_id in sorted(stored.items(), key=lambda item: item[1])
        for position, url in enumerate(missing[key].links)
    ]
    if links:  # links of a post another writer inserted meanwhile are the same links: no conflict
        connection.execute(statements.insert_links, links)
    return stored


def _inserted_at(
    connection: Connection, stored: dict[PostKey, int], seen_at: dt.datetime
) -> dict[PostKey, int]:
    """Of `stored`, the posts this batch inserted (not a concurrent writer): they carry its timestamp."""
    rows = _select_in(connection, _statements(connection.dialect.name).first_seen_by_id, stored.values())
    mine = {row_id for row_id, first in rows if _utc(first) == seen_at}
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
        connection.execute(
            statements.insert_appearances,
            [{"article_id": a, "post_id": p, "position": n} for a, p, n in rows],
        )
