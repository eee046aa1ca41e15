"""A Datasette plugin (`quotes serve` registers it): a post's text cell shown as the post's card.

On the posts table and a post's own page, the `text` cell becomes a card as a reader saw the
post: name, handle, text with its links, the quoted post, the date linking to the post, and its
status when an article showed a tombstone. No script and nothing remote: inline styles only.
Hook: `render_cell` (https://docs.datasette.io/en/0.65/plugin_hooks.html#render-cell).
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from pluggy import HookimplMarker

from collector.output.citing import UNPRINTABLE

CARD_TABLE, CARD_COLUMN = "posts", "text"
PLUGIN_NAME = "quote-archiver-cards"
# datasette.hookimpl itself, without importing Datasette (and Click with it) into the output stage.
hookimpl = HookimplMarker("datasette")
_URL = re.compile(r"https?://[^\s<>\"']+")
CARD_STYLE = (
    "border:1px solid #cfd9de;border-radius:12px;padding:10px 14px;max-width:36em;"
    "background:#fff;font-family:system-ui,sans-serif;line-height:1.35"
)
QUOTE_STYLE = "border:1px solid #cfd9de;border-radius:8px;padding:6px 10px;margin:6px 0"
STATUS_STYLE = "background:#b00020;color:#fff;border-radius:4px;padding:0 6px;font-size:85%"
MUTED_STYLE = "color:#536471"


def _field(row: Any, name: str) -> Any:
    """The row's value of `name`; a string without control or bidi characters (citing.UNPRINTABLE)."""
    try:
        value = row[name]
    except (IndexError, KeyError):  # a query that did not select the column
        return None
    return UNPRINTABLE.sub("", value) if isinstance(value, str) else value


def linked_text(text: str) -> Markup:
    """The text escaped, its URLs as links and its line breaks kept."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(escape(text[last : match.start()]))
        url = escape(match.group())
        parts.append(Markup(f'<a href="{url}" rel="nofollow noreferrer">{url}</a>'))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts).replace("\n", Markup("<br>"))


def card_html(row: Any) -> Markup:
    """The card of one posts row (any columns missing from it are left out)."""
    name, handle = _field(row, "author_name"), _field(row, "handle")
    text, url, day = _field(row, "text"), _field(row, "url"), _field(row, "date")
    status = _field(row, "status")
    head = Markup("<strong dir='auto'>{}</strong> <span style='{}'>@{}</span>").format(
        name or "", MUTED_STYLE, handle or ""
    )
    body = linked_text(text) if text else Markup("<em>(no text kept)</em>")
    quoted = _quoted_html(row)
    # Only web addresses become links: a hostile page's `javascript:` URL stays text.
    linked = bool(url) and _URL.fullmatch(url) is not None
    when = Markup('<a href="{}">{}</a>').format(url, day or url) if linked else escape(day or url or "")
    badge = (
        Markup(" <span class='qa-status' style='{}'>{}</span>").format(STATUS_STYLE, status) if status else ""
    )
    return Markup(
        "<div class='qa-card' style='{}'><div>{}</div><p class='qa-text' dir='auto'>{}</p>{}"
        "<div style='{}'>{}{}</div></div>"
    ).format(CARD_STYLE, head, body, quoted, MUTED_STYLE, when, badge)


def _quoted_html(row: Any) -> Markup:
    text = _field(row, "quoted_text")
    if not text:
        return Markup("")
    who = _field(row, "quoted_author_name") or ""
    handle = _field(row, "quoted_handle")
    shown = f"{who} @{handle}" if handle else who
    return Markup("<div class='qa-quoted' style='{}'><strong>{}</strong><br>{}</div>").format(
        QUOTE_STYLE, shown, linked_text(text)
    )


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """The posts table's text cell as a card; every other cell as Datasette shows it (None)."""
    if table != CARD_TABLE or column != CARD_COLUMN:
        return None
    return card_html(row)
