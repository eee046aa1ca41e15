"""Article metadata: what a page says about itself, read cheaply from its first part.

This runs on every page, so it parses only the <head> (one small selectolax parse) and scans a
bounded prefix of the page with regexes for what lives in the body (JSON-LD, <time>) and for the
comments browsers and SingleFile leave at the top of a saved copy.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.guards import check_nesting
from collector.values import ArticleMeta

# What the head's elements are read from: a parse of the head alone, or the page's <head>.
Head = LexborHTMLParser | LexborNode

# The head ends at </head>; a page without one gets this much parsed as its head.
HEAD_SCAN_CHARS = 400_000
HEAD_FALLBACK_CHARS = 64_000
HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
# JSON-LD and <time> may sit anywhere in the body; a date past this point is not the article's.
BODY_SCAN_CHARS = 600_000
# Saved-copy comments sit before or just after the doctype.
SAVED_COMMENT_CHARS = 4_096
# Chrome and IE "mark of the web": <!-- saved from url=(0042)https://example.com/… -->
SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)
# SingleFile's header comment: "Page saved with SingleFile \n url: https://… \n saved date: …"
SINGLEFILE_URL = re.compile(
    r"<!--[^>]*?saved with SingleFile.*?^\s*url:\s*(\S+)", re.IGNORECASE | re.DOTALL | re.M
)
# JSON-LD, also when escaped inside a script's string (Substack, Next.js state). These body-wide
# patterns start with a case-sensitive literal so the regex engine can skip ahead quickly: <time>
# is an HTML5 element, written in lower case in practice.
JSON_LD_TYPE = "application/ld+json"
JSON_LD_DATE = "datePublished"
TIME_TAG = "<time"
JSON_LD_PUBLISHED = re.compile(r'datePublished\\?"\s*:\s*\\?"([^"\\]{4,64})')
# A tag's attributes are read up to the next `<` as well as `>`: "<time" a hundred thousand times
# without a ">" made each search run to the end of the body (quadratic).
TIME_DATETIME = re.compile(r"<time\b[^<>]*?\bdatetime\s*=\s*[\"']?([^\"'>\s]{4,64})")
PUBLISHED_TIME_TAG = re.compile(r"<time\b[^<>]*?(?:itemprop\s*=\s*[\"']?datePublished|\bpubdate\b)[^<>]*>")
DATETIME_ATTR = re.compile(r"\bdatetime\s*=\s*[\"']?([^\"'>\s]{4,64})", re.IGNORECASE)

# Reusing the page's tree for the head (`_reused_head`): the tags metadata reads, as the
# tokenizer starts them, and the checks around the cut at </head> (HTML's whitespace is ASCII).
HEAD_READ_SELECTOR = "meta, link, title"
HEAD_READ_TAG = re.compile(r"<(/?)(meta|link|title)[\t\n\f\r />]", re.IGNORECASE | re.ASCII)
CLOSED_TAG_THEN_SPACE = re.compile(r"<[^<>]*>[\t\n\f\r ]*")
BODY_OPEN = re.compile(r"<body[\t\n\f\r />]", re.IGNORECASE | re.ASCII)

CANONICAL_SELECTOR = "link[rel]"
# <meta> keys, best first, whichever of property/name/itemprop names them. Cleaned copies of pages
# (Mercury/Postlight fixtures) turn property= into name= and content= into value=.
META_KEY_ATTRS = ("property", "name", "itemprop")
META_VALUE_ATTRS = ("content", "value")
TITLE_KEYS = ("og:title", "twitter:title")
URL_KEYS = ("og:url", "twitter:url")
SITE_KEYS = ("og:site_name", "application-name")
PUBLISHED_KEYS = (
    "article:published_time",
    "datepublished",
    "og:published_time",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
)
# The byline: <meta name="author"> (and its Dublin Core and Parse.ly spellings), Open Graph's
# article:author when it is a name rather than a profile URL, JSON-LD's author name.
AUTHOR_KEYS = ("article:author", "author", "dc.creator", "parsely-author", "sailthru.author", "byl")
READ_KEYS = frozenset((*TITLE_KEYS, *URL_KEYS, *SITE_KEYS, *PUBLISHED_KEYS, *AUTHOR_KEYS))
# JSON-LD's "author": {"@type": "Person", "name": "…"} (or a list of them), and "publisher"'s name.
JSON_LD_AUTHOR = re.compile(r'"author\\?"\s*:\s*\[?\s*\{[^{}]{0,400}?"name\\?"\s*:\s*\\?"([^"\\]{1,200})')
JSON_LD_PUBLISHER = re.compile(r'"publisher\\?"\s*:\s*\{[^{}]{0,400}?"name\\?"\s*:\s*\\?"([^"\\]{1,200})')
MAX_AUTHOR_CHARS = 300
# "By Jane Doe" as bylines write it.
BYLINE_PREFIX = re.compile(r"^(?:by|von|par|por|di|door)\s+", re.IGNORECASE)
MAX_TITLE_CHARS = 500

# Plain-text copies: a URL line near the top ("URL: …", "Source: …", or the URL alone).
TEXT_HEADER_LINES = 12
TEXT_URL_LINE = re.compile(
    r"^(?:(?:url|source|quelle|fuente|saved from|link)\s*:\s*)?<?(https?://\S+?)>?$", re.IGNORECASE
)


def extract_metadata(
    page: str, *, tree: LexborHTMLParser | None = None, utf8: bytes | None = None
) -> ArticleMeta:
    """Title, canonical URL, site name, published date and saved-from URL of an HTML page.

    `tree`: the whole page already parsed (the posts' parse). Its `<head>` is read when it is
    certain to hold exactly what a parse of the head alone would (see `_reused_head`); otherwise
    the head is parsed on its own, as without `tree`. `utf8`: the page's UTF-8 bytes, when at
    hand: the body-wide searches first ask them whether their literal occurs at all (a byte
    search runs several times faster than one in text beyond Latin-1, and most pages lack some).
    """
    body = _Body(page, utf8)
    saved_from = _saved_from(page[:SAVED_COMMENT_CHARS])
    head_tree = _head_tree(page, tree)
    metas = _meta_values(head_tree)
    page_url = _first(metas, URL_KEYS)
    base = page_url or saved_from
    site_name, author = _first(metas, SITE_KEYS), _meta_author(metas)
    json_ld = _json_ld_at(body, needed=site_name is None or author is None)
    return ArticleMeta(
        title=_title(head_tree, metas),
        canonical_url=_absolute(_canonical_href(head_tree), base) or _absolute(page_url, saved_from),
        site_name=site_name or _json_ld(JSON_LD_PUBLISHER, page, json_ld),
        published=_published(metas, body),
        saved_from=saved_from,
        author=author or _byline(_json_ld(JSON_LD_AUTHOR, page, json_ld)),
    )


def _meta_author(metas: dict[str, str]) -> str | None:
    """The byline a <meta> gives (a name, not a profile URL)."""
    for key in AUTHOR_KEYS:
        value = metas.get(key)
        if value and "://" not in value:
            return _byline(value)
    return None


class _Body:
    """The page's text for the body-wide searches, and its UTF-8 bytes to rule literals out."""

    def __init__(self, page: str, utf8: bytes | None) -> None:
        self.page, self.utf8 = page, utf8

    def lacks(self, literal: str) -> bool:
        """True when the page certainly holds no `literal` (ASCII): its bytes lack it. A literal
        the bytes hold may still lie past the scan's bound, which the text search then checks."""
        return self.utf8 is not None and literal.encode() not in self.utf8


def _json_ld_at(body: _Body, needed: bool) -> int:
    """Where the page's JSON-LD starts (-1: none, or not needed)."""
    if not needed or body.lacks(JSON_LD_TYPE):
        return -1
    return body.page.find(JSON_LD_TYPE, 0, BODY_SCAN_CHARS)


def _json_ld(pattern: re.Pattern[str], page: str, at: int) -> str | None:
    if at < 0:
        return None
    match = pattern.search(page, at, BODY_SCAN_CHARS)
    return _clean(match.group(1)) if match else None


def _byline(value: str | None) -> str | None:
    name = BYLINE_PREFIX.sub("", value.strip())[:MAX_AUTHOR_CHARS] if value else None
    return name or None


def text_metadata(text: str) -> ArticleMeta:
    """A plain-text copy: its first non-empty line is the title; a URL line near the top, its source."""
    lines = [line.strip() for line in text[:HEAD_FALLBACK_CHARS].splitlines() if line.strip()]
    title = next((line for line in lines if not TEXT_URL_LINE.match(line)), None)
    url = next(
        (match.group(1) for line in lines[:TEXT_HEADER_LINES] if (match := TEXT_URL_LINE.match(line))), None
    )
    return ArticleMeta(title=title[:MAX_TITLE_CHARS] if title else None, saved_from=url)


def _head_tree(page: str, tree: LexborHTMLParser | None) -> Head:
    """What the head's <meta>, <link> and <title> are read from: the page's own tree's <head>
    when it holds what the head parsed alone would, else a parse of the head alone."""
    end = _head_end(page)
    if tree is not None and end is not None and (reused := _reused_head(page, end, tree)) is not None:
        return reused
    head = _head(page, end)
    check_nesting(head)  # the head alone may be 400,000 characters of nested elements
    return LexborHTMLParser(head)


def _head_end(page: str) -> re.Match[str] | None:
    return HEAD_END.search(page, 0, HEAD_SCAN_CHARS)


def _head(page: str, end: re.Match[str] | None = None) -> str:
    """The page up to its first </head> within HEAD_SCAN_CHARS (`end`, when already found), else
    its first HEAD_FALLBACK_CHARS."""
    end = end or _head_end(page)
    return page[: end.end()] if end else page[:HEAD_FALLBACK_CHARS]


def _reused_head(page: str, end: re.Match[str], tree: LexborHTMLParser) -> LexborNode | None:
    """The whole page's <head>, when its <meta>, <link> and <title> elements are exactly those a
    parse of `page[:end]` (the head alone) finds, with the same attributes and text; else None.

    Parsing is streaming: the same prefix gives the same elements, except for what the cut at
    `</head>` leaves unfinished. So the reuse is refused when the cut may leave a read element
    unfinished (inside a tag, or inside an open <title>), when an element could reach the head
    from past the cut (anything but `<body` comes next), and unless every `<meta`, `<link` and
    `<title` written before the cut is one of the head's elements of those names (none in a
    comment or script, none moved to the body by stray body markup): docs/design-perf.md.
    """
    head = tree.head
    if head is None:
        return None
    before = page.rfind("<", 0, end.start())
    if before >= 0 and not CLOSED_TAG_THEN_SPACE.fullmatch(page, before, end.start()):
        return None
    after = page.find("<", end.end())
    if after < 0 or not BODY_OPEN.match(page, after):
        return None
    tags = HEAD_READ_TAG.findall(page, 0, end.start())  # (closing "/" or "", name), one pass
    titles = [closing for closing, name in tags if name.lower() == "title"]
    if titles and not titles[-1]:  # the last title tag before the cut opens one
        return None
    written = sum(1 for closing, _ in tags if not closing)
    return head if len(head.css(HEAD_READ_SELECTOR)) == written else None


def _saved_from(top: str) -> str | None:
    match = SAVED_FROM.search(top) or SINGLEFILE_URL.search(top)
    return _absolute(match.group(1), None) if match else None


def _title(tree: Head, metas: dict[str, str]) -> str | None:
    """og:title first: it is the headline without the " | Site name" most <title>s carry."""
    title = _first(metas, TITLE_KEYS)
    if title is None:
        node = tree.css_first("title")
        title = _clean(node.text()) if node is not None else None
    return title[:MAX_TITLE_CHARS] if title else None


def _canonical_href(tree: Head) -> str | None:
    for node in tree.css(CANONICAL_SELECTOR):
        rel = (node.attributes.get("rel") or "").lower().split()
        if "canonical" in rel:
            return _clean(node.attributes.get("href"))
    return None


def _meta_values(tree: Head) -> dict[str, str]:
    """Each <meta> key read here (lowercased) with its first non-empty value.

    A page has ~30 <meta>s, most of them keys nobody reads (viewport, twitter:card...): their
    values are not cleaned.
    """
    values: dict[str, str] = {}
    for node in tree.css("meta"):
        attributes = node.attributes
        keys = _read_keys(attributes)
        if not keys:
            continue
        value = _clean(next((attributes[a] for a in META_VALUE_ATTRS if attributes.get(a)), None))
        if value is None:
            continue
        for key in keys:
            values.setdefault(key, value)
    return values


def _read_keys(attributes: dict[str, str | None]) -> list[str]:
    """The keys read here that a <meta> names (a plain loop: it runs for every <meta> of every
    page, and a generator per <meta> cost a quarter of the metadata's time)."""
    keys = []
    for attribute in META_KEY_ATTRS:
        key = attributes.get(attribute)
        if key and (key := key.strip().lower()) in READ_KEYS:
            keys.append(key)
    return keys


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((metas[key] for key in keys if key in metas), None)


def _published(metas: dict[str, str], body: _Body) -> str | None:
    """The head's article:published_time, else JSON-LD datePublished, else a <time datetime>."""
    value = _first(metas, PUBLISHED_KEYS)
    if value is None:
        value = _body_date(body.page[:BODY_SCAN_CHARS], body)
    return _iso_date(value) if value else None


def _body_date(text: str, body: _Body | None = None) -> str | None:
    """The first JSON-LD datePublished in `text`, else its published <time>'s, else any <time>'s."""
    gates = body or _Body(text, None)
    # str.find skips to the pattern's leading literal twice as fast as the regex engine does.
    at = -1 if gates.lacks(JSON_LD_DATE) else text.find(JSON_LD_DATE)
    match = JSON_LD_PUBLISHED.search(text, at) if at >= 0 else None
    if match is None and not gates.lacks(TIME_TAG):  # both <time> patterns start with it
        tagged = PUBLISHED_TIME_TAG.search(text)
        match = DATETIME_ATTR.search(tagged.group(0)) if tagged else TIME_DATETIME.search(text)
    return match.group(1) if match else None


def _iso_date(value: str) -> str | None:
    """ISO 8601 when the value parses as a date; the raw value when it merely looks like one."""
    text = value.strip()
    try:
        if len(text) <= len("2020-01-31"):
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL, resolving a relative one against the page's own address."""
    if not url:
        return None
    joined = urljoin(base, url) if base else url
    parts = urlsplit(joined)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return joined


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


# Markdown clips: YAML front matter as clippers write it (Obsidian Web Clipper: title, source,
# author, published, created; MarkDownload: title, source, author, created), read as flat
# `key: value` lines (no YAML library: four keys, and a hostile file cannot make it slow).
FRONT_MATTER_CHARS = 65_536
FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL
)
FRONT_MATTER_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w-]*)[ \t]*:(?P<value>.*)$", re.MULTILINE)
FRONT_URL_KEYS = ("source", "url", "link", "canonical_url", "original_url")
FRONT_TITLE_KEYS = ("title",)
FRONT_DATE_KEYS = ("published", "date", "date_published", "pubdate")
FRONT_SITE_KEYS = ("site", "site_name", "publisher")
FRONT_AUTHOR_KEYS = ("author", "byline", "creator")
# Obsidian Web Clipper writes the author as a YAML list: `author:` then `  - "[[Jane Doe]]"`.
FRONT_AUTHOR_ITEM = re.compile(
    r"^(?:author|byline|creator)[ \t]*:[ \t]*\r?\n[ \t]+-[ \t]+(?P<value>.+)$", re.M
)
MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t#]*$")


def markdown_metadata(text: str) -> tuple[ArticleMeta, str]:
    """A Markdown clip's metadata and its body without the front matter.

    The front matter's source URL is the article's canonical URL, so a clip and the HTML page of
    the same article are one article. Without front matter the title is the first heading.
    """
    match = FRONT_MATTER.match(text[:FRONT_MATTER_CHARS])
    fields = _front_fields(match["body"]) if match else {}
    body = text[match.end() :] if match else text
    title = _first(fields, FRONT_TITLE_KEYS) or _first_heading(body)
    date = _first(fields, FRONT_DATE_KEYS)
    plain = text_metadata(body) if title is None else ArticleMeta()
    return (
        ArticleMeta(
            title=(title or plain.title or "")[:MAX_TITLE_CHARS] or None,
            canonical_url=_absolute(_first(fields, FRONT_URL_KEYS), None),
            site_name=_first(fields, FRONT_SITE_KEYS),
            published=_iso_date(date) if date else None,
            saved_from=plain.saved_from,
            author=_front_author(fields, match["body"] if match else ""),
        ),
        body,
    )


def _front_author(fields: dict[str, str], body: str) -> str | None:
    """Clippers write the author as a name, a YAML list item or an Obsidian link: [[Jane Doe]]."""
    value = _first(fields, FRONT_AUTHOR_KEYS)
    if value is None:
        item = FRONT_AUTHOR_ITEM.search(body)
        value = item["value"] if item else None
    if value is None:
        return None
    value = value.strip("[]- \"'")
    return _byline(value) if value else None


def _front_fields(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in FRONT_MATTER_FIELD.finditer(body):
        value = match["value"].strip().strip("\"'").strip()
        if value:
            fields.setdefault(match["key"].lower(), value)
    return fields


def _first_heading(body: str) -> str | None:
    for line in body[:HEAD_FALLBACK_CHARS].splitlines():
        if line.strip():
            heading = MARKDOWN_HEADING.match(line.strip())
            return _clean(heading["title"]) if heading else None
    return None
