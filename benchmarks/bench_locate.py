"""Two-stage extraction (benchmarks/two_stage.py, an experiment) against the full parse
(`extract_posts`), same run.

    python benchmarks/make_corpus.py          # once: benchmarks/corpus/ (gitignored)
    python benchmarks/bench_locate.py [--corpus benchmarks/corpus] [--runs 3] [--limit N]

Pages are decoded to str first (collector.inputs.encoding.decode_text, as the ingest pipeline hands
them over) and held in memory. For the generated corpus and the real-world pages
(../shared/corpus/realworld/pages) it prints:
- how many pages take the fragment path, and why the others fall back;
- posts identical to `extract_posts` on every page: the two-stage function (fragments, else the
  full parse) and, separately, the fragment answers alone (must be 100 %);
- speed, best of `--runs` passes, MB/s: `extract_posts`, `extract_posts_two_stage`, `locate`
  alone, and on the pages that take the fragment path only, `extract_located` against
  `extract_posts`; for scale, lexbor's parse + combined query and the string passes the locate
  step is made of (encode, lower, each regex over the whole page).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import two_stage as locate_module  # noqa: E402
from bench_extract import timed  # noqa: E402
from selectolax.lexbor import LexborHTMLParser  # noqa: E402
from two_stage import (  # noqa: E402
    Located,
    extract_located,
    extract_posts_two_stage,
    locate,
    locate_or_reason,
)

from collector.extract.page import _COMBINED_SELECTOR, _find_all, extract_posts, has_markers  # noqa: E402
from collector.inputs.encoding import decode_text  # noqa: E402

DEFAULT_CORPUS = REPO / "benchmarks" / "corpus"
REALWORLD = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
MB = 1_000_000


def size_of(pages: Sequence[str]) -> int:
    return sum(len(page.encode("utf-8", "surrogatepass")) for page in pages)


def reasons(pages: Sequence[str]) -> Counter[str]:
    """Why each page falls back ("" for the pages that take the fragment path)."""
    found: Counter[str] = Counter()
    for page in pages:
        result = locate_or_reason(page)
        if isinstance(result, str):
            found[result] += 1
        elif extract_located(page) is None:
            found["rendered widget whose tweet id occurs elsewhere (twin possible)"] += 1
        else:
            found[""] += 1
    return found


def identical(pages: Sequence[str]) -> tuple[int, int, int, int]:
    """(pages two-stage == full, fragment pages, fragment pages == full, posts on fragment pages)."""
    same = located = located_same = posts = 0
    for page in pages:
        expected = extract_posts(page)
        same += extract_posts_two_stage(page) == expected
        answer = extract_located(page)
        if answer is not None:
            located += 1
            located_same += answer == expected
            posts += len(answer)
    return same, located, located_same, posts


def rate(size: int, seconds: float) -> str:
    return f"{size / MB / seconds:,.1f}"


def report(name: str, pages: list[str], runs: int) -> None:
    size = size_of(pages)
    posts = sum(len(extract_posts(page)) for page in pages)
    density = posts / (size / MB)
    print(f"\n### {name}: {len(pages)} pages, {size / MB:.1f} MB, {posts:,} posts ({density:.0f} per MB)\n")
    why = reasons(pages)
    fragment_pages = [page for page in pages if extract_located(page) is not None]
    print(f"fragment path: {why['']} of {len(pages)} pages ({why[''] / len(pages):.0%}); fall back:")
    for reason, count in why.most_common():
        if reason:
            print(f"- {reason}: {count}")
    same, located, located_same, located_posts = identical(pages)
    print(
        f"\nidentical to extract_posts: two-stage {same}/{len(pages)} pages "
        f"({same / len(pages):.1%}); fragment answers alone {located_same}/{located} pages "
        f"({located_posts:,} posts)"
    )
    if same != len(pages) or located_same != located:
        print("**NOT IDENTICAL**")

    fragment_size = size_of(fragment_pages)
    regions = [found for page in fragment_pages if (found := locate(page)) is not None]
    rows = [
        ("`extract_posts` (full parse), all pages", size, timed(extract_posts, pages, runs)),
        ("`extract_posts_two_stage`, all pages", size, timed(extract_posts_two_stage, pages, runs)),
        ("`locate` alone, all pages", size, timed(locate, pages, runs)),
        ("`extract_posts`, fragment-path pages", fragment_size, timed(extract_posts, fragment_pages, runs)),
        ("`extract_located`, fragment-path pages", fragment_size,
         timed(extract_located, fragment_pages, runs)),
        ("fragments' parse + detectors alone (regions located beforehand)", fragment_size,
         timed_located(regions, runs)),
    ]  # fmt: skip
    full = rows[0][1] / rows[0][2]
    print("\n| path (one process) | MB/s | × `extract_posts` on the same pages |\n|---|---:|---:|")
    for label, bytes_, seconds in rows:
        reference = full if "all pages" in label else rows[3][1] / rows[3][2]
        print(f"| {label} | {rate(bytes_, seconds)} | {bytes_ / seconds / reference:.2f}× |")


def timed_located(located: Sequence[Located], runs: int) -> float:
    """The second stage alone: each located page's fragments parsed and run through the detectors."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        for found in located:
            for fragment in found.fragments:
                _find_all(LexborHTMLParser(found.doctype + fragment), depth=0)
        best = min(best, time.perf_counter() - started)
    return best


def scan_floor(pages: list[str], runs: int) -> None:
    """The string passes locate is made of, each over every page, beside lexbor's own work."""
    data = [page.encode() for page in pages]
    low = [page.lower() for page in data]
    size = sum(map(len, data))
    marked = [page for page in data if has_markers(page)]
    passes: list[tuple[str, Callable[[bytes], object], Sequence[bytes]]] = [
        ("lowered copy", bytes.lower, data),
        ("`has_markers` (bytes)", has_markers, data),
        ("character references that may hide a class", locate_module._HIDING_REFERENCE.search, low),
        ("four `find` scans (fb-, data-content, tweet, twitter-embed)", find_needles, low),
        ("tag scan (raw text, units, candidate tags)", locate_module._TOKEN.findall, low),
        ("formatting tags (a, b, em, ...)", locate_module._FORMATTING_TAG.findall, low),
        ("guard: tag holding <", locate_module._LT_IN_TAG.search, low),
        ("guard: quoted value holding >", locate_module._QUOTED_GT.findall, low),
    ]
    print("\n### Where locate's time goes (generated corpus; each pass over every page)\n")
    print("| pass | ms per MB |\n|---|---:|")
    encode_seconds = timed(lambda page: page.encode(), pages, runs)
    print(f"| str → UTF-8 bytes | {encode_seconds * 1000 / (size / MB):.2f} |")
    total = encode_seconds
    for label, run, items in passes:
        seconds = timed(run, items, runs)
        total += seconds
        print(f"| {label} | {seconds * 1000 / (size / MB):.2f} |")
    print(f"| **sum of the passes** | **{total * 1000 / (size / MB):.2f}** |")
    parse = timed(lambda page: LexborHTMLParser(page), pages, runs)
    query = timed(lambda page: _query(page), pages, runs)
    print(f"| lexbor parse alone (str) | {parse * 1000 / (size / MB):.2f} |")
    print(f"| lexbor parse + combined CSS query (str) | {query * 1000 / (size / MB):.2f} |")
    print(f"\n({len(marked)} of {len(data)} pages have a marker)")


def find_needles(page: bytes) -> object:
    return [page.find(needle) for needle, _ in locate_module._FOUND_BY_NEEDLE]


def _query(page: str) -> object:
    root = LexborHTMLParser(page).root
    return root.css(_COMBINED_SELECTOR) if root is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3, help="passes per measurement (best kept)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N generated pages")
    args = parser.parse_args()
    paths = sorted((args.corpus / "pages").glob("*.html"))
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        raise SystemExit(f"no pages in {args.corpus}/pages: run benchmarks/make_corpus.py first")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    generated = [decode_text(path.read_bytes()) for path in paths]
    report("generated corpus", generated, args.runs)
    real = [decode_text(path.read_bytes()) for path in sorted(REALWORLD.glob("*.html"))]
    if real:
        report("real-world pages", real, args.runs)
    scan_floor(generated, args.runs)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
