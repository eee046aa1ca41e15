"""Excel workbooks (`export -o FILE.xlsx`): read back with openpyxl, they hold what CSV holds, as text."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.output import xlsx
from collector.values import RECORD_KEYS

ID_LONG = "1000000000000000001"  # 19 digits: a float would make it 1000000000000000000


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def tweet(post_id: str, handle: str, words: str) -> str:
    return (
        f'<blockquote class="twitter-tweet"><p lang="en">{html.escape(words)}</p>&mdash; {handle} '
        f'(@{handle}) <a href="https://twitter.com/{handle}/status/{post_id}">January 7, 2022</a>'
        "</blockquote>"
    )


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    body = "".join(
        [
            tweet("1479527384433696769", "mcfaul", '=HYPERLINK("http://evil") +1 -2 @x'),
            tweet(ID_LONG, "zeros", "00123"),
            tweet("1479800000000000000", "plain", "Talks in Geneva, “quoted” — ok\nsecond line"),
        ]
    )
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(f"<html><head><title>T</title></head><body>{body}</body></html>", encoding="utf-8")
    assert run(db_url, "ingest", "--jobs", "1", str(page)).exit_code == 0
    assert run(db_url, "tag", ID_LONG, "=tag").exit_code == 0
    return db_url


def workbook_rows(path: Path) -> tuple[Any, list[list[Any]]]:
    sheet = openpyxl.load_workbook(path)["posts"]
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_workbook_holds_the_csv_rows_as_text(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "posts.xlsx"
    result = run(archive, "export", "-o", str(target))
    assert result.exit_code == 0 and result.stderr == f"3 posts written to {target}\n"
    sheet, rows = workbook_rows(target)
    plain = run(archive, "export", "--format", "csv", "--no-formula-escape").stdout
    expected = list(csv.reader(io.StringIO(plain, newline="")))
    assert rows[0] == list(RECORD_KEYS) == expected[0]
    assert [[("" if value is None else str(value)) for value in row] for row in rows[1:]] == expected[1:]
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    # Ids are text with every digit; formula-looking text and leading zeros stay text, unprefixed.
    assert cells[ID_LONG][1].data_type == "s" and cells[ID_LONG][1].value == ID_LONG
    text_at = RECORD_KEYS.index("text")
    assert cells[ID_LONG][text_at].value == "00123" and cells[ID_LONG][text_at].data_type == "s"
    formula = cells["1479527384433696769"][text_at]
    assert formula.value.startswith("=HYPERLINK") and formula.data_type == "s"
    assert cells[ID_LONG][RECORD_KEYS.index("tags")].value == "=tag"
    assert all(
        c.data_type in ("s", "n") for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None
    )
    assert cells[ID_LONG][RECORD_KEYS.index("article_count")].value == 1


def test_the_header_is_frozen_filtered_links_clickable_and_columns_sized(
    archive: str, tmp_path: Path
) -> None:
    target = tmp_path / "posts.xlsx"
    assert run(archive, "export", "--format", "xlsx", "-o", str(target)).exit_code == 0
    sheet, _ = workbook_rows(target)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(RECORD_KEYS))}4"
    url = sheet.cell(row=2, column=RECORD_KEYS.index("url") + 1)
    assert url.hyperlink is not None and url.hyperlink.target == url.value
    assert url.value.startswith("https://twitter.com/")
    text_width = sheet.column_dimensions[
        openpyxl.utils.get_column_letter(RECORD_KEYS.index("text") + 1)
    ].width
    platform_width = sheet.column_dimensions["A"].width
    assert text_width > platform_width >= xlsx.MIN_WIDTH


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-o", "posts.xls"],
            "posts.xls has '.xls'; name it .csv, .json, .jsonl, .ndjson, .xlsx, or give --format",
        ),
        (
            ["-o", "posts"],
            "posts has no suffix; name it .csv, .json, .jsonl, .ndjson, .xlsx, or give --format",
        ),
        (["--format", "xlsx"], "--format xlsx writes a file: give -o FILE.xlsx"),
        (["--format", "xlsx", "-o", "-"], "--format xlsx writes a file: give -o FILE.xlsx"),
    ],
)
def test_a_file_name_naming_no_format_is_a_usage_error(
    archive: str, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(archive, "export", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]  # nothing written, CSV least of all


def test_a_failed_workbook_leaves_the_old_file_and_no_temporary(
    archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "posts.xlsx"
    target.write_bytes(b"yesterday's workbook")

    def failing(batches: Any, out: Any, fields: Any) -> xlsx.XlsxReport:
        out.write(b"PK half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx, "write_xlsx_columns", failing)
    result = run(archive, "export", "-o", str(target))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: cannot write {target}: No space left on device; {target} is left as it was\n"
    )
    assert target.read_bytes() == b"yesterday's workbook"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in", "posts.xlsx"]


def test_excel_limits_cut_long_cells_and_keep_long_links_as_text(tmp_path: Path) -> None:
    long_url = "https://example.com/" + "a" * 2_100
    record = {"url": long_url, "text": "x" * 40_000, "links": ["https://t.co/a", "https://t.co/b"]}
    target = tmp_path / "limits.xlsx"
    with target.open("wb") as out:
        report = xlsx.write_xlsx([record], out, ["url", "text", "links"])
    assert (report.rows, report.cut_cells, report.unlinked) == (1, 1, 1)
    sheet = openpyxl.load_workbook(target)["posts"]
    assert sheet["A2"].value == long_url and sheet["A2"].hyperlink is None
    assert len(sheet["B2"].value) == xlsx.MAX_CELL_CHARS and sheet["B2"].value.endswith("…")
    # Two links in one cell: text (a cell holds one link).
    assert sheet["C2"].value == "https://t.co/a https://t.co/b" and sheet["C2"].hyperlink is None


def test_an_empty_export_is_a_workbook_with_its_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.xlsx"
    with target.open("wb") as out:
        assert xlsx.write_xlsx([], out, RECORD_KEYS).rows == 0
    assert [cell.value for cell in openpyxl.load_workbook(target)["posts"][1]] == list(RECORD_KEYS)


def test_rows_past_a_sheet_go_on_to_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # a header and two rows per sheet
    target = tmp_path / "split.xlsx"
    with target.open("wb") as out:
        report = xlsx.write_xlsx([{"n": str(n)} for n in range(5)], out, ["n"])
    book = openpyxl.load_workbook(target)
    assert (report.rows, report.sheets, book.sheetnames) == (5, 3, ["posts", "posts 2", "posts 3"])
    assert [[c.value for c in row] for row in book["posts 3"].iter_rows()] == [["n"], ["4"]]
