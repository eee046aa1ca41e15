"""Migrations: an archive made by the first schema revision keeps its posts through `quotes db upgrade`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import SEED_POSTS, make_article
from sqlalchemy import Engine, MetaData, Table, text

from collector.extract.clocks import mastodon_time, twitter_time
from collector.values import Appearance, Article, Post
from db.engine import (
    ALEMBIC_INI,
    MIGRATIONS,
    SCHEMA_HEAD,
    database_url,
    make_engine,
    prepare_database,
    session_scope,
    upgrade_database,
)
from db.models import Base
from db.queries import Filters
from db.records import iter_records
from db.rows import ARTICLE_COLUMNS, POST_COLUMNS, prepare_page
from db.store import save_article

FULL_TEXT_OBJECTS = ("posts_fts", "ix_posts_fts")


def seed_at_revision(engine: Engine, article: Article, posts: Sequence[Post]) -> None:
    """Store a page as the writer of an older revision did: today's rows, cut to the columns the
    database has at its revision (today's writer fills columns an old schema lacks), and the
    article keyed by its URL as written (before revision 0006 normalised it)."""
    page = prepare_page(article, posts)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        meta = MetaData()
        table = {name: Table(name, meta, autoload_with=connection) for name in ("articles", "posts")}
        for name in ("authors", "links", "appearances"):
            table[name] = Table(name, meta, autoload_with=connection)

        def insert(name: str, values: dict[str, Any]) -> int:
            kept = {key: value for key, value in values.items() if key in table[name].c}
            return int(connection.execute(table[name].insert().values(kept)).inserted_primary_key[0])

        article_row = dict(zip(ARTICLE_COLUMNS, page.row, strict=True))
        if article_row["url"]:
            article_row["identity"] = hashlib.sha256(f"url:{article_row['url']}".encode()).hexdigest()
        article_id = insert("articles", {**article_row, "ingested_at": now})
        for position, (row, links, _) in enumerate(page.posts):
            values = dict(zip(POST_COLUMNS, row, strict=True))
            author = insert(
                "authors",
                {
                    "platform": values["platform"],
                    "handle_key": (values["handle"] or "").casefold(),
                    "name": values["author_name"] or "",
                    "handle": values["handle"],
                },
            )
            post_id = insert("posts", {**values, "author_id": author, "first_seen_at": now})
            for number, url in enumerate(links):
                insert("links", {"post_id": post_id, "position": number, "url": url})
            insert("appearances", {"article_id": article_id, "post_id": post_id, "position": position})


def head_records(db_url: str, tmp_path: Path, article: Article, posts: Sequence[Post]) -> list[Any]:
    """The records of the same page saved into a new archive at the latest revision."""
    other = make_engine(database_url(str(tmp_path / "head.db")))
    try:
        prepare_database(other)
        with session_scope(other) as session:
            save_article(session, article, posts)
        with session_scope(other, readonly=True) as session:
            return list(iter_records(session, Filters()))
    finally:
        other.dispose()


def test_posts_stored_at_the_first_revision_survive_the_upgrade(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    article = make_article("old.html", url="https://news.example/old")
    try:
        upgrade_database(engine, "0001")
        seed_at_revision(engine, article, SEED_POSTS)
        upgrade_database(engine)
        with session_scope(engine, readonly=True) as session:
            assert list(iter_records(session, Filters())) == head_records(
                db_url, tmp_path, article, SEED_POSTS
            )
            # The full-text index added by the upgrade covers the posts stored before it.
            found = [r["handle"] for r in iter_records(session, Filters(words="geneva"))]
        assert found == ["McFaul", "PoliticusSarah"]
        with session_scope(engine) as session:
            again = save_article(session, article, SEED_POSTS)
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


def test_revision_0006_indexes_stored_cjk_posts_and_merges_articles_by_normalised_url(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    japanese = dataclasses.replace(SEED_POSTS[0], text="痴漢の犯人が逮捕された")
    try:
        upgrade_database(engine, "0003")
        seed_at_revision(engine, make_article("a.html", url="https://news.example/a"), [japanese])
        # The same article read from another spelling of its URL: two rows before 0006.
        seed_at_revision(
            engine, make_article("b.html", url="HTTPS://news.example/a/?utm_source=x"), SEED_POSTS[1:]
        )
        upgrade_database(engine)
        with session_scope(engine, readonly=True) as session:
            found = [r["text"] for r in iter_records(session, Filters(words="犯人"))]
            urls = {tuple(r["article_urls"]) for r in iter_records(session, Filters())}
        assert found == ["痴漢の犯人が逮捕された"]
        assert urls == {("https://news.example/a",)}  # one article, the first ingested, quoting all three
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM articles")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM appearances")).scalar() == 3
        with session_scope(engine) as session:
            again = save_article(session, make_article("c.html", url="https://news.example/a#x"), SEED_POSTS)
        assert (again.new_posts, again.known_posts) == (0, 3)
        with engine.connect() as connection:  # the same article, by its URL in another spelling
            assert connection.execute(text("SELECT count(*) FROM articles")).scalar() == 1
        downgrade(engine, "0003")
        upgrade_database(engine)
    finally:
        engine.dispose()


def test_an_archive_at_the_third_revision_is_filled_in_by_the_upgrade(db_url: str) -> None:
    """Revision 0004 dates posts by their id's time and merges the copies two writers raced on."""
    engine = make_engine(db_url)
    iframe = Post(
        platform="twitter", post_id="639280749821063168", posted_at=twitter_time("639280749821063168")
    )
    # An earlier version dated Mastodon posts by their id clock, without a date text.
    toot_time = mastodon_time("113805114250504687")
    assert toot_time is not None
    toot = Post(platform="mastodon", post_id="113805114250504687", posted_at=toot_time, date=toot_time.date())
    with_id, plain_copy = (
        dataclasses.replace(SEED_POSTS[0], author_name=None),
        dataclasses.replace(SEED_POSTS[0], post_id=None, url=None, posted_at=None, lang=None),
    )
    try:
        upgrade_database(engine, "0003")
        seed_at_revision(
            engine, make_article("a.html", url="https://news.example/a"), [iframe, toot, with_id]
        )
        seed_at_revision(engine, make_article("b.html", url="https://news.example/b"), [plain_copy])
        upgrade_database(engine)
        with session_scope(engine, readonly=True) as session:
            records = {record["post_id"]: record for record in iter_records(session, Filters())}
            assert len(records) == 3  # the plain-text copy is the embedded post now
            day = twitter_time("639280749821063168").date().isoformat()  # type: ignore[union-attr]
            assert (records["639280749821063168"]["date"], records["639280749821063168"]["date_source"]) == (
                day,
                "id",
            )
            assert records["113805114250504687"]["date_source"] == "id"
            merged = records[SEED_POSTS[0].post_id]
            assert (merged["date_source"], merged["author_name"], merged["article_count"]) == (
                "shown",
                SEED_POSTS[0].author_name,
                2,
            )
            since = Filters(since=dt.date.fromisoformat(day))
            assert next(r["post_id"] for r in iter_records(session, since)) == "639280749821063168"
    finally:
        engine.dispose()


def test_revision_0008_keeps_stored_appearances_and_stores_evidence_after(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0006")
        seed_at_revision(engine, make_article("a.html", url="https://news.example/a"), SEED_POSTS[:1])
        upgrade_database(engine)
        evidence = "SELECT markup, markup_truncated, byte_offset FROM appearances ORDER BY id"
        with engine.connect() as connection:
            # Stored before the revision: their pages are gone, no evidence can be filled in.
            assert connection.execute(text(evidence)).all() == [(None, None, None)]
        shown = Appearance(SEED_POSTS[0], markup="<blockquote>…</blockquote>", byte_offset=42)
        with session_scope(engine) as session:
            save_article(session, make_article("b.html", url="https://news.example/b"), [shown])
        with engine.connect() as connection:
            found = connection.execute(text(evidence)).all()
        assert found == [(None, None, None), ("<blockquote>…</blockquote>", False, 42)]
        downgrade(engine, "0006")
        upgrade_database(engine)
    finally:
        engine.dispose()


def test_revision_0009_names_the_page_each_appearance_was_read_from(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0008")
        seed_at_revision(engine, make_article("a.html", url="https://news.example/a"), SEED_POSTS[:1])
        upgrade_database(engine)
        pages = "SELECT page_sha256 FROM appearances ORDER BY id"
        with engine.connect() as connection:
            assert connection.execute(text(pages)).all() == [(None,)]  # stored before: page unknown
        # The same URL saved again with another post: one article, the new appearance names its page.
        again = make_article("a-updated.html", url="https://news.example/a")
        with session_scope(engine) as session:
            save_article(session, again, SEED_POSTS[:3])
        with engine.connect() as connection:
            found = [row[0] for row in connection.execute(text(pages))]
            articles = connection.execute(text("SELECT count(*) FROM articles")).scalar()
        assert articles == 1 and found[0] is None and set(found[1:]) == {again.sha256}
        downgrade(engine, "0008")
        upgrade_database(engine)
    finally:
        engine.dispose()
