"""Saving pages: idempotent, one post however many articles quote it, one page rolled back alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

import pytest
from conftest import make_article
from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.exc import DBAPIError

from collector.values import Post
from db import failures, rows, store
from db.engine import make_engine, session_scope
from db.models import Appearance, Article, Author, Link
from db.models import Post as PostRow
from db.queries import Filters
from db.records import iter_article_posts, iter_records
from db.store import save_article

TABLES = (PostRow, Article, Appearance, Link, Author)


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine, readonly=True) as session:
        return {
            model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in TABLES
        }


def records(engine: Engine, filters: Filters | None = None) -> list[dict[str, object]]:
    with session_scope(engine, readonly=True) as session:
        return list(iter_records(session, filters or Filters()))


def test_first_save_reports_every_post_new(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    with session_scope(engine) as session:
        result = save_article(session, make_article("a"), seed_posts)
    assert (result.new_posts, result.known_posts) == (3, 0)
    assert row_counts(engine) == {"posts": 3, "articles": 1, "appearances": 3, "links": 2, "authors": 3}


def test_saving_the_same_page_twice_changes_nothing(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    with session_scope(engine) as session:
        save_article(session, make_article("a"), seed_posts)
    before, exported = row_counts(engine), records(engine)
    with session_scope(engine) as session:
        again = save_article(session, make_article("a"), seed_posts)
    assert (again.new_posts, again.known_posts) == (0, 3)
    assert row_counts(engine) == before
    assert records(engine) == exported


def test_same_post_in_two_articles_is_one_post_with_two_appearances(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    mcfaul = seed_posts[0]
    with session_scope(engine) as session:
        first = save_article(session, make_article("a", url="https://news.example/a"), [mcfaul])
        second = save_article(session, make_article("b"), [seed_posts[1], mcfaul])
    assert first.article_id != second.article_id
    assert (second.new_posts, second.known_posts) == (1, 1)
    [record] = records(engine, Filters(author="mcfaul"))
    assert record["article_count"] == 2
    assert record["article_urls"] == ["https://news.example/a", "pages/b"]


def test_the_same_article_saved_from_two_files_is_one_article(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    url = "https://news.example/story"
    with session_scope(engine) as session:
        first = save_article(session, make_article("copy1.html", url=url), seed_posts[:1])
        second = save_article(session, make_article("copy2.html", url=url), seed_posts[:1])
    assert first.article_id == second.article_id
    assert row_counts(engine)["articles"] == 1
    assert row_counts(engine)["appearances"] == 1


def test_a_post_embedded_twice_in_one_page_is_one_post(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    with session_scope(engine) as session:
        result = save_article(session, make_article("a"), [seed_posts[0], seed_posts[2], seed_posts[0]])
    assert (result.new_posts, result.known_posts) == (2, 0)
    assert row_counts(engine)["appearances"] == 3
    assert [r["article_count"] for r in records(engine)] == [1, 1]


def test_a_failing_page_is_rolled_back_alone(
    engine: Engine, seed_posts: tuple[Post, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    with session_scope(engine) as session:
        save_article(session, make_article("good"), seed_posts[:1])
        with monkeypatch.context() as patch:
            patch.setattr(store, "_save_appearances", broken)
            with pytest.raises(RuntimeError):
                save_article(session, make_article("bad"), seed_posts[1:])
        save_article(session, make_article("after"), seed_posts[:1])
    assert row_counts(engine) == {"posts": 1, "articles": 2, "appearances": 2, "links": 0, "authors": 1}


def test_every_field_survives_the_round_trip(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    with session_scope(engine) as session:
        save_article(session, make_article("a", url="https://news.example/a"), seed_posts)
    by_handle = {r["handle"]: r for r in records(engine)}
    assert by_handle["McFaul"] == {
        "platform": "twitter",
        "post_id": "1479527384433696769",
        "url": "https://twitter.com/McFaul/status/1479527384433696769",
        "handle": "McFaul",
        "author_name": "Michael McFaul",
        "date": "2022-01-07",
        "posted_at": "2022-01-07T18:16:44.123Z",
        "date_text": "January 7, 2022",
        "text": "There will be no substantive negotiations in Geneva next week.",
        "links": [],
        "lang": "en",
        "article_count": 1,
        "article_urls": ["https://news.example/a"],
        "date_source": "shown",
        "status": None,
        "media": [],
        "quoted_url": None,
        "first_quoted_at": None,
        "article_titles": ["a"],
        "tags": [],
        "note": None,
    }
    colby = by_handle["DavisColby"]
    assert colby["author_name"] == "D.C. ☮️"
    assert colby["text"] == seed_posts[1].text
    assert colby["links"] == ["https://t.co/5OfwnpPSTH"]
    assert (colby["post_id"], colby["posted_at"], colby["lang"]) == (None, None, None)


def test_a_posted_at_in_another_zone_is_stored_as_utc(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    post = dataclasses.replace(seed_posts[0], posted_at=dt.datetime(2022, 1, 7, 19, 16, 44, tzinfo=paris))
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [post])
    assert records(engine)[0]["posted_at"] == "2022-01-07T18:16:44Z"


def test_a_plain_text_copy_is_recognised_as_the_stored_embed(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    embed = seed_posts[0]
    copy = dataclasses.replace(
        embed, post_id=None, url=None, posted_at=None, text=(embed.text or "").upper() + "  "
    )
    with session_scope(engine) as session:
        save_article(session, make_article("embed.html"), [embed])
        result = save_article(session, make_article("copy.txt"), [copy])
    assert (result.new_posts, result.known_posts) == (0, 1)
    [record] = records(engine)
    assert record["post_id"] == embed.post_id
    assert record["article_count"] == 2


def test_an_embed_gives_its_id_to_the_plain_text_copy_stored_before(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    embed = seed_posts[0]
    copy = dataclasses.replace(embed, post_id=None, url=None, posted_at=None)
    with session_scope(engine) as session:
        save_article(session, make_article("copy.txt"), [copy])
        result = save_article(session, make_article("embed.html"), [embed])
    assert (result.new_posts, result.known_posts) == (0, 1)
    [record] = records(engine)
    assert (record["post_id"], record["url"]) == (embed.post_id, embed.url)
    assert record["posted_at"] == "2022-01-07T18:16:44.123Z"
    assert record["article_count"] == 2


def test_different_posts_with_the_same_text_stay_apart(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    other_day = dataclasses.replace(seed_posts[1], date=dt.date(2022, 1, 9))
    other_author = dataclasses.replace(seed_posts[1], handle="someone_else")
    with session_scope(engine) as session:
        result = save_article(session, make_article("a"), [seed_posts[1], other_day, other_author])
    assert result.new_posts == 3


def test_the_same_id_on_two_platforms_is_two_posts(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    elsewhere = dataclasses.replace(seed_posts[0], platform="mastodon")
    with session_scope(engine) as session:
        result = save_article(session, make_article("a"), [seed_posts[0], elsewhere])
    assert result.new_posts == 2


def test_save_pages_keeps_the_good_pages_of_a_batch(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    # A link without a URL breaks the links table's NOT NULL constraint on both databases.
    broken = dataclasses.replace(seed_posts[1], links=(None,))  # type: ignore[arg-type]
    outcomes = store.save_pages(
        engine,
        [
            (make_article("good1"), seed_posts[:1]),
            (make_article("bad"), [seed_posts[2], broken]),
            (make_article("good2"), seed_posts[2:]),
        ],
    )
    assert isinstance(outcomes[0], store.SaveResult)
    assert isinstance(outcomes[1], Exception)
    assert isinstance(outcomes[2], store.SaveResult)
    assert row_counts(engine) == {"posts": 2, "articles": 2, "appearances": 2, "links": 1, "authors": 2}
    assert [r["article_urls"] for r in records(engine)] == [["pages/good1"], ["pages/good2"]]


def test_save_pages_counts_a_post_new_on_the_first_page_that_has_it(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    outcomes = store.save_pages(
        engine, [(make_article("a"), seed_posts), (make_article("b"), seed_posts[::-1])]
    )
    assert [(o.new_posts, o.known_posts) for o in outcomes if isinstance(o, store.SaveResult)] == [
        (3, 0),
        (0, 3),
    ]


@pytest.mark.parametrize("copy_first", [False, True])
def test_an_embed_and_its_plain_text_copy_in_one_batch_are_one_post(
    engine: Engine, seed_posts: tuple[Post, ...], copy_first: bool
) -> None:
    embed = seed_posts[0]
    copy = dataclasses.replace(embed, post_id=None, url=None, posted_at=None)
    pages = [(make_article("embed.html"), [embed]), (make_article("copy.txt"), [copy])]
    outcomes = store.save_pages(engine, pages[::-1] if copy_first else pages)
    assert sum(o.new_posts for o in outcomes if isinstance(o, store.SaveResult)) == 1
    [record] = records(engine)
    assert (record["post_id"], record["url"], record["article_count"]) == (embed.post_id, embed.url, 2)


def test_long_platform_ids_are_stored_on_both_databases(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    pfbid = "pfbid0" + "x7Yq2" * 24  # Facebook's opaque post ids are long
    post = dataclasses.replace(seed_posts[0], platform="facebook", post_id=pfbid)
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [post])
    assert [r["post_id"] for r in records(engine)] == [pfbid]


def test_a_nul_character_does_not_fail_the_page(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    post = dataclasses.replace(seed_posts[0], text="before\x00after")
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [post])
    assert records(engine)[0]["text"] == "before\ufffdafter"


def test_a_prepared_page_crosses_processes_and_saves_the_same_rows(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    # Worker processes prepare pages and pickle them to the writer (collector.parallel).
    article = make_article("a", url="https://news.example/a")
    prepared = pickle.loads(pickle.dumps(rows.prepare_page(article, seed_posts)))
    [result] = store.save_prepared(engine, [prepared])
    assert isinstance(result, store.SaveResult) and result.new_posts == 3
    saved = records(engine)
    with session_scope(engine) as session:
        again = save_article(session, article, seed_posts)
    assert (again.new_posts, again.known_posts) == (0, 3)
    assert records(engine) == saved


def test_dates_and_times_are_stored_as_a_core_statement_would_compare_them(
    engine: Engine, seed_posts: tuple[Post, ...]
) -> None:
    # Rows go to the driver as plain tuples; SQLite keeps times as text, so the stored form must be
    # exactly the one SQLAlchemy binds in queries (of UTC times), or date filters would miss rows.
    instant = dt.datetime(2022, 1, 7, 19, 16, 44, 5000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    post = dataclasses.replace(seed_posts[0], posted_at=instant)
    with session_scope(engine) as session:
        save_article(session, make_article("a"), [post])
    with session_scope(engine, readonly=True) as session:
        by_instant = session.execute(
            select(PostRow.id).where(PostRow.posted_at == instant.astimezone(dt.UTC))
        ).all()
        by_day = session.execute(select(PostRow.id).where(PostRow.date == post.date)).all()
        seen = session.execute(select(PostRow.first_seen_at)).scalar_one()
        ingested = session.execute(select(Article.ingested_at)).scalar_one()
    assert len(by_instant) == len(by_day) == 1
    now = dt.datetime.now(dt.UTC)
    for moment in (seen, ingested):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        assert abs(now - moment) < dt.timedelta(minutes=5)


def _read_only_url(db_url: str) -> str:
    """The same archive, opened so that every write is refused (a read-only file, a standby server)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    options = f"{url.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_an_archive_that_refuses_writes_fails_the_batch_not_each_page(
    engine: Engine, db_url: str, seed_posts: tuple[Post, ...]
) -> None:
    read_only = make_engine(_read_only_url(db_url))
    try:
        with pytest.raises(DBAPIError) as raised:
            store.save_pages(read_only, [(make_article(name), seed_posts) for name in ("one", "two")])
    finally:
        read_only.dispose()
    assert failures.is_archive_failure(raised.value)
    assert row_counts(engine) == dict.fromkeys(("posts", "articles", "appearances", "links", "authors"), 0)


def test_every_stored_post_column_is_a_column_of_the_model() -> None:
    """The row layout comes from the Post value type: a field added there needs its model column."""
    model_columns = set(PostRow.__table__.columns.keys())
    assert set(rows.POST_COLUMNS) <= model_columns, set(rows.POST_COLUMNS) - model_columns
    plain = {field.name for field in dataclasses.fields(Post)} - {"quoted"}
    # Lists are stored as JSON text in <name>_json (links also row by row in their own table).
    lists = {name for name in plain if f"{name}_json" in model_columns}
    assert lists == {"links", "media"}
    assert plain - lists <= model_columns, plain - lists - model_columns


def test_posts_read_back_are_the_posts_saved(engine: Engine, seed_posts: tuple[Post, ...]) -> None:
    """Every field of Post survives the archive (the scorer reads posts back this way)."""
    with session_scope(engine) as session:
        save_article(session, make_article("page"), seed_posts)
    with session_scope(engine, readonly=True) as session:
        assert [post for _, post in iter_article_posts(session)] == list(seed_posts)
