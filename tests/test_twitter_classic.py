"""The classic-embed shortcut reads a blockquote exactly as the general path does.

`twitter.parse_classic` handles the embed code's own shape (`<p>` text, plain-text byline, date
link) without the general walk; for every blockquote it accepts, its post must equal
`twitter.parse_segments`, on every page we have and on shapes made to sit at its edges.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import needs_realworld, realworld_pages
from selectolax.lexbor import LexborHTMLParser

from collector.extract.platforms.twitter import TWEET_BLOCKQUOTES, parse_classic, parse_segments

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
STATUS = "https://twitter.com/jack/status/20"
DATE_LINK = f'<a href="{STATUS}">March 21, 2006</a>'


def _accepted_and_general(html: str | bytes) -> list[tuple[object, object]]:
    root = LexborHTMLParser(html).root
    assert root is not None
    pairs = []
    for node in root.css(TWEET_BLOCKQUOTES):
        classic = parse_classic(node)
        if classic is not None:
            pairs.append(([classic], parse_segments(node)))
    return pairs


def test_fixture_pages_give_the_general_result() -> None:
    pairs = [
        pair for page in sorted(FIXTURES.glob("*.html")) for pair in _accepted_and_general(page.read_bytes())
    ]
    assert len(pairs) >= 10  # the shortcut really serves the fixtures' classic embeds
    assert all(classic == general for classic, general in pairs)


@needs_realworld
def test_real_pages_give_the_general_result() -> None:
    pairs = [pair for page in realworld_pages() for pair in _accepted_and_general(page.read_bytes())]
    assert len(pairs) >= 30
    assert all(classic == general for classic, general in pairs)


EDGES = {
    "plain": '<p lang="en">Hello world</p>&mdash; Jack (@jack) {d}',
    "links, br, emoji": (
        '<p lang="en">a <a href="https://t.co/x">t.co/x</a><br>b <img class="emoji" alt="🎉"> '
        "<span>c</span></p>— Jack (@jack) {d}"
    ),
    "profile link in text": '<p>hi <a href="https://twitter.com/jack">@jack</a></p>— Jack (@jack) {d}',
    "no lang": "<p>Hello</p>— Jack (@jack) {d}",
    "empty lang": '<p lang="">Hello</p>— Jack (@jack) {d}',
    "comments": '<!-- c --> <p lang="en">a<!-- x -->b</p>— Jack <!-- y -->(@jack) {d}',
    "nbsp before": '&nbsp; <p lang="en">Hello</p>— Jack (@jack) {d}',
    "text before paragraph": 'Intro <p lang="en">Hello</p>— Jack (@jack) {d}',
    "ideographic space before": '\u3000<p lang="ja">今日は</p>— J (@jack) <a href="{s}">2006年3月21日</a>',
    "ascii dash": '<p lang="en">Hello - world</p>- Jack (@jack) {d}',
    "no dash": '<p lang="en">Hello</p>Jack (@jack) {d}',
    "no byline": '<p lang="en">Hello</p>{d}',
    "dash in name": '<p lang="en">Hi</p>— Ana — Lisboa (@ana) {d}',
    "placeholder": '<p lang="en">Tweet may have been deleted</p><a href="{s}">link</a>',
    "empty paragraph": '<p lang="en"></p>— Jack (@jack) {d}',
    "text after the link": '<p lang="en">Hello</p>— Jack (@jack) {d} trailing',
    "url as date": '<p lang="en">Hello</p>— Jack (@jack) <a href="{s}">{s}</a>',
    "spaces and newlines": (
        '\n  <p lang="en">\n Hello \n\n world \n</p>\n  &mdash;  Jack\n (@jack)\n'
        ' <a href="{s}">\nMarch 21, 2006\n</a>\n'
    ),
    "byline paragraph": '<p lang="en">Hello</p>\n<p>— Jack (@jack) {d}</p>',
    "byline paragraph with lang": '<p>Hello</p><p lang="fr">— Jack (@jack) {d}</p>',
    "both paragraphs with lang": '<p lang="en">Hello</p><p lang="fr">— Jack (@jack) {d}</p>',
    "byline paragraph, text between": '<p lang="en">Hello</p> between <p>— Jack (@jack) {d} after</p> end',
    "link only": '<a href="{s}">Tweet may have been deleted</a>',
    "link only, url shown": '\n<a href="{s}">{s}</a>\n',
    "old code, no paragraph": "Hello world — Jack (@jack) {d}",
    "date link markup": '<p lang="en">Hello</p>— J (@jack) <a href="{s}"><span>March 21, 2006</span></a>',
}


@pytest.mark.parametrize("body", EDGES.values(), ids=EDGES.keys())
def test_edge_shapes_give_the_general_result(body: str) -> None:
    html = f'<blockquote class="twitter-tweet">{body.format(s=STATUS, d=DATE_LINK)}</blockquote>'
    pairs = _accepted_and_general(html)
    assert len(pairs) == 1
    assert pairs[0][0] == pairs[0][1]


DECLINED = {
    "status link in text": '<p>see <a href="https://twitter.com/a/status/1">this</a></p>— J (@jack) {d}',
    "two text paragraphs": "<p>a</p><p>b</p>— Jack (@jack) {d}",
    "block inside text": '<p lang="en">a<div>b</div></p>— Jack (@jack) {d}',
    "link not a status": '<p>Hello</p>— J (@jack) <a href="https://example.com/">March 21, 2006</a>',
    "nested tweet": '<p>a</p><blockquote class="twitter-tweet"><p>b</p>{d}</blockquote>— J (@jack) {d}',
    "profile link in byline": '<p>Hi</p><p>— <a href="https://twitter.com/jack">Jack</a> {d}</p>',
}


@pytest.mark.parametrize("body", DECLINED.values(), ids=DECLINED.keys())
def test_other_shapes_are_left_to_the_general_path(body: str) -> None:
    html = f'<blockquote class="twitter-tweet">{body.format(s=STATUS, d=DATE_LINK)}</blockquote>'
    root = LexborHTMLParser(html).root
    assert root is not None
    assert parse_classic(root.css(TWEET_BLOCKQUOTES)[0]) is None
