"""Loading, metadata and extraction per CPU-second on the dense corpus, runnable against any tree.

    python -m benchmarks.make_corpus                      # once: benchmarks/corpus/
    python -m benchmarks.bench_loading [--corpus benchmarks/corpus] [--repeats 5]
    PYTHONPATH=OTHER_TREE python benchmarks/bench_loading.py --corpus ...   # the same, older code

Issue 17 asks the dense corpus (benchmarks/make_corpus.py: embeds on four pages in five) for
extraction no slower than before and loading plus metadata at half their cost before. Metadata
is timed as the ingest pays it: where this tree's `extract_page` reads the <head> of the posts'
parse (`extract_metadata(tree=..., utf8=...)`), the metadata is timed on that tree, parsed
beforehand and not timed; an older tree parses the head on its own. Only the product's public
names are used, so the script runs on the code before the change too (alternate the two runs:
the machine is shared).
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from collector.extract import extract_page, has_markers
from collector.extract.metadata import extract_metadata
from collector.inputs.loaders import InputOptions, Page, iter_pages

MB = 1_000_000
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "benchmarks" / "corpus"


def best_cpu(work: Callable[[], object], repeats: int) -> float:
    """The fewest CPU seconds of `repeats` runs of `work`."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def load(folder: Path) -> list[Page]:
    return [page for page in iter_pages([str(folder)], InputOptions(), None) if isinstance(page, Page)]


def metadata_as_ingested(pages: list[Page]) -> Callable[[], object]:
    """The metadata of every page as this tree's `extract_page` computes it."""
    reuses = "tree" in inspect.signature(extract_metadata).parameters
    if not reuses:
        return lambda: [extract_metadata(page.text) for page in pages]
    trees = [LexborHTMLParser(page.utf8 or page.text) if has_markers(page.data) else None for page in pages]
    return lambda: [
        extract_metadata(page.text, tree=tree, utf8=page.utf8)  # type: ignore[call-arg]
        for page, tree in zip(pages, trees, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each; the fewest CPU seconds count")
    args = parser.parse_args()
    folder = args.corpus / "pages"
    pages = load(folder)
    size = sum(len(page.data) for page in pages) / MB
    loading = best_cpu(lambda: load(folder), args.repeats)
    metadata = best_cpu(metadata_as_ingested(pages), args.repeats)
    extraction = best_cpu(
        lambda: [extract_page(page.text, kind=page.kind, utf8=page.utf8) for page in pages], args.repeats
    )
    print(
        f"dense corpus: {len(pages)} pages, {size:,.1f} MB; "
        f"code: {Path(inspect.getfile(extract_page)).parents[2]}"
    )
    print("| stage | CPU s (best) | MB per CPU-second |")
    print("|---|---:|---:|")
    for label, seconds in (
        ("loading (`iter_pages`)", loading),
        ("metadata, as the ingest pays it", metadata),
        ("loading + metadata", loading + metadata),
        ("extraction `extract_page` (metadata included)", extraction),
    ):
        print(f"| {label} | {seconds:.3f} | {size / seconds:,.0f} |")


if __name__ == "__main__":
    main()
