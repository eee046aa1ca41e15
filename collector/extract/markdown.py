"""Markdown clips of articles: read with markdown-it-py, laid out as blocks for `textposts`.

Clippers write a page's embeds as Markdown quote blocks: Obsidian Web Clipper and MarkDownload
(Mozilla Readability picks the article, Turndown writes Markdown), pandoc, html2text (wrapped at
78 columns, `&mdash;` as `--`), trafilatura (no quote markers: its blocks are flat). A tweet keeps
its signature line and, unlike plain text, its links:
`— Michael McFaul (@McFaul) [January 7, 2022](https://twitter.com/McFaul/status/1479…)`.

Reader text comes from the Markdown syntax tree (CommonMark, markdown-it-py), never from the
source: a link reads as its text and keeps its target (`[pic.twitter.com/x](https://t.co/x)`),
an autolink `<https://t.co/x>` as the URL, escapes and emphasis go, a hard break (two spaces or a
backslash at the line end, which Turndown writes for `<br>`) is a newline and a soft break a
space. Images are dropped, except an emoji drawn as an image (twemoji, wp-emoji), which reads as
its alt text as in HTML; raw inline HTML adds nothing but `<br>` and such emoji images. Quote
blocks, nested too, are the blocks' containers; headings, lists, rules, tables and code are
breaks; raw HTML blocks (pandoc keeps the page's `<div>`s) are invisible. Bluesky's
"[image or embed]" media link is not text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from collector.extract.appearances import text_appearances
from collector.extract.metadata import markdown_metadata
from collector.extract.platforms.bluesky import MEDIA_PLACEHOLDER
from collector.extract.text import collapse_spaces
from collector.extract.textposts import BREAK, Block, Line, Link, find_located_posts
from collector.values import Appearance, Extraction

# CommonMark, raw HTML recognised (so it is not read as text); quotes nested past this are flat.
_PARSER = MarkdownIt("commonmark", {"maxNesting": 20})
BREAK_OPENS = frozenset(
    {"heading_open", "bullet_list_open", "ordered_list_open", "hr", "fence", "code_block", "table_open"}
)
BREAK_CLOSES = frozenset({"bullet_list_close", "ordered_list_close", "table_close"})
LIST_OPENS = frozenset({"bullet_list_open", "ordered_list_open", "table_open", "heading_open"})
LIST_CLOSES = frozenset({"bullet_list_close", "ordered_list_close", "table_close", "heading_close"})
# A raw HTML block that is a quote (a README quoting a tweet), its tags, and the tags that end a line.
HTML_QUOTE_BLOCK = re.compile(r"^\s*<blockquote\b", re.IGNORECASE)
HTML_PIECE = re.compile(r"(<[^<>]*>)")
HTML_LINE_END = re.compile(r"^</?(?:p|br|div|blockquote)\b[^>]*>$", re.IGNORECASE)
HTML_BREAK = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
HTML_EMOJI_IMAGE = re.compile(
    r"^<img\b(?=[^>]*\bclass=[\"'][^\"']*\b(?:emoji|wp-smiley)\b)[^>]*\balt=[\"']([^\"']{1,16})[\"']", re.I
)
HTML_ANCHOR = re.compile(r"^<a\b[^>]*?\bhref=[\"']([^\"']*)[\"']", re.IGNORECASE)
HTML_TAG_NAME = re.compile(r"^</?([A-Za-z][\w-]*)")
HTML_ELEMENTS = frozenset(
    """a abbr b bdi bdo big blockquote br button cite code data del dfn div em embed font i iframe img
    input ins kbd label mark meter object output p picture q s samp script select small source span
    strike strong style sub sup svg template textarea time track tt u var video wbr""".split()  # noqa: SIM905
)
# A line that opens like a signature: a dash, then a name or the handle before a `(@`.
SIGNATURE_START = re.compile(r"^(?:[—–―]|--)\s*[^\s(@]?[^(\n]{0,80}\(@|^(?:[—–―]|--)\s*@\w")
# An image's alt text that is an emoji (no letters or digits): twemoji and wp-emoji draw them.
EMOJI_ALT = re.compile(r"^[^\w\s]{1,16}$")


def extract_markdown(text: str) -> Extraction:
    """Metadata (front matter, else the first heading) and the signed posts of a Markdown page."""
    meta, body = markdown_metadata(text)
    if "@" not in body and "/status" not in body:  # no signature and no post address: no post
        return Extraction(meta=meta, appearances=())
    blocks = markdown_blocks(body)
    found: list[Appearance] = text_appearances(blocks, find_located_posts(blocks) if "@" in body else [])
    return Extraction(meta=meta, appearances=tuple(found))


def markdown_blocks(text: str) -> list[Block]:
    """The paragraphs of a Markdown page, each in its quote block, with breaks between sections."""
    blocks: list[Block] = []
    containers, count, hidden = [0], 0, 0
    for token in _PARSER.parse(text):
        kind = token.type
        if kind == "blockquote_open":
            count += 1
            containers.append(count)
        elif kind == "blockquote_close" and len(containers) > 1:
            containers.pop()
        if kind in BREAK_OPENS or kind in BREAK_CLOSES:
            blocks.append(BREAK)
        hidden += (kind in LIST_OPENS) - (kind in LIST_CLOSES)
        if kind == "html_block" and not hidden and HTML_QUOTE_BLOCK.match(token.content):
            count += 1
            depth = len(containers)
            lines = html_quote_lines(token.content)
            if lines:
                blocks.append(Block(lines, depth, count, distinct=True, exact=True))
        if kind == "inline" and not hidden:
            lines = inline_lines(token.children or [])
            if lines:
                depth = len(containers) - 1
                blocks.append(Block(lines, depth, containers[-1], distinct=depth > 0, exact=depth > 0))
    return blocks


def html_quote_lines(markup: str) -> tuple[Line, ...]:
    """A raw `<blockquote>` block's reader text, a line per paragraph or `<br>`, with its links:
    GitHub and every Markdown renderer show it as a quote (READMEs quote tweets so, often
    class-less and without the embed script)."""
    lines: list[Line] = []
    parts: list[str] = []
    links: list[Link] = []
    opened: list[tuple[str, int]] = []
    for piece in HTML_PIECE.split(markup):
        if not piece.startswith("<"):
            parts.append(html.unescape(piece))
        elif HTML_LINE_END.match(piece):
            _end_line(lines, parts, links)
        else:
            _html_inline(piece, parts, links, opened)
    _end_line(lines, parts, links)
    return tuple(lines)


def inline_lines(children: Sequence[Token]) -> tuple[Line, ...]:
    """A paragraph's reader text, split at hard breaks, with each line's links (text, target)."""
    lines: list[Line] = []
    parts: list[str] = []
    links: list[Link] = []
    opened: list[tuple[str, int]] = []  # (target, where its text starts in parts)
    for position, child in enumerate(children):
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak" and _signature_follows(children, position):
            _end_line(lines, parts, links)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak" or (kind == "html_inline" and HTML_BREAK.match(child.content)):
            _end_line(lines, parts, links)
        elif kind == "link_open":
            opened.append((str(child.attrs.get("href") or ""), len(parts)))
        elif kind == "link_close" and opened:
            _close_link(parts, links, *opened.pop())
        elif kind == "image" and EMOJI_ALT.match(child.content):
            parts.append(child.content)
        elif kind == "html_inline":
            _html_inline(child.content, parts, links, opened)
    _end_line(lines, parts, links)
    return tuple(lines)


def _signature_follows(children: Sequence[Token], position: int) -> bool:
    """A soft break before a signature's dash is a line of its own: the converter left out the
    blank line between a post's text and its signature (`-- Name (@handle) [date](…)`)."""
    following = children[position + 1] if position + 1 < len(children) else None
    return (
        following is not None
        and following.type == "text"
        and SIGNATURE_START.match(following.content) is not None
    )


def _html_inline(markup: str, parts: list[str], links: list[Link], opened: list[tuple[str, int]]) -> None:
    """Raw HTML in a paragraph (pandoc keeps what Markdown cannot say): links, emoji images; a
    `<word>` that is no HTML element is text Turndown and html2text did not escape."""
    if (anchor := HTML_ANCHOR.match(markup)) is not None:
        opened.append((html.unescape(anchor[1]), len(parts)))
    elif markup.lower().startswith("</a") and opened:
        _close_link(parts, links, *opened.pop())
    elif (emoji := HTML_EMOJI_IMAGE.match(markup)) is not None:
        parts.append(emoji[1])
    elif (tag := HTML_TAG_NAME.match(markup)) is not None and tag[1].lower() not in HTML_ELEMENTS:
        parts.append(markup)


def _close_link(parts: list[str], links: list[Link], href: str, start: int) -> None:
    shown = collapse_spaces("".join(parts[start:])).strip()
    if shown == MEDIA_PLACEHOLDER:
        del parts[start:]  # Bluesky's media link stands where the image was
    elif href:
        links.append((shown, href))


def _end_line(lines: list[Line], parts: list[str], links: list[Link]) -> None:
    text = collapse_spaces("".join(parts)).strip()
    if text:
        lines.append(Line(text, tuple(links)))
    parts.clear()
    links.clear()
