"""Article metadata from a page's head (owned by the inputs work; minimal for now)."""

from __future__ import annotations

import html as html_lib
import re

from collector.posts import ArticleMeta

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def extract_metadata(page: str) -> ArticleMeta:
    """Title and whatever else the page says about itself."""
    match = _TITLE.search(page, 0, 200_000)
    title = html_lib.unescape(" ".join(match.group(1).split())) if match else None
    return ArticleMeta(title=title or None)


def text_metadata(text: str) -> ArticleMeta:
    """A plain-text copy: its first non-empty line is the title."""
    for line in text.splitlines():
        if line.strip():
            return ArticleMeta(title=line.strip())
    return ArticleMeta()
