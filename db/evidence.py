"""The archive's evidence of a post: every appearance with its page's hash, offset and markup.

What `quotes evidence` bundles and `quotes verify` checks: plain values read in one or two
statements; hashing and writing files is `collector.output.evidence`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Appearance, Article
from db.queries import find_post_id
from db.records import find_post

# An appearance as the bundle's manifest lists it, in this order: the article's, then its own.
ARTICLE_FIELDS = ("id", "url", "title", "source", "site_name", "published", "sha256", "archive_path")
APPEARANCE_FIELDS = ("position", "status", "byte_offset", "markup_truncated", "markup", "page_sha256")


@dataclass(frozen=True, slots=True)
class Shown:
    """One appearance of the post: its article (ARTICLE_FIELDS), where and what it showed."""

    article: dict[str, Any]
    ingested_at: dt.datetime
    position: int
    status: str | None
    byte_offset: int | None
    markup_truncated: bool
    markup: str | None
    # The page the markup and offset were read from (None: stored before revision 0009).
    page_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class PostEvidence:
    """A post's export record (collector.values.RECORD_KEYS, with `id`) and its appearances,
    oldest ingest first."""

    record: dict[str, Any]
    appearances: list[Shown]


def find_evidence(session: Session, ref: str) -> PostEvidence | None:
    """The evidence of the post `ref` names (as `quotes show` takes it), or None."""
    row_id = find_post_id(session, ref)
    detail = find_post(session, ref) if row_id is not None else None
    if row_id is None or detail is None:
        return None
    columns = (*(getattr(Article, name) for name in ARTICLE_FIELDS), Article.ingested_at)
    own = tuple(getattr(Appearance, name) for name in APPEARANCE_FIELDS)
    statement = (
        select(*columns, *own)
        .join(Appearance, Appearance.article_id == Article.id)
        .where(Appearance.post_id == row_id)
        .order_by(Article.ingested_at, Article.id, Appearance.position)
    )
    shown = []
    for row in session.execute(statement):
        article = dict(zip(ARTICLE_FIELDS, row[: len(ARTICLE_FIELDS)], strict=True))
        ingested, position, status, offset, truncated, markup, page = row[len(ARTICLE_FIELDS) :]
        shown.append(
            Shown(article, _aware(ingested), position, status, offset, bool(truncated), markup, page)
        )
    return PostEvidence(detail.record, shown)


@dataclass(frozen=True, slots=True)
class KeptPage:
    """An article whose page `--archive-dir` kept: what to hash and what it must hash to."""

    article_id: int
    source: str
    sha256: str
    archive_path: str


def iter_kept_pages(session: Session) -> Iterator[KeptPage]:
    """Every article with a kept copy of its page, in ingest order."""
    statement = (
        select(Article.id, Article.source, Article.sha256, Article.archive_path)
        .where(Article.archive_path.is_not(None))
        .order_by(Article.id)
    )
    for row_id, source, sha256, path in session.execute(statement):
        yield KeptPage(row_id, source, sha256, str(path))


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite keeps no zone: times are stored as UTC (db.models).
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
