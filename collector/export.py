"""Write archive records as CSV, JSON or JSON Lines, streaming: one record in memory at a time.

Records are plain dicts (the archive's export record: see db.queries.RECORD_KEYS); this module
knows nothing about the database. Lists become JSON arrays, or space-separated cells in CSV.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, TextIO

FORMATS = ("csv", "json", "jsonl")
FORMAT_BY_SUFFIX = {"csv": "csv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}

# OWASP "CSV injection": a spreadsheet runs a cell starting with these as a formula (tab and CR
# are stripped by some importers, uncovering the next character).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
# Excel turns a cell of digits into a number: 19-digit post ids lose their last digits and show
# as 1.47953E+18, leading zeros vanish. A ="..." cell is shown and kept as that exact text.
_DIGITS = re.compile(r"[0-9]+")
# Excel only detects UTF-8 in a CSV file that starts with a byte order mark.
UTF8_BOM = "\ufeff"
# RFC 4180 ends records with CRLF; newlines inside a quoted cell are kept as they are.
CSV_LINE_END = "\r\n"
_JSON_SEPARATORS = (", ", ": ")
# JSON allows these raw inside strings, but str.splitlines() and many JSON Lines readers break a
# line at them; escaping keeps one record per physical line and reads back to the same text.
_LINE_BREAKS_ESCAPED = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
# Column value types that need no per-cell conversion (exact types: subclasses take the slow path).
_TEXT: frozenset[type] = frozenset({str, type(None)})
_NUMBERS: frozenset[type] = frozenset({int, type(None)})
_LISTS: frozenset[type] = frozenset({list, tuple})


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How CSV cells are written.

    `formula_escape`: prefix formula-looking text with `'` (default on).
    `excel`: start with a UTF-8 BOM and write digit-only cells (ids) as ="..." text formulas.
    """

    formula_escape: bool = True
    excel: bool = False


def escape_formula(value: str) -> str:
    """`value` with a leading `'` when a spreadsheet would read it as a formula."""
    return FORMULA_GUARD + value if value.startswith(FORMULA_PREFIXES) else value


def csv_cell(value: Any, options: CsvOptions = CsvOptions()) -> str:
    """One CSV cell: lists space-separated, None empty, text escaped as `options` say."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    if options.excel and _DIGITS.fullmatch(text):
        # Our own formula around a plain digit string: nothing a hostile page could inject.
        return f'="{text}"'
    return escape_formula(text) if options.formula_escape else text


def write_csv(
    records: Iterable[Mapping[str, Any]],
    out: TextIO,
    fields: Sequence[str],
    options: CsvOptions = CsvOptions(),
) -> int:
    """Write a header and one row per record (RFC 4180, CRLF); return the number of rows.

    `out` must be opened with newline="" so that newlines inside cells are written unchanged.
    """
    # A batch per record: each is written before the next is asked for.
    batches = ([(value,) for value in map(record.get, fields)] for record in records)
    return write_csv_columns(batches, out, fields, options)


def write_csv_columns(
    batches: Iterable[Sequence[Sequence[Any]]],
    out: TextIO,
    fields: Sequence[str],
    options: CsvOptions = CsvOptions(),
) -> int:
    """Like `write_csv`, for batches of columns: one sequence of values per field, in `fields` order.

    Cells are converted a column at a time: a column of plain text with no formula-looking cell
    (the usual case) goes to csv.writer unchanged, so the per-row loop runs in C.
    """
    if options.excel:
        out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow(fields)
    count = 0
    with _cycle_collector_paused():
        for columns in batches:
            cells = [_column_cells(column, options) for column in columns]
            writer.writerows(zip(*cells, strict=True))
            count += len(cells[0]) if cells else 0
    return count


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch loop runs (reference counting still frees all).

    A batch loop allocates millions of short-lived containers that form no cycles, yet each one
    counts towards the next collection: measured 5-10 % of a 1M-post export.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _column_cells(column: Sequence[Any], options: CsvOptions) -> Sequence[Any]:
    """One column as cells; the column itself when csv.writer already writes every value right."""
    if options.excel:
        return [csv_cell(value, options) for value in column]
    kinds: frozenset[type] = frozenset(map(type, column))
    if kinds and kinds <= _LISTS:
        try:
            column = list(map(" ".join, column))
        except TypeError:  # items other than text
            return [csv_cell(value, options) for value in column]
        kinds = _TEXT
    if kinds <= _TEXT:
        # csv.writer writes None as an empty cell, as csv_cell does.
        if options.formula_escape and any(
            map(str.startswith, filter(None, column), repeat(FORMULA_PREFIXES))
        ):
            return [escape_formula(value) if value else value for value in column]
        return column
    if kinds <= _NUMBERS:  # csv.writer writes str(value), as csv_cell does
        return column
    return [csv_cell(value, options) for value in column]


def _dumps(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False, separators=_JSON_SEPARATORS, default=str)
    return text.translate(_LINE_BREAKS_ESCAPED)


def write_json(records: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """Write one JSON array, a record per line, without holding the array; return the count."""
    count = 0
    for record in records:
        out.write("[\n" if count == 0 else ",\n")
        out.write(_dumps(record))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def write_jsonl(records: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line (JSON Lines); return the number of records."""
    count = 0
    for record in records:
        out.write(_dumps(record))
        out.write("\n")
        count += 1
    return count


def format_for(path: str | None) -> str:
    """The format a file name asks for (`.json`, `.jsonl`/`.ndjson`, `.csv`); CSV otherwise."""
    suffix = path.rsplit(".", 1)[-1].lower() if path and "." in path else ""
    return FORMAT_BY_SUFFIX.get(suffix, "csv")


def write_records(
    records: Iterable[Mapping[str, Any]],
    out: TextIO,
    fmt: str,
    fields: Sequence[str],
    options: CsvOptions = CsvOptions(),
) -> int:
    """Write `records` in `fmt` (one of FORMATS); return the number written."""
    if fmt == "csv":
        return write_csv(records, out, fields, options)
    if fmt == "json":
        return write_json(records, out)
    if fmt == "jsonl":
        return write_jsonl(records, out)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def write_columns(
    batches: Iterable[Sequence[Sequence[Any]]],
    out: TextIO,
    fmt: str,
    fields: Sequence[str],
    options: CsvOptions = CsvOptions(),
) -> int:
    """Like `write_records`, for batches of columns (one sequence of values per field)."""
    if fmt == "csv":
        return write_csv_columns(batches, out, fields, options)
    rows = (row for columns in batches for row in zip(*columns, strict=True))
    with _cycle_collector_paused():
        return write_records((dict(zip(fields, row, strict=True)) for row in rows), out, fmt, fields, options)
