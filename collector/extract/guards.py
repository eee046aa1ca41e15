"""Per-page guards: a bound on the parser's work checked on the bytes, and a time budget.

Both make one hostile page that page's failure (`PageRefused`, with a reason for the user) and
never a stall of the ordered pipeline, where every page waits for the one before it.

Tree building. lexbor, like every HTML5 parser, walks the stack of open elements for some tags
(a `<div>` first closes any `<p>` "in button scope", a stray `</p>` looks for one), so a page
nesting 100,000 `<div>`s costs about 5 x 10^9 steps (17 s) and a million about 100 times that;
100,000 nested `<span>`s cost nothing of the kind. `check_nesting` estimates those steps from the
tags alone, linearly and before parsing: the depth of open elements (void elements, `<p>`, `<li>`
and the others the parser closes by themselves do not count; script, style and other raw text is
skipped) summed over the tags that walk the stack (SCOPE_WALKERS). A page past MAX_PARSE_STEPS is
refused. Fewer than SAFE_TAGS tags cannot reach it, so ordinary pages pay one count of `<`.

Time. Every regex over page text is linear (benchmarks/bench_hostile.py), but a page still gets a
budget, scaled to its size, as a last line of defence: `time_budget` arms a real-time interval
timer whose SIGALRM handler raises PageTimeout in the code running the page. Python checks for
signals between bytecodes and `re` checks inside its matching loop, so a runaway regex or loop is
cut; C code that never returns to Python (lexbor's parse) is not, which is why tree building has
its own bound above. Signals reach only the main thread: elsewhere the budget is not armed (the
ingest runs pages in the main thread of the CLI process or of each worker process).
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import threading
from collections.abc import Iterator
from types import FrameType

# About 0.5-1 s of lexbor's tree building on our machine (3-5 ns a step, measured at 20k-100k levels).
MAX_PARSE_STEPS = 200_000_000
# With n tags the steps are at most n^2 / 2: a page with fewer tags is never scanned.
SAFE_TAGS = math.isqrt(2 * MAX_PARSE_STEPS)
# Elements that never stay open around what follows them: void elements, and those the parser
# closes when the next of their kind (or a block) starts. Counting them would only overestimate.
NOT_NESTING = frozenset(
    b"area base br col embed hr img input link meta param source track wbr keygen basefont bgsound "
    b"frame image isindex p li dd dt option optgroup tr td th thead tbody tfoot caption colgroup "
    b"rb rt rp rtc".split()
)
# The tags whose start or end walks the stack of open elements (HTML's "in body" insertion mode:
# those that close a <p> in button scope, headings, forms, list items, and their end tags).
SCOPE_WALKERS = frozenset(
    b"address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
    b"footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing "
    b"form li dd dt plaintext table hr xmp button applet marquee object".split()
)
# Elements whose content is raw text to the parser: tags inside are not tags.
RAW_TEXT = frozenset(b"script style textarea title xmp iframe noembed noframes plaintext".split())
_TAG = re.compile(rb"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]{0,63}))")
_COMMENT_END = b"-->"
_RAW_TEXT_END = {name: re.compile(rb"</" + name + rb"[\s/>]", re.IGNORECASE) for name in RAW_TEXT}

# The time budget of one page: a fixed allowance plus one per megabyte, about a hundred times what
# extraction takes on a slow machine.
PAGE_SECONDS = 10.0
SECONDS_PER_MB = 1.0


class PageRefused(Exception):
    """A page refused by a guard; str() is the reason, one line for the user."""


class PageTimeout(PageRefused):
    """A page that took longer than its time budget."""


def check_nesting(html: str | bytes) -> None:
    """Raise PageRefused when parsing `html` would cost more than MAX_PARSE_STEPS (see above)."""
    tags = html.count("<") if isinstance(html, str) else html.count(b"<")
    if tags <= SAFE_TAGS:
        return
    data = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
    if parse_steps(data) > MAX_PARSE_STEPS:
        raise PageRefused(
            f"elements nested too deeply to parse: over {MAX_PARSE_STEPS:.0e} steps of tree building"
        )


def parse_steps(data: bytes, limit: int = MAX_PARSE_STEPS) -> int:
    """The estimated steps of tree building: the depth of open elements summed over the tags that
    walk the stack, counted until it passes `limit` (one pass; an end tag closes one element of its
    name, if one is open)."""
    depth = steps = 0
    open_by_name: dict[bytes, int] = {}
    position = 0
    while steps <= limit and (match := _TAG.search(data, position)) is not None:
        position = match.end()
        comment, closing, raw_name = match.groups()
        if comment:
            end = data.find(_COMMENT_END, position)
            position = len(data) if end < 0 else end + len(_COMMENT_END)
            continue
        name = raw_name.lower()
        steps += depth + 1 if name in SCOPE_WALKERS else 1
        if closing:
            if open_by_name.get(name):
                open_by_name[name] -= 1
                depth -= 1
            continue
        if name in RAW_TEXT:
            end_tag = _RAW_TEXT_END[name].search(data, position)
            position = len(data) if end_tag is None else end_tag.end()
        elif name not in NOT_NESTING:  # `<div/>` stays open in HTML: no self-closing test
            depth += 1
            open_by_name[name] = open_by_name.get(name, 0) + 1
    return steps


def budget_seconds(size: int) -> float:
    """The time budget of a page of `size` characters or bytes."""
    return PAGE_SECONDS + SECONDS_PER_MB * size / 1_000_000


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise PageTimeout in the code run inside once `seconds` have passed (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise PageTimeout(f"took longer than its time budget of {seconds:g} s; skipped")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
