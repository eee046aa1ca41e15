"""Four processes ingesting overlapping pages into one database at once end with exactly the union."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from collector.values import Article, ArticleMeta, Post, natural_key
from db.engine import make_engine, prepare_database, session_scope
from db.models import Appearance, Link
from db.models import Article as ArticleRow
from db.models import Post as PostRow
from db.rows import article_url
from db.store import SaveResult, save_pages

WORKERS = 4
ARTICLES = 24
POSTS = 48
POSTS_PER_ARTICLE = 8
PAGES_PER_BATCH = 3
# Articles i and i + SAME_ARTICLE_OFFSET are the same article saved as two files.
SAME_ARTICLE_OFFSET = 12
SAME_ARTICLE_COUNT = 2
TESTS = Path(__file__).parent
WORKER_SCRIPT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from test_db_concurrency import run_worker; run_worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])"
)


def make_post(number: int) -> Post:
    # Every sixth post comes from a plain-text copy: no id, keyed by content.
    has_id = number % 6 != 0
    return Post(
        platform="twitter",
        post_id=str(1_400_000_000_000_000_000 + number) if has_id else None,
        handle=f"author{number % 7}",
        author_name=f"Author {number % 7}",
        date=dt.date(2022, 1, 1) + dt.timedelta(days=number % 30),
        text=f"post number {number} about talks",
        links=tuple(f"https://t.co/{number}x{k}" for k in range(number % 3)),
    )


def make_page(index: int) -> tuple[Article, list[Post]]:
    same = (
        index - SAME_ARTICLE_OFFSET
        if SAME_ARTICLE_OFFSET <= index < SAME_ARTICLE_OFFSET + SAME_ARTICLE_COUNT
        else index
    )
    url = f"https://news.example/{same}" if same % 2 == 0 else None
    article = Article(
        source=f"pages/{index}.html", sha256=f"{same:064x}", url=url, meta=ArticleMeta(title=f"T{same}")
    )
    posts = [make_post((same * 5 + j * 7) % POSTS) for j in range(POSTS_PER_ARTICLE)]
    return article, posts


def worker_pages(worker: int) -> list[int]:
    # Each page is ingested by three of the four workers, each in its own order.
    mine = [i for i in range(ARTICLES) if i % WORKERS != worker]
    return mine[worker * 3 :] + mine[: worker * 3]


def run_worker(url: str, worker: int, go_file: str) -> None:
    engine = make_engine(url)
    prepare_database(engine)
    while not Path(go_file).exists():  # start together, to collide as much as possible
        time.sleep(0.005)
    pages = [make_page(i) for i in worker_pages(worker)]
    for start in range(0, len(pages), PAGES_PER_BATCH):
        outcomes = save_pages(engine, pages[start : start + PAGES_PER_BATCH])
        failed = [o for o in outcomes if not isinstance(o, SaveResult)]
        if failed:
            raise SystemExit(f"worker {worker}: {failed}")
    engine.dispose()


def expected_union() -> tuple[set[tuple[str, str, int]], set[str], int]:
    appearances: set[tuple[str, str, int]] = set()
    posts: dict[str, Post] = {}
    for index in range(ARTICLES):
        article, page = make_page(index)
        address = article_url(article) or f"sha:{article.sha256}"
        for position, post in enumerate(page):
            appearances.add((address, natural_key(post), position))
            posts[natural_key(post)] = post
    return appearances, set(posts), sum(len(p.links) for p in posts.values())


def stored_union(url: str) -> tuple[set[tuple[str, str, int]], list[str], int]:
    engine = make_engine(url)
    with session_scope(engine, readonly=True) as session:
        address = func.coalesce(ArticleRow.url, "sha:" + ArticleRow.sha256)
        appearances = session.execute(
            select(address, PostRow.key, Appearance.position)
            .join(Appearance, Appearance.article_id == ArticleRow.id)
            .join(PostRow, PostRow.id == Appearance.post_id)
        ).all()
        keys = list(session.execute(select(PostRow.key)).scalars())
        links = session.execute(select(func.count()).select_from(Link)).scalar_one()
    engine.dispose()
    assert len(appearances) == len(set(appearances)), "duplicate appearances"
    return {tuple(row) for row in appearances}, keys, links  # type: ignore[misc]


def test_four_writers_end_with_exactly_the_union(db_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, str(TESTS), db_url, str(worker), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    time.sleep(0.5)  # let them all open the database and create the schema (once) first
    go.touch()
    errors = [worker.communicate(timeout=300)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, errors
    appearances, keys, links = stored_union(db_url)
    want_appearances, want_keys, want_links = expected_union()
    assert sorted(keys) == sorted(want_keys)
    assert appearances == want_appearances
    assert links == want_links
