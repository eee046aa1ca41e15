"""What every platform detector provides, and small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from collector.values import Post

ParseNode = Callable[[LexborNode], list[Post]]


@dataclass(frozen=True, slots=True)
class Detector:
    """One platform's embed finder.

    `selector` picks candidate nodes (CSS, may list several forms); `parse` turns one candidate
    into zero or more posts (zero when the node is not a real embed, e.g. a timeline); `markers`
    are lowercase byte strings of which at least one must occur in a page for the detector to
    have anything to find — the cheap prefilter that lets pages without embeds skip parsing.
    `shape_markers` serve a form told by its shape, which has no marker of its own (a tweet
    blockquote a sanitizer left without its class): the page passes the prefilter when it holds
    every one of them, each given as its spellings (any one will do).
    """

    platform: str
    selector: str
    markers: tuple[bytes, ...]
    parse: ParseNode
    shape_markers: tuple[tuple[bytes, ...], ...] = ()
