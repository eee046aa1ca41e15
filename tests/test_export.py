"""CSV, JSON and JSON Lines writers: what a spreadsheet or a program reads back is what was stored."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from collector.output.export import (
    CSV_LIST_SEPARATORS,
    CsvOptions,
    UnknownSuffix,
    csv_cell,
    escape_formula,
    format_for,
    write_columns,
    write_csv,
    write_json,
    write_jsonl,
    write_records,
)
from collector.values import RECORD_KEYS as FIELDS


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "platform": "twitter",
        "post_id": "1479527384433696769",
        "url": "https://twitter.com/McFaul/status/1479527384433696769",
        "handle": "McFaul",
        "author_name": "Michael McFaul",
        "date": "2022-01-07",
        "posted_at": "2022-01-07T18:16:44.123Z",
        "date_text": "January 7, 2022",
        "text": "There will be no substantive negotiations",
        "links": [],
        "lang": "en",
        "article_count": 1,
        "article_urls": ["seeds/000_1cd65cf2135fe1ee.txt"],
        "date_source": "shown",
        "status": None,
        "media": [],
        "quoted_url": None,
        "first_quoted_at": "2022-01-08T09:00:00+00:00",
        "article_titles": ["Talks in Geneva | what was said", "Second article"],
        "tags": ["talks"],
        "note": "=cited in the report",
    }
    return {**base, **changes}


HOSTILE = record(
    post_id="0000000000000000042",
    author_name="@evil ‮gnp.exe ☮️",
    text='=HYPERLINK("http://x")\r\n"quoted", comma, and a\nnewline 🎉',
    links=["https://t.co/a", "https://t.co/b"],
    posted_at=None,
    lang=None,
)


def csv_text(records: list[dict[str, Any]], options: CsvOptions | None = None) -> str:
    out = io.StringIO(newline="")
    write_csv(records, out, FIELDS, options or CsvOptions())
    return out.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_looking_text_gets_a_quote_prefix(start: str) -> None:
    assert escape_formula(start + "SUM(A1)") == "'" + start + "SUM(A1)"


@pytest.mark.parametrize("text", ["plain", "", "1+1", " =not at start", "'already"])
def test_harmless_text_is_left_alone(text: str) -> None:
    assert escape_formula(text) == text


def test_csv_has_the_record_keys_as_header_in_order() -> None:
    header = next(csv.reader(io.StringIO(csv_text([]), newline="")))
    assert header == list(FIELDS)


def test_csv_reads_back_to_the_same_values() -> None:
    original = record(links=["https://t.co/5OfwnpPSTH"], text='two\nlines, "quoted"')
    (row,) = read_csv(csv_text([original]))
    assert row["post_id"] == "1479527384433696769"
    assert row["text"] == 'two\nlines, "quoted"'
    assert row["links"] == "https://t.co/5OfwnpPSTH"
    assert row["article_urls"] == "seeds/000_1cd65cf2135fe1ee.txt"
    assert row["article_count"] == "1"
    assert row["posted_at"] == "2022-01-07T18:16:44.123Z"


def test_csv_records_end_with_crlf_and_keep_newlines_inside_cells() -> None:
    text = csv_text([record(text="line one\nline two")])
    assert text.endswith("\r\n")
    assert '"line one\nline two"' in text


def test_hostile_text_survives_csv_with_only_the_formula_prefix_added() -> None:
    (row,) = read_csv(csv_text([HOSTILE]))
    assert row["text"] == "'" + HOSTILE["text"]
    assert row["author_name"] == "'" + HOSTILE["author_name"]
    assert row["post_id"] == "0000000000000000042"
    assert row["links"] == "https://t.co/a https://t.co/b"
    assert row["posted_at"] == ""
    assert row["lang"] == ""


def test_no_formula_escape_keeps_text_exactly() -> None:
    (row,) = read_csv(csv_text([HOSTILE], CsvOptions(formula_escape=False)))
    assert row["text"] == HOSTILE["text"]
    assert row["author_name"] == HOSTILE["author_name"]


def test_excel_csv_starts_with_a_bom_and_keeps_ids_as_text() -> None:
    text = csv_text([record()], CsvOptions(excel=True))
    assert text.startswith("\ufeffplatform,post_id,")
    (row,) = read_csv(text[1:])
    assert row["post_id"] == '="1479527384433696769"'
    assert row["handle"] == "McFaul"
    assert text.count("\r\n") == 2


def test_excel_cells_of_digits_never_become_numbers() -> None:
    assert csv_cell("0042", CsvOptions(excel=True)) == '="0042"'
    assert csv_cell("12ab", CsvOptions(excel=True)) == "12ab"
    assert csv_cell(3, CsvOptions(excel=True)) == "3"


def test_json_is_one_array_that_reads_back_exactly() -> None:
    out = io.StringIO()
    assert write_json([record(), HOSTILE], out) == 2
    assert json.loads(out.getvalue()) == [record(), HOSTILE]


def test_json_of_nothing_is_an_empty_array() -> None:
    out = io.StringIO()
    write_json([], out)
    assert json.loads(out.getvalue()) == []


def test_json_keeps_unicode_unescaped_and_key_order() -> None:
    out = io.StringIO()
    write_json([HOSTILE], out)
    assert "☮️" in out.getvalue() and "🎉" in out.getvalue()
    assert list(json.loads(out.getvalue())[0]) == list(FIELDS)


def test_jsonl_is_one_object_per_line() -> None:
    out = io.StringIO()
    assert write_jsonl([record(), HOSTILE], out) == 2
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [record(), HOSTILE]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_writers_stream_without_reading_ahead(fmt: str) -> None:
    """Each record is written before the next is asked for: nothing is materialised."""
    out = io.StringIO(newline="")
    consumed: list[int] = []

    def records() -> Iterator[dict[str, Any]]:
        for number in range(3):
            consumed.append(number)
            # By the time record n is requested, record n-1 is already in the output.
            assert out.getvalue().count("marker-") == number
            yield record(text=f"marker-{number}")

    assert write_records(records(), out, fmt, FIELDS) == 3
    assert consumed == [0, 1, 2]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("a.json", "json"),
        ("a.JSONL", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.csv", "csv"),
        ("dir.d/a.XLSX", "xlsx"),
        (None, "csv"),
        ("-", "csv"),
        (os.devnull, "csv"),
    ],
)
def test_format_follows_the_file_extension(path: str | None, fmt: str) -> None:
    assert format_for(path) == fmt


@pytest.mark.parametrize(
    ("path", "shown"),
    [("a.xls", "'.xls'"), ("posts", "no suffix"), ("dir.d/posts", "no suffix"), (".csv", "no suffix")],
)
def test_a_file_name_naming_no_format_is_refused(path: str, shown: str) -> None:
    with pytest.raises(UnknownSuffix) as raised:
        format_for(path)
    assert (
        str(raised.value)
        == f"{path} has {shown}; name it .csv, .json, .jsonl, .ndjson, .xlsx, or give --format"
    )


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        write_records([], io.StringIO(), "xml", FIELDS)


def as_columns(records: list[dict[str, Any]], size: int) -> list[list[tuple[Any, ...]]]:
    """The records in batches of `size`, each batch as columns in FIELDS order."""
    batches = [records[start : start + size] for start in range(0, len(records), size)]
    return [[tuple(record[name] for record in batch) for name in FIELDS] for batch in batches]


MIXED = [
    record(),
    HOSTILE,
    record(links=("=tuple", "b"), article_urls=["-rf.txt"], article_count=2, lang="@x"),
    record(post_id="0042", handle=None, author_name="", text="+1", links=[]),
    record(date_text="January 7, 2022", url="https://x.example/?a=1,2"),
]


@pytest.mark.parametrize("options", [CsvOptions(), CsvOptions(formula_escape=False), CsvOptions(excel=True)])
@pytest.mark.parametrize("size", [1, 2, 5])
def test_columns_write_the_same_csv_as_records(options: CsvOptions, size: int) -> None:
    """The column-at-a-time path (plain columns passed through) writes exactly what csv_cell makes."""
    by_column = io.StringIO(newline="")
    assert write_columns(as_columns(MIXED, size), by_column, "csv", FIELDS, options) == len(MIXED)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerows(
        [
            FIELDS,
            *(
                [csv_cell(r[name], options, CSV_LIST_SEPARATORS.get(name, " ")) for name in FIELDS]
                for r in MIXED
            ),
        ]
    )
    assert by_column.getvalue() == ("\ufeff" if options.excel else "") + expected.getvalue()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_columns_write_the_same_json_as_records(fmt: str) -> None:
    by_column, by_record = io.StringIO(), io.StringIO()
    write_columns(as_columns(MIXED, 2), by_column, fmt, FIELDS)
    write_records(MIXED, by_record, fmt, FIELDS)
    assert by_column.getvalue() == by_record.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_columns_are_written_a_batch_at_a_time(fmt: str) -> None:
    """Each batch is written before the next is asked for, and the collector is back on after."""
    out = io.StringIO(newline="")
    batches = as_columns([record(text=f"marker-{number}") for number in range(6)], 2)

    def stream() -> Iterator[list[tuple[Any, ...]]]:
        for number, batch in enumerate(batches):
            assert out.getvalue().count("marker-") == 2 * number
            yield batch

    assert write_columns(stream(), out, fmt, FIELDS) == 6
    assert gc.isenabled()
