"""Search on PostgreSQL folds diacritics like FTS5 does ('cafe' finds 'café'): the tsvector GIN
index is rebuilt on the folded document. SQLite's FTS5 table already folds them: nothing to do.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from db.dialects import (
    FULL_TEXT_COLUMNS_0002,
    PG_DOCUMENT_TEXT,
    PG_FTS_INDEX,
    PG_TS_CONFIG,
    create_full_text,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revision 0002's document, not folded.
UNFOLDED_DOCUMENT = f"to_tsvector('{PG_TS_CONFIG}'::regconfig, {PG_DOCUMENT_TEXT})"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_FTS_INDEX}")
        create_full_text(op.get_bind(), FULL_TEXT_COLUMNS_0002)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_FTS_INDEX}")
        op.execute(f"CREATE INDEX {PG_FTS_INDEX} ON posts USING gin (({UNFOLDED_DOCUMENT}))")
