"""Your own marks on posts: `quotes tag`, `untag`, `note`, and the `tags` in use."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from collector.cli.archive import echo_err, open_archive, reading
from collector.cli.listing import emit_rows
from collector.cli.options import format_option
from db.engine import session_scope
from db.marks import MarkError, add_tags, post_tags, remove_tags, select_tag_counts, set_note
from db.queries import find_post_id

TAG_FIELDS = ("tag", "post_count")


def _post(session: Session, post: str) -> int:
    found = find_post_id(session, post)
    if found is None:
        raise click.ClickException(f"no post {post!r} in the archive; find one with `quotes search`")
    return found


def _tags_line(session: Session, row_id: int) -> str:
    tags = post_tags(session, row_id)
    return f"tags now: {' '.join(tags)}" if tags else "no tags now"


@click.command()
@click.argument("post")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
@click.pass_context
def tag(ctx: click.Context, post: str, tags: tuple[str, ...]) -> None:
    """Tag a post with one or more words of your own.

    POST is the ID `quotes search` shows (or the post's URL). Tags compare without case; find the
    posts again with `--tag` on search, export, authors and articles.

    \b
    Example:
        quotes tag 1479527384433696769 disinformation follow-up
    """
    with open_archive(ctx, create=False) as engine, session_scope(engine) as session:
        row_id = _post(session, post)
        try:
            added = add_tags(session, row_id, tags)
        except MarkError as error:
            raise click.BadParameter(str(error), param_hint="'TAG...'") from None
        echo_err(f"{post}: added {' '.join(added) or 'nothing new'}; {_tags_line(session, row_id)}")


@click.command()
@click.argument("post")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
@click.pass_context
def untag(ctx: click.Context, post: str, tags: tuple[str, ...]) -> None:
    """Take tags off a post.

    \b
    Example:
        quotes untag 1479527384433696769 follow-up
    """
    with open_archive(ctx, create=False) as engine, session_scope(engine) as session:
        row_id = _post(session, post)
        removed = remove_tags(session, row_id, tags)
        echo_err(f"{post}: removed {' '.join(removed) or 'nothing'}; {_tags_line(session, row_id)}")


@click.command()
@click.argument("post")
@click.argument("text")
@click.pass_context
def note(ctx: click.Context, post: str, text: str) -> None:
    """Keep a note on a post (replacing its note; '' removes it).

    `quotes show` prints it and exports carry it in the `note` column.

    \b
    Example:
        quotes note 1479527384433696769 'Cited in the March report, p. 4'
    """
    with open_archive(ctx, create=False) as engine, session_scope(engine) as session:
        had = set_note(session, _post(session, post), text)
    done = ("replaced" if had else "kept") if text.strip() else ("removed" if had else "nothing to remove")
    echo_err(f"{post}: note {done}")


@click.command()
@format_option(("table", "csv", "json", "jsonl"), "table")
@click.pass_context
def tags(ctx: click.Context, fmt: str) -> None:
    """List your tags and how many posts carry each.

    \b
    Example:
        quotes tags
    """
    with reading(ctx) as session:
        rows = [dict(zip(TAG_FIELDS, row, strict=True)) for row in session.execute(select_tag_counts())]
    if not rows and fmt == "table":
        echo_err("No tags yet; add some with `quotes tag POST TAG...`.")
        return
    emit_rows(rows, TAG_FIELDS, fmt, flex=(0,))
