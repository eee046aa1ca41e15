"""`quotes forget`: remove articles, their appearances, and the posts only they quote."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from sqlalchemy.orm import Session

from collector.cli.archive import echo_err, open_archive
from db.engine import session_scope
from db.forgetting import ArticleRef, find_articles, forget_articles

# Bytes read at a time when hashing a file named on the command line.
HASH_CHUNK = 1 << 20


def _file_hash(ref: str) -> str | None:
    """The sha256 of the file at `ref`, if there is one: a page saved again under another path."""
    path = Path(ref)
    try:
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def _resolve(session: Session, refs: tuple[str, ...]) -> tuple[list[ArticleRef], int]:
    """The articles the refs name (each once), and how many refs named none."""
    chosen: dict[int, ArticleRef] = {}
    missing = 0
    for ref in refs:
        found = find_articles(session, ref, sha256=_file_hash(ref))
        if not found:
            echo_err(f"{ref}: no article has this id, URL, path or title; list them with `quotes articles`")
            missing += 1
        chosen.update((article.id, article) for article in found)
    return sorted(chosen.values(), key=lambda article: article.id), missing


@click.command()
@click.argument("refs", nargs=-1, required=True, metavar="ARTICLE...")
@click.option("--dry-run", "-n", is_flag=True, help="Say what would be removed, and remove nothing.")
@click.pass_context
def forget(ctx: click.Context, refs: tuple[str, ...], dry_run: bool) -> None:
    """Remove articles, and the posts no other article quotes.

    ARTICLE is an article's ID (`quotes articles` shows it), its URL in any spelling, the path it
    was ingested from, or a part of its title (which may name several: try --dry-run first). Your
    tags and notes on the posts removed go with them. What goes is listed on stderr.

    \b
    Example:
        quotes forget --dry-run https://news.example/2022/01/talks
    """
    with open_archive(ctx, create=False) as engine, session_scope(engine) as session:
        articles, missing = _resolve(session, refs)
        done = forget_articles(session, articles, dry_run=dry_run)
    verb = "would forget" if dry_run else "forgot"
    for article in done.articles:
        title = article.title or "(untitled)"
        quotations = f"{article.appearances} quotations"
        echo_err(f"{verb} article {article.id}: {title} ({article.address}), {quotations}")
    echo_err(
        f"{verb} {len(done.articles)} articles, {done.appearances} quotations, {done.posts} posts "
        f"no other article quotes, {done.authors} authors left without posts"
    )
    ctx.exit(1 if missing else 0)
