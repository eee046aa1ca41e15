"""What every command needs around its work: the archive's engine and sessions, the output stream.

Any database failure becomes one `Error:` line; stdout is written as UTF-8 whatever the locale.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from collector.output import export, terminal
from collector.values import RECORD_KEYS
from db.engine import (
    SchemaOutOfDate,
    database_url,
    make_engine,
    prepare_database,
    session_scope,
)
from db.queries import Filters
from db.records import iter_column_batches

DB_ENV = "QUOTES_DB"


def sqlite_path(url: str | URL) -> str | None:
    """The database file of a SQLite URL; None for a server database."""
    parsed = make_url(url)
    return parsed.database or None if parsed.get_backend_name() == "sqlite" else None


def shown(url: str) -> str:
    return terminal.shown(sqlite_path(url) or url)


@contextlib.contextmanager
def open_engine(ctx: click.Context) -> Iterator[Engine]:
    """The engine for `--db`, schema unchecked; any database failure becomes one `Error:` line."""
    try:
        url = database_url(ctx.obj)
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError) as error:
        raise click.BadParameter(_first_line(error), param_hint="'--db'") from None
    try:
        yield engine
    except SQLAlchemyError as error:
        raise click.ClickException(f"database {shown(url)}: {_first_line(error)}") from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def open_archive(ctx: click.Context, *, create: bool) -> Iterator[Engine]:
    """The archive's engine, schema checked (see `open_engine` for errors).

    Read-only commands (`create=False`) refuse to conjure an empty archive from a mistyped path.
    """
    with open_engine(ctx) as engine:
        path = sqlite_path(engine.url)
        if path and not create and not Path(path).exists():
            shown_path = terminal.shown(path)
            raise click.ClickException(
                f"no archive at {shown_path}; run `quotes ingest PATH` first, or pass --db / set {DB_ENV}"
            )
        try:
            prepare_database(engine)
        except SchemaOutOfDate as error:
            raise click.ClickException(terminal.shown(str(error))) from None
        yield engine


def _first_line(error: Exception) -> str:
    reason = str(getattr(error, "orig", None) or error).strip()
    return terminal.shown(reason.splitlines()[0]) if reason else type(error).__name__


@contextlib.contextmanager
def reading(ctx: click.Context, *, stream: bool = False) -> Iterator[Session]:
    """A read-only session on the archive (`stream`: one read of many rows, see session_scope)."""
    with (
        open_archive(ctx, create=False) as engine,
        session_scope(engine, readonly=True, stream=stream) as session,
    ):
        yield session


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[TextIO]:
    """FILE, or stdout for None or '-': UTF-8 whatever the locale, newlines written as given.

    FILE is replaced only once it is written whole (`export.atomic_output`)."""
    if path is not None and path != "-":
        try:
            with export.atomic_output(path) as handle:
                yield handle
        except export.OpenError as error:
            raise click.FileError(path, error.reason) from None
        except export.OutputError as error:
            raise click.ClickException(terminal.shown(str(error))) from None
        return
    sys.stdout.flush()  # anything echoed before goes first
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        yield stream
        stream.flush()
    except OSError as error:  # a full disk or an I/O error behind a redirection
        raise click.ClickException(f"cannot write to stdout: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):  # what did not go out is reported above
            stream.detach()  # leave sys.stdout open


def echo_err(line: str) -> None:
    """One line on stderr, `terminal.shown`: messages carry file names, URLs and titles."""
    click.echo(terminal.shown(line), err=True)


def terminal_width() -> int:
    return shutil.get_terminal_size().columns


def write_export(
    ctx: click.Context, filters: Filters, fmt: str, output: str | None, options: export.CsvOptions
) -> int:
    """Stream the matching posts' records to `output` (stdout for None or '-') in `fmt`; returns
    how many. A workbook goes to a file only, written whole or not at all like every export file,
    and what it could not hold as given is said on stderr."""
    if fmt not in export.FILE_FORMATS:
        with reading(ctx, stream=True) as session, open_output(output) as out:
            batches = iter_column_batches(session, filters)
            return export.write_columns(batches, out, fmt, RECORD_KEYS, options)
    assert output is not None
    # XlsxWriter takes ~0.15 s to import: loaded for workbooks only, not by every `quotes` run.
    from collector.output import xlsx

    try:
        with reading(ctx, stream=True) as session, export.atomic_file(output, binary=True) as out:
            report = xlsx.write_xlsx_columns(iter_column_batches(session, filters), out, RECORD_KEYS)
    except export.OpenError as error:
        raise click.FileError(output, error.reason) from None
    except export.OutputError as error:
        raise click.ClickException(terminal.shown(str(error))) from None
    if report.cut_cells:
        echo_err(f"{report.cut_cells} cells longer than Excel's {xlsx.MAX_CELL_CHARS:,} characters were cut")
    if report.unlinked:
        echo_err(f"{report.unlinked} addresses too long (or too many) for Excel links are plain text")
    if report.sheets > 1:
        echo_err(f"more rows than one Excel sheet holds: written on {report.sheets} sheets")
    return report.rows
