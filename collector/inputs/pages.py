"""A page as the loaders give it, and how bytes become one: decoded, told HTML from text.

Bad inputs are `LoadError`s, yielded, never raised, so the caller reports each and carries on.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from collector.inputs.encoding import decode_bytes
from collector.inputs.fetch import (
    FetchInfo,
)
from collector.inputs.formats import (
    Document,
    FormatError,
    Kind,
    Refused,
    classify_text,
    iter_documents,
)

NUL = "\x00"
NUL_BYTE = NUL.encode()
REPLACEMENT_CHARACTER = "\ufffd"
# Markdown clips are named so (Obsidian, MarkDownload, pandoc -o x.md): read as Markdown even when
# they keep much of the page's HTML (pandoc does).
MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class Page:
    """One page read from an input.

    `source` is what the user gave (a path, a URL, `-`), with `#OFFSET` for a WARC record's page;
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
    # In UTF-8 a NUL character is the NUL byte and nothing else: the bytes tell (memchr) without
    # scanning the text. Other codecs' text is searched.
    clean = decoded.strict_utf8 and NUL_BYTE not in document.data
    text = decoded.text if clean else decoded.text.replace(NUL, REPLACEMENT_CHARACTER)
    return Page(
        source=f"{source}{document.part or ''}",
        data=document.data,
        text=text,
        kind="markdown" if source.lower().endswith(MARKDOWN_SUFFIXES) else classify_text(text),
        sha256=hashlib.sha256(document.data).hexdigest(),
        url=document.url or (fetched.final_url if fetched else None),
        fetched=fetched,
        utf8=document.data if decoded.strict_utf8 and text is decoded.text else None,
    )


def file_pages(
    source: str, opener: Callable[[], BinaryIO], max_bytes: int
) -> Iterator[Page | LoadError]:
    """Every page of one file (a page, or an archive of them) that `opener` reads: a refused part is
    a LoadError naming it, an archive with no page one LoadError. The reader's FormatError and I/O
    errors propagate: the caller knows how its kind of file fails."""
    found = False
    for document in iter_documents(opener, max_bytes=max_bytes):
        found = True
        yield (
            LoadError(f"{source}{document.part}", document.reason)
            if isinstance(document, Refused)
            else make_page(source, document)
        )
    if not found:
        yield LoadError(source, NO_PAGES)


NO_PAGES = "no HTML pages in this archive"
