"""Bytes to text: BOM, then the HTTP charset, then the page's own <meta>, then detection.

Pure: no I/O, no database. Undecodable bytes are replaced, never raised: one bad byte in a
2 MB page must not cost the page.
"""

from __future__ import annotations

import codecs
import functools
import re
import warnings
from dataclasses import dataclass
from typing import Literal

from charset_normalizer import from_bytes

# Byte-order marks, longest first (a UTF-32-LE BOM starts with the UTF-16-LE one).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers look for <meta charset> in the first 1024 bytes; saved pages often put scripts and
# comments first, so look further. Covers `<meta charset=x>` and the http-equiv content form.
META_PRESCAN_BYTES = 16_384
META_CHARSET = re.compile(rb"<meta[^<>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Detection reads a sample: charset-normalizer's cost grows with the input.
DETECT_SAMPLE_BYTES = 65_536
FALLBACK = "windows-1252"
WINDOWS_1252 = "cp1252"  # charset-normalizer's name for it
# WHATWG's encoding labels that differ from Python's codecs: latin-1 and ASCII labels mean
# windows-1252 on the web, GB2312 means GBK/GB18030, and so on.
WEB_ALIASES = {
    "iso-8859-1": FALLBACK,
    "iso8859-1": FALLBACK,
    "latin1": FALLBACK,
    "latin-1": FALLBACK,
    "l1": FALLBACK,
    "ascii": FALLBACK,
    "us-ascii": FALLBACK,
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "x-user-defined": FALLBACK,
}
# Labels that are single-byte "defaults": servers send them without looking at the page, so
# valid multi-byte UTF-8 wins over them (a UTF-8 page mislabelled as latin-1 is common; the
# reverse, latin-1 text that happens to be valid UTF-8, practically never happens).
WEAK_LABELS = frozenset({FALLBACK, "cp1252"})
# A page cannot declare itself UTF-16 in its own <meta>: it would have to be ASCII to be read.
META_UTF16 = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-16le", "utf-16be"})

# Python's codec registry resolves far more than character encodings: `rot13`, `base64`, `zlib`,
# `hex`, `uu`, `bz2`, `quopri` transform bytes to bytes; `undefined` always raises; `punycode`,
# `idna`, `unicode_escape`, `raw_unicode_escape`, `utf-7` and `hz` read escapes, so a page would
# smuggle in any character (an RLO, an ESC) as ASCII. A label is used only for a character encoding
# a page can be written in: one that reads this ASCII, escapes and all, as itself (every encoding a
# browser offers for a page whose <meta> it could read does), or UTF-16/32 by name (HTTP only).
ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\n\r" + rb" \u00e9 \x41 \N{BULLET} +AOk- ~{ ~} .xn--ls8h. &#233;"
WIDE_UNICODE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})

Reason = Literal["bom", "http", "meta", "utf-8", "detected", "fallback"]
# The rules that decode strictly (a declared charset or UTF-8 itself); detection and the fallback
# replace what does not decode, and a BOM is dropped from the text.
STRICT_REASONS: frozenset[Reason] = frozenset({"http", "meta", "utf-8"})


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text, the codec used and which rule chose it (for tests and the design note)."""

    text: str
    encoding: str
    reason: Reason

    @property
    def strict_utf8(self) -> bool:
        """The bytes were decoded as UTF-8 with nothing replaced and no BOM dropped: they are the
        text's UTF-8 encoding, byte for byte."""
        return self.encoding == "utf-8" and self.reason in STRICT_REASONS


def decode_bytes(data: bytes, *, http_charset: str | None = None) -> Decoded:
    """Decode a page: BOM, HTTP charset, <meta>, UTF-8, detection, then windows-1252."""
    for bom, bom_codec in BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(bom_codec, "replace"), bom_codec, "bom")
    declared: tuple[tuple[str | None, Reason], ...] = ((http_charset, "http"), (_meta_charset(data), "meta"))
    for label, reason in declared:
        codec = normalize_charset(label)
        if codec is None:
            continue
        if codec in WEAK_LABELS and (utf8 := _utf8_text(data)) is not None:
            return Decoded(utf8, "utf-8", "utf-8")
        text = _strict(data, codec)
        if text is not None:
            return Decoded(text, codec, reason)
    utf8 = data.decode("ascii") if data.isascii() else _utf8_text(data)
    if utf8 is not None:
        return Decoded(utf8, "utf-8", "utf-8")
    detected = _detect(data)
    if detected is not None:
        return Decoded(data.decode(detected, "replace"), detected, "detected")
    return Decoded(data.decode(FALLBACK, "replace"), FALLBACK, "fallback")


def decode_text(data: bytes, *, http_charset: str | None = None) -> str:
    """Just the text of `decode_bytes`."""
    return decode_bytes(data, http_charset=http_charset).text


def normalize_charset(label: str | None) -> str | None:
    """Python's codec name for a web charset label, or None when unknown or unusable."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    cleaned = WEB_ALIASES.get(cleaned, cleaned)
    try:
        name = codecs.lookup(cleaned).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    name = WEB_ALIASES.get(name, name)
    return name if is_text_encoding(name) else None


@functools.lru_cache(maxsize=256)  # keyed by codec name: the registry holds about 120
def is_text_encoding(codec: str) -> bool:
    """True for a character encoding pages are written in (see ASCII_PROBE), False for the
    registry's other codecs: byte transforms, escape readers, `undefined`, EBCDIC."""
    try:
        info = codecs.lookup(codec)
    except (LookupError, ValueError):
        return False
    if not getattr(info, "_is_text_encoding", True):
        return False
    if info.name in WIDE_UNICODE:
        return True
    try:
        with warnings.catch_warnings():  # unicode_escape warns of the probe's `\]`
            warnings.simplefilter("ignore")
            return ASCII_PROBE.decode(info.name) == ASCII_PROBE.decode("ascii")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return False


def _meta_charset(data: bytes) -> str | None:
    match = META_CHARSET.search(data, 0, META_PRESCAN_BYTES)
    if match is None:
        return None
    label = match.group(1).decode("ascii", "replace")
    return "utf-8" if label.lower() in META_UTF16 else label


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    # UnicodeError, not only UnicodeDecodeError: some codecs raise the plain kind.
    except (UnicodeError, LookupError):
        return None


def _utf8_text(data: bytes) -> str | None:
    """The text when `data` is UTF-8 beyond ASCII (decoded once: a page's text is its largest
    object), else None: ASCII says nothing, any declared charset reads it the same."""
    if data.isascii():
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess; on a tie, windows-1252 (the web's commonest legacy charset:
    a short French or German text fits cp1250 exactly as well, and is far more likely cp1252)."""
    matches = from_bytes(data[:DETECT_SAMPLE_BYTES])
    best = matches.best()
    if best is None:
        return None
    tied = {
        match.encoding for match in matches if (match.chaos, match.coherence) == (best.chaos, best.coherence)
    }
    return FALLBACK if WINDOWS_1252 in tied else normalize_charset(best.encoding)
