"""Write archive records as an Excel workbook (.xlsx) with XlsxWriter, streaming.

A spreadsheet must show what the archive holds: every text cell is written as a string (XlsxWriter's
`strings_to_numbers`, `strings_to_formulas` and `strings_to_urls` are off), so a 19-digit post id
keeps its digits, `=1+1` stays text, `00123` keeps its zeros, and no `'` prefix is needed; counts
are numbers. Addresses are clickable (`write_url`), the header row is frozen and filtered, and the
columns are sized from the first rows. `constant_memory` writes each row as it comes, so memory
stays flat however long the export (measured: docs/design-cli.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
SHEET_NAME = "posts"
# Excel's limits: rows per sheet (the header is one), characters per cell, characters per link.
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
CUT_MARK = "…"
# The columns whose values are addresses: a cell holding one becomes a link.
LINK_FIELDS = frozenset({"url", "links", "article_urls"})
LINK_SCHEMES = ("http://", "https://")
# Column widths in characters, from the header and the rows of the first batch.
MIN_WIDTH, MAX_WIDTH = 6, 60
# XlsxWriter's return codes for a link it refused (too long, or past the links a sheet may hold)
# and for a string past the cell limit.
_STRING_TOO_LONG = -2


@dataclass(slots=True)
class XlsxReport:
    """What the workbook could not hold as given: cells cut to Excel's limit, links left as text."""

    rows: int = 0
    cut_cells: int = 0
    unlinked: int = 0
    sheets: int = 0


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return " ".join(map(str, value)) or None
    return str(value)


class _Sheets:
    """The workbook's sheets, a new one (with the header again) each time one is full."""

    def __init__(self, book: Any, fields: Sequence[str], report: XlsxReport) -> None:
        self.book, self.fields, self.report = book, fields, report
        self.header = book.add_format({"bold": True})
        self.link = book.get_default_url_format()
        self.sheet: Any = None
        self.row = MAX_ROWS

    def start(self, widths: Sequence[int]) -> None:
        self.report.sheets += 1
        name = SHEET_NAME if self.report.sheets == 1 else f"{SHEET_NAME} {self.report.sheets}"
        self.sheet = self.book.add_worksheet(name)
        for column, width in enumerate(widths):
            self.sheet.set_column(column, column, width)
        self.sheet.freeze_panes(1, 0)
        for column, field in enumerate(self.fields):
            self.sheet.write_string(0, column, field, self.header)
        self.row = 1

    def finish(self) -> None:
        if self.sheet is not None and self.row > 1:
            self.sheet.autofilter(0, 0, self.row - 1, len(self.fields) - 1)

    def write(self, values: Sequence[Any], widths: Sequence[int]) -> None:
        if self.row >= MAX_ROWS:
            self.finish()
            self.start(widths)
        for column, (field, value) in enumerate(zip(self.fields, values, strict=True)):
            self._cell(self.row, column, field, value)
        self.row += 1
        self.report.rows += 1

    def _cell(self, row: int, column: int, field: str, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            if value is not None:
                self.sheet.write_boolean(row, column, value)
            return
        if isinstance(value, int | float):
            self.sheet.write_number(row, column, value)
            return
        text = _cell_text(value)
        if text is None:
            return
        single = value if isinstance(value, str) else (value[0] if len(value) == 1 else None)
        if field in LINK_FIELDS and isinstance(single, str) and single.startswith(LINK_SCHEMES):
            with warnings.catch_warnings():  # XlsxWriter warns on a refused link; it is counted
                warnings.simplefilter("ignore")
                if self.sheet.write_url(row, column, single, self.link, string=text[:MAX_CELL_CHARS]) == 0:
                    return
            self.report.unlinked += 1
        if len(text) > MAX_CELL_CHARS:
            text = text[: MAX_CELL_CHARS - len(CUT_MARK)] + CUT_MARK
            self.report.cut_cells += 1
        if self.sheet.write_string(row, column, text) == _STRING_TOO_LONG:  # pragma: no cover
            raise AssertionError("cell cut to Excel's limit was still refused")


def column_widths(fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """A width per column: its longest cell among `rows` (or its header), within MIN/MAX_WIDTH."""
    widths = []
    for index, field in enumerate(fields):
        longest = max([len(field)] + [len(_cell_text(row[index]) or "") for row in rows])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    return widths


def write_xlsx_columns(
    batches: Iterable[Sequence[Sequence[Any]]], out: IO[bytes], fields: Sequence[str]
) -> XlsxReport:
    """Write a workbook of the records in `batches` (one sequence of values per field) to `out`.

    A sheet that reaches Excel's row limit is continued on the next (`posts 2`, ...)."""
    report = XlsxReport()
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    sheets = _Sheets(book, fields, report)
    widths: list[int] | None = None
    for columns in batches:
        rows = list(zip(*columns, strict=True))
        if widths is None:
            widths = column_widths(fields, rows)
            sheets.start(widths)
        for values in rows:
            sheets.write(values, widths)
    if widths is None:
        sheets.start(column_widths(fields, []))
    sheets.finish()
    book.close()
    return report


def write_xlsx(records: Iterable[dict[str, Any]], out: IO[bytes], fields: Sequence[str]) -> XlsxReport:
    """`write_xlsx_columns` for records (dicts), one batch per record."""
    return write_xlsx_columns(([(record.get(field),) for field in fields] for record in records), out, fields)
