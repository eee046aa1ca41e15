"""The page inside an MHTML file (a MIME message, RFC 2557), read in one pass over its bytes.

Browsers save a page as MHTML in one `multipart/related` message: the page's HTML part (usually
first; the `start` parameter may name another by Content-ID), then a part per resource. The
email package parsed every part into a Message (80,000 parts read at 0.2 MB/s; a 40 MB file took
77 s and 622 MB) and recursed once per nesting level (`RecursionError` at ~1,000 levels). Here
the parts are found by searching for the boundary, only a part that may be the page has its
header block parsed, the reading stops at the page's part, and nested multiparts are followed
with a stack, at most MAX_MIME_DEPTH deep: time is linear in the file, memory a slice of it.
"""

from __future__ import annotations

import binascii
import email.parser
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

# Real saves nest one level (multipart/related), sometimes two (an alternative inside).
MAX_MIME_DEPTH = 8
# A part's header block is a few lines; one longer than this is not an MHTML part.
MAX_HEADER_BYTES = 65_536
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Only a part whose header block holds one of these may be the page (or hold it).
_CANDIDATE_MARKS = (b"text/html", b"xhtml", b"multipart/")
# Where an MHTML file records the page's address, after the HTML part's own Content-Location.
URL_HEADERS = ("Snapshot-Content-Location", "Content-Location")
# What may follow `--boundary` on a delimiter line (RFC 2046: `--` closes, then whitespace, EOL).
_DELIMITER_ENDS = frozenset(b"- \t\r\n")


class MimeError(ValueError):
    """The MIME structure is unreadable or hostile; the message says how."""


@dataclass(frozen=True, slots=True)
class MhtmlPage:
    """The page's bytes (transfer encoding undone), its declared charset and address."""

    data: bytes
    charset: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class _Part:
    headers: EmailMessage
    body: slice


def read_mhtml(data: bytes) -> MhtmlPage | None:
    """The HTML part of an MHTML file (the one `start` names, else the first text/html part in
    document order), or None when it has none."""
    top = _part(data, 0, len(data))
    part = _html_part(data, top)
    if part is None:
        return None
    payload = _decoded(data, part)
    if part.headers.get_content_maintype() == "text":
        # MIME's canonical line end is CRLF; the page's own are almost always LF. Undoing it gives
        # the MHTML copy the bytes (and sha256) of the same page saved as .html.
        payload = payload.replace(b"\r\n", b"\n")
    addresses = (part.headers.get("Content-Location"), *(top.headers.get(key) for key in URL_HEADERS))
    url = next(filter(None, addresses), None)
    return MhtmlPage(payload, part.headers.get_content_charset(), str(url) if url else None)


def _html_part(data: bytes, top: _Part) -> _Part | None:
    if top.headers.get_content_maintype() != "multipart":
        return top if top.headers.get_content_type() in HTML_MEDIA_TYPES else None
    start = top.headers.get_param("start")
    wanted = start.strip() if isinstance(start, str) and start.strip() else None
    first_html: _Part | None = None
    for part in _leaves(data, top, wanted):
        if wanted is not None and str(part.headers.get("Content-ID", "")).strip() == wanted:
            return part
        if first_html is None and part.headers.get_content_type() in HTML_MEDIA_TYPES:
            if wanted is None:
                return part
            first_html = part
    return first_html


def _leaves(data: bytes, top: _Part, wanted: str | None) -> Iterator[_Part]:
    """The candidate leaf parts under `top`, depth first in document order, without recursion."""
    wanted_id = wanted.encode("utf-8", "replace") if wanted else None
    stack = [_children(data, top)]
    while stack:
        span = next(stack[-1], None)
        if span is None:
            stack.pop()
            continue
        block = data[span.start : _header_end(data, span.start, span.stop)]
        lowered = block.lower()
        if not any(mark in lowered for mark in _CANDIDATE_MARKS) and not (wanted_id and wanted_id in block):
            continue  # a style sheet, an image, a font: its headers are never parsed
        part = _part(data, span.start, span.stop)
        if part.headers.get_content_maintype() == "multipart":
            if len(stack) >= MAX_MIME_DEPTH:
                raise MimeError(f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels")
            stack.append(_children(data, part))
        else:
            yield part


def _children(data: bytes, part: _Part) -> Iterator[slice]:
    """The spans of a multipart's body parts, found by searching for its boundary line."""
    boundary = part.headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MimeError("a multipart without a boundary")
    delimiter = b"--" + boundary.encode("utf-8", "replace")
    start, stop = part.body.start, part.body.stop
    at = _delimiter(data, delimiter, start, stop, first=True)
    while at >= 0:
        after = at + len(delimiter)
        if data[after : after + 2] == b"--":
            return  # the close delimiter
        line_end = data.find(b"\n", after, stop)
        if line_end < 0:
            return
        body_start = line_end + 1
        at = _delimiter(data, delimiter, body_start, stop, first=False)
        if at < 0:  # no close delimiter: the last part runs to the end, less its last line break
            end = stop - 1 if data[stop - 1 : stop] == b"\n" else stop
            end -= 1 if end > body_start and data[end - 1 : end] == b"\r" else 0
            yield slice(body_start, max(body_start, end))
            return
        # The line break before a delimiter belongs to the delimiter (RFC 2046).
        end = at - 1
        if end > body_start and data[end - 1 : end] == b"\r":
            end -= 1
        yield slice(body_start, max(body_start, end))


def _delimiter(data: bytes, delimiter: bytes, start: int, stop: int, *, first: bool) -> int:
    """Where the next delimiter line starts (at a line start, followed by `--`, space or EOL)."""
    at = data.find(delimiter, start, stop)
    while at >= 0:
        after = at + len(delimiter)
        at_line_start = (first and at == start) or data[at - 1 : at] == b"\n"
        if at_line_start and (after >= stop or data[after] in _DELIMITER_ENDS):
            return at
        at = data.find(delimiter, at + 1, stop)
    return -1


def _header_end(data: bytes, start: int, stop: int) -> int:
    """The end of the header block that opens data[start:stop] (where its blank line starts)."""
    if data.startswith((b"\r\n", b"\n"), start):
        return start  # no headers at all
    limit = min(stop, start + MAX_HEADER_BYTES)
    # Line by line: a search for each blank-line form would scan to the limit when a form is absent.
    at = data.find(b"\n", start, limit)
    while at >= 0:
        if data.startswith((b"\n", b"\r\n"), at + 1):
            return at - 1 if data[at - 1 : at] == b"\r" else at
        at = data.find(b"\n", at + 1, limit)
    if stop - start > MAX_HEADER_BYTES:
        raise MimeError(f"a MIME header block longer than {MAX_HEADER_BYTES // 1024} KB")
    return stop


def _part(data: bytes, start: int, stop: int) -> _Part:
    end = _header_end(data, start, stop)
    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(data[start:end])
    assert isinstance(headers, EmailMessage)  # policy.default's message class
    body = end
    # After headers, their last line's end and the blank line; with no headers, the blank line.
    for blank in (b"\r\n", b"\n") if end == start else (b"\r\n\r\n", b"\n\r\n", b"\n\n"):
        if data.startswith(blank, end):
            body = end + len(blank)
            break
    return _Part(headers, slice(min(body, stop), stop))


def _decoded(data: bytes, part: _Part) -> bytes:
    """The part's body with its Content-Transfer-Encoding undone."""
    body = data[part.body]
    encoding = str(part.headers.get("Content-Transfer-Encoding", "")).strip().lower()
    try:
        if encoding == "base64":
            return binascii.a2b_base64(body)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(body)
    except binascii.Error:
        # Bad padding: what email's decoder does too (the page is there, one byte may be short).
        try:
            return binascii.a2b_base64(body + b"==")
        except binascii.Error as error:
            raise MimeError(f"the HTML part's base64 is broken ({error})") from error
    return body
