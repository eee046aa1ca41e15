"""Local inputs: paths, folders (walked in name order), globs, and lists of paths and URLs.

Which files in a folder are pages is decided here once (`is_page_file`): by name, or for a file
without a suffix by its first bytes. A browser's "complete" save keeps its resources in a
companion folder beside the page, which is not walked.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from collector.inputs.encoding import decode_bytes
from collector.inputs.formats import (
    GZIP_MAGIC,
    HEAD_BYTES,
    WARC_MAGIC,
    classify_text,
    looks_like_mhtml,
)
from collector.inputs.pages import MARKDOWN_SUFFIXES, LoadError

STDIN = "-"
# Inside folders, files are picked by name (a browser's "complete" save sits beside its .css,
# .js and images); files without a suffix are picked when their content is a page.
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
PAGE_SUFFIXES = (*HTML_SUFFIXES, ".txt", *MARKDOWN_SUFFIXES, ".mhtml", ".mht", ".warc", ".gz")
# Resource folders of browser "complete" saves, as browsers name them in a few languages
# (Chrome, Firefox and Edge use _files; older Internet Explorer localized it).
COMPANION_SUFFIXES = ("_files", "-dateien", "_archivos", "_fichiers", "_arquivos")
COMPANION_PAGE_SUFFIXES = (*HTML_SUFFIXES, ".mht")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
FETCHED_SCHEMES = ("http://", "https://")
GLOB_CHARS = re.compile(r"[*?[]")
LIST_COMMENT = "#"


@dataclass
class LoadStats:
    """Counts the caller reports at the end: files in folders that are not pages."""

    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Url:
    url: str


Source = Path | Url | str | LoadError


def list_sources(
    list_path: str, stdin: BinaryIO | None, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool
) -> Iterator[Source]:
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
        yield LoadError(list_path, os_reason(error, Path(list_path)))


def _list_entries(
    list_path: str, lines: BinaryIO, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool
) -> Iterator[Source]:
    try:
        for raw in lines:
            entry = raw.decode("utf-8", "replace").strip()
            if entry and not entry.startswith(LIST_COMMENT):
                yield from expand(entry, stats, seen, follow_links)
    except (OSError, ValueError) as error:
        yield LoadError(list_path, f"cannot read the list: {error}")


def expand(arg: str, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool) -> Iterator[Source]:
    if arg == STDIN:
        yield STDIN
    elif URL_SCHEME.match(arg):
        if arg.lower().startswith(FETCHED_SCHEMES):
            yield Url(arg)
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
) -> Iterator[Source]:
    try:
        status = path.stat()
    except OSError as error:
        yield LoadError(str(path), os_reason(error, path))
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


def _walk(root: Path, stats: LoadStats, seen: set[tuple[int, int]], follow_links: bool) -> Iterator[Source]:
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
            yield LoadError(str(path), os_reason(error, path))
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
        elif identity not in seen and is_page_file(path):
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
        yield LoadError(str(folder), os_reason(error, folder))
        return
    yield from entries


def is_page_file(path: Path) -> bool:
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


def os_reason(error: OSError, path: Path | None = None) -> str:
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
