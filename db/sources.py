"""The `sources` table: each input file of a scaled-out ingest, recorded once it is read through.

Written by the one client of a run (after the file's pages are committed, by whichever process
wrote them), so a file recorded here is in the archive whole; a file never recorded (the run was
stopped, its worker lost) is read again by the next run, and the writer's ON CONFLICT keeps that
from duplicating anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine, delete, insert, select

from db.models import Source
from db.store import IN_CHUNK


def finished_uris(engine: Engine, uris: Iterable[str]) -> set[str]:
    """Which of `uris` a run already read through without an error."""
    wanted = list(dict.fromkeys(uris))
    done: set[str] = set()
    with engine.connect() as connection:
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            statement = select(Source.uri).where(Source.uri.in_(chunk), Source.error.is_(None))
            done.update(connection.execute(statement).scalars())
    return done


def record_source(engine: Engine, uri: str, *, pages: int, posts: int, error: str | None) -> None:
    """Record that `uri` was read (replacing an earlier run's row for it)."""
    row = {"uri": uri, "done_at": dt.datetime.now(dt.UTC), "pages": pages, "posts": posts, "error": error}
    with engine.begin() as connection:
        connection.execute(delete(Source).where(Source.uri == uri))
        connection.execute(insert(Source).values(row))
