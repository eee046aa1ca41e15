"""Migrations: an archive made by the first schema revision keeps its posts through `quotes db upgrade`."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import SEED_POSTS, make_article
from sqlalchemy import Engine, text

from db.engine import ALEMBIC_INI, MIGRATIONS, SCHEMA_HEAD, make_engine, session_scope, upgrade_database
from db.models import Base
from db.queries import Filters
from db.records import iter_records
from db.store import save_article

FULL_TEXT_OBJECTS = ("posts_fts", "ix_posts_fts")


def test_posts_stored_at_the_first_revision_survive_the_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0001")
        with session_scope(engine) as session:
            save_article(session, make_article("old.html", url="https://news.example/old"), SEED_POSTS)
        with session_scope(engine, readonly=True) as session:
            before = list(iter_records(session, Filters()))
        upgrade_database(engine)
        with session_scope(engine, readonly=True) as session:
            assert list(iter_records(session, Filters())) == before
            # The full-text index added by the upgrade covers the posts stored before it.
            found = [r["handle"] for r in iter_records(session, Filters(words="geneva"))]
        assert found == ["McFaul", "PoliticusSarah"]
        with session_scope(engine) as session:
            again = save_article(
                session, make_article("old.html", url="https://news.example/old"), SEED_POSTS
            )
        assert again.new_posts == 0
    finally:
        engine.dispose()


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Full-text objects are dialect-specific DDL, not part of the generic models.
    return not (name or "").startswith(FULL_TEXT_OBJECTS) and name != "alembic_version"


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _ours, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = Config(str(ALEMBIC_INI))
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        assert MigrationContext.configure(connection).get_current_revision() == revision


def full_text_index(engine: Engine) -> str | None:
    """PostgreSQL's full-text index definition (None on SQLite, where FTS5 folds by itself)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name AND schemaname = current_schema()"),
            {"name": "ix_posts_fts"},
        )
        return str(found.scalar_one())


def test_the_third_revision_rebuilds_the_index_on_the_folded_document(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade_database(engine)
        accented = dataclasses.replace(SEED_POSTS[0], text="Café crème à Genève")
        with session_scope(engine) as session:
            save_article(session, make_article("cafe.html"), [accented])
        downgrade(engine, "0002")
        unfolded = full_text_index(engine)
        upgrade_database(engine)
        folded = full_text_index(engine)
        if engine.dialect.name == "postgresql":
            assert unfolded is not None and "translate(" not in unfolded
            assert folded is not None and "translate(" in folded
        with session_scope(engine, readonly=True) as session:
            found = [r["text"] for r in iter_records(session, Filters(words="cafe GENEVE"))]
        assert found == ["Café crème à Genève"]
    finally:
        engine.dispose()


def test_the_schema_head_constant_is_alembics_head() -> None:
    """Archives at head open without Alembic by comparing with SCHEMA_HEAD: it must be the head."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_opening_an_archive_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    """Start-up of every command on an existing archive: Alembic only loads to create or upgrade."""
    path = tmp_path / "q.db"
    probe = (
        "import sys\n"
        "from db.engine import database_url, make_engine, prepare_database\n"
        f"prepare_database(make_engine(database_url({str(path)!r})))\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False")
