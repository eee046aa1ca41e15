"""Score extraction on the real-world corpus: precision, recall, F1 and per-field accuracy.

    python benchmarks/score_corpus.py [CORPUS_DIR] [--platform twitter] [--misses]

CORPUS_DIR defaults to ../shared/corpus/realworld beside the repository. Figures go to stdout;
with --misses every missed, extra or wrong post is listed too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector.extract import extract_page
from collector.loaders import InputOptions, LoadError, iter_pages
from collector.posts import Post
from collector.scoring import FIELDS, Score, score_corpus, total_score

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"


def extract_file(path: Path) -> Sequence[Post]:
    """One saved page through the normal ingest path: the loaders (decoding, containers), then
    extraction, as `quotes ingest` runs them."""
    posts: list[Post] = []
    for item in iter_pages([str(path)], InputOptions(), None):
        if isinstance(item, LoadError):
            print(f"warning: {item}", file=sys.stderr)
            continue
        posts.extend(extract_page(item.text, kind=item.kind).posts)
    return posts


def report(label: str, score: Score) -> str:
    lines = [
        f"{label}: gold {score.gold}, predicted {score.predicted}, matched {score.matched}",
        f"  precision {score.precision:.4f}  recall {score.recall:.4f}  F1 {score.f1:.4f}"
        f"  field accuracy {score.field_accuracy:.4f}",
        "  " + "  ".join(f"{name} {score.field_rate(name):.3f}" for name in FIELDS),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--platform", help="score one platform only (e.g. twitter)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not (args.corpus / "expected").is_dir():
        print(f"Error: {args.corpus}: no expected/ folder; give the corpus directory", file=sys.stderr)
        return 2
    platforms = [args.platform] if args.platform else ["twitter", None]
    for platform in platforms:
        total = total_score(score_corpus(args.corpus, extract_file, platform=platform).values())
        print(report(platform or "all platforms", total))
        if args.misses:
            for miss in total.misses:
                print("  - " + miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
