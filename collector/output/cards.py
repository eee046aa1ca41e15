"""Post cards: one self-contained HTML page showing each post as a reader saw it.

Records in (as `db.quotations.iter_sourced_posts` gives them: the export record with `articles` and
`quoted`), HTML out. The page carries its CSS inline and nothing else: no script, no remote font or
image (media are links), and a Content-Security-Policy that forbids loading anything, so the
page shows the same offline, years later, whatever happened to the posts. Every piece of text is
escaped; only http(s) addresses become links. `@media print` lays the cards out for paper.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any, TextIO

from collector.output.citing import MONTHS, UNPRINTABLE, platform_name

# Nothing may load: styles are the inline <style> only, and no script runs even if injected.
CONTENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
LINK_SCHEMES = ("http", "https")
# White space that HTML forbids as a character (vertical tab, next line): written as a space.
HTML_NOT_SPACE = re.compile("[\x0b\x85]")
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+")
# Characters that end a sentence rather than a URL written in running text.
URL_TRAILING = ".,;:!?)]}»”’…"
STATUS_WORDS = {
    "deleted": "deleted",
    "suspended": "from a suspended account",
    "withheld": "withheld",
    "protected": "from a protected account",
    "unavailable": "unavailable",
}
STYLE = """
:root { color-scheme: light; --ink: #14171a; --muted: #536471; --line: #cfd9de; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f5f8fa; }
.page-header, .page-footer { max-width: 40rem; margin: 0 auto 1rem; color: var(--muted); }
.page-header h1 { margin: 0 0 .25rem; font-size: 1.4rem; color: var(--ink); }
.post { max-width: 40rem; margin: 0 auto 1.25rem; padding: 1rem 1.25rem; background: #fff;
  border: 1px solid var(--line); border-radius: 12px; }
.post header { display: flex; flex-wrap: wrap; gap: .25rem .5rem; align-items: baseline; }
.name { font-weight: 700; }
.handle, .when, .platform { color: var(--muted); }
.platform { margin-left: auto; font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; }
.text { margin: .6rem 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.05rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
.status { margin: .5rem 0; padding: .35rem .6rem; border-radius: 6px; background: #fff4e5;
  border: 1px solid #f0b35b; font-size: .9rem; }
.media, .links { margin: .4rem 0; font-size: .9rem; }
.media ul, .links ul { margin: .1rem 0; padding-left: 1.2rem; }
.label { color: var(--muted); font-size: .8rem; }
.quoted { margin: .6rem 0; padding: .6rem .8rem; border: 1px solid var(--line); border-radius: 10px; }
.quoted p { margin: .3rem 0 0; white-space: pre-wrap; }
.quoted-in { margin-top: .8rem; padding-top: .6rem; border-top: 1px solid var(--line); font-size: .9rem; }
.quoted-in h2 { margin: 0 0 .3rem; font-size: .95rem; }
.quoted-in ol { margin: 0; padding-left: 1.2rem; }
.site, .day { color: var(--muted); }
.source { font-size: .85rem; }
@media print {
  body { background: #fff; padding: 0; font-size: 11pt; }
  .post { border-color: #888; break-inside: avoid; page-break-inside: avoid; max-width: none; }
  a { color: inherit; text-decoration: underline; }
  .quoted-in a[href]::after, .source a[href]::after, .media a[href]::after {
    content: " <" attr(href) ">"; font-size: 9pt; color: #444; }
}
"""


def escape(text: object) -> str:
    """Text for the page: escaped, without UNPRINTABLE (HTML forbids control characters; a bidi
    override would reorder what follows it), the white space HTML does not allow as a space."""
    return html.escape(HTML_NOT_SPACE.sub(" ", UNPRINTABLE.sub("", str(text))), quote=True)


def safe_url(url: str | None) -> str | None:
    """`url` when it is an http(s) address (anything else, javascript: included, is no link)."""
    if not url:
        return None
    try:
        scheme = urllib.parse.urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


def link(url: str | None, label: str | None = None) -> str:
    """An <a> to `url` (escaped), or the label as plain text when `url` is no http(s) address."""
    shown = escape(label if label is not None else url or "")
    target = safe_url(url)
    if target is None:
        return shown
    return f'<a href="{escape(target)}" rel="noopener noreferrer nofollow">{shown}</a>'


def linked_text(text: str) -> str:
    """Post text escaped, the http(s) addresses in it as links (sentence punctuation left out)."""
    parts: list[str] = []
    position = 0
    for match in URL_IN_TEXT.finditer(text):
        url = match.group().rstrip(URL_TRAILING)
        parts.append(escape(text[position : match.start()]))
        parts.append(link(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return "".join(parts)


def _long_day(iso: str | None) -> str | None:
    try:
        day = dt.date.fromisoformat((iso or "")[:10])
    except ValueError:
        return iso or None
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _when(post: dict[str, Any], zone: dt.tzinfo) -> str:
    """The post's day, and its time in `zone` when the platform's id gives it (then the day is
    that time's day in `zone` too)."""
    shown = _long_day(post.get("date")) or post.get("date_text") or ""
    posted = post.get("posted_at")
    if posted:
        moment = dt.datetime.fromisoformat(posted.replace("Z", "+00:00")).astimezone(zone)
        shown = f"{_long_day(moment.date().isoformat())} · {moment:%H:%M %Z}"
        return f'<time datetime="{escape(posted)}">{escape(shown)}</time>'
    return f'<time datetime="{escape(post["date"])}">{escape(shown)}</time>' if post.get("date") else ""


def _header(post: dict[str, Any], zone: dt.tzinfo) -> str:
    name = post.get("author_name") or ""
    handle = post.get("handle")
    parts = [f'<span class="name" dir="auto">{escape(name)}</span>' if name else ""]
    parts.append(f'<span class="handle">@{escape(handle)}</span>' if handle else "")
    parts.append(f'<span class="when">{_when(post, zone)}</span>')
    parts.append(f'<span class="platform">{escape(platform_name(post))}</span>')
    return "<header>" + "".join(part for part in parts if part) + "</header>"


def _status(post: dict[str, Any]) -> str:
    status = post.get("status")
    if not status:
        return ""
    showing = [article for article in post.get("articles") or [] if article.get("status")]
    kept = "the text below is the copy an article kept" if post.get("text") else "no article kept its text"
    words = STATUS_WORDS.get(status, status)
    return (
        f'<p class="status" data-status="{escape(status)}">Shown as {escape(words)} by '
        f"{len(showing)} of the articles; {kept}.</p>"
    )


def _list(css: str, urls: list[str], label: str) -> str:
    if not urls:
        return ""
    items = "".join(f"<li>{link(url)}</li>" for url in urls)
    return f'<div class="{css}"><span class="label">{escape(label)}</span><ul>{items}</ul></div>'


def _quoted(post: dict[str, Any]) -> str:
    quoted = post.get("quoted") or {}
    url = quoted.get("url") or post.get("quoted_url")
    if not quoted and not url:
        return ""
    who = " ".join(
        filter(
            None,
            [
                f'<span class="name" dir="auto">{escape(quoted["author_name"])}</span>'
                if quoted.get("author_name")
                else "",
                f'<span class="handle">@{escape(quoted["handle"])}</span>' if quoted.get("handle") else "",
            ],
        )
    )
    text = f"<p>{linked_text(quoted['text'])}</p>" if quoted.get("text") else ""
    source = f'<div class="source">{link(url)}</div>' if url else ""
    return f'<blockquote class="quoted">{who}{text}{source}</blockquote>'


def _articles(post: dict[str, Any]) -> str:
    # In the order readers met them: by published day (else the day the article was saved).
    articles = sorted(
        post.get("articles") or [], key=lambda a: a.get("published") or a.get("ingested_at") or ""
    )
    count = len(articles)
    items = []
    for article in articles:
        title = article.get("title") or article.get("address") or "(untitled)"
        site = article.get("site_name") or urllib.parse.urlsplit(article.get("url") or "").hostname
        day = _long_day(article.get("published"))
        when = day or f"saved {_long_day(article.get('ingested_at'))}"
        shown = [link(article.get("url") or None, title) if article.get("url") else escape(title)]
        shown.append(f' <span class="site">{escape(site)}</span>' if site else "")
        shown.append(f' <span class="day">{escape(when)}</span>')
        if article.get("status"):
            shown.append(f" (showed it as {escape(article['status'])})")
        items.append("<li>" + "".join(shown) + "</li>")
    noun = "article" if count == 1 else "articles"
    return f'<section class="quoted-in"><h2>Quoted in {count} {noun}</h2><ol>{"".join(items)}</ol></section>'


def render_card(post: dict[str, Any], zone: dt.tzinfo = dt.UTC) -> str:
    """One post as an <article> element; its time shown in `zone`."""
    text = post.get("text")
    links_outside = [url for url in post.get("links") or [] if not text or url not in text]
    body = [
        _header(post, zone),
        _status(post),
        f'<div class="text" dir="auto">{linked_text(text)}</div>' if text else "",
        _list("links", links_outside, "Links in the post"),
        _list("media", list(post.get("media") or []), "Media (links, not loaded)"),
        _quoted(post),
        f'<div class="source">{link(post.get("url"))}</div>' if post.get("url") else "",
        _articles(post),
    ]
    return f'<article class="post" id="post-{escape(post["id"])}">' + "".join(body) + "</article>\n"


def write_cards(
    posts: Iterable[dict[str, Any]], out: TextIO, *, title: str, made: str, zone: dt.tzinfo = dt.UTC
) -> int:
    """The whole page, streamed a card at a time; returns how many posts it shows."""
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header class="page-header"><h1>{escape(title)}</h1><p>{escape(made)}</p></header>\n<main>\n'
    )
    count = 0
    for post in posts:
        out.write(render_card(post, zone))
        count += 1
    noun = "post" if count == 1 else "posts"
    out.write(f'</main>\n<footer class="page-footer"><p>{count} {noun}.</p></footer>\n</body>\n</html>\n')
    return count
