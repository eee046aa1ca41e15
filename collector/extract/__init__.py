"""Extraction: pages in, posts and metadata out. Pure: no database, no CLI, no loader.

The entry points live in `collector.extract.page`; the per-platform detectors in `platforms/`,
plain-text signatures in `signatures`, page metadata in `metadata`, and the shared helpers for
text, dates and the platforms' id clocks beside them.
"""

from collector.extract.page import extract_page, extract_posts, find_posts
from collector.extract.prefilter import has_markers

__all__ = ["extract_page", "extract_posts", "find_posts", "has_markers"]
