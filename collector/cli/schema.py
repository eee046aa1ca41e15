"""`quotes db`: look after the archive's database schema."""

from __future__ import annotations

import click

from collector.cli.archive import echo_err, open_engine, shown
from db.engine import (
    schema_revision,
    upgrade_database,
)


@click.group("db")
def db_group() -> None:
    """Look after the archive's database schema.

    \b
    Example:
        quotes --db postgresql://postgres@127.0.0.1/quotes db upgrade
    """


@db_group.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Upgrade the database schema to the latest revision.

    \b
    Example:
        quotes db upgrade
    """
    with open_engine(ctx) as engine:
        before, head = schema_revision(engine)
        upgrade_database(engine)
    state = "already at" if before == head else f"upgraded from {before or 'none'} to"
    echo_err(f"database {shown(str(engine.url))}: {state} schema revision {head}")


@db_group.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Print the database's schema revision and the latest one.

    \b
    Example:
        quotes db status
    """
    with open_engine(ctx) as engine:
        current, head = schema_revision(engine)
    click.echo(f"current: {current or 'none'}\nlatest: {head}")
    if current != head:
        echo_err("Run `quotes db upgrade` to bring the database up to date.")
