"""Pathological inputs, one generator per class, sized by a count of repeated units.

Shared by `tests/test_hostile_worst_cases.py` (each class at its worst, through the real CLI) and
`benchmarks/bench_hostile.py` (each doubled, the growth in time printed). Every generator returns
a file name (its suffix tells the loaders what it is) and the file's bytes; `units` is how many
times the pathological unit repeats, so the bytes grow linearly with it.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD_PAGE = ROOT / "fixtures" / "bluesky-embed.html"
BOUNDARY = "----MultipartBoundary--hostile"
TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en">{text}</p>&mdash; {byline} '
    '<a href="https://twitter.com/a/status/1600000000000000091">{date}</a></blockquote>'
)

Generator = Callable[[int], tuple[str, bytes]]
# Labels the codec registry resolves that are no page's character encoding: byte transforms,
# escape readers, the codec that always raises, a Windows-only one, EBCDIC (defect 3).
NOT_CHARSETS = (
    "undefined",
    "rot13",
    "base64",
    "zlib",
    "hex",
    "uu",
    "bz2",
    "quopri",
    "punycode",
    "idna",
    "unicode_escape",
    "raw_unicode_escape",
    "utf-7",
    "hz",
    "mbcs",
    "cp037",
)


def _html(body: str, *, head: str = "") -> bytes:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def _tweet(text: str = "text", byline: str = "A (@a)", date: str = "January 7, 2022") -> str:
    return TWEET.format(text=text, byline=byline, date=date)


def _text(lines: str) -> bytes:
    return f"A saved text copy\n\nSome words of a tweet.\n{lines}\n".encode()


def _mime_part(content_type: str, body: bytes) -> bytes:
    return f"Content-Type: {content_type}\r\n\r\n".encode() + body


def _multipart(parts: list[bytes], boundary: str) -> bytes:
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + f"--{boundary}--\r\n".encode()


def _mhtml(parts: list[bytes]) -> bytes:
    header = f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{BOUNDARY}"\r\n\r\n'
    return header.encode() + _multipart(parts, BOUNDARY)


def mhtml_parts(units: int) -> tuple[str, bytes]:
    resources = [_mime_part("image/png", b"iVBORw0KGgo=" * 8) for _ in range(units)]
    return "parts.mhtml", _mhtml([*resources, _mime_part("text/html", _html(_tweet()))])


def mhtml_parts_gzipped(units: int) -> tuple[str, bytes]:
    """The red team's form: a small .mhtml.gz that unpacks to many MB of parts."""
    _, data = mhtml_parts(units)
    return "parts.mhtml.gz", gzip.compress(data)


def mhtml_nesting(units: int) -> tuple[str, bytes]:
    inner = _mime_part("text/html", _html(_tweet()))
    for level in range(units):
        inner = _mime_part(f'multipart/mixed; boundary="b{level}"', _multipart([inner], f"b{level}"))
    return "nested.mhtml", _mhtml([inner])


# name -> generator; the units of each are chosen by the caller.
CLASSES: dict[str, Generator] = {
    # Regex padding: the signature line, then a run of spaces that does not end the line.
    "signature + spaces": lambda n: ("pad.txt", _text("— Name (@handle) March 3, 2023" + " " * n + "x")),
    "inline signature + spaces": lambda n: (
        "pad-inline.txt",
        _text("The text — Name (@handle) March 3, 2023" + " " * n + "x"),
    ),
    "dash + spaces, no handle": lambda n: ("pad-dash.txt", _text("—" + " " * n + "x")),
    # Tokens.
    "(@x) tokens": lambda n: ("tokens.txt", _text("— " + "(@x)" * n)),
    "inline (@x) tokens": lambda n: ("tokens-inline.txt", _text("a — " + "(@x) " * n + "(")),
    "dashes before a handle": lambda n: ("dashes.txt", _text("a" + " —" * n + " x(@x)(")),
    "a long word as the date": lambda n: ("word.txt", _text("— N (@h) " + "a" * n)),
    "month-like words as the date": lambda n: ("months.txt", _text("— N (@h) " + "May " * n + "x")),
    "ASCII dashes in a byline": lambda n: ("byline.html", _html(_tweet(byline="- " * n + "A (@a)"))),
    "spaces and commas in a date": lambda n: (
        "date.html",
        _html(_tweet(date="Jan 7, 2022" + " ," * n + "x")),
    ),
    "<time without >": lambda n: ("time.html", _html(_tweet() + "<time " * n)),
    "<meta without >": lambda n: ("meta.html", _html(_tweet(), head="<meta " * n)),
    "unclosed comments": lambda n: ("comments.html", _html(_tweet() + "<!-- " * n)),
    "a URL of dots": lambda n: ("url.txt", _text("http://" + "a." * n + " — N (@h) May 1, 2020")),
    # Long lines and unbalanced brackets.
    "one long line of words": lambda n: ("line.txt", _text("word " * n + "— N (@h) May 1, 2020")),
    "unbalanced (": lambda n: ("parens.txt", _text("— N (@h) May 1, 2020 " + "(" * n)),
    "unbalanced <": lambda n: ("angles.html", _html(_tweet() + "<" * n)),
    "unbalanced [ in text": lambda n: ("brackets.txt", _text("[" * n + " — N (@h) May 1, 2020")),
    # Nesting.
    "nested <div>": lambda n: ("divs.html", _html(_tweet() + "<div>" * n)),
    "nested <span>": lambda n: ("spans.html", _html(_tweet() + "<span>" * n)),
    "nested <div><b><i>": lambda n: ("dbi.html", _html(_tweet() + "<div><b><i>" * n)),
    "stray </p> under <span>s": lambda n: (
        "strayp.html",
        _html(_tweet() + "<span>" * (n // 2) + "</p>" * (n // 2)),
    ),
    "nested MIME": mhtml_nesting,
    # MIME parts.
    "MHTML parts": mhtml_parts,
    "MHTML parts, gzipped": mhtml_parts_gzipped,
}
