"""`quotes evidence` (a post's evidence bundle) and `quotes verify` (the kept copies re-hashed)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator
from importlib.metadata import version
from typing import IO, Any

import click

from collector.cli.archive import echo_err, reading
from collector.output import evidence as bundles
from collector.output import export
from db.evidence import find_evidence, iter_kept_pages

TOOL = "quote-archiver"


@contextlib.contextmanager
def _bundle_file(output: str) -> Iterator[IO[Any]]:
    """FILE, replaced only once written whole; '-' is stdout (a zip needs no seeking to write)."""
    if output == "-":
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with export.atomic_file(output, binary=True) as out:
        yield out


def _problem_line(check: bundles.PageCheck) -> str:
    if check.found is None:
        return f"{check.path}: kept copy of {check.source} is missing ({check.reason})"
    recorded = f"the archive recorded {check.expected}"
    return f"{check.path}: kept copy of {check.source} has sha256 {check.found}, {recorded}"


@click.command("evidence")
@click.argument("post")
@click.option(
    "--output",
    "-o",
    metavar="FILE.zip",
    required=True,
    help="Write the bundle (a zip) to FILE.zip ('-': stdout).",
)
@click.pass_context
def evidence_command(ctx: click.Context, post: str, output: str) -> None:
    """Bundle a post's evidence: manifest, markup, page copies.

    POST is the ID `quotes search` shows, or the post's URL (as for `quotes show`). The zip holds
    manifest.json (the post, every appearance with its article's URL, title, source and page
    sha256, the embed's byte offset and markup sha256, the tool version, UTC times of each ingest
    and of the export), each appearance's markup under markup/, and under pages/ the page copies
    `--archive-dir` kept. A kept copy that is missing or no longer matches its hash is said on
    stderr (exit 1); the bundle is written all the same.

    \b
    Example:
        quotes evidence 1479527384433696769 -o mcfaul-evidence.zip
    """
    with reading(ctx) as session:
        found = find_evidence(session, post)
    if found is None:
        raise click.ClickException(f"no post {post!r} in the archive; find one with `quotes search`")
    shown = [dataclasses.asdict(item) for item in found.appearances]
    tool = {"name": TOOL, "version": version(TOOL)}
    try:
        with _bundle_file(output) as out:
            report = bundles.write_bundle(
                out, found.record, shown, tool=tool, exported_at=dt.datetime.now(dt.UTC)
            )
    except export.OpenError as error:
        raise click.FileError(output, error.reason) from None
    except export.OutputError as error:
        raise click.ClickException(str(error)) from None
    for check in report.problems:
        echo_err(_problem_line(check))
    echo_err(f"{output}: {report.appearances} appearances, {report.pages} kept page copies")
    ctx.exit(1 if report.problems else 0)


@click.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Re-hash the kept page copies; report any that changed.

    Every page copy `--archive-dir` kept is hashed again and compared with the sha256 the archive
    recorded when the page was ingested. A copy that differs or is missing is one line on stderr;
    the summary follows, and the exit code is 1 if any did not match. A relative copy path is
    read from the working folder.

    \b
    Example:
        quotes verify && echo "every kept copy is as it was ingested"
    """
    with reading(ctx) as session:
        kept = [(page.source, page.archive_path, page.sha256) for page in iter_kept_pages(session)]

    def on_check(check: bundles.PageCheck) -> None:
        if not check.ok:
            echo_err(_problem_line(check))

    checks = bundles.verify_pages(kept, on_check)
    bad = sum(not check.ok for check in checks)
    echo_err(
        f"kept copies checked: {len(checks)}, matching: {len(checks) - bad}, differing or missing: {bad}"
    )
    ctx.exit(1 if bad else 0)
