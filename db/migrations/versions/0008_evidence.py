"""The evidence of each appearance: the embed's markup as the page writes it, and its byte offset.

Adds appearances.markup, markup_truncated, byte_offset (collector.extract.evidence). Appearances
stored before this revision have none: their pages are not kept, so it cannot be filled in; a
re-ingest of the page fills nothing either (saving a known appearance changes nothing), `quotes
evidence` lists them without markup.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEARANCE_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("markup", sa.Text(), nullable=True),
    sa.Column("markup_truncated", sa.Boolean(), nullable=True),
    sa.Column("byte_offset", sa.BigInteger(), nullable=True),
)


def upgrade() -> None:
    for column in APPEARANCE_COLUMNS:
        op.add_column("appearances", column)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35 too), as revision 0004 does.
    for column in reversed(APPEARANCE_COLUMNS):
        op.drop_column("appearances", column.name)
