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

import functools
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from collector.inputs.loaders import InputOptions, LoadError
from collector.scale.executors import (
    CHUNKS_IN_FLIGHT_PER_JOB,
    LocalProcesses,
    in_order,
    init_worker,
    worker_context,
)
from collector.scale.futures import Done
from collector.scale.units import (
    Finish,
    Outcome,
    PageInfo,
    extract_one,
    file_outcomes,
    finish_outcome,
    page_info,
)
from collector.values import Extraction

__all__ = [
    "CHUNKS_IN_FLIGHT_PER_JOB",
    "Finish",
    "Outcome",
    "PageInfo",
    "extract_files",
    "extract_one",
    "finish_outcome",
    "init_worker",
    "page_info",
    "process_files",
    "worker_context",
]

T = TypeVar("T")
R = TypeVar("R")

# Pages (files) per task: see the module docstring.
CHUNK_PAGES = 64
# Smallest task once the end of the input is in sight (see `balanced_chunks`).
MIN_CHUNK_PAGES = 8
# Files named so are WARCs; two of them are worth starting worker processes for.
WARC_SUFFIXES = (".warc", ".warc.gz")
WARCS_FOR_WORKERS = 2
# --jobs is capped at this many per usable core: more worker processes than cores only add forks
# and memory (`-j 400` forked 400 on two cores, `-j 1000000` never got going); fetching threads
# wait on the network, so a few per core still help.
JOBS_PER_CORE = 4

Result = tuple[PageInfo | LoadError, Outcome | None]


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


def keep_extraction(info: PageInfo, extraction: Extraction) -> Extraction:
    """The `Finish` of `extract_files`: the extraction itself."""
    return extraction


def load_and_extract(
    paths: list[str], options: InputOptions, finish: Finish[R]
) -> list[tuple[PageInfo | LoadError, R | str | None]]:
    """A worker's task: every page of each file (`collector.scale.units.file_outcomes`)."""
    return [result for path in paths for result in file_outcomes(path, options, finish)]


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
    warcs = sum(isinstance(item, Path) and is_warc(item) for item in head)
    if jobs <= 1 or (len(head) <= chunk_pages and warcs < WARCS_FOR_WORKERS):
        for chunk in chunked(itertools.chain(head, iterator), chunk_pages):
            for part in _split_errors(chunk):
                if isinstance(part, LoadError):
                    yield part, None
                else:
                    yield from load_and_extract(part, options, finish)
        return
    chunks = balanced_chunks(itertools.chain(head, iterator), chunk_pages, jobs)
    executor = LocalProcesses(jobs, __name__)
    task: Callable[[list[str]], list[tuple[PageInfo | LoadError, R | str | None]]]
    task = functools.partial(load_and_extract, options=options, finish=finish)
    # Each chunk's runs of paths are a task each; an enumeration error is a result in its place.
    tasks = (
        _failed(part) if isinstance(part, LoadError) else part
        for chunk in chunks
        for part in _split_errors(chunk)
    )
    try:
        for results in in_order(executor, task, tasks):
            yield from results
    finally:
        # On Ctrl-C, an error or a consumer that stops early, chunks not started are dropped.
        executor.close()


def _failed(error: LoadError) -> Done[list[tuple[PageInfo | LoadError, Any]]]:
    """An enumeration error as the result of a task never run (it keeps its place in the order)."""
    return Done([(error, None)])


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


def is_warc(path: Path) -> bool:
    """A WARC by its name: a file of many pages, one task of its own (one WARC, one task)."""
    return path.name.lower().endswith(WARC_SUFFIXES)


def _split_errors(chunk: list[Path | LoadError]) -> Iterator[list[str] | LoadError]:
    """Runs of paths (one task each) with enumeration errors kept in their place between them; a
    WARC is a run of its own, since it holds as many pages as a chunk of files or more."""
    run: list[str] = []
    for item in chunk:
        if isinstance(item, LoadError) or is_warc(item):
            if run:
                yield run
                run = []
            yield item if isinstance(item, LoadError) else [str(item)]
        else:
            run.append(str(item))
    if run:
        yield run
