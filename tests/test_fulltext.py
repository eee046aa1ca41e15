"""Search in every script and the query syntax: parsing, CJK bigrams, and what both databases find."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import REALWORLD, SEED_POSTS, make_article, needs_realworld
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from collector.extract import extract_page
from collector.values import Post
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.fulltext import (
    CJK_RUN,
    QuerySyntaxError,
    Term,
    cjk_terms,
    fts5_match,
    parse_query,
    pg_search,
    tsquery_text,
)
from db.queries import Filters, select_post_ids
from db.records import iter_records
from db.store import save_article

GAIJINPOT = REALWORLD / "pages" / "gaijinpot-chikan.html"
GAIJINPOT_GOLD = REALWORLD / "expected" / "gaijinpot-chikan.json"


def texts(engine: Engine, words: str) -> list[str]:
    with session_scope(engine, readonly=True) as session:
        return [record["text"] for record in iter_records(session, Filters(words=words))]


def store(engine: Engine, *bodies: str, name: str = "page") -> None:
    posts = [
        dataclasses.replace(SEED_POSTS[1], text=body, handle=f"user{n}") for n, body in enumerate(bodies)
    ]
    with session_scope(engine) as session:
        save_article(session, make_article(name), posts)


# --- parsing ---------------------------------------------------------------------------------------


def test_terms_phrases_prefixes_exclusions_and_or() -> None:
    query = parse_query('geneva "no deals" talk* -russia a OR "b c" OR d*')
    assert query.groups == (
        (Term("geneva"),),
        (Term("no deals"),),
        (Term("talk", prefix=True),),
        (Term("a"), Term("b c"), Term("d", prefix=True)),
    )
    assert query.excluded == (Term("russia"),)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ('"unclosed phrase', "the quote at character 1 is not closed"),
        ('fine "unclosed', "the quote at character 6 is not closed"),
        ("OR geneva", "OR needs a word on each side"),
        ("geneva OR", "OR needs a word on each side"),
        ("a OR OR b", "OR needs a word on each side"),
        ("a OR -b", "-b cannot be one side of an OR"),
        ("-a OR b", "-a cannot be one side of an OR"),
    ],
)
def test_a_malformed_query_says_why_in_one_line(query: str, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert str(raised.value) == reason


def test_everything_else_is_literal() -> None:
    # Other engines' operators are words or punctuation here; lower-case "or" is a word.
    query = parse_query("NEAR(a b) AND c:d ^e or - * ???")
    assert [group[0].text for group in query.groups] == ["NEAR(a", "b)", "AND", "c:d", "^e", "or"]
    assert fts5_match(query) == '("NEAR a") AND ("b") AND ("AND") AND ("c d") AND ("e") AND ("or")'


def test_translations_quote_every_term() -> None:
    query = parse_query("it's \"o'neil\\ x\" -bad")
    assert fts5_match(query) == '("it s") AND ("o neil x") NOT ("bad")'
    assert tsquery_text(query) == "('it''s') & ('o''neil\\\\ x') & !('bad')"


# --- CJK bigrams -----------------------------------------------------------------------------------


def test_cjk_runs_become_bigrams_and_a_closing_character() -> None:
    assert cjk_terms("痴漢の犯人が逮捕された") == "痴漢 漢の の犯 犯人 人が が逮 逮捕 捕さ され れた た"
    assert cjk_terms("iPhone版が出た。", None, "user") == "iPhone 版が が出 出た た"
    assert cjk_terms("서울에서 만나요", "홍길동") == "서울 울에 에서 서 만나 나요 요 홍길 길동 동"
    assert cjk_terms("only latin words", "Name", "handle") is None


def test_cjk_query_words_are_phrases_of_bigrams() -> None:
    assert fts5_match(parse_query("犯人")) == '("犯人")'
    assert fts5_match(parse_query("逮捕された")) == '("逮捕 捕さ され れた")'
    assert fts5_match(parse_query("犯")) == '("犯"*)'
    assert fts5_match(parse_query("iPhone版")) == '("iPhone 版"*)'
    assert (
        tsquery_text(parse_query("逮捕された -犯"))
        == "(('逮捕' <-> '捕さ' <-> 'され' <-> 'れた')) & !(('犯':*))"
    )


def test_postgresql_asks_for_a_lone_cjk_word_as_its_bigrams_and_a_substring() -> None:
    # No phrase to recheck: the index answers '&' exactly, the substring test keeps it exact.
    assert pg_search(parse_query("逮捕された geneva")) == (
        "(('逮捕' & '捕さ' & 'され' & 'れた')) & ('geneva')",
        ["逮捕された"],
    )
    # In an OR, excluded, two characters or mixed with Latin letters: the phrase as before.
    for query in ("逮捕された OR x", "a -逮捕された", "犯人", "iPhone版が"):
        assert pg_search(parse_query(query)) == (tsquery_text(parse_query(query)), [])


CJK_POSTS = (
    "痴漢の犯人が逮捕された",
    "犯人は不明。警察が捜査中",
    "犯罪の人が多い",  # 犯 and 人, but not 犯人
    "서울에서 만나요",
    "No CJK here, Geneva talks",
    "iPhone版が出た",
)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("犯人", [0, 1]),
        ("逮捕", [0]),
        ("逮捕された", [0]),
        ("犯人が逮捕", [0]),
        ("犯", [0, 1, 2]),
        ("人", [0, 1, 2]),
        ("捜査中", [1]),
        ("犯人 -逮捕", [1]),
        ("犯罪 OR 逮捕", [0, 2]),
        ('"犯人 警察"', []),
        ("서울", [3]),
        ("에서", [3]),
        ("geneva", [4]),
        ("iPhone版", [5]),
        ("版", [5]),
        ("が出た", [5]),
        ("人が", [0, 2]),
        ("が逮捕された", [0]),
        ("の犯人が", [0]),
        ("逮捕された 犯人", [0]),
        ("罪の人", [2]),
    ],
)
def test_cjk_words_are_found_inside_runs_on_both_databases(
    engine: Engine, words: str, expected: list[int]
) -> None:
    store(engine, *CJK_POSTS)
    assert sorted(texts(engine, words), key=CJK_POSTS.index) == [CJK_POSTS[n] for n in expected]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ('"no deals" geneva', [0]),
        ('"deals geneva"', []),
        ("negoti*", [0, 1]),
        ("talks -geneva", [2]),
        ("-geneva", [2, 3]),
        ("weekend OR deals", [0, 3]),
        ("weekend OR deals talks", []),
        ("weekend OR deals geneva", [0]),
        ("-geneva -weekend", [2]),
    ],
)
def test_the_query_syntax_on_both_databases(engine: Engine, words: str, expected: list[int]) -> None:
    bodies = (
        "No deals in Geneva, negotiations stall",
        "Negotiators meet in Geneva",
        "Talks elsewhere",
        "A quiet weekend",
    )
    store(engine, *bodies)
    assert sorted(texts(engine, words), key=bodies.index) == [bodies[n] for n in expected]


QUERY_TEXT = st.text(alphabet=st.sampled_from("ab犯人 \"-*ORNEAR()^:'\\.%_\x00é"), max_size=24)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=QUERY_TEXT)
def test_no_query_text_is_ever_run_as_sql_or_breaks_the_search(engine: Engine, words: str) -> None:
    """Any text is either one QuerySyntaxError or a search that runs, on both databases."""
    try:
        parse_query(words)
    except QuerySyntaxError:
        return
    with session_scope(engine, readonly=True) as session:
        session.execute(select_post_ids(Filters(words=words))).all()


# --- the real-world Japanese page ------------------------------------------------------------------


def _gold_posts() -> list[Post]:
    page = GAIJINPOT.read_text(encoding="utf-8")
    return list(extract_page(page).posts)


def _searched_words(gold_texts: list[str]) -> set[str]:
    """Every CJK character and pair, and every third longer substring (3-5) of the gold's runs."""
    words: set[str] = set()
    for body in gold_texts:
        for run in CJK_RUN.findall(body):
            words.update(run)
            words.update(run[i : i + 2] for i in range(len(run) - 1))
            for size in (3, 4, 5):
                words.update(run[i : i + size] for i in range(0, len(run) - size + 1, 3))
    return words


@needs_realworld
def test_every_post_holding_a_searched_word_comes_back_on_the_japanese_page(engine: Engine) -> None:
    gold = json.loads(GAIJINPOT_GOLD.read_text(encoding="utf-8"))["posts"]
    with session_scope(engine) as session:
        save_article(session, make_article("gaijinpot-chikan.html"), _gold_posts())
    gold_texts = [post["text"] for post in gold]
    words = _searched_words(gold_texts)
    assert "犯人" in words and len(words) > 300
    wrong = {}
    with session_scope(engine, readonly=True) as session:
        for word in sorted(words):
            found = {r["post_id"] for r in iter_records(session, Filters(words=word))}
            holding = {p["post_id"] for p in gold if word in p["text"] or word in p["author_name"]}
            if found != holding:
                wrong[word] = (sorted(found), sorted(holding))
    assert wrong == {}
    assert len(texts(engine, "犯人")) == 3  # the example: all three posts say 犯人


# --- consistency of the index ----------------------------------------------------------------------


def test_the_fts5_index_holds_the_cjk_terms_and_passes_its_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    engine = make_engine(database_url(str(path)))
    prepare_database(engine)
    store(engine, *CJK_POSTS)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM posts WHERE text = '犯罪の人が多い'")
        connection.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)")
        found = connection.execute(
            "SELECT posts.text FROM posts_fts JOIN posts ON posts.id = posts_fts.rowid "
            "WHERE posts_fts MATCH 'cjk_terms : 犯人' ORDER BY posts.id"
        ).fetchall()
    assert sorted(found) == sorted([("痴漢の犯人が逮捕された",), ("犯人は不明。警察が捜査中",)])
