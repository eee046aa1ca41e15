"""Saved pages for the tests of `quotes cards` and `quotes graph`: three articles on two outlets,
a quote tweet, a post one article shows as deleted, and a post whose text is hostile markup.

- a.html (Alpha News): @McFaul's post 1, and @sarah's post 2 quoting post 1 by its link.
- b.html (no site name: its outlet is its host, bravo.example): post 2 again, and @colby's post 3.
- c.html (Alpha News): a placeholder for post 1 ("Tweet may have been deleted"), and @McFaul's post 4.
"""

from __future__ import annotations

import html
from pathlib import Path

ID_1, ID_2 = "1479527384433696769", "1479800000000000000"
ID_3, ID_4 = "1480000000000000001", "1480100000000000002"
HOSTILE_TEXT = '<script>alert(1)</script> "><img src=x onerror=alert(2)> & </article><b>bold</b>'


def status_url(handle: str, post_id: str) -> str:
    return f"https://twitter.com/{handle}/status/{post_id}"


def tweet(post_id: str, handle: str, name: str, day: str, words: str, link: str | None = None) -> str:
    linked = f' <a href="{link}">{html.escape(link)}</a>' if link else ""
    return (
        f'<blockquote class="twitter-tweet"><p lang="en">{html.escape(words)}{linked}</p>&mdash; '
        f'{html.escape(name)} (@{handle}) <a href="{status_url(handle, post_id)}">{day}</a></blockquote>'
    )


def deleted(handle: str, post_id: str) -> str:
    """A CMS's placeholder for a tweet that no longer loads (fixtures/tomb-mashable-style-placeholder)."""
    return (
        f'<blockquote class="twitter-tweet"><a class="text-gray-600" href="{status_url(handle, post_id)}">'
        "Tweet may have been deleted</a></blockquote>"
    )


def page(title: str, canonical: str, published: str, site: str | None, *posts: str) -> str:
    head = f'<title>{html.escape(title)}</title><link rel="canonical" href="{canonical}">'
    head += f'<meta property="article:published_time" content="{published}">'
    if site:
        head += f'<meta property="og:site_name" content="{html.escape(site)}">'
    return f"<html><head>{head}</head><body><p>Article text.</p>{''.join(posts)}</body></html>"


POST_1 = tweet(ID_1, "McFaul", "Michael McFaul", "January 7, 2022", "No deals in Geneva, said the ambassador")
POST_2 = tweet(
    ID_2, "sarah", "Sarah Jones", "January 8, 2022", "Talks in Geneva end", status_url("McFaul", ID_1)
)
POST_3 = tweet(ID_3, "colby", "Colby <i>D</i>", "January 9, 2022", HOSTILE_TEXT)
POST_4 = tweet(ID_4, "McFaul", "Michael McFaul", "January 10, 2022", "A second post on the talks")
ALPHA_TITLE = "Alpha: the Geneva talks"
BRAVO_TITLE = "Bravo <em>& co</em>: what was said"
CHARLIE_TITLE = "Charlie: a week on"


def write_pages(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "a.html": page(ALPHA_TITLE, "https://alpha.example/geneva", "2022-01-08T10:00:00Z", "Alpha News",
                       POST_1, POST_2),
        "b.html": page(BRAVO_TITLE, "https://www.bravo.example/said", "2022-01-10T10:00:00Z", None,
                       POST_2, POST_3),
        "c.html": page(CHARLIE_TITLE, "https://alpha.example/week", "2022-01-14T10:00:00Z", "Alpha News",
                       deleted("McFaul", ID_1), POST_4),
    }  # fmt: skip
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
