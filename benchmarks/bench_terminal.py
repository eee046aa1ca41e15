"""Terminal output against the libraries that could do it: cell widths and the ingest progress bar.

    python -m benchmarks.bench_terminal [--updates 20000] [--repeats 5]

- cell widths: `collector.output.terminal.cell_width` (wcwidth) against the per-character rule it
  replaced (kept below for the comparison) over the post texts of the fixtures and the real-world
  pages, as the tables show them, in the same run; the width each gives for the text forms where
  they disagree (emoji sequences, spacing marks, format characters); and what importing wcwidth
  costs a fresh interpreter;
- the progress bar: `terminal.ProgressBar` against `click.progressbar` writing to the same
  terminal-like stream, one update per page as `quotes ingest` sends them, at full speed: time per
  update and bytes written.

Figures go to stdout; compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages
from collector.output import terminal

REPO = Path(__file__).resolve().parents[1]
PAGE_FOLDERS = (REPO / "fixtures", REPO.parent / "shared" / "corpus" / "realworld" / "pages")
# Text forms whose width terminals draw differently from a per-character sum (named by form).
FORMS = {
    "Latin": "There will be no substantive negotiations in Geneva next week.",
    "combining accents (decomposed)": "Cafe\u0301 re\u0301sume\u0301",
    "CJK": "東京で会議が開かれた",
    "emoji + VS16": "D.C. ☮️",
    "emoji ZWJ sequence": "👨‍👩‍👧",
    "emoji + skin tone": "👍🏽",
    "flag (regional indicators)": "🇺🇦",
    "soft hyphen": "co\u00adop",
    "Devanagari (spacing marks)": "हिन्दी",
}


class TtyBuffer(io.StringIO):
    """A stream that says it is a terminal, so both bars draw."""

    def isatty(self) -> bool:
        return True


def post_texts() -> list[str]:
    texts: list[str] = []
    paths = [str(p) for folder in PAGE_FOLDERS if folder.is_dir() for p in sorted(folder.glob("*.html"))]
    for page in iter_pages(paths, InputOptions(), None):
        if not isinstance(page, LoadError):
            texts.extend(post.text or "" for post in extract_page(page.text, kind=page.kind).posts)
    return [text for text in texts if text]


def best(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def per_character_width(text: str) -> int:
    """The hand-written rule cell_width followed before wcwidth: East Asian wide and full-width
    characters 2, combining marks and format characters 0, VS16 widening the symbol before it."""
    width = previous = 0
    for char in text:
        if char == "\ufe0f":
            width += 1 if previous == 1 else 0
            previous = 2
            continue
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        previous = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        width += previous
    return width


def import_ms(module: str, repeats: int) -> float:
    """Median extra wall time a fresh interpreter takes to import `module`, in ms."""

    def once(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    extra = [once(f"import {module}") - once("pass") for _ in range(repeats)]
    return statistics.median(extra) * 1e3


def widths(texts: Sequence[str], repeats: int) -> None:
    shown = [terminal.one_line(text) for text in texts]  # as the search table draws them
    chars = sum(map(len, shown))
    old = best(lambda: [per_character_width(text) for text in shown], repeats)
    new = best(lambda: [terminal.cell_width(text) for text in shown], repeats)
    print(f"cell widths of {len(shown)} post texts ({chars:,} characters), best of {repeats}:")
    print("| function | ms | ns per character | × per-character rule |")
    print("|---|---:|---:|---:|")
    print(f"| per-character rule (hand-written, before) | {old * 1e3:.2f} | {old / chars * 1e9:.0f} | 1.00 |")
    ratio = new / old
    print(f"| `terminal.cell_width` (wcwidth) | {new * 1e3:.2f} | {new / chars * 1e9:.0f} | {ratio:.2f} |")
    differ = sum(per_character_width(text) != terminal.cell_width(text) for text in shown)
    print(f"\npost texts whose widths differ: {differ} of {len(shown)}")
    print(f"importing wcwidth: {import_ms('wcwidth', repeats):.0f} ms more for a fresh interpreter (median)")
    print("\n| form | text | per-character rule | cell_width (wcwidth) |")
    print("|---|---|---:|---:|")
    for form, text in FORMS.items():
        print(f"| {form} | {text} | {per_character_width(text)} | {terminal.cell_width(text)} |")


def hand_written_bar(updates: int, stream: io.StringIO) -> None:
    bar = terminal.ProgressBar(stream, enabled=True, total=updates)
    for page in range(1, updates + 1):
        bar.update(page, page * 8, 0)
    bar.clear()


def click_bar(updates: int, stream: io.StringIO) -> None:
    def counts(item: str | None) -> str | None:
        return item

    with click.progressbar(length=updates, file=stream, item_show_func=counts, show_pos=True) as bar:
        for page in range(1, updates + 1):
            bar.update(1, f"posts {page * 8}, failed 0")


def progress(updates: int, repeats: int) -> None:
    print(f"\nprogress bar, {updates:,} updates (one per page) at full speed, best of {repeats}:")
    print("| bar | ms | µs per update | bytes written | × ProgressBar |")
    print("|---|---:|---:|---:|---:|")
    results = []
    for label, draw in (("`terminal.ProgressBar`", hand_written_bar), ("`click.progressbar`", click_bar)):
        written = TtyBuffer()
        draw(updates, written)
        seconds = best(lambda draw=draw: draw(updates, TtyBuffer()), repeats)  # type: ignore[misc]
        results.append((label, seconds, len(written.getvalue())))
    base = results[0][1]
    for label, seconds, size in results:
        per_update = seconds / updates * 1e6
        print(f"| {label} | {seconds * 1e3:.1f} | {per_update:.2f} | {size:,} | {seconds / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    widths(post_texts(), args.repeats)
    progress(args.updates, args.repeats)


if __name__ == "__main__":
    main()
