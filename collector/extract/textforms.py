"""Plain text as people save articles, laid out as blocks for `collector.textposts`.

The forms, and the tools that write them:
- one line per paragraph, no blank lines (a browser's copy and paste, the seed article), or
  paragraphs separated by blank lines (inscriptis, trafilatura, most "save as text");
- lines wrapped at a fixed width, 72-80 columns (`lynx -dump`, `w3m -dump`; pandoc and html2text
  do it in Markdown). A line break is a wrap when the next line's first word would not have
  fitted on the line; wrapped lines are joined back into the reader's line, with no space where
  the tool broke inside a run of CJK text, after a hyphen (html2text breaks there) or after a
  URL's `/` (w3m breaks there). Other breaks are the page's own (`<br>`) and stay;
- quoted blocks indented by spaces (lynx, w3m, inscriptis indent `<blockquote>`): a change of
  indent starts a block, and a block indented deeper than the article's text is `distinct`.
Carriage returns (Windows, old Mac), tabs and no-break spaces are read as a reader sees them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

from collector.extract.textposts import Block, Line, find_posts
from collector.values import Post

# Widths wrapping tools use: pandoc 72, lynx ~77, html2text 78, w3m 80 (plus indentation).
MAX_WRAP_WIDTH = 100
MIN_WRAP_WIDTH = 60
# ... and fills many of them: lines within FULL_SLACK of the width, at least this many.
FULL_SLACK = 12
MIN_FULL_LINES = 3
FULL_SHARE = 0.2
# A page is wrapped when almost none of its lines is wider than a wrapping tool writes.
MAX_WIDE_SHARE = 0.02
TAB_SIZE = 8
# A signature, list item or quoted line starts a line of its own: never the rest of a wrap.
LINE_START = re.compile(r"^(?:[—–―]|--?\s|[*+•>]\s)")
# w3m breaks a token that does not fit after a `/` or `#` (URLs, hashtags).
WRAPPED_TOKEN = re.compile(r"(?:^|\s)(?:\S*/|#)$")
WIDE = frozenset({"W", "F"})
# How far short of the width a line of CJK text may stop and still have been wrapped.
CJK_SLACK = 8


def extract_text_posts(text: str, *, source: str | None = None) -> list[Post]:
    """Every signed post in a plain-text page, in order. `source` is for diagnostics only."""
    return find_posts(text_blocks(text))


def text_blocks(text: str) -> list[Block]:
    """The page's paragraphs: runs of non-blank lines, wraps joined.

    A run is also cut where the text steps into or out of an indented region: a quoted block
    right below a paragraph of the article. Inside a region, indents vary (w3m centres lines of
    `text-align: center`, lynx nests lists), so a change of indent alone does not cut it.
    """
    lines = clean_text(text).split("\n")
    width = wrap_width(lines)
    body = _body_indent(lines)
    blocks: list[Block] = []
    run: list[str] = []
    for raw in [*lines, ""]:
        content = raw.lstrip(" ")
        if run and (not content or (len(raw) - len(content) > body) != _indented(run[0], body)):
            level = len(run[0]) - len(run[0].lstrip(" "))
            blocks.append(Block(lines=_logical(run, width), level=level, distinct=level > body))
            run = []
        if content.strip():
            run.append(raw.rstrip())
    return blocks


def _indented(line: str, body: int) -> bool:
    return len(line) - len(line.lstrip(" ")) > body


def clean_text(text: str) -> str:
    """One line end (LF), tabs to spaces, no-break spaces as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return text.expandtabs(TAB_SIZE) if "\t" in text else text


def wrap_width(lines: list[str]) -> int | None:
    """The width the page was wrapped at, or None when its lines are not wrapped."""
    widths = [_width(line) for line in lines if line.strip()]
    if not widths:
        return None
    narrow = [w for w in widths if w <= MAX_WRAP_WIDTH]
    if len(widths) - len(narrow) > MAX_WIDE_SHARE * len(widths) or not narrow:
        return None
    width = max(narrow)
    full = sum(w >= width - FULL_SLACK for w in narrow)
    return (
        width if width >= MIN_WRAP_WIDTH and full >= max(MIN_FULL_LINES, FULL_SHARE * len(widths)) else None
    )


def _width(line: str) -> int:
    """Columns as the tools count them when they wrap: code points (lynx counts a CJK character as
    one column; a run of CJK text has no spaces, so its wraps read as wraps either way)."""
    return len(line)


def _display_width(line: str) -> int:
    return len(line) + sum(_is_wide(char) for char in line)


def _body_indent(lines: list[str]) -> int:
    """The indent most of the page's text sits at: the article's own paragraphs."""
    weights: Counter[int] = Counter()
    for line in lines:
        content = line.lstrip(" ")
        weights[len(line) - len(content)] += len(content)
    return weights.most_common(1)[0][0] if weights else 0


def _logical(run: list[str], width: int | None) -> tuple[Line, ...]:
    """A paragraph's lines with the tool's wraps joined back (none when the page is not wrapped)."""
    logical = [run[0].strip()]
    for previous, line in itertools.pairwise(run):
        text = line.strip()
        if width is not None and _wrapped(previous, text, width):
            logical[-1] = _join(logical[-1], text)
        else:
            logical.append(text)
    return tuple(Line(text) for text in logical)


def _wrapped(previous: str, text: str, width: int) -> bool:
    """The tool broke here: the next line's first word would not have fitted after `previous`."""
    if LINE_START.match(text):
        return False
    if _is_wide(previous[-1]) and _is_wide(text[0]):
        # No word boundary in CJK text: a near-full line was wrapped (w3m counts a CJK
        # character as two columns, lynx as one).
        return max(len(previous), _display_width(previous)) >= width - CJK_SLACK
    word = text.split(" ", 1)[0]
    return _width(previous) + 1 + _width(word) > width


def _join(line: str, text: str) -> str:
    """`line` + the wrapped rest of it."""
    if _is_wide(line[-1]) or _is_wide(text[0]):
        return line + text
    if len(line) > 1 and line[-1] == "-" and line[-2].isalpha():
        return line + text
    if WRAPPED_TOKEN.search(line):
        return line + text
    return f"{line} {text}"


def _is_wide(char: str) -> bool:
    return ord(char) > 0x1100 and unicodedata.east_asian_width(char) in WIDE
