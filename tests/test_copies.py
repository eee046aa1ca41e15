"""Copies of one post fill each other's gaps, in any order of arrival, on both databases.

An id-only embed (AMP, a rendered iframe) and the full blockquote of the same tweet, a truncated
and a full text, conflicting handles, a tombstone and a live copy: whatever order they arrive in
(one page, one batch, later runs), the archive keeps one post with every field some copy knew,
the fullest text, every appearance with the copy its article showed, and reports what differs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import make_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from collector.values import Appearance, Post
from db.engine import make_engine, prepare_database, session_scope
from db.merge import MERGED_COLUMNS, merge_values
from db.models import Appearance as AppearanceRow
from db.models import Post as PostRow
from db.queries import Filters, select_post_ids
from db.records import find_post, iter_article_posts, iter_records
from db.rows import POST_COLUMNS, prepare_page
from db.store import save_article, save_pages

TWEET_ID = "1479527384433696769"
POSTED = dt.datetime(2022, 1, 7, 18, 16, 44, 123000, tzinfo=dt.UTC)
FULL = Post(
    platform="twitter",
    post_id=TWEET_ID,
    url=f"https://twitter.com/McFaul/status/{TWEET_ID}",
    author_name="Michael McFaul",
    handle="McFaul",
    date_text="January 7, 2022",
    date=dt.date(2022, 1, 7),
    posted_at=POSTED,
    text="There will be no substantive negotiations in Geneva next week.",
    links=("https://t.co/abc",),
    lang="en",
)
# What an AMP embed or a rendered iframe shows of the same tweet: its id, and its id's time.
ID_ONLY = Post(platform="twitter", post_id=TWEET_ID, posted_at=POSTED)
TRUNCATED = dataclasses.replace(FULL, text="There will be no substantive…", links=())
DELETED = Appearance(
    dataclasses.replace(ID_ONLY, url=FULL.url, handle="McFaul"),
    status="deleted",
    context_before="He wrote, before deleting it:",
)


def one_post(engine: Engine) -> PostRow:
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(PostRow)).scalar_one() == 1
        row = session.execute(select(PostRow)).scalar_one()
        session.expunge(row)
        return row


def appearance_count(engine: Engine) -> int:
    with session_scope(engine, readonly=True) as session:
        return int(session.execute(select(func.count()).select_from(AppearanceRow)).scalar_one())


def shown_copies(engine: Engine) -> dict[str, Post]:
    """Each article's copy, by article source (db.records.iter_article_posts)."""
    with session_scope(engine, readonly=True) as session:
        return {source.rsplit("/", 1)[-1]: post for source, post in iter_article_posts(session)}


# How the copies arrive: one page with both, two pages in one batch, or one run after the other.
def arrive_on_one_page(engine: Engine, copies: Sequence[Post | Appearance]) -> None:
    with session_scope(engine) as session:
        save_article(session, make_article("page"), list(copies))


def arrive_in_one_batch(engine: Engine, copies: Sequence[Post | Appearance]) -> None:
    save_pages(engine, [(make_article(f"page{number}"), [copy]) for number, copy in enumerate(copies)])


def arrive_in_later_runs(engine: Engine, copies: Sequence[Post | Appearance]) -> None:
    for number, copy in enumerate(copies):
        save_pages(engine, [(make_article(f"page{number}"), [copy])])


ARRIVALS = (arrive_on_one_page, arrive_in_one_batch, arrive_in_later_runs)


@pytest.mark.parametrize("arrive", ARRIVALS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("order", [(ID_ONLY, FULL), (FULL, ID_ONLY)], ids=["id-first", "full-first"])
def test_an_id_only_copy_and_the_full_embed_make_one_full_post(
    engine: Engine, arrive: object, order: tuple[Post, Post]
) -> None:
    arrive(engine, order)  # type: ignore[operator]
    post = one_post(engine)
    assert (post.handle, post.author_name, post.text, post.url, post.lang, post.date_text) == (
        "McFaul",
        "Michael McFaul",
        FULL.text,
        FULL.url,
        "en",
        "January 7, 2022",
    )
    assert (post.date, post.date_source) == (dt.date(2022, 1, 7), "shown")
    assert appearance_count(engine) == 2
    with session_scope(engine, readonly=True) as session:
        (record,) = iter_records(session, Filters())
        assert record["links"] == ["https://t.co/abc"] and record["article_count"] == len(
            {"page"} if arrive is arrive_on_one_page else order
        )
        assert list(session.execute(select_post_ids(Filters(differing=True)))) == []
    if arrive is not arrive_on_one_page:
        # Each appearance keeps what its article showed: the id-only page showed no text.
        copies = shown_copies(engine)
        shown = {post.text for post in copies.values()}
        assert shown == {None, FULL.text}


def test_the_id_only_copy_is_dated_by_its_id_until_a_page_shows_the_day(engine: Engine) -> None:
    arrive_in_later_runs(engine, [ID_ONLY])
    post = one_post(engine)
    assert (post.date, post.date_source) == (POSTED.date(), "id")
    with session_scope(engine, readonly=True) as session:
        assert len(list(session.execute(select_post_ids(Filters(since=dt.date(2022, 1, 7)))))) == 1
    arrive_in_later_runs(engine, [dataclasses.replace(FULL, date=dt.date(2022, 1, 8), date_text="Jan 8")])
    post = one_post(engine)
    assert (post.date, post.date_source, post.date_text) == (dt.date(2022, 1, 8), "shown", "Jan 8")


@pytest.mark.parametrize("arrive", ARRIVALS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("truncated_first", [True, False])
def test_the_fullest_text_wins_and_the_shorter_copy_is_kept_and_reported(
    engine: Engine, arrive: object, truncated_first: bool
) -> None:
    order = [TRUNCATED, FULL] if truncated_first else [FULL, TRUNCATED]
    arrive(engine, order)  # type: ignore[operator]
    post = one_post(engine)
    assert (post.text, post.links_json) == (FULL.text, '["https://t.co/abc"]')
    with session_scope(engine, readonly=True) as session:
        assert len(list(session.execute(select_post_ids(Filters(differing=True))))) == 1
        detail = find_post(session, TWEET_ID)
    assert detail is not None and "text" in detail.contradictions
    differing = [q.differs for q in detail.articles if q.differs]
    assert differing and differing[0]["text"] == TRUNCATED.text
    copies = shown_copies(engine) if arrive is not arrive_on_one_page else {}
    if copies:
        assert sorted(post.text or "" for post in copies.values()) == sorted(
            [FULL.text or "", TRUNCATED.text or ""]
        )


@pytest.mark.parametrize("arrive", ARRIVALS, ids=lambda f: f.__name__)
def test_conflicting_handles_keep_the_first_and_are_reported(engine: Engine, arrive: object) -> None:
    other = dataclasses.replace(FULL, handle="NotMcFaul", url=f"https://x.com/NotMcFaul/status/{TWEET_ID}")
    arrive(engine, [FULL, other])  # type: ignore[operator]
    post = one_post(engine)
    assert post.handle == "McFaul"
    with session_scope(engine, readonly=True) as session:
        detail = find_post(session, TWEET_ID)
    assert detail is not None and "handle" in detail.contradictions
    assert any(q.differs.get("handle") == "NotMcFaul" for q in detail.articles)


def test_a_two_megabyte_text_against_a_ten_character_copy(engine: Engine) -> None:
    huge = dataclasses.replace(FULL, text="x" * 2_000_000)
    tiny = dataclasses.replace(FULL, text="ten chars!")
    results = save_pages(engine, [(make_article("huge"), [huge]), (make_article("tiny"), [tiny])])
    assert not any(isinstance(result, Exception) for result in results)
    post = one_post(engine)
    assert post.text is not None and len(post.text) == 2_000_000
    assert appearance_count(engine) == 2
    with session_scope(engine, readonly=True) as session:
        detail = find_post(session, TWEET_ID)
    assert detail is not None and detail.contradictions == ["text"]


@pytest.mark.parametrize("tombstone_first", [True, False])
def test_a_tombstone_and_a_live_copy_keep_the_text_and_say_so(engine: Engine, tombstone_first: bool) -> None:
    order: list[Post | Appearance] = [DELETED, FULL] if tombstone_first else [FULL, DELETED]
    arrive_in_later_runs(engine, order)
    post = one_post(engine)
    assert (post.text, post.status) == (FULL.text, "deleted")
    assert appearance_count(engine) == 2
    with session_scope(engine, readonly=True) as session:
        assert [row for (row,) in session.execute(select_post_ids(Filters(status="deleted")))] == [post.id]
        assert list(session.execute(select_post_ids(Filters(status="suspended")))) == []
        detail = find_post(session, TWEET_ID)
    assert detail is not None and detail.surviving
    (tombstone,) = [q for q in detail.articles if q.status]
    assert (tombstone.status, tombstone.context_before) == ("deleted", "He wrote, before deleting it:")
    # The tombstone's page showed no text: its copy says so, it is no contradiction.
    assert "text" not in detail.contradictions


def test_a_fuller_copy_replacing_a_value_leaves_the_earlier_appearances_their_own(engine: Engine) -> None:
    arrive_in_later_runs(engine, [TRUNCATED, TRUNCATED, FULL])
    copies = shown_copies(engine)
    assert [copies[f"page{n}"].text for n in range(3)] == [TRUNCATED.text, TRUNCATED.text, FULL.text]
    assert [copies[f"page{n}"].links for n in range(3)] == [(), (), FULL.links]


# --- the SQL rules are the Python rules -------------------------------------------------------

TEXTS = st.one_of(st.none(), st.text(alphabet="ab …", max_size=12))
COPIES = st.builds(
    Post,
    platform=st.just("twitter"),
    post_id=st.just(TWEET_ID),
    url=st.one_of(st.none(), st.sampled_from([FULL.url, f"https://x.com/i/status/{TWEET_ID}"])),
    author_name=st.one_of(st.none(), st.sampled_from(["Michael McFaul", "M. McFaul"])),
    handle=st.one_of(st.none(), st.sampled_from(["McFaul", "mcfaul2"])),
    date_text=st.one_of(st.none(), st.just("January 7, 2022")),
    date=st.one_of(st.none(), st.sampled_from([dt.date(2022, 1, 7), dt.date(2022, 1, 8)])),
    posted_at=st.one_of(st.none(), st.just(POSTED)),
    text=TEXTS,
    links=st.lists(st.sampled_from(["https://t.co/a", "https://t.co/b"]), max_size=2).map(tuple),
    lang=st.one_of(st.none(), st.sampled_from(["en", "und"])),
)
STATUSES = st.one_of(st.none(), st.sampled_from(["deleted", "unavailable", "suspended"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(COPIES, STATUSES), min_size=1, max_size=4))
def test_the_archive_holds_what_the_merge_rules_say_in_any_order(
    engine: Engine, copies: list[tuple[Post, str | None]]
) -> None:
    with engine.begin() as connection:
        connection.execute(AppearanceRow.__table__.delete())
        connection.execute(PostRow.__table__.delete())
    appearances = [Appearance(post, status) for post, status in copies]
    arrive_in_later_runs(engine, appearances)
    rows = [
        dict(zip(POST_COLUMNS, prepare_page(make_article("x"), [a]).posts[0][0], strict=True))
        for a in appearances
    ]
    expected = rows[0]
    for row in rows[1:]:
        expected = {**expected, **merge_values(expected, row)}
    post = one_post(engine)
    stored = {name: getattr(post, name) for name in MERGED_COLUMNS if name not in ("author_id", "posted_at")}
    wanted = {name: expected[name] for name in stored}
    assert stored == wanted


def test_every_order_of_three_copies_gives_the_same_post(engine: Engine) -> None:
    """Gaps fill whatever the order: no field of a copy is lost, none is blanked."""
    pieces = [
        ID_ONLY,
        dataclasses.replace(FULL, text=None, links=()),
        dataclasses.replace(ID_ONLY, text=FULL.text),
    ]
    found = set()
    for number, order in enumerate(itertools.permutations(pieces)):
        with engine.begin() as connection:
            connection.execute(AppearanceRow.__table__.delete())
            connection.execute(PostRow.__table__.delete())
        save_pages(engine, [(make_article(f"o{number}-{n}"), [copy]) for n, copy in enumerate(order)])
        post = one_post(engine)
        found.add((post.text, post.handle, post.author_name, post.url, post.date, post.lang))
    assert found == {(FULL.text, "McFaul", "Michael McFaul", FULL.url, FULL.date, "en")}


# --- two `quotes ingest` processes at once --------------------------------------------------------

AMP_PAGE = f"""<html><head><title>AMP copy</title></head><body><article>
<p>The ambassador was blunt.</p>
<amp-twitter width="375" height="472" layout="responsive" data-tweetid="{TWEET_ID}"></amp-twitter>
<p>Talks begin on Monday.</p></article></body></html>"""
FULL_PAGE = f"""<html><head><title>Full copy</title></head><body><article>
<p>He wrote on Friday:</p>
<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{FULL.text}</p>&mdash; Michael McFaul (@McFaul)
<a href="https://twitter.com/McFaul/status/{TWEET_ID}?ref_src=twsrc%5Etfw">January 7, 2022</a></blockquote>
<p>Others agreed.</p></article></body></html>"""
ROUNDS = 3


def test_two_ingest_processes_of_the_two_copies_make_one_full_post(db_url: str, tmp_path: Path) -> None:
    amp, full = tmp_path / "amp.html", tmp_path / "full.html"
    amp.write_text(AMP_PAGE, encoding="utf-8")
    full.write_text(FULL_PAGE, encoding="utf-8")
    engine = make_engine(db_url)
    prepare_database(engine)
    try:
        for round_ in range(ROUNDS):
            with engine.begin() as connection:
                for table in (AppearanceRow.__table__, PostRow.__table__):
                    connection.execute(table.delete())
            command = [sys.executable, "-m", "collector", "--db", db_url, "ingest", "--quiet"]
            # The first run of round 0 creates nothing: the schema exists, so both race on the posts.
            runs = [subprocess.Popen([*command, str(page)], stderr=subprocess.PIPE) for page in (amp, full)]
            for run in runs:
                _, err = run.communicate(timeout=120)
                assert run.returncode == 0, err.decode()
            post = one_post(engine)
            assert (post.text, post.handle, post.author_name, post.url, post.date_source) == (
                FULL.text,
                "McFaul",
                "Michael McFaul",
                FULL.url,
                "shown",
            ), round_
            assert appearance_count(engine) == 2
            copies = shown_copies(engine)
            assert (copies["amp.html"].text, copies["full.html"].text) == (None, FULL.text)
    finally:
        engine.dispose()
