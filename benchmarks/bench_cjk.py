"""CJK search designs compared on one archive: the archive's bigrams (`posts.cjk_terms` in FTS5 and
in the tsvector) against a trigram index (FTS5's `trigram` tokenizer; PostgreSQL's pg_trgm).

    python -m benchmarks.bench_cjk [--posts 200000] [--runs 100] [--postgres URL]

The archive is built through the pipeline's writer from benchmarks/bench_store.py's corpus with
every post Japanese-like (`cjk_every=1`: words of 2-4 kanji and kana, no spaces). Beside the
archive's own index, the same posts get, for comparison only:
- SQLite: an FTS5 table over the text with `tokenize='trigram'` (external content, rebuilt), and
  the plain unicode61 index the archive had before bigrams (text, author, handle), to show what
  the bigrams add;
- PostgreSQL (with --postgres): a GIN `gin_trgm_ops` index on the text (CREATE EXTENSION pg_trgm).
Then, for CJK words of two characters and of three or four, from the 50th to the 5,000th most
common: p95 and median ms per query (every matching id fetched), and whether each design found
exactly the posts that hold the word (checked against a scan with instr()/strpos()). A trigram
index cannot answer a two-character word (it has no trigram to look up: FTS5 returns nothing,
pg_trgm scans the table), so its two-character figures are of the scan it falls back to.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from benchmarks.bench_store import SEED, Corpus, build, fresh_postgres, percentile
from db.engine import database_url, make_engine, session_scope
from db.queries import Filters, select_post_ids

RUNS = 100
TARGET_P95_MS = 25.0


def timed(run: Callable[[str], set[int]], words: list[str]) -> tuple[float, float, list[set[int]]]:
    """Median and p95 ms over the words (after a warm-up pass), and what each found."""
    for word in words:
        run(word)
    times, found = [], []
    for word in words:
        started = time.perf_counter()
        found.append(run(word))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95), found


def query_words(runs: int) -> dict[str, list[str]]:
    corpus = Corpus()
    rng = random.Random(SEED + 1)
    ranked = corpus.cjk_words[50:5_000]
    two = [word for word in ranked if len(word) == 2]
    longer = [word for word in ranked if len(word) > 2]
    return {
        "2 characters": [rng.choice(two) for _ in range(runs)],
        "3-4 characters": [rng.choice(longer) for _ in range(runs)],
    }


def row(design: str, size: str, words: str, median: float, p95: float, exact: bool) -> str:
    verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
    return (
        f"| {design} | {size} | {words} | {median:.1f} | {p95:.1f} ({verdict}) | {'yes' if exact else 'NO'} |"
    )


def sqlite_comparison(path: Path, runs: int) -> list[str]:
    raw = sqlite3.connect(path)
    sizes = {}
    builds = {}
    for name, ddl in (
        ("plain", "fts5(text, author_name, handle, content='posts', content_rowid='id', "
                  "tokenize='unicode61 remove_diacritics 2')"),
        ("trigram", "fts5(text, content='posts', content_rowid='id', tokenize='trigram')"),
    ):  # fmt: skip
        started = time.perf_counter()
        raw.execute(f"CREATE VIRTUAL TABLE cmp_{name} USING {ddl}")
        raw.execute(f"INSERT INTO cmp_{name}(cmp_{name}) VALUES ('rebuild')")
        raw.commit()
        builds[name] = time.perf_counter() - started
    for name in ("posts_fts", "cmp_plain", "cmp_trigram"):
        (size,) = raw.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?", (f"{name}%",)).fetchone()
        sizes[name] = size / 1e6
    (bigrams,) = raw.execute("SELECT sum(length(CAST(cjk_terms AS BLOB))) FROM posts").fetchone()
    engine = make_engine(database_url(str(path)))
    lines = [
        f"SQLite: archive index (unicode61 + bigrams) {sizes['posts_fts']:,.1f} MB "
        f"plus {bigrams / 1e6:,.1f} MB of bigrams in posts.cjk_terms; the index without bigrams "
        f"{sizes['cmp_plain']:,.1f} MB (rebuilt in {builds['plain']:.0f} s); "
        f"trigram index {sizes['cmp_trigram']:,.1f} MB (rebuilt in {builds['trigram']:.0f} s)",
        "",
        "| design | index | words | median ms | p95 ms (< 25 ms) | exactly the posts holding it |",
        "|---|---:|---|---:|---:|---|",
    ]

    def scan(word: str) -> set[int]:
        return {r[0] for r in raw.execute("SELECT id FROM posts WHERE instr(text, ?) > 0", (word,))}

    def trigram(word: str) -> set[int]:
        if len(word) < 3:  # no trigram to look up: FTS5 would return nothing; scan instead
            return scan(word)
        query = "SELECT rowid FROM cmp_trigram WHERE cmp_trigram MATCH ?"
        return {r[0] for r in raw.execute(query, ('"' + word + '"',))}

    with session_scope(engine, readonly=True) as session:
        connection = session.connection()

        def bigram(word: str) -> set[int]:
            return set(connection.execute(select_post_ids(Filters(words=word))).scalars())

        for label, words in query_words(runs).items():
            truth = [scan(word) for word in words]
            fallback = " (2 chars: instr scan)" if label.startswith("2") else ""
            for design, size, run in (
                ("bigrams (archive index)", sizes["posts_fts"] + bigrams / 1e6, bigram),
                ("trigram FTS5" + fallback, sizes["cmp_trigram"], trigram),
            ):
                median, p95, found = timed(run, words)
                lines.append(row(design, f"{size:,.0f} MB", label, median, p95, found == truth))
    engine.dispose()
    for name in ("cmp_plain", "cmp_trigram"):
        raw.execute(f"DROP TABLE {name}")
    raw.commit()
    raw.close()
    return lines


def postgres_comparison(base: str, posts: int, runs: int) -> list[str]:
    url, drop = fresh_postgres(base)
    try:
        started = time.perf_counter()
        build(url, posts, cjk_every=1)
        built = time.perf_counter() - started
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            started = time.perf_counter()
            connection.execute(text("CREATE INDEX cmp_trgm ON posts USING gin (text public.gin_trgm_ops)"))
            trgm_build = time.perf_counter() - started
            connection.execute(text("ANALYZE posts"))
        with engine.connect() as connection:

            def size(name: str) -> float:
                return (
                    float(connection.execute(text("SELECT pg_relation_size(:n)"), {"n": name}).scalar() or 0)
                    / 1e6
                )

            ours, trgm = size("ix_posts_fts"), size("cmp_trgm")
        lines = [
            f"PostgreSQL: archive built in {built:.0f} s; its tsvector GIN index (words + bigrams) "
            f"{ours:,.1f} MB; pg_trgm GIN index on the text {trgm:,.1f} MB (built in {trgm_build:.0f} s)",
            "",
            "| design | index | words | median ms | p95 ms (< 25 ms) | exactly the posts holding it |",
            "|---|---:|---|---:|---:|---|",
        ]
        with session_scope(engine, readonly=True) as session:
            connection = session.connection()

            def scan(word: str) -> set[int]:
                query = text("SELECT id FROM posts WHERE strpos(text, :w) > 0")
                return set(connection.execute(query, {"w": word}).scalars())

            def trigram(word: str) -> set[int]:
                query = text("SELECT id FROM posts WHERE text LIKE :p")
                return set(connection.execute(query, {"p": f"%{word}%"}).scalars())

            def bigram(word: str) -> set[int]:
                return set(connection.execute(select_post_ids(Filters(words=word))).scalars())

            for label, words in query_words(runs).items():
                truth = [scan(word) for word in words]
                for design, index, run in (
                    ("bigrams (archive index)", ours, bigram),
                    ("pg_trgm LIKE", trgm, trigram),
                ):
                    median, p95, found = timed(run, words)
                    lines.append(row(design, f"{index:,.0f} MB", label, median, p95, found == truth))
        engine.dispose()
        return lines
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cjk.db"
        started = time.perf_counter()
        build(path, args.posts, cjk_every=1)
        elapsed = time.perf_counter() - started
        print(f"{args.posts:,} Japanese-like posts, SQLite archive built in {elapsed:.0f} s")
        for line in sqlite_comparison(path, args.runs):
            print(line)
    if args.postgres:
        print()
        for line in postgres_comparison(args.postgres, args.posts, args.runs):
            print(line)


if __name__ == "__main__":
    main()
