"""Hostile text and Markdown pages: extraction time must grow linearly with the page.

    python -m benchmarks.bench_textforms [--scale 1.0]

Each input of issue 14's "Bad input" (a 10 MB line, 100k `(@x)` tokens, a signature line padded
with 60k spaces or tabs, unbalanced brackets and backticks, and more) is built at three sizes,
each double the last, and read as plain text and as Markdown. The script prints the time of
each size and its ratio to the size before: ~2 is linear, ~4 quadratic. It exits 1 when a ratio
passes MAX_RATIO (noise on a shared machine moves ratios by a few tenths). Timing is the best of
REPEATS runs; no unit test measures time.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

from collector.extract import extract_page

MAX_RATIO = 3.0
REPEATS = 3
SIGNATURE = "— Name (@handle) January 7, 2022"
# name: (build a page of about n units, n at the smallest size)
INPUTS: dict[str, tuple[Callable[[int], str], int]] = {
    "one long line": (lambda n: ("word " * 19 + "(@x) ") * (n // 100), 2_500_000),
    "(@x) tokens": (lambda n: "(@x) " * n, 25_000),
    "(@x) tokens, one a line": (lambda n: "(@x)\n" * n, 25_000),
    "signature + spaces": (lambda n: f"tweet text\n{SIGNATURE}" + " " * n + "\n", 15_000),
    "signature + tabs": (lambda n: f"tweet text\n{SIGNATURE}" + "\t" * n + "\n", 15_000),
    "dash line + spaces": (lambda n: "— (@x)" + " " * n + "x\n", 15_000),
    "inline dashes": (lambda n: "text — (@x) " * n, 25_000),
    "signatures, one a line": (lambda n: f"text\n{SIGNATURE}\n" * n, 10_000),
    "open brackets": (lambda n: "[" * n + "(@x) January 7, 2022", 25_000),
    "brackets and parens": (lambda n: "[a](" * n, 25_000),
    "backticks": (lambda n: "`a" * n + "\n— (@x) January 7, 2022", 25_000),
    "quote markers": (lambda n: "> " * n + "x\n", 25_000),
    "nested quotes": (lambda n: "".join(">" * (i % 30) + " (@x)\n" for i in range(n)), 10_000),
    "emphasis": (lambda n: "*a_" * n, 25_000),
    "front matter": (lambda n: "---\ntitle: " + " " * n + "\n" + "k: v\n" * (n // 10) + "---\n", 25_000),
    "widget stamps": (lambda n: "@x\ntext\n6:56 PM · Jan 7, 2022\n" * n, 10_000),
}


def best_time(page: str, kind: str) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        extract_page(page, kind=kind)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    args = parser.parse_args(argv)
    worst = 0.0
    print("| input | kind | sizes (chars) | seconds | ratios |")
    print("|---|---|---|---|---|")
    for name, (build, base) in INPUTS.items():
        pages = [build(int(base * args.scale) * 2**step) for step in range(3)]
        for kind in ("text", "markdown"):
            times = [best_time(page, kind) for page in pages]
            ratios = [later / max(earlier, 1e-6) for earlier, later in itertools.pairwise(times)]
            worst = max(worst, *ratios) if min(times) > 0.002 else worst  # below 2 ms: noise
            print(
                f"| {name} | {kind} | {', '.join(f'{len(p):,}' for p in pages)} "
                f"| {', '.join(f'{t:.3f}' for t in times)} | {', '.join(f'{r:.2f}' for r in ratios)} |"
            )
    print(f"\nworst ratio {worst:.2f} (linear ~2, quadratic ~4; limit {MAX_RATIO})")
    return 0 if worst <= MAX_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
