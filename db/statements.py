"""The writer's statements, built once per dialect, and the plain executemany insert they use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table, bindparam, select, update

from db.dialects import in_values
from db.merge import MERGED_COLUMNS, update_sets
from db.models import Appearance, Article, Author, Link, Post
from db.rows import APPEARANCE_COLUMNS, ARTICLE_COLUMNS, POST_COLUMNS

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_AUTHORS: Table = Author.__table__  # type: ignore[assignment]
_POSTS: Table = Post.__table__  # type: ignore[assignment]
_LINKS: Table = Link.__table__  # type: ignore[assignment]
_APPEARANCES: Table = Appearance.__table__  # type: ignore[assignment]
POST_INSERT = (*POST_COLUMNS, "author_id", "first_seen_at")
ARTICLE_INSERT = (*ARTICLE_COLUMNS, "ingested_at")
APPEARANCE_INSERT = ("article_id", "post_id", "position", *APPEARANCE_COLUMNS, "page_sha256", "copy_json")


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

    def __init__(
        self,
        dialect: Dialect,
        table: Table,
        columns: Sequence[str],
        key: Sequence[str],
        update: str | None = None,
    ) -> None:
        """`update`: the SET list of ON CONFLICT DO UPDATE (an upsert) instead of DO NOTHING."""
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
        names = ", ".join(quote(name) for name in columns)
        marks = ", ".join([mark] * len(columns))
        conflict = ", ".join(quote(name) for name in key)
        action = "DO NOTHING" if update is None else f"DO UPDATE SET {update}"
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"
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
class Statements:
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
    upsert_posts: Inserter
    posts_to_merge: Any
    posts_to_merge_locked: Any
    appearance_copies: Any
    update_appearance_copy: Any


_STATEMENTS: dict[str, Statements] = {}


def statements_for(dialect: Dialect) -> Statements:
    found = _STATEMENTS.get(dialect.name)
    if found is None:
        found = _STATEMENTS[dialect.name] = _make_statements(dialect)
    return found


def _make_statements(dialect: Dialect) -> Statements:
    # Plain executemany inserts, no RETURNING: ids are looked up afterwards by natural key. A long
    # multi-row INSERT ... RETURNING is re-parsed by psycopg on every batch (too long for its cache).
    merge_select = select(_POSTS.c.id, _POSTS.c.key, *(_POSTS.c[name] for name in MERGED_COLUMNS)).where(
        in_values(_POSTS.c.id)
    )
    return Statements(
        insert_articles=Inserter(dialect, _ARTICLES, ARTICLE_INSERT, ["identity"]),
        insert_authors=Inserter(
            dialect,
            _AUTHORS,
            ["platform", "handle_key", "name", "handle"],
            ["platform", "handle_key", "name"],
        ),
        insert_posts=Inserter(dialect, _POSTS, POST_INSERT, ["platform", "key"]),
        insert_links=Inserter(dialect, _LINKS, ["post_id", "position", "url"], ["post_id", "position"]),
        insert_appearances=Inserter(
            dialect, _APPEARANCES, APPEARANCE_INSERT, ["article_id", "post_id", "position"]
        ),
        # Copies of stored posts merge into them (db.merge): the rules as SQL, on the natural key.
        upsert_posts=Inserter(dialect, _POSTS, POST_INSERT, ["platform", "key"], update=update_sets()),
        posts_to_merge=merge_select,
        # PostgreSQL: the rows stay locked until commit, so what the merge replaces is what was read.
        posts_to_merge_locked=merge_select.with_for_update(),
        appearance_copies=select(
            _APPEARANCES.c.id, _APPEARANCES.c.post_id, _APPEARANCES.c.copy_known, _APPEARANCES.c.copy_json
        ).where(in_values(_APPEARANCES.c.post_id)),
        update_appearance_copy=update(_APPEARANCES)
        .where(_APPEARANCES.c.id == bindparam("appearance_id"))
        .values(copy_json=bindparam("new_copy_json")),
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
