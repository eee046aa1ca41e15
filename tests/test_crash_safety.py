"""`kill -9` in the middle of a large ingest loses nothing that was committed and leaves no half.

A real `quotes ingest` (two extraction workers) runs over generated pages in tmp_path and is
killed with SIGKILL, workers and all, as soon as its first batch is committed. The database must
then open and pass `PRAGMA integrity_check`, hold only whole articles (each with every one of its
posts, in order) and a full-text index that matches the posts; a second run completes the work
with no duplicate post, article or appearance, and changes nothing the first run stored.

SQLite-specific: it is the file on disk whose state after a crash is in question.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PAGES = 1_500
OWN_POSTS_PER_PAGE = 3
SHARED_POSTS = 40  # every page also quotes one of these: posts with many appearances
PAGES_PER_FOLDER = 250
# Text around the embeds, so pages have an article's weight (about 8 KB each).
FILLER = "<p>" + "Words of the article around the quoted posts. " * 80 + "</p>"
OWN_ID_BASE = 1_479_000_000_000_000_000
SHARED_ID_BASE = 1_400_000_000_000_000_000
POLL_SECONDS = 0.02
START_DEADLINE_SECONDS = 120


def embed(post_id: int, handle: str, text: str) -> str:
    return (
        f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{text}</p>&mdash; {handle.title()} '
        f'(@{handle}) <a href="https://twitter.com/{handle}/status/{post_id}">January 7, 2022</a>'
        "</blockquote>"
    )


def page_posts(number: int) -> list[str]:
    """The post ids page `number` quotes, in document order."""
    own = [str(OWN_ID_BASE + number * 10 + k) for k in range(OWN_POSTS_PER_PAGE)]
    return [own[0], str(SHARED_ID_BASE + number % SHARED_POSTS), *own[1:]]


def write_pages(root: Path) -> dict[str, list[str]]:
    """Generate the pages; return each page's path (as ingest records it) and its post ids."""
    expected: dict[str, list[str]] = {}
    for number in range(PAGES):
        folder = root / f"part{number // PAGES_PER_FOLDER:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        embeds = [embed(int(pid), f"user{int(pid) % 97}", f"post {pid}") for pid in page_posts(number)]
        body = FILLER + "".join(embeds[:2]) + FILLER + "".join(embeds[2:])
        path = folder / f"page{number:05d}.html"
        path.write_text(f"<html><head><title>Page {number}</title></head><body>{body}</body></html>")
        expected[str(path)] = page_posts(number)
    return expected


def ingest_command(database: Path, pages: Path) -> list[str]:
    return [sys.executable, "-m", "collector", "--db", str(database), "ingest", "--jobs", "2", str(pages)]


def count_articles(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


def kill_after_next_commit(database: Path, pages: Path) -> None:
    """Run ingest and SIGKILL it as soon as it has committed a batch more than the database holds."""
    already = count_articles(database)
    process = subprocess.Popen(
        ingest_command(database, pages),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the workers die with it
    )
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    try:
        while count_articles(database) <= already and process.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if process.poll() is not None:
            pytest.fail(f"ingest ended (exit {process.returncode}) before it could be killed; add pages")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def stored(database: Path) -> dict[str, list[str]]:
    """Each stored article's source and its posts' platform ids, in position order."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT a.source, p.post_id FROM articles a "
            "LEFT JOIN appearances ap ON ap.article_id = a.id LEFT JOIN posts p ON p.id = ap.post_id "
            "ORDER BY a.source, ap.position"
        ).fetchall()
    articles: dict[str, list[str]] = {}
    for source, post_id in rows:
        articles.setdefault(source, [])
        if post_id is not None:
            articles[source].append(post_id)
    return articles


def snapshot(database: Path) -> set[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        posts = connection.execute("SELECT id, platform, key, post_id, handle, date, text FROM posts")
        return {tuple(row) for row in posts}


def check_consistent(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, key in (("posts", "platform, key"), ("articles", "identity")):
            total, distinct = connection.execute(
                f"SELECT count(*), count(DISTINCT {key.replace(', ', ' || char(31) || ')}) FROM {table}"
            ).fetchone()
            assert total == distinct, f"duplicate {table}"
        posts = connection.execute("SELECT count(*) FROM posts").fetchone()[0]
        indexed = connection.execute("SELECT count(*) FROM posts_fts").fetchone()[0]
        assert indexed == posts, "full-text index out of step with posts"


def test_kill_minus_9_mid_ingest_keeps_whole_articles_and_a_rerun_completes(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    expected = write_pages(pages)
    database = tmp_path / "quotes.db"

    # Killed twice: after the first commit, then a re-run after its first new commit.
    for _ in range(2):
        kill_after_next_commit(database, pages)
        check_consistent(database)
        survived = stored(database)
        assert 0 < len(survived) < PAGES, "the kill should land mid-ingest"
        for source, post_ids in survived.items():
            assert post_ids == expected[source], f"{source} is not whole"
    before = snapshot(database)

    rerun = subprocess.run(ingest_command(database, pages), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    check_consistent(database)
    assert stored(database) == expected
    after = snapshot(database)
    assert before <= after, "a row the first run stored was changed by the re-run"
    assert len(after) == PAGES * OWN_POSTS_PER_PAGE + SHARED_POSTS
