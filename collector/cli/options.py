"""The options several commands share, each set handed to its command as one value."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from collector.inputs.fetch import DEFAULT_MAX_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from collector.inputs.loaders import InputOptions
from collector.scale.executors import ScaleOptions
from collector.values import PLATFORMS, STATUSES
from db.fulltext import QuerySyntaxError, parse_query
from db.queries import SORTS, Filters

# Fetched pages are kept in this folder beside the database, named by content hash.
ARCHIVE_DIR_NAME = "quotes-archive"
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
F = TypeVar("F", bound=Callable[..., Any])
# Click 8.5 types ParamType by its value; older Clicks (>= 8.1 is allowed) cannot subscript it.
if TYPE_CHECKING:
    _ParamBase = click.ParamType[dt.date, Any]
    _ZoneBase = click.ParamType[dt.tzinfo, Any]
else:
    _ParamBase = _ZoneBase = click.ParamType


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


class ZoneParam(_ZoneBase):
    """An IANA time zone name (Europe/Berlin, UTC), or 'local' for this computer's."""

    name = "ZONE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.tzinfo:
        if isinstance(value, dt.tzinfo):
            return value
        text = str(value).strip()
        if text.lower() == "local":
            return dt.datetime.now().astimezone().tzinfo or dt.UTC
        try:
            return zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(f"{value!r} is not a time zone (for example Europe/Berlin, UTC or local).", param, ctx)


class QueryError(click.ClickException):
    """A search that cannot be read: one `Error:` line, and the exit code of a usage error."""

    exit_code = 2


DAY = DayParam()
SEARCH_SYNTAX = 'WORDS: words, "exact phrase", word*, -word (quote the query), a OR b.'
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
    click.option(
        "--tag",
        "tags",
        multiple=True,
        metavar="TAG",
        help="Only posts you tagged TAG (quotes tag); repeat for posts with every one.",
    ),
    click.option(
        "--sort",
        type=click.Choice(SORTS),
        help="oldest or newest post date first, or the posts most articles quote.",
    ),
    click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N rows."),
    click.option("--offset", type=click.IntRange(min=0), metavar="N", help="Skip the first N rows."),
    click.option(
        "--status",
        type=click.Choice(STATUSES),
        help="Only posts an article showed as deleted, suspended, withheld, protected or unavailable.",
    ),
    click.option("--differing", is_flag=True, help="Only posts whose copies in different articles differ."),
)
FILTER_NAMES = (
    "author", "platform", "since", "until", "article", "tags", "status", "differing",
    "sort", "limit", "offset",
)  # fmt: skip


def filter_options(command: F) -> F:
    """WORDS and the filter options, handed to the command as one `filters: Filters`.

    The query is read here, so a malformed one is one `Error:` line before the archive is opened.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, words: tuple[str, ...], **kwargs: Any) -> Any:
        picked = {name: kwargs.pop(name) for name in FILTER_NAMES}
        query = " ".join(words) or None
        if query is not None:
            try:
                parse_query(query)
            except QuerySyntaxError as error:
                raise QueryError(f"cannot read the search {query!r}: {error}") from None
        return command(*args, filters=Filters(words=query, **picked), **kwargs)

    for option in reversed(FILTER_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


FORMAT_HELP = {
    "table": "a table for people",
    "text": "text for people",
    "csv": "CSV",
    "json": "one JSON document",
    "jsonl": "JSON Lines",
    "xlsx": "an Excel workbook",
}


def format_option(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    """`--format` with the given choices, its help naming exactly those."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format: " + ", ".join(f"{name} ({FORMAT_HELP[name]})" for name in choices) + ".",
    )


tz_option = click.option(
    "--tz",
    type=ZoneParam(),
    help="Show times in this zone (Europe/Berlin, local); stored and exported times stay UTC.",
)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
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
        help="Pages extracted, and URLs fetched, in parallel (with --dask local: its workers).",
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


SCALE_OPTIONS = (
    click.option(
        "--dask",
        metavar="local|tcp://HOST:PORT",
        help="Read each file as one task on a Dask cluster: 'local' starts --jobs workers here, an "
        "address joins a running scheduler (e.g. --dask tcp://10.0.0.5:8786). Needs quote-archiver[dask].",
    ),
    click.option(
        "--input-base",
        metavar="DIR|URL",
        help="With --dask, put this before each --from-file line, e.g. --input-base "
        "https://data.commoncrawl.org for a warc.paths.gz manifest.",
    ),
    click.option(
        "--redo", is_flag=True, help="With --dask, read again the files an earlier run finished."
    ),
)


def scale_options(command: F) -> F:
    """`--dask`, `--input-base` and `--redo`, handed to the command as `scale: ScaleOptions | None`."""

    @functools.wraps(command)
    def wrapper(*args: Any, dask: str | None, input_base: str | None, redo: bool, **kwargs: Any) -> Any:
        if dask is None and (input_base or redo):
            raise click.UsageError("--input-base and --redo go with --dask")
        scale = ScaleOptions(dask, redo=redo, input_base=input_base) if dask else None
        return command(*args, scale=scale, **kwargs)

    for option in reversed(SCALE_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
