"""`quotes ingest`: load, extract and save every input, drawing progress on stderr."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click
from sqlalchemy import Engine

from collector.cli.archive import echo_err, open_archive, sqlite_path
from collector.cli.options import ARCHIVE_DIR_NAME, input_options, quiet_option, scale_options
from collector.inputs.loaders import InputOptions, LoadStats, count_files
from collector.output import terminal
from collector.parallel import cap_jobs
from collector.pipeline import IngestOptions, IngestSummary
from collector.pipeline.runs import ingest_inputs
from collector.scale.executors import ScaleOptions
from collector.scale.futures import SchedulerError


@click.command("ingest")
@click.argument("paths", nargs=-1, metavar="PATH... | -")
@input_options
@scale_options
@quiet_option
@click.pass_context
def ingest_command(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    inputs: InputOptions,
    scale: ScaleOptions | None,
    quiet: bool,
) -> None:
    """Find the posts in saved pages and add them to the archive.

    Files and folders (recursive), URLs, or '-' for a page on stdin. Each bad input is reported on
    stderr and the rest is ingested; the exit code is then 1.

    \b
    Examples:
        quotes ingest seeds/ fixtures/ saved-page.html
        quotes ingest --from-file urls.txt --jobs 8
        quotes ingest --dask local --jobs 2 crawl/*.warc.gz
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
            summary = run_ingest(engine, paths, options, bar, scale)
        except SchedulerError as error:
            raise click.ClickException(str(error)) from None
        finally:
            bar.clear()  # also on Ctrl-C: no half-drawn bar before Click's "Aborted!"
    if not quiet:
        echo_err(summary.line())
    ctx.exit(1 if summary.failed else 0)


def run_ingest(
    engine: Engine,
    paths: tuple[str, ...],
    options: InputOptions,
    bar: terminal.ProgressBar,
    scale: ScaleOptions | None = None,
) -> IngestSummary:
    """Load, extract and save every input, drawing progress; the summary includes skipped files."""

    def on_page(summary: IngestSummary) -> None:
        bar.update(summary.pages, summary.posts, summary.failed)

    stats = LoadStats()
    # A closed stdin (cron, daemons: `<&-`) leaves sys.stdin None; only a `-` input needs it.
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    summary = IngestSummary()
    saving = IngestOptions(jobs=options.jobs, report=bar.message, on_page=on_page, scale=scale)
    try:
        ingest_inputs(paths, engine, options, saving, stdin=stdin, stats=stats, summary=summary)
    except KeyboardInterrupt:
        # Every batch up to here is saved whole; say how far the run got before Click's "Aborted!".
        summary.skipped = stats.skipped
        bar.message(f"interrupted; saved so far: {summary.line()}")
        raise
    summary.skipped = stats.skipped
    return summary


def _archive_beside(engine: Engine) -> Path:
    """Fetched pages are kept beside a SQLite file; for a server database, in the working folder."""
    database = sqlite_path(engine.url)
    base = Path(database).parent if database else Path.cwd()
    return base / ARCHIVE_DIR_NAME
