"""Text "as a reader sees it" and link collection, by the corpus gold rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.text import block_text, collapse_spaces, node_links, node_text

# The gold's space rule: runs of HTML's ASCII whitespace and NBSP read as one space.
SPACE_RUN = re.compile(r"[ \t\n\f\r\u00a0]+")


def _first(html: str, selector: str = "div") -> LexborNode:
    node = LexborHTMLParser(html).css_first(selector)
    assert node is not None
    return node


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Tom &amp; Jerry &quot;fight&quot; &#39;now&#39;</p>", "Tom & Jerry \"fight\" 'now'"),
        ("<p>  a \n\t b  </p>", "a b"),
        ("<p>a&nbsp;&nbsp;b</p>", "a b"),
        ("<p>line one <br> line two<br/>three</p>", "line one\nline two\nthree"),
        ("<p>a<br><br>b</p>", "a\n\nb"),
        ("<p>\u3000全角\u3000</p>", "\u3000全角\u3000"),
        ("<p>\u2066@user\u2069 hi</p>", "\u2066@user\u2069 hi"),
        ("<p>see<a href='https://t.co/x'>https://t.co/x</a></p>", "seehttps://t.co/x"),
        ("<p>a <b>b</b> <i> c</i></p>", "a b c"),
        ("<p>a<script>var x = 1;</script><style>.a{}</style>b</p>", "ab"),
    ],
)
def test_paragraph_text_follows_reader_rules(html: str, expected: str) -> None:
    assert node_text(_first(html, "p")) == expected


def test_blocks_are_joined_by_a_blank_line_and_empty_blocks_add_nothing() -> None:
    html = "<div><p>first</p><div class='ad'> </div>\n<p>second<br></p>tail</div>"
    assert node_text(_first(html)) == "first\n\nsecond\n\ntail"


def test_empty_node_has_no_text() -> None:
    assert node_text(_first("<div> <span>&nbsp;</span> <br> </div>")) is None


def test_excluded_subtrees_are_left_out_of_text_and_links() -> None:
    html = (
        "<div><p>outer <a href='https://t.co/a'>x</a></p>"
        "<blockquote class='inner'><p>inner <a href='https://t.co/b'>y</a></p></blockquote></div>"
    )
    node = _first(html)

    def inner(n: LexborNode) -> bool:
        return "inner" in (n.attributes.get("class") or "")

    assert node_text(node, exclude=inner) == "outer x"
    assert node_links(node, exclude=inner) == ("https://t.co/a",)


def test_links_come_in_order_with_entities_decoded() -> None:
    html = (
        "<p><a href='https://twitter.com/hashtag/X?src=hash&amp;ref=1'>#X</a> "
        "<a>no href</a> <a href='https://t.co/z'>pic</a></p>"
    )
    assert node_links(_first(html, "p")) == (
        "https://twitter.com/hashtag/X?src=hash&ref=1",
        "https://t.co/z",
    )


def test_emoji_drawn_as_images_read_as_their_characters() -> None:
    html = (
        '<p>Sunny <img draggable="false" role="img" class="emoji" alt="☀️" src="https://s.w.org/x.svg">'
        ' today <img class="twitter-emoji" alt="😕" src="x.png"><img alt="chart" src="c.png"></p>'
    )
    assert node_text(_first(html, "p")) == "Sunny ☀️ today 😕"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(" \t\n\f\r\u00a0\u3000\u2066\u200bab") | st.characters(), max_size=60))
def test_collapse_spaces_is_the_space_rule(text: str) -> None:
    """Runs of ASCII whitespace and NBSP become one space; other Unicode spaces are kept."""
    assert collapse_spaces(text) == SPACE_RUN.sub(" ", text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(" \n\t\u00a0ab\u3000"), max_size=8), max_size=6))
def test_a_block_is_tidied_by_the_rules(pieces: list[str]) -> None:
    """Spaces run together by joining become one; spaces next to a newline go; trimmed."""
    text = re.sub(r" {2,}", " ", "".join(pieces))
    assert block_text(pieces) == re.sub(r" *\n *", "\n", text).strip(" \n")
