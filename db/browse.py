"""The archive as Datasette shows it (`quotes serve`): titles, descriptions, facets, canned queries.

Plain data about the schema (db.models), so it lives beside it: the metadata dict Datasette
takes (https://docs.datasette.io/en/0.65/metadata.html). Datasette has column descriptions, not
column renames: each description opens with the label a reader should know the column by. The
canned queries are SQLite SQL, as `quotes serve` serves SQLite archives only.
"""

from __future__ import annotations

from typing import Any

from collector.values import STATUSES

TITLE = "Quote Archiver"
DESCRIPTION = (
    "Social-media posts quoted in saved news articles, each stored once however many articles "
    "quote it: search the posts, facet them by platform, account, day and status, follow each to "
    "the articles that quoted it."
)
# Facets shown on each table's page (its columns; "site" is the articles' site_name).
POST_FACETS = ("platform", "handle", "date", "status")
ARTICLE_FACETS = ("site_name",)
APPEARANCE_FACETS = ("status",)
# Rows a canned query lists at most.
QUERY_LIMIT = 200

POST_COLUMNS = {
    "platform": "Platform: twitter, bluesky, mastodon, …",
    "post_id": "Post id: the platform's own id (empty for a post copied as text without its link)",
    "url": "Post URL",
    "author_name": "Name: the author's display name as shown",
    "handle": "Handle: the account, without @",
    "date": "Date: the day the page shows, else the UTC day of the id's time (see date_source)",
    "date_text": "Date as shown: the date exactly as the article printed it",
    "posted_at": "Posted at: the exact UTC time the platform's id encodes",
    "text": "Text of the post (shown as a card)",
    "links_json": "Links in the text (JSON list)",
    "lang": "Language the embed declares",
    "status": f"Status: the most severe tombstone an article showed ({', '.join(STATUSES)}); empty if none",
    "quoted_url": "Quoted post URL",
    "quoted_author_name": "Quoted post's author name",
    "quoted_handle": "Quoted post's handle",
    "quoted_text": "Quoted post's text",
    "media_json": "Media URLs (JSON list)",
    "first_seen_at": "First seen: when the archive first stored the post (UTC)",
    "date_source": "Date from: 'shown' (the page) or 'id' (the platform's id clock)",
    "key": "Key: the post id, or a content key for id-less posts",
    "content_key": "Content key: handle + day + text, matching text copies to embeds",
    "cjk_terms": "Search terms for Chinese, Japanese and Korean words (internal)",
    "author_id": "Author",
}
ARTICLE_COLUMNS = {
    "title": "Title of the article",
    "url": "Article URL: its canonical address, else where it was read from",
    "site_name": "Site: the outlet as the page names itself",
    "published": "Published: the time the page gives",
    "author": "Byline",
    "source": "Source: the path or URL given to `quotes ingest`",
    "sha256": "Page sha256: hash of the page's bytes as read",
    "archive_path": "Kept copy: where --archive-dir kept the fetched page",
    "ingested_at": "Ingested at (UTC)",
}
APPEARANCE_COLUMNS = {
    "article_id": "Article that quoted the post",
    "post_id": "Post quoted",
    "position": "Position: 0-based order of the embed in the page",
    "status": "Status: the tombstone this article showed in place of the post",
    "context_before": "Paragraph before the embed",
    "context_after": "Paragraph after the embed",
    "copy_json": "Copy differs: the fields in which this article's copy differs from the record (JSON)",
    "markup": "Markup: the embed as the page writes it (at most 64 KiB)",
    "byte_offset": "Byte offset of the markup in the page",
    "page_sha256": "Page sha256: the copy of the article the markup was read from",
}

# Counted on appearances alone (its (post_id, article_id) index covers it), then joined.
MOST_QUOTED = f"""
select posts.id, posts.platform, posts.handle, posts.date, posts.status, posts.text, top.articles
from (
    select post_id, count(distinct article_id) as articles from appearances
    group by post_id order by articles desc limit {QUERY_LIMIT}
) as top
join posts on posts.id = top.post_id
order by top.articles desc, posts.date desc
"""
BY_OUTLET = f"""
select articles.site_name as site, articles.title, articles.url as article_url,
       posts.id, posts.platform, posts.handle, posts.date, posts.text
from appearances
join articles on articles.id = appearances.article_id
join posts on posts.id = appearances.post_id
where articles.site_name like '%' || :outlet || '%' or articles.url like '%' || :outlet || '%'
order by articles.ingested_at desc, appearances.position
limit {QUERY_LIMIT}
"""
DELETED = f"""
select posts.id, posts.status, posts.platform, posts.handle, posts.date, posts.url,
       coalesce(posts.text, '') as text_kept,
       (select count(*) from appearances where appearances.post_id = posts.id) as articles
from posts
where posts.status is not null
order by posts.date desc
limit {QUERY_LIMIT}
"""
DIFFERING = f"""
select posts.id, posts.platform, posts.handle, posts.date, posts.text,
       articles.title, articles.url as article_url, appearances.copy_json as copy_differs
from appearances
join posts on posts.id = appearances.post_id
join articles on articles.id = appearances.article_id
where appearances.copy_json is not null
order by posts.id, articles.id
limit {QUERY_LIMIT}
"""
QUERIES = {
    "most_quoted_posts": ("Most-quoted posts", "Posts by how many articles quote them.", MOST_QUOTED),
    "posts_by_outlet": (
        "Posts by outlet",
        "The posts an outlet's articles quote: part of its site name or of its articles' URLs.",
        BY_OUTLET,
    ),
    "deleted_posts": (
        "Deleted and unavailable posts",
        "Posts an article showed as a tombstone (deleted, suspended, withheld, protected, "
        "unavailable), with the text the archive still holds from another copy.",
        DELETED,
    ),
    "posts_whose_copies_differ": (
        "Posts whose copies differ",
        "Appearances whose copy of the post differs from the archive's record (another text, "
        "name or date): the fields and the copy's values.",
        DIFFERING,
    ),
}


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for an archive served as database `database` (its file's stem)."""
    tables = {
        "posts": _table("Posts", "One row per post, however many articles quote it.", POST_COLUMNS,
                        POST_FACETS) | {"sort_desc": "date", "label_column": "post_id"},
        "articles": _table("Articles", "The pages ingested.", ARTICLE_COLUMNS, ARTICLE_FACETS)
        | {"label_column": "title"},
        "appearances": _table(
            "Quotations", "Where each post appears: one row per article and position.", APPEARANCE_COLUMNS,
            APPEARANCE_FACETS,
        ),
        "authors": {"title": "Authors", "label_column": "handle"},
        "alembic_version": {"hidden": True},
    }  # fmt: skip
    queries = {
        name: {"title": title, "description": description, "sql": sql.strip()}
        for name, (title, description, sql) in QUERIES.items()
    }
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "databases": {database: {"title": TITLE, "tables": tables, "queries": queries}},
    }


def _table(title: str, description: str, columns: dict[str, str], facets: tuple[str, ...]) -> dict[str, Any]:
    return {"title": title, "description": description, "columns": dict(columns), "facets": list(facets)}
