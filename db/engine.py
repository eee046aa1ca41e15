"""Engine and session setup, and the schema's life cycle (create at head, refuse when behind, upgrade).

No engine exists at import time: the CLI resolves its `--db` value, calls `make_engine`, then
`prepare_database`. Everything dialect-specific about connections lives here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
# The latest revision in db/migrations/versions: each revision file is named after its revision id
# ("0003_….py"), so a new migration needs no edit here (a test holds this to Alembic's own head).
# With Alembic's table recording a database's revision, a database at head opens without importing
# Alembic, which loads only to create or upgrade a schema (docs/design-perf.md).
SCHEMA_HEAD = max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
VERSION_TABLE = "alembic_version"

# SQLite waits this long for another writer's lock before giving up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Page cache per connection, in KiB (negative = KiB for SQLite). PERF.md: a bigger cache helps
# inserts a little; 32 MB keeps exports well under their memory budget.
SQLITE_CACHE_KIB = 32_768
# Read-only sessions map the file into memory (PRAGMA mmap_size; SQLite caps it at its build's
# limit, 2 GB by default): a search's random row lookups skip a read() call and a copy each
# (docs/design-perf.md). Not for streams over many rows (exports): every page they touch would
# stay resident until the process ends.
SQLITE_MMAP_BYTES = 1 << 31
# Execution options: a read-only connection (plain BEGIN instead of BEGIN IMMEDIATE); a stream.
READONLY_OPTION = "quotes_readonly"
STREAM_OPTION = "quotes_stream"
# Any constant: serialises schema creation/upgrade between processes on PostgreSQL.
PG_MIGRATION_LOCK_KEY = 0x51_55_4F_54_45_53
_PG_SCHEMES = ("postgresql", "postgres")


class SchemaOutOfDate(RuntimeError):
    """The database was made by an older (or newer) version of quotes."""


def database_url(value: str) -> str:
    """Turn a `--db` value into a SQLAlchemy URL: a file path becomes an absolute SQLite URL.

    `postgresql://` and `postgres://` URLs get the psycopg 3 driver; other URLs pass through.
    """
    if "://" not in value:
        if value == ":memory:":
            return "sqlite://"
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    scheme, rest = value.split("://", 1)
    if scheme in _PG_SCHEMES:
        return "postgresql+psycopg://" + rest
    return value


def make_engine(url: str) -> Engine:
    """An engine for a URL from `database_url`, tuned for concurrent ingest."""
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling would defer it
        # and break SAVEPOINT), then choose the journal and lock behaviour.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that later writes cannot wait for the lock when another writer
        # committed meanwhile (SQLITE_BUSY_SNAPSHOT fails at once). BEGIN IMMEDIATE takes the write
        # lock up front, so concurrent writers queue on busy_timeout instead of failing.
        options = connection.get_execution_options()
        readonly = options.get(READONLY_OPTION, False)
        mapped = readonly and not options.get(STREAM_OPTION, False)
        connection.exec_driver_sql(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES if mapped else 0}")
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


@contextlib.contextmanager
def session_scope(engine: Engine, *, readonly: bool = False, stream: bool = False) -> Iterator[Session]:
    """A session in one transaction: commit on success, roll back on error.

    `readonly=True` lets SQLite readers run beside a writer (WAL) instead of queueing for its lock,
    and maps the file for fast lookups unless `stream=True` (a read of the whole archive, such as
    an export, whose resident memory must stay flat).
    """
    bind = engine.execution_options(**{READONLY_OPTION: readonly, STREAM_OPTION: stream})
    with Session(bind) as session, session.begin():
        yield session


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config  # only to create or upgrade a schema (see SCHEMA_HEAD)

    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head(config: Config) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config).get_current_head()


def _current(connection: Connection) -> str | None:
    """The revision the database is stamped with; None before any (Alembic reads it the same way)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _lock_for_migration(connection: Connection) -> None:
    # SQLite: BEGIN IMMEDIATE already holds the write lock. PostgreSQL: a transaction-scoped advisory
    # lock, so four workers starting on a new database create the schema once.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY})


def _is_empty(connection: Connection) -> bool:
    return not inspect(connection).has_table("posts")


def prepare_database(engine: Engine) -> None:
    """Create a new database at the latest schema; refuse one that is behind.

    Raises SchemaOutOfDate (its message says to run `quotes db upgrade`) for an older schema, and
    for a schema newer than this version of quotes knows.
    """
    # The common case, a database at head, is checked without the write lock: a search must not
    # queue behind a running ingest just to start.
    with engine.execution_options(**{READONLY_OPTION: True}).connect() as connection:
        if _current(connection) == SCHEMA_HEAD:
            return
    with engine.begin() as connection:
        _lock_for_migration(connection)
        config = _alembic_config(connection)
        head, current = _head(config), _current(connection)
        if current == head:
            return
        if current is None and _is_empty(connection):
            _upgrade(config, "head")
            return
        raise SchemaOutOfDate(_out_of_date_message(engine, current, head, config))


def _upgrade(config: Config, revision: str) -> None:
    from alembic import command

    command.upgrade(config, revision)


def _out_of_date_message(engine: Engine, current: str | None, head: str | None, config: Config) -> str:
    from alembic.script import ScriptDirectory

    where = engine.url.render_as_string(hide_password=True)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if current is not None and current not in known:
        return (
            f"database {where} has schema revision {current}, newer than this version of quotes "
            f"knows; upgrade quotes"
        )
    shown = current or "none (made before migrations)"
    return f"database {where} is at schema revision {shown}, not {head}; run `quotes db upgrade`"


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the latest); a no-op when already there."""
    with engine.begin() as connection:
        _lock_for_migration(connection)
        _upgrade(_alembic_config(connection), revision)


def schema_revision(engine: Engine) -> tuple[str | None, str | None]:
    """(current, latest) schema revisions, for `quotes db` status messages."""
    with engine.execution_options(**{READONLY_OPTION: True}).connect() as connection:
        return _current(connection), SCHEMA_HEAD
