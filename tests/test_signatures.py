"""Tweets in plain text: signature lines and the 280-weighted-character boundary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from collector.extract.signatures import weighted_length
from collector.extract.textforms import extract_text_posts

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_1cd65cf2135fe1ee.txt"


def test_seed_gives_exactly_its_three_tweets() -> None:
    posts = extract_text_posts(SEED.read_text(encoding="utf-8"))
    assert [(p.handle, p.author_name, p.date) for p in posts] == [
        ("McFaul", "Michael McFaul", dt.date(2022, 1, 7)),
        ("DavisColby", "D.C. ☮️", dt.date(2022, 1, 7)),
        ("PoliticusSarah", "Sarah Reese Jones", dt.date(2022, 1, 8)),
    ]
    mcfaul, davis, sarah = posts
    assert mcfaul.text is not None and mcfaul.text.startswith("There will be no substantive negotiations")
    assert mcfaul.text.endswith("Sherman-Ryabkov.") and mcfaul.links == ()
    assert davis.text is not None and davis.text.startswith('"As senior U.S.')
    assert davis.text.endswith("\nBy @raymcgovern https://t.co/5OfwnpPSTH")
    assert davis.links == ("https://t.co/5OfwnpPSTH",)
    assert sarah.text is not None and sarah.text.startswith("“if Russia")
    assert "\n" not in sarah.text and sarah.links == ("https://t.co/QZMc5je0Dj",)
    assert all(p.platform == "twitter" and p.post_id is None and p.date_text for p in posts)


def test_handle_is_the_last_parenthesised_handle_and_names_keep_emoji() -> None:
    text = "Great news today!\n— JRebel, XRebel (by @perforce) 🎗 (@JRebel_Java) March 21, 2006"
    (post,) = extract_text_posts(text)
    assert post.handle == "JRebel_Java"
    assert post.author_name == "JRebel, XRebel (by @perforce) 🎗"
    assert post.text == "Great news today!"


def test_text_stops_at_a_blank_line_and_at_the_weight_limit() -> None:
    prose = "An article paragraph that is long. " * 8
    text = f"Heading\n\n{prose}\nshort tweet\n— Jack (@jack) March 21, 2006"
    (post,) = extract_text_posts(text)
    assert post.text == "short tweet"
    (after_blank,) = extract_text_posts("Earlier prose\n\nshort tweet\n— Jack (@jack) March 21, 2006")
    assert after_blank.text == "short tweet"


def test_line_directly_above_is_kept_even_when_long() -> None:
    long_post = "word " * 80  # premium posts exceed 280; the boundary is a heuristic
    (post,) = extract_text_posts(f"{long_post}\n— Jack (@jack) March 21, 2006")
    assert post.text == long_post.strip()


def test_signature_without_a_date_or_without_text_is_no_post() -> None:
    assert extract_text_posts("some words\n— Jack (@jack) sometime") == []
    assert extract_text_posts("— Jack (@jack) March 21, 2006") == []
    assert extract_text_posts("A quote — Someone famous, 1999") == []


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("日本語", 6),
        ("see https://example.com/a/very/long/path/indeed x", 4 + 23 + 2),
        ("trailing card https://t.co/abc", 13),
        ("pic pic.twitter.com/abc more", 4 + 23 + 5),
        ("👍🏽", 2),
        ("👨\u200d👩\u200d👧", 2),
        ("🇩🇪", 2),
        ("café", 4),
    ],
)
def test_weighted_length_follows_twitter_text_v3(text: str, weight: int) -> None:
    assert weighted_length(text) == weight


def test_text_and_signature_flattened_onto_one_line() -> None:
    page = (
        "An article paragraph that is long enough to stay out of the tweet. "
        * 5
        + "\nI only needed to change some CSS. pic.twitter.com/LvjLbjgY9F — Malte Ubl (@cramforce) "
        "September 1, 2015\nNext paragraph."
    )
    (post,) = extract_text_posts(page)
    assert (post.handle, post.author_name, post.date) == ("cramforce", "Malte Ubl", dt.date(2015, 9, 1))
    assert post.text == "I only needed to change some CSS. pic.twitter.com/LvjLbjgY9F"


def test_prose_with_a_dash_and_a_handle_but_no_date_is_no_signature() -> None:
    assert extract_text_posts("We asked — Malte Ubl (@cramforce) answered quickly.") == []
