"""Search: full-text search over posts (FTS5 / tsvector GIN) and the indexes queries filter on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:12:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from db.dialects import FULL_TEXT_COLUMNS_0002, create_full_text, drop_full_text

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Export order (date, post id) and the --since/--until range.
    op.create_index(op.f("ix_posts_date_post_id"), "posts", ["date", "post_id"], unique=False)
    # --author resolves to author ids first, then follows this index (already in date order);
    # saving finds a plain-text copy's embedded original among its author's posts of that day.
    op.create_index(op.f("ix_posts_author_id_date"), "posts", ["author_id", "date"], unique=False)
    # Per-post article lists in exports and `quotes show`.
    op.create_index(
        op.f("ix_appearances_post_id_article_id"), "appearances", ["post_id", "article_id"], unique=False
    )
    # Existing posts are indexed as part of creating the full-text objects.
    create_full_text(op.get_bind(), FULL_TEXT_COLUMNS_0002)


def downgrade() -> None:
    drop_full_text(op.get_bind())
    op.drop_index(op.f("ix_appearances_post_id_article_id"), table_name="appearances")
    op.drop_index(op.f("ix_posts_author_id_date"), table_name="posts")
    op.drop_index(op.f("ix_posts_date_post_id"), table_name="posts")
