"""Alembic environment: runs on the connection `db.engine` hands over, or on a URL for developers."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from db.engine import database_url, make_engine
from db.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("QUOTES_DB") or config.get_main_option("sqlalchemy.url") or "quotes.db"
    engine = make_engine(database_url(url))
    with engine.begin() as own:
        _run(own)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
