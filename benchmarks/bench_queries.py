"""Search and export at archive scale: a 1M-post SQLite archive, p95 latencies, export rate and memory.

    python -m benchmarks.bench_queries [--posts 1000000] [--db benchmarks/out/queries-1m-cjk.db]
        [--runs 200] [--cjk-every 10]

The archive is built once (kept in the gitignored benchmarks/out/) through the storage layer's
batched path (`db.store.save_pages`, the pipeline's own writer) from the deterministic synthetic
posts of benchmarks/bench_store.py: tweet-like ~200-character texts over a Zipf-like vocabulary,
~640 posts per author, 15 years of dates; every `--cjk-every`th post is Japanese-like text instead
(words of 2-4 kanji and kana without spaces). Then, on the same archive in one run:
- the full-text index's size on disk (FTS5's shadow tables, by SQLite's dbstat), and the stored
  CJK bigrams (`posts.cjk_terms`) beside it;
- word search (FTS) for words from the 50th to the 5,000th most common, every match and the first
  50; CJK words of two characters (one bigram) and of three or four (a phrase of bigrams) from the
  50th to the 5,000th most common, every match; `--author` (handle); a 7-day `--since/--until`
  range. Each three times: the same SQL run with
  raw sqlite3 (the floor), the query alone through SQLAlchemy (`db.queries.select_post_ids`, every
  matching id fetched) and with every full export record (`db.records.iter_records`: the post, its
  links and the articles quoting it);
- `db.records.iter_column_batches` (what the export reads) over the whole archive, nothing written;
- `quotes export --format csv -o FILE` as a real subprocess over the whole archive, best of
  `--export-runs`: rows/s by wall clock and per CPU-second of the process, and its peak resident
  memory (VmHWM, polled every 50 ms), against reading the posts with raw sqlite3 (the floor) in
  the same run.
Latencies are per query, wall clock; p95 over `--runs` different inputs, after a warm-up pass.
The machine's load average is printed beside the figures: other processes share the cores.
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
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_store import AUTHORS, DAYS, FIRST_DAY, SEED, Corpus, build
from db.engine import SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES, database_url, make_engine, session_scope
from db.queries import Filters, select_post_ids
from db.records import iter_column_batches, iter_records

REPO = Path(__file__).resolve().parents[1]

DEFAULT_DB = REPO / "benchmarks" / "out" / "queries-1m-cjk.db"
DEFAULT_CJK_EVERY = 10
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


def cjk_words(corpus: Corpus, rng: random.Random, runs: int, sizes: tuple[int, ...]) -> list[str]:
    """`runs` words of the CJK vocabulary from the 50th to the 5,000th most common, of these sizes."""
    ranked = [word for word in corpus.cjk_words[50:5_000] if len(word) in sizes]
    return [rng.choice(ranked) for _ in range(runs)]


def query_cases(runs: int) -> list[tuple[str, list[Filters], float]]:
    corpus = Corpus()
    rng = random.Random(SEED)
    words = [corpus.words[rng.randrange(50, 5_000)] for _ in range(runs)]
    authors = [f"user{rng.randrange(AUTHORS)}" for _ in range(runs)]
    starts = [FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS - 7)) for _ in range(runs)]
    pairs, longer = cjk_words(corpus, rng, runs, (2,)), cjk_words(corpus, rng, runs, (3, 4))
    return [
        ("word search (FTS), every match", [Filters(words=w) for w in words], TARGET_FTS_P95_MS),
        ("word search (FTS), first 50", [Filters(words=w, limit=50) for w in words], TARGET_FTS_P95_MS),
        ("CJK 2-character word (bigram), every match", [Filters(words=w) for w in pairs], TARGET_FTS_P95_MS),
        (
            "CJK 3-4-character word (bigrams), every match",
            [Filters(words=w) for w in longer],
            TARGET_FTS_P95_MS,
        ),
        ("--author handle, every post", [Filters(author=a) for a in authors], TARGET_LOOKUP_P95_MS),
        (
            "7-day --since/--until, every post",
            [Filters(since=d, until=d + dt.timedelta(days=6)) for d in starts],
            TARGET_LOOKUP_P95_MS,
        ),
    ]


def raw_connection(path: Path, *, mapped: bool) -> sqlite3.Connection:
    """A plain sqlite3 connection with the page cache, and memory map (`mapped`), that the
    archive's engine gives its read sessions (searches) and streams (exports)."""
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    connection.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES if mapped else 0}")
    return connection


def run_queries(path: Path, runs: int) -> list[str]:
    """Each query three times: its SQL with raw sqlite3, the ids through SQLAlchemy, full records."""
    engine = make_engine(database_url(str(path)))
    raw = raw_connection(path, mapped=True)
    verdicts = []
    print(
        "| query | raw sqlite3, same SQL: p95 ms | ids only: median ms | ids only: p95 ms "
        "| full records: median ms | full records: p95 ms | median rows | target p95 (on ids only) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    with session_scope(engine, readonly=True) as session:
        connection = session.connection()

        def floor(filters: Filters) -> int:
            compiled = select_post_ids(filters).compile(dialect=engine.dialect)
            parameters = [compiled.params[name] for name in compiled.positiontup or ()]
            return len(raw.execute(str(compiled), parameters).fetchall())

        def ids(filters: Filters) -> int:
            return len(connection.execute(select_post_ids(filters)).all())

        def records(filters: Filters) -> int:
            return sum(1 for _ in iter_records(session, filters))

        for name, filters, target in query_cases(runs):
            _, floor_p95, _ = measure(floor, filters)
            id_median, id_p95, rows = measure(ids, filters)
            median, p95, _ = measure(records, filters)
            met = "met" if id_p95 < target else "NOT met"
            print(
                f"| {name} | {floor_p95:.1f} | {id_median:.1f} | {id_p95:.1f} | {median:.1f} | {p95:.1f} "
                f"| {rows:,.0f} | < {target:.0f} ms: {met} |"
            )
            verdicts.append(
                f"{name}: p95 {id_p95:.1f} ms for the ids ({id_p95 / floor_p95:.2f}x raw sqlite3's "
                f"{floor_p95:.1f} ms), {p95:.1f} ms with full records (target < {target:.0f} ms, {met})"
            )
    raw.close()
    engine.dispose()
    return verdicts


def records_rate(path: Path) -> float:
    """Rows/s of `iter_column_batches` alone over the whole archive (the export's database side)."""
    engine = make_engine(database_url(str(path)))
    started = time.perf_counter()
    rows = 0
    with session_scope(engine, readonly=True, stream=True) as session:
        for columns in iter_column_batches(session, Filters()):
            rows += len(columns[0])
    engine.dispose()
    return rows / (time.perf_counter() - started)


def raw_floor(path: Path) -> float:
    """Rows/s of reading every post's columns with plain sqlite3: the floor for the export."""
    started = time.perf_counter()
    rows = 0
    connection = raw_connection(path, mapped=False)
    for _ in connection.execute("SELECT * FROM posts ORDER BY date, post_id"):
        rows += 1
    connection.close()
    return rows / (time.perf_counter() - started)


@dataclass(frozen=True)
class ExportRun:
    rows: int
    seconds: float
    cpu_seconds: float
    peak_mb: float


def run_export(path: Path) -> ExportRun:
    """`quotes export --format csv -o FILE` in a subprocess: rows, wall and CPU time, peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "posts.csv"
        command = [str(QUOTES), "--db", str(path), "export", "--format", "csv", "-o", str(out)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak_kib = 0
        while True:
            # Not wait4's ru_maxrss: Linux counts in it the parent's resident set at the spawn
            # (vfork + exec), and this process holds far more than the export by then.
            peak_kib = max(peak_kib, high_water_kib(process.pid))
            finished, status, usage = os.wait4(process.pid, os.WNOHANG)
            if finished:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"quotes export failed with status {status}")
        with out.open("rb") as stream:
            rows = sum(1 for _ in stream) - 1  # header; texts hold no raw newlines
    return ExportRun(rows, seconds, usage.ru_utime + usage.ru_stime, peak_kib / 1024)


def high_water_kib(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def index_sizes(path: Path) -> str:
    """The full-text index's pages on disk (dbstat), the bigrams stored, and the posts holding them."""
    with sqlite3.connect(path) as connection:
        (fts,) = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'posts_fts%'").fetchone()
        bigrams, posts = connection.execute(
            "SELECT sum(length(CAST(cjk_terms AS BLOB))), count(cjk_terms) FROM posts"
        ).fetchone()
        (total,) = connection.execute("SELECT count(*) FROM posts").fetchone()
    return (
        f"full-text index (posts_fts*): {fts / 1e6:,.1f} MB; posts.cjk_terms: {(bigrams or 0) / 1e6:,.1f} MB "
        f"of bigrams in {posts:,} of {total:,} posts"
    )


COMPARED_INDEX = "cmp_words_only"


def compare_index(path: Path, runs: int, rounds: int = 5) -> list[str]:
    """Word searches on the archive's index against the index it had before the CJK bigrams (text,
    author, handle only), rebuilt beside it: the same words, the two run alternately, `rounds`
    times, so the machine's load falls on both alike. Raw sqlite3, every match's rowid."""
    connection = raw_connection(path, mapped=True)
    connection.execute(
        f"CREATE VIRTUAL TABLE {COMPARED_INDEX} USING fts5(text, author_name, handle, content='posts', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    connection.execute(f"INSERT INTO {COMPARED_INDEX}({COMPARED_INDEX}) VALUES ('rebuild')")
    connection.commit()
    corpus = Corpus()
    rng = random.Random(SEED)
    words = ['"' + corpus.words[rng.randrange(50, 5_000)] + '"' for _ in range(runs)]
    times: dict[str, list[float]] = {"posts_fts": [], COMPARED_INDEX: []}
    try:
        for table in times:  # warm-up
            for word in words:
                connection.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (word,)).fetchall()
        for _ in range(rounds):
            for word in words:
                for table, spent in times.items():
                    started = time.perf_counter()
                    connection.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (word,)).fetchall()
                    spent.append((time.perf_counter() - started) * 1000)
        (size,) = connection.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?", (f"{COMPARED_INDEX}%",)
        ).fetchone()
    finally:
        connection.execute(f"DROP TABLE {COMPARED_INDEX}")
        connection.commit()
        connection.close()
    ours, before = (percentile(times[name], 0.95) for name in times)
    medians = [statistics.median(spent) for spent in times.values()]
    return [
        f"word search, raw MATCH, every match, {rounds} alternating rounds of {runs} words: "
        f"p95 {ours:.1f} ms with the bigram column, {before:.1f} ms on the index without it "
        f"({ours / before:.2f}x); medians {medians[0]:.1f} and {medians[1]:.1f} ms; "
        f"the index without bigrams is {size / 1e6:,.1f} MB"
    ]


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--export-runs", type=int, default=2)
    parser.add_argument("--cjk-every", type=int, default=DEFAULT_CJK_EVERY)
    parser.add_argument("--no-export", action="store_true", help="Only the index and the queries.")
    parser.add_argument(
        "--compare-index", action="store_true", help="Only: word searches against the index before bigrams."
    )
    args = parser.parse_args()
    if post_count(args.db) < args.posts:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        build(args.db, args.posts, args.cjk_every)
    posts = post_count(args.db)
    print(
        f"archive: {posts:,} posts, {args.db.stat().st_size / 1e6:,.0f} MB on disk; {args.runs} queries "
        f"each; load average {load()} (1, 5, 15 min) on {os.cpu_count()} cores"
    )
    print(index_sizes(args.db))
    print()
    if args.compare_index:
        for line in compare_index(args.db, args.runs):
            print(line)
        return
    verdicts = run_queries(args.db, args.runs)
    if args.no_export:
        for line in verdicts:
            print(f"target {line}")
        return
    floor = raw_floor(args.db)
    storage = records_rate(args.db)
    runs = [run_export(args.db) for _ in range(args.export_runs)]
    best = min(runs, key=lambda run: run.seconds)
    rate, cpu_rate = best.rows / best.seconds, best.rows / best.cpu_seconds
    peak = max(run.peak_mb for run in runs)
    print()
    print("| export | rows | rows/s | × raw sqlite3 read | rows per CPU-second | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| raw sqlite3 `SELECT *` (floor, nothing written) | {posts:,} | {floor:,.0f} | 1.00 | – | – |")
    print(
        f"| `db.records.iter_column_batches` alone (nothing written) | {posts:,} | {storage:,.0f} "
        f"| {storage / floor:.2f} | – | – |"
    )
    for number, run in enumerate(runs, 1):
        print(
            f"| `quotes export --format csv -o FILE`, run {number} | {run.rows:,} | "
            f"{run.rows / run.seconds:,.0f} | {run.rows / run.seconds / floor:.2f} "
            f"| {run.rows / run.cpu_seconds:,.0f} | {run.peak_mb:,.0f} MB |"
        )
    print()
    print(f"load average after: {load()}")
    for line in verdicts:
        print(f"target {line}")
    print(
        f"target export >= {TARGET_EXPORT_ROWS_S:,} rows/s: {rate:,.0f} by wall clock, {cpu_rate:,.0f} per "
        f"CPU-second (best of {len(runs)}; {'met' if rate >= TARGET_EXPORT_ROWS_S else 'NOT met'}); "
        f"in < {TARGET_EXPORT_MB} MB: {peak:,.0f} MB ({'met' if peak < TARGET_EXPORT_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
