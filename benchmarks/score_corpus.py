"""Score the real-world corpus through the normal ingest path: precision, recall, F1, field accuracy.

    python -m benchmarks.score_corpus [CORPUS_DIR] [--platform twitter] [--misses] [--no-archive]

By default every page is ingested as `quotes ingest` does (loaders, extraction, the pipeline's
batched saving) into a throwaway SQLite archive, and each page's posts are read back from the
archive in the order they appeared; so the figures cover what the archive keeps, not only what
extraction finds. `--no-archive` scores extraction alone (loaders, then extraction).
CORPUS_DIR defaults to ../shared/corpus/realworld beside the repository. Figures go to stdout;
with --misses every missed, extra or wrong post is listed too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.scoring import FIELDS, Score, score_corpus, total_score
from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages
from collector.pipeline import IngestOptions, ingest
from collector.values import Post
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.records import iter_article_posts

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"


def warn(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def extract_file(path: Path) -> Sequence[Post]:
    """One saved page through the loaders (decoding, containers), then extraction."""
    posts: list[Post] = []
    for item in iter_pages([str(path)], InputOptions(), None):
        if isinstance(item, LoadError):
            warn(str(item))
            continue
        posts.extend(extract_page(item.text, kind=item.kind).posts)
    return posts


def archived_posts(corpus: Path) -> dict[str, list[Post]]:
    """Ingest every page into a throwaway archive; each page's posts as the archive returns them."""
    pages = [str(path) for path in sorted((corpus / "pages").glob("*.html"))]
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(database_url(str(Path(folder) / "score.db")))
        try:
            prepare_database(engine)
            ingest(iter_pages(pages, InputOptions(), None), engine, IngestOptions(report=warn))
            return _read_back(engine)
        finally:
            engine.dispose()


def _read_back(engine: Engine) -> dict[str, list[Post]]:
    found: dict[str, list[Post]] = {}
    with session_scope(engine, readonly=True) as session:
        for source, post in iter_article_posts(session):
            found.setdefault(Path(source).stem, []).append(post)
    return found


def report(label: str, score: Score) -> str:
    lines = [
        f"{label}: gold {score.gold}, predicted {score.predicted}, matched {score.matched}",
        f"  precision {score.precision:.4f}  recall {score.recall:.4f}  F1 {score.f1:.4f}"
        f"  field accuracy {score.field_accuracy:.4f}",
        "  " + "  ".join(f"{name} {score.field_rate(name):.3f}" for name in FIELDS),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--platform", help="score one platform only (e.g. twitter)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--no-archive", action="store_true", help="score extraction alone, no archive")
    args = parser.parse_args(argv)
    if not (args.corpus / "expected").is_dir():
        print(f"Error: {args.corpus}: no expected/ folder; give the corpus directory", file=sys.stderr)
        return 2
    if args.no_archive:
        extract = extract_file
    else:
        stored = archived_posts(args.corpus)

        def extract(path: Path) -> Sequence[Post]:
            return stored.get(path.stem, [])

    print("path: " + ("loaders + extraction" if args.no_archive else "quotes ingest into an archive"))
    for platform in [args.platform] if args.platform else ["twitter", None]:
        total = total_score(score_corpus(args.corpus, extract, platform=platform).values())
        print(report(platform or "all platforms", total))
        if args.misses:
            for miss in total.misses:
                print("  - " + miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
