"""`quotes show`'s account of where and how a post was quoted, and of how its copies differ.

Each quoting article with its date, site and byline, the tombstone it showed in place of the
post, the paragraphs around the embed, and the fields in which the copy it showed differs from
the archive's record; then the fields two copies contradict each other in (reported, never
resolved silently), and whether the archive is the surviving copy of a post gone elsewhere.
Records in, lines out, like collector.output.terminal.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# How the terminal wraps a line (collector.output.terminal.wrap).
Wrap = Callable[[str, int], list[str]]
# A differing value longer than this is shown by its start and its length.
SHOWN_VALUE_CHARS = 120
# Copy fields by the names people know them by (the archive keeps lists as JSON).
FIELD_NAMES = {"links_json": "links", "media_json": "media", "quoted_author_name": "quoted name"}


def quotation_lines(indent: str, quoting: Mapping[str, Any], wrap: Wrap, width: int) -> list[str]:
    """One quoting article below its title line(s): address, date · site · byline, status,
    context, its copy; `indent` is the title's, the lines below start under the title."""
    lines = [f"{indent}{quoting.get('url') or quoting.get('source')}"]
    about = [str(quoting[key]) for key in ("published", "site_name") if quoting.get(key)]
    if quoting.get("author"):
        about.append(f"by {quoting['author']}")
    if about:
        lines.append(indent + " · ".join(about))
    if quoting.get("status"):
        lines.append(f"{indent}showed the post as {quoting['status']}")
    for label, key in (("before", "context_before"), ("after", "context_after")):
        if quoting.get(key):
            lines.extend(_hanging(wrap, f"{label}: {quoting[key]}", width, len(indent)))
    for name, value in (quoting.get("differs") or {}).items():
        shown = f"its copy differs in {FIELD_NAMES.get(name, name)}: {shown_value(value)}"
        lines.extend(_hanging(wrap, shown, width, len(indent)))
    return lines


def _hanging(wrap: Wrap, text: str, width: int, indent: int) -> list[str]:
    """`text` wrapped below a quoting article, every line indented."""
    return [" " * indent + line for line in wrap(text, max(width - indent, 20))]


def shown_value(value: Any) -> str:
    """A copy's value as one line: lists as they read, long text by its start and length."""
    if isinstance(value, str) and value.startswith("["):
        with contextlib.suppress(ValueError, TypeError):
            value = " ".join(json.loads(value))
    text = " ".join(str(value).split())
    if len(text) > SHOWN_VALUE_CHARS:
        return f"{text[:SHOWN_VALUE_CHARS]}… ({len(str(value)):,} characters)"
    return text


def record_notes(
    record: Mapping[str, Any],
    quoted: Mapping[str, Any] | None,
    contradictions: Sequence[str],
    surviving: bool,
    wrap: Wrap,
    width: int,
) -> list[str]:
    """The quoted post, the media, contradicting copies, and the archive as the surviving copy."""
    lines: list[str] = []
    if quoted or record.get("quoted_url"):
        who = " ".join(
            part for part in ((quoted or {}).get("author_name"), _at((quoted or {}).get("handle"))) if part
        )
        lines.append("Quotes: " + " ".join(part for part in (who, record.get("quoted_url")) if part))
        if quoted and quoted.get("text"):
            lines.extend(wrap(f"  {quoted['text']}", width))
    if record.get("media"):
        lines += ["Media:", *(f"  {url}" for url in record["media"])]
    if contradictions:
        names = ", ".join(FIELD_NAMES.get(name, name) for name in contradictions)
        lines.extend(
            wrap(f"Copies disagree in: {names} (the record keeps one; each article's copy is below)", width)
        )
    if surviving:
        shown = record.get("status") or "unavailable"
        lines.extend(
            wrap(f"An article showed this post as {shown}; the archive holds the surviving copy.", width)
        )
    return lines


def _at(handle: str | None) -> str | None:
    return f"(@{handle})" if handle else None
