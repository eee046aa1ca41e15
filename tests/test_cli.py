"""The `quotes` CLI through Click's CliRunner, on SQLite and (when configured) PostgreSQL.

These are the issue's done-when checks: ingest the seed, export it with every field right,
search by author, date and words, CSV that reads back to the same records, re-ingest adds nothing.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.output.export import UTF8_BOM
from collector.output.terminal import cell_width
from collector.values import RECORD_KEYS
from db.engine import make_engine, upgrade_database

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = SEEDS / "000_1cd65cf2135fe1ee.txt"
FIXTURES = ROOT / "fixtures"
SEED_HTML = FIXTURES / "seed-article.html"


def run(db: str, *args: str, input: str | bytes | None = None, **env: str) -> Result:
    """`quotes --db DB ARGS…` with stdout and stderr kept apart."""
    return CliRunner().invoke(cli, ["--db", db, *args], input=input, env=env or None, catch_exceptions=False)


def jsonl(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def seed_lines(first: str, last: str) -> str:
    """The seed's lines from the one starting with `first` to the one ending with `last`."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i >= start and line.rstrip().endswith(last))
    return "\n".join(lines[start : end + 1])


@pytest.fixture
def seeded(db_url: str) -> str:
    """A database holding the seed article, ingested through the CLI."""
    result = run(db_url, "ingest", str(SEEDS))
    assert result.exit_code == 0, result.stderr
    return db_url


def by_handle(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["handle"]: record for record in records}


# --- ingest and export: the seed -----------------------------------------------------------------


def test_ingest_reports_a_one_line_summary_on_stderr(db_url: str) -> None:
    result = run(db_url, "ingest", str(SEEDS))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "pages read: 1, posts found: 3, new: 3, already known: 0, failed: 0, skipped: 0"
    ]


def test_export_jsonl_gives_exactly_the_three_seed_posts(seeded: str) -> None:
    records = jsonl(run(seeded, "export", "--format", "jsonl"))
    assert len(records) == 3
    assert all(tuple(record) == RECORD_KEYS for record in records)
    posts = by_handle(records)
    assert set(posts) == {"McFaul", "DavisColby", "PoliticusSarah"}
    expected = {
        "McFaul": (
            "Michael McFaul",
            "2022-01-07",
            "January 7, 2022",
            seed_lines("There will be", "Ryabkov."),
            [],
        ),
        "DavisColby": (
            "D.C. ☮️",
            "2022-01-07",
            "January 7, 2022",
            seed_lines('"As senior U.S.', "https://t.co/5OfwnpPSTH"),
            ["https://t.co/5OfwnpPSTH"],
        ),
        "PoliticusSarah": (
            "Sarah Reese Jones",
            "2022-01-08",
            "January 8, 2022",
            seed_lines("“if Russia", "https://t.co/QZMc5je0Dj"),
            ["https://t.co/QZMc5je0Dj"],
        ),
    }
    for handle, (name, day, shown, text, links) in expected.items():
        post = posts[handle]
        assert (post["author_name"], post["date"], post["date_text"]) == (name, day, shown)
        assert post["text"] == text
        assert post["links"] == links
        assert post["platform"] == "twitter"
        # A plain-text copy has lost the status URL, the id and so the exact time.
        assert (post["post_id"], post["url"], post["posted_at"]) == (None, None, None)
        assert post["article_count"] == 1
        (address,) = post["article_urls"]
        assert Path(address).resolve() == SEED.resolve()


def test_export_orders_posts_by_date(seeded: str) -> None:
    dates = [record["date"] for record in jsonl(run(seeded, "export", "--format", "jsonl"))]
    assert dates == sorted(dates)


def test_second_ingest_adds_nothing(seeded: str) -> None:
    before = run(seeded, "export", "--format", "json").stdout
    again = run(seeded, "ingest", str(SEEDS))
    assert again.exit_code == 0
    assert "new: 0, already known: 3" in again.stderr
    assert run(seeded, "export", "--format", "json").stdout == before


def test_export_json_is_one_array_of_the_same_records(seeded: str) -> None:
    as_json = json.loads(run(seeded, "export", "--format", "json").stdout)
    assert as_json == jsonl(run(seeded, "export", "--format", "jsonl"))


def csv_form(record: dict[str, Any]) -> dict[str, str]:
    """A record as its CSV row reads back: lists space-separated, None empty, numbers as text."""
    return {
        key: " ".join(value) if isinstance(value, list) else "" if value is None else str(value)
        for key, value in record.items()
    }


def test_export_csv_reads_back_with_the_csv_module_to_the_same_records(seeded: str) -> None:
    result = run(seeded, "export", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    records = jsonl(run(seeded, "export", "--format", "jsonl"))
    assert rows == [csv_form(record) for record in records]
    assert "\n" in by_handle(rows)["DavisColby"]["text"]  # the newline survived inside its cell


def test_export_to_a_file_leaves_stdout_empty(seeded: str, tmp_path: Path) -> None:
    target = tmp_path / "posts.jsonl"
    result = run(seeded, "export", "--format", "jsonl", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == f"3 posts written to {target}"
    assert [json.loads(line)["handle"] for line in target.read_text(encoding="utf-8").splitlines()]


def test_export_format_follows_the_output_file_name(seeded: str, tmp_path: Path) -> None:
    target = tmp_path / "posts.json"
    assert run(seeded, "export", "-o", str(target)).exit_code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3


def test_export_excel_has_bom_crlf_and_ids_as_text(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "ingest", str(SEED_HTML)).exit_code == 0
    target = tmp_path / "posts.csv"
    assert run(db_url, "export", "--excel", "-o", str(target)).exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(UTF8_BOM.encode())
    assert raw.count(b"\r\n") >= 4
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    ids = [row["post_id"] for row in rows]
    assert ids and all(value.startswith('="') and value.endswith('"') for value in ids if value)


def test_export_excel_refuses_a_non_csv_format(seeded: str) -> None:
    result = run(seeded, "export", "--excel", "--format", "json")
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: --excel writes CSV; it cannot be combined with --format json"
    )


def test_formula_escape_is_on_by_default_and_can_be_turned_off(db_url: str, tmp_path: Path) -> None:
    page = tmp_path / "hostile.txt"
    page.write_text('=HYPERLINK("http://evil")\n— Evil Person (@evil) March 3, 2023\n', encoding="utf-8")
    assert run(db_url, "ingest", str(page)).exit_code == 0
    escaped = next(csv.DictReader(io.StringIO(run(db_url, "export").stdout, newline="")))
    plain = next(csv.DictReader(io.StringIO(run(db_url, "export", "--no-formula-escape").stdout, newline="")))
    assert plain["text"] == '=HYPERLINK("http://evil")'
    assert escaped["text"] == "'" + plain["text"]


# --- search ----------------------------------------------------------------------------------------


def handles(result: Result) -> list[str]:
    return [record["handle"] for record in jsonl(result)]


@pytest.mark.parametrize("author", ["mcfaul", "@McFaul", "MCFAUL", "Michael"])
def test_search_author_matches_handle_or_part_of_the_name(seeded: str, author: str) -> None:
    assert handles(run(seeded, "search", "--author", author, "--format", "jsonl")) == ["McFaul"]


def test_search_since_is_inclusive(seeded: str) -> None:
    assert handles(run(seeded, "search", "--since", "2022-01-08", "--format", "jsonl")) == ["PoliticusSarah"]


def test_search_until_is_inclusive(seeded: str) -> None:
    found = handles(run(seeded, "search", "--until", "2022-01-07", "--format", "jsonl"))
    assert sorted(found) == ["DavisColby", "McFaul"]


def test_search_geneva_finds_the_post_that_says_geneva(seeded: str) -> None:
    """Geneva is in the article around the tweets, and in exactly one tweet: D.C.'s quote."""
    assert handles(run(seeded, "search", "Geneva", "--format", "jsonl")) == ["DavisColby"]


def test_search_words_must_all_match(seeded: str) -> None:
    assert handles(run(seeded, "search", "Geneva", "Russian", "--format", "jsonl")) == ["DavisColby"]
    assert handles(run(seeded, "search", "Geneva", "sanctions", "--format", "jsonl")) == []


def test_search_platform_and_limit(seeded: str) -> None:
    assert (
        len(handles(run(seeded, "search", "--platform", "twitter", "--limit", "2", "--format", "jsonl"))) == 2
    )
    assert handles(run(seeded, "search", "--platform", "bluesky", "--format", "jsonl")) == []


def test_search_article_matches_path_or_title(seeded: str) -> None:
    assert len(handles(run(seeded, "search", "--article", SEED.name, "--format", "jsonl"))) == 3
    assert len(handles(run(seeded, "search", "--article", "Missile Deployments", "--format", "jsonl"))) == 3
    assert handles(run(seeded, "search", "--article", "no-such-article", "--format", "jsonl")) == []


@pytest.mark.parametrize("width", ["50", "80", "132"])
def test_search_table_fits_the_terminal_width(seeded: str, width: str) -> None:
    result = run(seeded, "search", COLUMNS=width)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    narrow = width == "50"  # the platform and date columns go, the id stays whole
    assert lines[0].split() == (
        ["ID", "HANDLE", "TEXT"] if narrow else ["ID", "DATE", "HANDLE", "PLATFORM", "TEXT"]
    )
    assert len(lines) == 4
    assert all(cell_width(line) <= int(width) for line in lines)
    (sarah,) = [line for line in lines if "Polit" in line]  # cut to the handle column's width
    row_id, rest = sarah.split(maxsplit=1)
    assert rest.startswith("Polit" if narrow else "2022-01-08  Polit")
    assert "@PoliticusSarah" in run(seeded, "show", row_id).stdout.splitlines()[0]


def test_search_with_no_match_says_so_on_stderr(seeded: str) -> None:
    result = run(seeded, "search", "zeppelin")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "No posts match."


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_search_machine_formats_match_export(seeded: str, fmt: str) -> None:
    searched = run(seeded, "search", "--author", "mcfaul", "--format", fmt)
    exported = run(seeded, "export", "--author", "mcfaul", "--format", fmt)
    assert searched.exit_code == exported.exit_code == 0
    assert searched.stdout == exported.stdout


# --- show, authors, articles, stats --------------------------------------------------------------


def test_show_by_id_and_by_url_prints_the_post_and_its_articles(db_url: str) -> None:
    assert run(db_url, "ingest", str(SEED_HTML)).exit_code == 0
    record = next(r for r in jsonl(run(db_url, "export", "--format", "jsonl")) if r["handle"] == "McFaul")
    for ref in (record["post_id"], record["url"]):
        result = run(db_url, "show", ref)
        assert result.exit_code == 0
        assert result.stdout.splitlines()[0] == f"twitter {record['post_id']}  @McFaul (Michael McFaul)"
        assert "Quoted in 1 article:" in result.stdout
        assert SEED_HTML.name in result.stdout


def test_show_json_has_the_record_and_the_quoting_articles(seeded: str) -> None:
    (shown,) = jsonl(run(seeded, "show", "1", "--format", "json"))
    assert tuple(shown)[: len(RECORD_KEYS)] == RECORD_KEYS
    assert len(shown["articles"]) == 1
    assert shown["articles"][0]["title"].startswith("Official Says U.S.")


def test_show_an_unknown_post_is_an_error(seeded: str) -> None:
    result = run(seeded, "show", "999999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: no post '999999' in the archive; find one with `quotes search`"


def test_authors_lists_handles_names_counts_and_dates(seeded: str) -> None:
    rows = jsonl(run(seeded, "authors", "--format", "jsonl"))
    mcfaul = next(row for row in rows if row["handle"] == "McFaul")
    assert mcfaul == {
        "platform": "twitter",
        "handle": "McFaul",
        "author_name": "Michael McFaul",
        "post_count": 1,
        "first_date": "2022-01-07",
        "last_date": "2022-01-07",
    }
    table = run(seeded, "authors", COLUMNS="80").stdout.splitlines()
    assert table[0].split()[:2] == ["PLATFORM", "HANDLE"]
    assert len(table) == 4


def test_articles_lists_title_path_and_post_count(seeded: str) -> None:
    (article,) = jsonl(run(seeded, "articles", "--format", "jsonl"))
    assert article["title"].startswith("Official Says U.S. Is ‘Open’")
    assert Path(article["url"]).name == SEED.name
    assert article["post_count"] == 3
    assert jsonl(run(seeded, "articles", "--article", "nothing-like-this", "--format", "jsonl")) == []


def test_stats_shows_totals_authors_and_a_month_chart(seeded: str) -> None:
    result = run(seeded, "stats", "--width", "60")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "3 posts from 1 article"
    assert next(line for line in lines if line.startswith("twitter")).split()[1] == "3"
    assert lines[-1].startswith("2022-01  3  █")
    assert all(cell_width(line) <= 60 for line in lines)


# --- errors and exit codes -----------------------------------------------------------------------


def test_a_bad_input_is_reported_and_the_rest_ingested(db_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    result = run(db_url, "ingest", str(missing), str(SEEDS))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(str(missing))
    assert lines[1].startswith("pages read: 1, posts found: 3, new: 3,")
    assert "failed: 1" in lines[1]
    assert len(jsonl(run(db_url, "export", "--format", "jsonl"))) == 3


@pytest.fixture
def site() -> Iterator[str]:
    """A web server on 127.0.0.1 serving fixtures/ (the only network these tests use)."""
    handler = functools.partial(QuietHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def archived(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in folder.rglob("*") if path.is_file()]


def test_ingest_fetches_a_url_and_keeps_a_copy(db_url: str, site: str, tmp_path: Path) -> None:
    url = f"{site}/{SEED_HTML.name}"
    archive = tmp_path / "copies"
    result = run(db_url, "ingest", "--allow-private", "--archive-dir", str(archive), url)
    assert result.exit_code == 0, result.stderr
    records = jsonl(run(db_url, "export", "--format", "jsonl"))
    assert len(records) == 3
    assert all(record["article_urls"] == [url] for record in records)
    assert SEED_HTML.read_bytes() in archived(archive)


def test_fetched_pages_are_kept_beside_a_sqlite_database_by_default(site: str, tmp_path: Path) -> None:
    result = run(str(tmp_path / "quotes.db"), "ingest", "--allow-private", f"{site}/{SEED_HTML.name}")
    assert result.exit_code == 0, result.stderr
    assert SEED_HTML.read_bytes() in archived(tmp_path / "quotes-archive")


def test_ingest_refuses_a_private_address_unless_allowed(db_url: str, site: str) -> None:
    url = f"{site}/{SEED_HTML.name}"
    result = run(db_url, "ingest", url, str(SEEDS))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{url}: ")
    assert "--allow-private" in lines[0]
    assert "new: 3" in lines[-1]


def test_ingest_from_a_list_of_paths_and_urls(db_url: str, site: str, tmp_path: Path) -> None:
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"# saved pages\n{SEED}\n{site}/{SEED_HTML.name}\n", encoding="utf-8")
    # Always an archive folder of the test's own: on PostgreSQL the default is the working folder.
    result = run(
        db_url, "ingest", "--allow-private", "--archive-dir", str(tmp_path), "--from-file", str(listing)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("pages read: 2, posts found: 6,")


def test_ingest_reads_a_page_from_stdin(db_url: str) -> None:
    result = run(db_url, "ingest", "-", input=SEED_HTML.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert "posts found: 3" in result.stderr
    assert len(jsonl(run(db_url, "export", "--format", "jsonl"))) == 3


def test_quiet_ingest_prints_nothing(db_url: str) -> None:
    result = run(db_url, "ingest", "--quiet", str(SEEDS))
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("", "")


def test_ingest_without_inputs_is_a_usage_error(db_url: str) -> None:
    result = run(db_url, "ingest")
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1] == "Error: give at least one PATH, '-' for stdin, or --from-file LIST"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--since", "2022-13-01"], "Error: Invalid value for '--since'"),
        (["search", "--platform", "myspace"], "Error: Invalid value for '--platform'"),
        (["search", "--limit", "0"], "Error: Invalid value for '--limit'"),
        (["export", "--format", "xml"], "Error: Invalid value for '--format'"),
        (["frobnicate"], "Error: No such command 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_with_an_error_line(seeded: str, args: list[str], message: str) -> None:
    result = run(seeded, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith(message)


def test_reading_a_missing_archive_is_an_error_not_an_empty_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    result = run(str(missing), "search", "x")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: no archive at {missing}; run `quotes ingest PATH` first, or pass --db / set QUOTES_DB"
    )
    assert not missing.exists()


def test_the_database_comes_from_the_environment_when_no_db_option(seeded: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl"], env={"QUOTES_DB": seeded})
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3


def test_an_old_schema_is_refused_until_db_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade_database(engine, "0001")
    engine.dispose()
    refused = run(db_url, "search", "x")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: database ")
    assert refused.stderr.strip().endswith("run `quotes db upgrade`")
    assert run(db_url, "db", "status").stdout.splitlines()[0] == "current: 0001"
    upgraded = run(db_url, "db", "upgrade")
    assert upgraded.exit_code == 0
    assert "upgraded from 0001 to schema revision" in upgraded.stderr
    assert run(db_url, "ingest", str(SEEDS)).exit_code == 0
    assert "already at schema revision" in run(db_url, "db", "upgrade").stderr


def test_an_unknown_database_scheme_is_a_usage_error(tmp_path: Path) -> None:
    result = run("foo://somewhere", "search", "x")
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: Invalid value for '--db': Can't load plugin: sqlalchemy.dialects:foo"
    )


def test_an_unreachable_server_is_one_error_line() -> None:
    result = run("postgresql://nobody@127.0.0.1:1/quotes", "search", "x")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "Error: database postgresql+psycopg://nobody@127.0.0.1:1/quotes: connection failed"
    )


def test_a_database_in_a_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "quotes.db"
    result = run(str(target), "ingest", str(SEEDS))
    assert result.exit_code == 1
    assert result.stderr == f"Error: database {target}: unable to open database file\n"


def test_an_unwritable_output_file_is_one_error_line(seeded: str, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "posts.csv"
    result = run(seeded, "export", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"Error: Could not open file '{target}': No such file or directory\n"
