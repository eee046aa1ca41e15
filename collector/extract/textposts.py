"""Posts in a page read as text blocks: what plain text and Markdown share once laid out.

`textforms` (plain text) and `markdown` turn a page into `Block`s: paragraphs of logical lines
(hard line breaks kept, soft wraps joined), each with its nesting level (indent, quote depth) and
the quote block it sits in; headings, lists, rules, tables and code are `BREAK` blocks that a
post's text never crosses. Here the posts are found in the blocks:
- a signature line (`collector.signatures`), dated on its own line or on the next one; its text
  is taken upward from it (see `_text_above` for the rules, by layout);
- Instagram's attribution line, "A post shared by Name (@handle) on <date>" in the page's UI
  language, which clippers keep below the caption;
- the text of a rendered tweet widget copied out of the browser: display name, `@handle`, the
  text, then `6:56 PM · Jan 7, 2022`.
A status link on the signature line (Markdown keeps it: `[January 7, 2022](https://twitter.com/…
/status/ID)`) gives the post id, URL and exact time, as an HTML embed does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from collector.extract.clocks import bluesky_time, instagram_time, mastodon_time, twitter_time
from collector.extract.platforms import bluesky, instagram, mastodon
from collector.extract.platforms.markup import utc_day
from collector.extract.platforms.twitter import status_parts
from collector.extract.signatures import (
    LEADING_DASH,
    LINK,
    MAX_SIGNATURE_CHARS,
    MAX_WEIGHTED_LENGTH,
    TRAILING_PUNCTUATION,
    Signature,
    read_date,
    read_signature,
    weighted_length,
)
from collector.values import Post

Link = tuple[str, str]  # (text shown, target)
BlockKind = Literal["text", "break"]
LINE_SEPARATOR, BLOCK_SEPARATOR = "\n", "\n\n"
# A quote block's bounds are the embed's; past this much text it is an article in a quote.
MAX_CONTAINER_CHARS = 25_000
# Beyond the first line taken, each platform's own limit bounds text in an indented region.
PLATFORM_BUDGET = {"bluesky": 300, "mastodon": 500, "instagram": 2_200}
# "6:56 PM · Jan 7, 2022" (Twitter's widget), "1:25 PM ∙ May 25, 2021" (Substack's card copy).
WIDGET_TIME = re.compile(r"^\d{1,2}:\d{2}(?:\s*[AaPp]\.?\s?[Mm]\.?)?\s*[·∙•]\s*(?P<date>.+)$")
WIDGET_HANDLE = re.compile(r"^(?:(?P<name>.+?)\s+)?@(?P<handle>\w{1,50})$")
# Widget lines between the handle and the text, and the Substack card's avatar caption.
WIDGET_CHROME = re.compile(r"^(?:·|Follow(?: @\w+)?|Twitter avatar for @\w+|X avatar for @\w+)$")
WIDGET_REACH = 12
# A signature wrapped at 40 columns takes three or four lines.
MAX_SIGNATURE_LINES = 4
# A dash and a display name alone on a line (the rest wrapped below): at most this long.
MAX_NAME_LINE = 90
# Sentence ends of an article's paragraph (Latin and CJK punctuation, closing quotes after them).
PROSE_ENDS = (".", ":", "!", "?", "…", ".”", '."', "。", "！", "？", "：", ".»", "!”", "?”")
# List items as text dumps write them (lynx * + o, w3m •, inscriptis *): the article's structure.
LIST_ITEM = re.compile(r"^(?:[*+•◦▪]|\d{1,2}\.)\s")
# "on", "am", "le", "el", "il", "em", "op", "den", "på" before Instagram's date.
SHORT_WORD = re.compile(r"^[^\W\d_]{1,3}\s+")


@dataclass(frozen=True, slots=True)
class Line:
    """One logical line: its reader text and the links in it (Markdown only)."""

    text: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, or a BREAK. `level`: indent columns or quote depth; `container`: the quote
    block it sits in (0 outside any); `distinct`: set off from the article's own text (indented
    deeper, quoted); `exact`: its container's bounds are the embed's (a Markdown quote block)."""

    lines: tuple[Line, ...] = ()
    level: int = 0
    container: int = 0
    distinct: bool = False
    exact: bool = False
    kind: BlockKind = "text"


BREAK = Block(kind="break")


@dataclass
class _Page:
    blocks: list[Block]
    signatures: dict[tuple[int, int], tuple[Signature, int] | None] = field(default_factory=dict)

    def signature(self, at: tuple[int, int]) -> tuple[Signature, int] | None:
        """The signature starting on line `at`, and how many lines it spans (wrapped: more than 1)."""
        if at not in self.signatures:
            self.signatures[at] = _signature(self.blocks[at[0]].lines, at[1])
        return self.signatures[at]


def find_posts(blocks: list[Block]) -> list[Post]:
    """Every signed post in the blocks, in order."""
    return [post for post, _ in find_located_posts(blocks)]


def find_located_posts(blocks: list[Block]) -> list[tuple[Post, tuple[int, int]]]:
    """Every signed post in the blocks, in order, with where its signature is (block, line):
    what `collector.extract.appearances` finds the paragraphs around a post by."""
    page = _Page(blocks)
    posts: list[tuple[Post, tuple[int, int]]] = []
    for at in _positions(blocks):
        post = _signed_post(page, at) or _instagram_post(page, at) or _widget_post(page, at)
        if post is not None:
            posts.append((post, at))
    return posts


def _positions(blocks: list[Block]) -> Iterator[tuple[int, int]]:
    for index, block in enumerate(blocks):
        for line in range(len(block.lines)):
            yield index, line


def _signature(lines: tuple[Line, ...], index: int) -> tuple[Signature, int] | None:
    text = lines[index].text
    if "@" not in text:
        # Wrapped, the name may stand alone on the signature's first line.
        lead = LEADING_DASH.match(text)
        if lead is None or lead.end() == len(text) or len(text) > MAX_NAME_LINE:
            return None
        signature = None
    else:
        signature = read_signature(text) or _cut_at_date_link(lines[index])
    if signature is not None and signature.date is not None:
        return signature, 1
    found = (signature, 1) if signature is not None else None
    if not LEADING_DASH.match(text):
        return found  # a wrapped signature starts with its dash
    # A signature the tool wrapped onto more lines (the narrower the width, the more):
    # "— Name" / "(@handle) 25. September" / "2018". The first dated reading wins.
    joined = text
    for span in range(2, MAX_SIGNATURE_LINES + 1):
        if index + span > len(lines) or LEADING_DASH.match(lines[index + span - 1].text):
            break
        joined = f"{joined} {lines[index + span - 1].text}"
        if len(joined) > MAX_SIGNATURE_CHARS:
            break
        longer = read_signature(joined)
        if longer is None or longer.before is not None:
            continue
        if longer.date is not None:
            return longer, span
    return found  # joined lines count only when they give a date: else they are text


def _cut_at_date_link(line: Line) -> Signature | None:
    """A Markdown signature the paragraph goes on after (trafilatura joins the next line): it ends
    with its date link."""
    for shown, _ in line.links:
        end = line.text.find(shown) + len(shown)
        if end > len(shown) and read_date(shown) is not None:
            signature = read_signature(line.text[:end])
            if signature is not None and signature.date is not None:
                return signature
    return None


# --- signed posts ----------------------------------------------------------------------------


def _signed_post(page: _Page, at: tuple[int, int]) -> Post | None:
    found = page.signature(at)
    if found is None:
        return None
    signature, span = found
    links = _lines_links(page.blocks[at[0]].lines[at[1] : at[1] + span])
    dated = _date_below(page.blocks, at, span) if signature.date is None else None
    if dated is not None:
        signature = Signature(
            signature.platform, signature.name, signature.handle, *dated[0], status_url=signature.status_url
        )
        links += dated[1]
    elif signature.date is None and not _has_permalink(signature, links):
        # Undated and unlinked: an author's bio, a pull quote's attribution, quoted speech.
        return None
    taken = _text_above(page, at, signature.platform, signature.before)
    if taken is None:
        return None
    text, text_links = taken
    return _post(signature, links, text, text_links)


def _date_below(
    blocks: list[Block], at: tuple[int, int], span: int
) -> tuple[tuple[str, dt.date], tuple[Link, ...]] | None:
    """The date on the line after an undated signature: in its block, or the next block's first."""
    block, line = at
    lines = blocks[block].lines
    below = lines[line + span] if line + span < len(lines) else None
    if below is None and block + 1 < len(blocks) and blocks[block + 1].lines:
        below = blocks[block + 1].lines[0]
    # A line that opens with a dash is a signature or a list item, never the date of the one above.
    shown = read_date(below.text) if below is not None and not LEADING_DASH.match(below.text) else None
    return (shown, below.links) if shown is not None and below is not None else None


def _has_permalink(signature: Signature, links: tuple[Link, ...]) -> bool:
    """A status link on an undated signature line makes it an embed's: the date link's text was
    empty (a CMS's embed code) or did not survive, its target did (a Markdown clip keeps it)."""
    if signature.status_url:
        return True
    return _permalink(links, signature.platform)[1] is not None


def _post(signature: Signature, links: tuple[Link, ...], text: str, text_links: tuple[str, ...]) -> Post:
    if signature.status_url:
        links = ((signature.status_url, signature.status_url), *links)
    platform, post_id, url = _permalink(links, signature.platform)
    return Post(
        platform=platform,
        post_id=post_id,
        url=url,
        author_name=signature.name,
        handle=signature.handle,
        date_text=signature.date_text,
        date=signature.date,
        posted_at=_posted_at(platform, post_id, signature.date),
        text=text or None,
        links=text_links,
    )


def _permalink(links: tuple[Link, ...], platform: str) -> tuple[str, str | None, str | None]:
    """(platform, id, URL) from the last status link on the signature line (Markdown keeps it)."""
    for _, href in reversed(links):
        twitter = status_parts(href)
        if twitter is not None:
            return "twitter", twitter[1], twitter[0]
        post = bluesky.POST_URL.match(href)
        if post is not None:
            return "bluesky", post["rkey"], bluesky.WEB_URL.format(did=post["actor"], rkey=post["rkey"])
        toot = mastodon.STATUS_URL.match(href)
        if toot is not None and platform == "mastodon":
            return "mastodon", toot["id"], toot["url"]
    return platform, None, None


def _posted_at(platform: str, post_id: str | None, shown: dt.date | None) -> dt.datetime | None:
    if post_id is None:
        return None
    if platform == "twitter":
        return twitter_time(post_id)
    if platform == "mastodon":
        return mastodon_time(post_id)
    if platform == "instagram":
        return instagram_time(post_id)
    moment = bluesky_time(post_id) if platform == "bluesky" else None
    # A TID is a hint ("uniqueness can not be guaranteed"): kept when it agrees with the shown day.
    if moment is None or shown is None or abs(utc_day(moment) - shown) > dt.timedelta(days=1):
        return None
    return moment


# --- the text above a signature --------------------------------------------------------------


def _text_above(
    page: _Page, at: tuple[int, int], platform: str, before: str | None
) -> tuple[str, tuple[str, ...]] | None:
    """The post's text: the lines above the signature, by the layout they sit in.

    - In a Markdown quote block (`exact`) the whole quote block above the signature, nested
      quotes (a quoted post) left out: the clipper kept the embed's own bounds.
    - Otherwise lines are taken upward while the text stays within 280 weighted characters
      (twitter-text; the first line always). Text on the signature's own line (a flattened
      embed), or else the lines directly above it in its paragraph, come first. A signature that
      stands alone in its paragraph (it follows a blank line) takes the paragraph(s) above it; one
      that ends a paragraph of text stops at the blank line above, unless the post sits in an
      indented region (lynx, w3m, inscriptis indent quoted blocks), which ends where the indent
      does.
    - Headings, lists, code, another post's signature, and a change of level or quote block end
      the text.
    """
    home = page.blocks[at[0]]
    taken: list[tuple[int, Line]] = [(at[0], Line(before))] if before else []
    budget = PLATFORM_BUDGET.get(platform, MAX_WEIGHTED_LENGTH) if home.distinct else MAX_WEIGHTED_LENGTH
    flat = not (home.distinct or home.exact)
    crosses_blank = not flat or (at[1] == 0 and not before)
    first: int | None = None  # the block the text starts in: in an indented region, taken whole
    for index, line in _lines_above(page, at, crosses_blank):
        if taken and LIST_ITEM.match(line.text) and not home.exact:
            break
        first = index if first is None else first
        whole = home.distinct and index == first
        if taken and not whole and not _fits(line, index, taken, home, budget):
            break
        if flat and taken and index not in (at[0], taken[0][0]) and not _heading_line(page.blocks[index]):
            break
        taken.insert(0, (index, line))
    if not taken:
        return None
    return _joined(taken), _text_links(taken)


def _heading_line(block: Block) -> bool:
    """In flat text, a paragraph above the one directly above a signature is the post's only when
    it is one short line that does not end like prose: the tweet's own first line, written as a
    paragraph of its own (trafilatura makes each `<br>` a paragraph break), such as
    "#FRAITA 29è 2-0" or "#Antártida | Nuevo récord 🌡️". An article's paragraphs end in . : ! ?."""
    return len(block.lines) == 1 and not block.lines[0].text.rstrip().endswith(PROSE_ENDS)


def _lines_above(page: _Page, at: tuple[int, int], crosses_blank: bool) -> Iterator[tuple[int, Line]]:
    """The lines above `at`, nearest first, while they are in the post's region."""
    blocks, home = page.blocks, page.blocks[at[0]]
    index, line = at
    while True:
        while line == 0:
            index -= 1
            if index < 0 or not crosses_blank:
                return
            block = blocks[index]
            if home.exact and block.kind == "text" and block.level > home.level:
                continue  # a post quoted inside this one: not its text
            if block.kind == "break" or not _same_region(block, home):
                return
            line = len(block.lines)
        line -= 1
        text = blocks[index].lines[line].text
        if (
            page.signature((index, line)) is not None
            or WIDGET_TIME.match(text)
            or _signature_rest(page, index, line)
        ):
            return
        if text != bluesky.MEDIA_PLACEHOLDER and not instagram.PLACEHOLDER.match(text):
            yield index, blocks[index].lines[line]  # media placeholders are no text


def _signature_rest(page: _Page, index: int, line: int) -> bool:
    """The line is the wrapped rest of a signature that starts a line or three above it."""
    for back in range(1, min(line, MAX_SIGNATURE_LINES - 1) + 1):
        found = page.signature((index, line - back))
        if found is not None and found[1] > back:
            return True
    return False


def _same_region(block: Block, home: Block) -> bool:
    """Markdown: the same quote block; plain text: the same indented region, or the same indent."""
    if home.exact or block.exact:
        return block.container == home.container and block.level == home.level
    if home.distinct:
        return block.distinct
    return not block.distinct and block.level == home.level


def _fits(line: Line, index: int, taken: list[tuple[int, Line]], home: Block, budget: int) -> bool:
    if home.exact:
        return sum(len(piece.text) for _, piece in taken) + len(line.text) <= MAX_CONTAINER_CHARS
    candidate = _joined([(index, line), *taken])
    return weighted_length(candidate) <= budget if budget == MAX_WEIGHTED_LENGTH else len(candidate) <= budget


def _joined(taken: list[tuple[int, Line]]) -> str:
    parts: list[str] = []
    for position, (index, line) in enumerate(taken):
        if position:
            parts.append(LINE_SEPARATOR if taken[position - 1][0] == index else BLOCK_SEPARATOR)
        parts.append(line.text)
    return "".join(parts).strip()


def _text_links(taken: list[tuple[int, Line]]) -> tuple[str, ...]:
    """Markdown's link targets; in plain text the URLs written out in the text."""
    if any(line.links for _, line in taken):
        return tuple(href for _, line in taken for _, href in line.links)
    return tuple(url.rstrip(TRAILING_PUNCTUATION) for _, line in taken for url in LINK.findall(line.text))


def _lines_links(lines: tuple[Line, ...]) -> tuple[Link, ...]:
    return tuple(link for line in lines for link in line.links)


# --- Instagram's attribution -----------------------------------------------------------------


def _instagram_post(page: _Page, at: tuple[int, int]) -> Post | None:
    """ "A post shared by Name (@handle) on <date>" (localized) below the caption."""
    line = page.blocks[at[0]].lines[at[1]]
    prefix = instagram.ATTRIBUTION_PREFIX.match(line.text.lstrip("—–- "))
    if prefix is None:
        return None
    found = _attribution(page.blocks[at[0]].lines, at[1], prefix.end())
    if found is None:
        return None
    attribution, shown, line = found
    taken = _text_above(page, at, "instagram", None)
    text = taken[0] if taken is not None else None
    links = line.links + (_links_in_text(page, at) if text else ())
    code = next((m["code"] for _, href in links if (m := instagram.PERMALINK.match(href))), None)
    if text is not None and instagram.PLACEHOLDER.match(text):
        text = None
    if shown is None and code is None:
        return None
    date_text, date = shown if shown is not None else (None, None)
    return Post(
        platform="instagram",
        post_id=code,
        url=instagram.POST_URL.format(code=code) if code else None,
        author_name=attribution["before"].strip() or None,
        handle=attribution["handle"],
        date_text=date_text,
        date=date,
        posted_at=instagram_time(code) if code else None,
        text=text,
    )


def _attribution(
    lines: tuple[Line, ...], index: int, start: int
) -> tuple[re.Match[str], tuple[str, dt.date] | None, Line] | None:
    """The attribution from line `index` on, wrapped over up to MAX_SIGNATURE_LINES lines at a
    narrow width: (name and handle, the shown date if any, the lines as one)."""
    text, links = lines[index].text, lines[index].links
    best = None
    for span in range(1, MAX_SIGNATURE_LINES + 1):
        if span > 1:
            if index + span > len(lines) or len(text) > MAX_SIGNATURE_CHARS:
                break
            text, links = f"{text} {lines[index + span - 1].text}", links + lines[index + span - 1].links
        body = text.lstrip("—–- ")[start:]
        attribution = instagram.ATTRIBUTION.match(body) if "(@" in text else None
        if attribution is None:
            continue
        after = body[attribution.end() :].strip()
        shown = read_date(SHORT_WORD.sub("", after)) if after else None
        if shown is not None:
            return attribution, shown, Line(text, links)
        best = best or (attribution, None, Line(text, links))
    return best


def _links_in_text(page: _Page, at: tuple[int, int]) -> tuple[Link, ...]:
    block = page.blocks[at[0]]
    above = page.blocks[at[0] - 1].lines if at[1] == 0 and at[0] > 0 else block.lines[: at[1]]
    return _lines_links(above)


# --- a rendered widget's text, copied -----------------------------------------------------------


def _widget_post(page: _Page, at: tuple[int, int]) -> Post | None:
    """Display name, `@handle`, the text, then the widget's `6:56 PM · Jan 7, 2022`.

    A card that shows a quoted post (Substack's copy) has a second name and handle below the
    first: the post is the top one, its text ends where the quoted post begins.
    """
    stamp_line = page.blocks[at[0]].lines[at[1]]
    stamp = WIDGET_TIME.match(stamp_line.text.strip())
    shown = read_date(stamp.group(0)) if stamp is not None else None
    if shown is None:
        return None
    above = [line for _, line in _any_lines_above(page.blocks, at, WIDGET_REACH)]
    heads = [(n, match) for n, line in enumerate(above) if (match := WIDGET_HANDLE.match(line.text.strip()))]
    if not heads:
        return None
    top, match = heads[-1]
    end = heads[-2][0] if len(heads) > 1 else -1
    body = [line for line in reversed(above[end + 1 : top]) if not WIDGET_CHROME.match(line.text.strip())]
    if not body:
        return None
    name = match["name"] or (above[top + 1].text.strip() if top + 1 < len(above) else None)
    text = LINE_SEPARATOR.join(line.text.strip() for line in body)
    signature = Signature("twitter", name or None, match["handle"], *shown)
    return _post(signature, stamp_line.links, text, _text_links([(0, line) for line in body]))


def _any_lines_above(blocks: list[Block], at: tuple[int, int], reach: int) -> Iterator[tuple[int, Line]]:
    index, line = at
    for _ in range(reach):
        while line == 0:
            index -= 1
            if index < 0 or blocks[index].kind == "break":
                return
            line = len(blocks[index].lines)
        line -= 1
        if WIDGET_TIME.match(blocks[index].lines[line].text.strip()):
            return  # another card's (or its quoted post's) time: that card ends here
        yield index, blocks[index].lines[line]
