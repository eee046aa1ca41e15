"""Searching the archive: each filter as users rely on it, on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from conftest import make_article
from sqlalchemy import Engine

from collector.values import RECORD_KEYS, Post
from db import records
from db.engine import session_scope
from db.queries import Filters, collect_stats, select_articles, select_authors
from db.records import find_post, iter_records
from db.store import save_article

GENEVA_URL = "https://news.example/geneva-talks"


@pytest.fixture
def archive(engine: Engine, seed_posts: tuple[Post, ...]) -> Iterator[Engine]:
    """The seed posts from two articles, plus a Mastodon post without a date."""
    undated = Post(platform="mastodon", post_id="110", handle="@Alice@example.social", text="Talks in Geneva")
    with session_scope(engine) as session:
        save_article(
            session, make_article("geneva.html", url=GENEVA_URL, title="Geneva talks"), seed_posts[:2]
        )
        save_article(
            session, make_article("ukraine.txt", title="Ukraine"), [seed_posts[2], undated, seed_posts[0]]
        )
    yield engine


def handles(engine: Engine, **filters: object) -> list[str | None]:
    with session_scope(engine, readonly=True) as session:
        return [record["handle"] for record in iter_records(session, Filters(**filters))]  # type: ignore[arg-type]


def test_records_have_the_export_keys_in_order(archive: Engine) -> None:
    with session_scope(archive, readonly=True) as session:
        for record in iter_records(session, Filters()):
            assert tuple(record) == RECORD_KEYS


def test_records_are_ordered_by_date_then_id_with_undated_last(archive: Engine) -> None:
    assert handles(archive) == ["McFaul", "DavisColby", "PoliticusSarah", "@Alice@example.social"]


@pytest.mark.parametrize("author", ["mcfaul", "@McFaul", "MCFAUL", "Michael", "ael mcf"])
def test_author_matches_handle_without_case_or_at_or_part_of_the_name(archive: Engine, author: str) -> None:
    assert handles(archive, author=author) == ["McFaul"]


def test_author_does_not_match_part_of_a_handle(archive: Engine) -> None:
    assert handles(archive, author="politicus") == []


def test_since_and_until_are_inclusive(archive: Engine) -> None:
    assert handles(archive, since=dt.date(2022, 1, 8)) == ["PoliticusSarah"]
    assert handles(archive, until=dt.date(2022, 1, 7)) == ["McFaul", "DavisColby"]
    assert handles(archive, since=dt.date(2022, 1, 7), until=dt.date(2022, 1, 7)) == ["McFaul", "DavisColby"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("geneva", ["McFaul", "PoliticusSarah", "@Alice@example.social"]),
        ("GENEVA negotiations", ["McFaul"]),
        ("geneva russia", ["PoliticusSarah"]),
        ("geneva nowhere", []),
        ("Sarah", ["PoliticusSarah"]),
        ("colby", []),
        ("DavisColby", ["DavisColby"]),
        ("negotiation", []),
        ('"officials" AND OR NOT*', []),
        ("officials: (prepare)", ["DavisColby"]),
        ("???", []),
    ],
)
def test_words_must_all_match_whole_words(archive: Engine, words: str, expected: list[str]) -> None:
    assert handles(archive, words=words) == expected


def test_platform_is_exact(archive: Engine) -> None:
    assert handles(archive, platform="mastodon") == ["@Alice@example.social"]
    assert handles(archive, platform="masto") == []


@pytest.mark.parametrize("article", ["geneva-talks", "GENEVA TALKS", "ukraine.txt", "news.example"])
def test_article_matches_url_source_or_title(archive: Engine, article: str) -> None:
    expected = {
        "geneva-talks": ["McFaul", "DavisColby"],
        "GENEVA TALKS": ["McFaul", "DavisColby"],
        "ukraine.txt": ["McFaul", "PoliticusSarah", "@Alice@example.social"],
        "news.example": ["McFaul", "DavisColby"],
    }
    assert handles(archive, article=article) == expected[article]


def test_article_filter_treats_wildcards_literally(archive: Engine) -> None:
    assert handles(archive, article="%") == []


def test_filters_combine_and_limit_cuts(archive: Engine) -> None:
    assert handles(archive, words="geneva", until=dt.date(2022, 1, 8), author="sarah") == ["PoliticusSarah"]
    assert handles(archive, limit=2) == ["McFaul", "DavisColby"]


@pytest.mark.parametrize(
    "ref",
    [
        "1479527384433696769",
        "https://twitter.com/McFaul/status/1479527384433696769",
        "https://x.com/McFaul/status/1479527384433696769?s=20",
    ],
)
def test_find_post_by_id_or_url(archive: Engine, ref: str) -> None:
    with session_scope(archive, readonly=True) as session:
        detail = find_post(session, ref)
    assert detail is not None
    assert detail.record["handle"] == "McFaul"
    assert [(a.title, a.url, a.source, a.position) for a in detail.articles] == [
        ("Geneva talks", GENEVA_URL, "pages/geneva.html", 0),
        ("Ukraine", None, "pages/ukraine.txt", 2),
    ]
    assert all(a.ingested_at.tzinfo is not None for a in detail.articles)


def test_find_post_by_internal_id_and_unknown(archive: Engine) -> None:
    with session_scope(archive, readonly=True) as session:
        first = find_post(session, "1")
        assert first is not None
        assert first.record["handle"] == "McFaul"
        assert find_post(session, "999999") is None
        assert find_post(session, "https://twitter.com/x/status/42") is None


def test_authors_list_counts_and_date_range(archive: Engine, seed_posts: tuple[Post, ...]) -> None:
    renamed = dataclasses.replace(seed_posts[0], post_id="1479900000000000000", date=dt.date(2022, 1, 9))
    renamed = dataclasses.replace(renamed, author_name="Amb. McFaul", handle="mcfaul")
    with session_scope(archive) as session:
        save_article(session, make_article("later.html"), [renamed])
    with session_scope(archive, readonly=True) as session:
        rows = {row.handle.lower(): row for row in session.execute(select_authors())}
    mcfaul = rows["mcfaul"]
    assert (mcfaul.post_count, mcfaul.first_date, mcfaul.last_date) == (
        2,
        dt.date(2022, 1, 7),
        dt.date(2022, 1, 9),
    )
    assert rows["politicussarah"].post_count == 1
    assert len(rows) == 4


def test_articles_list_with_post_counts(archive: Engine) -> None:
    with session_scope(archive, readonly=True) as session:
        rows = session.execute(select_articles(Filters())).all()
        narrowed = session.execute(select_articles(Filters(author="@ALICE@example.social"))).all()
    assert [(r.title, r.url, r.post_count) for r in rows] == [
        ("Geneva talks", GENEVA_URL, 2),
        ("Ukraine", "pages/ukraine.txt", 3),
    ]
    assert [(r.title, r.post_count) for r in narrowed] == [("Ukraine", 1)]


def test_stats(archive: Engine) -> None:
    with session_scope(archive, readonly=True) as session:
        stats = collect_stats(session)
    assert (stats.posts, stats.articles) == (4, 2)
    assert stats.per_platform == {"mastodon": 1, "twitter": 3}
    assert stats.per_month == [("2022-01", 3)]
    assert stats.undated == 1
    assert len(stats.top_authors) == 4


def test_links_of_any_spelling_round_trip(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    links = ('https://a.example/q?x="1", "2"', "https://b.example/a\\b", "https://ü.example/é", "https://c/,")
    post = dataclasses.replace(seed_posts[0], links=links)
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [post])
    with session_scope(engine, readonly=True) as session:
        [record] = iter_records(session, Filters())
    assert record["links"] == list(links)


def test_each_quoting_article_is_listed_once_oldest_first(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    post = seed_posts[0]
    with session_scope(engine) as session:
        save_article(session, make_article("first.html", url="https://a.example/1"), [post])
        # The same post twice in one page: two appearances, one article.
        save_article(session, make_article("second.txt"), [seed_posts[1], post, seed_posts[2], post])
        save_article(session, make_article("third.html", url="https://a.example/3"), [post])
    with session_scope(engine, readonly=True) as session:
        (record,) = iter_records(session, Filters(words="substantive"))
        detail = find_post(session, str(post.post_id))
    expected = ["https://a.example/1", "pages/second.txt", "https://a.example/3"]
    assert (record["article_count"], record["article_urls"]) == (3, expected)
    assert detail is not None and detail.record == record


def test_records_do_not_depend_on_the_batch_sizes(
    archive: Engine, monkeypatch: pytest.MonkeyPatch, seed_posts: tuple[Post, ...]
) -> None:
    """Addresses looked up by id in small batches, or all read at once, give the same records."""
    with session_scope(archive) as session:
        for number in range(5):
            save_article(
                session, make_article(f"more{number}.html", url=f"https://m.example/{number}"), seed_posts
            )
    with session_scope(archive, readonly=True) as session:
        expected = list(iter_records(session, Filters()))
        # (rows per fetch, rows per column batch, ids per lookup query, lookup cost): addresses by
        # id only, all at once, or switching; fetches split into column batches or not.
        for stream, column, lookup, cost in ((1, 1, 1, 0), (2, 5, 1, 10**9), (5, 2, 2, 1)):
            monkeypatch.setattr(records, "STREAM_BATCH", stream)
            monkeypatch.setattr(records, "COLUMN_BATCH", column)
            monkeypatch.setattr(records, "ADDRESS_BATCH", lookup)
            monkeypatch.setattr(records, "LOOKUP_COST", cost)
            assert list(iter_records(session, Filters())) == expected
    assert expected[0]["article_urls"][-5:] == [f"https://m.example/{number}" for number in range(5)]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("cafe", ["accents", "plain"]),
        ("CAFÉ", ["accents", "plain"]),
        ("creme geneve", ["accents"]),
        ("Crème", ["accents"]),
        ("zurich", ["umlaut"]),
        ("naïve", ["umlaut"]),
    ],
)
def test_words_match_with_or_without_diacritics(
    engine: Engine, seed_posts: tuple[Post, ...], words: str, expected: list[str]
) -> None:
    """Both databases fold Latin diacritics on both sides, as SQLite's FTS5 always did."""
    texts = {
        "accents": "Café crème à Genève",
        "plain": "A cafe on the corner",
        "umlaut": "A naive question from Zürich",
    }
    posts = [
        dataclasses.replace(seed_posts[0], post_id=str(100 + index), handle=handle, text=text)
        for index, (handle, text) in enumerate(texts.items())
    ]
    with session_scope(engine) as session:
        save_article(session, make_article("folds.html"), posts)
    with session_scope(engine, readonly=True) as session:
        found = sorted(record["handle"] for record in iter_records(session, Filters(words=words)))
    assert found == expected


@pytest.mark.parametrize(
    ("microsecond", "shown"),
    [(0, "18:16:44Z"), (123000, "18:16:44.123Z"), (999999, "18:16:44.999Z"), (500, "18:16:44.000Z")],
)
def test_posted_at_is_exported_in_utc_to_the_millisecond(
    engine: Engine, seed_posts: tuple[Post, ...], microsecond: int, shown: str
) -> None:
    """Whole seconds without a fraction; any fraction as milliseconds, cut and not rounded."""
    moment = dt.datetime(2022, 1, 7, 18, 16, 44, microsecond, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [dataclasses.replace(seed_posts[0], posted_at=moment)])
    with session_scope(engine, readonly=True) as session:
        [record] = iter_records(session, Filters())
    assert record["posted_at"] == f"2022-01-07T{shown}"
