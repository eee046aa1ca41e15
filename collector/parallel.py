"""Parallel extraction for `quotes ingest --jobs N`: workers load and extract, one writer saves.

The main process only enumerates the page files (folders walked, globs expanded) and hands them
out in coarse chunks of paths; each worker process reads, decodes and extracts its chunk, applies
the caller's `finish` to each extraction (the ingest pipeline prepares the archive's rows there)
and sends back small results: the page's identity (source, hash, URL, kind) and what `finish`
made, never the page's bytes or text. The main process stays the single writer of the archive.

Why coarse chunks: a page extracts in about a millisecond, so per-page task overhead (pickling,
pipe round trips, the pool's bookkeeping) would eat the second core. With 64 pages per task the
overhead is a rounding error (measured: docs/design-perf.md); only the last few chunks shrink, so
both workers finish together. Chunks in flight
are bounded, so memory stays flat however many pages come, and results come back in input order,
so a re-run stores the same rows in the same order.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import NamedTuple, TypeVar

from collector.extract import extract_page
from collector.extract.guards import PageRefused, budget_seconds, time_budget
from collector.inputs.fetch import FetchInfo
from collector.inputs.loaders import InputOptions, Kind, LoadError, Page, iter_pages
from collector.values import Extraction

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P")

# Pages (files) per task: see the module docstring.
CHUNK_PAGES = 64
# Smallest task once the end of the input is in sight (see `balanced_chunks`).
MIN_CHUNK_PAGES = 8
# Tasks queued per worker: one running, one waiting, so no worker idles while the writer saves.
CHUNKS_IN_FLIGHT_PER_JOB = 2
# --jobs is capped at this many per usable core: more worker processes than cores only add forks
# and memory (`-j 400` forked 400 on two cores, `-j 1000000` never got going); fetching threads
# wait on the network, so a few per core still help.
JOBS_PER_CORE = 4
# How often a worker checks that the main process is still there (see `init_worker`).
PARENT_CHECK_SECONDS = 0.5

# An extraction, or the reason it failed (one line of text; a worker's exception never ends a run).
Outcome = Extraction | str


class PageInfo(NamedTuple):
    """A page as the writer needs it: a `Page` without its bytes and text.

    A named tuple, not a dataclass: one crosses back per page, and a tuple unpickles much faster
    (measured: docs/design-perf.md).
    """

    source: str
    sha256: str
    kind: Kind
    url: str | None = None
    fetched: FetchInfo | None = None


Result = tuple[PageInfo | LoadError, Outcome | None]
# What a worker makes of each extracted page before sending it back (a module-level function, so
# that it pickles): the caller's own per-page work, moved off the main process.
Finish = Callable[[PageInfo, Extraction], R]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cap_jobs(jobs: int) -> tuple[int, str | None]:
    """`jobs` within JOBS_PER_CORE per usable core, and the line that says so when it was cut."""
    cores = usable_cores()
    limit = JOBS_PER_CORE * cores
    if jobs <= limit:
        return jobs, None
    noun = "core" if cores == 1 else "cores"
    return (
        limit,
        f"--jobs {jobs} is more than {cores} {noun} can use; using {limit} ({JOBS_PER_CORE} per core)",
    )


def page_info(page: Page) -> PageInfo:
    """What of a loaded page crosses back from a worker."""
    return PageInfo(page.source, page.sha256, page.kind, page.url, page.fetched)


def extract_one(text: str, kind: Kind, utf8: bytes | None = None) -> Outcome:
    """Extract one page (`utf8`: see `extract_page`) within its time budget (collector.guards);
    a failure becomes its reason, not the run's end."""
    try:
        with time_budget(budget_seconds(len(text))):
            return extract_page(text, kind=kind, utf8=utf8)
    except PageRefused as error:  # too deep to parse, or over its time budget
        return str(error)
    # A bug in one detector on one odd page must not stop an archive run: report it and go on.
    except Exception as error:
        return f"cannot extract posts: {type(error).__name__}: {error}"


def keep_extraction(info: PageInfo, extraction: Extraction) -> Extraction:
    """The `Finish` of `extract_files`: the extraction itself."""
    return extraction


def load_and_extract(
    paths: list[str], options: InputOptions, finish: Finish[R]
) -> list[tuple[PageInfo | LoadError, R | str | None]]:
    """A worker's task: read every page of each file (a WARC holds many), extract it, finish it."""
    results: list[tuple[PageInfo | LoadError, R | str | None]] = []
    for path in paths:
        for item in iter_pages([path], options, None):
            if isinstance(item, LoadError):
                results.append((item, None))
                continue
            info, outcome = page_info(item), extract_one(item.text, item.kind, item.utf8)
            results.append(
                (info, outcome if isinstance(outcome, str) else finish_outcome(finish, info, outcome))
            )
    return results


def finish_outcome(finish: Callable[[P, Extraction], R], page: P, extraction: Extraction) -> R | str:
    """`finish(page, extraction)`; a failure becomes its reason, like an extraction's."""
    try:
        return finish(page, extraction)
    except Exception as error:
        return f"cannot save: {type(error).__name__}: {error}"


def extract_files(
    files: Iterable[Path | LoadError], options: InputOptions, jobs: int, *, chunk_pages: int = CHUNK_PAGES
) -> Iterator[Result]:
    """Load and extract page files in `jobs` worker processes; results in input order.

    `files` come from the main process's enumeration (a LoadError there, such as a folder that
    cannot be read, passes through in its place). Fewer files than one chunk are done in this
    process: starting workers costs more than extracting a few pages.
    """
    return process_files(files, options, jobs, keep_extraction, chunk_pages=chunk_pages)


def process_files(
    files: Iterable[Path | LoadError],
    options: InputOptions,
    jobs: int,
    finish: Finish[R],
    *,
    chunk_pages: int = CHUNK_PAGES,
) -> Iterator[tuple[PageInfo | LoadError, R | str | None]]:
    """`extract_files`, with `finish` applied to each extraction in the worker that made it."""
    iterator = iter(files)
    head = list(itertools.islice(iterator, chunk_pages + 1))
    if jobs <= 1 or len(head) <= chunk_pages:
        for chunk in chunked(itertools.chain(head, iterator), chunk_pages):
            for part in _split_errors(chunk):
                if isinstance(part, LoadError):
                    yield part, None
                else:
                    yield from load_and_extract(part, options, finish)
        return
    chunks = balanced_chunks(itertools.chain(head, iterator), chunk_pages, jobs)
    yield from _in_workers(chunks, options, jobs, finish)


def _in_workers(
    chunks: Iterator[list[Path | LoadError]], options: InputOptions, jobs: int, finish: Finish[R]
) -> Iterator[tuple[PageInfo | LoadError, R | str | None]]:
    pending: deque[Future[list[tuple[PageInfo | LoadError, R | str | None]]] | LoadError] = deque()
    limit = jobs * CHUNKS_IN_FLIGHT_PER_JOB
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=worker_context(), initializer=init_worker)
    try:
        for chunk in chunks:
            for part in _split_errors(chunk):
                pending.append(
                    part
                    if isinstance(part, LoadError)
                    else pool.submit(load_and_extract, part, options, finish)
                )
            while len(pending) > limit:
                yield from _results(pending.popleft())
        while pending:
            yield from _results(pending.popleft())
    finally:
        # On Ctrl-C, an error or a consumer that stops early, chunks not started are dropped.
        pool.shutdown(wait=True, cancel_futures=True)


def init_worker() -> None:
    """Worker initializer: ignore Ctrl-C, and end with the main process.

    Ctrl-C reaches every process of the terminal's group; the main process handles it (saves its
    batch, reports), a worker would only print its own traceback. If the main process is killed
    outright (SIGKILL, OOM killer), nothing tells its workers: they would wait for work forever,
    so a watcher thread ends the worker once its parent has gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="parent-watch").start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def worker_context(preload: str = __name__) -> BaseContext:
    """fork when this process runs one thread: workers start in milliseconds with everything
    imported (they never touch inherited database connections). With other threads alive (URL
    fetching), fork could copy a lock held mid-operation, so a fork server (a fresh interpreter
    importing `preload` once, slower to start) starts the workers instead.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last may be shorter), read lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def balanced_chunks(items: Iterable[T], size: int, jobs: int) -> Iterator[list[T]]:
    """`chunked(items, size)`, but the last few chunks shrink so that the workers finish together.

    Items are read a few chunks ahead; once the input's end is in that window, what is left is
    cut into pieces of about 1/(2 x jobs) of it (at least MIN_CHUNK_PAGES), largest first, so a
    worker handed the last big chunk does not leave the other core idle (guided scheduling).
    """
    ahead = size * (jobs * CHUNKS_IN_FLIGHT_PER_JOB + 1)
    iterator = iter(items)
    window: deque[T] = deque(itertools.islice(iterator, ahead))
    for item in iterator:
        window.append(item)
        if len(window) >= ahead:
            yield [window.popleft() for _ in range(size)]
    while window:
        share = -(-len(window) // (2 * jobs))
        step = max(min(size, share), min(MIN_CHUNK_PAGES, size))
        yield [window.popleft() for _ in range(min(step, len(window)))]


def _split_errors(chunk: list[Path | LoadError]) -> Iterator[list[str] | LoadError]:
    """Runs of paths (one task each) with enumeration errors kept in their place between them."""
    run: list[str] = []
    for item in chunk:
        if isinstance(item, LoadError):
            if run:
                yield run
                run = []
            yield item
        else:
            run.append(str(item))
    if run:
        yield run


def _results(
    part: Future[list[tuple[PageInfo | LoadError, R]]] | LoadError,
) -> Iterator[tuple[PageInfo | LoadError, R | None]]:
    if isinstance(part, LoadError):
        yield part, None
    else:
        yield from part.result()
