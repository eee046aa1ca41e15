"""Search and export at archive scale: a 1M-post SQLite archive, p95 latencies, export rate and memory.

    python benchmarks/bench_queries.py [--posts 1000000] [--db benchmarks/out/queries-1m.db] [--runs 200]

The archive is built once (kept in the gitignored benchmarks/out/) through the storage layer's
batched path (`db.store.save_pages`, the pipeline's own writer) from the deterministic synthetic
posts of benchmarks/bench_store.py: tweet-like ~200-character texts over a Zipf-like vocabulary,
~640 posts per author, 15 years of dates. Then, on the same archive in one run:
- word search (FTS) for words from the 50th to the 5,000th most common, every match and the first
  50; `--author` (handle); a 7-day `--since/--until` range. Each twice: the query alone
  (`db.queries.select_post_ids`, every matching id fetched) and with every full export record
  (`db.queries.iter_records`: the post, its links and the articles quoting it);
- `db.queries.iter_records` over the whole archive, nothing written;
- `quotes export --format csv -o FILE` as a real subprocess over the whole archive: rows/s and the
  process's peak resident memory (getrusage via wait4), against reading the same rows with raw
  sqlite3 (the floor) in the same run.
Latencies are per query, wall clock; p95 over `--runs` different inputs, after a warm-up pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_store import AUTHORS, DAYS, FIRST_DAY, SEED, Corpus, build  # noqa: E402

from db.engine import database_url, make_engine, session_scope  # noqa: E402
from db.queries import Filters, iter_records, select_post_ids  # noqa: E402

DEFAULT_DB = REPO / "benchmarks" / "out" / "queries-1m.db"
QUOTES = Path(sys.executable).with_name("quotes")
TARGET_FTS_P95_MS = 25.0
TARGET_LOOKUP_P95_MS = 10.0
TARGET_EXPORT_ROWS_S = 80_000
TARGET_EXPORT_MB = 150


def post_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as connection:
            return int(connection.execute("SELECT count(*) FROM posts").fetchone()[0])
    except sqlite3.Error:
        return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(run: Callable[[Filters], int], filters: list[Filters]) -> tuple[float, float, float]:
    """Median ms, p95 ms and median rows over the inputs, each input run once beforehand.

    The warm-up pass reads the index pages these inputs touch into the page cache, so the p95
    measures the query, not the first read of a 900 MB file from disk.
    """
    for item in filters:
        run(item)
    times, rows = [], []
    for item in filters:
        started = time.perf_counter()
        rows.append(run(item))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95), statistics.median(rows)


def query_cases(runs: int) -> list[tuple[str, list[Filters], float]]:
    corpus = Corpus()
    rng = random.Random(SEED)
    words = [corpus.words[rng.randrange(50, 5_000)] for _ in range(runs)]
    authors = [f"user{rng.randrange(AUTHORS)}" for _ in range(runs)]
    starts = [FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS - 7)) for _ in range(runs)]
    return [
        ("word search (FTS), every match", [Filters(words=w) for w in words], TARGET_FTS_P95_MS),
        ("word search (FTS), first 50", [Filters(words=w, limit=50) for w in words], TARGET_FTS_P95_MS),
        ("--author handle, every post", [Filters(author=a) for a in authors], TARGET_LOOKUP_P95_MS),
        (
            "7-day --since/--until, every post",
            [Filters(since=d, until=d + dt.timedelta(days=6)) for d in starts],
            TARGET_LOOKUP_P95_MS,
        ),
    ]


def run_queries(path: Path, runs: int) -> list[str]:
    """Each query twice: the matching ids only (the query itself) and every full export record."""
    engine = make_engine(database_url(str(path)))
    verdicts = []
    print(
        "| query | ids only: median ms | ids only: p95 ms | full records: median ms | "
        "full records: p95 ms | median rows | target p95 (on ids only) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    with session_scope(engine, readonly=True) as session:
        connection = session.connection()

        def ids(filters: Filters) -> int:
            return len(connection.execute(select_post_ids(filters)).all())

        def records(filters: Filters) -> int:
            return sum(1 for _ in iter_records(session, filters))

        for name, filters, target in query_cases(runs):
            id_median, id_p95, rows = measure(ids, filters)
            median, p95, _ = measure(records, filters)
            met = "met" if id_p95 < target else "NOT met"
            print(
                f"| {name} | {id_median:.1f} | {id_p95:.1f} | {median:.1f} | {p95:.1f} | {rows:,.0f} "
                f"| < {target:.0f} ms: {met} |"
            )
            verdicts.append(
                f"{name}: p95 {id_p95:.1f} ms for the ids, {p95:.1f} ms with full records "
                f"(target < {target:.0f} ms, {met})"
            )
    engine.dispose()
    return verdicts


def records_rate(path: Path) -> float:
    """Rows/s of `iter_records` alone over the whole archive (the storage layer's share of export)."""
    engine = make_engine(database_url(str(path)))
    started = time.perf_counter()
    rows = 0
    with session_scope(engine, readonly=True) as session:
        for _ in iter_records(session, Filters()):
            rows += 1
    engine.dispose()
    return rows / (time.perf_counter() - started)


def raw_floor(path: Path) -> float:
    """Rows/s of reading every post's columns with plain sqlite3: the floor for the export."""
    started = time.perf_counter()
    rows = 0
    with sqlite3.connect(path) as connection:
        for _ in connection.execute("SELECT * FROM posts ORDER BY date, post_id"):
            rows += 1
    return rows / (time.perf_counter() - started)


def run_export(path: Path) -> tuple[int, float, float]:
    """`quotes export --format csv` in a subprocess: rows, rows/s, peak RSS (MB)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "posts.csv"
        command = [str(QUOTES), "--db", str(path), "export", "--format", "csv", "-o", str(out)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stderr is not None
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"quotes export failed: {stderr.decode()[-2000:]}")
        with out.open("rb") as stream:
            rows = sum(1 for _ in stream) - 1  # header; texts hold no raw newlines
    return rows, rows / seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if post_count(args.db) < args.posts:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        build(args.db, args.posts)
    posts = post_count(args.db)
    print(
        f"archive: {posts:,} posts, {args.db.stat().st_size / 1e6:,.0f} MB on disk; {args.runs} queries each"
    )
    print()
    verdicts = run_queries(args.db, args.runs)
    floor = raw_floor(args.db)
    storage = records_rate(args.db)
    rows, rate, peak = run_export(args.db)
    print()
    print("| export | rows | rows/s | × raw sqlite3 read | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    print(f"| raw sqlite3 `SELECT *` (floor, nothing written) | {posts:,} | {floor:,.0f} | 1.00 | – |")
    print(
        f"| `db.queries.iter_records` alone (nothing written) | {posts:,} | {storage:,.0f} "
        f"| {storage / floor:.2f} | – |"
    )
    print(
        f"| `quotes export --format csv -o FILE` | {rows:,} | {rate:,.0f} | {rate / floor:.2f} "
        f"| {peak:,.0f} MB |"
    )
    print()
    for line in verdicts:
        print(f"target {line}")
    print(
        f"target export >= {TARGET_EXPORT_ROWS_S:,} rows/s: {rate:,.0f} "
        f"({'met' if rate >= TARGET_EXPORT_ROWS_S else 'NOT met'}); "
        f"in < {TARGET_EXPORT_MB} MB: {peak:,.0f} MB ({'met' if peak < TARGET_EXPORT_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
