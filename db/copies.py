"""The writer's merge step: copies of a batch merged per post, then into the stored posts.

`db.merge` holds the rules; this module applies them for `db.store`: copies of one post within a
batch are merged in Python (one row per post goes to the database); copies of posts already
stored are merged by the posts upsert (INSERT ... ON CONFLICT DO UPDATE, the rules as SQL), with
the stored rows read once per batch and locked (SQLite: BEGIN IMMEDIATE holds the write lock;
PostgreSQL: SELECT ... FOR UPDATE), so the record each appearance's copy is compared with is the
one the upsert wrote. Only posts that gain something are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete

from db.merge import MERGED_COLUMNS, copy_differences, displaced, merge_values, shown_fields, with_displaced
from db.models import Link
from db.rows import ARTICLE_COLUMNS, POST_COLUMNS, AuthorKey, PostKey, PreparedPage, row_author_key
from db.statements import Statements

PAGE_SHA256_AT = ARTICLE_COLUMNS.index("sha256")
# A post's row (POST_COLUMNS) and links, as merged from the copies of one batch.
Copy = tuple[tuple[Any, ...], tuple[str, ...]]
# Each post's record after the batch, by row id: the row it was inserted as (its copies that are
# that row show the record), else None; and its shown fields (db.merge.shown_fields) when known.
Records = dict[int, tuple[tuple[Any, ...] | None, dict[str, Any] | None]]
SelectIn = Callable[[Connection, Any, Iterable[Any]], list[Any]]
SaveAuthors = Callable[[Iterable[Copy]], dict[AuthorKey, int]]
_LINKS: Table = Link.__table__  # type: ignore[assignment]
_COLUMNS_AT = {name: index for index, name in enumerate(POST_COLUMNS)}
_LINKS_AT = _COLUMNS_AT["links_json"]


def as_mapping(row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(POST_COLUMNS, row, strict=True))


def batch_posts(pages: Sequence[PreparedPage], page_keys: list[list[PostKey]]) -> dict[PostKey, Copy]:
    """One row per post of the batch: its copies merged in page order (db.merge rules)."""
    unique: dict[PostKey, Copy] = {}
    for keys, page in zip(page_keys, pages, strict=True):
        for key, (row, links, _) in zip(keys, page.posts, strict=True):
            found = unique.get(key)
            unique[key] = (row, links) if found is None else _merged(found, (row, links), key)
    return unique


def _merged(first: Copy, second: Copy, key: PostKey) -> Copy:
    old, new = as_mapping(first[0]), as_mapping(second[0])
    if old == new:
        return first
    merged = merge_values(old, new)
    merged["platform"], merged["key"] = key
    row = tuple(merged.get(name, old[name]) for name in POST_COLUMNS)
    links = second[1] if row[_LINKS_AT] != old["links_json"] else first[1]
    return row, links


def inserted_records(inserted: Mapping[PostKey, int], unique: Mapping[PostKey, Copy]) -> Records:
    """The records of the posts this batch inserted: the batch's merged rows (a row itself is
    kept with them, so that a copy that is that row needs no comparison)."""
    return {row_id: (unique[key][0], None) for key, row_id in inserted.items()}


def merge_stored(
    connection: Connection,
    statements: Statements,
    existing: Mapping[PostKey, int],
    unique: Mapping[PostKey, Copy],
    helpers: tuple[SelectIn, SaveAuthors],
) -> Records:
    """Merge the batch's copies of stored posts into them; their records after the merge."""
    if not existing:
        return {}
    select_in, save_authors = helpers
    locked = connection.dialect.name == "postgresql"
    statement = statements.posts_to_merge_locked if locked else statements.posts_to_merge
    current = {row.id: dict(row._mapping) for row in select_in(connection, statement, existing.values())}
    pending = [(key, row_id) for key, row_id in sorted(existing.items()) if row_id in current]
    authors = save_authors(_author_rows(pending, current, unique))
    upserts: dict[int, tuple[Any, ...]] = {}
    relinked: dict[int, tuple[str, ...]] = {}
    moved: dict[int, dict[str, Any]] = {}
    for key, row_id in pending:
        old = current[row_id]
        row, links = unique[key]
        copy = {**as_mapping(row), "author_id": _author(old, row, authors)}
        final = {**old, **merge_values(old, copy)}
        if final == old:
            continue
        if final["links_json"] != old["links_json"]:
            relinked[row_id] = links
        gone = displaced(shown_fields(old), shown_fields(final))
        if gone:
            moved[row_id] = {**gone, **moved.get(row_id, {})}
        current[row_id] = final
        upserts[row_id] = (*_on_key(row, old["key"]), copy["author_id"], dt.datetime.now(dt.UTC))
    if upserts:
        statements.upsert_posts(connection, [upserts[row_id] for row_id in sorted(upserts)])
    _relink(connection, statements, relinked)
    _keep_displaced(connection, statements, select_in, moved)
    return {row_id: (None, shown_fields(current[row_id])) for _, row_id in pending}


def _on_key(row: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    """A copy's row aimed at the stored post it merges into (a plain-text copy's content key
    matched a post stored under its id)."""
    at = _COLUMNS_AT["key"]
    return row if row[at] == key else (*row[:at], key, *row[at + 1 :])


def _merged_author(old: Mapping[str, Any], row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row naming the merged handle and name (the stored ones, else the copy's)."""
    handle_at, name_at = _COLUMNS_AT["handle"], _COLUMNS_AT["author_name"]
    merged = list(row)
    merged[handle_at] = old["handle"] if old["handle"] is not None else row[handle_at]
    merged[name_at] = old["author_name"] if old["author_name"] is not None else row[name_at]
    return tuple(merged)


def _author_rows(
    pending: Sequence[tuple[PostKey, int]],
    current: Mapping[int, Mapping[str, Any]],
    unique: Mapping[PostKey, Copy],
) -> list[Copy]:
    return [(_merged_author(current[row_id], unique[key][0]), ()) for key, row_id in pending]


def _author(old: Mapping[str, Any], row: tuple[Any, ...], authors: Mapping[AuthorKey, int]) -> int | None:
    author = row_author_key(_merged_author(old, row))
    found = authors.get(author) if author is not None else None
    return found if found is not None else old["author_id"]


def _relink(connection: Connection, statements: Statements, relinked: Mapping[int, tuple[str, ...]]) -> None:
    """A post whose links a fuller copy replaced gets that copy's links."""
    if not relinked:
        return
    connection.execute(delete(_LINKS).where(_LINKS.c.post_id.in_(sorted(relinked))))
    rows = [
        (row_id, position, url)
        for row_id in sorted(relinked)
        for position, url in enumerate(relinked[row_id])
    ]
    if rows:
        statements.insert_links(connection, rows)


def _keep_displaced(
    connection: Connection,
    statements: Statements,
    select_in: SelectIn,
    moved: Mapping[int, Mapping[str, Any]],
) -> None:
    """The earlier appearances of posts whose values a fuller copy replaced keep the old values."""
    if not moved:
        return
    updates = []
    for row_id, post_id, known, stored in select_in(connection, statements.appearance_copies, moved):
        changed = with_displaced(known, stored, moved[post_id])
        if changed != stored:
            updates.append({"appearance_id": row_id, "new_copy_json": changed})
    if updates:
        connection.execute(statements.update_appearance_copy, updates)


def appearance_rows(
    article_ids: Sequence[int],
    page_keys: Sequence[Sequence[PostKey]],
    pages: Sequence[PreparedPage],
    known: Mapping[PostKey, int],
    records: Records,
) -> list[tuple[Any, ...]]:
    """Every appearance of the batch (APPEARANCE_INSERT), its copy kept against its post's record."""
    rows: dict[tuple[int, int, int], tuple[Any, ...]] = {}
    for article_id, keys, page in zip(article_ids, page_keys, pages, strict=True):
        page_sha256 = page.row[PAGE_SHA256_AT]  # the page read, whichever copy of the article it is
        for position, (key, (row, _, own)) in enumerate(zip(keys, page.posts, strict=True)):
            row_id = known[key]
            where = (article_id, row_id, position)
            if where not in rows:
                rows[where] = (*where, *own, page_sha256, _differences(row, records.get(row_id)))
    return [rows[where] for where in sorted(rows)]


def _differences(
    row: tuple[Any, ...], record: tuple[tuple[Any, ...] | None, dict[str, Any] | None] | None
) -> str | None:
    """copy_json of a copy against its post's record: none for the very row the post was stored as."""
    if record is None:
        return None
    stored_row, shown = record
    if stored_row is not None and (row is stored_row or row == stored_row):
        return None
    if shown is None:
        shown = shown_fields(as_mapping(stored_row or row))
    return copy_differences(shown_fields(as_mapping(row)), shown)


__all__ = ["MERGED_COLUMNS", "Copy", "appearance_rows", "batch_posts", "inserted_records", "merge_stored"]
