"""`datasette quotes.db` shows a search box on posts: checked through plain sqlite3, as Datasette does."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from conftest import SEED_POSTS, make_article

from db.engine import database_url, make_engine, prepare_database, session_scope
from db.store import save_article

# Datasette's detect_fts() query (datasette/utils/__init__.py), for table `posts`.
DETECT_FTS_SQL = """
    select name from sqlite_master
        where rootpage = 0
        and (
            sql like '%VIRTUAL TABLE%USING FTS%content="posts"%'
            or sql like '%VIRTUAL TABLE%USING FTS%content=[posts]%'
            or (tbl_name = "posts" and sql like '%VIRTUAL TABLE%USING FTS%')
        )
"""
# How Datasette's table view filters on ?_search=… once it found the FTS table.
DATASETTE_SEARCH_SQL = (
    "select handle from posts where rowid in (select rowid from posts_fts where posts_fts match :search) "
    "order by rowid"
)


def build_archive(path: Path) -> None:
    engine = make_engine(database_url(str(path)))
    prepare_database(engine)
    with session_scope(engine) as session:
        save_article(session, make_article("a"), SEED_POSTS)
    engine.dispose()


def test_datasette_finds_the_full_text_table_of_posts(tmp_path: Path) -> None:
    build_archive(tmp_path / "quotes.db")
    with sqlite3.connect(tmp_path / "quotes.db") as connection:
        assert connection.execute(DETECT_FTS_SQL).fetchall() == [("posts_fts",)]


def test_datasette_style_search_finds_posts_by_text_name_and_handle(tmp_path: Path) -> None:
    build_archive(tmp_path / "quotes.db")
    with sqlite3.connect(tmp_path / "quotes.db") as connection:

        def search(terms: str) -> list[str]:
            return [row[0] for row in connection.execute(DATASETTE_SEARCH_SQL, {"search": terms})]

        assert search('"geneva"') == ["McFaul", "PoliticusSarah"]
        assert search('"reese"') == ["PoliticusSarah"]
        assert search('"daviscolby"') == ["DavisColby"]


def test_the_full_text_index_follows_updates_and_deletes(tmp_path: Path) -> None:
    build_archive(tmp_path / "quotes.db")
    with sqlite3.connect(tmp_path / "quotes.db") as connection:
        connection.execute("update posts set text = 'rewritten words' where handle = 'McFaul'")
        connection.execute("delete from posts where handle = 'PoliticusSarah'")
        found = connection.execute(
            "select rowid from posts_fts where posts_fts match 'geneva' union all "
            "select rowid from posts_fts where posts_fts match 'rewritten'"
        ).fetchall()
        # McFaul's row now matches only its new text; Sarah's row is gone from the index.
        mcfaul = connection.execute("select id from posts where handle = 'McFaul'").fetchone()
        assert found == [mcfaul]
        check = connection.execute("insert into posts_fts(posts_fts, rank) values ('integrity-check', 1)")
        assert check.fetchall() == []


def test_diacritics_are_folded_like_sqlite_users_expect(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    engine = make_engine(database_url(str(path)))
    prepare_database(engine)
    with session_scope(engine) as session:
        post = dataclasses.replace(SEED_POSTS[0], text="Réunion à Genève")
        save_article(session, make_article("a"), [post])
    engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute(
            "select count(*) from posts_fts where posts_fts match 'geneve'"
        ).fetchone() == (1,)
