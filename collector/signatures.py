"""Tweets in plain text: the signature line `— Name (@handle) Month D, YYYY` and the lines above.

A page saved as text (or stripped by a reader mode) keeps an embedded tweet as its text lines
followed by the signature; the status URL and id are gone. Where the text starts is not marked,
so lines are taken upward from the signature while the text stays within the 280 weighted
characters of twitter-text v3 (config/v3.json: code points in the Latin, general punctuation
ranges weigh 1, everything else 2; every URL weighs 23; an emoji sequence weighs 2; NFC first).
A URL at the very end is a quoted tweet or media card and does not count. 280 is a heuristic
for the boundary, not a cap: the line directly above is always taken. A blank line or another
signature ends the text. Text extractors that flatten an embed into one line
("text — Name (@handle) date") are read the same way, the text before the dash taken first.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque

from collector.dates import parse_date_text
from collector.posts import Post

PLATFORM = "twitter"
MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
# twitter-text v3: code points in these ranges weigh 100 (one character), all others 200.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# Every code point outside LIGHT_RANGES adds one more to its length of one.
HEAVY_CHAR = re.compile("[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in LIGHT_RANGES) + "]")
# "— Name (@handle) date": the dash opens the line; the handle is the *last* "(@handle)" because
# names may hold parentheses and emoji ("D.C. ☮️", "JRebel, XRebel by Perforce").
# Linear on any line: `rest` ends at its last non-space character, found by one greedy scan (a
# lazy `.*?` before `\s*$` retried the space run at every position: quadratic); the spaces after
# the dash are taken possessively, since `rest` could otherwise start with any share of them.
SIGNATURE = re.compile(r"^\s*(?:—|–|―|--?)\s*+(?P<rest>.*\(@\w{1,50}\)(?:.*\S)?)\s*$")
# "text — Name (@handle) date" on one line: only a real dash, and the last one before the handle.
INLINE_SIGNATURE = re.compile(
    r"^(?P<text>.*?\S)\s++[—–―]\s*+(?P<rest>[^—–―]*\(@\w{1,50}\)(?:[^()]*[^()\s])?)\s*$"
)
SIGNATURE_HANDLE = re.compile(r"\(@(\w{1,50})\)")
# URLs as twitter-text counts them: with a scheme, or a bare domain with a path (pic.twitter.com/x).
URL = re.compile(r"(?:https?://|(?<![@\w.])(?=[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/))\S+", re.IGNORECASE)
LINK = re.compile(r"https?://\S+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}\"'”’»"
# Code points that join or modify the emoji before them and add nothing to its weight.
# A zero-width joiner and the emoji it joins on add nothing to the first emoji's weight.
ZWJ_TAIL = re.compile("\u200d.", re.DOTALL)
EMOJI_MODIFIERS = re.compile(r"[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
REGIONAL_INDICATOR = re.compile(r"[\U0001f1e6-\U0001f1ff]{2}")


def extract_text_posts(text: str, *, source: str | None = None) -> list[Post]:
    """Every signed tweet in a plain-text page, in order. `source` is for diagnostics only."""
    lines = text.splitlines()
    posts: list[Post] = []
    for index, line in enumerate(lines):
        post = _signed_post(lines, index, line)
        if post is not None:
            posts.append(post)
    return posts


def _signed_post(lines: list[str], index: int, line: str) -> Post | None:
    signature = _read_signature(line)
    if signature is None:
        return None
    name, handle, date_text, same_line = signature
    date = parse_date_text(date_text)
    if date is None:
        return None
    body = _text_above(lines, index, same_line)
    if body is None:
        return None
    return Post(
        platform=PLATFORM,
        author_name=name,
        handle=handle,
        date_text=date_text,
        date=date,
        text=body,
        links=tuple(url.rstrip(TRAILING_PUNCTUATION) for url in LINK.findall(body)),
    )


def _read_signature(line: str) -> tuple[str | None, str, str, str | None] | None:
    """(name, handle, date text, text before the signature on the same line) of a signature."""
    match = SIGNATURE.match(line)
    same_line = None
    if match is None:
        # Text extractors that flatten the embed put text and signature on one line.
        match = INLINE_SIGNATURE.match(line)
        if match is None:
            return None
        same_line = match["text"].strip()
    rest = match["rest"]
    # The last "(@handle)", without a list of them all (100k "(@x)" tokens: 100k match objects).
    (last,) = deque(SIGNATURE_HANDLE.finditer(rest), maxlen=1)
    name = rest[: last.start()].strip()
    return (name or None), last[1], rest[last.end() :].strip(), same_line


def _is_signature(line: str) -> bool:
    signature = _read_signature(line)
    return signature is not None and parse_date_text(signature[2]) is not None


def _text_above(lines: list[str], index: int, same_line: str | None) -> str | None:
    """The lines directly above the signature, taken upward while within 280 weighted chars.

    Text on the signature's own line, or else the line directly above, is always taken.
    """
    taken: list[str] = [same_line] if same_line else []
    for above in range(index - 1, -1, -1):
        line = lines[above].strip()
        if not line or _is_signature(line):
            break
        candidate = "\n".join([line, *taken])
        if taken and weighted_length(candidate) > MAX_WEIGHTED_LENGTH:
            break
        taken.insert(0, line)
    return "\n".join(taken) or None


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
