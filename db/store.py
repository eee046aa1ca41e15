"""Saving pages: one article, its posts, their links and appearances, idempotently.

Plain functions taking a session. Every write is an INSERT ... ON CONFLICT DO NOTHING against a
natural key, so repeated pages, and concurrent workers racing on the same posts, converge on one
row each. Rows are offered in key order so that concurrent PostgreSQL transactions take their row
locks in the same order (no deadlock within one page).

Posts without a platform id (plain-text copies lose the status URL) are keyed by their content key
(handle + date + normalised text). Such a post is recognised as a stored post with the same
content key, id or not; and when an embed with an id arrives for a post first stored without one,
the stored row is promoted (it gains the id, URL and exact time) instead of becoming a second post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from collector import posts as values
from db.dialects import insert_for
from db.engine import session_scope
from db.models import Appearance, Article, Author, Link, Post

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

# (platform, natural key): how a post is identified across pages.
PostKey = tuple[str, str]
# (platform, case-folded handle without '@', display name): one row in `authors`.
AuthorKey = tuple[str, str, str]


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
    while earlier pages in the caller's transaction stay. The caller commits (every N pages).
    """
    with session.begin_nested():
        dialect = session.get_bind().dialect.name
        article_id = _save_article_row(session, dialect, article)
        ids, new = _save_posts(session, dialect, posts)
        _save_appearances(session, dialect, article_id, ids)
    distinct = len(set(ids))
    return SaveResult(article_id=article_id, new_posts=new, known_posts=distinct - new)


def save_pages(
    engine: Engine, pages: Sequence[tuple[values.Article, Sequence[values.Post]]]
) -> list[SaveResult | Exception]:
    """Save a batch of pages in one transaction; one outcome per page, in order.

    A page that fails is rolled back alone and its error returned in its place; the others commit.
    When concurrent writers deadlock (PostgreSQL, when two batches need each other's new rows) or a
    lock wait times out, the whole batch is retried: its effects are idempotent.
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


def _save_batch(
    engine: Engine, pages: Sequence[tuple[values.Article, Sequence[values.Post]]]
) -> list[SaveResult | Exception]:
    outcomes: list[SaveResult | Exception] = []
    with session_scope(engine) as session:
        for article, posts in pages:
            try:
                outcomes.append(save_article(session, article, posts))
            except DBAPIError as error:
                if is_transient(error):
                    raise
                outcomes.append(error)
            except (ValueError, TypeError) as error:  # a value the database driver refused
                outcomes.append(error)
    return outcomes


def is_transient(error: DBAPIError) -> bool:
    """A concurrency failure that retrying the transaction resolves."""
    state = getattr(error.orig, "sqlstate", None)
    return state in TRANSIENT_SQLSTATES or TRANSIENT_SQLITE_MESSAGE in str(error.orig)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite keeps no time zone: everything is stored as UTC (see models.Post.posted_at).
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _save_article_row(session: Session, dialect: str, article: values.Article) -> int:
    identity = article_identity(article)
    meta = article.meta
    row = {
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
        "ingested_at": _now(),
    }
    statement = insert_for(dialect, _ARTICLES).on_conflict_do_nothing(index_elements=["identity"])
    inserted = session.execute(statement.returning(_ARTICLES.c.id), row).scalar()
    if inserted is not None:
        return int(inserted)
    return int(session.execute(select(_ARTICLES.c.id).where(_ARTICLES.c.identity == identity)).scalar_one())


def _post_key(post: values.Post) -> PostKey:
    return (post.platform, values.natural_key(post))


def _save_posts(session: Session, dialect: str, posts: Sequence[values.Post]) -> tuple[list[int], int]:
    """The row id of each post (parallel to `posts`) and how many distinct posts were new."""
    keys = [_post_key(post) for post in posts]
    known = _find_known(session, posts)
    known.update(_promote(session, posts, known))
    missing: dict[PostKey, values.Post] = {}
    for key, post in zip(keys, posts, strict=True):
        if key not in known:
            missing.setdefault(key, post)
    new = _insert_posts(session, dialect, missing)
    known.update(new)
    # Lost a race with another writer: the row exists now, committed by them.
    known.update(_find_by_keys(session, [key for key in missing if key not in known]))
    return [known[key] for key in keys], len(new)


def _find_by_keys(session: Session, keys: Iterable[PostKey]) -> dict[PostKey, int]:
    wanted = set(keys)
    if not wanted:
        return {}
    statement = select(_POSTS.c.platform, _POSTS.c.key, _POSTS.c.id).where(
        _POSTS.c.key.in_(sorted({key for _, key in wanted}))
    )
    return {(p, k): i for p, k, i in session.execute(statement) if (p, k) in wanted}


def _find_known(session: Session, posts: Sequence[values.Post]) -> dict[PostKey, int]:
    """Stored posts: by natural key, and id-less posts also by content key (any stored row)."""
    found = _find_by_keys(session, [_post_key(post) for post in posts])
    idless = {_post_key(post) for post in posts if not post.post_id} - found.keys()
    if idless:
        statement = (
            select(_POSTS.c.platform, _POSTS.c.content_key, _POSTS.c.id)
            .where(_POSTS.c.content_key.in_(sorted({key for _, key in idless})))
            # Prefer the row that has a platform id, then the oldest.
            .order_by(_POSTS.c.post_id.is_(None), _POSTS.c.id)
        )
        for platform, content, row_id in session.execute(statement):
            if (platform, content) in idless:
                found.setdefault((platform, content), row_id)
    return found


def _promote(session: Session, posts: Sequence[values.Post], known: dict[PostKey, int]) -> dict[PostKey, int]:
    """Give an id-less stored post the id of the embed now seen for it (same content key)."""
    candidates = {
        (post.platform, values.content_key(post)): post
        for post in posts
        if post.post_id and _post_key(post) not in known
    }
    if not candidates:
        return {}
    stored = _find_by_keys(session, candidates)
    promoted: dict[PostKey, int] = {}
    for content, row_id in sorted(stored.items()):
        post = candidates[content]
        try:
            with session.begin_nested():
                session.execute(update(_POSTS).where(_POSTS.c.id == row_id).values(_identity_columns(post)))
        except IntegrityError:
            continue  # another writer stored the id meanwhile: that row wins, this one stays id-less
        promoted[_post_key(post)] = row_id
    return promoted


def _identity_columns(post: values.Post) -> dict[str, Any]:
    return {
        "key": values.natural_key(post),
        "post_id": post.post_id,
        "url": post.url,
        "posted_at": _utc(post.posted_at),
    }


def _author_key(post: values.Post) -> AuthorKey | None:
    handle = (post.handle or "").lstrip("@").casefold()
    name = post.author_name or ""
    return (post.platform, handle, name) if handle or name else None


def _save_authors(session: Session, dialect: str, posts: Iterable[values.Post]) -> dict[AuthorKey, int]:
    rows: dict[AuthorKey, dict[str, Any]] = {}
    for post in posts:
        key = _author_key(post)
        if key is not None and key not in rows:
            rows[key] = {"platform": key[0], "handle_key": key[1], "name": key[2], "handle": post.handle}
    if not rows:
        return {}
    statement = insert_for(dialect, _AUTHORS).on_conflict_do_nothing(
        index_elements=["platform", "handle_key", "name"]
    )
    session.execute(statement, [rows[key] for key in sorted(rows)])
    found = select(_AUTHORS.c.platform, _AUTHORS.c.handle_key, _AUTHORS.c.name, _AUTHORS.c.id).where(
        _AUTHORS.c.handle_key.in_(sorted({key[1] for key in rows}))
    )
    return {(p, h, n): i for p, h, n, i in session.execute(found) if (p, h, n) in rows}


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


def _insert_posts(session: Session, dialect: str, missing: dict[PostKey, values.Post]) -> dict[PostKey, int]:
    """Insert the posts not stored yet; returns the ones this call actually inserted."""
    if not missing:
        return {}
    authors = _save_authors(session, dialect, missing.values())
    seen_at = _now()
    rows = []
    for key in sorted(missing):
        author = _author_key(missing[key])
        rows.append(_post_row(missing[key], authors.get(author) if author else None, seen_at))
    statement = (
        insert_for(dialect, _POSTS)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(_POSTS.c.platform, _POSTS.c.key, _POSTS.c.id)
    )
    inserted = {(p, k): i for p, k, i in session.execute(statement, rows)}
    _save_links(session, dialect, {inserted[key]: missing[key] for key in inserted})
    return inserted


def _save_links(session: Session, dialect: str, posts: dict[int, values.Post]) -> None:
    rows = [
        {"post_id": row_id, "position": position, "url": url}
        for row_id, post in sorted(posts.items())
        for position, url in enumerate(post.links)
    ]
    if rows:
        statement = insert_for(dialect, _LINKS).on_conflict_do_nothing(index_elements=["post_id", "position"])
        session.execute(statement, rows)


def _save_appearances(session: Session, dialect: str, article_id: int, post_ids: Sequence[int]) -> None:
    rows = [
        {"article_id": article_id, "post_id": row_id, "position": position}
        for position, row_id in enumerate(post_ids)
    ]
    if rows:
        statement = insert_for(dialect, _APPEARANCES).on_conflict_do_nothing(
            index_elements=["article_id", "post_id", "position"]
        )
        session.execute(statement, rows)
