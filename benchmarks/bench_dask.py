"""`quotes ingest --dask` against the local worker pool, on the same WARCs, in the same run.

    python -m benchmarks.bench_dask [--copies 40] [--files 16] [--repeats 2] [--db-url URL]

WARCs are written once into a temporary folder from `../shared/corpus/realworld/pages` (each page
`--copies` times, under addresses of its own, spread over `--files` WARCs; `benchmarks.warcs`).
Each run ingests all of them into a fresh archive (a SQLite file, or with `--db-url` a fresh
PostgreSQL schema, where the Dask workers write themselves) through the pipeline's one entry
(`collector.pipeline.runs.ingest_inputs`), with:
- the local pool: `--jobs 2` (worker processes of this machine, a WARC per task);
- Dask with 2 workers and with 1 worker (`--dask` on a LocalCluster of one-thread worker
  processes; the cluster is started, and its workers warmed by one WARC each into a scratch
  archive, before the clock starts, since a cluster serves many runs; its start is timed apart
  and the table also gives pages/s with it counted).
Runs alternate, `--repeats` times, and the fastest of each is kept (other processes share the
cores). Measured: pages per second (wall time), and pages per CPU-second counting every process
that worked: this one (the client, the writer, the local cluster's scheduler) and the workers
(the local pool's through RUSAGE_CHILDREN once it is shut down; Dask's by asking each worker
for its own process time before and after). The CPU seconds the machine's other processes used
during each run (from /proc/stat) show how much the run was disturbed: the cores are shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.warcs import write_warcs
from collector.inputs.loaders import InputOptions
from collector.pipeline import IngestOptions
from collector.pipeline.runs import ingest_inputs
from collector.scale.executors import ScaleOptions
from db.engine import database_url, make_engine, prepare_database

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
TARGET_DASK_VS_POOL = 0.9
TARGET_TWO_VS_ONE = 1.7
TARGET_CPU_EFFICIENCY = 0.10


@dataclass(frozen=True)
class Result:
    label: str
    pages: int
    wall: float
    cpu: float
    workers_cpu: float  # of `cpu`, the workers' share
    others: float  # CPU seconds the machine's other processes used meanwhile
    start: float = 0.0  # the cluster's start, timed apart

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def rate_with_start(self) -> float:
        return self.pages / (self.wall + self.start)

    @property
    def per_cpu(self) -> float:
        return self.pages / self.cpu


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float:
    """CPU seconds every process of the machine has used since boot (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def fresh_archive(db_url: str | None, folder: Path) -> Iterator[Any]:
    """An empty archive: a new SQLite file, or a new schema on the PostgreSQL server."""
    if db_url is None:
        engine = make_engine(database_url(str(folder / f"{uuid.uuid4().hex}.db")))
        prepare_database(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    from tests.conftest import postgres_schema_url

    schema = f"bench_dask_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(db_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_schema_url(db_url, schema))
    prepare_database(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def ingest(engine: Any, warcs: list[Path], jobs: int, scale: ScaleOptions | None) -> int:
    options = IngestOptions(jobs=jobs, report=lambda line: print(line, file=sys.stderr), scale=scale)
    summary = ingest_inputs([str(p) for p in warcs], engine, InputOptions(), options)
    assert summary.failed == 0, summary.line()
    return summary.pages


def run_pool(warcs: list[Path], db_url: str | None, folder: Path) -> Result:
    with fresh_archive(db_url, folder) as engine:
        machine, cpu, children, started = machine_cpu(), own_cpu(), children_cpu(), time.perf_counter()
        pages = ingest(engine, warcs, 2, None)
        wall = time.perf_counter() - started
        cpu, children = own_cpu() - cpu, children_cpu() - children
        others = machine_cpu() - machine - cpu - children
    return Result("local pool, --jobs 2", pages, wall, cpu + children, children, others)


def run_dask(warcs: list[Path], db_url: str | None, folder: Path, workers: int) -> Result:
    from distributed import Client

    from collector.scale.cluster import start_local_cluster

    started = time.perf_counter()
    with start_local_cluster(workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        start = time.perf_counter() - started
        # Warm the workers as a running cluster's are (the local pool forks from this warm
        # process): each imports the pipeline and reads a WARC once, into a scratch archive.
        with fresh_archive(None, folder) as scratch:
            ingest(scratch, warcs[:workers], workers, ScaleOptions(cluster.scheduler_address))
        worker_cpu: Callable[[], float] = lambda: sum(client.run(time.process_time).values())  # noqa: E731
        with fresh_archive(db_url, folder) as engine:
            machine, before, cpu, started = machine_cpu(), worker_cpu(), own_cpu(), time.perf_counter()
            pages = ingest(engine, warcs, workers, ScaleOptions(cluster.scheduler_address))
            wall = time.perf_counter() - started
            cpu, used = own_cpu() - cpu, worker_cpu() - before
            others = machine_cpu() - machine - cpu - used
    label = f"Dask, {workers} worker{'s' if workers > 1 else ''}"
    return Result(label, pages, wall, cpu + used, used, others, start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=40, help="copies of each corpus page")
    parser.add_argument("--files", type=int, default=16, help="WARC files the pages are spread over")
    parser.add_argument("--repeats", type=int, default=2, help="alternating repeats; the best is kept")
    parser.add_argument("--db-url", help="a PostgreSQL server to ingest into (fresh schemas)")
    args = parser.parse_args()
    pages = sorted(PAGES.glob("*.html"))
    if not pages:
        sys.exit(f"no pages in {PAGES}")
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp)
        warcs = write_warcs(folder / "warcs", pages, args.files, copies=args.copies)
        size = sum(p.stat().st_size for p in warcs) / 1e6
        print(
            f"{len(pages) * args.copies} pages in {len(warcs)} WARCs ({size:.0f} MB), "
            f"{'PostgreSQL' if args.db_url else 'SQLite'}, {os.cpu_count()} cores"
        )
        runs: dict[str, list[Result]] = {}
        for _ in range(args.repeats):
            for result in (
                run_pool(warcs, args.db_url, folder),
                run_dask(warcs, args.db_url, folder, 2),
                run_dask(warcs, args.db_url, folder, 1),
            ):
                runs.setdefault(result.label, []).append(result)
                print(f"  {result.label}: {result.rate:.0f} pages/s", file=sys.stderr)
    best = {label: min(results, key=lambda r: r.wall) for label, results in runs.items()}
    report(best)


def report(best: dict[str, Result]) -> None:
    columns = (
        "pages",
        "wall s",
        "pages/s",
        "with start",
        "CPU s",
        "workers'",
        "pages/CPU-s",
        "others' CPU s",
    )
    widths = (6, 7, 8, 11, 7, 9, 12, 14)
    print(f"{'run':<22} " + " ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    for result in best.values():
        with_start = f"{result.rate_with_start:.0f}" if result.start else "-"
        print(
            f"{result.label:<22} {result.pages:>6} {result.wall:>7.2f} {result.rate:>8.0f} {with_start:>11} "
            f"{result.cpu:>7.2f} {result.workers_cpu:>9.2f} {result.per_cpu:>12.1f} {result.others:>14.1f}"
        )
    pool, two, one = best["local pool, --jobs 2"], best["Dask, 2 workers"], best["Dask, 1 worker"]
    checks = (
        ("Dask 2 workers / local pool --jobs 2, pages/s", two.rate / pool.rate, TARGET_DASK_VS_POOL, ">="),
        ("  the same with the cluster's start counted", two.rate_with_start / pool.rate, None, ""),
        ("Dask 2 workers / 1 worker, pages/s", two.rate / one.rate, TARGET_TWO_VS_ONE, ">="),
        ("Dask / local pool, pages per CPU-second", two.per_cpu / pool.per_cpu, None, ""),
    )
    for label, ratio, target, _ in checks:
        verdict = "" if target is None else ("  ok" if ratio >= target else f"  BELOW {target}")
        print(f"{label}: {ratio:.2f}x{verdict}")
    off = abs(two.per_cpu / pool.per_cpu - 1)
    ok = "ok" if off <= TARGET_CPU_EFFICIENCY else f"MORE THAN {TARGET_CPU_EFFICIENCY:.0%}"
    print(f"pages per CPU-second, Dask against the local pool: {off:.1%} apart ({ok})")


if __name__ == "__main__":
    main()
