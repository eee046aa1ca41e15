"""End-to-end `quotes ingest` into SQLite against extraction alone, 1 and 2 jobs, peak memory.

    python -m benchmarks.make_corpus          # once: benchmarks/corpus/ (gitignored)
    python -m benchmarks.bench_ingest [--corpus benchmarks/corpus] [--repeats 2]

Measured in one run on the same pages (the page cache warmed first), each run repeated in turn
(`--repeats`) and the fastest kept, since other processes share the two cores:
- extraction only: the loaders read and decode each page and `extract_page` finds its posts, in
  this process, nothing stored (the ceiling the ingest is compared with);
- the same through `collector.parallel.extract_files` with 1 and 2 worker processes (no database);
- `quotes ingest PAGES --db fresh.db --jobs N --quiet` as a real subprocess for N = 1, 2: wall
  time from start to exit (interpreter start, archive creation and the final commit included) and
  CPU time of all its processes;
- the fixed cost of any such run: `quotes ingest` of a single page into a fresh archive (imports,
  archive creation, interpreter exit). It is paid in one process whatever --jobs says, so it
  bounds the speed-up: with fixed cost F and --jobs 1 time T1, two perfectly busy cores give at
  most T1 / (F + (T1 - F) / 2); the table prints that ceiling beside the measured speed-up;
- the CPU seconds other processes used while each run went on (from /proc/stat): the cores are
  shared, and a run they disturbed shows it there (beside a one-process run they may also have
  used the idle core, which disturbs it less);
- peak memory, in separate runs (sampling /proc costs CPU, so the timed runs are not sampled):
  the largest resident set of any one process (wait4's rusage, workers included) and the largest
  proportional set size (PSS) summed over the process tree, sampled every 20 ms (PSS splits the
  pages forked workers share with their parent, which RSS counts twice).
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
from dataclasses import dataclass, replace
from pathlib import Path

from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages
from collector.parallel import extract_files

REPO = Path(__file__).resolve().parents[1]

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
    others_cpu_seconds: float = 0.0


def _busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _cpu_now() -> float:
    """CPU seconds of this process and of every child reaped so far (workers included)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def extraction_only(folder: Path) -> Run:
    """The loaders and `extract_page` in this process: the ceiling for a one-process ingest."""
    busy, started, cpu = _busy_seconds(), time.perf_counter(), _cpu_now()
    pages = posts = 0
    for item in iter_pages([str(folder)], InputOptions(jobs=1), None):
        if isinstance(item, LoadError):
            continue
        pages += 1
        posts += len(extract_page(item.text, kind=item.kind, utf8=item.utf8).posts)
    return _finished("extraction only, 1 process", busy, started, cpu, pages, posts)


def parallel_extraction(folder: Path, jobs: int) -> Run:
    """`collector.parallel.extract_files` alone (no database): the parallel module's own scaling."""
    files = sorted(folder.glob("*.html"))
    busy, started, cpu = _busy_seconds(), time.perf_counter(), _cpu_now()
    pages = posts = 0
    for _, outcome in extract_files(files, InputOptions(jobs=jobs), jobs):
        pages += 1
        posts += len(outcome.posts) if outcome is not None and not isinstance(outcome, str) else 0
    label = f"extraction only, `collector.parallel` {jobs} worker(s)"
    return _finished(label, busy, started, cpu, pages, posts)


def _finished(label: str, busy: float, started: float, cpu: float, pages: int, posts: int) -> Run:
    seconds, used = time.perf_counter() - started, _cpu_now() - cpu
    return Run(label, seconds, used, pages, posts, others_cpu_seconds=max(0.0, _busy_seconds() - busy - used))


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


def ingest(folder: Path, jobs: int, database: Path, *, sample: bool = False) -> Run:
    """`quotes ingest` in a fresh subprocess: its wall and CPU time; its peak memory if `sample`."""
    peak_tree = 0
    done = threading.Event()
    # The corpus folder holds links to the pages: followed on purpose.
    command = [str(QUOTES), "--db", str(database), "ingest", str(folder), "--jobs", str(jobs), "--quiet"]
    command.append("--follow-links")
    busy, started = _busy_seconds(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample_memory() -> None:
        nonlocal peak_tree
        while not done.wait(SAMPLE_SECONDS):
            peak_tree = max(peak_tree, _tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample_memory, daemon=True)
    if sample:
        sampler.start()
    assert process.stderr is not None
    stderr = process.stderr.read()
    # wait4 reports the child's rusage including its reaped workers: ru_maxrss is the largest
    # resident set of any one process of this run.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    if sample:
        sampler.join()
    others = _busy_seconds() - busy
    if process.returncode != 0:
        raise SystemExit(f"quotes ingest failed ({process.returncode}): {stderr.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    pages, posts = _counts(database)
    label = f"`quotes ingest --jobs {jobs}` into SQLite"
    return Run(
        label, seconds, cpu, pages, posts, usage.ru_maxrss / 1024, peak_tree / 1024, max(0.0, others - cpu)
    )


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
        "| run (best of repeats) | pages | posts found (ingest: rows) | s | CPU s | other processes' CPU s "
        "| pages/s | MB/s | speed vs extraction only |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run.label} | {run.pages} | {run.posts:,} | {run.seconds:.2f} | {run.cpu_seconds:.2f} | "
            f"{run.others_cpu_seconds:.2f} | {run.pages / run.seconds:,.0f} | "
            f"{size / MB / run.seconds:,.1f} | {baseline.seconds / run.seconds:.2f} |"
        )


def report_memory(runs: Sequence[tuple[str, Run]]) -> None:
    print("| memory run (sampled, not timed) | pages | peak RSS one process | peak PSS all processes |")
    print("|---|---:|---:|---:|")
    for label, run in runs:
        print(f"| {label} | {run.pages} | {run.peak_process_mb:,.0f} MB | {run.peak_tree_mb:,.0f} MB |")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats; the best is kept")
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
        one_page = Path(tmp) / "one"
        one_page.mkdir()
        (one_page / paths[0].name).symlink_to(paths[0])
        for repeat in range(args.repeats):
            fixed = ingest(one_page, 1, Path(tmp) / f"fixed-{repeat}.db")
            for run in (
                extraction_only(folder),
                parallel_extraction(folder, 1),
                parallel_extraction(folder, 2),
                ingest(folder, 1, Path(tmp) / f"j1-{repeat}.db"),
                ingest(folder, 2, Path(tmp) / f"j2-{repeat}.db"),
                replace(fixed, label="fixed cost: `quotes ingest` of one page (start-up, new archive, exit)"),
            ):
                results.setdefault(run.label, []).append(run)
        half = half_folder(folder, Path(tmp) / "half")
        memory = [
            ("`quotes ingest --jobs 1`", ingest(folder, 1, Path(tmp) / "m1.db", sample=True)),
            ("`quotes ingest --jobs 2`", ingest(folder, 2, Path(tmp) / "m2.db", sample=True)),
            ("half the pages, --jobs 2", ingest(half, 2, Path(tmp) / "half.db", sample=True)),
        ]
        shutil.rmtree(half)
    runs = [best(group) for group in results.values()]
    only, par1, par2, one, two, start = runs
    print(
        f"corpus: {len(paths)} pages, {size / MB:,.1f} MB; cores: {os.cpu_count()}; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the cores)"
    )
    print()
    report(runs, size, only)
    print()
    report_memory(memory)
    print()
    speedup = one.seconds / two.seconds
    fixed_s = start.seconds
    ceiling = one.seconds / (fixed_s + (one.seconds - fixed_s) / 2)
    print(
        f"target `quotes ingest --jobs 2` >= {TARGET_SPEEDUP}× --jobs 1: {speedup:.2f}× "
        f"({verdict(speedup >= TARGET_SPEEDUP)}); collector.parallel alone: "
        f"{par1.seconds / par2.seconds:.2f}×"
    )
    print(
        f"  fixed cost of a run {fixed_s:.2f} s (one process whatever --jobs says): ceiling on two "
        f"cores {ceiling:.2f}×; beyond the fixed cost --jobs 2 is "
        f"{(one.seconds - fixed_s) / (two.seconds - fixed_s):.2f}× --jobs 1"
    )
    share, cpu_share = only.seconds / one.seconds, only.cpu_seconds / one.cpu_seconds
    print(
        f"target ingest (--jobs 1) >= {TARGET_SHARE:.0%} of extraction-only speed: {share:.0%} by wall "
        f"clock, {cpu_share:.0%} by CPU time ({verdict(share >= TARGET_SHARE)})"
    )
    peak = max(run.peak_tree_mb for _, run in memory)
    print(
        f"target peak memory < {TARGET_PEAK_MB} MB: all processes together at most {peak:,.0f} MB (PSS), "
        f"largest one process {max(run.peak_process_mb for _, run in memory):,.0f} MB; half the pages: "
        f"{memory[-1][1].peak_tree_mb:,.0f} MB ({verdict(peak < TARGET_PEAK_MB)})"
    )


if __name__ == "__main__":
    main()
