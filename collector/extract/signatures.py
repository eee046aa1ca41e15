"""Signature lines of posts saved as text, and the tweet-length rule that bounds their text.

A page saved as text (or clipped to Markdown) keeps an embedded tweet as its text followed by the
signature line the embed code writes, `— Name (@handle) Month D, YYYY`; the status URL and id are
usually gone. The forms read here, each as tools and platforms write it:
- the dash: `—` (the embed code), `–`/`―`, `--` (html2text writes `&mdash;` so), `-`, with or
  without a space after it; the name may be missing (`— (@handle) date`, `— @handle date`);
- the handle is the *last* `(@handle)`, because names hold parentheses and emoji ("D.C. ☮️",
  "JRebel, XRebel (by @perforce)"); a dotted handle is a Bluesky domain handle
  (`@name.bsky.social`), `@user@host` a Mastodon account (their blockquote copies sign alike);
- the date follows the handle, or stands on the next line (`read_signature` then reports the
  signature undated and the caller reads the date from there); it must start with a day or a
  month and be short, so prose ("— Jane Doe (@jane) wrote on May 3, 2019 that…") and author
  bios without a date are no signature;
- text extractors that flatten an embed onto one line ("text — Name (@handle) date") are read
  with only a real dash before the name.

Where the text starts is not marked in plain text, so callers take it upward while it stays
within the 280 weighted characters of twitter-text v3 (config/v3.json: code points in the Latin,
general punctuation ranges weigh 1, everything else 2; every URL weighs 23; an emoji sequence
weighs 2; NFC first). A URL at the very end is a quoted tweet or media card and does not count.
280 is a heuristic for the boundary, not a cap.

Every function here is linear in its line: lines longer than a signature can be are looked at
only in their last `MAX_SIGNATURE_CHARS` characters, and no pattern can backtrack over the rest
(the regexes these replace ended in `.*?\\s*$`, quadratic on a line padded with spaces).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from collector.extract.dates import month_number, parse_date_text

PLATFORM = "twitter"
MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
# twitter-text v3: code points in these ranges weigh 100 (one character), all others 200.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# Every code point outside LIGHT_RANGES adds one more to its length of one.
HEAVY_CHAR = re.compile("[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in LIGHT_RANGES) + "]")
# Display names are at most 50 (Twitter) or 64 (Bluesky) characters, handles 50, shown dates ~40:
# a signature never needs more than this, whatever pads the line.
MAX_NAME_CHARS = 80
MAX_DATE_CHARS = 48
MAX_SIGNATURE_CHARS = 240
# The dash that opens a signature line; a flattened one-line signature needs a real dash.
LEADING_DASH = re.compile(r"(?:[—–―]|--?)\s*")
INLINE_DASHES = "—–―"
# "(@handle)": Twitter's \w handle, a Bluesky domain handle, a Mastodon user@host.
HANDLE_IN_PARENS = re.compile(r"\(@(?P<handle>\w[\w.-]{0,99}(?:@\w[\w.-]{0,99})?)\)")
# "— @handle date": no display name, no parentheses (Twitter handles only).
BARE_HANDLE = re.compile(r"@(?P<handle>\w{1,50})(?=\s|$)")
STATUS_URL_TEXT = re.compile(r"(https?://\S+/status(?:es)?/\d{1,20})\S*(?:\s|$)")
FIRST_WORD = re.compile(r"[^\W\d_]+|\d")
# URLs as twitter-text counts them: with a scheme, or a bare domain with a path (pic.twitter.com/x).
URL = re.compile(r"(?:https?://|(?<![@\w.])(?=[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/))\S+", re.IGNORECASE)
LINK = re.compile(r"https?://\S+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}\"'”’»"
# Code points that join or modify the emoji before them and add nothing to its weight.
# A zero-width joiner and the emoji it joins on add nothing to the first emoji's weight.
ZWJ_TAIL = re.compile("\u200d.", re.DOTALL)
EMOJI_MODIFIERS = re.compile(r"[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
REGIONAL_INDICATOR = re.compile(r"[\U0001f1e6-\U0001f1ff]{2}")


@dataclass(frozen=True, slots=True)
class Signature:
    """What a signature line says. `date` None: the line ends at the handle (the date may follow
    on the next line); `before`: text on the same line before the dash (a flattened embed)."""

    platform: str
    name: str | None
    handle: str
    date_text: str | None = None
    date: dt.date | None = None
    before: str | None = None
    status_url: str | None = None


def read_signature(line: str) -> Signature | None:
    """The signature a line holds, dated or not; None when it holds none."""
    line = line.strip()
    lead = LEADING_DASH.match(line)
    if lead is not None and len(line) <= MAX_SIGNATURE_CHARS:
        signature = _signed(line[lead.end() :])
        if signature is not None:
            return signature
    return _inline(line)


def read_date(text: str) -> tuple[str, dt.date] | None:
    """(date text, day) when `text` is a shown date and little else: "January 7, 2022",
    "23. November 2015", "6:56 PM · Jan 7, 2022", "May 13, 2025 at 11:37 PM", "2016年6月21日"."""
    text = text.strip().rstrip(".")
    if not text or len(text) > MAX_DATE_CHARS:
        return None
    first = FIRST_WORD.search(text)
    if first is None or not (first[0].isdigit() or month_number(first[0]) is not None):
        return None
    day = parse_date_text(text)
    return (text, day) if day is not None else None


def handle_platform(handle: str) -> str:
    """A Mastodon account is user@host; only Bluesky handles are domains; the rest is Twitter."""
    if "@" in handle:
        return "mastodon"
    return "bluesky" if "." in handle else PLATFORM


def _signed(body: str, before: str | None = None) -> Signature | None:
    """`Name (@handle) date` or `@handle date` after the dash."""
    found = None
    for found in HANDLE_IN_PARENS.finditer(body):  # noqa: B007 - the last one is the handle
        pass
    bare = BARE_HANDLE.match(body) if found is None else None
    if found is not None:
        name, handle, rest = body[: found.start()].strip() or None, found["handle"], body[found.end() :]
        if name is not None and len(name) > MAX_NAME_CHARS:
            return None
    elif bare is not None:
        name, handle, rest = None, bare["handle"], body[bare.end() :]
    else:
        return None
    handle = handle.rstrip(".-")
    rest = rest.strip()
    # A CMS that dropped the date link's <a> leaves its URL as text before the date.
    status = STATUS_URL_TEXT.match(rest)
    if status is not None:
        rest = rest[status.end() :].strip()
    shown = read_date(rest) if rest else None
    if rest and shown is None:
        return None
    date_text, date = shown if shown is not None else (None, None)
    url = status[1] if status is not None else None
    return Signature(handle_platform(handle), name, handle, date_text, date, before, url)


def _inline(line: str) -> Signature | None:
    """A flattened embed, `text — Name (@handle) date`: the last real dash before the last handle."""
    at = line.rfind("(@")
    handle = HANDLE_IN_PARENS.match(line, at) if at >= 0 else None
    if handle is None or len(line) - handle.end() > MAX_DATE_CHARS:
        return None
    window_start = max(0, at - MAX_NAME_CHARS - 2)
    dash = max(line.rfind(mark, window_start, at) for mark in INLINE_DASHES)
    if dash <= 0 or not line[dash - 1].isspace():
        return None
    before = line[:dash].strip()
    signature = _signed(line[dash + 1 :].strip(), before)
    if signature is None or signature.date is None or not before:
        return None
    return signature


def weighted_length(text: str) -> int:
    """Length of a tweet by twitter-text v3 rules; a trailing URL does not count."""
    text = unicodedata.normalize("NFC", text).rstrip()
    urls = list(URL.finditer(text))
    if urls and urls[-1].end() == len(text):
        text = text[: urls[-1].start()].rstrip()
        urls.pop()
    total = URL_WEIGHT * len(urls)
    for piece in URL.split(text):
        total += _weigh_chars(piece)
    return total


def _weigh_chars(text: str) -> int:
    # An emoji sequence (ZWJ family, flag, skin tone, keycap) weighs as one emoji.
    text = REGIONAL_INDICATOR.sub("\U0001f600", text)
    text = EMOJI_MODIFIERS.sub("", text)
    text = ZWJ_TAIL.sub("", text)
    return len(text) + HEAVY_CHAR.subn("", text)[1]  # a count, without a string per character
