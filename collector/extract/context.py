"""Where a post was quoted: the article's paragraph directly before and after each embed.

HTML: from the embed's node, the nearest sibling with reader text in each direction, climbing
out of wrappers (a WordPress figure, a lazy loader's div) until one is found or the article's
container ends; inside a sibling that holds several paragraphs, the one nearest the embed.
Other embeds and what readers never see (scripts, styles, frames) are skipped. Text and
Markdown pages: the paragraph blocks around the post's own lines. Each context is the
paragraph's text with its spacing collapsed, cut to CONTEXT_CHARS at a word boundary, the part
nearest the embed kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from selectolax.lexbor import LexborNode

from collector.extract.text import (
    BLOCK_SEPARATOR,
    BLOCK_TAGS,
    SKIPPED_TAGS,
    TEXT_TAG,
)
from collector.values import CONTEXT_CHARS

Direction = Literal["prev", "next"]
# How far a search goes: wrapper levels climbed, siblings passed, levels descended into a sibling.
MAX_CLIMB = 6
MAX_SIBLINGS = 64
MAX_DESCENT = 8
# An article's container: the search never leaves it.
STOP_TAGS = frozenset({"body", "html", "main", "article"})
# Page furniture beside an embed that is not the article's text.
FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "button", "select"})
ELLIPSIS = "…"
# Elements that hold one paragraph of inline content (an HTML parser closes a <p> before a block).
PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})
IsEmbed = Callable[[LexborNode], bool]


def neighbours(node: LexborNode, is_embed: IsEmbed) -> tuple[str | None, str | None]:
    """The reader text of the paragraph directly before and directly after an embed's node.

    An embed inside another candidate (a placeholder blockquote in `amp-twitter`, a blockquote
    in a WordPress figure) is read from the outermost one: its fallback texts are not the article's.
    """
    start, parent = node, node.parent
    for _ in range(MAX_CLIMB):
        if parent is None or parent.tag in STOP_TAGS:
            break
        if is_embed(parent):
            start = parent
        parent = parent.parent
    return _neighbour(start, "prev", is_embed), _neighbour(start, "next", is_embed)


def _neighbour(node: LexborNode, direction: Direction, is_embed: IsEmbed) -> str | None:
    back = direction == "prev"
    current = node
    for _ in range(MAX_CLIMB):
        sibling = current.prev if back else current.next
        for _ in range(MAX_SIBLINGS):
            if sibling is None:
                break
            tag = sibling.tag
            if tag == TEXT_TAG:  # most siblings: the whitespace between elements
                content = sibling.text_content
                text = _spaced(content, back) if content and not content.isspace() else None
            elif tag in PARAGRAPH_TAGS and not is_embed(sibling):
                text = _spaced(sibling.text(deep=True), back)  # the commonest: a paragraph
            else:
                text = _edge_text(sibling, direction, is_embed, MAX_DESCENT)
            if text:
                return cut(text, direction)
            sibling = sibling.prev if back else sibling.next
        parent = current.parent
        if parent is None or parent.tag in STOP_TAGS:
            return None
        current = parent
    return None


def _step(node: LexborNode, direction: Direction) -> LexborNode | None:
    return node.prev if direction == "prev" else node.next


def _edge_text(node: LexborNode, direction: Direction, is_embed: IsEmbed, depth: int) -> str | None:
    """The text of the paragraph of `node` nearest the embed: the node's own text when it is one
    paragraph, else its children's, from the embed's side."""
    tag = node.tag
    if tag == TEXT_TAG:
        return _spaced(node.text_content or "", direction == "prev")
    if tag is None or tag.startswith("-") or tag in SKIPPED_TAGS or tag in FURNITURE_TAGS or is_embed(node):
        return None
    if depth == 0 or not _holds_blocks(node):
        # lexbor's own text of the subtree (one C call): spacing as a reader sees it is enough for
        # a context paragraph, which is shown, not matched.
        return _spaced(node.text(deep=True), direction == "prev")
    child = node.last_child if direction == "prev" else node.first_child
    while child is not None:
        found = _edge_text(child, direction, is_embed, depth - 1)
        if found:
            return found
        child = _step(child, direction)
    return None


def _spaced(text: str, back: bool) -> str | None:
    """`text` with its spacing collapsed; only the part `cut` can keep is looked at (its end
    before an embed, its start after one), so a long paragraph costs no more than a short one."""
    if len(text) > 2 * CONTEXT_CHARS:
        text = text[-2 * CONTEXT_CHARS :] if back else text[: 2 * CONTEXT_CHARS]
    return " ".join(text.split()) or None


def _holds_blocks(node: LexborNode) -> bool:
    """A block or a skipped element (a script's text is no paragraph's) among node's children."""
    child = node.first_child
    while child is not None:
        tag = child.tag
        if tag in BLOCK_TAGS or tag in SKIPPED_TAGS:
            return True
        child = child.next
    return False


def cut(text: str, direction: Direction) -> str:
    """At most CONTEXT_CHARS of a paragraph: its end before an embed, its start after one."""
    if BLOCK_SEPARATOR in text:
        blocks = text.split(BLOCK_SEPARATOR)
        text = blocks[-1] if direction == "prev" else blocks[0]
    if len(text) <= CONTEXT_CHARS:
        return text
    room = CONTEXT_CHARS - len(ELLIPSIS)
    if direction == "prev":
        tail = text[-room:]
        space = tail.find(" ")
        return ELLIPSIS + (tail[space + 1 :] if 0 <= space < room // 4 else tail)
    head = text[:room]
    space = head.rfind(" ")
    return (head[:space] if space > room - room // 4 else head) + ELLIPSIS


def block_neighbours(paragraphs: Sequence[str], taken: set[int]) -> list[tuple[str | None, str | None]]:
    """For each paragraph index, the nearest article paragraph before and after it: not empty and
    not `taken` (other posts' lines). One pass each way, so a page of many posts stays linear."""
    found: list[list[str | None]] = [[None, None] for _ in paragraphs]
    last: str | None = None
    for index, text in enumerate(paragraphs):
        found[index][0] = last
        if text and index not in taken:
            last = cut(text, "prev")
    last = None
    for index in range(len(paragraphs) - 1, -1, -1):
        found[index][1] = last
        text = paragraphs[index]
        if text and index not in taken:
            last = cut(text, "next")
    return [(before, after) for before, after in found]
