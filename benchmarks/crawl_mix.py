"""The crawl mix of issue 17: real article pages, most with their embeds cut out.

At crawl scale most pages hold no embed (NewsTweet found embedded tweets in 13 % of news
stories). The mix is built from the real-world pages (`../shared/corpus/realworld/pages`, read in
place): every candidate node that is an embed (a detector's post, a tombstone box, a consent
wrapper holding one) is removed, and everything else stays: share buttons, widget scripts,
social links, the word "twitter" in the text. One page in ten keeps its embeds, as it was saved.
Each page gets its own canonical URL (a `<link rel="canonical">` first in its head), so the
archive keeps one article per page, as a crawl's would be.
"""

from __future__ import annotations

import gzip
import io
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract import extract_page, has_markers
from collector.extract.page import COMBINED_SELECTOR, parse_candidate, wrapped_markup
from collector.extract.tombstones import is_box

REPO = Path(__file__).resolve().parents[1]
REALWORLD = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
SEED = 17
EMBED_EVERY = 10  # one page in ten keeps its embeds
CANONICAL = b'<link rel="canonical" href="https://crawl.example/article/%d">'
HEAD_OPEN = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
# Rounds of cutting: an embed inside a removed wrapper's neighbour may surface only once the
# first is gone.
MAX_ROUNDS = 4


@dataclass(frozen=True)
class MixPage:
    """One page of the mix: its bytes and whether it kept its embeds."""

    name: str
    data: bytes
    embeds: bool
    source: str  # the real page it was made from


def _is_embed(node: LexborNode) -> bool:
    if parse_candidate(node) or is_box(node):
        return True
    content = wrapped_markup(node)
    return bool(content) and has_markers(content or "")


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    chosen = {node.mem_id for node in nodes}
    kept = []
    for node in nodes:
        parent, inside = node.parent, False
        while parent is not None:
            if parent.mem_id in chosen:
                inside = True
                break
            parent = parent.parent
        if not inside:
            kept.append(node)
    return kept


def without_embeds(data: bytes) -> bytes | None:
    """The page with every embed removed and all else kept; None when some embed stays."""
    for _ in range(MAX_ROUNDS):
        if not extract_page(data.decode("utf-8", "replace"), utf8=None).appearances:
            return data
        tree = LexborHTMLParser(data)
        root = tree.root
        if root is None:
            return None
        unique = {node.mem_id: node for node in root.css(COMBINED_SELECTOR)}
        embeds = _outermost([node for node in unique.values() if _is_embed(node)])
        if not embeds:
            return None
        for node in embeds:
            node.decompose()
        data = (tree.html or "").encode("utf-8")
    return None


def with_canonical(data: bytes, number: int) -> bytes:
    """The page with its own canonical URL first in its head (the first one counts)."""
    link = CANONICAL % number
    head = HEAD_OPEN.search(data)
    return data[: head.end()] + link + data[head.end() :] if head else link + data


def source_pages(folder: Path = REALWORLD) -> list[tuple[str, bytes, bytes]]:
    """(name, bytes as saved, bytes without embeds) of each real page whose embeds can be cut."""
    found = []
    for path in sorted(folder.glob("*.html")):
        data = path.read_bytes()
        cut = without_embeds(data)
        if cut is not None:
            found.append((path.stem, data, cut))
    return found


def build_mix(pages: int, folder: Path = REALWORLD) -> list[MixPage]:
    """`pages` pages drawn at random (fixed seed) from the real pages; one in ten with embeds."""
    sources = source_pages(folder)
    rng = random.Random(SEED)
    mix = []
    for number in range(pages):
        name, saved, cut = rng.choice(sources)
        embeds = number % EMBED_EVERY == 0
        data = with_canonical(saved if embeds else cut, number)
        mix.append(MixPage(f"{number:05d}-{name}{'-embeds' if embeds else ''}.html", data, embeds, name))
    return mix


def write_mix(mix: list[MixPage], folder: Path) -> list[Path]:
    """The mix as files in `folder`, one per page."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for page in mix:
        path = folder / page.name
        path.write_bytes(page.data)
        paths.append(path)
    return paths


def write_warc(mix: list[MixPage], path: Path) -> None:
    """The mix as one `.warc.gz`: a response record per page, each its own gzip member (as
    crawlers write them)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for number, page in enumerate(mix):
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://crawl.example/article/{number}",
                "response",
                payload=io.BytesIO(page.data),
                http_headers=headers,
            )
            writer.write_record(record)


def gzipped(mix: list[MixPage]) -> Iterator[bytes]:
    """Each page gzip-compressed (the default level), for the gunzip floor."""
    for page in mix:
        yield gzip.compress(page.data, mtime=0)
