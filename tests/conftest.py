"""Shared test setup: where ../shared is, and the database fixtures.

Every database test runs on SQLite, and on PostgreSQL when QUOTES_TEST_POSTGRES_URL is set (each
test then gets its own schema, dropped afterwards). The real-world corpus is read in place from
../shared beside the repository: tests that need it skip when it is missing, except under CI
(CI=true), where a missing corpus stops the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from collector.values import Article, ArticleMeta, Post, Quoted
from db.engine import database_url, make_engine, prepare_database

POSTGRES_ENV = "QUOTES_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "corpus" / "realworld"
REALWORLD_PAGES = REALWORLD / "pages"
MISSING_REALWORLD = f"the real-world corpus is not at {REALWORLD} (../shared beside the repository)"
needs_realworld = pytest.mark.skipif(not (REALWORLD / "expected").is_dir(), reason=MISSING_REALWORLD)


def realworld_pages() -> list[Path]:
    """The real-world pages, for parametrising; none when the corpus is missing (see above)."""
    return sorted(REALWORLD_PAGES.glob("*.html"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI runs every test: there a missing corpus is a failure, not a skip."""
    if os.environ.get("CI") == "true" and not (REALWORLD / "expected").is_dir():
        raise pytest.UsageError(f"CI=true and {MISSING_REALWORLD}")


def postgres_schema_url(base: str, schema: str) -> str:
    """`base` with every connection's search_path set to `schema` (psycopg passes `options` on)."""
    url = make_url(database_url(base)).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    return url.render_as_string(hide_password=False)


def _drop_schema(admin: Engine, schema: str) -> None:
    with admin.begin() as connection:
        # A connection a test forgot to close would block DROP SCHEMA: end it (tests only).
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": schema},
        )
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield database_url(str(tmp_path_factory.mktemp("db") / "quotes.db"))
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"quotes_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(base, schema)
    finally:
        _drop_schema(admin, schema)
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on `db_url` with the schema created at the latest revision."""
    made = make_engine(db_url)
    prepare_database(made)
    try:
        yield made
    finally:
        made.dispose()


SEED_POSTS = (
    Post(
        platform="twitter",
        post_id="1479527384433696769",
        url="https://twitter.com/McFaul/status/1479527384433696769",
        author_name="Michael McFaul",
        handle="McFaul",
        date_text="January 7, 2022",
        date=dt.date(2022, 1, 7),
        posted_at=dt.datetime(2022, 1, 7, 18, 16, 44, 123000, tzinfo=dt.UTC),
        text="There will be no substantive negotiations in Geneva next week.",
        lang="en",
    ),
    Post(
        platform="twitter",
        author_name="D.C. ☮️",
        handle="DavisColby",
        date_text="January 7, 2022",
        date=dt.date(2022, 1, 7),
        text='"As senior U.S. officials prepare for talks with Russia"\nhttps://t.co/5OfwnpPSTH',
        links=("https://t.co/5OfwnpPSTH",),
    ),
    Post(
        platform="twitter",
        post_id="1479800000000000000",
        url="https://twitter.com/PoliticusSarah/status/1479800000000000000",
        author_name="Sarah Reese Jones",
        handle="PoliticusSarah",
        date_text="January 8, 2022",
        date=dt.date(2022, 1, 8),
        text="“if Russia invades Ukraine” the talks in Geneva end https://t.co/QZMc5je0Dj",
        links=("https://t.co/QZMc5je0Dj",),
        lang="en",
        quoted=Quoted(author_name="Someone", handle="someone", text="quoted words"),
    ),
)


def make_article(name: str, *, url: str | None = None, title: str | None = None) -> Article:
    """A saved page called `name` (its content hash follows its name), optionally with its URL."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return Article(source=f"pages/{name}", sha256=digest, url=url, meta=ArticleMeta(title=title or name))


@pytest.fixture
def seed_posts() -> tuple[Post, ...]:
    """Three posts like the seed article's: two with ids, one from plain text without."""
    return SEED_POSTS
