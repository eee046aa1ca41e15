"""The reading commands: search, export, show, authors, articles, stats.

Each reads the archive through `db.queries` / `db.records` and formats with `collector.output`:
a table for people, or csv/json/jsonl on stdout for programs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import click

from collector.cli.archive import echo_err, open_output, reading, terminal_width, write_export
from collector.cli.options import SEARCH_SYNTAX, filter_options, format_option, tz_option
from collector.output import export, quotings, terminal
from collector.values import RECORD_KEYS
from db.queries import Filters, collect_stats, select_articles
from db.queries import select_authors as authors_query
from db.records import find_post, iter_records

LIST_FORMATS = ("table", "csv", "json", "jsonl")
AUTHOR_FIELDS = ("platform", "handle", "author_name", "post_count", "first_date", "last_date")
# Short column titles keep the names and titles wide on an 80-column terminal.
COLUMN_TITLES = {"author_name": "NAME", "post_count": "POSTS", "first_date": "FIRST", "last_date": "LAST"}
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
ARTICLE_FIELDS = ("id", "title", "url", "published", "post_count", "ingested_at")
# The table leaves out when an article was ingested, to give its title the room.
ARTICLE_TABLE_FIELDS = ARTICLE_FIELDS[:-1]


@click.command(epilog=SEARCH_SYNTAX)
@filter_options
@format_option(LIST_FORMATS, "table")
@tz_option
@click.pass_context
def search(ctx: click.Context, filters: Filters, fmt: str, tz: dt.tzinfo | None) -> None:
    """Search posts by words, author, date, article or tag.

    The table's ID is what `quotes show` takes.

    \b
    Examples:
        quotes search Geneva --sort newest --limit 5
        quotes search '"no deals" -Geneva' --author mcfaul --format json
    """
    with reading(ctx) as session:
        records = iter_records(session, filters, with_ids=fmt == "table")
        if fmt != "table":
            with open_output(None) as out:
                export.write_records(records, out, fmt, RECORD_KEYS)
            return
        first = next(records, None)
        if first is None:
            echo_err("No posts match.")
            return
        shown = itertools.chain([first], records)
        for line in terminal.table_lines(_local_dates(shown, tz) if tz else shown, terminal_width()):
            click.echo(line)


def _local_dates(records: Iterator[dict[str, Any]], zone: dt.tzinfo) -> Iterator[dict[str, Any]]:
    """Records with the day of their exact posting time in `zone` (the shown date without one)."""
    for record in records:
        if record["posted_at"]:
            moment = dt.datetime.fromisoformat(record["posted_at"]).astimezone(zone)
            record = {**record, "date": moment.date().isoformat()}
        yield record


@click.command("export", epilog=SEARCH_SYNTAX)
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*export.FORMATS, *export.FILE_FORMATS)),
    help="csv, json, jsonl, or xlsx (an Excel workbook, to -o FILE only)  "
    "[default: from FILE's suffix, else csv]",
)
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout ('-' is stdout).")
@click.option("--excel", is_flag=True, help='CSV for Excel: UTF-8 BOM, CRLF, ids as text (="…").')
@click.option(
    "--no-formula-escape", is_flag=True, help="CSV: do not prefix text starting with = + - @ with '."
)
@click.pass_context
def export_command(
    ctx: click.Context,
    filters: Filters,
    fmt: str | None,
    output: str | None,
    excel: bool,
    no_formula_escape: bool,
) -> None:
    """Export posts as CSV, JSON, JSON Lines or an Excel workbook.

    \b
    Examples:
        quotes export --format jsonl > posts.jsonl
        quotes export --author mcfaul --sort newest -o mcfaul.xlsx
    """
    try:
        fmt = fmt or export.format_for(output)
    except export.UnknownSuffix as error:
        raise click.UsageError(str(error)) from None
    if excel and fmt != "csv":
        raise click.UsageError(f"--excel writes CSV; it cannot be combined with --format {fmt}")
    if fmt in export.FILE_FORMATS and output in (None, "-"):
        raise click.UsageError(f"--format {fmt} writes a file: give -o FILE.{fmt}")
    options = export.CsvOptions(formula_escape=not no_formula_escape, excel=excel)
    count = write_export(ctx, filters, fmt, output, options)
    if output not in (None, "-"):
        echo_err(f"{count} posts written to {output}")


@click.command()
@click.argument("post")
@format_option(("text", "json"), "text")
@tz_option
@click.pass_context
def show(ctx: click.Context, post: str, fmt: str, tz: dt.tzinfo | None) -> None:
    """Show one post and where and how each article quoted it.

    POST is the ID `quotes search` shows (the platform's post id, or the archive's internal id),
    or the post's URL. Each article comes with its date, site, the paragraphs around the embed,
    and how its copy of the post differs from the archive's record; your tags and note too.

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
        about = {
            "quoted": detail.quoted,
            "contradictions": detail.contradictions,
            "surviving": detail.surviving,
        }
        with open_output(None) as out:
            export.write_jsonl([{**detail.record, **about, "articles": quotations}], out)
        return
    width = terminal_width()
    notes = quotings.record_notes(
        detail.record, detail.quoted, detail.contradictions, detail.surviving, terminal.wrap, width
    )
    for line in terminal.post_lines(detail.record, quotations, width, notes, zone=tz):
        click.echo(line)


@click.command(epilog=SEARCH_SYNTAX)
@filter_options
@format_option(LIST_FORMATS, "table")
@click.pass_context
def authors(ctx: click.Context, filters: Filters, fmt: str) -> None:
    """List authors: handle, name, posts, first and last date.

    The filters select the posts counted; most posts first unless --sort says otherwise.

    \b
    Example:
        quotes authors --since 2022-01-01 --limit 20 --format csv > authors.csv
    """
    with reading(ctx) as session:
        rows = session.execute(authors_query(filters)).all()
    emit_rows([dict(zip(AUTHOR_FIELDS, row, strict=True)) for row in rows], AUTHOR_FIELDS, fmt, flex=(2, 1))


@click.command(epilog=SEARCH_SYNTAX)
@filter_options
@format_option(LIST_FORMATS, "table")
@click.pass_context
def articles(ctx: click.Context, filters: Filters, fmt: str) -> None:
    """List articles: id, title, address, published, posts quoted.

    Post filters select the articles quoting a matching post; without them every article is
    listed, those quoting none too. --article matches the URL, path or title. The ID is what
    `quotes forget` takes.

    \b
    Example:
        quotes articles --article nytimes.com --sort newest
    """
    with reading(ctx) as session:
        rows = session.execute(select_articles(filters)).all()
    records = [dict(zip(ARTICLE_FIELDS, row, strict=True)) for row in rows]
    emit_rows(records, ARTICLE_TABLE_FIELDS if fmt == "table" else ARTICLE_FIELDS, fmt, flex=(2, 1))


def emit_rows(
    rows: list[dict[str, Any]], fields: tuple[str, ...], fmt: str, *, flex: tuple[int, ...] = (-1,)
) -> None:
    """Small listings: a grid for people (the `flex` columns give way, the first listed first),
    or the export formats."""
    if fmt != "table":
        with open_output(None) as out:
            export.write_records([{k: _iso(v) for k, v in row.items()} for row in rows], out, fmt, fields)
        return
    headers = [COLUMN_TITLES.get(field, field.replace("_", " ").upper()) for field in fields]
    cells = [[_short(row[field]) for field in fields] for row in rows]
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
@format_option(("text", "json"), "text")
@click.pass_context
def stats(ctx: click.Context, width: int | None, fmt: str) -> None:
    """Show totals, top authors and a posts-per-month bar chart.

    \b
    Examples:
        quotes stats
        quotes stats --format json
    """
    with reading(ctx) as session:
        totals = asdict(collect_stats(session))
    if fmt == "json":
        keys = ("platform", "handle", "author_name", "post_count")
        totals["top_authors"] = [dict(zip(keys, row, strict=True)) for row in totals["top_authors"]]
        totals["per_month"] = [{"month": month, "posts": n} for month, n in totals["per_month"]]
        with open_output(None) as out:
            out.write(json.dumps(totals, ensure_ascii=False, indent=2) + "\n")
        return
    for line in terminal.stats_lines(totals, width or terminal_width()):
        click.echo(line)
