"""Metadata read from the page's own parse (and its bytes) gives what the head parsed alone gives.

`extract_metadata(page, tree=...)` reads the whole page's `<head>` instead of parsing the head
again, only when that head is certain to hold what the head parsed alone would. Held here on every
real-world page, fixture and markup mutation, on pages generated from the pieces that make the
two differ (a cut inside a tag or an open title, metas in comments and scripts, elements after
</head>, stray body markup in the head), and on each such case written out.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, needs_realworld, realworld_pages
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from benchmarks.mutations import MUTATIONS, mutate
from collector.extract import extract_page
from collector.extract.metadata import _head_end, _reused_head, extract_metadata

FIXTURE_PAGES = sorted((ROOT / "fixtures").glob("*.html"))
HEAD = '<html><head><title>The title</title><meta property="og:site_name" content="Site">{}</head>'


def both_ways(page: str) -> None:
    """The page's metadata as the head parsed alone gives it, from the page's tree, and with the
    page's UTF-8 bytes ruling out the body-wide searches' literals."""
    alone = extract_metadata(page)
    utf8 = page.encode("utf-8", "surrogatepass")
    assert extract_metadata(page, tree=LexborHTMLParser(page)) == alone
    assert extract_metadata(page, tree=LexborHTMLParser(utf8), utf8=utf8) == alone
    assert extract_metadata(page, utf8=utf8) == alone


def reused(page: str) -> bool:
    end = _head_end(page)
    return end is not None and _reused_head(page, end, LexborHTMLParser(page)) is not None


@needs_realworld
def test_every_page_and_mutation_gives_the_same_metadata_either_way() -> None:
    count = 0
    for path in [*realworld_pages(), *FIXTURE_PAGES]:
        markup = path.read_bytes().decode("utf-8", "replace")
        for name in MUTATIONS:
            both_ways(mutate(markup, name))
            count += 1
    assert count > 1000


@needs_realworld
def test_most_real_pages_reuse_their_parse() -> None:
    pages = [path.read_bytes().decode("utf-8", "replace") for path in realworld_pages()]
    assert sum(map(reused, pages)) >= 0.8 * len(pages)


def test_an_ordinary_head_is_reused() -> None:
    assert reused(HEAD.format("") + "\n<body><p>Text</p></body></html>")


@pytest.mark.parametrize(
    ("case", "page"),
    [
        ("cut inside an attribute", HEAD.format('<meta name="author" content="a>b</head> c">') + "<body>"),
        ("cut inside an open title", "<head><title>a <b> </head> b</title><body>"),
        ("title opened in a comment", "<head><!-- <title> --></head><body><title>x</title>"),
        ("meta in a comment", HEAD.format('<!-- <meta name="author" content="X"> -->') + "<body>"),
        ("meta in a script", HEAD.format('<script>"<meta name=author content=X>"</script>') + "<body>"),
        ("cut inside a script", HEAD.format('<script>"<br> </head>"</script><meta name=author content=X>')),
        ("meta after </head>", HEAD.format("") + '<meta name="author" content="Late"><body>'),
        ("comment after </head>", HEAD.format("") + '<!-- x --><meta name="author" content="Late"><body>'),
        ("no <body>", HEAD.format("") + "<p>text</p>"),
        ("stray body markup", HEAD.format('<div>ad</div><meta name="author" content="Moved">') + "<body>"),
        ("svg title in the head", HEAD.format("<svg><title>icon</title></svg>") + "<body>"),
        (
            "template in the head",
            HEAD.format('<template><meta name="author" content="T"></template>') + "<body>",
        ),
    ],
)
def test_a_head_that_may_differ_is_parsed_alone(case: str, page: str) -> None:
    assert not reused(page), case
    both_ways(page)


PIECES = st.sampled_from(
    [
        "<head>",
        "</head>",
        "<body>",
        "<title>",
        "</title>",
        "T",
        '<meta name="author" content="A">',
        '<meta property="og:title" content="O">',
        '<link rel="canonical" href="https://x.test/a">',
        "<meta content='a>",
        "'>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "<div>",
        "<svg>",
        "</svg>",
        "<template>",
        "</template>",
        "<noscript>",
        "</noscript>",
        "<br>",
        '<time datetime="2021-02-03">',
        '<time itemprop="datePublished" datetime="2022-03-04">',
        '<script type="application/ld+json">{"datePublished": "2020-01-02", "author": {"name": "J"}}',
        "<",
        ">",
        '"',
        " ",
        "\n",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=24))
def test_generated_heads_give_the_same_metadata_either_way(pieces: list[str]) -> None:
    both_ways("".join(pieces))


def test_extract_page_gives_the_metadata_of_the_head_parsed_alone() -> None:
    page = (
        HEAD.format('<meta name="author" content="Jane">') + '<body><blockquote class="twitter-tweet"></body>'
    )
    assert reused(page)
    assert extract_page(page).meta == extract_metadata(page)
    assert extract_page(page, utf8=page.encode()).meta == extract_metadata(page)
