"""Posts in plain text: the `— Name (@handle) Month D, YYYY` signature line (placeholder)."""

from __future__ import annotations

from collector.posts import Post


def extract_text_posts(text: str, *, source: str | None = None) -> list[Post]:
    """Every signed post in a plain-text page, in order."""
    return []
