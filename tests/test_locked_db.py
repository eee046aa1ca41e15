"""A locked SQLite archive: a second writer waits for the lock and succeeds, or fails with one
clear line when the lock outlives the busy timeout; readers go on; the file is never corrupt.

SQLite-specific: PostgreSQL writers queue on row locks and are covered by the concurrency test.
The lock is held by a plain sqlite3 connection in `BEGIN IMMEDIATE`, as another `quotes ingest`
in the middle of a batch would hold it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import db.engine
from collector.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
OTHER_PAGE = ROOT / "fixtures" / "bluesky-embed.html"
# How long the test holds the lock while a real `quotes ingest` starts and queues behind it.
HOLD_SECONDS = 2.5
# A short busy timeout for the give-up case, instead of the real 30 s.
SHORT_BUSY_TIMEOUT_MS = 200


def run(database: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(database), *args], catch_exceptions=False)


def export_all(database: Path) -> list[dict[str, object]]:
    result = run(database, "export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A SQLite archive holding the seed article."""
    database = tmp_path / "quotes.db"
    assert run(database, "ingest", str(SEEDS)).exit_code == 0
    return database


@contextmanager
def write_lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Hold the database's write lock (another writer mid-transaction) until the block ends."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield connection
        connection.execute("COMMIT")
    finally:
        connection.close()


def test_a_second_writer_waits_for_the_lock_and_succeeds(archive: Path) -> None:
    before = export_all(archive)
    command = [sys.executable, "-m", "collector", "--db", str(archive), "ingest", str(OTHER_PAGE)]
    with write_lock(archive):
        writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(HOLD_SECONDS)
        # With the lock held the writer cannot have finished: it is waiting, not failing.
        assert writer.poll() is None, writer.communicate()
    stdout, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr.decode()
    assert stdout == b""
    assert "failed: 0" in stderr.decode().splitlines()[-1]
    after = export_all(archive)
    assert [record for record in after if record["platform"] == "twitter"] == before
    assert {record["platform"] for record in after} == {"twitter", "bluesky"}
    assert integrity(archive) == "ok"


def test_a_writer_that_outwaits_the_busy_timeout_fails_with_one_clear_line(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = export_all(archive)
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", SHORT_BUSY_TIMEOUT_MS)
    with write_lock(archive):
        result = run(archive, "ingest", str(OTHER_PAGE))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert str(archive) in lines[0] and "locked" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    monkeypatch.undo()
    assert integrity(archive) == "ok"
    assert export_all(archive) == before


def test_readers_are_not_blocked_by_a_writer(archive: Path) -> None:
    before = export_all(archive)
    with write_lock(archive) as writer:
        # The writer has changed a row but not committed: readers see the last commit.
        writer.execute("UPDATE posts SET text = 'uncommitted' WHERE id = (SELECT min(id) FROM posts)")
        assert export_all(archive) == before
        search = run(archive, "search", "Geneva", "--format", "jsonl")
        assert search.exit_code == 0 and search.stdout.strip()
    assert integrity(archive) == "ok"


def unprivileged(command: list[str]) -> list[str]:
    """`command` run so that file modes bind: root keeps its uid but loses the capabilities that
    override them (tests run as root in CI, where chmod alone stops nothing)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be made to bind")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_read_only_archive_is_searched_and_refuses_writes_clearly(archive: Path, jobs: str) -> None:
    before = export_all(archive)
    found = run(archive, "search", "Geneva", "--format", "jsonl").stdout
    assert found
    quotes = [sys.executable, "-m", "collector", "--db", str(archive)]
    pages = [str(page) for page in sorted((ROOT / "fixtures").glob("*.html"))]
    archive.chmod(0o444)
    try:
        ingest = subprocess.run(
            unprivileged([*quotes, "ingest", "--jobs", jobs, *pages]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        search = subprocess.run(
            unprivileged([*quotes, "search", "Geneva", "--format", "jsonl"]),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        archive.chmod(0o644)
    # The archive refuses every write: one line for the run (not one per page), exit code 1.
    assert ingest.returncode == 1 and ingest.stdout == ""
    assert ingest.stderr.splitlines() == [f"Error: database {archive}: attempt to write a readonly database"]
    # Reading needs no write lock: a read-only archive (a shared copy) is still searchable.
    assert search.returncode == 0, search.stderr
    assert search.stdout == found
    assert integrity(archive) == "ok"
    assert export_all(archive) == before
