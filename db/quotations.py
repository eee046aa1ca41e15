"""Posts with the articles that quoted them: what citations, post cards and the quote graph read.

Each post is its export record (RECORD_KEYS, plus `id`, the id `quotes show` takes) with two more
keys: `articles`, one dict per quoting article (SOURCE_FIELDS, oldest ingest first, each article
once), and `quoted`, the post it quotes (QUOTED_FIELDS) or None. Plain values only, so the writers
in `collector.output` take them without knowing the archive; times are ISO 8601 UTC text.

Streamed: the articles and quoted posts of SOURCE_BATCH posts are read in one query each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import Appearance, Article, Post
from db.queries import Filters
from db.records import format_utc, iter_row_records
from db.rows import QUOTED_FIELDS

# Posts whose articles are read together (well under both databases' bound-parameter limits).
SOURCE_BATCH = 500
# What each quoting article gives, in this order: `address` is its URL, else its file path;
# `status` the tombstone it showed in place of the post (None: it showed the post).
SOURCE_FIELDS = ("title", "url", "address", "site_name", "published", "ingested_at", "status")


def iter_sourced_posts(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    """Each matching post's record with its `articles` and `quoted` (see the module's doc)."""
    connection = session.connection()
    batch: list[tuple[int, dict[str, Any]]] = []
    for row_id, record in iter_row_records(session, filters):
        record["id"] = record["post_id"] or str(row_id)
        batch.append((row_id, record))
        if len(batch) == SOURCE_BATCH:
            yield from _with_sources(connection, batch)
            batch = []
    yield from _with_sources(connection, batch)


def _with_sources(
    connection: Connection, batch: Sequence[tuple[int, dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    if not batch:
        return
    ids = [row_id for row_id, _ in batch]
    articles = _articles(connection, ids)
    quoted = _quoted(connection, ids)
    for row_id, record in batch:
        yield {**record, "articles": articles.get(row_id, []), "quoted": quoted.get(row_id)}


def _articles(connection: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The quoting articles of each post, by internal id: oldest ingest first, each once (its
    first appearance in the page gives the status)."""
    statement = (
        select(
            Appearance.post_id,
            Article.id,
            Article.title,
            Article.url,
            Article.source,
            Article.site_name,
            Article.published,
            Article.ingested_at,
            Appearance.status,
        )
        .join(Article, Article.id == Appearance.article_id)
        .where(Appearance.post_id.in_(ids))
        .order_by(Appearance.post_id, Article.ingested_at, Article.id, Appearance.position)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    seen: set[tuple[int, int]] = set()
    for post_id, article_id, title, url, source, site, published, ingested, status in connection.execute(
        statement
    ):
        if (post_id, article_id) in seen:
            continue
        seen.add((post_id, article_id))
        row = (title, url, url or source, site, published, format_utc(ingested), status)
        found.setdefault(post_id, []).append(dict(zip(SOURCE_FIELDS, row, strict=True)))
    return found


def _quoted(connection: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The quoted post (author_name, handle, text, url) of each post that shows one."""
    columns = [getattr(Post, f"quoted_{name}") for name in QUOTED_FIELDS]
    statement = select(Post.id, *columns, Post.quoted_url).where(Post.id.in_(ids))
    found: dict[int, dict[str, Any]] = {}
    for post_id, *values in connection.execute(statement):
        if any(values):
            found[post_id] = dict(zip((*QUOTED_FIELDS, "url"), values, strict=True))
    return found
