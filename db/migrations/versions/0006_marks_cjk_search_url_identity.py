"""The user's marks (post_tags, post_notes); CJK words searchable (posts.cjk_terms, indexed with the
rest); article identities from normalised URLs, the canonical URL first (duplicates merged).

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from collector.values import Article as ArticleValue
from collector.values import ArticleMeta
from db.dialects import FULL_TEXT_COLUMNS_0002, create_full_text, drop_full_text
from db.fulltext import cjk_terms
from db.rows import article_identity

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# This revision's full-text columns (db.dialects.FULL_TEXT_COLUMNS may grow after it).
FULL_TEXT_COLUMNS_0006 = (*FULL_TEXT_COLUMNS_0002, "cjk_terms")
# Posts read, and their cjk_terms written, per round trip while filling the new column.
FILL_BATCH = 5_000

_POSTS = sa.table(
    "posts",
    sa.column("id", sa.Integer),
    sa.column("text", sa.Text),
    sa.column("author_name", sa.Text),
    sa.column("handle", sa.Text),
    sa.column("cjk_terms", sa.Text),
)
_ARTICLES = sa.table(
    "articles",
    *(sa.column(name, sa.Text) for name in ("identity", "source", "url", "canonical_url", "saved_from")),
    *(sa.column(name, sa.Text) for name in ("sha256", "final_url")),
    sa.column("id", sa.Integer),
)
_APPEARANCES = sa.table(
    "appearances",
    sa.column("article_id", sa.Integer),
    sa.column("post_id", sa.Integer),
    sa.column("position", sa.Integer),
)


def upgrade() -> None:
    bind = op.get_bind()
    drop_full_text(bind)
    op.add_column("posts", sa.Column("cjk_terms", sa.Text(), nullable=True))
    _create_mark_tables()
    _fill_cjk_terms(bind)
    _rekey_articles(bind)
    create_full_text(bind, FULL_TEXT_COLUMNS_0006)


def _create_mark_tables() -> None:
    op.create_table(
        "post_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("tag_key", sa.String(length=100), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_tags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_tags")),
        sa.UniqueConstraint("post_id", "tag_key", name=op.f("uq_post_tags_post_id_tag_key")),
    )
    op.create_index(op.f("ix_post_tags_tag_key_post_id"), "post_tags", ["tag_key", "post_id"], unique=False)
    op.create_table(
        "post_notes",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("noted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_notes_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_notes")),
    )


def _fill_cjk_terms(bind: sa.Connection) -> None:
    """cjk_terms for the posts stored before this revision, a batch of ids at a time."""
    read = sa.select(_POSTS.c.id, _POSTS.c.text, _POSTS.c.author_name, _POSTS.c.handle).order_by(_POSTS.c.id)
    write = (
        _POSTS.update().where(_POSTS.c.id == sa.bindparam("row_id")).values(cjk_terms=sa.bindparam("terms"))
    )
    last = 0
    while rows := bind.execute(read.where(_POSTS.c.id > last).limit(FILL_BATCH)).all():
        last = rows[-1][0]
        filled = [
            {"row_id": row_id, "terms": terms}
            for row_id, text, name, handle in rows
            if (terms := cjk_terms(text, name, handle))
        ]
        if filled:
            bind.execute(write, filled)


def _new_identity(row: Any) -> str:
    """What db.rows.article_identity gives the stored article today (canonical URL first, normalised).

    The stored `url` was the address read from unless it is the canonical URL itself."""
    read_from = row.url if row.url != row.canonical_url else None
    article = ArticleValue(
        source=row.source,
        sha256=row.sha256,
        meta=ArticleMeta(canonical_url=row.canonical_url, saved_from=row.saved_from),
        url=read_from,
        final_url=row.final_url,
    )
    return article_identity(article)


def _rekey_articles(bind: sa.Connection) -> None:
    """Every article keyed as today's writer keys it; articles that become one are merged into the
    first ingested (its appearances gain the others' that it lacks)."""
    rows = bind.execute(sa.select(_ARTICLES).order_by(_ARTICLES.c.id)).all()
    kept: dict[str, int] = {}
    changed: list[tuple[int, str]] = []
    for row in rows:
        identity = _new_identity(row)
        if identity in kept:
            _merge_article(bind, row.id, kept[identity])
        else:
            kept[identity] = row.id
            if identity != row.identity:
                changed.append((row.id, identity))
    # Two steps, so that no new identity meets an old one not rewritten yet.
    rekey = _ARTICLES.update().where(_ARTICLES.c.id == sa.bindparam("row_id"))
    if changed:
        bind.execute(
            rekey.values(identity=sa.bindparam("new")),
            [{"row_id": row_id, "new": f"rekeying {row_id}"} for row_id, _ in changed],
        )
        bind.execute(
            rekey.values(identity=sa.bindparam("new")),
            [{"row_id": row_id, "new": new} for row_id, new in changed],
        )


def _merge_article(bind: sa.Connection, duplicate: int, into: int) -> None:
    mine = _APPEARANCES.alias("mine")
    already = (
        sa.select(1)
        .where(
            mine.c.article_id == into,
            mine.c.post_id == _APPEARANCES.c.post_id,
            mine.c.position == _APPEARANCES.c.position,
        )
        .exists()
    )
    bind.execute(
        _APPEARANCES.update().where(_APPEARANCES.c.article_id == duplicate, ~already).values(article_id=into)
    )
    bind.execute(_APPEARANCES.delete().where(_APPEARANCES.c.article_id == duplicate))
    bind.execute(_ARTICLES.delete().where(_ARTICLES.c.id == duplicate))


def downgrade() -> None:
    # Article identities stay normalised: the old ones cannot be told from the rows.
    bind = op.get_bind()
    drop_full_text(bind)
    op.drop_table("post_notes")
    op.drop_index(op.f("ix_post_tags_tag_key_post_id"), table_name="post_tags")
    op.drop_table("post_tags")
    if bind.dialect.name == "sqlite":
        # Not batch mode: it would drop and copy `posts`, and the drop cascades to appearances.
        bind.exec_driver_sql("ALTER TABLE posts DROP COLUMN cjk_terms")
    else:
        op.drop_column("posts", "cjk_terms")
    create_full_text(bind, FULL_TEXT_COLUMNS_0002)
