"""Generate the benchmark corpus: about 2,000 article pages (~200 MB) with varied embeds.

    python -m benchmarks.make_corpus [--pages 2000] [--megabytes 200] [--out benchmarks/corpus]

Deterministic for a given seed, fixtures and extraction code. Built from:
- page shells: the real-world pages in ../shared/corpus/realworld/pages (read in place, never
  copied into the repo) and the seed article; pages without embed markers shell the pages that have
  no embed at all;
- embed snippets: every top-level embed (any platform, any form: blockquotes, rendered iframes,
  AMP, WordPress blocks, Substack cards, consent wrappers) found in fixtures/*.html and in the
  real-world pages, kept only when the snippet extracts to at least one post on its own.

Each page takes a shell, trims it (at a paragraph end) or pads it (with plain paragraphs of other
shells) to a size drawn around the target mean, and inserts 0–16 snippets after random
paragraphs. Twitter status ids in a snippet are shifted by a per-embed offset below 2^22, which
changes the post (a new id, so a new row in the archive) but not the instant its id encodes.
About one page in five has no embed and no marker (the prefilter's case).

The output (gitignored) is `OUT/pages/NNNN.html` plus `OUT/manifest.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from collector.extract import has_markers
from collector.extract.page import COMBINED_SELECTOR, extract_posts

REPO = Path(__file__).resolve().parents[1]

REALWORLD = REPO.parent / "shared" / "corpus" / "realworld" / "pages"
FIXTURES = REPO / "fixtures"
DEFAULT_OUT = REPO / "benchmarks" / "corpus"
SEED = 20261129
PAGES = 2_000
MEGABYTES = 200
NO_EMBED_SHARE = 0.2
MAX_EMBEDS = 16
MAX_SNIPPET_BYTES = 40_000
MIN_PAGE_BYTES = 8_000
MAX_PAGE_BYTES = 1_300_000
# Platform mix of inserted embeds: tweets dominate real archives.
PLATFORM_WEIGHTS = {
    "twitter": 60,
    "instagram": 8,
    "facebook": 6,
    "bluesky": 5,
    "mastodon": 4,
    "threads": 4,
    "tiktok": 5,
    "reddit": 4,
    "linkedin": 4,
}
HEAD_OPEN = re.compile(rb"<head[^>]*>", re.IGNORECASE)
BODY_OPEN = re.compile(rb"<body[^>]*>", re.IGNORECASE)
BODY_CLOSE = re.compile(rb"</body\s*>", re.IGNORECASE)
PARAGRAPH_END = re.compile(rb"</p>", re.IGNORECASE)
PLAIN_PARAGRAPH = re.compile(rb"<p>[^<>]{80,800}</p>")
# Twitter status ids (snowflakes: 15–19 digits); ids below 2^22 apart share their timestamp.
TWITTER_ID = re.compile(rb"(?<=status/)\d{15,19}|(?<=statuses/)\d{15,19}|(?<=data-tweet-id=\")\d{15,19}")
ID_SHIFT = 1 << 22


@dataclass(frozen=True)
class Shell:
    name: str
    head: bytes
    body: bytes
    tail: bytes
    has_markers: bool


def split_shell(name: str, data: bytes) -> Shell:
    opened = BODY_OPEN.search(data)
    start = opened.end() if opened else 0
    closed = BODY_CLOSE.search(data, start)
    end = closed.start() if closed else len(data)
    return Shell(name, data[:start], data[start:end], data[end:], has_markers(data))


def source_pages() -> list[tuple[str, bytes]]:
    pages = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.html"))]
    if REALWORLD.is_dir():
        pages += [(f"realworld/{p.name}", p.read_bytes()) for p in sorted(REALWORLD.glob("*.html"))]
    return pages


def harvest_snippets(pages: list[tuple[str, bytes]]) -> dict[str, list[bytes]]:
    """Top-level embed markup by platform, each kept only if it extracts to posts on its own."""
    found: dict[str, list[bytes]] = defaultdict(list)
    seen: set[bytes] = set()
    for _, data in pages:
        tree = LexborHTMLParser(data)
        if tree.root is None:
            continue
        taken: list[int] = []
        for node in tree.root.css(COMBINED_SELECTOR):
            if _inside_taken(node, taken):
                continue
            markup = (node.html or "").encode()
            if not markup or len(markup) > MAX_SNIPPET_BYTES or markup in seen:
                continue
            posts = extract_posts(markup)
            if not posts:
                continue
            taken.append(node.mem_id)
            seen.add(markup)
            found[posts[0].platform].append(markup)
    return dict(found)


def _inside_taken(node: object, taken: list[int]) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None:
        if parent.mem_id in taken:
            return True
        parent = parent.parent
    return False


def plain_paragraphs(shells: list[Shell]) -> list[bytes]:
    """Text-only paragraphs without any marker: padding that never adds an embed."""
    pool = {m.group(0) for s in shells for m in PLAIN_PARAGRAPH.finditer(s.body)}
    return sorted(p for p in pool if not has_markers(p))


def shift_ids(snippet: bytes, offset: int) -> bytes:
    return TWITTER_ID.sub(lambda m: str(int(m.group(0)) + offset).encode(), snippet)


def page_size(rng: random.Random, mean: int) -> int:
    # Log-normal: most pages near the mean, a few large ones (as real archives have).
    size = int(rng.lognormvariate(0, 0.6) * mean / 1.197)
    return max(MIN_PAGE_BYTES, min(MAX_PAGE_BYTES, size))


def fit_body(body: bytes, size: int, padding: list[bytes], rng: random.Random) -> bytes:
    """Trim at a paragraph end, or pad with plain paragraphs, to about `size` bytes."""
    if len(body) > size:
        cut = body.rfind(b"</p>", 0, size)
        return body[: cut + 4] if cut > 0 else body[:size]
    extra: list[bytes] = []
    missing = size - len(body)
    while missing > 0 and padding:
        paragraph = rng.choice(padding)
        extra.append(paragraph)
        missing -= len(paragraph) + 1
    return body + b"\n" + b"\n".join(extra)


def insert_embeds(body: bytes, snippets: list[bytes], rng: random.Random) -> bytes:
    ends = [m.end() for m in PARAGRAPH_END.finditer(body)] or [len(body)]
    spots = sorted(rng.choice(ends) for _ in snippets)
    parts, last = [], 0
    for spot, snippet in zip(spots, snippets, strict=True):
        parts += [body[last:spot], b"\n", snippet, b"\n"]
        last = spot
    parts.append(body[last:])
    return b"".join(parts)


def choose_snippets(rng: random.Random, snippets: dict[str, list[bytes]], index: int) -> list[bytes]:
    platforms = [p for p in PLATFORM_WEIGHTS if snippets.get(p)]
    weights = [PLATFORM_WEIGHTS[p] for p in platforms]
    count = rng.randint(1, MAX_EMBEDS)
    chosen = []
    for slot in range(count):
        platform = rng.choices(platforms, weights)[0]
        snippet = rng.choice(snippets[platform])
        if platform == "twitter":
            snippet = shift_ids(snippet, (index * MAX_EMBEDS + slot + 1) % ID_SHIFT)
        chosen.append(snippet)
    return chosen


def build_page(
    index: int,
    shells: list[Shell],
    bare: list[Shell],
    snippets: dict[str, list[bytes]],
    padding: list[bytes],
    mean: int,
) -> tuple[bytes, int]:
    rng = random.Random(SEED * 100_003 + index)
    size = page_size(rng, mean)
    if rng.random() < NO_EMBED_SHARE:
        shell, chosen = rng.choice(bare), []
    else:
        shell = rng.choice(shells)
        chosen = choose_snippets(rng, snippets, index)
    # The size counts the whole page: heads of saved pages carry tens of KB of CSS and scripts.
    body_size = max(MIN_PAGE_BYTES // 4, size - len(shell.head) - len(shell.tail))
    body = fit_body(shell.body, body_size, padding, rng)
    body = insert_embeds(body, chosen, rng)
    return own_address(shell.head, index) + body + shell.tail, len(chosen)


def own_address(head: bytes, index: int) -> bytes:
    """The page's own canonical link, first in its head: the archive keys articles by their URL,
    and pages built on the same shell are different articles."""
    link = f'<link rel="canonical" href="https://news.example/bench/{index:04d}">'.encode()
    opened = HEAD_OPEN.search(head)
    at = opened.end() if opened else 0
    return head[:at] + link + head[at:]


def generate(out: Path, pages: int, megabytes: int) -> dict[str, object]:
    sources = source_pages()
    shells = [split_shell(name, data) for name, data in sources if name.startswith("realworld/")]
    shells.append(split_shell("seed-article.html", (FIXTURES / "seed-article.html").read_bytes()))
    bare = [s for s in shells if not s.has_markers]
    if not bare:
        raise SystemExit("no page shell without embed markers: is ../shared/corpus/realworld there?")
    snippets = harvest_snippets(sources)
    padding = plain_paragraphs(shells)
    mean = megabytes * 1_000_000 // pages
    if out.exists():
        shutil.rmtree(out)
    (out / "pages").mkdir(parents=True)
    total_bytes = inserted = without = 0
    for index in range(pages):
        data, count = build_page(index, shells, bare, snippets, padding, mean)
        (out / "pages" / f"{index:04d}.html").write_bytes(data)
        total_bytes += len(data)
        inserted += count
        without += not has_markers(data)
    manifest: dict[str, object] = {
        "seed": SEED,
        "pages": pages,
        "bytes": total_bytes,
        "inserted_embeds": inserted,
        "pages_without_markers": without,
        "snippets_by_platform": {p: len(v) for p, v in sorted(snippets.items())},
        "shells": len(shells),
        "shells_without_markers": [s.name for s in bare],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--megabytes", type=int, default=MEGABYTES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    manifest = generate(args.out, args.pages, args.megabytes)
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
