"""`quotes ingest` in instructions, this tree against another: a figure a loaded machine cannot move.

    python -m benchmarks.make_corpus                       # once: benchmarks/corpus/
    git worktree add /tmp/before REV                       # the code to compare against
    python -m benchmarks.bench_instructions --other /tmp/before [--pages 150] [--corpus DIR]

CPU seconds on a shared two-core machine move by 30 % from run to run; valgrind's callgrind counts
the instructions a run executes, which other processes do not change (the hash seed is fixed, so
set and dict orders repeat too). Each
tree ingests the first N corpus pages into a fresh SQLite archive (`quotes ingest --jobs 1`, in
one process, under callgrind), and ingests nothing once more: the difference is the instructions
of the pages alone, without the start-up (imports, creating the archive). Prints both trees'
figures and their ratio. Slow (valgrind runs the code about 50× slower): 150 pages take minutes.
The other tree is imported instead of this one by putting it first on the path and dropping the
editable install's finder, so both run in this venv with the same libraries.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "benchmarks" / "corpus"
TOTALS = re.compile(r"^totals:\s*(\d+)", re.MULTILINE)
# Run under callgrind: import `collector` from TREE, ingest PAGES into DB.
RUNNER = """
import sys
tree, pages, db = sys.argv[1:4]
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, tree)
import collector
assert collector.__file__.startswith(tree), collector.__file__
from collector.cli import main
sys.argv = ["quotes", "--db", db, "ingest", pages, "--jobs", "1", "--quiet"]
try:
    main()
except SystemExit as stop:
    if stop.code not in (0, None):
        raise
"""


def instructions(tree: Path, pages: Path, work: Path) -> int:
    """Instructions of one ingest of `pages` by the code in `tree` (callgrind's total)."""
    out, db = work / "callgrind.out", work / "archive.db"
    for stale in work.glob("archive.db*"):
        stale.unlink()
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
        sys.executable, "-c", RUNNER, str(tree), str(pages), str(db),
    ]  # fmt: skip
    # A fixed hash seed: set and dict orders, and so the instructions, repeat from run to run.
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = TOTALS.search(out.read_text(encoding="utf-8", errors="replace"))
    if found is None:
        raise SystemExit(f"{out}: no totals line from callgrind")
    return int(found[1])


def per_page_work(tree: Path, pages: Path, empty: Path, work: Path) -> tuple[int, int]:
    """(instructions for the pages alone, instructions of the start-up) for one tree."""
    whole, fixed = instructions(tree, pages, work), instructions(tree, empty, work)
    return whole - fixed, fixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="the other tree (a git worktree)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=150, help="the first N corpus pages")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    files = sorted((args.corpus / "pages").glob("*.html"))[: args.pages]
    if not files:
        raise SystemExit(f"{args.corpus}: no pages; run python -m benchmarks.make_corpus")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        pages, empty = work / "pages", work / "empty"
        pages.mkdir()
        empty.mkdir()
        for page in files:
            shutil.copyfile(page, pages / page.name)
        size = sum(page.stat().st_size for page in files) / 1e6
        print(f"{len(files)} pages ({size:.1f} MB) of {args.corpus}, quotes ingest --jobs 1, fresh SQLite")
        print("| tree | instructions, pages alone | per page | start-up |")
        print("|---|---:|---:|---:|")
        figures = {}
        for name, tree in (("other", args.other.resolve()), ("this", REPO)):
            alone, fixed = per_page_work(tree, pages, empty, work)
            figures[name] = alone
            print(f"| {name} ({tree}) | {alone:,} | {alone // len(files):,} | {fixed:,} |")
        print(f"this / other, pages alone: {figures['this'] / figures['other']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
