"""Hostile inputs, doubled: the growth in time per doubling of each pathological input (issue 21).

Every class of `benchmarks/hostile_inputs.py` (regex padding, tokens, long lines, unbalanced brackets,
nesting, MIME parts) is read and extracted as ingest reads and extracts a page (the loaders'
`pages_from_bytes`, then `parallel.extract_one` with its guards and time budget), at four sizes,
each twice the one before. Work linear in the input doubles its time: a growth factor of about 2
per doubling (under 2 where a fixed cost still shows, or where a guard refuses the page early);
a quadratic one quadruples it. The verdict is the mean growth per doubling over the three (each
step is printed too); any class over LIMIT fails the run (exit 1).

Run: .venv/bin/python -m benchmarks.bench_hostile [--base-kb 256] [--repeat 3] [CLASS...]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

from benchmarks.hostile_inputs import CLASSES, mhtml_parts
from collector.inputs.loaders import LOCAL_MAX_BYTES, Page, pages_from_bytes
from collector.parallel import extract_one

LIMIT = 2.2
DOUBLINGS = 3
# The smallest input is doubled until it takes this long: below it, fixed costs and timer noise
# make the factors meaningless.
MIN_BASE_SECONDS = 0.01
MAX_BASE_BYTES = 2_000_000
# Classes sized by another generator's bytes (a gzipped file is a few hundred times smaller).
SIZED_LIKE = {"MHTML parts, gzipped": mhtml_parts}


def run_page(name: str, data: bytes) -> str:
    """Load and extract as ingest does; what became of the input (pages, or the first refusal)."""
    outcomes = []
    for item in pages_from_bytes(name, data, max_bytes=LOCAL_MAX_BYTES):
        if not isinstance(item, Page):
            outcomes.append(f"refused: {item.reason}")
            continue
        outcome = extract_one(item.text, item.kind, item.utf8)
        outcomes.append(f"refused: {outcome}" if isinstance(outcome, str) else f"{len(outcome.posts)} posts")
    return "; ".join(outcomes) or "nothing"


def best_time(name: str, data: bytes, repeat: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        outcome = run_page(name, data)
        times.append(time.perf_counter() - started)
    return min(times), outcome


def base_units(label: str, base_bytes: int) -> int:
    """Units that make about `base_bytes` (measured from the generator's own growth)."""
    generate = SIZED_LIKE.get(label, CLASSES[label])
    small, large = len(generate(1_000)[1]), len(generate(2_000)[1])
    per_unit = max(1.0, (large - small) / 1_000)
    return max(16, int(base_bytes / per_unit))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("classes", nargs="*", help="only these classes (default: all)")
    parser.add_argument("--base-kb", type=int, default=256, help="size of the smallest input, in KB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts")
    args = parser.parse_args()
    labels = args.classes or list(CLASSES)
    header = f"{'class':32} {'file sizes (MB)':>24}  {'times (ms)':>30}  {'each doubling':>15} {'mean':>5}"
    print(f"{header}  outcome")
    worst, failed = 0.0, []
    for label in labels:
        units = base_units(label, args.base_kb * 1_000)
        while True:
            name, data = CLASSES[label](units)
            if best_time(name, data, 1)[0] >= MIN_BASE_SECONDS or len(data) * 2 > MAX_BASE_BYTES:
                break
            units *= 2
        inputs = [CLASSES[label](units * 2**step) for step in range(DOUBLINGS + 1)]
        # Rounds over all sizes, the fastest of each kept: a burst of load on the shared machine
        # then slows one round, not one size.
        times = [float("inf")] * len(inputs)
        outcome = ""
        for _ in range(args.repeat):
            for index, (name, data) in enumerate(inputs):
                seconds, outcome = best_time(name, data, 1)
                times[index] = min(times[index], seconds)
        sizes = [len(data) / 1e6 for _, data in inputs]
        steps = [later / max(earlier, 1e-6) for earlier, later in itertools.pairwise(times)]
        # The verdict is the growth over all three doublings, per doubling (geometric mean): one
        # noisy step cannot fail a linear class, and a quadratic one still shows about 4.
        growth = (times[-1] / max(times[0], 1e-6)) ** (1 / DOUBLINGS)
        worst = max(worst, growth)
        verdict = "" if growth <= LIMIT else "  OVER"
        if verdict:
            failed.append(label)
        print(
            f"{label:32} {' '.join(f'{s:5.2f}' for s in sizes):>24}  "
            f"{' '.join(f'{t * 1e3:7.1f}' for t in times):>30}  "
            f"{' '.join(f'{f:4.2f}' for f in steps):>15} {growth:5.2f}{verdict}  {outcome[:60]}"
        )
    print(f"\nworst growth per doubling: {worst:.2f} (limit {LIMIT}); classes over it: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
