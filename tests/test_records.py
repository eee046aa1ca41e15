"""The post's record as users read it: every known date, tombstones, where and how it was quoted.

Through the CLI on both databases: dates from id clocks in filters and stats, `search --status`
and `--differing`, `show`'s articles with their date, site, context and copy, and the added
export columns (date_source, status, media, quoted_url, first_quoted_at, article_titles).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from conftest import REALWORLD_PAGES, needs_realworld

from collector.cli import cli
from collector.extract.clocks import LAST_PRE_SNOWFLAKE_ID
from collector.values import RECORD_ADDED_KEYS, RECORD_KEYS, RECORD_MARK_KEYS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE_SUFFIXES = (".html", ".txt", ".md")


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def records(db: str, *args: str) -> list[dict[str, Any]]:
    result = run(db, "search", "--format", "jsonl", *args)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def ingest(db: str, *pages: Path) -> None:
    result = run(db, "ingest", "--quiet", *map(str, pages))
    assert result.exit_code == 0, result.stderr


def test_the_added_columns_come_after_the_first_release_columns_in_order() -> None:
    added = RECORD_KEYS[-len(RECORD_ADDED_KEYS) - len(RECORD_MARK_KEYS) : -len(RECORD_MARK_KEYS)]
    assert added == (
        "date_source",
        "status",
        "media",
        "quoted_url",
        "first_quoted_at",
        "article_titles",
    )
    assert RECORD_KEYS[-len(RECORD_MARK_KEYS) :] == ("tags", "note")
    first_release = RECORD_KEYS[: -len(RECORD_ADDED_KEYS) - len(RECORD_MARK_KEYS)]
    assert first_release[-2:] == ("article_count", "article_urls")


def test_every_snowflake_post_of_the_fixtures_has_a_date(db_url: str) -> None:
    pages = sorted(path for path in FIXTURES.iterdir() if path.suffix in PAGE_SUFFIXES)
    ingest(db_url, *pages)
    found = records(db_url)
    snowflakes = [
        r for r in found if r["platform"] == "twitter" and int(r["post_id"] or 0) > LAST_PRE_SNOWFLAKE_ID
    ]
    assert snowflakes and all(r["date"] for r in snowflakes)
    by_id = [r for r in snowflakes if r["date_source"] == "id"]
    assert by_id and all(r["date"] == r["posted_at"][:10] for r in by_id)
    assert all(r["date_source"] == "shown" for r in snowflakes if r["date_text"] and r not in by_id)
    # Dated by their id, they are found by day and counted by month.
    day = by_id[0]["date"]
    assert by_id[0]["post_id"] in {r["post_id"] for r in records(db_url, "--since", day, "--until", day)}
    stats = run(db_url, "stats", "--width", "80")
    undated = sum(1 for r in found if not r["date"])  # no clock, no shown day: Facebook, text copies
    assert stats.exit_code == 0 and f"({undated} posts without a date)" in stats.stdout


@needs_realworld
def test_every_snowflake_post_of_the_real_world_pages_has_a_date(db_url: str) -> None:
    ingest(db_url, *REALWORLD_PAGES.glob("*.html"))
    found = records(db_url)
    snowflakes = [
        r for r in found if r["platform"] == "twitter" and int(r["post_id"] or 0) > LAST_PRE_SNOWFLAKE_ID
    ]
    assert len(snowflakes) > 50 and all(r["date"] for r in snowflakes)


def test_search_finds_tombstones_and_differing_copies(db_url: str) -> None:
    ingest(
        db_url,
        FIXTURES / "tomb-mashable-style-placeholder.html",
        FIXTURES / "tomb-negative-interstitial.html",
        FIXTURES / "records-tombstone-clip.md",
        FIXTURES / "tomb-x-status-saved-deleted.html",
        FIXTURES / "records-where-quoted.html",
    )
    deleted = {r["post_id"]: r for r in records(db_url, "--status", "deleted")}
    # Dock Ward's post: deleted in two pages, alive in a third, which the archive keeps.
    assert set(deleted) == {"1650123456789012345", "1589012345678901234", "1716239014625456128"}
    assert (
        deleted["1589012345678901234"]["text"]
        == "If they cancel the night ferry we will block the slipway ourselves."
    )
    assert deleted["1589012345678901234"]["status"] == "deleted"
    assert records(db_url, "--status", "withheld") == []
    differing = {r["post_id"] for r in records(db_url, "--differing")}
    # The AMP copy and the embed agree; the clip's copy of Harbour Watch's post has other words.
    assert "1716239014625456128" in differing
    shown = run(db_url, "show", "1589012345678901234")
    assert shown.exit_code == 0, shown.stderr
    assert "showed the post as deleted" in shown.stdout
    assert "the archive holds the surviving copy" in shown.stdout
    assert "Coastline Daily" in shown.stdout  # the site of the page that showed the tombstone


def test_show_prints_each_article_with_its_date_site_context_and_the_quoted_post(db_url: str) -> None:
    ingest(db_url, FIXTURES / "records-where-quoted.html", FIXTURES / "tomb-amp-fallback.html")
    result = run(db_url, "show", "1716239014625456128")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "2023-10-24T07:30:00+00:00 · Harbour Gazette · by Mira Castell" in text
    assert "before: A draft of next year's ferry timetable was posted online" in text
    assert "Quotes: https://twitter.com/quaymaster/status/1602233445566778899" in text
    assert "Media:" in text and "https://pic.twitter.com/Dr4ftPic01" in text
    assert "Quoted 3 times in 2 articles:" in text  # the page's AMP copy is another appearance
    (detail,) = [
        json.loads(line)
        for line in run(db_url, "show", "1716239014625456128", "--format", "json").stdout.splitlines()
    ]
    assert detail["articles"][0]["site_name"] == "Harbour Gazette"
    assert {article["context_after"] for article in detail["articles"]} >= {"The vote is on Tuesday."}


def test_export_carries_the_added_columns(db_url: str) -> None:
    ingest(db_url, FIXTURES / "records-where-quoted.html", FIXTURES / "tomb-amp-fallback.html")
    result = run(db_url, "export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = {row["post_id"]: row for row in csv.DictReader(io.StringIO(result.stdout, newline=""))}
    row = rows["1716239014625456128"]
    assert row["date_source"] == "shown" and row["status"] == ""
    assert row["media"] == "https://pic.twitter.com/Dr4ftPic01"
    assert row["quoted_url"] == "https://twitter.com/quaymaster/status/1602233445566778899"
    assert row["first_quoted_at"] == "2023-10-24T07:30:00+00:00"
    assert (
        row["article_titles"]
        == "Ferry timetable leaks before the vote | Night ferry to stop running | Coastline Daily"
    )
    card = rows["1734455667788990011"]
    assert (card["media"], card["date_source"]) == ("https://pbs.twimg.com/media/Fdraft01.jpg", "id")
    exported = json.loads(run(db_url, "export", "--format", "json").stdout)
    by_id = {record["post_id"]: record for record in exported}
    assert by_id["1716239014625456128"]["article_titles"] == [
        "Ferry timetable leaks before the vote",
        "Night ferry to stop running | Coastline Daily",
    ]
