"""Extraction speed in one process, against a full-page BeautifulSoup parse in the same run.

    python -m benchmarks.make_corpus          # once: benchmarks/corpus/ (gitignored)
    python -m benchmarks.bench_extract [--corpus benchmarks/corpus] [--bs4-every 10] [--runs 3]

Every figure is measured in this run on the same pages, held in memory as bytes (the page cache's
job, measured as the read floor), so the ratios hold whatever the machine's speed:
- read floor: reading the page files;
- prefilter: `has_markers` over every page;
- fast path: `extract_posts` (prefilter, one lexbor parse, one combined CSS query);
- fast path without the prefilter (parse every page): the prefilter's effect;
- reference path (benchmarks/reference.py): no prefilter, one query per detector selector;
- bs4 full page: `BeautifulSoup(page, "html.parser")` alone (the issue's baseline: "a full-page
  BeautifulSoup parse"), and with `soup.select` of the same combined selector (what finding the
  candidates with bs4 would cost), on every Nth page (MB/s is per byte, so a sample measures the
  same rate), best of the same number of passes as every other row.
Then it checks that the fast path gives exactly the reference path's posts on every generated page
and every real-world page (../shared/corpus/realworld/pages) and fixture, and that pages without a
marker are never parsed (the parser is replaced by one that fails for them).
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar
from unittest import mock

from bs4 import BeautifulSoup
from selectolax.lexbor import LexborHTMLParser

import collector.extract.page as extract_module
from benchmarks.reference import reference_posts
from collector.extract import has_markers
from collector.extract.page import COMBINED_SELECTOR, extract_posts, find_posts

REPO = Path(__file__).resolve().parents[1]

DEFAULT_CORPUS = REPO / "benchmarks" / "corpus"
REALWORLD = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
FIXTURES = REPO / "fixtures"
MB = 1_000_000
T = TypeVar("T")
TARGET_MB_S = 150.0
TARGET_VS_BS4 = 35.0


def timed(run: Callable[[T], object], pages: Sequence[T], runs: int) -> float:
    """Best wall time of `runs` passes over `pages` (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        for page in pages:
            run(page)
        best = min(best, time.perf_counter() - started)
    return best


def read_all(paths: Sequence[Path]) -> tuple[list[bytes], float]:
    started = time.perf_counter()
    pages = [path.read_bytes() for path in paths]
    return pages, time.perf_counter() - started


def parse_all(page: bytes) -> object:
    return find_posts(LexborHTMLParser(page))


def parse_only(page: bytes) -> object:
    return LexborHTMLParser(page)


def parse_and_query(page: bytes) -> object:
    tree = LexborHTMLParser(page)
    return tree.root.css(COMBINED_SELECTOR) if tree.root is not None else []


def bs4_parse(page: bytes) -> object:
    return BeautifulSoup(page, "html.parser")


def bs4_select(page: bytes) -> object:
    return BeautifulSoup(page, "html.parser").select(COMBINED_SELECTOR)


class _NoParse:
    def __init__(self, html: str | bytes) -> None:
        raise AssertionError("a page without markers was parsed")


def prefilter_skips(pages: Sequence[bytes]) -> int:
    """Extract every marker-free page with a parser that fails if called; return how many."""
    bare = [page for page in pages if not has_markers(page)]
    with mock.patch.object(extract_module, "LexborHTMLParser", _NoParse):
        for page in bare:
            assert extract_posts(page) == []
    return len(bare)


def differences(pages: Sequence[tuple[str, bytes]]) -> tuple[int, int, list[str]]:
    """Posts found, pages compared, and the names of pages where fast and reference differ."""
    posts, differ = 0, []
    for name, page in pages:
        fast = extract_posts(page)
        posts += len(fast)
        if fast != reference_posts(page):
            differ.append(name)
    return posts, len(pages), differ


def row(name: str, seconds: float, size: int, count: int, bs4_rate: float, note: str = "") -> str:
    rate = size / MB / seconds
    return f"| {name} | {count / seconds:,.0f} | {rate:,.1f} | {rate / bs4_rate:,.1f}× | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--bs4-every", type=int, default=10, help="bs4 parses every Nth page")
    parser.add_argument("--runs", type=int, default=3, help="passes per fast measurement (best kept)")
    args = parser.parse_args()
    paths = sorted((args.corpus / "pages").glob("*.html"))
    if not paths:
        raise SystemExit(f"no pages in {args.corpus}/pages: run benchmarks/make_corpus.py first")
    read_all(paths)  # warm the page cache
    pages, read_seconds = read_all(paths)
    size = sum(map(len, pages))
    bare = [page for page in pages if not has_markers(page)]
    sample = pages[:: args.bs4_every]
    sample_size = sum(map(len, sample))

    bs4_seconds = timed(bs4_parse, sample, args.runs)
    bs4_rate = sample_size / MB / bs4_seconds
    bs4_select_seconds = timed(bs4_select, sample, args.runs)
    fast = timed(extract_posts, pages, args.runs)
    unfiltered = timed(parse_all, pages, args.runs)
    prefilter = timed(has_markers, pages, args.runs)
    reference = timed(reference_posts, pages, 1)
    parsed = timed(parse_only, pages, args.runs)
    queried = timed(parse_and_query, pages, args.runs)
    real_pages = [p.read_bytes() for p in sorted(REALWORLD.glob("*.html"))]
    real_size = sum(map(len, real_pages))
    real_fast = timed(extract_posts, real_pages, args.runs * 3) if real_pages else float("nan")
    real_posts = sum(len(extract_posts(page)) for page in real_pages)
    posts = sum(len(extract_posts(page)) for page in pages)
    bare_filtered = timed(extract_posts, bare, args.runs)
    bare_parsed = timed(parse_all, bare, args.runs)

    print(
        f"corpus: {len(pages)} pages, {size / MB:,.1f} MB, {posts:,} posts "
        f"({posts / (size / MB):,.0f} per MB), "
        f"{len(bare)} pages without any marker; "
        f"bs4 on {len(sample)} pages ({sample_size / MB:,.1f} MB); best of {args.runs} passes"
    )
    print()
    print("| path (one process) | pages/s | MB/s | × bs4 full-page parse | note |")
    print("|---|---:|---:|---:|---|")
    print(row("read files (page cache floor)", read_seconds, size, len(pages), bs4_rate))
    print(row("prefilter `has_markers` only", prefilter, size, len(pages), bs4_rate))
    print(
        row(
            "**fast path `extract_posts`**",
            fast,
            size,
            len(pages),
            bs4_rate,
            f"{fast / read_seconds:,.0f}× slower than the read floor",
        )
    )
    print(row("fast path, prefilter off", unfiltered, size, len(pages), bs4_rate))
    print(row("lexbor parse only (no query, no detectors)", parsed, size, len(pages), bs4_rate))
    print(row("lexbor parse + combined CSS query (no detectors)", queried, size, len(pages), bs4_rate))
    if real_pages:
        note = f"{real_posts} posts in {real_size / MB:,.1f} MB ({real_posts / (real_size / MB):,.0f} per MB)"
        print(row("fast path on the real-world pages", real_fast, real_size, len(real_pages), bs4_rate, note))
    print(row("reference path", reference, size, len(pages), bs4_rate))
    print(row("bs4 html.parser full page + select", bs4_select_seconds, sample_size, len(sample), bs4_rate))
    print(row("bs4 html.parser full page parse", bs4_seconds, sample_size, len(sample), bs4_rate))
    print()
    per_mb = [seconds * 1000 / (size / MB) for seconds in (parsed, queried - parsed, fast - queried)]
    print(
        "fast path cost split per MB: parse {:.1f} ms, combined CSS query {:.1f} ms, prefilter + "
        "detectors + wrappers {:.1f} ms ({:.0f} µs per post)".format(*per_mb, (fast - queried) / posts * 1e6)
    )
    bare_size = sum(map(len, bare))
    print(
        f"prefilter on the {len(bare)} marker-free pages ({bare_size / MB:,.1f} MB): "
        f"{bare_filtered * 1000:,.1f} ms with it, {bare_parsed * 1000:,.1f} ms parsing them "
        f"(parse time / prefilter time {bare_parsed / bare_filtered:,.2f}); whole corpus with vs "
        f"without the prefilter: {unfiltered / fast:,.2f}× the speed"
    )
    print(
        f"prefilter really skips parsing: {prefilter_skips(pages)} marker-free pages extracted "
        "with a parser that fails when called: none was parsed"
    )

    generated = [(path.name, page) for path, page in zip(paths, pages, strict=True)]
    real = [(p.name, p.read_bytes()) for p in sorted(REALWORLD.glob("*.html"))]
    real += [(p.name, p.read_bytes()) for p in sorted(FIXTURES.iterdir()) if p.suffix != ".json"]
    for label, subset in (("generated corpus", generated), ("real-world pages + fixtures", real)):
        posts, compared, differ = differences(subset)
        verdict = "identical" if not differ else f"DIFFERENT on {len(differ)}: {', '.join(differ[:5])}"
        print(f"fast vs reference, {label}: {compared} pages, {posts:,} posts: {verdict}")

    fast_rate = size / MB / fast
    print()
    print(
        f"target extraction >= {TARGET_MB_S:.0f} MB/s: {fast_rate:,.1f} MB/s "
        f"({'met' if fast_rate >= TARGET_MB_S else 'NOT met'})"
    )
    select_rate = sample_size / MB / bs4_select_seconds
    print(
        f"target >= {TARGET_VS_BS4:.0f}× a full-page bs4 parse: {fast_rate / bs4_rate:,.1f}× "
        f"({'met' if fast_rate / bs4_rate >= TARGET_VS_BS4 else 'NOT met'}); "
        f"{fast_rate / select_rate:,.1f}× bs4 parse + select"
    )
    print(
        f"peak RSS of this process (all pages held in memory): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()
