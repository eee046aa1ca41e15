"""Engine setup and the schema life cycle that `quotes` relies on at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text

from db.engine import (
    SchemaOutOfDate,
    database_url,
    make_engine,
    prepare_database,
    schema_revision,
    session_scope,
    upgrade_database,
)
from db.models import Article


def test_a_file_path_becomes_an_absolute_sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_url("quotes.db") == f"sqlite:///{tmp_path / 'quotes.db'}"
    assert database_url("sub/../x.db") == f"sqlite:///{tmp_path / 'x.db'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/q.db", "sqlite:////tmp/q.db"),
    ],
)
def test_urls_pass_through_and_postgresql_uses_psycopg3(given: str, expected: str) -> None:
    assert database_url(given) == expected


def test_sqlite_connections_are_set_up_for_concurrent_writers(tmp_path: Path) -> None:
    engine = make_engine(database_url(str(tmp_path / "q.db")))
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    engine.dispose()
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 30_000, "foreign_keys": 1}


def test_searches_map_the_file_but_exports_and_writers_do_not(tmp_path: Path) -> None:
    """A search's row lookups read a memory-mapped file; an export streaming the whole archive, and
    a writer, read through the page cache, so their resident memory stays flat."""
    engine = make_engine(database_url(str(tmp_path / "q.db")))
    prepare_database(engine)

    def mapped(**options: bool) -> int:
        with session_scope(engine, **options) as session:
            return int(session.execute(text("PRAGMA mmap_size")).scalar_one())

    # In any order on the pooled connection: each session sets its own.
    seen = [mapped(readonly=True), mapped(), mapped(readonly=True, stream=True), mapped(readonly=True)]
    engine.dispose()
    assert seen[0] == seen[3] > 0
    assert seen[1] == seen[2] == 0


def test_a_new_database_is_created_at_the_latest_revision(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        prepare_database(engine)
        current, head = schema_revision(engine)
        assert current == head is not None
        prepare_database(engine)  # at head: nothing to do, no error
    finally:
        engine.dispose()


def test_an_older_database_is_refused_until_upgraded(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0001")
        with pytest.raises(SchemaOutOfDate, match="run `quotes db upgrade`"):
            prepare_database(engine)
        upgrade_database(engine)
        prepare_database(engine)
        upgrade_database(engine)  # already at head: a no-op
    finally:
        engine.dispose()


def test_a_database_from_a_newer_quotes_is_refused(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(SchemaOutOfDate, match="newer than this version of quotes"):
        prepare_database(engine)


def test_a_database_of_something_else_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE posts (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SchemaOutOfDate):
            prepare_database(engine)
    finally:
        engine.dispose()


def test_session_scope_commits_or_rolls_back(engine: Engine) -> None:
    row = {"identity": "x", "source": "s", "sha256": "0" * 64, "ingested_at": func.now()}
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.execute(insert(Article).values(**row))
        raise RuntimeError("stop")
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == 0
        session.execute(insert(Article).values(**row))
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == 1


def test_an_up_to_date_database_opens_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    url = database_url(str(tmp_path / "q.db"))
    writer, reader = make_engine(url), make_engine(url)
    try:
        prepare_database(writer)
        with session_scope(writer) as session:  # BEGIN IMMEDIATE: holds SQLite's write lock
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))
            prepare_database(reader)  # would wait 30 s for the lock, then fail, if it needed it
            with session_scope(reader, readonly=True) as read:
                assert read.execute(select(func.count()).select_from(Article)).scalar_one() == 0
    finally:
        writer.dispose()
        reader.dispose()
