"""The byte prefilter: a page is parsed when, and only when, it holds some detector's marker.

`has_markers` scans for a few gates and looks for markers only around them; it must answer as
a plain scan for every marker would, for bytes and for text, wherever the marker sits.
"""

from __future__ import annotations

import pytest

from collector.extract import has_markers
from collector.extract.platforms import DETECTORS

MARKERS = sorted({marker for detector in DETECTORS for marker in detector.markers})
FILLER = b"<p>An article about twitter, tweets and embeds, with amp- pages and fb- names.</p>" * 40


@pytest.mark.parametrize("marker", MARKERS, ids=lambda m: m.decode())
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_every_marker_anywhere_is_found(marker: bytes, where: str) -> None:
    page = {"start": marker + FILLER, "middle": FILLER + marker + FILLER, "end": FILLER + marker}[where]
    assert has_markers(page)
    assert has_markers(page.decode())


def test_near_misses_are_not_markers() -> None:
    # Every marker with its middle character replaced: pieces of every marker, no whole one.
    cut = b" ".join(m[: len(m) // 2] + b"|" + m[len(m) // 2 + 1 :] for m in MARKERS)
    page = FILLER + cut + FILLER
    assert not any(marker in page for marker in MARKERS)  # the page really holds none
    assert not has_markers(page)
    assert not has_markers(page.decode())


def test_marker_after_many_gate_words_is_found() -> None:
    page = b"twitter " * 5000 + b'<blockquote class="instagram-media">' + b" embed" * 5000
    assert has_markers(page)
    assert not has_markers(b"twitter " * 5000 + b" embed" * 5000)


def test_a_status_url_and_a_blockquote_let_a_page_through_without_a_marker() -> None:
    # Class-less tweet blockquotes (sanitizers, readers) have no marker of their own.
    quote = b'<blockquote><p>hi</p>- A (@a) <a href="https://x.com/a/status/1">May 1, 2020</a></blockquote>'
    assert has_markers(FILLER + quote + FILLER)
    assert has_markers((FILLER + quote.replace(b"blockquote", b"BLOCKQUOTE") + FILLER).decode())
    assert not has_markers(FILLER + quote.replace(b"/status", b"/post") + FILLER)
    assert not has_markers(FILLER + quote.replace(b"blockquote", b"div") + FILLER)
