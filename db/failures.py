"""Which database errors are whose: a page's, the whole archive's, or a race that a retry resolves."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# PostgreSQL: serialization failure, deadlock detected. Retrying the whole batch is the cure.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite: the busy timeout ran out (another writer held the lock for 30 s).
TRANSIENT_SQLITE_MESSAGE = "database is locked"
# The archive itself refuses the batch, whatever its pages hold: no page would fare better alone.
# PostgreSQL: connection exceptions and insufficient resources (disk full...) (classes 08, 53), a
# read-only transaction, no INSERT privilege, the server shutting down.
ARCHIVE_SQLSTATE_CLASSES = ("08", "53")
ARCHIVE_SQLSTATES = frozenset({"25006", "42501", "57P01", "57P02", "57P03"})
# SQLite: a read-only file or folder, a full disk, an I/O error.
ARCHIVE_SQLITE_MESSAGES = (
    "readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)
BATCH_ATTEMPTS = 8
RETRY_PAUSE_S = 0.05


def is_archive_failure(error: DBAPIError) -> bool:
    """The archive cannot take writes at all (read-only, full, gone): a failure of the run, not
    of a page, so it is raised once instead of being reported for every page."""
    state = str(getattr(error.orig, "sqlstate", None) or "")
    message = str(error.orig).lower()
    return (
        error.connection_invalidated
        or state in ARCHIVE_SQLSTATES
        or state.startswith(ARCHIVE_SQLSTATE_CLASSES)
        or any(part in message for part in ARCHIVE_SQLITE_MESSAGES)
    )


def is_transient(error: DBAPIError) -> bool:
    """A concurrency failure that retrying the transaction resolves."""
    state = getattr(error.orig, "sqlstate", None)
    return state in TRANSIENT_SQLSTATES or TRANSIENT_SQLITE_MESSAGE in str(error.orig)
