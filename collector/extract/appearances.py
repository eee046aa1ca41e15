"""Posts as appearances: each found post with what belongs to that page's showing of it.

A detector gives the posts of an embed; this module adds the appearance's own facts (its
tombstone status, the paragraphs around it) and the post's media, for HTML embeds, renderers'
tombstone boxes, and the posts of text and Markdown pages. Pure, like the rest of extraction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

from selectolax.lexbor import LexborNode

from collector.extract.context import block_neighbours, neighbours
from collector.extract.media import with_media
from collector.extract.textposts import Block
from collector.extract.tombstones import box_container, candidate_status, text_tombstones
from collector.values import Appearance, Post, natural_key

IsEmbed = Callable[[LexborNode], bool]


def embed_appearances(node: LexborNode, posts: Sequence[Post], is_embed: IsEmbed) -> list[Appearance]:
    """The appearances of the posts one embed node holds (usually one).

    A post that shows no text may be a tombstone: the embed's own text (a CMS placeholder) or
    its saved frame says so. The media of the node's images belong to it only when it holds one
    post.
    """
    before, after = neighbours(node, is_embed)
    single = len(posts) == 1
    found = []
    for post in posts:
        status = candidate_status(node) if single and post.text is None else None
        found.append(Appearance(with_media(post, node if single else None), status, before, after))
    return found


def box_appearance(box: LexborNode, post: Post, status: str, is_embed: IsEmbed) -> Appearance:
    return Appearance(post, status, *neighbours(box_container(box), is_embed))


def with_context(appearances: Iterable[Appearance], node: LexborNode, is_embed: IsEmbed) -> list[Appearance]:
    """Appearances found inside a wrapper (a consent layer's markup): the wrapper's context."""
    before, after = neighbours(node, is_embed)
    return [dataclasses.replace(a, context_before=before, context_after=after) for a in appearances]


def fold_tombstones(found: Sequence[tuple[Appearance, bool]]) -> list[Appearance]:
    """Appearances in page order from (appearance, came from a tombstone box): a box of the same
    post as an embed on the page is that embed's status, not a second appearance (an
    OldTwitter card and its withheld notice)."""
    if not any(from_box for _, from_box in found):
        return [appearance for appearance, _ in found]
    embeds = {_key(a.post) for a, from_box in found if not from_box}
    statuses = {_key(a.post): a.status for a, from_box in found if from_box and _key(a.post) in embeds}
    if not statuses:
        return [appearance for appearance, _ in found]
    kept = []
    for appearance, from_box in found:
        key = _key(appearance.post)
        if from_box and key in embeds:
            continue
        if key in statuses and appearance.status is None:
            appearance = dataclasses.replace(appearance, status=statuses[key])
        kept.append(appearance)
    return kept


def _key(post: Post) -> tuple[str, str]:
    return post.platform, natural_key(post)


def text_appearances(
    blocks: Sequence[Block], located: Sequence[tuple[Post, tuple[int, int]]]
) -> list[Appearance]:
    """The posts of a text or Markdown page (each with the block of its signature) and the
    tombstones it copies, with the paragraphs around each, in page order."""
    paragraphs = [" ".join(line.text for line in block.lines) for block in blocks]
    spans = [_span(blocks, paragraphs, post, at[0]) for post, at in located]
    taken = {index for first, last in spans for index in range(first, last + 1)}
    around = block_neighbours(paragraphs, taken)
    found: list[tuple[int, Appearance]] = []
    for (post, at), (first, last) in zip(located, spans, strict=True):
        context = (around[first][0], around[last][1])
        found.append((at[0], Appearance(with_media(post, None), None, *context)))
    known = {_key(a.post): index for index, (_, a) in enumerate(found)}
    hrefs = [tuple(href for line in block.lines for _, href in line.links) for block in blocks]
    for index, post, status in text_tombstones(list(zip(paragraphs, hrefs, strict=True))):
        same = known.get(_key(post))
        if same is None:
            found.append((index, Appearance(post, status, *around[index])))
        elif found[same][1].post.text is None:  # a link-only copy beside the notice
            found[same] = (found[same][0], dataclasses.replace(found[same][1], status=status))
    return [appearance for _, appearance in sorted(found, key=lambda item: item[0])]


def _span(
    blocks: Sequence[Block], paragraphs: Sequence[str], post: Post, signature_block: int
) -> tuple[int, int]:
    """The blocks a text post spans: its signature's, and those above it that its text came from
    (a Markdown quote block is the embed's own bounds: all of it)."""
    home = blocks[signature_block]
    text = " ".join((post.text or "").split())
    first = signature_block
    while first > 0:
        above = blocks[first - 1]
        quoted = home.container and (above.container == home.container or above.level > home.level)
        if not (quoted or (paragraphs[first - 1] and " ".join(paragraphs[first - 1].split()) in text)):
            break
        first -= 1
    return first, signature_block
