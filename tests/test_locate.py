"""Two-stage extraction (collector.locate): whenever it answers, it answers exactly what the full
parse (`extract_posts`) does; whenever exactness is not certain it declines (None).

Every fixture page, every real-world page, hand-written hostile pages, and one embed spliced
into a page at hundreds of positions (inside tags, comments, scripts, tables, links...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from collector import extract
from collector.encoding import decode_text
from collector.locate import (
    KNOWN_SELECTOR,
    extract_located,
    extract_posts_two_stage,
    locate,
    locate_fragments,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_PAGES = sorted((ROOT / "fixtures").glob("*.html"))
REALWORLD = ROOT.parent / "shared" / "corpus" / "realworld" / "pages"
REALWORLD_PAGES = sorted(REALWORLD.glob("*.html")) if REALWORLD.is_dir() else []

TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Hello <a href="https://example.com/x">'
    'world</a></p>&mdash; Ann (@ann) <a href="https://twitter.com/ann/status/1234567890123456789">'
    "March 1, 2021</a></blockquote>"
)
OTHER_TWEET = TWEET.replace("1234567890123456789", "1234567890123456780").replace("Hello", "Bye")
DOCTYPE = "<!DOCTYPE html>\n"
ID = 'data-tweet-id="1234567890123456789"'
AMP = '<amp-twitter data-tweetid="1234567890123456789">'
FB_POST = 'class="fb-post" data-href="https://www.facebook.com/a/posts/10155"'
REF_CLASS = TWEET.replace("twitter-tweet", "twitter&#45;tweet")


def page(body: str, *, doctype: str = DOCTYPE) -> str:
    return f"{doctype}<html><head><title>t</title></head><body>{body}</body></html>"


def assert_same(html: str) -> None:
    """Both paths give the same posts, and a located answer equals the full parse."""
    expected = extract.extract_posts(html)
    located = extract_located(html)
    assert located is None or located == expected
    assert extract_posts_two_stage(html) == expected


def test_known_selector_is_extractions_selector() -> None:
    # A new or changed embed form in the registry must be taught to the scans (until then every
    # page takes the full parse, which is exact but gives up the experiment).
    assert extract._COMBINED_SELECTOR == KNOWN_SELECTOR


@pytest.mark.parametrize("path", FIXTURE_PAGES, ids=[p.stem for p in FIXTURE_PAGES])
def test_fixture_pages_give_the_full_parse_posts(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


def test_most_fixture_pages_take_the_fragment_path() -> None:
    located = [p.stem for p in FIXTURE_PAGES if locate(p.read_text(encoding="utf-8")) is not None]
    assert {"seed-article", "twitter-url-forms", "facebook-forms", "amp-social-embeds"} <= set(located)


@pytest.mark.skipif(not REALWORLD_PAGES, reason=f"real-world corpus not found at {REALWORLD}")
@pytest.mark.parametrize("path", REALWORLD_PAGES, ids=[p.stem for p in REALWORLD_PAGES])
def test_realworld_pages_give_the_full_parse_posts(path: Path) -> None:
    assert_same(decode_text(path.read_bytes()))


def test_fragments_are_the_outermost_candidates_in_document_order() -> None:
    figure = f'<figure class="wp-block-embed-twitter"><div>{TWEET}</div></figure>'
    html = page(f"<p>intro</p>{figure}<p>between</p>{OTHER_TWEET}")
    assert locate_fragments(html) == [figure, OTHER_TWEET]
    assert [p.post_id for p in extract_located(html) or []] == ["1234567890123456789", "1234567890123456780"]


def test_page_without_markers_has_no_fragments() -> None:
    assert locate_fragments(page("<p>nothing here</p>")) == []


# Hostile pages: each must give the full parse's posts; `path` says which path it must take
# (None: either), so that the guard each one exercises is known to fire.
HOSTILE: dict[str, tuple[str, bool | None]] = {
    "marker in a comment": (page(f"<!-- {OTHER_TWEET} -->{TWEET}"), True),
    "comment closed by --!>": (page(f"<!-- a --!>{TWEET}<!-- {OTHER_TWEET} -->"), True),
    "marker in a script string": (page(f"<script>var s = '{OTHER_TWEET}';</script>{TWEET}"), True),
    "marker in a style": (page(f"<style>/* {OTHER_TWEET} */</style>{TWEET}"), True),
    "marker in a title": (page(f"<title>{OTHER_TWEET}</title>{TWEET}"), True),
    "script never closed": (page(f"{TWEET}<script>var a = 1; {OTHER_TWEET}"), True),
    "script escape states": (page(f"<script><!-- <script></script> {OTHER_TWEET} </script>{TWEET}"), False),
    "blockquote never closed": (page(TWEET.replace("</blockquote>", "")), False),
    "end tag of an outside element inside": (page(f"<div>{TWEET.replace('</p>', '</p></div>')}"), False),
    "nested tweet in a tweet": (page(TWEET.replace("</blockquote>", OTHER_TWEET + "</blockquote>")), True),
    "figure around a blockquote": (page(f'<figure class="wp-block-embed-twitter">{TWEET}</figure>'), True),
    "uppercase tags": (page(TWEET.replace("blockquote", "BLOCKQUOTE").replace("<a ", "<A ")), True),
    "uppercase class in quirks mode": (
        page(TWEET.replace("twitter-tweet", "Twitter-Tweet"), doctype=""),
        True,
    ),
    "uppercase class with a doctype": (page(TWEET.replace("twitter-tweet", "Twitter-Tweet")), True),
    "noscript copy beside the live embed": (page(f"<noscript>{TWEET}</noscript>{TWEET}"), False),
    "noscript copy alone": (page(f"<noscript>{TWEET}</noscript>"), False),
    "inside a table": (page(f"<table><tr><td>{TWEET}</td></tr></table>"), False),
    "loose in a table": (page(f"<table>{TWEET}<tr><td>x</td></tr></table>"), False),
    "inside svg": (page(f"<svg><g>{TWEET}</g></svg>"), False),
    "after an svg icon": (page(f'<svg><path d="M0 0"/><title>tweet</title></svg>{TWEET}'), True),
    "inside an open link": (page(f'<a href="https://example.com/y">{TWEET}</a>'), False),
    "after a link left open": (page(f'<p><a href="https://example.com/y">x</p>{TWEET}'), False),
    "after bold left open": (page(f"<p><b>bold</p>{TWEET}"), False),
    "after closed formatting": (page(f"<p><b>bold</b> <a href='/z'>z</a></p>{TWEET}"), True),
    "inside an attribute value": (page(f'<div title="{TWEET}">x</div>'), False),
    "tag holding <": (page(f"<div <script>{TWEET}</div>"), False),
    "quoted value holding >": (page(f'<div title="a>b <script>">{TWEET}</div>'), False),
    "class written with a reference": (page(REF_CLASS + OTHER_TWEET), False),
    "doctype after a comment": (page(TWEET, doctype="<!-- x -->\n<!DOCTYPE html>"), True),
    "doctype in the middle": (page(f"<!DOCTYPE html>{TWEET}", doctype=""), False),
    "byte-order mark": ("\ufeff" + page(TWEET), False),
    "consent textarea": (page(f"<textarea hidden>{TWEET.replace('<', '&lt;')}</textarea>"), True),
    "template wrapper": (page(f"<template>{TWEET}</template>"), True),
    "data-content wrapper holding raw markup": (page(f"<div data-content='{TWEET}'>load</div>"), False),
    "data-content wrapper holding escaped markup": (
        page(f"<div data-content='{TWEET.replace('<', '&lt;').replace('>', '&gt;')}'>load</div>"),
        True,
    ),
    "percent-encoded data-content": (
        page(
            '<div data-content="%3Cblockquote%20class%3D%22twitter-tweet%22%3E%3Ca%20href%3D%22'
            'https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F123456789%22%3Ex%3C%2Fa%3E%3C%2Fblockquote%3E">'
            "</div>"
        ),
        True,
    ),
    "rendered widget beside its blockquote": (
        page(f'<iframe {ID} src="x"></iframe>{TWEET}'),
        None,
    ),
    "rendered widget alone": (page(f"<twitter-widget {ID}></twitter-widget>"), True),
    "amp placeholder in an open paragraph": (
        page(f"<p>text {AMP}{TWEET}</amp-twitter></p>"),
        False,
    ),
    "amp without placeholder": (page(f"<p>{AMP}</amp-twitter></p>"), True),
    "fb-post wrapper with its iframe": (
        page(
            f'<div {FB_POST}><span><iframe src="https://www.facebook.com/plugins/post.php?href=x"></iframe>'
            "</span></div>"
        ),
        True,
    ),
    "fb-post on a list item": (page(f"<ul><li {FB_POST}></li></ul>"), False),
    "paragraph left open inside": (page(TWEET.replace("</p>", "")), False),
    "frameset": (page(f"<frameset></frameset>{TWEET}"), False),
    "plaintext": (page(f"{TWEET}<plaintext>{OTHER_TWEET}"), False),
    "xml feed": (
        f'<?xml version="1.0"?><rss><channel><item><description><![CDATA[{TWEET}]]></description>'
        "</item></channel></rss>",
        False,
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_pages_give_the_full_parse_posts(name: str) -> None:
    html, fragment_path = HOSTILE[name]
    assert_same(html)
    if fragment_path is not None:
        assert (locate(html) is not None) is fragment_path


def test_bytes_take_the_full_parse() -> None:
    html = page(TWEET).encode()
    assert locate(html) is None
    assert extract_posts_two_stage(html) == extract.extract_posts(html)


def test_an_embed_spliced_anywhere_gives_the_full_parse_posts() -> None:
    """The generated corpus's own hazard, on purpose: one embed inserted at every 7th offset of a
    page (inside tags, attribute values, comments, scripts, tables, links, svg...)."""
    base = (ROOT / "fixtures" / "seed-article.html").read_text(encoding="utf-8")
    tail = (
        "<table><tr><td>c</td></tr></table><svg><path d='M0'/></svg><a href='/q'>open<script>'<b>'</script>"
    )
    base = base.replace("</body>", tail + "<!-- c --></body>")
    located = 0
    for offset in range(0, len(base), 7):
        html = base[:offset] + OTHER_TWEET + base[offset:]
        assert_same(html)
        located += locate(html) is not None
    assert located > 0
