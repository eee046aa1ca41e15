"""Article metadata from a page's head and its saved-copy comments; real corpus pages read in place."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import REALWORLD_PAGES, needs_realworld, realworld_pages
from hypothesis import given
from hypothesis import strategies as st

from collector.extract.metadata import (
    HEAD_FALLBACK_CHARS,
    HEAD_SCAN_CHARS,
    _head,
    extract_metadata,
    text_metadata,
)
from collector.inputs.encoding import decode_text
from collector.values import ArticleMeta

CORPUS = REALWORLD_PAGES


def head(*tags: str, body: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{''.join(tags)}</head><body>{body}</body></html>"


def test_og_title_is_preferred_to_the_title_with_its_site_suffix() -> None:
    page = head(
        "<title>Storm hits coast | Daily News</title>",
        '<meta property="og:title" content="Storm hits coast">',
    )
    assert extract_metadata(page).title == "Storm hits coast"


def test_the_title_element_is_the_fallback_with_entities_and_whitespace_cleaned() -> None:
    assert extract_metadata(head("<title>\n  Fish &amp; chips\n </title>")).title == "Fish & chips"


@pytest.mark.parametrize(
    "tag",
    [
        '<link rel="canonical" href="https://example.com/story">',
        '<link href="https://example.com/story" rel="Canonical">',
        "<link rel='alternate canonical' href='https://example.com/story'>",
        '<link rel="canonical" href="/story"><meta property="og:url" content="https://example.com/other">',
        '<meta property="og:url" content="https://example.com/story">',
        '<meta content="https://example.com/story" name="og:url">',
    ],
)
def test_the_canonical_url_in_each_form(tag: str) -> None:
    assert extract_metadata(head(tag)).canonical_url == "https://example.com/story"


def test_a_relative_canonical_without_a_base_or_a_non_http_one_is_dropped() -> None:
    assert extract_metadata(head('<link rel="canonical" href="/story">')).canonical_url is None
    assert extract_metadata(head('<link rel="canonical" href="javascript:void(0)">')).canonical_url is None


def test_site_name_from_og_site_name_in_either_attribute_form() -> None:
    assert (
        extract_metadata(head('<meta property="og:site_name" content="The Daily">')).site_name == "The Daily"
    )
    assert extract_metadata(head('<meta value="The Daily" name="og:site_name">')).site_name == "The Daily"


@pytest.mark.parametrize(
    ("tags", "body", "published"),
    [
        (
            '<meta property="article:published_time" content="2021-03-04T05:06:07Z">',
            "",
            "2021-03-04T05:06:07+00:00",
        ),
        ('<meta itemprop="datePublished" content="2021-03-04">', "", "2021-03-04"),
        (
            "",
            '<script type="application/ld+json">{"datePublished": "2021-03-04T05:06:07+01:00"}</script>',
            "2021-03-04T05:06:07+01:00",
        ),
        (
            "",
            r'<script>window.state = "{\"datePublished\":\"2021-03-04T05:06:07.000Z\"}"</script>',
            "2021-03-04T05:06:07+00:00",
        ),
        (
            "",
            '<time datetime="2020-01-01">x</time>'
            '<time itemprop="datePublished" datetime="2021-03-04">y</time>',
            "2021-03-04",
        ),
        ("", '<p>Posted <time datetime="2021-03-04T10:00">Thursday</time></p>', "2021-03-04T10:00:00"),
        ("", '<time datetime="last week">x</time>', None),
    ],
)
def test_the_published_date_from_meta_json_ld_or_time(tags: str, body: str, published: str | None) -> None:
    assert extract_metadata(head(tags, body=body)).published == published


def test_the_head_meta_wins_over_a_body_date() -> None:
    page = head(
        '<meta property="article:published_time" content="2021-03-04">', body='<time datetime="1999-01-01">'
    )
    assert extract_metadata(page).published == "2021-03-04"


def test_saved_from_the_browser_comment() -> None:
    page = "<!DOCTYPE html>\r\n<!-- saved from url=(0031)https://example.com/a/story?x=1 -->\r\n" + head()
    assert extract_metadata(page).saved_from == "https://example.com/a/story?x=1"


def test_saved_from_singlefile_header() -> None:
    page = (
        '<!DOCTYPE html> <html lang="en"><!--\n Page saved with SingleFile \n'
        " url: https://example.com/story \n"
        " saved date: Mon Jan 02 2023 10:00:00 GMT+0100\n--><head><title>Story</title></head></html>"
    )
    meta = extract_metadata(page)
    assert (meta.saved_from, meta.title) == ("https://example.com/story", "Story")


def test_a_page_without_a_head_and_plain_text_give_what_they_can() -> None:
    assert extract_metadata("<p>just a fragment</p>") == ArticleMeta()
    assert extract_metadata("") == ArticleMeta()


def test_metadata_in_the_body_of_a_huge_page_is_not_searched_for() -> None:
    page = head("<title>Big</title>", body="<p>" + "x" * 2_000_000 + '</p><time datetime="2021-01-01">')
    assert extract_metadata(page) == ArticleMeta(title="Big")


def test_text_copies_take_their_first_line_as_title_and_a_url_line_as_source() -> None:
    text = "\n\nStorm hits coast\nSource: https://example.com/story\n\nThe storm…\n"
    assert text_metadata(text) == ArticleMeta(
        title="Storm hits coast", saved_from="https://example.com/story"
    )
    assert text_metadata("https://example.com/story\nStorm hits coast\n").title == "Storm hits coast"
    assert text_metadata("   \n") == ArticleMeta()


# --- real pages -------------------------------------------------------------------------------


def corpus_pages() -> list[Path]:
    return realworld_pages()


def reference(page: str) -> tuple[str | None, str | None]:
    """Title and canonical URL read the slow, thorough way: a full BeautifulSoup parse."""
    soup = BeautifulSoup(page, "html.parser")
    og_titles = soup.find_all("meta", attrs={"property": "og:title"}) + soup.find_all(
        "meta", attrs={"name": "og:title"}
    )
    values = [tag.get("content") or tag.get("value") for tag in og_titles]
    title_tag = soup.find("title")
    title = next((value for value in values if value and str(value).strip()), None)
    if title is None and title_tag is not None:
        title = title_tag.get_text()
    link = soup.find("link", rel=lambda rel: rel is not None and "canonical" in [r.lower() for r in rel])
    href = link.get("href") if isinstance(link, Tag) else None
    canonical = str(href).strip() if href else None
    return (" ".join(str(title).split()) or None) if title else None, canonical


@needs_realworld
@pytest.mark.parametrize("path", corpus_pages(), ids=lambda p: p.stem)
def test_corpus_titles_and_canonical_urls_agree_with_a_full_parse(path: Path) -> None:
    page = decode_text(path.read_bytes())
    meta = extract_metadata(page)
    title, canonical = reference(page)
    assert meta.title == title
    if canonical is not None and canonical.startswith("http"):
        assert meta.canonical_url == canonical
    elif canonical is not None and meta.canonical_url is not None:
        assert meta.canonical_url == urljoin(meta.canonical_url, canonical)


@needs_realworld
@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        (
            "samcurry-rendered",
            ArticleMeta(
                title="We Hacked Apple for 3 Months: Here’s What We Found",
                canonical_url="https://samcurry.net/hacking-apple/",
                site_name="Sam Curry",
                published="2020-10-07T17:15:30+00:00",
            ),
        ),
        (
            "deadline-com",
            ArticleMeta(
                title="Donald Trump Advises Boeing To Rebrand Max 737, "
                "Tweeting “But What The Hell Do I Know?”; Twitter Answers",
                canonical_url="https://deadline.com/2019/04/donald-trump-boeing-max-737-rebrand-advice-twitter-1202595880/",
                site_name="Deadline",
                published="2019-04-15T13:18:34+00:00",
                author="Lisa de Moraes",  # <meta name="author" value=…>
            ),
        ),
        (
            "eltiempo-saved-complete",
            ArticleMeta(
                title="Candidatos se enfrentaron a las preguntas de estudiantes",
                canonical_url="https://www.eltiempo.com/colombia/medellin/"
                "elecciones-2022-candidatos-presidenciales-en-la-universidad-eafit-669594",
                site_name="El Tiempo",
                published="2022-05-03",
                saved_from="https://www.eltiempo.com/colombia/medellin/"
                "elecciones-2022-candidatos-presidenciales-en-la-universidad-eafit-669594",
                # article:author names the writer; <meta name="author"> the publisher.
                author="David Andres Calle Atehortua",
            ),
        ),
    ],
)
def test_corpus_pages_checked_by_hand(slug: str, expected: ArticleMeta) -> None:
    assert extract_metadata(decode_text((CORPUS / f"{slug}.html").read_bytes())) == expected


@needs_realworld
def test_corpus_site_names_are_read_in_their_own_charset() -> None:
    meta = extract_metadata(decode_text((CORPUS / "elpais-ciencia.html").read_bytes()))
    assert meta.site_name == "EL PAÍS"


# The head is the page up to its first </head> in any case (with spaces before the >), within the
# first HEAD_SCAN_CHARS; else the first HEAD_FALLBACK_CHARS.
HEAD_PIECES = st.sampled_from(
    ["</head>", "</HEAD >", "</hEaD\n>", "</h1>", "</H", "</", "<head>", "x", " ", "é"]
)


def head_by_rule(page: str) -> str:
    end = re.search(r"</head\s*>", page[:HEAD_SCAN_CHARS], re.IGNORECASE)
    return page[: end.end()] if end else page[:HEAD_FALLBACK_CHARS]


@given(st.lists(HEAD_PIECES | st.text(max_size=3), max_size=30))
def test_the_head_is_cut_at_its_first_end_tag_in_any_case(pieces: list[str]) -> None:
    page = "".join(pieces)
    assert _head(page) == head_by_rule(page)


def test_an_end_tag_past_the_scan_limit_is_not_the_heads() -> None:
    page = "</H" + "x" * HEAD_SCAN_CHARS + "</head>"
    assert _head(page) == head_by_rule(page) == page[:HEAD_FALLBACK_CHARS]


def test_metas_nobody_reads_do_not_hide_the_ones_read() -> None:
    page = head(
        '<meta name="viewport" content="width=device-width">',
        '<meta property="og:title" name=" OG:URL " content="  Storm   hits ">',
        '<meta property="og:title" content="Later title">',
        '<meta name="twitter:card" content="summary">',
        '<meta itemprop="datePublished" value="2021-02-03">',
    )
    meta = extract_metadata(page)
    assert (meta.title, meta.published) == ("Storm hits", "2021-02-03")
