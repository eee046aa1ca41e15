"""Score extraction on mutated markup: the real-world pages and our fixtures, each written again
the ways other tools, sanitizers and CMSs write HTML (benchmarks/mutations.py).

    python -m benchmarks.score_mutations [--corpus DIR] [--no-fixtures] [--only NAME ...]
                                         [--pages N] [--misses]

Every page is read in place (the real-world corpus is never copied), mutated in memory, and
extracted as `quotes ingest` extracts it (extract_page); the posts are scored against the gold
(benchmarks/scoring.py) restricted by `expected_posts`: what the mutated page should still give.
Prints recall, precision and field accuracy per mutation; with --misses each miss is listed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from selectolax.lexbor import LexborHTMLParser, LexborNode

from benchmarks.mutations import MUTATIONS, iter_mutations
from benchmarks.scoring import FIELDS, Score, score_page
from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "realworld"
FIXTURES = REPO / "fixtures"
SIGNATURE = re.compile(r"\(\s*@\w{1,50}\s*\)")
WIDGET_TAGS = ("amp-", "bento-", "twitter-widget")
# Consent wrappers whose content holds markup: looked into too.
WRAPPERS = "textarea, template, [data-content]"
# Hosts of the platforms' own embed frames: such a frame is told by its address.
EMBED_HOSTS = (
    "platform.twitter.com",
    "platform.x.com",
    "instagram.com/",
    "facebook.com/",
    "qiita.com/embed-contents/tweet",
    "/widgets/media.html",  # Embedly (Medium)
    "s9e.github.io/iframe/",
    "embed.bsky.app",
    "linkedin.com/embed/",
    "tiktok.com/embed",
)


@dataclass(frozen=True)
class GoldPage:
    name: str
    markup: str
    posts: tuple[dict[str, Any], ...]


def load_pages(corpus: Path | None, fixtures: bool) -> list[GoldPage]:
    """The corpus pages (decoded by the loaders, as ingest reads them) and the HTML fixtures."""
    pairs: list[tuple[str, Path, Path]] = []
    if corpus is not None:
        for gold in sorted((corpus / "expected").glob("*.json")):
            pairs.append((gold.stem, corpus / "pages" / f"{gold.stem}.html", gold))
    if fixtures:
        for gold in sorted(FIXTURES.glob("*.json")):
            page = gold.with_suffix(".html")
            if page.exists():
                pairs.append((f"fixture:{gold.stem}", page, gold))
    pages = []
    for name, page, gold in pairs:
        for item in iter_pages([str(page)], InputOptions(), None):
            if isinstance(item, LoadError):
                print(f"warning: {item}", file=sys.stderr)
                continue
            posts = json.loads(gold.read_text(encoding="utf-8")).get("posts", [])
            pages.append(GoldPage(name, item.text, tuple(posts)))
    return pages


def expected_posts(mutation: str, page: GoldPage) -> list[dict[str, Any]]:
    """The posts a mutated page should still give: the gold's, but where classes are all gone.

    Every other mutation is one HTML treats as the same page (or a wrapper a CMS adds), so the
    gold holds as it is. With every class stripped (Readability, sanitize-html, nh3, bleach) a
    post stays recognisable only where its form is told by something else: a tweet blockquote's
    signature ("(@handle)" then its dated status link), a rendered iframe (src, data-tweet-id), an
    AMP or widget tag name, note.com's `embedded-service`, a tombstone in x.com's or old
    twitter.com's own markup (`data-testid` cells, `data-item-type` stream items). A link-only
    blockquote is then a quoted link; a Substack card, an `fb-post` div and other platforms'
    blockquotes are nothing but their classes: those drop out by design.
    """
    if mutation != "classes-all-stripped":
        return list(page.posts)
    return [post for post in page.posts if survives_without_classes(post, page.markup)]


@lru_cache(maxsize=8)
def _attribute_index(markup: str) -> list[tuple[LexborNode, str, bool]]:
    """Every element of the page and of wrappers' markup: (element, its attribute values, whether
    the mutation rewrote it). A consent textarea or a `data-content` attribute holds its markup
    as text, which the mutation never touches: embeds there keep their classes."""
    trees = [(LexborHTMLParser(markup), True)]
    for wrapper in trees[0][0].css(WRAPPERS):
        if wrapper.tag == "template":  # lexbor keeps template content out of the tree
            outer = wrapper.html or ""
            trees.append((LexborHTMLParser(outer[outer.find(">") + 1 : outer.rfind("<")]), True))
        elif wrapper.tag == "textarea":
            trees.append((LexborHTMLParser(wrapper.text(deep=True)), False))
        else:
            trees.append(
                (LexborHTMLParser(unquote_plus(wrapper.attributes.get("data-content") or "")), False)
            )
    index = []
    for tree, rewritten in trees:
        root = tree.root
        if root is None:
            continue
        for node in root.traverse():
            values = " ".join(v for v in node.attributes.values() if v)
            if values:
                index.append((node, values, rewritten))
    return index


def survives_without_classes(post: dict[str, Any], markup: str) -> bool:
    ident = post.get("post_id")
    if not ident:
        return False
    index = _attribute_index(markup)
    for node, values, rewritten in index:
        if ident in values and (not rewritten or _told_without_classes(node, post)):
            return True
    # A saved x.com status page: its own address names the post its first conversation cell
    # shows, and the cell is told by its data-testid.
    return (
        bool(post.get("status"))
        and any(ident in values and node.tag in ("link", "meta") for node, values, _ in index)
        and any(_app_item(node) for node, _, _ in index)
    )


def _app_item(node: LexborNode) -> bool:
    """An item of the platforms' own app markup, which carries no class to strip: an x.com
    conversation cell or an old twitter.com stream item."""
    return (
        node.attributes.get("data-testid") == "cellInnerDiv"
        or node.attributes.get("data-item-type") == "tweet"
    )


def _told_without_classes(holder: LexborNode, post: dict[str, Any]) -> bool:
    if holder.tag == "iframe":
        source = f"{holder.attributes.get('src') or ''} {holder.attributes.get('data-src') or ''}"
        return "data-tweet-id" in holder.attributes or any(host in source for host in EMBED_HOSTS)
    chain: list[LexborNode] = []
    node: LexborNode | None = holder
    while node is not None:
        chain.append(node)
        node = node.parent
    if any((n.tag or "").startswith(WIDGET_TAGS) or "embedded-service" in n.attributes for n in chain):
        return True
    if post.get("status") and any(_app_item(n) for n in chain):
        return True  # a tombstone in the platform's own app markup, told by data attributes
    quote = next((n for n in chain if n.tag == "blockquote"), None)
    if post.get("platform") != "twitter" or holder.tag != "a" or quote is None:
        return False
    return bool(SIGNATURE.search(quote.text(deep=True))) and any(c.isdigit() for c in holder.text())


def score_mutation(mutation: str, pages: Sequence[GoldPage]) -> Score:
    total = Score()
    for page in pages:
        for _, markup in iter_mutations(page.markup, [mutation]):
            found = extract_page(markup).posts
            total.add(score_page(page.name, expected_posts(mutation, page), found))
    return total


def report_line(name: str, score: Score) -> str:
    return (
        f"| {name} | {score.gold} | {score.predicted} | {score.matched} | {score.recall:.3f} | "
        f"{score.precision:.3f} | {score.field_accuracy:.3f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-fixtures", action="store_true", help="score the corpus pages only")
    parser.add_argument("--only", nargs="*", choices=sorted(MUTATIONS), help="these mutations only")
    parser.add_argument("--pages", type=int, help="the first N pages only (a smoke run)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    corpus = args.corpus if (args.corpus / "expected").is_dir() else None
    if corpus is None:
        print(f"warning: {args.corpus}: no corpus there; scoring the fixtures only", file=sys.stderr)
    pages = load_pages(corpus, fixtures=not args.no_fixtures)[: args.pages]
    names = args.only or list(MUTATIONS)
    print(f"{len(pages)} pages, {sum(len(p.posts) for p in pages)} gold posts")
    print("| mutation | expected | predicted | matched | recall | precision | fields |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    overall = Score()
    for name in names:
        score = score_mutation(name, pages)
        overall.add(score)
        print(report_line(name, score))
        if args.misses:
            for miss in score.misses:
                print(f"    - {miss}")
    print(report_line("**all**", overall))
    worst = [f for f in FIELDS if overall.field_totals[f] and overall.field_rate(f) < 1.0]
    shown = ", ".join(f"{name} {overall.field_rate(name):.3f}" for name in worst)
    print(f"fields below 1.000 overall: {shown or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
