"""`quotes serve`: the archive in Datasette, with its metadata, canned queries and post cards."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import click

from collector.cli.archive import echo_err, open_archive, sqlite_path
from db.browse import datasette_metadata
from db.engine import database_url

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8001
INSTALL_HINT = "quotes serve needs Datasette: pip install 'quote-archiver[serve]'"


def _sqlite_file(ctx: click.Context) -> Path:
    """The archive's SQLite file; a server database is a usage error (Datasette serves SQLite)."""
    try:
        path = sqlite_path(database_url(ctx.obj))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--db'") from None
    if path is None or path == ":memory:":
        raise click.UsageError(
            "quotes serve serves SQLite archives (Datasette reads SQLite files); "
            "pass --db PATH to a SQLite archive, not a PostgreSQL URL",
            ctx,
        )
    return Path(path)


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, so that a port in use or an unknown host is one error line
    before anything starts (uvicorn would log it and exit 3); uvicorn then serves on it."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        bound = socket.socket(family, kind, proto)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind(address)
    except OSError as error:
        bound.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return bound


@click.command()
@click.option(
    "--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (0.0.0.0: every one)."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Browse the archive in Datasette.

    Serves a SQLite archive read-only, on 127.0.0.1 unless --host says otherwise: posts searchable
    by their words and faceted by platform, handle, date and status, articles by site, canned
    queries (most-quoted posts, posts by outlet, deleted posts, posts whose copies differ), each
    post's text shown as a card. Needs the `serve` extra. Ctrl-C stops it.

    \b
    Example:
        quotes serve --port 8001   # then open http://127.0.0.1:8001/quotes/posts
    """
    path = _sqlite_file(ctx)
    with open_archive(ctx, create=False):
        pass  # the file exists and its schema is current
    try:
        import uvicorn
        from datasette.app import Datasette
        from datasette.plugins import pm

        from collector.output import datasette_card
    except ImportError:
        raise click.ClickException(INSTALL_HINT) from None
    if not pm.is_registered(datasette_card):
        pm.register(datasette_card, name=datasette_card.PLUGIN_NAME)
    app = Datasette([str(path)], metadata=datasette_metadata(path.stem))
    asyncio.run(app.invoke_startup())
    bound = _listening_socket(host, port)
    echo_err(f"serving {path} at http://{host}:{bound.getsockname()[1]}/ (Ctrl-C stops)")
    config = uvicorn.Config(app.app(), log_level="warning", access_log=False, lifespan="on")
    with bound:
        uvicorn.Server(config).run(sockets=[bound])
