"""One post, its best record: every known date, tombstones, where and how each post was quoted.

Adds posts.date_source, status, quoted_url, media_json; appearances.status, context_before,
context_after, copy_known, copy_json; articles.author. Then the fill-in over the posts already
stored: a post without a day gets the UTC day of its id's time (`date_source` "id"; a day set by
an earlier version from the id clock is marked "id" too, any other "shown"); and an id-less post
stored beside the post with an id that has its content key (two writers raced on them) is merged
into that post by the merge rules (db.merge), its appearances moved over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.dialects import utc_day
from db.merge import MERGED_COLUMNS, copy_record, merge_values, shown_fields

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POST_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("date_source", sa.String(length=8), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=True),
    sa.Column("quoted_url", sa.Text(), nullable=True),
    sa.Column("media_json", sa.Text(), nullable=False, server_default="[]"),
)
APPEARANCE_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("status", sa.String(length=16), nullable=True),
    sa.Column("context_before", sa.Text(), nullable=True),
    sa.Column("context_after", sa.Text(), nullable=True),
    sa.Column("copy_known", sa.Integer(), nullable=True),
    sa.Column("copy_json", sa.Text(), nullable=True),
)


def upgrade() -> None:
    for column in POST_COLUMNS:
        op.add_column("posts", column)
    for column in APPEARANCE_COLUMNS:
        op.add_column("appearances", column)
    op.add_column("articles", sa.Column("author", sa.Text(), nullable=True))
    connection = op.get_bind()
    _fill_dates(connection)
    _merge_raced_copies(connection)


def _fill_dates(connection: sa.Connection) -> None:
    posts = sa.table(
        "posts",
        sa.column("date", sa.Date()),
        sa.column("date_text", sa.Text()),
        sa.column("date_source", sa.String()),
        sa.column("posted_at", sa.DateTime(timezone=True)),
    )
    id_day = utc_day(posts.c.posted_at)
    from_clock = sa.and_(posts.c.date_text.is_(None), posts.c.posted_at.is_not(None), posts.c.date == id_day)
    connection.execute(sa.update(posts).where(posts.c.date.is_not(None), from_clock).values(date_source="id"))
    connection.execute(
        sa.update(posts)
        .where(posts.c.date.is_not(None), posts.c.date_source.is_(None))
        .values(date_source="shown")
    )
    connection.execute(
        sa.update(posts)
        .where(posts.c.date.is_(None), posts.c.posted_at.is_not(None))
        .values(date=id_day, date_source="id")
    )


def _merge_raced_copies(connection: sa.Connection) -> None:
    metadata = sa.MetaData()
    posts = sa.Table("posts", metadata, autoload_with=connection)
    appearances = sa.Table("appearances", metadata, autoload_with=connection)
    links = sa.Table("links", metadata, autoload_with=connection)
    twin = posts.alias("twin")
    pairs = connection.execute(
        sa.select(posts.c.id, twin.c.id)
        .join(twin, sa.and_(twin.c.platform == posts.c.platform, twin.c.content_key == posts.c.content_key))
        .where(posts.c.post_id.is_(None), twin.c.post_id.is_not(None))
        .order_by(posts.c.id, twin.c.id)
    ).all()
    done: set[int] = set()
    for idless, target in pairs:
        if idless in done:
            continue
        done.add(idless)
        _merge_into(connection, (posts, appearances, links), idless, target)


def _merge_into(connection: sa.Connection, tables: tuple[sa.Table, ...], idless: int, target: int) -> None:
    """Post `idless` merged into post `target`: fields by the merge rules, links when the copy's
    are fuller, appearances moved (each keeping the id-less copy it showed), the copy deleted."""
    posts, appearances, links = tables
    stored, copy = (_row(connection, posts, row_id) for row_id in (target, idless))
    merged = merge_values(stored, copy)
    changed = {name: value for name, value in merged.items() if value != stored[name]}
    if "links_json" in changed:
        connection.execute(sa.delete(links).where(links.c.post_id == target))
        connection.execute(sa.update(links).where(links.c.post_id == idless).values(post_id=target))
    known, differing = copy_record(shown_fields(copy), shown_fields({**stored, **merged}))
    taken = sa.select(appearances.c.article_id, appearances.c.position).where(appearances.c.post_id == target)
    connection.execute(
        sa.update(appearances)
        .where(
            appearances.c.post_id == idless,
            sa.tuple_(appearances.c.article_id, appearances.c.position).not_in(taken),
        )
        .values(post_id=target, copy_known=known, copy_json=differing)
    )
    connection.execute(sa.delete(appearances).where(appearances.c.post_id == idless))
    connection.execute(sa.delete(links).where(links.c.post_id == idless))
    connection.execute(sa.delete(posts).where(posts.c.id == idless))
    if changed:
        connection.execute(sa.update(posts).where(posts.c.id == target).values(**changed))


def _row(connection: sa.Connection, posts: sa.Table, row_id: int) -> dict[str, Any]:
    # The merge rules of today's code, over the columns this revision has (later ones add more).
    columns = [posts.c[name] for name in MERGED_COLUMNS if name in posts.c]
    return dict(connection.execute(sa.select(*columns).where(posts.c.id == row_id)).one()._mapping)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35 too): a batch copy of posts would drop
    # the full-text triggers that live on the table.
    op.drop_column("articles", "author")
    for column in reversed(APPEARANCE_COLUMNS):
        op.drop_column("appearances", column.name)
    for column in reversed(POST_COLUMNS):
        op.drop_column("posts", column.name)
