"""Markup mutations: the same page written the ways other tools and CMSs write HTML.

Evaluation, not product: `benchmarks.score_mutations` applies each mutation to every real-world
page and fixture and scores the extraction against the gold. A page is tokenized once (the
standard library's `html.parser`, entities kept as written) and each mutation rewrites the tokens.
Text a reader sees never changes, nor the links: every mutation is one HTML itself says is
equivalent (attribute order, quoting, letter case, whitespace next to blocks, comments, entity
spelling, `<br>` spelling) or one a real tool or CMS applies (wrappers around embeds, classes
removed by sanitizers and readers). The expected posts are the gold's, except where a mutation
removes what a form is recognised by; `expected_posts` says which (see docs/design-twitter.md).

Never touched: `<script>`/`<style>` content, `<pre>` whitespace, and what sits in `<title>` or
`<textarea>` (text there, however it looks).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from html.parser import HTMLParser

# Tokens: (kind, raw text, tag, attrs); kind is start / startend / end / data / ref / other.
START, STARTEND, END, DATA, REF, OTHER = "start", "startend", "end", "data", "ref", "other"
RAW_CONTENT = frozenset({"script", "style"})
TEXT_CONTENT = frozenset({"title", "textarea"})
KEEP_SPACES = frozenset({"pre", *RAW_CONTENT, *TEXT_CONTENT})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "figure", "figcaption",
        "footer", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li", "main", "nav", "ol", "p",
        "section", "table", "tr", "td", "th", "ul", "br",
    }
)  # fmt: skip
# What an embed's own markup calls itself: class tokens holding one of these mark an embed root.
PLATFORM_WORDS = (
    "twitter", "tweet", "instagram", "instgrm", "fb-", "facebook", "tiktok", "bluesky", "mastodon",
    "reddit", "text-post-media", "linkedin", "wp-block-embed", "kg-", "onebox",
)  # fmt: skip
CMS_BLOCKS = ("wp-block-embed", "kg-card")
EMBED_TAGS = frozenset({"blockquote", "iframe", "twitter-widget"})
UNQUOTABLE = re.compile(r"^[^\s\"'=<>`]+$")
SPACE_RUN = re.compile(r"[ \t\n\r\f]+")
WRAP_AT = 72


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    raw: str
    tag: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    # Where the token sits: inside raw content, title/textarea text, or pre (whitespace kept).
    context: str = ""


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[Token] = []
        self._open: list[str] = []

    def _context(self) -> str:
        for tag in reversed(self._open):
            if tag in KEEP_SPACES:
                return tag
        return ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        self.tokens.append(Token(START, raw, tag, tuple(attrs), self._context()))
        if tag not in VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}/>"
        self.tokens.append(Token(STARTEND, raw, tag, tuple(attrs), self._context()))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass
        self.tokens.append(Token(END, f"</{tag}>", tag, (), self._context()))

    def handle_data(self, data: str) -> None:
        self.tokens.append(Token(DATA, data, context=self._context()))

    def handle_entityref(self, name: str) -> None:
        self.tokens.append(Token(REF, f"&{name};", name, context=self._context()))

    def handle_charref(self, name: str) -> None:
        self.tokens.append(Token(REF, f"&#{name};", name, context=self._context()))

    def handle_comment(self, data: str) -> None:
        self.tokens.append(Token(OTHER, f"<!--{data}-->", context=self._context()))

    def handle_decl(self, decl: str) -> None:
        self.tokens.append(Token(OTHER, f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.tokens.append(Token(OTHER, f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.tokens.append(Token(OTHER, f"<![{data}]>"))


def tokenize(markup: str) -> list[Token]:
    parser = _Tokenizer()
    parser.feed(markup)
    parser.close()
    return parser.tokens


def render(tokens: Sequence[Token]) -> str:
    return "".join(token.raw for token in tokens)


def start_tag(token: Token, *, quote: str = '"', sep: str = " ", end: str = "", upper: bool = False) -> str:
    """A start tag written again from its parts; `quote` "" writes values unquoted where HTML allows."""
    parts = []
    for name, value in token.attrs:
        shown = name.upper() if upper else name
        if value is None:
            parts.append(shown)
            continue
        mark = quote
        if not quote and not UNQUOTABLE.match(value):
            mark = '"'
        if mark and mark in value:
            mark = "'" if mark == '"' else '"'
        escaped = value.replace("&", "&amp;")
        if mark and mark in escaped:
            escaped = escaped.replace(mark, "&quot;" if mark == '"' else "&#39;")
        parts.append(f"{shown}={mark}{escaped}{mark}")
    close = "/>" if token.kind == STARTEND else ">"
    return "<" + token.tag + "".join(sep + part for part in parts) + end + close


def _is_text(token: Token) -> bool:
    return token.kind == DATA and not token.context


def _with_attrs(token: Token, attrs: Sequence[tuple[str, str | None]]) -> Token:
    changed = replace(token, attrs=tuple(attrs))
    return replace(changed, raw=start_tag(changed))


def _tags(tokens: Sequence[Token], rewrite: Callable[[Token], str]) -> list[Token]:
    return [
        replace(t, raw=rewrite(t)) if t.kind in (START, STARTEND) and not t.context else t for t in tokens
    ]


# The mutations. Each takes the page's tokens and returns new ones.


def identity(tokens: Sequence[Token]) -> list[Token]:
    return list(tokens)


def _is_root(token: Token) -> bool:
    names = (dict(token.attrs).get("class") or "").lower()
    return any(word in names for word in PLATFORM_WORDS)


def strip_classes(tokens: Sequence[Token], *, keep_embeds: bool) -> list[Token]:
    """Every class attribute removed (Readability, sanitize-html, nh3, bleach), or (`keep_embeds`)
    only the site's own: those outside an embed root, whose class names a platform."""
    out: list[Token] = []
    depth: list[str] = []  # open elements inside the current embed root, root first
    for token in tokens:
        if token.kind in (START, STARTEND) and not token.context:
            inside = bool(depth) or (keep_embeds and _is_root(token))
            if token.kind == START and token.tag not in VOID and (depth or inside):
                depth.append(token.tag)
            if not (keep_embeds and inside):
                token = _with_attrs(token, [(n, v) for n, v in token.attrs if n != "class"])
        elif token.kind == END and depth and token.tag in depth:
            while depth and depth.pop() != token.tag:
                pass
        out.append(token)
    return out


def reverse_attributes(tokens: Sequence[Token]) -> list[Token]:
    return [
        _with_attrs(t, t.attrs[::-1]) if t.kind in (START, STARTEND) and not t.context else t for t in tokens
    ]


def single_quotes(tokens: Sequence[Token]) -> list[Token]:
    return _tags(tokens, lambda t: start_tag(t, quote="'"))


def unquoted(tokens: Sequence[Token]) -> list[Token]:
    return _tags(tokens, lambda t: start_tag(t, quote=""))


def multiline_tags(tokens: Sequence[Token]) -> list[Token]:
    return _tags(tokens, lambda t: start_tag(t, sep="\n    ", end="\n"))


def uppercase_tags(tokens: Sequence[Token]) -> list[Token]:
    """Tag names in capitals, as Internet Explorer's innerHTML and old editors wrote them."""
    out = []
    for token in tokens:
        if token.kind in (START, STARTEND) and not token.context:
            token = replace(token, raw=start_tag(replace(token, tag=token.tag.upper())))
        elif token.kind == END and not token.context:
            token = replace(token, raw=f"</{token.tag.upper()}>")
        out.append(token)
    return out


def uppercase_attribute_names(tokens: Sequence[Token]) -> list[Token]:
    return _tags(tokens, lambda t: start_tag(t, upper=True))


def spread_whitespace(tokens: Sequence[Token]) -> list[Token]:
    """Each run of whitespace in text becomes a newline, a tab and spaces (pretty-printers)."""
    return [replace(t, raw=SPACE_RUN.sub("\n\t  ", t.raw)) if _is_text(t) else t for t in tokens]


def wrap_lines(tokens: Sequence[Token]) -> list[Token]:
    """Text re-wrapped at 72 columns, as editors and email tools write it."""
    out = []
    column = 0
    for token in tokens:
        if not _is_text(token):
            column += len(token.raw)
            out.append(token)
            continue
        pieces = []
        for word in re.split(r"( )", token.raw):
            if word == " " and column >= WRAP_AT:
                pieces.append("\n")
                column = 0
                continue
            pieces.append(word)
            column = len(word) - word.rfind("\n") - 1 if "\n" in word else column + len(word)
        out.append(replace(token, raw="".join(pieces)))
    return out


def newlines_at_blocks(tokens: Sequence[Token]) -> list[Token]:
    """A newline before every block tag and `<br>`, opening or closing (pretty-printers)."""
    out: list[Token] = []
    for token in tokens:
        if token.kind in (START, STARTEND, END) and token.tag in BLOCKS and not token.context:
            out.append(Token(DATA, "\n"))
        out.append(token)
    return out


def insert_comments(tokens: Sequence[Token]) -> list[Token]:
    """A comment after every start tag and before every end tag (CMS block markers, debug marks)."""
    out: list[Token] = []
    comment = Token(OTHER, "<!-- c -->")
    for token in tokens:
        at_tag = not token.context and token.tag not in TEXT_CONTENT | RAW_CONTENT
        if token.kind == END and at_tag:
            out.append(comment)
        out.append(token)
        if token.kind == START and at_tag and token.tag not in VOID and token.tag != "html":
            out.append(comment)
    return out


def br_variants(tokens: Sequence[Token]) -> list[Token]:
    """`<br>` written `<br/>`, `<br />`, `<BR>` and `</br>` in turn (all one line break to HTML)."""
    forms = ("<br/>", "<br />", "<BR>", "</br>")
    out, count = [], 0
    for token in tokens:
        if token.tag == "br" and token.kind in (START, STARTEND) and not token.context and not token.attrs:
            token = replace(token, raw=forms[count % len(forms)])
            count += 1
        out.append(token)
    return out


def numeric_entities(tokens: Sequence[Token]) -> list[Token]:
    """Non-ASCII text as numeric references, dashes and quotes as named ones (ASCII-only writers)."""
    named = {"—": "&mdash;", "–": "&ndash;", "\u00a0": "&nbsp;", '"': "&quot;", "'": "&#39;"}

    def encode(text: str) -> str:
        return "".join(named.get(c) or (f"&#x{ord(c):x};" if ord(c) > 127 else c) for c in text)

    return [replace(t, raw=encode(t.raw)) if _is_text(t) else t for t in tokens]


def decoded_entities(tokens: Sequence[Token]) -> list[Token]:
    """References written as the characters (UTF-8 writers), but for the markup-significant ones."""
    kept = {"lt", "gt", "amp", "#60", "#62", "#38", "#x3c", "#x3e", "#x26", "#x3C", "#x3E"}
    out = []
    for token in tokens:
        if token.kind == REF and not token.context and token.tag not in kept:
            decoded = html.unescape(token.raw)
            if decoded != token.raw and decoded not in "<>&":
                token = Token(DATA, decoded)
        out.append(token)
    return out


def escaped_ampersands(tokens: Sequence[Token]) -> list[Token]:
    """Every `&` in attribute values written `&amp;` (what a serializer writes)."""
    return _tags(tokens, start_tag)


@dataclass(frozen=True, slots=True)
class Wrapper:
    open: str
    close: str


WRAPPERS = {
    "div": Wrapper('<div class="embed-container">', "</div>"),
    "section": Wrapper('<section class="embed">', "</section>"),
    "figure": Wrapper('<figure class="media">', "<figcaption>Embedded post</figcaption></figure>"),
    "article": Wrapper("<article>", "</article>"),
    "amp-layout": Wrapper('<amp-layout layout="responsive" width="16" height="9">', "</amp-layout>"),
    "wp-block-embed": Wrapper(
        '<figure class="wp-block-embed is-type-rich wp-block-embed-{p} is-provider-{p}">'
        '<div class="wp-block-embed__wrapper">',
        "</div></figure>",
    ),
    "ghost-kg-embed": Wrapper('<figure class="kg-card kg-embed-card">', "</figure>"),
}


def _provider(token: Token) -> str:
    names = (dict(token.attrs).get("class") or "").lower()
    for provider in ("instagram", "facebook", "tiktok", "reddit", "bluesky", "mastodon"):
        if provider in names or (provider == "facebook" and "fb-" in names):
            return provider
    return "twitter"


def _embed_start(token: Token) -> bool:
    """An element to wrap: an embed, not a CMS block already (one is never put in another)."""
    tag = token.tag
    names = dict(token.attrs).get("class") or ""
    if any(block in names for block in CMS_BLOCKS):
        return False
    return tag in EMBED_TAGS or tag.startswith(("amp-", "bento-")) or _is_root(token)


def wrap_embeds(tokens: Sequence[Token], wrapper: Wrapper) -> list[Token]:
    """Every outermost embed-like element (blockquote, iframe, AMP tag, platform-classed element)
    inside `wrapper`, as CMS blocks and theme containers put them."""
    out: list[Token] = []
    open_tag, depth = "", 0
    for token in tokens:
        opens = token.kind == START and not token.context and not open_tag and token.tag not in VOID
        if opens and _embed_start(token) and token.tag != "amp-layout":
            open_tag, depth = token.tag, 0
            out.append(Token(OTHER, wrapper.open.replace("{p}", _provider(token))))
        if open_tag and token.kind == START and token.tag == open_tag:
            depth += 1
        out.append(token)
        if open_tag and token.kind == END and token.tag == open_tag:
            depth -= 1
            if depth == 0:
                out.append(Token(OTHER, wrapper.close))
                open_tag = ""
    if open_tag:
        out.append(Token(OTHER, wrapper.close))
    return out


Mutate = Callable[[Sequence[Token]], list[Token]]


def _wrap(wrapper: Wrapper) -> Mutate:
    return lambda tokens: wrap_embeds(tokens, wrapper)


MUTATIONS: dict[str, Mutate] = {
    "identity": identity,
    "classes-site-stripped": lambda tokens: strip_classes(tokens, keep_embeds=True),
    "classes-all-stripped": lambda tokens: strip_classes(tokens, keep_embeds=False),
    "attributes-reversed": reverse_attributes,
    "attributes-single-quoted": single_quotes,
    "attributes-unquoted": unquoted,
    "attributes-escaped-amp": escaped_ampersands,
    "attribute-names-upper": uppercase_attribute_names,
    "tags-multiline": multiline_tags,
    "tags-upper": uppercase_tags,
    "whitespace-spread": spread_whitespace,
    "lines-wrapped": wrap_lines,
    "newlines-at-blocks": newlines_at_blocks,
    "comments-inserted": insert_comments,
    "br-variants": br_variants,
    "entities-numeric": numeric_entities,
    "entities-decoded": decoded_entities,
    **{f"wrapped-{name}": _wrap(wrapper) for name, wrapper in WRAPPERS.items()},
}


def mutate(markup: str, name: str) -> str:
    return render(MUTATIONS[name](tokenize(markup)))


def iter_mutations(markup: str, names: Sequence[str]) -> Iterator[tuple[str, str]]:
    tokens = tokenize(markup)
    for name in names:
        yield name, render(MUTATIONS[name](tokens))
