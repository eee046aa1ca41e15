"""Text of a parsed node "as a reader sees it", shared by every platform detector.

The rules are the corpus gold's (../shared/corpus/realworld/README.md): entities decoded (lexbor
already does that), runs of ASCII whitespace become one space and NBSP counts as a space, `<br>`
is a newline, separate blocks are joined by a blank line, spaces next to a newline go, the result
is trimmed. Other Unicode spaces (U+3000) and format characters (U+2066) are kept, which is why
nothing here uses `str.split()` or a bare `str.strip()`: both treat them as whitespace.
"""

from __future__ import annotations

from collections.abc import Callable

from selectolax.lexbor import LexborNode

# HTML's ASCII whitespace (tab, LF, FF, CR) plus NBSP, which readers see as a space.
_SPACE_LIKE = ("\t", "\n", "\f", "\r", "\u00a0")
TRIM_CHARS = " \n"
BLOCK_SEPARATOR = "\n\n"

# Elements that start a new paragraph for a reader.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements whose content a reader never sees as text: code, styles, inert templates, frames,
# and consent fallbacks (lexbor parses <noscript> content as raw text, so it would leak markup).
SKIPPED_TAGS = frozenset(
    {"script", "style", "template", "noscript", "textarea", "iframe", "svg", "object", "head"}
)
TEXT_TAG = "-text"
COMMENT_TAG = "-comment"
# Image classes that replace an emoji character in text; the alt attribute holds the character.
EMOJI_IMAGE_CLASSES = ("emoji", "wp-smiley")

Exclude = Callable[[LexborNode], bool]


def node_text(node: LexborNode, *, exclude: Exclude | None = None) -> str | None:
    """The node's visible text by the rules above; None when nothing visible remains.

    `exclude` skips whole subtrees and text nodes (for example a tweet pasted inside another
    tweet's blockquote, which is its own post and not part of the outer text).
    """
    blocks: list[str] = []
    current: list[str] = []
    _walk(node, blocks, current, exclude)
    _flush(blocks, current)
    return BLOCK_SEPARATOR.join(blocks) or None


def _walk(node: LexborNode, blocks: list[str], current: list[str], exclude: Exclude | None) -> None:
    # Depth first with an explicit stack, not recursion: hostile or broken pages nest elements
    # 10,000 deep, past Python's recursion limit. Each entry is the next node to visit on one
    # level, and whether that level is a block to close once its children are done.
    stack: list[tuple[LexborNode | None, bool]] = [(node.first_child, False)]
    while stack:
        child, closes_block = stack.pop()
        if child is None:
            if closes_block:
                _flush(blocks, current)
            continue
        stack.append((child.next, closes_block))
        tag = child.tag
        if exclude is not None and exclude(child):
            pass  # text nodes too: a caller may cut a node's content at any point
        elif (piece := _leaf_text(child, tag)) is not None:
            current.append(piece)
        elif tag is None or tag.startswith("-") or tag in SKIPPED_TAGS:
            pass  # comments, doctype, and elements a reader does not see
        elif tag in BLOCK_TAGS:
            _flush(blocks, current)
            stack.append((child.first_child, True))
        else:
            stack.append((child.first_child, False))


def _leaf_text(node: LexborNode, tag: str | None) -> str | None:
    """What a text node, `<br>` or emoji image adds to the text; None for any other node."""
    if tag == TEXT_TAG:
        return collapse_spaces(node.text_content or "")
    if tag == "br":
        return "\n"
    if tag == "img":
        return _emoji_image_text(node)
    return None


def collapse_spaces(text: str) -> str:
    """Each run of spaces and _SPACE_LIKE characters as one space: `re.sub(r"[ \t\n\f\r\xa0]+", " ",
    text)` in about half the time (str.replace scans in C; the regex engine steps through every
    character)."""
    for space in _SPACE_LIKE:
        text = text.replace(space, " ")
    return _single_spaces(text)


def _single_spaces(text: str) -> str:
    """Each run of spaces as one (each replace halves the longest run)."""
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _emoji_image_text(image: LexborNode) -> str:
    """An emoji drawn as an image (WordPress wp-emoji, Twitter's twemoji) reads as its character."""
    classes = image.attributes.get("class") or ""
    if not any(marker in classes for marker in EMOJI_IMAGE_CLASSES):
        return ""
    return image.attributes.get("alt") or ""


def _flush(blocks: list[str], current: list[str]) -> None:
    """Close the running block: tidy its spaces and keep it when anything is left."""
    if not current:
        return
    text = block_text(current)
    current.clear()
    if text:
        blocks.append(text)


def block_text(pieces: list[str]) -> str:
    """One block's text from its pieces (text nodes with spaces collapsed, newlines): tidied.

    Joining can put two spaces together again; then spaces next to a newline go. str.replace, not
    a regex: the pieces hold no run of spaces, so one pass on each side of a newline is enough.
    """
    text = _single_spaces("".join(pieces))
    if "\n" in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    return text.strip(TRIM_CHARS)


def inline_pieces(node: LexborNode) -> list[str] | None:
    """The pieces node_text would gather inside `node` when its content is inline only.

    None when a block, a skipped element or anything else node_text treats specially sits
    inside: then only node_text gives the right text. One C-level traversal instead of
    node_text's walk, for the common case of a paragraph of text, links and line breaks.
    """
    pieces: list[str] = []
    nodes = node.traverse(include_text=True)
    next(nodes)  # the node itself
    for child in nodes:
        tag = child.tag
        if (piece := _leaf_text(child, tag)) is not None:
            pieces.append(piece)
        elif tag != COMMENT_TAG and (
            tag is None or tag in BLOCK_TAGS or tag in SKIPPED_TAGS or tag.startswith("-")
        ):
            return None
    return pieces


def node_links(node: LexborNode, *, exclude: Exclude | None = None) -> tuple[str, ...]:
    """The href of every link inside the node, in document order, as the parser decoded it."""
    hrefs: list[str] = []
    for anchor in node.css("a[href]"):
        if exclude is not None and _inside_excluded(anchor, node, exclude):
            continue
        href = (anchor.attributes.get("href") or "").strip()
        if href:
            hrefs.append(href)
    return tuple(hrefs)


def _inside_excluded(anchor: LexborNode, root: LexborNode, exclude: Exclude) -> bool:
    return exclude(anchor) or inside(anchor, root, exclude)


def inside(node: LexborNode, root: LexborNode, test: Exclude) -> bool:
    """True when an ancestor of node below root (root itself not included) passes `test`."""
    parent = node.parent
    while parent is not None and parent.mem_id != root.mem_id:
        if test(parent):
            return True
        parent = parent.parent
    return False
