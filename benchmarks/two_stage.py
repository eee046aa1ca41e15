"""Two-stage extraction, an experiment measured and not adopted (docs/design-perf.md): find the
candidate embeds with string scans, then parse only those elements with lexbor instead of the
whole page.

`locate_fragments(html)` returns the outer HTML of each outermost candidate element in document
order, or None when the page must take the full-parse path (`collector.extract.extract_posts`).
`extract_located(html)` runs extraction's own per-tree logic over those fragments; whenever it
returns a list, that list equals `extract_posts(html)` exactly. The promise rests on these
checks, each of which sends the page to the full parse when it fails:

- Region discovery. A candidate is an element the combined selector matches. Tag-named forms are
  found by one scan over the lowered page; the forms a selector matches on any tag (`.fb-post`,
  `.fb-video`, `[data-content]`) or on `div` (`.tweet`, ...) by `find` of their class or attribute
  name. A class or URL written with character references (`twitter&#45;tweet`) would hide from
  these scans, so any reference that decodes to a letter, digit or `-./_` sends the page back.
- Tokenizing. Every tag is taken to end at its first `>`, and `<` to start a token only outside
  raw text (script, style, title, textarea, xmp, iframe, noembed, noframes), comments and bogus
  comments. That holds when no tag holds a `<` and no quoted value a `>`: checked between the
  raw-text runs. A script whose `<!--` may open the double-escaped state goes back too.
- Context. lexbor builds each candidate's subtree the same way in the page and alone when the
  candidate starts in body context (not inside a table, select, svg, math, object, noscript or
  frameset: those "units" are tokenized strictly and must hold no candidate), no formatting
  element (a, b, em, font, ...) is still open or pending reconstruction (a running count of their
  start and end tags must be zero before any candidate but an iframe or textarea, whose content
  is text), and the quirks mode is the same (the page's doctype is put before each fragment:
  lexbor matches classes case-insensitively in quirks mode).
- The candidate itself. Its tags must nest strictly (no implied end tags, no end tag of an
  outside element, no table, form, button or select; ruby parts only right under a ruby), so
  that its end is where a stack of its own tags says and nothing inside reaches the open
  elements above it. A candidate whose tag does not close an open `<p>` (span, iframe, amp-*,
  twitter-widget) may hold no element that would; a `div` no list item (their end-tag search
  walks past a div).
- Detectors that look outside their node. Twitter's rendered widgets (iframe, twitter-widget)
  look for their original blockquote among neighbours: on a page with tweet blockquotes, the
  widget's tweet id must occur nowhere but in the widget tags themselves (a twin's date link
  would hold it), else the page goes back (checked in `extract_located`, after the parse).
  Facebook's ancestor test needs no check: an ancestor with `fb-post`/`fb-video` is itself a
  candidate, so the node is inside its region.

The page must be a str (bytes go back), start without a byte-order mark, not be an XML feed, and
the combined selector must be the one this module was written against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from collector.extract import page as extract
from collector.extract.platforms import twitter
from collector.values import Post

# The combined selector whose forms the scans below find. If extraction's selector changes,
# every page takes the full parse until this module learns the new forms (a test says so).
KNOWN_SELECTOR = (
    "blockquote:is(.twitter-tweet, .twitter-video, .bluesky-embed, .mastodon-embed, .text-post-media, "
    ".instagram-media, .fb-xfbml-parse-ignore, .tiktok-embed, .reddit-embed-bq, .reddit-card), "
    "div:is(.twitter-tweet, .tweet, .twitter-embed), "
    "iframe:is([data-tweet-id], [id^='twitter-widget-'], [data-bluesky-id], "
    '[src*="embed.bsky.app/embed/"], .mastodon-embed, .instagram-media, [src*="instagram.com/p/"], '
    '[src*="instagram.com/reel/"], [src*="instagram.com/tv/"], [data-src*="instagram.com/p/"], '
    '[data-src*="instagram.com/reel/"], [data-src*="instagram.com/tv/"], [src*="/plugins/post.php"], '
    '[src*="/plugins/video.php"], [data-src*="/plugins/post.php"], [data-src*="/plugins/video.php"], '
    '[src*="linkedin.com/embed/feed/update/"], [data-src*="linkedin.com/embed/feed/update/"]), '
    "twitter-widget, amp-twitter, bento-twitter, "
    "figure:is(.wp-block-embed-twitter, [embedded-service='twitter'], .wp-block-embed-instagram, "
    ".wp-block-embed-facebook, .wp-block-embed-tiktok, .wp-block-embed-reddit), "
    "amp-instagram, .fb-post, .fb-video, amp-facebook, amp-tiktok, amp-reddit, textarea, template, "
    "[data-content]"
)

# Lowercase substrings of a start tag that may make it match the selector (a superset: lexbor
# decides membership on the parsed fragment). Classes match case-insensitively in quirks mode,
# so the scans run over a lowered copy of the page.
_UNIVERSAL = (b"fb-post", b"fb-video")
_TAG_NEEDLES: dict[bytes, tuple[bytes, ...]] = {
    b"blockquote": (
        b"twitter-tweet", b"twitter-video", b"bluesky-embed", b"mastodon-embed", b"text-post-media",
        b"instagram-media", b"fb-xfbml-parse-ignore", b"tiktok-embed", b"reddit-embed-bq", b"reddit-card",
        *_UNIVERSAL,
    ),
    b"div": (b"tweet", b"twitter-embed", *_UNIVERSAL),
    b"iframe": (
        b"data-tweet-id", b"twitter-widget-", b"data-bluesky-id", b"embed.bsky.app/embed/",
        b"mastodon-embed", b"instagram-media", b"instagram.com/", b"/plugins/post.php",
        b"/plugins/video.php", b"linkedin.com/embed/feed/update/", *_UNIVERSAL,
    ),
    b"figure": (b"wp-block-embed-", b"embedded-service", *_UNIVERSAL),
}  # fmt: skip
# Elements that are candidates whatever their attributes.
_ALWAYS = frozenset(
    {
        b"twitter-widget", b"amp-twitter", b"bento-twitter", b"amp-instagram", b"amp-facebook",
        b"amp-tiktok", b"amp-reddit", b"textarea", b"template",
    }
)  # fmt: skip
# Found with `find` over the whole page: (needle, tag it must sit in, or None for any tag).
_FOUND_BY_NEEDLE: tuple[tuple[bytes, bytes | None], ...] = (
    (b"fb-", None),
    (b"data-content", None),
    (b"tweet", b"div"),
    (b"twitter-embed", b"div"),
)
_DATA_CONTENT_ATTR = re.compile(rb"[\t\n\f\r /\"']data-content[\t\n\f\r />=]")
_SPACE = b"\t\n\f\r "
_LEADING_SPACE = re.compile(rb"[\t\n\f\r ]*")
_FORMATTING = frozenset(
    {b"a", b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike", b"strong",
     b"tt", b"u"}
)  # fmt: skip
_RAW_TEXT = frozenset(
    {b"script", b"style", b"textarea", b"title", b"xmp", b"iframe", b"noembed", b"noframes"}
)
_UNITS = frozenset({b"noscript", b"svg", b"math", b"table", b"select", b"object", b"applet", b"marquee"})
_FOREIGN = frozenset({b"svg", b"math"})
# The page-level scan stops at these tags and no others (besides the needles' tags).
# (Formatting tags are counted per run of markup with findall: far fewer Python steps.)
_TOKEN = re.compile(
    rb"<(?:(!)|(\?)|(/)(?![a-z])|("
    + b"|".join(sorted(_RAW_TEXT | _UNITS | _ALWAYS | set(_TAG_NEEDLES) - {b"div"},
                       key=lambda name: -len(bytes(name))))
    + rb"|plaintext|frameset)(?=[\t\n\f\r />]))"
)  # fmt: skip
_FORMATTING_TAG = re.compile(
    rb"<(/?)(" + b"|".join(sorted(_FORMATTING, key=lambda name: -len(bytes(name)))) + rb")(?=[\t\n\f\r />])"
)
_COMMENT_CLOSE = re.compile(rb"--!?>")
_ANY_TAG = re.compile(rb"<(?:(!)|(\?)|(/)(?![a-z])|(/?)([a-z][^\t\n\f\r />]*))")
_TAG_NAME = re.compile(rb"[a-z][^\t\n\f\r />]*")
# A tag holding "<" (in a name or value): tags would not end at their first ">".
_LT_IN_TAG = re.compile(rb"<[a-z/][^<>]*<")
# Maybe a quoted attribute value holding ">" (or text that looks like one): checked tag by tag.
_QUOTED_GT = re.compile(rb"=[\t\n\f\r ]*(?:\"[^\"]*|'[^']*)>")
# A whole start or end tag as the tokenizer reads it (quoted values may hold ">").
_WHOLE_TAG = re.compile(
    rb"</?[a-z][^\t\n\f\r />]*"
    rb"(?>[\t\n\f\r /]+|[^\t\n\f\r />][^\t\n\f\r />=]*"
    rb"(?>[\t\n\f\r ]*=[\t\n\f\r ]*(?>\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]+))?)*>"
)
_TAG_START = re.compile(rb"</?[a-z]")
# Character references that decode to a letter, digit or one of "-./_:" (selector needles' characters).
_HIDING_REFERENCE = re.compile(
    rb"&#(?:x0*(?:2[d-f]|3[0-9a]|4[1-9a-f]|5[0-9af]|6[1-9a-f]|7[0-9a])(?![0-9a-f])"
    rb"|0*(?:4[5-9]|5[0-8]|6[5-9]|[78][0-9]|9[05-9]|1[01][0-9]|12[0-2])(?![0-9]))"
    rb"|&(?:period|sol|colon|lowbar|underbar);"
)

_VOID = frozenset(
    {b"area", b"base", b"basefont", b"bgsound", b"br", b"col", b"embed", b"hr", b"img", b"input",
     b"keygen", b"link", b"meta", b"param", b"source", b"track", b"wbr", b"image"}
)  # fmt: skip
# Start tags that close an open <p> (HTML's "close a p element" list).
_CLOSES_P = frozenset(
    {b"address", b"article", b"aside", b"blockquote", b"center", b"details", b"dialog", b"dir", b"div",
     b"dl", b"fieldset", b"figcaption", b"figure", b"footer", b"header", b"hgroup", b"main", b"menu",
     b"nav", b"ol", b"p", b"search", b"section", b"summary", b"ul", b"h1", b"h2", b"h3", b"h4", b"h5",
     b"h6", b"pre", b"listing", b"form", b"li", b"dd", b"dt", b"plaintext", b"table", b"hr", b"xmp"}
)  # fmt: skip
_HEADINGS = frozenset({b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"})
_LIST_ITEMS = frozenset({b"li", b"dd", b"dt"})
_RUBY_PARTS = frozenset({b"rb", b"rp", b"rt", b"rtc"})
# Inside a candidate: tags whose handling depends on open elements or implies end tags.
_NEVER_INSIDE = frozenset(
    {b"table", b"caption", b"colgroup", b"col", b"tbody", b"thead", b"tfoot", b"tr", b"td", b"th",
     b"select", b"option", b"optgroup", b"form", b"button", b"nobr", b"frameset", b"frame", b"html",
     b"head", b"body", b"plaintext", b"isindex", b"applet", b"object", b"marquee"}
)  # fmt: skip
# Tags that break out of svg/math content back to HTML.
_BREAKOUT = frozenset(
    {b"b", b"big", b"blockquote", b"body", b"br", b"center", b"code", b"dd", b"div", b"dl", b"dt",
     b"em", b"embed", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"head", b"hr", b"i", b"img", b"li",
     b"listing", b"menu", b"meta", b"nobr", b"ol", b"p", b"pre", b"ruby", b"s", b"small", b"span",
     b"strong", b"strike", b"sub", b"sup", b"table", b"tt", b"u", b"ul", b"var", b"font"}
)  # fmt: skip
# Candidate elements that close an open <p> and stop a list item's end-tag search.
_BLOCK_ROOTS = frozenset(
    {b"blockquote", b"figure", b"section", b"article", b"aside", b"header", b"footer", b"nav", b"main",
     b"template"}
)  # fmt: skip
_DIV_ROOT = b"div"
_PHRASING_ROOTS = frozenset(
    {b"span", b"iframe", b"textarea", b"twitter-widget", b"amp-twitter", b"bento-twitter",
     b"amp-instagram", b"amp-facebook", b"amp-tiktok", b"amp-reddit"}
)  # fmt: skip
# A rendered Twitter widget: twitter-widget, or an iframe with a tweet id or widget address.
_WIDGET_SELECTOR = "iframe, twitter-widget"
_WIDGET_TAG = re.compile(r"<(?:iframe|twitter-widget)\b[^>]*>", re.IGNORECASE)
_WIDGET_IFRAME_MARKS = (b"data-tweet-id", b"platform.twitter.com", b"platform.x.com")
_TWEET_CLASSES = (b"twitter-tweet", b"twitter-video")
_DOCTYPE = b"<!doctype"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Located:
    """The candidate regions of one page: the page's doctype (to keep its quirks mode) and each
    outermost candidate element's outer HTML, in document order."""

    doctype: str
    fragments: tuple[str, ...]
    # A rendered Twitter widget sits in a fragment of a page that has tweet blockquotes: its
    # detector looks for the original blockquote among its neighbours (see extract_located).
    widget_check: bool = False


class _Back(Exception):
    """The page takes the full parse."""


def locate_fragments(html: str | bytes) -> list[str] | None:
    """Each outermost candidate element's outer HTML in document order; None: parse the page."""
    located = locate(html)
    return None if located is None else list(located.fragments)


def locate(html: str | bytes) -> Located | None:
    """The page's candidate regions, or None when only the full parse is certain to be exact."""
    result = locate_or_reason(html)
    return result if isinstance(result, Located) else None


def locate_or_reason(html: str | bytes) -> Located | str:
    """The page's candidate regions, or why the page must take the full parse (for benchmarks)."""
    if not isinstance(html, str):
        return "bytes input"
    if extract._COMBINED_SELECTOR != KNOWN_SELECTOR:
        return "extraction's selector changed"
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: whatever lexbor makes of them, not ours to guess
        return "unencodable text"
    if not extract.has_markers(data):
        return Located("", ())
    if extract._is_xml(html):
        return "XML feed"
    if data.startswith(_BOM):
        return "byte-order mark"
    low = data.lower()
    if _HIDING_REFERENCE.search(low):
        return "character reference that may hide a class or URL"
    try:
        return _Scan(data, low).run()
    except _Back as back:
        return str(back)


def extract_located(html: str | bytes) -> list[Post] | None:
    """`extract_posts(html)` from the candidate fragments alone; None when the page must be parsed."""
    located = locate(html)
    if located is None:
        return None
    found: list[tuple[Post, bool]] = []
    for fragment in located.fragments:
        tree = LexborHTMLParser(located.doctype + fragment)
        if located.widget_check and not _widgets_alone(tree, fragment, str(html)):
            return None
        found.extend(extract._find_all(tree, depth=0))
    live = {extract._post_key(post) for post, held_back in found if not held_back}
    return [post for post, held_back in found if not held_back or extract._post_key(post) not in live]


def _widgets_alone(tree: LexborHTMLParser, fragment: str, html: str) -> bool:
    """True when no rendered Twitter widget in the fragment can have its original blockquote
    anywhere in the page: its tweet id occurs nowhere but in the widget tags themselves (a twin's
    date link would hold it; references that hide digits already sent the page back)."""
    root = tree.root
    if root is None:
        return True
    for node in root.css(_WIDGET_SELECTOR):
        tweet_id = twitter._widget_id(node)
        if tweet_id is None:
            continue
        own = sum(tag.count(tweet_id) for tag in _WIDGET_TAG.findall(fragment))
        if html.count(tweet_id) != own:
            return False
    return True


def extract_posts_two_stage(html: str | bytes) -> list[Post]:
    """Every embedded post: from the located fragments when that is exact, else the full parse."""
    posts = extract_located(html)
    return extract.extract_posts(html) if posts is None else posts


class _Scan:
    """One left-to-right pass over a page's lowered bytes (raises _Back on anything uncertain)."""

    def __init__(self, data: bytes, low: bytes) -> None:
        self.data = data
        self.low = low
        self.regions: list[tuple[int, int]] = []
        self.open_formatting: dict[bytes, int] = {}
        self.tweet_classes: bool | None = None
        self.widget_check = False

    def run(self) -> Located:
        low = self.low
        start = _past_comments(low, 0)
        doctype = ""
        if low.startswith(_DOCTYPE, start):
            end = low.find(b">", start)
            if end < 0:
                raise _Back("unterminated doctype")
            doctype = self.data[start : end + 1].decode("utf-8")
            start = end + 1
        roots = self._needle_roots()
        self._walk(start, roots)
        fragments = tuple(self.data[a:b].decode("utf-8") for a, b in self.regions)
        return Located(doctype, fragments, self.widget_check)

    def _needle_roots(self) -> list[int]:
        """Start positions of tags that a class or attribute found by `find` may make candidates."""
        low = self.low
        found: set[int] = set()
        for needle, tag in _FOUND_BY_NEEDLE:
            hit = low.find(needle)
            while hit >= 0:
                opening = low.rfind(b"<", 0, hit)
                if opening >= 0 and low.rfind(b">", opening, hit) < 0 and self._is_root(opening, tag):
                    found.add(opening)
                hit = low.find(needle, hit + len(needle))
        return sorted(found)

    def _is_root(self, opening: int, tag: bytes | None) -> bool:
        name = _TAG_NAME.match(self.low, opening + 1)
        if name is None or (tag is not None and name.group() != tag):
            return False
        text = self.low[opening : self.low.find(b">", opening) + 1 or len(self.low)]
        return _may_be_candidate(name.group(), text)

    def _walk(self, pos: int, roots: list[int]) -> None:
        low = self.low
        size = len(low)
        segment = pos  # start of the run of markup since the last raw text or comment
        counted = pos  # formatting tags are counted up to here
        index = 0
        while pos < size:
            while index < len(roots) and roots[index] < pos:
                index += 1
            token = _TOKEN.search(low, pos)
            root = roots[index] if index < len(roots) else -1
            if root >= 0 and (token is None or root <= token.start()):
                self._count_formatting(counted, root)
                pos = counted = self._region(root)
                continue
            if token is None:
                break
            at = token.start()
            bang, question, bogus_close, name = token.groups()
            if name in _TAG_NEEDLES and name not in _RAW_TEXT and not self._is_root(at, name):
                pos = token.end()  # a blockquote or figure of the page's own
                continue
            self._count_formatting(counted, at)
            if bang or question or bogus_close:
                self._check_tags(segment, at + 1)
                pos = segment = self._skip_markup_declaration(at)
            elif name == b"plaintext" or name == b"frameset":
                raise _Back("plaintext or frameset")
            elif name in _ALWAYS or (name in _TAG_NEEDLES and self._is_root(at, name)):
                pos = self._region(at)
            elif name in _RAW_TEXT:
                raw = _raw_text(low, at, name)
                if raw is None:
                    raise _Back("script escape")
                open_end, close_start, pos = raw
                self._check_tags(segment, open_end)  # the raw element's own tags are markup
                self._check_tags(close_start, pos)
                segment = pos
            else:
                end = _element_end(low, at, name, _UNIT_RULES)
                if end is None:
                    raise _Back("candidate or loose tags in a table, svg, noscript, ...")
                pos = end
            counted = pos
        self._check_tags(segment, size)

    def _count_formatting(self, start: int, end: int) -> None:
        """Follow the formatting elements (a, b, em, ...) the page leaves open between start and end."""
        counts = self.open_formatting
        for slash, name in _FORMATTING_TAG.findall(self.low, start, end):
            if slash:
                if counts.get(name):
                    counts[name] -= 1
            else:
                # A new <a> closes the one left open (adoption agency): never more than one.
                counts[name] = 1 if name == b"a" else counts.get(name, 0) + 1

    def _region(self, at: int) -> int:
        low = self.low
        name = _TAG_NAME.match(low, at + 1)
        tag = name.group() if name is not None else b""
        if tag not in _RAW_TEXT and any(self.open_formatting.values()):
            raise _Back("open formatting element before a candidate")
        if tag in _BLOCK_ROOTS:
            rules = _BLOCK_RULES
        elif tag == _DIV_ROOT:
            rules = _DIV_RULES
        elif tag in _PHRASING_ROOTS:
            rules = _PHRASING_RULES
        else:
            raise _Back("candidate on an unsupported tag")
        end = _element_end(low, at, tag, rules)
        if end is None:
            raise _Back("candidate does not nest strictly")
        if _has_tweet_widget(low, at, end) and self._has_tweet_classes():
            self.widget_check = True
        self.regions.append((at, end))
        return end

    def _has_tweet_classes(self) -> bool:
        if self.tweet_classes is None:
            self.tweet_classes = any(name in self.low for name in _TWEET_CLASSES)
        return self.tweet_classes

    def _skip_markup_declaration(self, at: int) -> int:
        """Past a comment, doctype, CDATA or bogus comment starting at `at`."""
        low = self.low
        if low.startswith(b"<!--", at):
            return _comment_end(low, at)
        if low.startswith(_DOCTYPE, at):
            raise _Back("doctype after the start")
        if low.startswith(b"</>", at):
            return at + 3
        end = low.find(b">", at)
        return len(low) if end < 0 else end + 1

    def _check_tags(self, start: int, end: int) -> None:
        """Every tag between start and end ends at its first ">" and holds no "<"."""
        low = self.low
        if start >= end:
            return
        if _LT_IN_TAG.search(low, start, end):
            raise _Back("tag holding <")
        hit = _QUOTED_GT.search(low, start, end)
        while hit is not None:
            # The nearest "<" starts the tag the "=" may sit in (no tag holds a "<").
            opening = low.rfind(b"<", start, hit.start())
            if opening >= 0 and _TAG_START.match(low, opening):
                whole = _WHOLE_TAG.match(low, opening)
                if whole is None or whole.end() != low.find(b">", opening) + 1:
                    raise _Back("quoted attribute value holding >")
            hit = _QUOTED_GT.search(low, hit.start() + 1, end)


@dataclass(frozen=True, slots=True)
class _Rules:
    """What an element's content may hold to be tokenized strictly (see the module docstring)."""

    forbidden: frozenset[bytes]
    candidates_inside: bool  # False for units: no candidate may hide in a table, svg, ...


_BLOCK_RULES = _Rules(forbidden=_NEVER_INSIDE, candidates_inside=True)
_DIV_RULES = _Rules(forbidden=_NEVER_INSIDE | _LIST_ITEMS, candidates_inside=True)
_PHRASING_RULES = _Rules(forbidden=_NEVER_INSIDE | _CLOSES_P | _HEADINGS, candidates_inside=True)
_UNIT_RULES = _Rules(forbidden=frozenset({b"frameset", b"frame", b"plaintext", b"html", b"body", b"head"}),
                     candidates_inside=False)  # fmt: skip


def _past_comments(low: bytes, pos: int) -> int:
    """Past the whitespace and comments a page may open with before its doctype."""
    while True:
        pos = _LEADING_SPACE.match(low, pos).end()  # type: ignore[union-attr]  # always matches
        if not low.startswith(b"<!--", pos):
            return pos
        pos = _comment_end(low, pos)


def _has_tweet_widget(low: bytes, start: int, end: int) -> bool:
    """True when a rendered Twitter widget (whose detector looks at its neighbours) is in low[start:end]."""
    if low.find(b"<twitter-widget", start, end) >= 0:
        return True
    frame = low.find(b"<iframe", start, end)
    while frame >= 0:
        tag = low[frame : low.find(b">", frame, end) + 1 or end]
        if any(mark in tag for mark in _WIDGET_IFRAME_MARKS):
            return True
        frame = low.find(b"<iframe", frame + 1, end)
    return False


def _comment_end(low: bytes, at: int) -> int:
    """Past the comment opening at `at` (`<!-->` and `<!--->` end at once; `--!>` ends one too)."""
    body = at + 4
    if low.startswith(b">", body):
        return body + 1
    if low.startswith(b"->", body):
        return body + 2
    close = _COMMENT_CLOSE.search(low, body)
    return len(low) if close is None else close.end()


def _raw_text_end(low: bytes, at: int, name: bytes) -> int | None:
    """Past the end tag of the raw-text element starting at `at`; None when uncertain."""
    raw = _raw_text(low, at, name)
    return None if raw is None else raw[2]


def _raw_text(low: bytes, at: int, name: bytes) -> tuple[int, int, int] | None:
    """(end of the start tag, start of the end tag, end of the end tag) of the raw-text element
    starting at `at` (without an end tag the text runs to the end of the page); None when the
    script escape states make the end uncertain."""
    size = len(low)
    open_end = low.find(b">", at)
    if open_end < 0:
        return size, size, size  # a tag cut off by the end of the page is dropped
    match = re.compile(rb"</" + name + rb"[\t\n\f\r />]").search(low, open_end + 1)
    if match is None:
        return open_end + 1, size, size
    if name == b"script":
        # "<!--" then "<script" inside a script: the tokenizer's double-escaped state may skip
        # the first "</script>".
        comment = low.find(b"<!--", open_end + 1, match.start())
        if comment >= 0 and low.find(b"<script", comment, match.start()) >= 0:
            return None
    close_end = low.find(b">", match.start())
    return open_end + 1, match.start(), size if close_end < 0 else close_end + 1


def _self_closing(tag: bytes) -> bool:
    """`<x ... />`, but not `<x a=b/>` (the slash belongs to an unquoted value)."""
    return tag.endswith(b"/>") and re.search(rb"=[\t\n\f\r ]*[^\t\n\f\r \"'>][^\t\n\f\r >]*/>$", tag) is None


def _element_end(low: bytes, at: int, root: bytes, rules: _Rules) -> int | None:
    """Past the end tag of the element whose start tag opens at `at`, when its content nests
    strictly under `rules`; None otherwise (missing or implied end tags, forbidden tags)."""
    open_end = low.find(b">", at)
    if open_end < 0:
        return None
    if root in _RAW_TEXT:
        return _raw_text_end(low, at, root)
    stack = [root]
    foreign = 1 if root in _FOREIGN else 0
    pos = open_end + 1
    while True:
        token = _ANY_TAG.search(low, pos)
        if token is None:
            return None
        bang, question, bogus_close, slash, name = token.groups()
        if bang or question or bogus_close:
            if low.startswith(b"<!--", token.start()):
                pos = _comment_end(low, token.start())
            elif foreign or low.startswith(_DOCTYPE, token.start()):
                return None  # CDATA sections are real in svg and math
            else:
                end = low.find(b">", token.start())
                pos = len(low) if end < 0 else end + 1
            continue
        end = low.find(b">", token.end())
        if end < 0:
            return None
        pos = end + 1
        if slash:
            if foreign and name != stack[-1]:
                # svg and math close unclosed children: the end tag pops up to its element.
                depth = _foreign_match(stack, name)
                if depth is None:
                    return None
                del stack[depth + 1 :]
            if name != stack[-1]:
                return None
            stack.pop()
            if name in _FOREIGN and foreign:
                foreign = sum(1 for tag in stack if tag in _FOREIGN)
            if not stack:
                return pos
            continue
        if name in rules.forbidden:
            return None
        if not rules.candidates_inside and _may_be_candidate(name, low[token.start() : pos]):
            return None
        if foreign:
            if name in _BREAKOUT:
                return None
            if not _self_closing(low[token.start() : pos]):
                stack.append(name)
                foreign += name in _FOREIGN
            continue
        if name in _VOID:
            continue
        if name in _RAW_TEXT:
            raw_end = _raw_text_end(low, token.start(), name)
            if raw_end is None:
                return None
            pos = raw_end
            continue
        if _implies_end_tag(name, stack):
            return None
        stack.append(name)
        foreign += name in _FOREIGN


def _foreign_match(stack: list[bytes], name: bytes) -> int | None:
    """Index of the open svg/math element an end tag closes, searching down to the outermost
    <svg>/<math>; None when it would reach HTML elements."""
    outermost = next(index for index, tag in enumerate(stack) if tag in _FOREIGN)
    for index in range(len(stack) - 1, outermost - 1, -1):
        if stack[index] == name:
            return index
    return None


def _may_be_candidate(name: bytes, tag: bytes) -> bool:
    """True when a start tag (lowered text) may match the combined selector."""
    if name in _ALWAYS or any(needle in tag for needle in _UNIVERSAL) or _DATA_CONTENT_ATTR.search(tag):
        return True
    return name in _TAG_NEEDLES and any(needle in tag for needle in _TAG_NEEDLES[name])


def _implies_end_tag(name: bytes, stack: list[bytes]) -> bool:
    """True when this start tag would close an open element (not modelled here)."""
    if name in _CLOSES_P and b"p" in stack:
        return True
    if name in _HEADINGS and stack[-1] in _HEADINGS:
        return True
    if name in _LIST_ITEMS and any(tag in _LIST_ITEMS for tag in stack):
        return True
    if name in _RUBY_PARTS:
        return stack[-1] != b"ruby"  # they close an open rb/rt/rp (and look for a ruby in scope)
    return name == b"a" and b"a" in stack
