"""Forgetting articles (`quotes forget`): the articles, their appearances, and the posts no other
article quotes, with those posts' links, tags, notes and (when no post is left) their authors.

Deleting the posts' rows is what keeps search consistent: on SQLite the delete trigger removes
each post from the FTS5 table, on PostgreSQL the GIN index follows the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Appearance, Article, Author, Link, Post, PostNote, PostTag
from db.queries import MAX_ROW_ID, argument_text
from db.rows import url_identity

# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
DELETE_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article as `forget` names it: its id, title and address (URL, else path)."""

    id: int
    title: str | None
    address: str
    appearances: int


@dataclass(frozen=True, slots=True)
class Forgetting:
    """What forgetting some articles removes (or, in a dry run, would remove)."""

    articles: list[ArticleRef]
    appearances: int
    posts: int
    authors: int


def _refs(session: Session, condition: ColumnElement[bool]) -> list[ArticleRef]:
    count = select(func.count(Appearance.id)).where(Appearance.article_id == Article.id).scalar_subquery()
    rows = session.execute(
        select(Article.id, Article.title, func.coalesce(Article.url, Article.source), count)
        .where(condition)
        .order_by(Article.id)
    )
    return [ArticleRef(*row) for row in rows]


def find_articles(session: Session, ref: str, *, sha256: str | None = None) -> list[ArticleRef]:
    """The articles `ref` names, trying in turn: the internal id; a URL (any spelling of the page's
    own, canonical, fetched or final URL); the source path as ingested, or the content of the file
    at that path (`sha256`, hashed by the caller); a part of the title (case-insensitive), which
    may name several.
    """
    ref = argument_text(ref.strip())
    by_id = ref.isascii() and ref.isdigit() and int(ref) <= MAX_ROW_ID
    if by_id and (found := _refs(session, Article.id == int(ref))):
        return found
    if "://" in ref:
        urls = (Article.url, Article.canonical_url, Article.fetched_url, Article.final_url)
        found = _refs(session, or_(Article.identity == url_identity(ref), *(url == ref for url in urls)))
        if found:
            return found
    if found := _refs(session, Article.source == ref):
        return found
    if sha256 and (found := _refs(session, Article.sha256 == sha256)):
        return found
    return _refs(session, Article.title.icontains(ref, autoescape=True)) if ref else []


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + DELETE_CHUNK] for start in range(0, len(ids), DELETE_CHUNK)]


def _posts_only_in(session: Session, article_ids: Sequence[int]) -> list[int]:
    """The posts these articles quote that no other article quotes."""
    other = aliased(Appearance)
    elsewhere = exists().where(other.post_id == Appearance.post_id, other.article_id.not_in(article_ids))
    statement = select(Appearance.post_id).where(Appearance.article_id.in_(article_ids), ~elsewhere)
    return sorted(set(session.scalars(statement.distinct())))


def forget_articles(session: Session, articles: Sequence[ArticleRef], *, dry_run: bool = False) -> Forgetting:
    """Remove the articles (see the module docstring); with `dry_run`, only count what would go."""
    article_ids = sorted({article.id for article in articles})
    posts = _posts_only_in(session, article_ids) if article_ids else []
    lonely = _authors_left_without(session, posts)
    appearances = sum(article.appearances for article in articles)
    if dry_run:
        return Forgetting(list(articles), appearances, len(posts), len(lonely))
    session.execute(delete(Appearance).where(Appearance.article_id.in_(article_ids)))
    for chunk in _chunks(posts):
        for model in (Link, PostTag, PostNote):
            session.execute(delete(model).where(model.post_id.in_(chunk)))
        session.execute(delete(Post).where(Post.id.in_(chunk)))
    session.execute(delete(Article).where(Article.id.in_(article_ids)))
    for chunk in _chunks(lonely):
        session.execute(delete(Author).where(Author.id.in_(chunk)))
    return Forgetting(list(articles), appearances, len(posts), len(lonely))


def _authors_left_without(session: Session, going: Sequence[int]) -> list[int]:
    """The authors all of whose posts are among the posts `going` (counted, chunk by chunk)."""
    leaving: Counter[int] = Counter()
    for chunk in _chunks(going):
        leaving.update(a for a in session.scalars(select(Post.author_id).where(Post.id.in_(chunk))) if a)
    authors = sorted(leaving)
    lonely: list[int] = []
    for chunk in _chunks(authors):
        counted = (
            select(Post.author_id, func.count()).where(Post.author_id.in_(chunk)).group_by(Post.author_id)
        )
        lonely += [
            author for author, total in session.execute(counted) if author and total == leaving[author]
        ]
    return sorted(lonely)
