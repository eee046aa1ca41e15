"""The ingest pipeline: pages from the loaders, posts from extraction, rows into the archive.

The only module besides the CLI that joins `collector` and `db`. Pages are extracted one by one
(or by a pool of worker processes) and saved in batches: each batch is one transaction, so a crash
or Ctrl-C keeps only whole articles, and a re-run completes the work without duplicates. A page
that cannot be read, extracted or saved is reported and counted; the run goes on.

Each page is prepared for the archive (`db.rows.prepare_page`: keys, bounds, row values) where it
was extracted: with worker processes, the main process is left with the SQL alone, since it is the
single writer and shares the cores with the workers.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from collector.inputs.loaders import InputOptions, Kind, LoadError, Page
from collector.parallel import chunked, process_files
from collector.scale.executors import LocalProcesses, ScaleOptions, in_order
from collector.scale.units import PageInfo, extract_one, finish_outcome, page_info
from collector.values import Article, ArticleMeta, Extraction
from db.rows import PreparedPage, prepare_page
from db.store import SaveResult, save_prepared

# Pages per transaction: big enough for set-based saving to pay off, small enough that a crash
# loses little work and the progress bar's "new" counts move.
BATCH_PAGES = 100
# A slow source (URLs being fetched) still commits what it has at least this often.
BATCH_SECONDS = 2.0
# Pages handed to a worker process at a time: coarse enough that pickling costs little (the
# chunks in flight are bounded by `collector.scale.executors.in_order`).
WORKER_CHUNK = 16
# Pages extracted in this process before worker processes are started (if --jobs > 1).
PARALLEL_AFTER = 64

Reporter = Callable[[str], None]
# A page ready for the writer, or the reason it is not.
Prepared = PreparedPage | str


@dataclass(slots=True)
class IngestSummary:
    """Counts for the one-line summary at the end of `quotes ingest`."""

    pages: int = 0
    posts: int = 0
    new: int = 0
    known: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self) -> str:
        """The summary as printed on stderr."""
        return (
            f"pages read: {self.pages}, posts found: {self.posts}, new: {self.new}, "
            f"already known: {self.known}, failed: {self.failed}, skipped: {self.skipped}"
        )


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How pages are processed: `jobs` worker processes for extraction (or, with `scale`, the Dask
    workers of a run by file), batch size, how to report."""

    jobs: int = 1
    batch_pages: int = BATCH_PAGES
    report: Reporter = field(default=lambda line: print(line, file=sys.stderr))  # stdout carries data
    on_page: Callable[[IngestSummary], None] | None = None
    scale: ScaleOptions | None = None


def prepare(page: Page | PageInfo, extraction: Extraction) -> PreparedPage:
    """A page's record and posts as the store inserts them (runs in worker processes too)."""
    return prepare_page(article_for(page, extraction.meta), extraction.appearances)


def extract_prepared(page: Page | PageInfo, text: str, kind: Kind, utf8: bytes | None = None) -> Prepared:
    """Extract one page and prepare it for the writer; a failure becomes its reason."""
    outcome = extract_one(text, kind, utf8)
    return outcome if isinstance(outcome, str) else finish_outcome(prepare, page, outcome)


def _extract_chunk(chunk: list[tuple[PageInfo, str, Kind]]) -> list[Prepared]:
    return [extract_prepared(info, text, kind) for info, text, kind in chunk]


def article_for(page: Page | PageInfo, meta: ArticleMeta) -> Article:
    """The archive's record of one page: where it came from, its hash, its metadata, its fetch."""
    fetched = page.fetched
    return Article(
        source=page.source,
        sha256=page.sha256,
        meta=meta,
        url=page.url,
        fetched_url=fetched.fetched_url if fetched else None,
        final_url=fetched.final_url if fetched else None,
        http_status=fetched.status if fetched else None,
        fetched_at=fetched.fetched_at if fetched else None,
        archive_path=str(fetched.archive_path) if fetched and fetched.archive_path else None,
    )


def _serial(items: Iterable[Page | LoadError]) -> Iterator[tuple[Page | LoadError, Prepared | None]]:
    for item in items:
        yield (
            item,
            None if isinstance(item, LoadError) else extract_prepared(item, item.text, item.kind, item.utf8),
        )


def _outcomes(
    items: Iterable[Page | LoadError], jobs: int
) -> Iterator[tuple[Page | LoadError, Prepared | None]]:
    """Extraction outcomes in input order: the first pages here, the rest in `jobs` processes.

    Starting worker processes costs more than extracting a few pages, so a small run never does.
    """
    iterator = iter(items)
    yield from _serial(itertools.islice(iterator, PARALLEL_AFTER if jobs > 1 else None))
    if jobs > 1:
        yield from _parallel(iterator, jobs)


def _parallel(
    items: Iterable[Page | LoadError], jobs: int
) -> Iterator[tuple[Page | LoadError, Prepared | None]]:
    """Extract in `jobs` processes, in input order, with a bounded number of chunks in flight."""
    executor = LocalProcesses(jobs, __name__)
    submitted: deque[list[Page | LoadError]] = deque()  # chunks whose results are still to come

    def tasks() -> Iterator[list[tuple[PageInfo, str, Kind]]]:
        for chunk in chunked(items, WORKER_CHUNK):
            submitted.append(chunk)
            yield [(page_info(p), p.text, p.kind) for p in chunk if isinstance(p, Page)]

    try:
        for outcomes in in_order(executor, _extract_chunk, tasks()):
            merged = iter(outcomes)
            for item in submitted.popleft():
                yield item, None if isinstance(item, LoadError) else next(merged)
    finally:
        # On Ctrl-C or an error, chunks not started are dropped: their pages were never saved.
        executor.close()


class Batcher:
    """Collects extracted pages and saves them a batch (one transaction) at a time."""

    def __init__(self, engine: Engine, summary: IngestSummary, options: IngestOptions) -> None:
        self.engine, self.summary, self.options = engine, summary, options
        self.pages: list[PreparedPage] = []
        self.started = time.monotonic()

    def add(self, page: PreparedPage) -> None:
        self.pages.append(page)
        full = len(self.pages) >= self.options.batch_pages
        if full or time.monotonic() - self.started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pages:
            results = save_prepared(self.engine, self.pages)
            for page, result in zip(self.pages, results, strict=True):
                self._count(page, result)
        self.pages, self.started = [], time.monotonic()

    def _count(self, page: PreparedPage, result: SaveResult | Exception) -> None:
        if isinstance(result, SaveResult):
            self.summary.new += result.new_posts
            self.summary.known += result.known_posts
            return
        self.summary.failed += 1
        self.options.report(f"{page.source}: cannot save: {_first_line(result)}")


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def ingest(
    items: Iterable[Page | LoadError],
    engine: Engine,
    options: IngestOptions,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Extract and save every page of `items`; report each failure and keep going.

    Returns the counts for the summary line (`skipped` is left for the caller: the loaders know).
    Pass `summary` to keep the counts of a run that is interrupted (they include the last batch).
    """
    return save_outcomes(_outcomes(items, options.jobs), engine, options, summary)


def ingest_files(
    files: Iterable[Path | LoadError],
    engine: Engine,
    inputs: InputOptions,
    options: IngestOptions,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """`ingest` for local page files (`loaders.iter_files`), read, extracted and prepared in
    `options.jobs` worker processes (`collector.parallel`); this process only saves."""
    outcomes = process_files(files, inputs, options.jobs, prepare)
    return save_outcomes(outcomes, engine, options, summary)


def save_outcomes(
    outcomes: Iterable[tuple[Page | PageInfo | LoadError, Prepared | None]],
    engine: Engine,
    options: IngestOptions,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Save prepared pages (from `ingest` or `ingest_files`) in batches; report each failure."""
    summary = summary if summary is not None else IngestSummary()
    batcher = Batcher(engine, summary, options)
    with _frozen_heap():
        try:
            for item, outcome in outcomes:
                _take(item, outcome, summary, batcher, options.report)
                if options.on_page is not None:
                    options.on_page(summary)
        finally:
            # Ctrl-C or a database error mid-run: what was extracted so far is still saved whole.
            batcher.flush()
    return summary


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the garbage collector off everything allocated before the run.

    A run allocates many short-lived objects, and each full collection would walk every object of
    the imported modules (SQLAlchemy's alone are several hundred thousand; the cost per run:
    docs/design-perf.md). Frozen objects are skipped; workers forked meanwhile also leave those pages shared
    instead of touching them (the gc.freeze documentation's advice for fork).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _take(
    item: Page | PageInfo | LoadError,
    outcome: Prepared | None,
    summary: IngestSummary,
    batcher: Batcher,
    report: Reporter,
) -> None:
    if isinstance(item, LoadError) or outcome is None:
        summary.failed += 1
        report(str(item))
        return
    summary.pages += 1
    if isinstance(outcome, str):
        summary.failed += 1
        report(f"{item.source}: {outcome}")
        return
    summary.posts += len(outcome.posts)
    batcher.add(outcome)
