"""Inputs to pages: files, folders, globs, stdin, URL lists and URLs, in any saved format.

`iter_pages` is a generator: it reads one input at a time (URLs are fetched a few at a time by a
thread pool), so memory stays flat however many pages come. Bad inputs are yielded as
`LoadError`s, never raised, so the caller reports each one and carries on.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from collector.encoding import decode_bytes
from collector.fetch import (
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
from collector.formats import (
    GZIP_MAGIC,
    HEAD_BYTES,
    WARC_MAGIC,
    Document,
    FormatError,
    Refused,
    classify_text,
    iter_documents,
    looks_like_mhtml,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FetchInfo",
    "InputOptions",
    "LoadError",
    "LoadStats",
    "Page",
    "is_local",
    "iter_files",
    "iter_pages",
]

STDIN = "-"
# A local file (or stdin) may be larger than a fetched page, but not without bound.
LOCAL_MAX_BYTES = 256_000_000
# Inside folders, files are picked by name (a browser's "complete" save sits beside its .css,
# .js and images); files without a suffix are picked when their content is a page.
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".txt", ".mhtml", ".mht", ".warc", ".gz")
# Resource folders of browser "complete" saves, as browsers name them in a few languages
# (Chrome, Firefox and Edge use _files; older Internet Explorer localized it).
COMPANION_SUFFIXES = ("_files", "-dateien", "_archivos", "_fichiers", "_arquivos")
COMPANION_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".mht")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
FETCHED_SCHEMES = ("http://", "https://")
GLOB_CHARS = re.compile(r"[*?[]")
LIST_COMMENT = "#"
# URLs in flight per fetching thread: enough to keep every thread busy, few enough to stay small.
IN_FLIGHT_PER_JOB = 2
NUL = "\x00"
REPLACEMENT_CHARACTER = "\ufffd"

Kind = Literal["html", "text"]


@dataclass(frozen=True)
class Page:
    """One page read from an input.

    `source` is what the user gave (a path, a URL, `-`), with `#n` for the n-th page of a WARC;
    `url` the page's own address when its container records one (MHTML Content-Location, WARC
    target URI, the final URL of a fetch); `sha256` is of `data`, the page's own bytes
    (decompressed, out of its container), so copies in different containers share it. `utf8` is
    `data` again when those bytes are exactly `text` in UTF-8 (strict UTF-8, no BOM, no NUL), for
    the parser to read as they are; None otherwise.
    """

    source: str
    data: bytes = field(repr=False)
    text: str = field(repr=False)
    kind: Kind
    sha256: str
    url: str | None = None
    fetched: FetchInfo | None = None
    utf8: bytes | None = field(default=None, repr=False)


class LoadError(Exception):
    """An input that gave no page; str() is one line for stderr: `source: reason`."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)  # both in args: the error pickles to worker processes
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


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


@dataclass
class LoadStats:
    """Counts the caller reports at the end: files in folders that are not pages."""

    skipped: int = 0


@dataclass(frozen=True, slots=True)
class _Url:
    url: str


_Source = Path | _Url | str | LoadError


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
            elif isinstance(item, _Url):
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
        for item in _expand(arg, counts, seen, follow_links):
            yield item if isinstance(item, Path | LoadError) else LoadError(arg, "not a local path")


def pages_from_bytes(
    source: str, data: bytes, *, max_bytes: int, charset: str | None = None, fetched: FetchInfo | None = None
) -> Iterator[Page | LoadError]:
    """The pages in bytes already in memory (stdin, a fetched body), told apart by content."""
    try:
        for document in iter_documents(lambda: io.BytesIO(data), max_bytes=max_bytes):
            if isinstance(document, Refused):
                yield LoadError(f"{source}{document.part}", document.reason)
                continue
            if charset and document.charset is None and document.data is data:
                document = Document(document.data, charset, document.url, document.part)
            yield make_page(source, document, fetched)
    except FormatError as error:
        yield LoadError(source, str(error))


def make_page(source: str, document: Document, fetched: FetchInfo | None = None) -> Page:
    """Decode a document and tell HTML from plain text by its content."""
    # NUL is never text: HTML parsers turn it into U+FFFD or drop it, and PostgreSQL cannot store
    # it, so a plain-text page with NUL bytes would save on SQLite and fail on PostgreSQL.
    decoded = decode_bytes(document.data, http_charset=document.charset)
    text = decoded.text.replace(NUL, REPLACEMENT_CHARACTER)
    return Page(
        source=f"{source}{document.part or ''}",
        data=document.data,
        text=text,
        kind=classify_text(text),
        sha256=hashlib.sha256(document.data).hexdigest(),
        url=document.url or (fetched.final_url if fetched else None),
        fetched=fetched,
        utf8=document.data if decoded.strict_utf8 and text is decoded.text else None,
    )


# --- inputs -----------------------------------------------------------------------------------


def _sources(
    args: Sequence[str], options: InputOptions, stdin: BinaryIO | None, stats: LoadStats
) -> Iterator[_Source]:
    seen: set[tuple[int, int]] = set()
    for arg in args:
        yield from _expand(arg, stats, seen, options.follow_links)
    if options.from_file is not None:
        yield from _list_sources(options.from_file, stdin, stats, seen, options.follow_links)


def _list_sources(
    list_path: str, stdin: BinaryIO | None, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool
) -> Iterator[_Source]:
    """Paths and URLs, one per line; blank lines and lines starting with # are ignored."""
    if list_path == STDIN:
        if stdin is None or stdin.closed:
            yield LoadError(STDIN, "stdin is closed; no list to read")
            return
        yield from _list_entries(list_path, stdin, stats, seen, follow_links)
        return
    try:
        with open(list_path, "rb") as lines:
            yield from _list_entries(list_path, lines, stats, seen, follow_links)
    except OSError as error:
        yield LoadError(list_path, _os_reason(error, Path(list_path)))


def _list_entries(
    list_path: str, lines: BinaryIO, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool
) -> Iterator[_Source]:
    try:
        for raw in lines:
            entry = raw.decode("utf-8", "replace").strip()
            if entry and not entry.startswith(LIST_COMMENT):
                yield from _expand(entry, stats, seen, follow_links)
    except (OSError, ValueError) as error:
        yield LoadError(list_path, f"cannot read the list: {error}")


def _expand(arg: str, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool) -> Iterator[_Source]:
    if arg == STDIN:
        yield STDIN
    elif URL_SCHEME.match(arg):
        if arg.lower().startswith(FETCHED_SCHEMES):
            yield _Url(arg)
        else:
            yield LoadError(arg, f"only http and https URLs are fetched, not {arg.split(':', 1)[0]}")
    elif os.path.lexists(arg):
        yield from _expand_path(Path(arg), stats, seen, follow_links)
    elif GLOB_CHARS.search(arg):
        matches = sorted(glob.iglob(arg, recursive=True))
        if not matches:
            yield LoadError(arg, "no files match this pattern")
        for match in matches:
            yield from _expand_path(Path(match), stats, seen, follow_links)
    else:
        yield LoadError(arg, "no such file or directory")


def _expand_path(
    path: Path, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool
) -> Iterator[_Source]:
    try:
        status = path.stat()
    except OSError as error:
        yield LoadError(str(path), _os_reason(error, path))
        return
    if path.is_dir():
        yield from _walk(path, stats, seen, follow_links)
        return
    if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode):
        # /dev/zero never ends, /dev/tty waits for a keyboard: a device is no saved page.
        yield LoadError(str(path), "a device, not a page file; not read")
        return
    identity = (status.st_dev, status.st_ino)
    if identity in seen:
        return  # the same file named twice (a folder and a glob): read once
    seen.add(identity)
    yield path


def _walk(root: Path, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool) -> Iterator[_Source]:
    """Depth-first in name order, following symlinks but never into a folder being read (a loop).

    A symlink that leads out of the folder (`ln -s /etc`, `ln -s /proc/self/environ e.txt`) is not
    followed unless `follow_links`: a folder given to ingest is that folder's pages, not whatever
    its links reach.
    """
    inside = _real(root)
    root_status = root.stat()
    ancestors: list[tuple[int, int]] = [(root_status.st_dev, root_status.st_ino)]
    stack: list[Iterator[os.DirEntry[str] | LoadError]] = [_entries(root)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            ancestors.pop()
            continue
        if isinstance(entry, LoadError):
            yield entry
            continue
        path = Path(entry.path)
        try:
            status = entry.stat()
        except OSError as error:
            yield LoadError(str(path), _os_reason(error, path))
            continue
        if not follow_links and entry.is_symlink() and (outside := _outside(path, inside)) is not None:
            yield LoadError(
                str(path),
                f"symbolic link to {outside}, outside the folder; not followed (use --follow-links)",
            )
            continue
        identity = (status.st_dev, status.st_ino)
        if entry.is_dir():
            if _is_companion_folder(path):
                stats.skipped += _count_files(path)
                continue
            if identity in ancestors:
                yield LoadError(str(path), "symbolic link loop: links back to a folder being read; skipped")
                continue
            ancestors.append(identity)
            stack.append(_entries(path))
        elif not entry.is_file():
            stats.skipped += 1  # sockets, pipes, devices
        elif identity not in seen and _is_page_file(path):
            seen.add(identity)
            yield path
        elif identity not in seen:
            stats.skipped += 1


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _outside(link: Path, inside: str) -> str | None:
    """Where a symlink says it leads, when its real target is outside the folder `inside`; else None."""
    target = _real(link)
    if target == inside or target.startswith(inside.rstrip(os.sep) + os.sep):
        return None
    try:
        return os.fsencode(os.readlink(link)).decode("utf-8", "backslashreplace")
    except OSError:
        return target


def _is_companion_folder(folder: Path) -> bool:
    """`Page_files/` beside `Page.html`: a browser's "complete" save keeps the page's resources
    there, iframes included (ads, widgets, `saved_resource.html`). They are parts of the page,
    not articles of their own; the page itself still holds each embed's markup."""
    name = folder.name
    for suffix in COMPANION_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return any((folder.parent / f"{stem}{ext}").is_file() for ext in COMPANION_PAGE_SUFFIXES)
    return False


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def _entries(folder: Path) -> Iterator[os.DirEntry[str] | LoadError]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield LoadError(str(folder), _os_reason(error, folder))
        return
    yield from entries


def _is_page_file(path: Path) -> bool:
    """A page by its name, or, for a file without a suffix, by its first bytes."""
    name = path.name.lower()
    if name.endswith(PAGE_SUFFIXES):
        return True
    if path.suffix:
        return False
    try:
        if path.stat().st_size == 0:
            return False  # empty, or a /proc-like file whose reads may never end: never opened
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
    except OSError:
        return True  # let the reader report why it cannot be read
    if head.startswith((GZIP_MAGIC, WARC_MAGIC)) or looks_like_mhtml(head):
        return True
    return classify_text(decode_bytes(head).text) == "html"


# --- reading ----------------------------------------------------------------------------------


def _file_pages(path: Path, options: InputOptions) -> Iterator[Page | LoadError]:
    source = _path_text(path)
    found = False
    try:
        for document in iter_documents(lambda: path.open("rb"), max_bytes=options.local_max_bytes):
            found = True
            yield (
                LoadError(f"{source}{document.part}", document.reason)
                if isinstance(document, Refused)
                else make_page(source, document)
            )
    except FormatError as error:
        yield LoadError(source, str(error))
        return
    except OSError as error:
        yield LoadError(source, _os_reason(error, path))
        return
    if not found:
        yield LoadError(source, "no HTML pages in this archive")


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


def _os_reason(error: OSError, path: Path | None = None) -> str:
    """One line for a failed open/stat: a symlink loop or a broken link said plainly."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT and path is not None and path.is_symlink():
        return "broken symbolic link (its target does not exist)"
    if error.errno == errno.ENOENT:
        return "no such file or directory"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return error.strerror or str(error)


# --- fetching ---------------------------------------------------------------------------------


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
