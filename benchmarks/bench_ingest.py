"""End-to-end `quotes ingest` into SQLite against extraction alone, 1 and 2 jobs, peak memory.

    python benchmarks/make_corpus.py          # once: benchmarks/corpus/ (gitignored)
    python benchmarks/bench_ingest.py [--corpus benchmarks/corpus] [--repeats 2]

Measured in one run on the same pages (the page cache warmed first), each run repeated in turn
(`--repeats`) and the fastest kept, since other processes share the two cores:
- extraction only: the loaders read and decode each page and `extract_page` finds its posts, in
  this process, nothing stored (the ceiling the ingest is compared with);
- the same through `collector.parallel.extract_files` with 1 and 2 worker processes (no database);
- `quotes ingest PAGES --db fresh.db --jobs N --quiet` as a real subprocess for N = 1, 2: wall
  time from start to exit (interpreter start, archive creation and the final commit included) and
  CPU time of all its processes;
- peak memory: the largest resident set of any one process (wait4's rusage, workers included) and
  the largest proportional set size (PSS) summed over the process tree, sampled from /proc every
  20 ms (PSS splits the pages forked workers share with their parent, which RSS counts twice).
A last run with half the pages shows whether memory grows with the number of pages.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector.extract import extract_page  # noqa: E402
from collector.loaders import InputOptions, LoadError, iter_pages  # noqa: E402
from collector.parallel import extract_files  # noqa: E402

DEFAULT_CORPUS = REPO / "benchmarks" / "corpus"
QUOTES = Path(sys.executable).with_name("quotes")
MB = 1_000_000
SAMPLE_SECONDS = 0.02
TARGET_SPEEDUP = 1.8
TARGET_SHARE = 0.60
TARGET_PEAK_MB = 250


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    cpu_seconds: float
    pages: int
    posts: int
    peak_process_mb: float = 0.0
    peak_tree_mb: float = 0.0


def _cpu_now() -> float:
    """CPU seconds of this process and of every child reaped so far (workers included)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def extraction_only(folder: Path) -> Run:
    """The loaders and `extract_page` in this process: the ceiling for a one-process ingest."""
    started, cpu = time.perf_counter(), _cpu_now()
    pages = posts = 0
    for item in iter_pages([str(folder)], InputOptions(jobs=1), None):
        if isinstance(item, LoadError):
            continue
        pages += 1
        posts += len(extract_page(item.text, kind=item.kind).posts)
    return Run("extraction only, 1 process", time.perf_counter() - started, _cpu_now() - cpu, pages, posts)


def parallel_extraction(folder: Path, jobs: int) -> Run:
    """`collector.parallel.extract_files` alone (no database): the parallel module's own scaling."""
    files = sorted(folder.glob("*.html"))
    started, cpu = time.perf_counter(), _cpu_now()
    pages = posts = 0
    for _, outcome in extract_files(files, InputOptions(jobs=jobs), jobs):
        pages += 1
        posts += len(outcome.posts) if outcome is not None and not isinstance(outcome, str) else 0
    label = f"extraction only, `collector.parallel` {jobs} worker(s)"
    return Run(label, time.perf_counter() - started, _cpu_now() - cpu, pages, posts)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _tree_pss_kb(root: int) -> int:
    """Proportional set size of `root` and its descendants: pages that forked workers share with
    their parent count once in the sum, not once per process as resident sizes would."""
    total = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def ingest(folder: Path, jobs: int, database: Path) -> Run:
    """`quotes ingest` in a fresh subprocess; its wall time and peak memory."""
    peak_tree = 0
    done = threading.Event()
    command = [str(QUOTES), "--db", str(database), "ingest", str(folder), "--jobs", str(jobs), "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(SAMPLE_SECONDS):
            peak_tree = max(peak_tree, _tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stderr is not None
    stderr = process.stderr.read()
    # wait4 reports the child's rusage including its reaped workers: ru_maxrss is the largest
    # resident set of any one process of this run.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"quotes ingest failed ({process.returncode}): {stderr.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    pages, posts = _counts(database)
    label = f"`quotes ingest --jobs {jobs}` into SQLite"
    return Run(label, seconds, cpu, pages, posts, usage.ru_maxrss / 1024, peak_tree / 1024)


def _counts(database: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        pages = (
            connection.execute("SELECT count(*) FROM articles").fetchone()[0] if "articles" in tables else -1
        )
        posts = connection.execute("SELECT count(*) FROM posts").fetchone()[0] if "posts" in tables else -1
    return pages, posts


def half_folder(folder: Path, target: Path) -> Path:
    """A folder of links to every other page: the same kind of pages, half as many."""
    target.mkdir()
    for path in sorted(folder.glob("*.html"))[::2]:
        (target / path.name).symlink_to(path)
    return target


def best(runs: Sequence[Run]) -> Run:
    """The least disturbed of repeated runs (other processes share the machine's cores)."""
    return min(runs, key=lambda run: run.seconds)


def report(runs: Sequence[Run], size: int, baseline: Run) -> None:
    print(
        "| run (best of repeats) | pages | posts found (ingest: rows) | s | CPU s | pages/s | MB/s "
        "| speed vs extraction only | peak RSS one process | peak PSS all processes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        memory = (
            f"{run.peak_process_mb:,.0f} MB | {run.peak_tree_mb:,.0f} MB" if run.peak_process_mb else "– | –"
        )
        print(
            f"| {run.label} | {run.pages} | {run.posts:,} | {run.seconds:.2f} | {run.cpu_seconds:.2f} | "
            f"{run.pages / run.seconds:,.0f} | {size / MB / run.seconds:,.1f} | "
            f"{baseline.seconds / run.seconds:.2f} | {memory} |"
        )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=2, help="alternating repeats; the best is kept")
    args = parser.parse_args()
    folder = args.corpus / "pages"
    paths = sorted(folder.glob("*.html"))
    if not paths:
        raise SystemExit(f"no pages in {folder}: run benchmarks/make_corpus.py first")
    size = sum(path.stat().st_size for path in paths)
    for path in paths:  # warm the page cache
        path.read_bytes()
    load_before = os.getloadavg()[0]
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for run in (
                extraction_only(folder),
                parallel_extraction(folder, 1),
                parallel_extraction(folder, 2),
                ingest(folder, 1, Path(tmp) / f"j1-{repeat}.db"),
                ingest(folder, 2, Path(tmp) / f"j2-{repeat}.db"),
            ):
                results.setdefault(run.label, []).append(run)
        half = half_folder(folder, Path(tmp) / "half")
        half_size = sum(p.stat().st_size for p in half.iterdir())
        half_run = ingest(half, 2, Path(tmp) / "half.db")
        shutil.rmtree(half)
    runs = [best(group) for group in results.values()]
    only, par1, par2, one, two = runs
    print(
        f"corpus: {len(paths)} pages, {size / MB:,.1f} MB; cores: {os.cpu_count()}; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the cores)"
    )
    print()
    report(runs, size, only)
    print(
        f"| half the pages ({half_size / MB:,.0f} MB), --jobs 2 | {half_run.pages} | {half_run.posts:,} | "
        f"{half_run.seconds:.2f} | {half_run.cpu_seconds:.2f} | {half_run.pages / half_run.seconds:,.0f} | "
        f"{half_size / MB / half_run.seconds:,.1f} | – | {half_run.peak_process_mb:,.0f} MB | "
        f"{half_run.peak_tree_mb:,.0f} MB |"
    )
    print()
    speedup = one.seconds / two.seconds
    print(
        f"target `quotes ingest --jobs 2` >= {TARGET_SPEEDUP}× --jobs 1: {speedup:.2f}× "
        f"({verdict(speedup >= TARGET_SPEEDUP)}); collector.parallel alone: "
        f"{par1.seconds / par2.seconds:.2f}×"
    )
    share, cpu_share = only.seconds / one.seconds, only.cpu_seconds / one.cpu_seconds
    print(
        f"target ingest (--jobs 1) >= {TARGET_SHARE:.0%} of extraction-only speed: {share:.0%} by wall "
        f"clock, {cpu_share:.0%} by CPU time ({verdict(share >= TARGET_SHARE)})"
    )
    peak = max(run.peak_tree_mb for run in [one, two, half_run])
    print(
        f"target peak memory < {TARGET_PEAK_MB} MB: all processes together at most {peak:,.0f} MB (PSS), "
        f"largest one process {max(r.peak_process_mb for r in [one, two, half_run]):,.0f} MB; "
        f"half the pages: {half_run.peak_tree_mb:,.0f} MB ({verdict(peak < TARGET_PEAK_MB)})"
    )


if __name__ == "__main__":
    main()
