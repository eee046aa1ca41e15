"""The byte prefilter: a page is parsed when, and only when, it holds some detector's marker.

Both implementations (collector.extract.prefilter: hyperscan, and the pure-Python gate scan kept
for platforms without hyperscan's wheels) must answer as a plain scan for every marker would, for
bytes and for text, wherever the marker sits, and give each other's answer on every page we have:
the real-world corpus, the fixtures, their markup mutations, the crawl mix and generated pages.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT, needs_realworld, realworld_pages
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.mutations import MUTATIONS, mutate
from collector.extract import prefilter as prefilter_module
from collector.extract.platforms import DETECTORS
from collector.extract.prefilter import (
    MARKERS,
    PREFILTER_ENV,
    SHAPE_FORMS,
    python_has_markers,
    select_prefilter,
)

HAS_HYPERSCAN = importlib.util.find_spec("hyperscan") is not None
needs_hyperscan = pytest.mark.skipif(not HAS_HYPERSCAN, reason="hyperscan has no wheel installed here")

DETECTOR_MARKERS = sorted({marker for detector in DETECTORS for marker in detector.markers})
FILLER = b"<p>An article about twitter, tweets and embeds, with amp- pages and fb- names.</p>" * 40
FIXTURE_PAGES = sorted((ROOT / "fixtures").glob("*.html"))
Prefilter = Callable[[bytes | str], bool]


@pytest.fixture(params=["python", pytest.param("hyperscan", marks=needs_hyperscan)])
def prefilter(request: pytest.FixtureRequest) -> Prefilter:
    """Each implementation, chosen by name as QUOTES_PREFILTER chooses it."""
    return select_prefilter(request.param)


@pytest.mark.parametrize("marker", DETECTOR_MARKERS, ids=lambda m: m.decode())
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_every_marker_anywhere_is_found(prefilter: Prefilter, marker: bytes, where: str) -> None:
    page = {"start": marker + FILLER, "middle": FILLER + marker + FILLER, "end": FILLER + marker}[where]
    assert prefilter(page)
    assert prefilter(page.decode())


def test_every_tombstone_marker_is_found(prefilter: Prefilter) -> None:
    for marker in MARKERS:
        assert prefilter(FILLER + marker + FILLER), marker


def test_near_misses_are_not_markers(prefilter: Prefilter) -> None:
    # Every marker with its middle character replaced: pieces of every marker, no whole one.
    cut = b" ".join(m[: len(m) // 2] + b"|" + m[len(m) // 2 + 1 :] for m in MARKERS)
    page = FILLER + cut + FILLER
    assert not any(marker in page for marker in MARKERS)  # the page really holds none
    assert not prefilter(page)
    assert not prefilter(page.decode())


def test_markers_match_in_the_case_they_are_written(prefilter: Prefilter) -> None:
    assert not prefilter(FILLER + b'<blockquote class="TWITTER-TWEET">' + FILLER)
    assert prefilter(FILLER + b'<div class="Tombstone">' + FILLER)
    assert not prefilter(FILLER + b'<div class="TOMBSTONE">' + FILLER)


def test_marker_after_many_gate_words_is_found(prefilter: Prefilter) -> None:
    page = b"twitter " * 5000 + b'<blockquote class="instagram-media">' + b" embed" * 5000
    assert prefilter(page)
    assert not prefilter(b"twitter " * 5000 + b" embed" * 5000)


def test_a_status_url_and_a_blockquote_let_a_page_through_without_a_marker(prefilter: Prefilter) -> None:
    # Class-less tweet blockquotes (sanitizers, readers) have no marker of their own.
    quote = b'<blockquote><p>hi</p>- A (@a) <a href="https://x.com/a/status/1">May 1, 2020</a></blockquote>'
    assert prefilter(FILLER + quote + FILLER)
    assert prefilter((FILLER + quote.replace(b"blockquote", b"BLOCKQUOTE") + FILLER).decode())
    assert not prefilter(FILLER + quote.replace(b"/status", b"/post") + FILLER)
    assert not prefilter(FILLER + quote.replace(b"blockquote", b"div") + FILLER)
    assert not prefilter(quote.replace(b"<blockquote>", b"<p>").replace(b"</blockquote>", b"</p>"))


def test_text_beyond_ascii_and_lone_surrogates_are_scanned(prefilter: Prefilter) -> None:
    assert prefilter("café \udcff naïve <div class='twitter-tweet'> 日本")
    assert not prefilter("café \udcff naïve <div class='twitter-weet'> 日本")


# Pages from what markers are made of: every marker and shape spelling cut into pieces, and the
# gate words, in any order, so that markers form across the pieces' joins.
PIECES = sorted(
    {
        piece
        for marker in (*MARKERS, *(s for form in SHAPE_FORMS for spellings in form for s in spellings))
        for piece in (marker, marker[: len(marker) // 2], marker[len(marker) // 2 :], marker[1:], marker[:-1])
    }
    | {b"twitter", b"tweet", b"embed", b" ", b"<", b"-", b"\xc3\xa9"}
)


@needs_hyperscan
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_hyperscan_and_python_agree_on_generated_pages(pieces: list[bytes]) -> None:
    page = b"".join(pieces)
    fast = select_prefilter("hyperscan")
    expected = any(marker in page for marker in MARKERS) or any(
        all(any(s in page for s in spellings) for spellings in form) for form in SHAPE_FORMS
    )
    assert python_has_markers(page) == expected
    assert fast(page) == expected
    assert fast(page.decode("utf-8", "replace")) == expected


def _agree(fast: Prefilter, data: bytes, name: str) -> None:
    assert fast(data) == python_has_markers(data), name
    text = data.decode("utf-8", "replace")
    assert fast(text) == python_has_markers(text), name


@needs_hyperscan
@needs_realworld
def test_hyperscan_and_python_agree_on_every_corpus_page_and_fixture() -> None:
    fast = select_prefilter("hyperscan")
    pages = [*realworld_pages(), *FIXTURE_PAGES, *sorted((ROOT / "fixtures").glob("*.txt"))]
    assert len(pages) > 40
    for path in pages:
        _agree(fast, path.read_bytes(), path.name)


@needs_hyperscan
@needs_realworld
def test_hyperscan_and_python_agree_on_every_mutation_and_the_crawl_mix() -> None:
    from benchmarks.crawl_mix import source_pages

    fast = select_prefilter("hyperscan")
    for path in [*realworld_pages(), *FIXTURE_PAGES]:
        markup = path.read_bytes().decode("utf-8", "replace")
        for name in MUTATIONS:
            _agree(fast, mutate(markup, name).encode("utf-8", "surrogatepass"), f"{path.name} {name}")
    for name, saved, cut in source_pages():
        _agree(fast, saved, name)
        _agree(fast, cut, f"{name} without embeds")


def test_environment_forces_the_pure_python_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFILTER_ENV, "python")
    assert select_prefilter() is python_has_markers


def test_without_hyperscan_the_pure_python_prefilter_is_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFILTER_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # import hyperscan now raises ImportError
    assert select_prefilter() is python_has_markers
    with pytest.raises(ImportError):
        select_prefilter("hyperscan")


@needs_hyperscan
def test_hyperscan_is_the_default_where_it_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFILTER_ENV, raising=False)
    assert isinstance(select_prefilter(), prefilter_module.HyperscanPrefilter)


@needs_hyperscan
def test_threads_scan_at_once() -> None:
    fast = select_prefilter("hyperscan")
    pages = [FILLER * 20 + marker + FILLER for marker in MARKERS] + [FILLER * 20] * len(MARKERS)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fast, pages * 20))
    assert answers == [python_has_markers(page) for page in pages * 20]
