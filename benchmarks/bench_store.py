"""Storage benchmark: ingest rate into SQLite and PostgreSQL, and search/export at archive scale.

    python -m benchmarks.bench_store ingest [--pages 2000] [--postgres URL]
    python -m benchmarks.bench_store queries [--posts 1000000] [--db PATH]
    python -m benchmarks.bench_store inserts [--posts 40000] [--postgres URL]

`inserts` measures the writer's `db.store.Inserter` (a plain driver executemany of tuples) against
SQLAlchemy's own `insert().on_conflict_do_nothing()` executed with a list of parameter dicts, on the
posts table, new rows and then the same rows again (every one a conflict), and checks that both
store the same values and count the same new rows.

The data is synthetic and deterministic (seeded): tweet-like posts of ~200 characters drawn from a
Zipf-like vocabulary, 8 embeds per page, about half of them posts already seen on other pages.
Figures go to stdout as a small table; compare ratios within one run, not absolute times.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Connection, Table, create_engine, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from collector.values import Article, ArticleMeta, Post
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.models import Post as PostRow
from db.queries import Filters, select_post_ids
from db.records import iter_records
from db.rows import POST_COLUMNS, prepare_page
from db.statements import Inserter
from db.store import SaveResult, save_pages

SEED = 20261128
VOCABULARY = 20_000
WORDS_PER_POST = 30
POSTS_PER_PAGE = 8
AUTHORS = 1_600  # ~640 posts per author at 1M, as in PERF.md
FIRST_DAY = dt.date(2010, 1, 1)
DAYS = 5_500  # ~15 years: a 7-day range holds ~1,300 posts at 1M
BATCH_PAGES = 100
QUERY_RUNS = 200
TWITTER_EPOCH_ID = 1_300_000_000_000_000_000
# The writer's post insert: the prepared row, then author_id and first_seen_at (as db.store does).
POST_INSERT_COLUMNS = (*POST_COLUMNS, "author_id", "first_seen_at")
INSERT_BATCH = 800  # a batch of 100 pages of 8 posts
_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "de", "sh", "an", "el", "ou", "ti", "ga", "pe")


def make_vocabulary(rng: random.Random) -> list[str]:
    words = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


# Japanese-like text: words of 2-4 characters from common kanji and hiragana, written without
# spaces as Japanese is, a run of about 60 characters with a comma and a full stop.
CJK_CHARACTERS = [chr(code) for code in range(0x4E00, 0x4E00 + 1_500)] + [
    chr(code) for code in range(0x3042, 0x3094)
]
CJK_VOCABULARY = 8_000
CJK_WORDS_PER_POST = 20


def make_cjk_vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < CJK_VOCABULARY:
        words.add("".join(rng.choice(CJK_CHARACTERS) for _ in range(rng.choice((2, 2, 3, 4)))))
    return sorted(words)


class Corpus:
    """Deterministic posts: post number n always has the same id, author, date and text.

    With `cjk_every` N > 0, every Nth post is Japanese-like text (`make_cjk_vocabulary`)."""

    def __init__(self, cjk_every: int = 0) -> None:
        rng = random.Random(SEED)
        self.words = make_vocabulary(rng)
        # Zipf-like: word rank r has weight 1/(r+10), so some words are common, most rare.
        self.weights = [1 / (rank + 10) for rank in range(VOCABULARY)]
        self.cumulative = list(_accumulate(self.weights))
        self.cjk_every = cjk_every
        self.cjk_words = make_cjk_vocabulary(rng)
        self.cjk_cumulative = list(_accumulate([1 / (rank + 10) for rank in range(CJK_VOCABULARY)]))

    def cjk_text(self, rng: random.Random) -> str:
        words = rng.choices(self.cjk_words, cum_weights=self.cjk_cumulative, k=CJK_WORDS_PER_POST)
        half = len(words) // 2
        return "".join(words[:half]) + "、" + "".join(words[half:]) + "。"

    def post(self, number: int) -> Post:
        rng = random.Random(number * 7919 + SEED)
        author = rng.randrange(AUTHORS)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        words = rng.choices(self.words, cum_weights=self.cumulative, k=WORDS_PER_POST)
        link = f"https://t.co/{number:010x}"
        body = " ".join(words)[:200]
        if self.cjk_every and number % self.cjk_every == 0:
            body = self.cjk_text(rng)
        return Post(
            platform="twitter",
            post_id=str(TWITTER_EPOCH_ID + number),
            url=f"https://twitter.com/user{author}/status/{TWITTER_EPOCH_ID + number}",
            author_name=f"Author Number {author}",
            handle=f"user{author}",
            date_text=day.strftime("%B %-d, %Y"),
            date=day,
            posted_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            text=body + " " + link,
            links=(link,),
            lang="en",
        )

    def page(self, index: int, unique_posts: int) -> tuple[Article, list[Post]]:
        """Page `index`: its embeds are posts numbered below `unique_posts`, overlapping other pages."""
        rng = random.Random(index + SEED)
        numbers = [rng.randrange(unique_posts) for _ in range(POSTS_PER_PAGE)]
        article = Article(
            source=f"pages/{index:06d}.html",
            sha256=hashlib.sha256(str(index).encode()).hexdigest(),
            url=f"https://news.example/{index}",
            meta=ArticleMeta(title=f"Article {index}"),
        )
        return article, [self.post(n) for n in numbers]


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


# --- ingest --------------------------------------------------------------------------------------


def fresh_postgres(base: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


# (backend name, a maker of a fresh empty database: its URL and how to drop it)
FreshDatabase = Callable[[], tuple[str, Callable[[], None]]]


def fresh_databases(folder: str, postgres: str | None) -> list[tuple[str, FreshDatabase]]:
    """SQLite files in `folder`, and PostgreSQL schemas when a server URL is given."""
    counter = iter(range(10_000))
    backends: list[tuple[str, FreshDatabase]] = [
        ("SQLite", lambda: (database_url(f"{folder}/b{next(counter)}.db"), lambda: None))
    ]
    if postgres:
        backends.append(("PostgreSQL", lambda: fresh_postgres(postgres)))
    return backends


def ingest(url: str, pages: list[tuple[Article, list[Post]]], batch: int) -> tuple[float, int]:
    engine = make_engine(url)
    prepare_database(engine)
    new = 0
    started = time.perf_counter()
    for start in range(0, len(pages), batch):
        for outcome in save_pages(engine, pages[start : start + batch]):
            if not isinstance(outcome, SaveResult):
                raise outcome
            new += outcome.new_posts
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, new


def run_ingest(args: argparse.Namespace) -> None:
    corpus = Corpus()
    unique = args.pages * POSTS_PER_PAGE // 2
    pages = [corpus.page(i, unique) for i in range(args.pages)]
    offered = sum(len(posts) for _, posts in pages)
    print(f"{args.pages} pages, {offered} embeds, batches of {args.batch} pages", file=sys.stderr)
    print("| database | pass | batch | s | pages/s | save_article calls/s | posts offered/s | new posts |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in fresh_databases(tmp, args.postgres):
            for batch in (args.batch, 1):
                url, drop = make()
                try:
                    for label in ("first", "again"):
                        subset = pages if batch == args.batch else pages[: args.pages // 4]
                        elapsed, new = ingest(url, subset, batch)
                        rate = len(subset) / elapsed
                        print(
                            f"| {name} | {label} | {batch} | {elapsed:.2f} | {rate:,.0f} | {rate:,.0f} | "
                            f"{rate * POSTS_PER_PAGE:,.0f} | {new} |"
                        )
                finally:
                    drop()


# --- the writer's inserts against SQLAlchemy's -----------------------------------------------------


def post_rows(posts: int) -> list[tuple[object, ...]]:
    """`posts` distinct post rows as the writer inserts them (POST_COLUMNS, author_id, first_seen_at)."""
    corpus = Corpus()
    seen_at = dt.datetime.now(dt.UTC)
    article = Article(source="pages/bench.html", sha256="0" * 64)
    prepared = prepare_page(article, [corpus.post(number) for number in range(posts)])
    return [(*row, None, seen_at) for row, _, _ in prepared.posts]


def insert_with_inserter(connection: Connection, rows: list[tuple[object, ...]]) -> int:
    table = PostRow.__table__
    assert isinstance(table, Table)
    insert = Inserter(connection.dialect, table, POST_INSERT_COLUMNS, ["platform", "key"])
    return sum(
        insert(connection, rows[start : start + INSERT_BATCH]) for start in range(0, len(rows), INSERT_BATCH)
    )


def insert_with_sqlalchemy(connection: Connection, rows: list[tuple[object, ...]]) -> int:
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(PostRow.__table__).on_conflict_do_nothing(index_elements=["platform", "key"])
    new = 0
    for start in range(0, len(rows), INSERT_BATCH):
        batch = [
            dict(zip(POST_INSERT_COLUMNS, row, strict=True)) for row in rows[start : start + INSERT_BATCH]
        ]
        new += connection.execute(statement, batch).rowcount
    return new


def stored_posts(connection: Connection) -> list[tuple[object, ...]]:
    columns = [PostRow.__table__.c[name] for name in POST_INSERT_COLUMNS]
    return [tuple(row) for row in connection.execute(select(*columns).order_by(PostRow.key))]


def run_inserts(args: argparse.Namespace) -> None:
    rows = post_rows(args.posts)
    print(
        f"{len(rows):,} post rows, executemany batches of {INSERT_BATCH}; best of {args.repeats}",
        file=sys.stderr,
    )
    print("| database | insert | pass | s | rows/s | new rows counted | × Inserter |")
    print("|---|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in fresh_databases(tmp, args.postgres):
            stored: dict[str, list[tuple[object, ...]]] = {}
            base: dict[str, float] = {}
            for label, insert in (("Inserter", insert_with_inserter), ("SQLAlchemy", insert_with_sqlalchemy)):
                best: dict[str, tuple[float, int]] = {}
                for _ in range(args.repeats):
                    url, drop = make()
                    engine = make_engine(url)
                    try:
                        prepare_database(engine)
                        for phase in ("new", "again"):
                            with engine.begin() as connection:
                                started = time.perf_counter()
                                new = insert(connection, rows)
                                elapsed = time.perf_counter() - started
                            if phase not in best or elapsed < best[phase][0]:
                                best[phase] = (elapsed, new)
                        with engine.connect() as connection:
                            stored[label] = stored_posts(connection)
                    finally:
                        engine.dispose()
                        drop()
                for phase, (elapsed, new) in best.items():
                    base.setdefault(phase, elapsed)
                    rate = len(rows) / elapsed
                    print(
                        f"| {name} | {label} | {phase} | {elapsed:.3f} | {rate:,.0f} | {new:,} | "
                        f"{elapsed / base[phase]:.2f} |"
                    )
            same = "identical" if stored["Inserter"] == stored["SQLAlchemy"] else "DIFFERENT"
            print(f"{name}: rows stored by the two inserts: {same}")


# --- queries at scale ----------------------------------------------------------------------------


def build(path: Path | str, posts: int, cjk_every: int = 0) -> None:
    """An archive of `posts` posts at `path` (a SQLite file, or a database URL), saved through the
    pipeline's writer; every `cjk_every`th post Japanese-like (see Corpus)."""
    corpus = Corpus(cjk_every)
    pages = posts // POSTS_PER_PAGE
    url = database_url(str(path))
    engine = make_engine(url)
    prepare_database(engine)
    started = time.perf_counter()
    number = 0
    for start in range(0, pages, BATCH_PAGES):
        batch = []
        for index in range(start, min(start + BATCH_PAGES, pages)):
            article, _ = corpus.page(index, 1)
            batch.append((article, [corpus.post(number + k) for k in range(POSTS_PER_PAGE)]))
            number += POSTS_PER_PAGE
        save_pages(engine, batch)
        if start % 10_000 == 0:
            print(f"  {number:,} posts, {number / (time.perf_counter() - started):,.0f}/s", file=sys.stderr)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    elapsed = time.perf_counter() - started
    print(f"built {number:,} posts in {elapsed:.0f} s ({number / elapsed:,.0f} posts/s)", file=sys.stderr)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(run: Callable[[], int], inputs: list[object]) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    for value in inputs:
        started = time.perf_counter()
        sizes.append(run(value))  # type: ignore[call-arg]
        times.append((time.perf_counter() - started) * 1000)
    return times, sizes


def run_queries(args: argparse.Namespace) -> None:
    path = Path(args.db)
    if not path.exists():
        build(path, args.posts)
    engine = make_engine(database_url(str(path)))
    corpus = Corpus()
    rng = random.Random(SEED)
    # Search words of every frequency: the 50th to the 5,000th most common.
    words = [corpus.words[rng.randrange(50, 5_000)] for _ in range(QUERY_RUNS)]
    authors = [f"user{rng.randrange(AUTHORS)}" for _ in range(QUERY_RUNS)]
    starts = [FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS - 7)) for _ in range(QUERY_RUNS)]
    cases: list[tuple[str, Callable[[object], Filters], list[object]]] = [
        ("words (every match)", lambda w: Filters(words=str(w)), list(words)),
        ("words, first 50", lambda w: Filters(words=str(w), limit=50), list(words)),
        ("two words (every match)", lambda w: Filters(words=f"{w} {corpus.words[60]}"), list(words)),
        ("author (handle)", lambda a: Filters(author=str(a)), list(authors)),
        ("author (part of name)", lambda a: Filters(author=f"Number {str(a)[4:]}"), list(authors)),
        ("7-day date range", lambda d: Filters(since=d, until=d + dt.timedelta(days=6)), list(starts)),  # type: ignore[operator]
    ]
    print("| query | median rows | ids only: median ms | p95 ms | full records: median ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    with session_scope(engine, readonly=True) as session:

        def count(filters: Filters) -> int:
            return sum(1 for _ in iter_records(session, filters))

        def ids(filters: Filters) -> int:
            return len(session.execute(select_post_ids(filters)).all())

        for name, make, inputs in cases:
            count(make(inputs[0]))  # warm the statement cache and the page cache
            id_times, sizes = timed(lambda value, make=make: ids(make(value)), inputs)  # type: ignore[misc]
            times, _ = timed(lambda value, make=make: count(make(value)), inputs)  # type: ignore[misc]
            print(
                f"| {name} | {statistics.median(sizes):,.0f} | {statistics.median(id_times):.1f} | "
                f"{percentile(id_times, 0.95):.1f} | {statistics.median(times):.1f} | "
                f"{percentile(times, 0.95):.1f} |"
            )
        # PERF.md's anchor: the FTS5 hits alone, unordered (what the database itself costs).
        raw = session.connection().exec_driver_sql
        times, sizes = timed(
            lambda w: len(raw("SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?", (f'"{w}"',)).all()),
            list(words),
        )
        print(
            f"| words: FTS5 MATCH rowids, unordered (PERF.md anchor) | {statistics.median(sizes):,.0f} | "
            f"{statistics.median(times):.1f} | {percentile(times, 0.95):.1f} | – | – |"
        )
    engine.dispose()
    export = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_store", "export", "--db", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    print(export.stdout, end="")


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child
    started by a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_export(args: argparse.Namespace) -> None:
    """Stream every record as CSV into a throw-away buffer; report rows/s and peak memory."""
    engine = make_engine(database_url(args.db))
    sink = io.StringIO()
    rows = 0
    started = time.perf_counter()
    with session_scope(engine, readonly=True) as session:
        writer = csv.writer(sink)
        for record in iter_records(session, Filters()):
            writer.writerow(record.values())
            rows += 1
            if rows % 10_000 == 0:
                sink.seek(0)
                sink.truncate()
    elapsed = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(
        f"| export (iter_records + csv, streaming) | {rows:,} rows | {rows / elapsed:,.0f} rows/s | "
        f"{peak_mb:.0f} MB peak RSS |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ingest_cmd = commands.add_parser("ingest", help="ingest rate, SQLite vs PostgreSQL")
    ingest_cmd.add_argument("--pages", type=int, default=2000)
    ingest_cmd.add_argument("--batch", type=int, default=BATCH_PAGES)
    ingest_cmd.add_argument("--postgres", default=os.environ.get("QUOTES_TEST_POSTGRES_URL"))
    queries_cmd = commands.add_parser("queries", help="search and export on a large SQLite archive")
    queries_cmd.add_argument("--posts", type=int, default=1_000_000)
    queries_cmd.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "quotes-bench-1m.db"))
    inserts_cmd = commands.add_parser("inserts", help="db.store.Inserter vs SQLAlchemy's insert, same rows")
    inserts_cmd.add_argument("--posts", type=int, default=40_000)
    inserts_cmd.add_argument("--repeats", type=int, default=3)
    inserts_cmd.add_argument("--postgres", default=os.environ.get("QUOTES_TEST_POSTGRES_URL"))
    export_cmd = commands.add_parser("export", help="(internal) export rate and memory, own process")
    export_cmd.add_argument("--db", required=True)
    args = parser.parse_args()
    {"ingest": run_ingest, "queries": run_queries, "inserts": run_inserts, "export": run_export}[
        args.command
    ](args)


if __name__ == "__main__":
    main()
