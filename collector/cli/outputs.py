"""The commands that take posts onward: citations (`cite`), post cards (`cards`), the quote graph
(`graph`). Each reads the posts with their quoting articles (`db.quotations`) and hands them to its
writer in `collector.output`."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

import click

from collector.cli.archive import echo_err, open_output, reading
from collector.cli.options import SEARCH_SYNTAX, filter_options, tz_option
from collector.output import cards, citations, graph
from db.queries import Filters
from db.quotations import iter_sourced_posts

# The formats told by -o FILE's suffix when --format is not given.
CITE_SUFFIXES = {".json": "csl-json", ".bib": "bibtex", ".ris": "ris"}
GRAPH_SUFFIXES = {".gexf": "gexf", ".graphml": "graphml", ".csv": "csv"}


def _suffix(output: str | None) -> str:
    return PurePath(output).suffix.lower() if output and output != "-" else ""


def _suffix_format(output: str | None, formats: dict[str, str]) -> str | None:
    return formats.get(_suffix(output))


output_option = click.option(
    "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout ('-' is stdout)."
)


@click.command(epilog=SEARCH_SYNTAX)
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(citations.FORMATS),
    help="Citation format: csl-json (CSL-JSON for Zotero and pandoc), apa (APA 7), mla (MLA 9), "
    "chicago (Chicago 17 bibliography), chicago-note (Chicago 17 note), bibtex (BibTeX @misc), ris (RIS)  "
    "[default: from FILE's suffix .json, .bib or .ris, else apa]",
)
@output_option
@tz_option
@click.pass_context
def cite(
    ctx: click.Context, filters: Filters, fmt: str | None, output: str | None, tz: dt.tzinfo | None
) -> None:
    """Cite posts: APA, MLA, Chicago, CSL-JSON, BibTeX or RIS.

    A post an article showed as deleted (or suspended, withheld…) is cited from the copy the
    first such article kept. Times are UTC unless --tz says otherwise.

    \b
    Examples:
        quotes cite --author mcfaul --format mla
        quotes cite Geneva -o posts.json
    """
    fmt = fmt or _suffix_format(output, CITE_SUFFIXES) or "apa"
    with reading(ctx, stream=True) as session, open_output(output) as out:
        count = citations.write_citations(iter_sourced_posts(session, filters), out, fmt, tz or dt.UTC)
    if not count:
        echo_err("No posts match.")
    elif output not in (None, "-"):
        echo_err(f"{count} citations written to {output}")


@click.command("cards", epilog=SEARCH_SYNTAX)
@filter_options
@click.option(
    "--output", "-o", metavar="FILE.html", required=True, help="The HTML file to write ('-' is stdout)."
)
@click.option("--title", default="Archived posts", show_default=True, help="The page's title.")
@tz_option
@click.pass_context
def cards_command(
    ctx: click.Context, filters: Filters, output: str, title: str, tz: dt.tzinfo | None
) -> None:
    """Write posts as cards in one self-contained HTML page.

    Each card shows the post as a reader saw it: name, handle, date, text with its links, the
    post it quotes, its status, and the articles that quoted it. No script and nothing remote:
    the page opens offline and prints cleanly.

    \b
    Example:
        quotes cards --author mcfaul -o mcfaul.html
    """
    made = f"Made by quotes cards on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
    with reading(ctx, stream=True) as session, open_output(output) as out:
        posts = iter_sourced_posts(session, filters)
        count = cards.write_cards(posts, out, title=title, made=made, zone=tz or dt.UTC)
    if not count:
        echo_err("No posts match.")
    elif output != "-":
        echo_err(f"{count} posts written to {output}")


@click.command("graph", epilog=SEARCH_SYNTAX)
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(graph.FORMATS),
    help="Graph format: gexf (GEXF 1.3, for Gephi), graphml (GraphML), csv (an edge list)  "
    "[default: from FILE's suffix, else gexf]",
)
@output_option
@click.pass_context
def graph_command(ctx: click.Context, filters: Filters, fmt: str | None, output: str | None) -> None:
    """Write who quotes whom as a graph: GEXF, GraphML or CSV.

    Nodes are outlets, accounts, posts and articles; edges run outlet → account (weight: posts
    quoted), article → post and post → the post it quotes.

    \b
    Examples:
        quotes graph -o quotes.gexf
        quotes graph --since 2022-01-01 --format csv > edges.csv
    """
    if fmt is None:
        fmt = _suffix_format(output, GRAPH_SUFFIXES)
        if fmt is None and _suffix(output):
            raise click.UsageError(
                f"cannot tell a graph format from {output!r}: give --format gexf, graphml or csv"
            )
        fmt = fmt or "gexf"
    with reading(ctx, stream=True) as session, open_output(output) as out:
        made = graph.write_graph(iter_sourced_posts(session, filters), out, fmt)
    if not made.nodes:
        echo_err("No posts match.")
    elif output not in (None, "-"):
        echo_err(f"{made.nodes} nodes and {made.edges} edges written to {output}")
