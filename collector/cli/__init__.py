"""The `quotes` command line: thin Click commands over the pipeline, the queries and the writers.

One module per kind of command (`ingest`, `listing`, `marks`, `forget`, `evidence`, `serve`,
`schema`), the shared options in `options`, the archive and output plumbing in `archive`; this
module holds the group and the entry point.

stdout carries data only; progress, summaries and errors go to stderr. Usage errors exit 2, a run
where some input failed exits 1 (after ingesting the rest), Ctrl-C exits 130 (after what was done
is saved: ingest commits whole batches, the other commands one transaction or none), and every
error is one `Error: …` line.
"""

from __future__ import annotations

import gc
import os
import sys

import click

from collector.cli.archive import DB_ENV, echo_err
from collector.cli.evidence import evidence_command, verify
from collector.cli.forget import forget
from collector.cli.ingest import ingest_command
from collector.cli.listing import articles, authors, export_command, search, show, stats
from collector.cli.marks import note, tag, tags, untag
from collector.cli.outputs import cards_command, cite, graph_command
from collector.cli.schema import db_group
from collector.cli.serve import serve
from collector.output import terminal

DEBUG_ENV = "QUOTES_DEBUG"
DEFAULT_DB = "quotes.db"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# The shell's convention for a program ended by SIGINT (128 + 2), which scripts test for.
INTERRUPTED_EXIT = 130
COMPLETION_HINT = (
    'Shell completion (bash): eval "$(_QUOTES_COMPLETE=bash_source quotes)"; see docs/design-cli.md.'
)


class QuotesGroup(click.Group):
    """The group, ending a command that Ctrl-C interrupts with exit code 130 instead of Click's 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(err=True)  # end the line the terminal's ^C echo is on
            echo_err("Aborted!")
            raise click.exceptions.Exit(INTERRUPTED_EXIT) from None


@click.group(cls=QuotesGroup, context_settings=CONTEXT, epilog=COMPLETION_HINT)
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


COMMANDS = (ingest_command, search, export_command, show, authors, articles, stats)
OUTPUTS = (cite, cards_command, graph_command, evidence_command, verify, serve)
for command in (*COMMANDS, tag, untag, note, tags, forget, *OUTPUTS, db_group):
    cli.add_command(command)


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
        # a walk over every object of the imported modules (its cost: docs/design-perf.md).
        gc.freeze()


__all__ = ["cli", "main"]
