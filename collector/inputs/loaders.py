"""Inputs to pages: files, folders, globs, stdin, URL lists and URLs, in any saved format.

`iter_pages` is a generator: it reads one input at a time (URLs are fetched a few at a time by a
thread pool), so memory stays flat however many pages come. Bad inputs are yielded as
`LoadError`s, never raised, so the caller reports each one and carries on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from collector.inputs.fetch import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FetchError,
    FetchInfo,
    FetchOptions,
    fetch_page,
    make_client,
)
from collector.inputs.formats import (
    FormatError,
    Kind,
)
from collector.inputs.pages import LoadError, Page, file_pages, make_page, pages_from_bytes
from collector.inputs.paths import (
    STDIN,
    URL_SCHEME,
    LoadStats,
    Source,
    Url,
    expand,
    list_sources,
    os_reason,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FetchInfo",
    "InputOptions",
    "Kind",
    "LoadError",
    "LoadStats",
    "Page",
    "count_files",
    "is_local",
    "iter_files",
    "iter_pages",
    "make_page",
    "pages_from_bytes",
]

# A local file (or stdin) may be larger than a fetched page, but not without bound.
LOCAL_MAX_BYTES = 256_000_000
# URLs in flight per fetching thread: enough to keep every thread busy, few enough to stay small.
IN_FLIGHT_PER_JOB = 2


@dataclass(frozen=True)
class InputOptions:
    """How inputs are read and fetched (the CLI's ingest options)."""

    from_file: str | None = None
    jobs: int = 1
    allow_private: bool = False
    archive_dir: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    retries: int = DEFAULT_RETRIES
    local_max_bytes: int = LOCAL_MAX_BYTES
    follow_links: bool = False  # inside folders, follow symlinks that lead out of the folder

    def fetch_options(self) -> FetchOptions:
        return FetchOptions(
            allow_private=self.allow_private,
            max_bytes=self.max_bytes,
            timeout=self.timeout,
            deadline=self.deadline,
            retries=self.retries,
            archive_dir=self.archive_dir,
        )


def iter_pages(
    args: Sequence[str], options: InputOptions, stdin: BinaryIO | None, *, stats: LoadStats | None = None
) -> Iterator[Page | LoadError]:
    """Every page in the inputs, in order (fetched URLs as they arrive), and a LoadError per bad input.

    Pass `stats` to learn how many files in folders were skipped as not pages.
    """
    counts = stats if stats is not None else LoadStats()
    fetcher = _Fetcher(options)
    stdin_used = False
    try:
        for item in _sources(args, options, stdin, counts):
            if isinstance(item, LoadError):
                yield item
            elif isinstance(item, Url):
                yield from fetcher.submit(item.url)
            elif isinstance(item, str):  # stdin
                yield from _stdin_pages(stdin, options, already_read=stdin_used)
                stdin_used = True
            else:
                yield from _file_pages(item, options)
            yield from fetcher.finished()
        yield from fetcher.drain()
    finally:
        fetcher.close()


def is_local(arg: str) -> bool:
    """True for a path, folder or glob; False for '-' (stdin) and URLs."""
    return arg != STDIN and not URL_SCHEME.match(arg)


def iter_files(
    args: Sequence[str], *, stats: LoadStats | None = None, follow_links: bool = False
) -> Iterator[Path | LoadError]:
    """The page files that local path arguments name (folders walked, globs expanded), unread.

    For ingest's worker processes, which read each file themselves (collector.parallel); give
    stdin and URLs to `iter_pages`. `follow_links`: see InputOptions.
    """
    counts = stats if stats is not None else LoadStats()
    seen: set[tuple[int, int]] = set()
    for arg in args:
        for item in expand(arg, counts, seen, follow_links):
            yield item if isinstance(item, Path | LoadError) else LoadError(arg, "not a local path")


def count_files(args: Sequence[str]) -> int | None:
    """How many page files the local path arguments name, for a progress bar's total.

    The files `iter_files` gives, by the same rule (a WARC holding many pages counts once). None
    when the inputs include stdin or URLs, whose count is unknown until read.
    """
    if not all(is_local(arg) for arg in args):
        return None
    return sum(isinstance(item, Path) for item in iter_files(args)) or None


def _sources(
    args: Sequence[str], options: InputOptions, stdin: BinaryIO | None, stats: LoadStats
) -> Iterator[Source]:
    seen: set[tuple[int, int]] = set()
    for arg in args:
        yield from expand(arg, stats, seen, options.follow_links)
    if options.from_file is not None:
        yield from list_sources(options.from_file, stdin, stats, seen, options.follow_links)


def _file_pages(path: Path, options: InputOptions) -> Iterator[Page | LoadError]:
    source = _path_text(path)
    try:
        yield from file_pages(source, lambda: path.open("rb"), options.local_max_bytes)
    except FormatError as error:
        yield LoadError(source, str(error))
    except OSError as error:
        yield LoadError(source, os_reason(error, path))


def _path_text(path: Path) -> str:
    """The path as text to store and show. A file name's bytes that are not UTF-8 (old Latin-1
    disks, unzipped archives) reach Python as lone surrogates, which neither database can store
    and no terminal can print: they become `\\xNN` escapes instead of failing the page."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _stdin_pages(
    stdin: BinaryIO | None, options: InputOptions, *, already_read: bool
) -> Iterator[Page | LoadError]:
    if already_read:
        yield LoadError(STDIN, "stdin was already read; give '-' once")
        return
    if stdin is None or stdin.closed:
        yield LoadError(STDIN, "stdin is closed; nothing to read")
        return
    try:
        data = stdin.read(options.local_max_bytes + 1)
    except (OSError, ValueError) as error:
        yield LoadError(STDIN, f"cannot read stdin: {error}")
        return
    if not data:
        yield LoadError(STDIN, "stdin is empty")
        return
    yield from pages_from_bytes(STDIN, data, max_bytes=options.local_max_bytes)


class _Fetcher:
    """A bounded window of URLs being fetched by a thread pool; results come out as they finish."""

    def __init__(self, options: InputOptions) -> None:
        self.options = options
        self.fetch_options = options.fetch_options()
        self.window = max(1, options.jobs) * IN_FLIGHT_PER_JOB
        self.pending: set[Future[list[Page | LoadError]]] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._client: httpx.Client | None = None

    def submit(self, url: str) -> Iterator[Page | LoadError]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, self.options.jobs), thread_name_prefix="fetch")
            self._client = make_client(self.fetch_options)
        while len(self.pending) >= self.window:
            done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            yield from _results(done)
        self.pending.add(self._pool.submit(self._fetch, url))

    def finished(self) -> Iterator[Page | LoadError]:
        if not self.pending:
            return
        done = {future for future in self.pending if future.done()}
        self.pending -= done
        yield from _results(done)

    def drain(self) -> Iterator[Page | LoadError]:
        while self.pending:
            done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            yield from _results(done)

    def close(self) -> None:
        if self._pool is not None:
            # Fetches still running are abandoned (closing the client ends their reads): an
            # interrupted run should not wait out every page's deadline.
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def _fetch(self, url: str) -> list[Page | LoadError]:
        assert self._client is not None  # created with the pool
        try:
            fetched = fetch_page(self._client, url, self.fetch_options)
        except FetchError as error:
            return [LoadError(url, str(error))]
        return list(
            pages_from_bytes(
                url,
                fetched.data,
                max_bytes=self.options.max_bytes,
                charset=fetched.charset,
                fetched=fetched.info,
            )
        )


def _results(done: set[Future[list[Page | LoadError]]]) -> Iterator[Page | LoadError]:
    for future in done:
        yield from future.result()
