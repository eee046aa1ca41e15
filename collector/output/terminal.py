"""Text for people at a terminal: tables that fit the width, bar charts, the ingest progress line.

Pure functions from data to lines; the CLI decides where they go (stdout for results, stderr for
progress). Widths are counted in terminal cells: CJK and emoji take two, combining marks none.

Everything shown comes from pages someone else wrote (post texts, names, titles, URLs, file
names), so one rule, `shown`, makes it harmless before a terminal receives it: a control character
(an ESC opening `ESC [2J` or an OSC-8 link, a C1 CSI, a bell, a carriage return) or a bidi override
becomes a space, and the terminal prints the rest as text.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from collector.output.quotings import quotation_lines

ELLIPSIS = "…"
MIN_TEXT_WIDTH = 8
# A grid's flexible column keeps this many cells before the next one listed gives way.
FLEX_FLOOR = 24
HANDLE_WIDTH = 16
MIN_HANDLE_WIDTH = 6
# Narrower than this, the table's lines may wrap.
MIN_TABLE_WIDTH = 40
# The id `quotes show` takes: a tweet's 19 digits fit; longer ids are shown as the internal id.
ID_WIDTH = 19
# Search table columns: (record key, header, width). The text column takes what is left.
TABLE_COLUMNS = (
    ("id", "ID", ID_WIDTH),
    ("date", "DATE", 10),
    ("handle", "HANDLE", HANDLE_WIDTH),
    ("platform", "PLATFORM", 9),
)
# The text column's room before the handle gives way, and the columns dropped in turn when even
# the narrowest handle leaves the text less: the id stays, since `quotes show` needs it whole.
TEXT_ROOM = 24
DROPPED_WHEN_NARROW = ((), ("platform",), ("platform", "date"))
COLUMN_GAP = "  "
# Newlines inside a post become this mark in one-line cells, so a reader sees the break.
LINE_BREAK_MARK = " ⏎ "
# Eighth blocks: a bar ends with a partial block, so small counts still show.
BAR_BLOCKS = " ▏▎▍▌▋▊▉█"
FULL_BLOCK = BAR_BLOCKS[-1]
BAR_MIN_WIDTH = 10
PROGRESS_BAR_WIDTH = 24
# The progress line is redrawn at most this often: enough to look alive, cheap at 1,000 pages/s.
REDRAW_SECONDS = 0.1
# ANSI "erase to end of line": a shorter redraw leaves no stale characters behind.
CLEAR_TO_END = "\x1b[K"
# What a terminal must never receive from data: C0 controls, DEL and the C1 controls (ESC and CSI
# open escape sequences), and the bidi embeddings, overrides and isolates, which reorder the rest
# of the line ("Trojan Source"). Each is shown as a space; line feeds are kept where lines are.
_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_UNSAFE = str.maketrans(dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS], " "))
_UNSAFE_BUT_LINES = str.maketrans(
    dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS], " ") | {0x0A: "\n"}
)


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK, most emoji) count 2, combining marks none.

    wcwidth's tables: emoji sequences (ZWJ, skin tones, flags, VS16) take the two cells a terminal
    draws them in, and its C extension is far faster than a per-character sum in Python (measured
    in docs/design-perf.md, `benchmarks.bench_terminal`).
    """
    return _width()(text)


@functools.cache
def _width() -> Callable[[str], int]:
    # Its import takes a tenth of the CLI's start-up (docs/design-perf.md): loaded by the commands
    # that draw tables, not by every run of ingest or export.
    from wcwidth import width

    return width


def shown(text: str, *, lines: bool = False) -> str:
    """`text` safe for a terminal: control characters and bidi overrides as spaces (the module
    docstring says why); with `lines`, its line breaks are kept, as line feeds."""
    if lines:
        return "\n".join(text.splitlines()).translate(_UNSAFE_BUT_LINES)
    return text.translate(_UNSAFE)


def one_line(text: str | None) -> str:
    """`text` on one line: line breaks shown as a mark, other control characters as spaces."""
    if not text:
        return ""
    return shown(LINE_BREAK_MARK.join(part.strip() for part in text.splitlines() if part.strip()))


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells (ending with … when cut) and padded to exactly `width`."""
    if width <= 0:
        return ""
    if cell_width(text) > width:
        kept, used = [], 0
        for char in text:
            step = cell_width(char)
            if used + step > width - 1:
                break
            kept.append(char)
            used += step
        text = "".join(kept) + ELLIPSIS
    return text + " " * (width - cell_width(text))


def table_columns(width: int) -> list[tuple[str, str, int]]:
    """Columns (key, header, cells) for a table `width` cells wide: the handle gives way first,
    then the platform and date columns go (DROPPED_WHEN_NARROW)."""
    for dropped in DROPPED_WHEN_NARROW:
        columns = [column for column in TABLE_COLUMNS if column[0] not in dropped]
        fixed = sum(w for key, _, w in columns if key != "handle") + len(COLUMN_GAP) * len(columns)
        if width - fixed - MIN_HANDLE_WIDTH >= TEXT_ROOM:
            break
    handle = max(MIN_HANDLE_WIDTH, min(HANDLE_WIDTH, width - fixed - TEXT_ROOM))
    text = max(MIN_TEXT_WIDTH, width - fixed - handle)
    sized = [(key, title, handle if key == "handle" else w) for key, title, w in columns]
    return [*sized, ("text", "TEXT", text)]


def table_lines(records: Iterable[Mapping[str, Any]], width: int) -> Iterator[str]:
    """The search table: a header, then one line per record, never wider than `width` cells
    (down to MIN_TABLE_WIDTH). Streams: column widths do not depend on the rows.
    """
    columns = table_columns(width)
    yield COLUMN_GAP.join(fit(title, w) for _, title, w in columns).rstrip()
    for record in records:
        yield COLUMN_GAP.join(fit(_show(record.get(key)), w) for key, _, w in columns).rstrip()


def _show(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, dt.date):
        return value.isoformat()
    return one_line(str(value))


def grid_lines(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], width: int, *, flex: Sequence[int] = (-1,)
) -> list[str]:
    """A small table sized to its contents; the `flex` columns (names, titles, URLs) give way until
    the table fits `width`: each in the order listed down to FLEX_FLOOR cells, then the widest
    first down to MIN_TEXT_WIDTH (an address gives way before the title it names)."""
    shown = [[_show(v) for v in row] for row in rows]
    widths = [max([cell_width(h)] + [cell_width(r[i]) for r in shown]) for i, h in enumerate(headers)]
    flexible = list(dict.fromkeys(index % len(widths) for index in flex))
    excess = sum(widths) + len(COLUMN_GAP) * (len(widths) - 1) - width
    for index in flexible:
        given = min(max(0, excess), max(0, widths[index] - FLEX_FLOOR))
        widths[index] -= given
        excess -= given
    while excess > 0:
        widest = max(flexible, key=lambda index: widths[index])
        if widths[widest] <= MIN_TEXT_WIDTH:
            break
        widths[widest] -= 1
        excess -= 1
    return [
        COLUMN_GAP.join(fit(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [list(headers), *shown]
    ]


def bar(value: float, scale: float, width: int) -> str:
    """A horizontal bar `value / scale * width` cells long, in eighth blocks."""
    if scale <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / scale * width * 8))
    full, part = divmod(eighths, 8)
    return FULL_BLOCK * full + (BAR_BLOCKS[part] if part else "")


def bar_chart(pairs: Sequence[tuple[str, int]], width: int) -> list[str]:
    """One line per (label, count): the label, a bar scaled to the largest count, the count."""
    if not pairs:
        return []
    label_width = max(cell_width(label) for label, _ in pairs)
    top = max(count for _, count in pairs)
    count_width = len(str(top))
    bar_width = max(BAR_MIN_WIDTH, width - label_width - count_width - 2 * len(COLUMN_GAP))
    return [
        f"{fit(shown(label), label_width)}{COLUMN_GAP}{str(count).rjust(count_width)}{COLUMN_GAP}"
        f"{bar(count, top, bar_width)}".rstrip()
        for label, count in pairs
    ]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an ingest run stands: pages done (of `total` when known), posts found, time spent."""

    pages: int
    posts: int
    elapsed: float
    total: int | None = None
    failed: int = 0


def progress_line(progress: Progress, width: int) -> str:
    """The progress bar's text: bar and percentage when the total is known, counts, rate, time left."""
    rate = progress.pages / progress.elapsed if progress.elapsed > 0 else 0.0
    parts = []
    if progress.total:
        done = min(progress.pages, progress.total)
        filled = bar(done, progress.total, PROGRESS_BAR_WIDTH)
        parts.append(f"[{filled.ljust(PROGRESS_BAR_WIDTH)}] {done * 100 // progress.total:3d}%")
        parts.append(f"{progress.pages}/{progress.total} pages")
    else:
        parts.append(f"{progress.pages} pages")
    parts.append(f"{progress.posts} posts")
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    parts.append(f"{rate:.1f} pages/s")
    if progress.total and rate > 0 and progress.pages < progress.total:
        parts.append(f"{format_duration((progress.total - progress.pages) / rate)} left")
    return fit(" · ".join(parts), width - 1).rstrip()


def format_duration(seconds: float) -> str:
    """`seconds` as H:MM:SS or M:SS."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def wrap(text: str, width: int) -> list[str]:
    """`text` wrapped at word boundaries to `width`, its own line breaks kept; URLs never split."""
    lines: list[str] = []
    for line in text.splitlines():
        wrapped = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return lines


def wrap_under(prefix: str, text: str, width: int) -> list[str]:
    """`prefix` then `text` wrapped to `width` cells, the following lines indented under the text.

    Counted in terminal cells (a CJK title is twice as wide as its length), and a word wider than
    a line is split between characters: a title in Chinese or Japanese has no spaces to break at.
    """
    indent = " " * cell_width(prefix)
    room = max(MIN_TEXT_WIDTH, width - len(indent))
    lines: list[str] = []
    current, used = "", 0
    for word in text.split():
        for piece in _split_wide(word, room):
            step = cell_width(piece)
            if current and used + 1 + step > room:
                lines.append(current)
                current, used = "", 0
            current, used = (f"{current} {piece}", used + 1 + step) if current else (piece, step)
    lines.append(current)
    return [(prefix if number == 0 else indent) + line for number, line in enumerate(lines)]


def _split_wide(word: str, room: int) -> list[str]:
    """`word` in pieces of at most `room` cells (the word itself when it fits)."""
    if cell_width(word) <= room:
        return [word]
    pieces, current, used = [], "", 0
    for char in word:
        step = cell_width(char)
        if current and used + step > room:
            pieces.append(current)
            current, used = "", 0
        current, used = current + char, used + step
    return [*pieces, current] if current else pieces


def local_time(posted_at: str, zone: dt.tzinfo) -> str:
    """An exported UTC time ('2022-01-07T18:16:44.123Z') shown in `zone`, with its abbreviation
    and offset: '2022-01-07 19:16:44 CET (UTC+01:00)'."""
    moment = dt.datetime.fromisoformat(posted_at).astimezone(zone)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {moment.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def post_lines(
    record: Mapping[str, Any],
    quotations: Sequence[Mapping[str, Any]],
    width: int = 80,
    notes: Sequence[str] = (),
    zone: dt.tzinfo | None = None,
) -> list[str]:
    """One post for `quotes show`: who, where, when, the full text, its links, `notes` (the quoted
    post, media, differing copies: collector.output.quotings), your tags and note, every quoting
    article. `zone`: the time zone to show the posting time in (else UTC)."""
    who = f"@{record['handle']}" if record.get("handle") else "(no handle)"
    if record.get("author_name"):
        who += f" ({record['author_name']})"
    when = [record.get("date_text") or record.get("date") or "date unknown"]
    if record.get("posted_at"):
        posted = record["posted_at"]
        when.append(f"posted {local_time(posted, zone) if zone else posted}")
    if record.get("lang"):
        when.append(f"lang {record['lang']}")
    lines = [f"{record['platform']} {record.get('post_id') or '(no id)'}  {who}"]
    lines += [record["url"]] if record.get("url") else []
    lines += [" · ".join(str(part) for part in when), "", *wrap(record.get("text") or "", width), ""]
    if record.get("links"):
        lines += ["Links:", *(f"  {link}" for link in record["links"])]
    lines += notes
    if record.get("tags"):
        lines += wrap_under("Tags: ", " ".join(record["tags"]), width)
    if record.get("note"):
        lines += ["Note:", *(f"  {line}" for line in wrap(record["note"], width - 2))]
    articles = len({(q.get("url"), q.get("source")) for q in quotations})
    noun = "article" if articles == 1 else "articles"
    times = f" {len(quotations)} times" if len(quotations) != articles else ""
    lines.append(f"Quoted{times} in {articles} {noun}:")
    for number, quoting in enumerate(quotations, 1):
        prefix = f"  {number}. "
        lines.extend(wrap_under(prefix, quoting.get("title") or "(untitled)", width))
        lines.extend(quotation_lines(" " * len(prefix), quoting, wrap, width))
    return [shown(line) for line in lines]


class ProgressBar:
    """A one-line progress display redrawn in place on a terminal stream (stderr).

    Disabled, it draws nothing: the caller decides (a terminal and no --quiet). Messages printed
    while it shows (one bad input per line) clear the bar first, so no line is left half-drawn.

    Hand-written rather than click.progressbar, which was measured against it (docs/design-perf.md):
    click's bar offers no way to print a line above it (its docs: no printing while it shows), it
    redraws at every page instead of a few times a second, leaves the last bar on screen instead of
    clearing it, sizes itself to stdout's terminal rather than its own stream's, and wants a total
    or an iterable to drive it (ingest reports by callback; stdin and URL lists have no total).
    """

    def __init__(self, stream: TextIO, *, enabled: bool, total: int | None = None) -> None:
        self.stream, self.enabled, self.total = stream, enabled, total
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.shown = False

    def update(self, pages: int, posts: int, failed: int = 0) -> None:
        """Redraw, at most REDRAW_SECONDS apart (drawing every page would slow a fast ingest)."""
        now = time.monotonic()
        if not self.enabled or now - self.last_drawn < REDRAW_SECONDS:
            return
        self.last_drawn = now
        state = Progress(pages, posts, now - self.started, self.total, failed)
        self.stream.write("\r" + progress_line(state, self._width()) + CLEAR_TO_END)
        self.stream.flush()
        self.shown = True

    def _width(self) -> int:
        # The bar's own terminal: stdout may be redirected to a file while stderr is the screen.
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, io.UnsupportedOperation):
            columns = 0
        # A terminal that reports no size (a fresh pseudo-terminal) gets the usual fallback.
        return columns or shutil.get_terminal_size().columns

    def message(self, line: str) -> None:
        """Print one line (an error about one input, naming it) above the bar, made `shown`."""
        self.clear()
        self.stream.write(shown(line) + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Remove the bar, leaving the cursor at the start of an empty line."""
        if self.shown:
            self.stream.write("\r" + CLEAR_TO_END)
            self.stream.flush()
            self.shown = False
            self.last_drawn = 0.0


# A month axis longer than this is drawn per year instead (one bogus 1970 date must not print
# 600 empty months).
MAX_MONTHS_DRAWN = 120


def month_series(per_month: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Posts per 'YYYY-MM' with the empty months in between filled in (per year when very long)."""
    if not per_month:
        return []
    counts = dict(per_month)
    first, last = _month_index(per_month[0][0]), _month_index(per_month[-1][0])
    if last - first >= MAX_MONTHS_DRAWN:
        years: dict[str, int] = {}
        for month, count in per_month:
            years[month[:4]] = years.get(month[:4], 0) + count
        return [(str(year), years.get(str(year), 0)) for year in range(int(min(years)), int(max(years)) + 1)]
    labels = [f"{index // 12}-{index % 12 + 1:02d}" for index in range(first, last + 1)]
    return [(label, counts.get(label, 0)) for label in labels]


def _month_index(label: str) -> int:
    year, month = label.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def stats_lines(stats: Mapping[str, Any], width: int) -> list[str]:
    """`quotes stats`: totals, posts per platform, top authors, and a per-month bar chart."""
    noun = "article" if stats["articles"] == 1 else "articles"
    lines = [f"{stats['posts']} posts from {stats['articles']} {noun}", ""]
    platforms = sorted(stats["per_platform"].items(), key=lambda item: (-item[1], item[0]))
    lines += ["Posts per platform", *bar_chart(platforms, width), ""]
    authors = [
        [f"@{handle}" if handle else "-", name, platform, count]
        for platform, handle, name, count in stats["top_authors"]
    ]
    headers = ["HANDLE", "NAME", "PLATFORM", "POSTS"]
    lines += ["Top authors", *grid_lines(authors, headers, width, flex=(0, 1)), ""]
    series = month_series(stats["per_month"])
    per_year = bool(series) and len(series[0][0]) == len("YYYY")
    heading = "Posts per year (more than ten years of posts)" if per_year else "Posts per month"
    lines += [heading, *bar_chart(series, width)]
    if stats.get("undated"):
        lines.append(f"({stats['undated']} posts without a date)")
    return lines
