"""The `quotes` command line: thin Click commands over the pipeline, the queries and the writers.

stdout carries data only; progress, summaries and errors go to stderr. Usage errors exit 2, a run
where some input failed exits 1 (after ingesting the rest), and every error is one `Error: …` line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import itertools
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from collector import export, terminal
from collector.fetch import DEFAULT_MAX_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from collector.loaders import InputOptions, LoadStats, is_local, iter_files, iter_pages
from collector.parallel import cap_jobs
from collector.pipeline import IngestOptions, IngestSummary, count_files, ingest, ingest_files
from collector.posts import PLATFORMS
from db.engine import (
    SchemaOutOfDate,
    database_url,
    make_engine,
    prepare_database,
    schema_revision,
    session_scope,
    upgrade_database,
)
from db.queries import (
    RECORD_KEYS,
    Filters,
    collect_stats,
    find_post,
    iter_column_batches,
    iter_records,
    select_articles,
)
from db.queries import select_authors as authors_query

DB_ENV = "QUOTES_DB"
DEBUG_ENV = "QUOTES_DEBUG"
DEFAULT_DB = "quotes.db"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
LIST_FORMATS = ("table", "csv", "json", "jsonl")
COMPLETION_HINT = (
    'Shell completion (bash): eval "$(_QUOTES_COMPLETE=bash_source quotes)"; see docs/design-cli.md.'
)
# Fetched pages are kept in this folder beside the database, named by content hash.
ARCHIVE_DIR_NAME = "quotes-archive"
AUTHOR_FIELDS = ("platform", "handle", "author_name", "post_count", "first_date", "last_date")
# Short column titles keep the names and titles wide on an 80-column terminal.
COLUMN_TITLES = {"author_name": "NAME", "post_count": "POSTS", "first_date": "FIRST", "last_date": "LAST"}
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
ARTICLE_FIELDS = ("title", "url", "published", "post_count", "ingested_at")
F = TypeVar("F", bound=Callable[..., Any])


# Click 8.5 types ParamType by its value; older Clicks (>= 8.1 is allowed) cannot subscript it.
if TYPE_CHECKING:
    _ParamBase = click.ParamType[dt.date, Any]
else:
    _ParamBase = click.ParamType


class DayParam(_ParamBase):
    """A calendar day written YYYY-MM-DD, as a date."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            if DAY_PATTERN.fullmatch(text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        self.fail(f"{value!r} is not a day written YYYY-MM-DD (for example 2022-01-07).", param, ctx)


DAY = DayParam()


# --- shared options -------------------------------------------------------------------------------

FILTER_OPTIONS = (
    click.argument("words", nargs=-1),
    click.option("--author", help="Handle (case-insensitive, @ optional) or part of the author's name."),
    click.option(
        "--platform",
        type=click.Choice(PLATFORMS, case_sensitive=False),
        help="Only posts from this platform.",
    ),
    click.option(
        "--since",
        type=DAY,
        metavar="YYYY-MM-DD",
        help="Posts dated on or after this day.",
    ),
    click.option(
        "--until",
        type=DAY,
        metavar="YYYY-MM-DD",
        help="Posts dated on or before this day.",
    ),
    click.option("--article", help="Only posts quoted by an article whose URL, path or title contains this."),
    click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N posts."),
)


def filter_options(command: F) -> F:
    """WORDS and the filter options, handed to the command as one `filters: Filters`."""

    @functools.wraps(command)
    def wrapper(*args: Any, words: tuple[str, ...], **kwargs: Any) -> Any:
        names = ("author", "platform", "since", "until", "article", "limit")
        picked = {name: kwargs.pop(name) for name in names}
        filters = Filters(
            words=" ".join(words) or None,
            **picked,
        )
        return command(*args, filters=filters, **kwargs)

    for option in reversed(FILTER_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def format_option(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    """`--format` with the given choices."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format: a table for people, csv/json/jsonl for programs.",
    )


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")


# --- the database -----------------------------------------------------------------------------------


def _sqlite_path(url: str | URL) -> str | None:
    """The database file of a SQLite URL; None for a server database."""
    parsed = make_url(url)
    return parsed.database or None if parsed.get_backend_name() == "sqlite" else None


def _shown(url: str) -> str:
    return terminal.shown(_sqlite_path(url) or url)


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
        raise click.ClickException(f"database {_shown(url)}: {_first_line(error)}") from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def open_archive(ctx: click.Context, *, create: bool) -> Iterator[Engine]:
    """The archive's engine, schema checked (see `open_engine` for errors).

    Read-only commands (`create=False`) refuse to conjure an empty archive from a mistyped path.
    """
    with open_engine(ctx) as engine:
        path = _sqlite_path(engine.url)
        if path and not create and not Path(path).exists():
            shown = terminal.shown(path)
            raise click.ClickException(
                f"no archive at {shown}; run `quotes ingest PATH` first, or pass --db / set {DB_ENV}"
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


# --- commands --------------------------------------------------------------------------------------


@click.group(context_settings=CONTEXT, epilog=COMPLETION_HINT)
@click.option(
    "--db",
    "db_value",
    metavar="URL|PATH",
    envvar=DB_ENV,
    default=DEFAULT_DB,
    show_default=True,
    help=f"Archive: a SQLite file path or a SQLAlchemy URL (postgresql://…). Also ${DB_ENV}.",
)
@click.version_option(package_name="quote-archiver", prog_name="quotes", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_value: str) -> None:
    """Archive the social-media posts quoted in saved news pages.

    \b
    Example:
        quotes ingest seeds/ && quotes search --author mcfaul
    """
    ctx.obj = db_value


INPUT_OPTIONS = (
    click.option(
        "--from-file",
        type=click.Path(dir_okay=False, allow_dash=True),
        metavar="LIST",
        help="Also read paths and URLs, one per line, from LIST ('-' for stdin).",
    ),
    click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=os.cpu_count() or 1,
        show_default="cores",
        metavar="N",
        help="Pages extracted, and URLs fetched, in parallel.",
    ),
    click.option(
        "--allow-private", is_flag=True, help="Allow fetching URLs on loopback and private addresses."
    ),
    click.option(
        "--follow-links",
        is_flag=True,
        help="Inside folders, follow symbolic links that lead out of the folder.",
    ),
    click.option(
        "--archive-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Keep fetched pages here [default: {ARCHIVE_DIR_NAME}/ beside the database].",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Seconds to wait to connect to a site and for each read.",
    ),
    click.option(
        "--max-size",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES // 1_000_000,
        show_default=True,
        metavar="MB",
        help="Refuse a fetched page larger than this many megabytes.",
    ),
    click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=DEFAULT_RETRIES,
        show_default=True,
        metavar="N",
        help="Retries of a URL that answers 429 or 5xx, with back-off.",
    ),
)


def input_options(command: F) -> F:
    """The ingest input options, handed to the command as one `inputs: InputOptions`."""

    @functools.wraps(command)
    def wrapper(*args: Any, max_size: int, **kwargs: Any) -> Any:
        names = ("from_file", "jobs", "allow_private", "follow_links", "archive_dir", "timeout", "retries")
        picked = {name: kwargs.pop(name) for name in names}
        inputs = InputOptions(**picked, max_bytes=max_size * 1_000_000)
        return command(*args, inputs=inputs, **kwargs)

    for option in reversed(INPUT_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


@cli.command("ingest")
@click.argument("paths", nargs=-1, metavar="PATH... | -")
@input_options
@quiet_option
@click.pass_context
def ingest_command(ctx: click.Context, /, paths: tuple[str, ...], inputs: InputOptions, quiet: bool) -> None:
    """Find the posts in saved pages and add them to the archive.

    Files and folders (recursive), URLs, or '-' for a page on stdin. Each bad input is reported on
    stderr and the rest is ingested; the exit code is then 1.

    \b
    Examples:
        quotes ingest seeds/ fixtures/ saved-page.html
        quotes ingest --from-file urls.txt --jobs 8
    """
    if not paths and not inputs.from_file:
        raise click.UsageError("give at least one PATH, '-' for stdin, or --from-file LIST")
    jobs, capped = cap_jobs(inputs.jobs)
    if capped:
        echo_err(capped)
    inputs = replace(inputs, jobs=jobs)
    show_bar = not quiet and sys.stderr.isatty()
    bar = terminal.ProgressBar(sys.stderr, enabled=show_bar, total=count_files(paths) if show_bar else None)
    with open_archive(ctx, create=True) as engine:
        options = replace(inputs, archive_dir=inputs.archive_dir or _archive_beside(engine))
        try:
            summary = run_ingest(engine, paths, options, bar)
        finally:
            bar.clear()  # also on Ctrl-C: no half-drawn bar before Click's "Aborted!"
    if not quiet:
        echo_err(summary.line())
    ctx.exit(1 if summary.failed else 0)


def run_ingest(
    engine: Engine, paths: tuple[str, ...], options: InputOptions, bar: terminal.ProgressBar
) -> IngestSummary:
    """Load, extract and save every input, drawing progress; the summary includes skipped files."""

    def on_page(summary: IngestSummary) -> None:
        bar.update(summary.pages, summary.posts, summary.failed)

    stats = LoadStats()
    # A closed stdin (cron, daemons: `<&-`) leaves sys.stdin None; only a `-` input needs it.
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    summary = IngestSummary()
    saving = IngestOptions(jobs=options.jobs, report=bar.message, on_page=on_page)
    try:
        if options.jobs > 1 and options.from_file is None and all(is_local(path) for path in paths):
            # Worker processes read the files themselves; this process walks folders and saves.
            files = iter_files(paths, stats=stats, follow_links=options.follow_links)
            ingest_files(files, engine, options, saving, summary)
        else:
            ingest(iter_pages(paths, options, stdin, stats=stats), engine, saving, summary)
    except KeyboardInterrupt:
        # Every batch up to here is saved whole; say how far the run got before Click's "Aborted!".
        summary.skipped = stats.skipped
        bar.message(f"interrupted; saved so far: {summary.line()}")
        raise
    summary.skipped = stats.skipped
    return summary


def _archive_beside(engine: Engine) -> Path:
    """Fetched pages are kept beside a SQLite file; for a server database, in the working folder."""
    database = _sqlite_path(engine.url)
    base = Path(database).parent if database else Path.cwd()
    return base / ARCHIVE_DIR_NAME


@cli.command()
@filter_options
@format_option(LIST_FORMATS, "table")
@click.pass_context
def search(ctx: click.Context, filters: Filters, fmt: str) -> None:
    """Search posts by words, author, platform, date or article.

    \b
    Examples:
        quotes search Geneva
        quotes search --author mcfaul --since 2022-01-01 --format json
    """
    with reading(ctx) as session:
        records = iter_records(session, filters)
        if fmt != "table":
            with open_output(None) as out:
                export.write_records(records, out, fmt, RECORD_KEYS)
            return
        first = next(records, None)
        if first is None:
            echo_err("No posts match.")
            return
        for line in terminal.table_lines(itertools.chain([first], records), terminal_width()):
            click.echo(line)


@cli.command("export")
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(export.FORMATS),
    help="csv, json or jsonl  [default: from FILE's extension, else csv]",
)
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout ('-' is stdout).")
@click.option("--excel", is_flag=True, help='CSV for Excel: UTF-8 BOM, CRLF, ids as text (="…").')
@click.option("--no-formula-escape", is_flag=True, help="Do not prefix text starting with = + - @ with '.")
@click.pass_context
def export_command(
    ctx: click.Context,
    filters: Filters,
    fmt: str | None,
    output: str | None,
    excel: bool,
    no_formula_escape: bool,
) -> None:
    """Export posts as CSV, JSON or JSON Lines to stdout or a file.

    \b
    Examples:
        quotes export --format jsonl > posts.jsonl
        quotes export --excel --author mcfaul -o mcfaul.csv
    """
    fmt = fmt or export.format_for(output)
    if excel and fmt != "csv":
        raise click.UsageError(f"--excel writes CSV; it cannot be combined with --format {fmt}")
    options = export.CsvOptions(formula_escape=not no_formula_escape, excel=excel)
    with reading(ctx, stream=True) as session, open_output(output) as out:
        count = export.write_columns(iter_column_batches(session, filters), out, fmt, RECORD_KEYS, options)
    if output not in (None, "-"):
        echo_err(f"{count} posts written to {output}")


@cli.command()
@click.argument("post")
@format_option(("text", "json"), "text")
@click.pass_context
def show(ctx: click.Context, post: str, fmt: str) -> None:
    """Show one post and every article that quoted it.

    POST is the platform's post id, the post's URL, or the archive's internal id.

    \b
    Example:
        quotes show https://twitter.com/McFaul/status/1479527384433696769
    """
    with reading(ctx) as session:
        detail = find_post(session, post)
    if detail is None:
        raise click.ClickException(f"no post {post!r} in the archive; find one with `quotes search`")
    quotations = [asdict(quoting) for quoting in detail.articles]
    if fmt == "json":
        with open_output(None) as out:
            export.write_jsonl([{**detail.record, "articles": quotations}], out)
        return
    for line in terminal.post_lines(detail.record, quotations, terminal_width()):
        click.echo(line)


@cli.command()
@format_option(LIST_FORMATS, "table")
@click.pass_context
def authors(ctx: click.Context, fmt: str) -> None:
    """List authors: handle, name, posts, first and last date.

    \b
    Example:
        quotes authors --format csv > authors.csv
    """
    with reading(ctx) as session:
        rows = session.execute(authors_query()).all()
    emit_rows([dict(zip(AUTHOR_FIELDS, row, strict=True)) for row in rows], AUTHOR_FIELDS, fmt, flex=(1, 2))


@cli.command()
@filter_options
@format_option(LIST_FORMATS, "table")
@click.pass_context
def articles(ctx: click.Context, filters: Filters, fmt: str) -> None:
    """List articles: title, address, date published, posts quoted.

    The filters select articles quoting matching posts (--article matches URL, path or title).

    \b
    Example:
        quotes articles --article nytimes.com
    """
    with reading(ctx) as session:
        rows = session.execute(select_articles(filters)).all()
    emit_rows([dict(zip(ARTICLE_FIELDS, row, strict=True)) for row in rows], ARTICLE_FIELDS, fmt, flex=(0, 1))


def emit_rows(
    rows: list[dict[str, Any]], fields: tuple[str, ...], fmt: str, *, flex: tuple[int, ...] = (-1,)
) -> None:
    """Small listings: a grid for people (column `flex` shrinks to fit), or the export formats."""
    if fmt != "table":
        with open_output(None) as out:
            export.write_records([{k: _iso(v) for k, v in row.items()} for row in rows], out, fmt, fields)
        return
    headers = [COLUMN_TITLES.get(field, field.replace("_", " ").upper()) for field in fields]
    cells = [[_short(value) for value in row.values()] for row in rows]
    for line in terminal.grid_lines(cells, headers, terminal_width(), flex=flex):
        click.echo(line)


def _iso(value: Any) -> Any:
    """Dates and times as ISO 8601 text for the machine formats."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _short(value: Any) -> Any:
    """Times to the minute for people (UTC); a published time as its day."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and ISO_TIME.match(value):
        return value[: len("YYYY-MM-DD")]
    return _iso(value)


@cli.command()
@click.option(
    "--width", type=click.IntRange(min=40), help="Chart width in columns (default: the terminal's)."
)
@click.pass_context
def stats(ctx: click.Context, width: int | None) -> None:
    """Show totals, top authors and a posts-per-month bar chart.

    \b
    Example:
        quotes stats
    """
    with reading(ctx) as session:
        totals = collect_stats(session)
    for line in terminal.stats_lines(asdict(totals), width or terminal_width()):
        click.echo(line)


@cli.group("db")
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
    echo_err(f"database {_shown(str(engine.url))}: {state} schema revision {head}")


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


def main() -> None:
    """Entry point of the `quotes` script and of `python -m collector`."""
    try:
        cli.main(prog_name="quotes")
    # A bug, not a user mistake: still one line, unless the traceback is asked for.
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        reason = terminal.shown((str(error).strip().splitlines() or [""])[0])
        echo_err(f"Error: unexpected {type(error).__name__}: {reason} (set {DEBUG_ENV}=1 for a traceback)")
        sys.exit(1)
    finally:
        # The process ends here: a frozen heap spares the interpreter's last garbage collection,
        # a walk over every object of the imported modules (measured ~0.08 s of every command).
        gc.freeze()
