"""What a saved file holds, told by its bytes: HTML or text, MHTML, WARC, gzip, or not a page.

Pure apart from reading the stream it is handed: no database, no network. Each container is
unwrapped to `Document`s: the page's own bytes (decompressed, un-chunked, transfer-decoded), the
charset its container declares, and the address the container records. The same article saved
as .html, .html.gz, .mhtml or in a WARC therefore gives the same bytes and the same sha256.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

# Enough of the start of a file to tell its format (and to find an MHTML header block).
HEAD_BYTES = 65_536
GZIP_MAGIC = b"\x1f\x8b"
WARC_MAGIC = b"WARC/"
MAGIC_BYTES = max(len(GZIP_MAGIC), len(WARC_MAGIC))
# Files that are certainly not pages, by their magic bytes: named .html or not, they are refused.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"RIFF", "a RIFF file (WebP, WAV or AVI)"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
    (b"\x1aE\xdf\xa3", "a WebM/Matroska video"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# ISO media (MP4, HEIC, AVIF) carry their magic at offset 4.
ISO_MEDIA_MAGIC = b"ftyp"
# Control bytes other than tab, newlines, form feed and escape: a page may hold a few (NULs in a
# broken save), a binary file holds many.
CONTROL_BYTES = bytes(range(0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))
BINARY_CONTROL_RATIO = 0.10
BINARY_SAMPLE_BYTES = 4096
# UTF-16/32 text is full of NUL bytes: with its BOM it is text, not binary.
UNICODE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# An MHTML file is a MIME message: a header block that declares multipart/related (Chrome,
# Edge, IE, Firefox add-ons) or, for a single part, text/html.
MIME_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:", re.MULTILINE)
MHTML_CONTENT_TYPE = re.compile(
    rb"^content-type:\s*(?:multipart/related|text/html)", re.IGNORECASE | re.MULTILINE
)
MIME_VERSION = re.compile(rb"^mime-version:", re.IGNORECASE | re.MULTILINE)
HEADER_END = re.compile(rb"\r?\n\r?\n")
# HTML by content: a document-level tag, or several ordinary tags, in the first part of the text.
HTML_SNIFF_CHARS = 65_536
HTML_DOCUMENT_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]", re.IGNORECASE)
HTML_TAG = re.compile(
    r"<(?:div|p|span|a|article|section|blockquote|script|iframe|table|br|img|link|style|main|"
    r"header|nav|footer|h[1-6]|ul|ol|li|figure|amp-[a-z-]+)[\s>/]",
    re.IGNORECASE,
)
HTML_TAGS_FOR_FRAGMENT = 3
# A page starts with markup when its first non-space character opens a tag, comment or doctype.
MARKUP_START = re.compile(r"\A\ufeff?\s*<")
# Markup, not text that mentions tags, has tags on at least 1 in TAG_LINE_SHARE lines.
TAG_LINE_SHARE = 4
# Markdown by content: clippers' YAML front matter, or inline links `[text](http…)`.
FRONT_MATTER_START = re.compile(r"\A\ufeff?---[ \t]*\r?\n[A-Za-z][\w-]*[ \t]*:")
MARKDOWN_LINK = re.compile(r"\]\((?:https?:|mailto:|www\.|/|#)")
MARKDOWN_LINKS = 2
# WARC records that are articles: successful HTML responses, or HTML resources (tools that archive
# local files write `resource` records).
WARC_PAGE_TYPES = frozenset({"response", "resource"})
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)

Kind = Literal["html", "text", "markdown"]
Opener = Callable[[], BinaryIO]


class FormatError(Exception):
    """The bytes are not a page (or a container of pages); the message says what they are."""


@dataclass(frozen=True, slots=True)
class Document:
    """One page out of a file or a container.

    `part` tells records apart within a container (`#OFFSET`, a WARC record's byte offset); `charset`
    is what the container declares (an HTTP header in the WARC, the MIME part's parameter).
    """

    data: bytes
    charset: str | None = None
    url: str | None = None
    part: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """A page of a container refused while the rest is read (a WARC record past the size cap):
    counted and named like any refused page. `part` as in Document."""

    part: str
    reason: str


def iter_documents(open_stream: Opener, *, max_bytes: int) -> Iterator[Document | Refused]:
    """The pages in a file, by content: WARC records, a gzip-compressed page, MHTML, or the page itself.

    `open_stream` is called again when a container must be read from its start. Raises
    FormatError for bytes that are not a page; a WARC that breaks part-way raises after the pages
    before the break have been yielded. A WARC record past `max_bytes` is yielded as Refused.
    """
    with open_stream() as stream:
        if _size_left(stream) == 0:
            # Never read: /proc files report 0 bytes and may hold anything (/proc/self/environ) or
            # block for ever (/proc/kmsg); a file that is really empty holds no page either.
            raise FormatError("empty file (its size is 0)")
        head = stream.read(MAGIC_BYTES)
        if not head.startswith((WARC_MAGIC, GZIP_MAGIC)):
            # No local holds the rest: while the page is decoded, its bytes are held once, not twice.
            # A file is read again from its start in one piece (joining the magic bytes to the rest
            # would copy the whole page); only a pipe's bytes are joined.
            if stream.seekable():
                stream.seek(0)
                data = _read_capped(stream, max_bytes, expected=_size_left(stream))
            else:
                data = head + _read_capped(stream, max_bytes - len(head), expected=_size_left(stream))
            yield _single(data, max_bytes)
            return
    if head.startswith(WARC_MAGIC) or _gzipped_warc(open_stream):
        yield from _warc_documents(open_stream, max_bytes)
        return
    with open_stream() as stream:
        inner = _gunzip(stream, max_bytes)
    if inner.startswith(GZIP_MAGIC):
        raise FormatError("gzip inside gzip is not a page")
    yield _single(inner, max_bytes)


def classify_text(text: str) -> Kind:
    """HTML, Markdown or plain text, by what the start of the text holds.

    HTML: a document-level tag where the text starts with markup, or tags throughout (on a
    quarter of the lines at least). Text dumps of articles about the web quote tags ("the
    `<html>` element") here and there; pandoc's Markdown keeps the page's `<div>`s, but also
    links in Markdown syntax. Markdown: YAML front matter, or inline links `[text](url)`.
    """
    # Bounded searches, not a slice: most pages are told here without copying their start.
    document = HTML_DOCUMENT_TAG.search(text, 0, HTML_SNIFF_CHARS)
    if document is not None and MARKUP_START.match(text, 0, HTML_SNIFF_CHARS):
        return "html"
    head = text[:HTML_SNIFF_CHARS]
    tags = sum(1 for _ in itertools.islice(HTML_TAG.finditer(head), HTML_TAGS_FOR_FRAGMENT))
    markdown = looks_like_markdown(head)
    if (document is not None or tags >= HTML_TAGS_FOR_FRAGMENT) and not markdown and _tag_lines(head):
        return "html"
    return "markdown" if markdown else "text"


def _tag_lines(head: str) -> bool:
    """Markup throughout: tags on at least a quarter of the lines (a text dump quotes a few)."""
    lines = [line for line in head.splitlines() if line.strip()]
    tagged = sum(1 for line in lines if "<" in line and HTML_TAG.search(line))
    return tagged * TAG_LINE_SHARE >= len(lines)


def looks_like_markdown(head: str) -> bool:
    """YAML front matter at the very start, or a few inline links in Markdown syntax."""
    if FRONT_MATTER_START.match(head):
        return True
    return sum(1 for _ in itertools.islice(MARKDOWN_LINK.finditer(head), MARKDOWN_LINKS)) >= MARKDOWN_LINKS


def binary_kind(head: bytes) -> str | None:
    """What a non-page file is ("a PNG image"…), or None when the bytes may be text."""
    for magic, label in BINARY_MAGIC:
        if head.startswith(magic):
            return label
    if head[4:8] == ISO_MEDIA_MAGIC:
        return "an MP4/HEIF media file"
    sample = head[:BINARY_SAMPLE_BYTES]
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))  # one pass, not one per byte
    if sample and controls > BINARY_CONTROL_RATIO * len(sample):
        return "binary data"
    return None


def looks_like_mhtml(data: bytes) -> bool:
    """A MIME header block at the very start (within HEAD_BYTES) that declares multipart/related
    or text/html."""
    if not MIME_HEADER_LINE.match(data, 0, HEAD_BYTES):
        return False
    end = HEADER_END.search(data, 0, HEAD_BYTES)
    block = data[: end.start() if end else HEAD_BYTES]
    return bool(MHTML_CONTENT_TYPE.search(block) and MIME_VERSION.search(block))


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value."""
    match = CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def _single(data: bytes, max_bytes: int) -> Document:
    if not data or data.isspace():  # not `data.strip()`: that copies the page
        raise FormatError("empty file" if not data else "nothing but whitespace")
    if len(data) > max_bytes:
        raise FormatError(f"larger than the {_mb(max_bytes)} limit")
    if looks_like_mhtml(data):
        return mhtml_document(data)
    what = None if data.startswith(UNICODE_BOMS) else binary_kind(data)
    if what is not None:
        raise FormatError(f"not a page: looks like {what}")
    return Document(data)


def mhtml_document(data: bytes) -> Document:
    """The HTML part of an MHTML file, decoded from its transfer encoding, with its address."""
    from collector.inputs.mhtml import MimeError, read_mhtml  # loaded for MHTML files only

    try:
        page = read_mhtml(data)
    except MimeError as error:
        raise FormatError(f"unreadable MHTML: {error}") from error
    if page is None:
        raise FormatError("MHTML file without an HTML part")
    return Document(page.data, charset=page.charset, url=page.url)


def _gzipped_warc(open_stream: Opener) -> bool:
    with open_stream() as stream:
        try:
            return gzip.GzipFile(fileobj=stream).read(len(WARC_MAGIC)) == WARC_MAGIC
        except (OSError, EOFError, zlib.error) as error:
            raise FormatError(f"corrupt gzip data ({error})") from error


def _gunzip(stream: BinaryIO, max_bytes: int) -> bytes:
    try:
        return _read_capped(gzip.GzipFile(fileobj=stream), max_bytes, "decompressed ")
    except (OSError, EOFError, zlib.error) as error:
        raise FormatError(f"corrupt gzip data ({error})") from error


def _read_capped(
    stream: BinaryIO | gzip.GzipFile, limit: int, what: str = "", *, expected: int | None = None
) -> bytes:
    """The rest of `stream`, at most `limit` bytes (FormatError beyond).

    `expected`: the bytes a regular file has left (`_size_left`). A read of n bytes allocates n
    up front, so asking for the limit (256 MB) mapped fresh memory for every page, faulted in 4 KB
    at a time; asking for what the file holds reuses the heap. A file past the limit is refused
    unread; one that grew since it was measured is read on up to the limit.
    """
    if expected is not None and expected > limit:
        raise FormatError(f"{what}larger than the size limit")
    data = stream.read(max(limit if expected is None else expected, 0) + 1)
    if expected is not None and len(data) > expected:
        data += stream.read(max(limit - len(data), 0) + 1)
    if len(data) > limit:
        raise FormatError(f"{what}larger than the size limit")
    return data


def _size_left(stream: BinaryIO) -> int | None:
    """Bytes from the stream's position to the end of its regular file; None for a pipe or FIFO."""
    try:
        status = os.fstat(stream.fileno())
        return status.st_size - stream.tell() if stat.S_ISREG(status.st_mode) else None
    except (OSError, ValueError):  # io.UnsupportedOperation is both: no file behind the stream
        return None


def _warc_documents(open_stream: Opener, max_bytes: int) -> Iterator[Document | Refused]:
    # warcio (and the six it brings) is slow to import (docs/design-perf.md): loaded for WARC files only.
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open_stream() as stream:
        try:
            records = ArchiveIterator(stream)
            for record in records:
                document = _warc_document(record, max_bytes)
                # A page is named by its record's byte offset (of its gzip member, in a .warc.gz):
                # `warc_document_at` reads that one record again without a scan.
                part = f"#{records.get_record_offset()}"
                if isinstance(document, Refused):
                    count += 1
                    yield Refused(part, document.reason)
                elif document is not None:
                    count += 1
                    yield Document(document.data, document.charset, document.url, part)
            # A download that stopped mid-record leaves bytes warcio skips without a word.
            if stream.seekable() and records.offset < stream.seek(0, io.SEEK_END):
                raise FormatError("it ends in a cut-off record")
        # warcio meets malformed records with whatever its parsing trips on, not only its own
        # ArchiveLoadFailed (a response record without WARC-Target-URI: AttributeError): any of it
        # means this archive is broken, never that the whole run should stop.
        except Exception as error:
            raise FormatError(f"broken WARC after {count} pages ({error})") from error


def warc_document_at(open_stream: Opener, offset: int, *, max_bytes: int) -> Document | Refused | None:
    """The page in the WARC record at byte `offset` (the `#OFFSET` of its source), read alone; None
    when that record is not an HTML page. Raises FormatError when no record starts there."""
    from warcio.archiveiterator import ArchiveIterator

    with open_stream() as stream:
        stream.seek(offset)
        try:
            record = next(iter(ArchiveIterator(stream)), None)
            document = None if record is None else _warc_document(record, max_bytes)
        except Exception as error:  # as in _warc_documents: warcio's errors are of many kinds
            raise FormatError(f"no WARC record at offset {offset} ({error})") from error
    if record is None:
        raise FormatError(f"no WARC record at offset {offset}")
    part = f"#{offset}"
    if isinstance(document, Refused):
        return Refused(part, document.reason)
    return None if document is None else Document(document.data, document.charset, document.url, part)


def _warc_document(record: object, max_bytes: int) -> Document | Refused | None:
    """The page in a WARC record, or None when the record is not an HTML page (request, 404, image)."""
    rec_type = record.rec_type  # type: ignore[attr-defined]
    if rec_type not in WARC_PAGE_TYPES:
        return None
    http = record.http_headers  # type: ignore[attr-defined]
    if http is not None:
        status = http.get_statuscode()
        if not (status and status.startswith("2")):
            return None
        content_type = http.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")  # type: ignore[attr-defined]
    if (content_type or "").split(";")[0].strip().lower() not in HTML_MEDIA_TYPES:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")  # type: ignore[attr-defined]
    # An oversized record is refused (by its declared length, unread, when it declares one) and
    # the rest of the archive still read.
    oversized = Refused("", f"larger than the {_mb(max_bytes)} limit ({url})")
    if (getattr(record, "length", None) or 0) > max_bytes + HEAD_BYTES:
        return oversized
    data = record.content_stream().read(max_bytes + 1)  # type: ignore[attr-defined]
    if len(data) > max_bytes:
        return oversized
    # warcio hands out a cut-off record's bytes without complaint; what its Content-Length
    # promised but the file lacks is left unread.
    if getattr(record.raw_stream, "limit", 0) > 0:  # type: ignore[attr-defined]
        raise FormatError(f"the record for {url} is cut short")
    return Document(data, charset=charset_of(content_type), url=url)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
