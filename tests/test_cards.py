"""`quotes cards`: one self-contained page of post cards. Read back with a parser (what each card
shows, that nothing loads or runs, that hostile text stays text) and rendered in headless Chromium
(the page draws, and its text is there)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner, Result
from headless import dump_dom, needs_chromium, screenshot
from PIL import Image, ImageStat
from quoting_pages import (
    ALPHA_TITLE,
    BRAVO_TITLE,
    HOSTILE_TEXT,
    ID_1,
    ID_2,
    ID_3,
    ID_4,
    status_url,
    write_pages,
)
from selectolax.lexbor import LexborHTMLParser

from collector.cli import cli
from collector.output.cards import render_card, safe_url, write_cards

ARTICLES = [
    {"title": "Second <b>article</b>", "url": "https://b.example/2", "address": "https://b.example/2",
     "site_name": None, "published": "2022-01-10T10:00:00Z", "ingested_at": "2022-02-01T00:00:00Z",
     "status": "deleted"},
    {"title": "First article", "url": "https://a.example/1", "address": "https://a.example/1",
     "site_name": "A News", "published": "2022-01-08T10:00:00Z", "ingested_at": "2022-02-01T00:00:00Z",
     "status": None},
]  # fmt: skip
POST: dict[str, Any] = {
    "id": "1479527384433696769",
    "platform": "twitter",
    "post_id": "1479527384433696769",
    "url": "https://twitter.com/McFaul/status/1479527384433696769",
    "handle": "McFaul",
    "author_name": "Michael McFaul",
    "date": "2022-01-07",
    "posted_at": "2022-01-07T18:16:44.123Z",
    "date_text": "January 7, 2022",
    "text": "No deals in Geneva. Read https://t.co/abc, then\nthe rest.",
    "links": ["https://t.co/abc", "https://example.org/not-in-text"],
    "lang": "en",
    "status": "deleted",
    "media": ["https://pbs.twimg.com/media/photo.jpg", "javascript:alert(5)"],
    "quoted_url": "https://twitter.com/someone/status/1",
    "quoted": {"author_name": "Some One", "handle": "someone", "text": "the quoted words", "url": None},
    "articles": ARTICLES,
}


def page_of(*posts: dict[str, Any]) -> str:
    out = io.StringIO()
    write_cards(posts, out, title="Posts <test>", made="made now")
    return out.getvalue()


def card(soup: BeautifulSoup, post_id: str) -> Tag:
    found = soup.find("article", id=f"post-{post_id}")
    assert isinstance(found, Tag), f"no card for {post_id}"
    return found


def text_of(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def test_a_card_shows_the_post_as_a_reader_saw_it() -> None:
    soup = BeautifulSoup(page_of(POST), "html.parser")
    shown = card(soup, POST["id"])
    assert text_of(shown.select_one(".name")) == "Michael McFaul"
    assert text_of(shown.select_one(".handle")) == "@McFaul"
    assert text_of(shown.select_one("time")) == "January 7, 2022 · 18:16 UTC"
    assert shown.select_one("time")["datetime"] == "2022-01-07T18:16:44.123Z"  # type: ignore[index]
    body = shown.select_one(".text")
    assert body is not None and body.get_text() == POST["text"]  # every character, the newline too
    assert [a["href"] for a in body.find_all("a")] == ["https://t.co/abc"]  # the comma is not the link's
    assert [a["href"] for a in shown.select(".links a")] == ["https://example.org/not-in-text"]
    assert [a["href"] for a in shown.select(".media a")] == ["https://pbs.twimg.com/media/photo.jpg"]
    assert "javascript:alert(5)" in text_of(shown.select_one(".media ul"))  # shown, never a link
    assert text_of(shown.select_one(".media .label")) == "Media (links, not loaded)"
    quoted = shown.select_one("blockquote.quoted")
    assert "Some One @someone the quoted words" in text_of(quoted)
    assert quoted is not None and quoted.find("a")["href"] == POST["quoted_url"]  # type: ignore[index]
    status = shown.select_one(".status")
    assert status is not None and status["data-status"] == "deleted"
    assert "Shown as deleted by 1 of the articles" in text_of(status)
    quoted_in = shown.select_one(".quoted-in")
    assert text_of(quoted_in.h2) == "Quoted in 2 articles"  # type: ignore[union-attr]
    items = [text_of(item) for item in quoted_in.select("li")]  # type: ignore[union-attr]
    assert items == [
        "First article A News January 8, 2022",
        "Second <b>article</b> b.example January 10, 2022 (showed it as deleted)",
    ]


def test_times_in_the_zone_asked_for() -> None:
    from zoneinfo import ZoneInfo

    late = {**POST, "posted_at": "2022-01-07T23:30:00Z"}
    soup = BeautifulSoup(render_card(late, ZoneInfo("Europe/Berlin")), "html.parser")
    assert text_of(soup.select_one("time")) == "January 8, 2022 · 00:30 CET"
    assert soup.select_one("time")["datetime"] == "2022-01-07T23:30:00Z"  # type: ignore[index]


def test_the_page_is_self_contained_and_print_friendly() -> None:
    text = page_of(POST)
    soup = BeautifulSoup(text, "html.parser")
    assert not soup.find_all(["script", "link", "img", "iframe", "object", "embed", "video", "audio"])
    assert all(not tag.get("src") for tag in soup.find_all(True))
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy is not None and "default-src 'none'" in policy["content"]  # type: ignore[index]
    style = soup.find("style")
    assert style is not None and "@media print" in style.get_text()
    assert "url(" not in style.get_text() and "@import" not in style.get_text()  # no remote font or image
    assert text_of(soup.find("title")) == "Posts <test>"
    assert text_of(soup.find("footer")) == "1 post."


HOSTILE: dict[str, Any] = {
    **POST,
    "id": '1"><script>alert(0)</script>',
    "author_name": "<img src=x onerror=alert(1)>",
    "handle": 'x" onmouseover="alert(2)',
    "text": HOSTILE_TEXT + ' https://t.co/x"onclick=alert(3) javascript:alert(4)',
    "links": ["javascript:alert(6)", "data:text/html,<script>alert(7)</script>"],
    "media": ["vbscript:msgbox(8)"],
    "url": "javascript:alert(9)",
    "quoted": {"author_name": "</blockquote><script>", "text": "<style>*{}</style>", "url": None},
    "quoted_url": "JavaScript:alert(10)",
    "articles": [{**ARTICLES[0], "title": "</li></ol><script>alert(11)</script>", "url": "javascript:x"}],
}


@pytest.mark.parametrize("parser", ["bs4", "lexbor"])
def test_hostile_text_cannot_inject_markup(parser: str) -> None:
    text = page_of(HOSTILE, POST)
    if parser == "bs4":
        soup = BeautifulSoup(text, "html.parser")
        elements = soup.find_all(True)
        names = [tag.name for tag in elements]
        attributes = [(name, str(value)) for tag in elements for name, value in tag.attrs.items()]
        hostile = card(soup, HOSTILE["id"])
        assert hostile.select_one(".text").get_text().startswith(HOSTILE_TEXT)  # type: ignore[union-attr]
        assert text_of(hostile.select_one(".name")) == HOSTILE["author_name"]
        assert len(soup.find_all("article")) == 2
    else:  # the HTML5 parser browsers use
        tree = LexborHTMLParser(text)
        nodes = list(tree.css("*"))
        names = [node.tag for node in nodes]
        attributes = [(name, str(value)) for node in nodes for name, value in node.attributes.items()]
        assert len(tree.css("article")) == 2
    assert names.count("script") == 0 and "img" not in names and names.count("style") == 1
    assert all(not name.startswith("on") for name, _ in attributes)
    hrefs = [value for name, value in attributes if name == "href"]
    assert hrefs and all(href.startswith(("https://", "http://")) for href in hrefs), hrefs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/a", "https://x.com/a"),
        (" http://x.com/a ", "http://x.com/a"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,x", None),
        ("//evil.example/a", None),
        ("http://[::1", None),
        (None, None),
    ],
)
def test_only_http_addresses_become_links(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_control_and_bidi_characters_do_not_reach_the_page() -> None:
    """HTML forbids control characters (BEL, ESC…); a bidi override (U+202E) in a name would
    reverse the handle and date after it: both go, and names and text are isolated (dir=auto)
    so that right-to-left words keep their place."""
    odd = {**POST, "id": "8", "author_name": "محمد\u202e علي\x1b", "text": "bell\x07 \u202eevil\u202c مرحبا",
           "articles": [{**ARTICLES[1], "title": "T\x00itle\x7f"}]}  # fmt: skip
    page = page_of(odd)
    assert not re.findall("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", page)
    soup = BeautifulSoup(page, "html.parser")
    shown = card(soup, "8")
    assert text_of(shown.select_one(".name")) == "محمد علي"
    assert text_of(shown.select_one(".text")) == "bell evil مرحبا"
    assert "Title" in text_of(shown.select_one(".quoted-in"))
    assert shown.select_one(".name")["dir"] == shown.select_one(".text")["dir"] == "auto"  # type: ignore[index]


def test_a_post_without_text_or_articles_still_has_a_card() -> None:
    bare = {"id": "9", "platform": "bluesky", "date": None, "articles": []}
    soup = BeautifulSoup(render_card(bare), "html.parser")
    assert text_of(soup.select_one(".platform")) == "Bluesky"
    assert text_of(soup.select_one(".quoted-in h2")) == "Quoted in 0 articles"


# --- the command, on both databases ---------------------------------------------------------------------


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    result = run(db_url, "ingest", "--jobs", "1", str(write_pages(tmp_path / "pages")))
    assert result.exit_code == 0, result.stderr
    return db_url


def test_cards_from_the_archive(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "cards.html"
    result = run(archive, "cards", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"4 posts written to {target}" in result.stderr
    soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
    assert [tag["id"] for tag in soup.find_all("article")] == [f"post-{i}" for i in (ID_1, ID_2, ID_3, ID_4)]
    first = card(soup, ID_1)
    assert first.select_one(".status")["data-status"] == "deleted"  # type: ignore[index]
    assert text_of(first.select_one(".text")) == "No deals in Geneva, said the ambassador"
    assert text_of(first.select_one(".quoted-in h2")) == "Quoted in 2 articles"
    second = card(soup, ID_2)
    assert second.select_one(".quoted a")["href"] == status_url("McFaul", ID_1)  # type: ignore[index]
    titles = [text_of(a) for a in second.select(".quoted-in li a")]
    assert titles == [ALPHA_TITLE, BRAVO_TITLE]  # by published day; the title's markup is text
    assert "bravo.example January 10, 2022" in text_of(second.select_one(".quoted-in"))
    assert card(soup, ID_3).select_one(".text").get_text() == HOSTILE_TEXT  # type: ignore[union-attr]
    assert not soup.find_all(["script", "img"])


def test_cards_filters_stdout_and_errors(archive: str, tmp_path: Path) -> None:
    result = run(archive, "cards", "--author", "sarah", "-o", "-")
    assert result.exit_code == 0
    soup = BeautifulSoup(result.stdout, "html.parser")
    assert [tag["id"] for tag in soup.find_all("article")] == [f"post-{ID_2}"]
    none = run(archive, "cards", "nosuchword", "-o", str(tmp_path / "none.html"))
    assert none.exit_code == 0 and "No posts match." in none.stderr
    missing = run(archive, "cards")
    assert missing.exit_code == 2 and "Missing option '--output'" in missing.stderr
    unwritable = run(archive, "cards", "-o", str(tmp_path / "no" / "such" / "dir" / "x.html"))
    assert unwritable.exit_code == 1 and unwritable.stderr.startswith("Error: ")
    assert len(unwritable.stderr.strip().splitlines()) == 1


# --- rendered by a browser ------------------------------------------------------------------------------


@needs_chromium
def test_the_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    target = tmp_path / "cards.html"
    target.write_text(page_of(POST, HOSTILE), encoding="utf-8")
    shot = screenshot(target, tmp_path / "cards.png", width=900, height=1400)
    with Image.open(shot) as image:
        assert image.size == (900, 1400)
        grey = image.convert("L")
        # Not blank: a white page has one shade; drawn cards, borders and text have many, and
        # a fair share of the pixels differ from the background.
        histogram = grey.histogram()
        background = max(range(256), key=histogram.__getitem__)
        inked = sum(count for shade, count in enumerate(histogram) if abs(shade - background) > 40)
        assert inked > 0.01 * image.size[0] * image.size[1]
        assert ImageStat.Stat(grey).stddev[0] > 5
    dom = BeautifulSoup(dump_dom(target, tmp_path), "html.parser")
    assert not dom.find_all("script") and not dom.find_all("img")  # the hostile card stayed text
    rendered = card(dom, POST["id"])
    assert text_of(rendered.select_one(".name")) == "Michael McFaul"
    assert "No deals in Geneva." in text_of(rendered.select_one(".text"))
    assert text_of(rendered.select_one(".quoted-in h2")) == "Quoted in 2 articles"
    assert card(dom, HOSTILE["id"]).select_one(".text").get_text().startswith(HOSTILE_TEXT)  # type: ignore[union-attr]
