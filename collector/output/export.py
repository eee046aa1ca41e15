"""Write archive records as CSV, JSON or JSON Lines, streaming: one record in memory at a time.

Records are plain dicts (the archive's export record: see db.records.RECORD_KEYS); this module
knows nothing about the database. Lists become JSON arrays, or space-separated cells in CSV
(titles, which hold spaces, ` | `-separated: CSV_LIST_SEPARATORS). An export to a file is written
whole or not at all (`atomic_output`).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import json
import os
import re
import secrets
import stat
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

FORMATS = ("csv", "json", "jsonl")
# Formats written as bytes, by their own writers (collector.output.xlsx), to a file only.
FILE_FORMATS = ("xlsx",)
FORMAT_BY_SUFFIX = {"csv": "csv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl", "xlsx": "xlsx"}

# OWASP "CSV injection": a spreadsheet runs a cell starting with these as a formula (tab and CR
# are stripped by some importers, uncovering the next character).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)  # every prefix is one character
# Excel turns a cell of digits into a number: 19-digit post ids lose their last digits and show
# as 1.47953E+18, leading zeros vanish. A ="..." cell is shown and kept as that exact text.
_DIGITS = re.compile(r"[0-9]+")
# Excel only detects UTF-8 in a CSV file that starts with a byte order mark.
UTF8_BOM = "\ufeff"
# RFC 4180 ends records with CRLF; newlines inside a quoted cell are kept as they are.
CSV_LINE_END = "\r\n"
# What csv.writer's default dialect (QUOTE_MINIMAL) quotes a cell for, with CRLF line ends.
_CSV_DELIMITER, _CSV_QUOTE = ",", '"'
_CSV_SPECIALS = (_CSV_DELIMITER, _CSV_QUOTE, "\r", "\n")
_JSON_SEPARATORS = (", ", ": ")
# JSON allows these raw inside strings, but str.splitlines() and many JSON Lines readers break a
# line at them; escaping keeps one record per physical line and reads back to the same text.
_LINE_BREAKS_ESCAPED = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
# Column value types that need no per-cell conversion (exact types: subclasses take the slow path).
_TEXT: frozenset[type] = frozenset({str, type(None)})
_NUMBERS: frozenset[type] = frozenset({int, type(None)})
_NONE = type(None)
_LISTS: frozenset[type] = frozenset({list, tuple})
# How a CSV cell joins a list's items: URLs hold no spaces; the fields named here hold text that does.
CSV_LIST_SEPARATOR = " "
CSV_LIST_SEPARATORS = {"article_titles": " | "}


# A new file's mode before the umask, as open() would create it.
NEW_FILE_MODE = 0o666
TEMPORARY_SUFFIX = ".tmp"


class OutputError(Exception):
    """An export file that could not be written; str() is one line, and the old file is intact."""


class OpenError(OutputError):
    """The export file could not even be started (no such folder, no permission)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path, self.reason = path, reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[TextIO]:
    """`path` opened for UTF-8 text (newlines as given), replaced only once it is written whole
    (see `atomic_file`)."""
    with atomic_file(path, binary=False) as out:
        yield typing.cast(TextIO, out)


@contextlib.contextmanager
def atomic_file(path: str, *, binary: bool) -> Iterator[IO[Any]]:
    """`path` opened for UTF-8 text (newlines as given) or, with `binary`, for bytes (a workbook),
    replaced only once it is written whole.

    The export goes to a temporary file beside the target, flushed to disk, then renamed over it:
    a full disk, an I/O error or Ctrl-C leaves the old file as it was (and no temporary behind), so
    a failed export never truncates yesterday's. Raises OpenError when the file cannot be started,
    OutputError (one line) when writing fails. A target that is not a regular file (`/dev/null`,
    a FIFO) cannot be replaced and is written in place; a symlink's own file is replaced.
    """
    target = Path(os.path.realpath(path))
    try:
        current = target.stat()
    except FileNotFoundError:
        current = None
    except OSError as error:
        raise OpenError(path, error.strerror or str(error)) from None
    if current is not None and not stat.S_ISREG(current.st_mode):
        yield from _in_place(path, binary)
        return
    temporary, out = _start_temporary(path, target, current, binary)
    try:
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write {path}: {reason}; {path} is left as it was") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _start_temporary(
    path: str, target: Path, current: os.stat_result | None, binary: bool
) -> tuple[Path, IO[Any]]:
    """A new file beside `target`, with the mode the target has (or a new file would get)."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")
    try:
        # O_EXCL: never someone else's file; the umask applies as it would to the target itself.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    except OSError as error:
        raise OpenError(path, error.strerror or str(error)) from None
    try:
        if current is not None:
            os.chmod(handle, stat.S_IMODE(current.st_mode))
        if binary:
            return temporary, open(handle, "wb")
        return temporary, open(handle, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(handle)
        temporary.unlink(missing_ok=True)
        raise


def _in_place(path: str, binary: bool) -> Iterator[IO[Any]]:
    try:
        if binary:
            out: IO[Any] = open(path, "wb")  # noqa: SIM115 (closed below)
        else:
            out = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise OpenError(path, error.strerror or str(error)) from None
    try:
        with out:
            yield out
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


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


def csv_cell(value: Any, options: CsvOptions = CsvOptions(), separator: str = CSV_LIST_SEPARATOR) -> str:
    """One CSV cell: lists `separator`-separated, None empty, text escaped as `options` say."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = separator.join(str(item) for item in value)
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

    Cells are converted and quoted a column at a time and each batch goes out in one write:
    csv.writer's own per-cell loop cost a large share of a whole export (docs/design-perf.md). The
    bytes are csv.writer's (QUOTE_MINIMAL, CRLF; tested against it).
    """
    if options.excel:
        out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow(fields)
    separators = [CSV_LIST_SEPARATORS.get(field, CSV_LIST_SEPARATOR) for field in fields]
    count = 0
    with _cycle_collector_paused():
        for columns in batches:
            cells = [
                _column_cells(column, options, separator)
                for column, separator in zip(columns, separators, strict=True)
            ]
            if len(cells) > 1:
                out.write(_csv_lines(cells))
            else:  # csv.writer writes a row of one empty cell as "", not as an empty line
                writer.writerows(zip(*cells, strict=True))
            count += len(cells[0]) if cells else 0
    return count


def _csv_lines(columns: Sequence[Sequence[str]]) -> str:
    """The rows of these text columns (two or more) as csv.writer writes them, each line ended."""
    lines = list(map(_CSV_DELIMITER.join, zip(*map(_csv_quoted, columns), strict=True)))
    return CSV_LINE_END.join(lines) + CSV_LINE_END if lines else ""


def _csv_quoted(column: Sequence[str]) -> Sequence[str]:
    """A text column with the cells that csv.writer quotes quoted: those holding , " CR or LF."""
    joined = "".join(column)  # one C-speed scan per character for the whole column
    if not any(map(joined.__contains__, _CSV_SPECIALS)):
        return column
    return [
        _CSV_QUOTE + cell.replace(_CSV_QUOTE, _CSV_QUOTE * 2) + _CSV_QUOTE
        if "," in cell or '"' in cell or "\r" in cell or "\n" in cell
        else cell
        for cell in column
    ]


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch loop runs (reference counting still frees all).

    A batch loop allocates millions of short-lived containers that form no cycles, yet each one
    counts towards the next collection, a measurable share of a large export (docs/design-perf.md).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _column_cells(
    column: Sequence[Any], options: CsvOptions, separator: str = CSV_LIST_SEPARATOR
) -> Sequence[str]:
    """One column as the text of its cells (csv_cell's), unquoted; the column itself when it is
    plain text already."""
    if options.excel:
        return [csv_cell(value, options, separator) for value in column]
    kinds: frozenset[type] = frozenset(map(type, column))
    if kinds and kinds <= _LISTS:
        try:
            column = list(map(separator.join, column))
        except TypeError:  # items other than text
            return [csv_cell(value, options, separator) for value in column]
        kinds = _TEXT
    if kinds <= _TEXT:
        if _NONE in kinds:
            column = [value or "" for value in column]
        # The set of first characters: a formula-looking cell is rare, and this is the cheap test.
        if options.formula_escape and not _FORMULA_FIRST.isdisjoint({value[:1] for value in column}):
            return list(map(escape_formula, column))
        return column
    if kinds <= _NUMBERS:
        return [str(value) if value is not None else "" for value in column]
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


def _is_special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


class UnknownSuffix(ValueError):
    """A file name whose suffix names no export format; str() says which suffixes do."""


def format_for(path: str | None) -> str:
    """The format a file name asks for (`.csv`, `.json`, `.jsonl`/`.ndjson`, `.xlsx`); CSV for
    stdout, and for a device or pipe (`/dev/null`). Raises UnknownSuffix for any other name: never
    CSV under a name that promises something else."""
    if path is None or path == "-" or _is_special(path):
        return "csv"
    name = os.path.basename(path)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""
    if suffix not in FORMAT_BY_SUFFIX:
        known = ", ".join(f".{name}" for name in FORMAT_BY_SUFFIX)
        shown = f"'.{suffix}'" if suffix else "no suffix"
        raise UnknownSuffix(f"{path} has {shown}; name it {known}, or give --format")
    return FORMAT_BY_SUFFIX[suffix]


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
