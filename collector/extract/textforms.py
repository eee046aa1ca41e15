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

from collector.extract.signatures import read_signature
from collector.extract.textposts import Block, Line, find_posts
from collector.values import Post

# A wrapped page has a wall: many lines end just short of the width the tool wrapped at (the next
# word did not fit), and almost none is wider (an unbreakable URL, a table row). The wall is looked
# for at every width from MIN_WRAP_WIDTH to MAX_WRAP_WIDTH (lynx -width, w3m -cols, pandoc
# --columns, html2text body_width, fmt and email clients: 40 to 120 and more, plus indentation).
MIN_WRAP_WIDTH = 30
MAX_WRAP_WIDTH = 160
# The wall's thickness at width w: lines within w // WALL_DIVISOR (at least MIN_WALL) of it.
WALL_DIVISOR = 10
MIN_WALL = 3
# Lines just past the wall may be at most this share of the lines at it, lines wider still
# (unbreakable URLs, tables, preformatted text) at most MAX_WIDE_SHARE of the page's non-blank
# lines; the lines at the wall must be at least MIN_FULL_LINES and FULL_SHARE of them.
MAX_PAST_WALL = 0.1
MAX_WIDE_SHARE = 0.1
MIN_FULL_LINES = 3
FULL_SHARE = 0.1
# Prose lines (words one space apart: no table, no URL) wider than the wall, against the lines at
# it: preformatted text in a wrapped page stays below this, a page of one paragraph a line above.
MAX_WIDE_PROSE = 1 / 3
# Prose lines longer than any wrapping width: one in a hundred lines at the wall at most.
MAX_LONG_PROSE = 0.01
WORD_GAP = re.compile(r"\S \S")
TABLE_GAP = re.compile(r"\S {2,}\S")
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
    """The width the page was wrapped at, or None when its lines are not wrapped.

    Read from the distribution of line widths, not from one width: the widest line at the page's
    wall (see WALL_DIVISOR), when the page has one. Prose lines far wider than the wall (a word
    boundary a wrapping tool would have broken at) tell a page of one paragraph a line."""
    widths = Counter(_width(line.rstrip()) for line in lines if line.strip())
    prose = Counter(_width(line.rstrip()) for line in lines if _prose(line))
    total = sum(widths.values())
    if not total:
        return None
    # below[w]: lines at most w wide, so a window of widths is counted in constant time.
    below, prose_below = _cumulative(widths), _cumulative(prose)
    prose_total = sum(prose.values())
    long_prose = prose_total - prose_below[MAX_WRAP_WIDTH]
    best, best_count = None, max(MIN_FULL_LINES, FULL_SHARE * total) - 1
    for width in range(MIN_WRAP_WIDTH, MAX_WRAP_WIDTH + 1):
        wall = max(MIN_WALL, width // WALL_DIVISOR)
        at_wall = below[width] - below[width - wall]
        past_wall = below[width + wall] - below[width]
        wide, wide_prose = total - below[width + wall], prose_total - prose_below[width + wall]
        if (
            at_wall > best_count
            and past_wall <= MAX_PAST_WALL * at_wall
            and wide <= MAX_WIDE_SHARE * total
            and wide_prose < MAX_WIDE_PROSE * at_wall
            and long_prose <= MAX_LONG_PROSE * at_wall
        ):
            best, best_count = width, at_wall
    if best is None:
        return None
    return max(w for w in range(best - max(MIN_WALL, best // WALL_DIVISOR), best + 1) if widths.get(w))


def _prose(line: str) -> bool:
    """Words one space apart (no table's column gap) on a line that could be wider than a wall."""
    return (
        len(line) > MIN_WRAP_WIDTH
        and WORD_GAP.search(line) is not None
        and TABLE_GAP.search(line.strip()) is None
    )


def _cumulative(widths: Counter[int]) -> list[int]:
    return list(itertools.accumulate(widths.get(w, 0) for w in range(MAX_WRAP_WIDTH * 2 + 1)))


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
        if width is not None and _wrapped(previous, text, width) and not _signed(logical[-1]):
            logical[-1] = _join(logical[-1], text)
        else:
            logical.append(text)
    return tuple(Line(text) for text in logical)


def _signed(line: str) -> bool:
    """A whole dated signature: the line after it is the article's again, however short it is."""
    if "@" not in line or not LINE_START.match(line):
        return False
    signature = read_signature(line)
    return signature is not None and signature.date is not None and signature.before is None


def _wrapped(previous: str, text: str, width: int) -> bool:
    """The tool broke here: the next line's first word would not have fitted after `previous`."""
    if LINE_START.match(text):
        return False
    if _is_wide(previous[-1]) and _is_wide(text[0]):
        # No word boundary in CJK text: a near-full line was wrapped (w3m counts a CJK
        # character as two columns, lynx as one).
        # A line wider than the width was not wrapped there (pandoc keeps a run of CJK whole).
        return any(width - CJK_SLACK <= w <= width for w in (len(previous), _display_width(previous)))
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
