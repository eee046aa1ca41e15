"""The archive user's own marks on posts: tags (`quotes tag`, `untag`, `--tag`) and one note per post.

Plain functions taking a session and a post's internal id (`db.queries.find_post_id` resolves what
the user typed). Tags compare case-folded (`db.queries.tag_key`) and are kept as first written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import TAG_LEN, PostNote, PostTag
from db.queries import AnySelect, argument_text, tag_key


class MarkError(ValueError):
    """A tag or note the archive cannot keep; str() is one line saying why."""


def checked_tag(tag: str) -> str:
    """`tag` as stored (NFC, spaces around removed); MarkError for an empty, spaced or long tag.

    One word, because exports list a post's tags space-separated in one CSV cell.
    """
    text = unicodedata.normalize("NFC", argument_text(tag)).strip()
    if not text:
        raise MarkError("a tag cannot be empty")
    if any(char.isspace() for char in text):
        raise MarkError(f"a tag is one word, without spaces: {text!r}")
    if len(text) > TAG_LEN:
        raise MarkError(f"a tag has at most {TAG_LEN} characters: {text[:20]!r}…")
    return text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def post_tags(session: Session, post: int) -> list[str]:
    """The post's tags, in the order they were added."""
    return list(session.scalars(select(PostTag.tag).where(PostTag.post_id == post).order_by(PostTag.id)))


def add_tags(session: Session, post: int, tags: Iterable[str]) -> list[str]:
    """Tag the post; returns the tags it did not carry yet (in any case spelling)."""
    have = {tag_key(tag) for tag in post_tags(session, post)}
    added = []
    for tag in map(checked_tag, tags):
        key = tag_key(tag)
        if key not in have:
            have.add(key)
            added.append(tag)
            session.add(PostTag(post_id=post, tag=tag, tag_key=key, tagged_at=_now()))
    session.flush()
    return added


def remove_tags(session: Session, post: int, tags: Iterable[str]) -> list[str]:
    """Take the tags off the post; returns the ones it carried (as they were written)."""
    keys = {tag_key(tag) for tag in tags}
    found = session.execute(
        select(PostTag.id, PostTag.tag).where(PostTag.post_id == post, PostTag.tag_key.in_(keys))
    ).all()
    if found:
        session.execute(delete(PostTag).where(PostTag.id.in_([row_id for row_id, _ in found])))
    return [tag for _, tag in found]


def set_note(session: Session, post: int, text: str) -> bool:
    """Keep `text` as the post's note (replacing any); an empty text removes it. Returns whether
    the post had a note before."""
    text = argument_text(text).strip()
    existing = session.get(PostNote, post)
    if existing is not None and not text:
        session.delete(existing)
    elif existing is not None:
        existing.text, existing.noted_at = text, _now()
    elif text:
        session.add(PostNote(post_id=post, text=text, noted_at=_now()))
    session.flush()
    return existing is not None


def select_tag_counts() -> AnySelect:
    """Every tag in use (as first written) and how many posts carry it, most used first."""
    count = func.count(PostTag.post_id)
    return (
        select(func.min(PostTag.tag).label("tag"), count.label("post_count"))
        .group_by(PostTag.tag_key)
        .order_by(count.desc(), PostTag.tag_key)
    )
