"""The reading commands: search, export, show, authors, articles, stats.

Each reads the archive through `db.queries` / `db.records` and formats with `collector.output`:
a table for people, or csv/json/jsonl on stdout for programs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import asdict
from typing import Any

import click

from collector.cli.archive import echo_err, open_output, reading, terminal_width
from collector.cli.options import filter_options, format_option
from collector.output import export, terminal
from collector.values import RECORD_KEYS
from db.queries import Filters, collect_stats, select_articles
from db.queries import select_authors as authors_query
from db.records import find_post, iter_column_batches, iter_records

LIST_FORMATS = ("table", "csv", "json", "jsonl")
AUTHOR_FIELDS = ("platform", "handle", "author_name", "post_count", "first_date", "last_date")
# Short column titles keep the names and titles wide on an 80-column terminal.
COLUMN_TITLES = {"author_name": "NAME", "post_count": "POSTS", "first_date": "FIRST", "last_date": "LAST"}
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
ARTICLE_FIELDS = ("title", "url", "published", "post_count", "ingested_at")


@click.command()
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


@click.command("export")
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


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
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
