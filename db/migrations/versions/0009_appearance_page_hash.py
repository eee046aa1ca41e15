"""The page each appearance was read from: appearances.page_sha256.

An article is one row however often its URL is saved (db.rows.article_identity), holding the first
copy's hash. A later copy of the same URL (an updated page, or the same page saved as .mhtml) adds
the posts only it shows, and their markup and byte offset are in that copy, not the first: the
appearance now names the page it was read from. Appearances stored before this revision have
none (their page is unknown); `quotes evidence` then gives the article's hash alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appearances", sa.Column("page_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("appearances", "page_sha256")
