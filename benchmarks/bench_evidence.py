"""What keeping each appearance's evidence costs extraction, and how many embeds are found again.

    python -m benchmarks.bench_evidence [--pages DIR] [--runs 5]

On the real-world pages (../shared/corpus/realworld/pages) and the HTML fixtures, held in memory
as UTF-8 bytes (as ingest gives them to the parser): first every appearance is checked to be
found again in its page (an offset) with its markup the page's bytes there; then extraction is
timed with its evidence and with the evidence switched off (no source to search, no markup),
alternating, best of `--runs` passes each, so the ratio holds whatever the machine's load.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import collector.extract.page as page_module
from collector.extract import evidence, extract_page

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PAGES = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
FIXTURES = REPO / "fixtures"


def load_pages(folder: Path) -> list[tuple[str, bytes]]:
    """(text, bytes) of every UTF-8 page in `folder` and of the HTML fixtures."""
    found = []
    for path in sorted([*folder.glob("*.html"), *FIXTURES.glob("*.html")]):
        data = path.read_bytes()
        try:
            found.append((data.decode("utf-8"), data))
        except UnicodeDecodeError:
            continue
    return found


def check_pages(pages: list[tuple[str, bytes]]) -> tuple[int, int, int]:
    """(appearances, found again, whose markup is not the page's bytes at its offset)."""
    total = located = wrong = 0
    for text, data in pages:
        for appearance in extract_page(text, utf8=data).appearances:
            total += 1
            if appearance.byte_offset is None or appearance.markup is None:
                continue
            located += 1
            wrong += not data[appearance.byte_offset :].startswith(appearance.markup.encode("utf-8"))
    return total, located, wrong


class _NoSource(evidence.Locator):
    def __init__(self, source: str | bytes | None) -> None:
        super().__init__(None)


@contextmanager
def evidence_off() -> Iterator[None]:
    """Extraction as before evidence was kept: no search of the source, no markup serialised."""
    with (
        mock.patch.object(page_module, "Locator", _NoSource),
        mock.patch.object(evidence, "serialised", lambda node: evidence.Evidence(None)),
    ):
        yield


def time_pass(pages: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for text, data in pages:
        extract_page(text, utf8=data)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="a folder of HTML pages")
    parser.add_argument("--runs", type=int, default=5, help="timed passes of each mode")
    args = parser.parse_args(argv)
    pages = load_pages(args.pages)
    total, located, wrong = check_pages(pages)
    print(
        f"{len(pages)} pages, {total} appearances, found again: {located}, markup not at its offset: {wrong}"
    )
    with_evidence, without = [], []
    for _ in range(args.runs):
        with_evidence.append(time_pass(pages))
        with evidence_off():
            without.append(time_pass(pages))
    on, off = min(with_evidence), min(without)
    print(
        f"extraction with evidence {on:.4f}s, without {off:.4f}s (best of {args.runs}): ratio {on / off:.3f}"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
