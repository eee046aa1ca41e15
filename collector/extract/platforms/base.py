"""What every platform detector provides, and small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from collector.values import Post

ParseNode = Callable[[LexborNode], list[Post]]


@dataclass(frozen=True, slots=True)
class GatedForm:
    """A form told by its shape, not by a marker of its own (a tweet blockquote a sanitizer left
    without its class): its `selector` would cost every page, so it is queried only on pages that
    hold every one of `markers`, each given as its spellings (any one of them will do)."""

    selector: str
    markers: tuple[tuple[bytes, ...], ...]


@dataclass(frozen=True, slots=True)
class Detector:
    """One platform's embed finder.

    `selector` picks candidate nodes (CSS, may list several forms); `parse` turns one candidate
    into zero or more posts (zero when the node is not a real embed, e.g. a timeline); `markers`
    are lowercase byte strings of which at least one must occur in a page for the detector to
    have anything to find — the cheap prefilter that lets pages without embeds skip parsing.
    `gated` are forms queried only on pages holding their markers (see GatedForm).
    """

    platform: str
    selector: str
    markers: tuple[bytes, ...]
    parse: ParseNode
    gated: tuple[GatedForm, ...] = ()
