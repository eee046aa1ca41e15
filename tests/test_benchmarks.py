"""Every benchmark runs: a smoke run of each on about three pages, as `python -m benchmarks.NAME`.

The figures of such a run mean nothing; what is held here is that each script still runs through
the product's public names and still checks what it checks (the fast path against the reference
path, the scorer against its gold). Real runs and their figures: benchmarks/README.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, needs_realworld

FIXTURES = ROOT / "fixtures"
SMOKE_PAGES = 3
# Three golden fixtures in the corpus layout (pages/ + expected/) the scorer reads.
SCORED_FIXTURES = ("seed-article", "twitter-rendered-forms", "bluesky-embed")


def run(name: str, *args: str) -> str:
    """`python -m benchmarks.NAME ARGS` from the repository root; its stdout (it must succeed)."""
    env = {key: value for key, value in os.environ.items() if key != "QUOTES_TEST_POSTGRES_URL"}
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated benchmark corpus of SMOKE_PAGES pages (its shells are the real-world pages)."""
    if not (ROOT.parent / "shared" / "corpus" / "realworld" / "pages").is_dir():
        pytest.skip("the benchmark corpus is built from ../shared/corpus/realworld")
    out = tmp_path_factory.mktemp("bench") / "corpus"
    manifest = json.loads(
        run("make_corpus", "--pages", str(SMOKE_PAGES), "--megabytes", "1", "--out", str(out))
    )
    assert manifest["pages"] == SMOKE_PAGES
    assert len(list((out / "pages").iterdir())) == SMOKE_PAGES
    return out


@needs_realworld
def test_bench_extract_finds_the_fast_path_identical_to_the_reference(corpus: Path) -> None:
    out = run("bench_extract", "--corpus", str(corpus), "--runs", "1", "--bs4-every", "1")
    verdicts = [line for line in out.splitlines() if line.startswith("fast vs reference")]
    assert len(verdicts) == 2
    assert all(line.endswith(": identical") for line in verdicts), verdicts


@needs_realworld
def test_bench_ingest_runs_both_job_counts(corpus: Path) -> None:
    out = run("bench_ingest", "--corpus", str(corpus), "--repeats", "1")
    assert "`quotes ingest --jobs 1` into SQLite" in out
    assert "`quotes ingest --jobs 2` into SQLite" in out
    assert "target peak memory" in out


def test_bench_dask_compares_the_executors_on_the_same_warcs() -> None:
    pytest.importorskip("distributed", reason="bench_dask needs quote-archiver[dask]")
    if not (ROOT.parent / "shared" / "corpus" / "realworld" / "pages").is_dir():
        pytest.skip("bench_dask's WARCs are built from ../shared/corpus/realworld")
    out = run("bench_dask", "--copies", "1", "--files", "2", "--repeats", "1")
    for label in ("local pool, --jobs 2", "Dask, 2 workers", "Dask, 1 worker"):
        assert f"\n{label} " in out
    assert "pages per CPU-second, Dask against the local pool:" in out


def test_bench_queries_builds_a_small_archive_and_queries_it(tmp_path: Path) -> None:
    out = run(
        "bench_queries", "--posts", "300", "--db", str(tmp_path / "q.db"), "--runs", "3", "--export-runs", "1"
    )
    assert re.search(r"^archive: [1-9][\d,]* posts", out, re.MULTILINE), out[:500]
    assert "target export" in out
    assert "target CJK 2-character word (bigram), every match" in out
    assert re.search(r"^full-text index \(posts_fts\*\): [\d.,]+ MB; posts.cjk_terms", out, re.MULTILINE)
    compared = run(
        "bench_queries", "--posts", "300", "--db", str(tmp_path / "q.db"), "--runs", "3", "--compare-index"
    )
    assert "on the index without it" in compared


def test_bench_cjk_compares_the_designs_and_finds_exactly_the_posts() -> None:
    out = run("bench_cjk", "--posts", "400", "--runs", "3")
    rows = [line for line in out.splitlines() if line.startswith("| bigrams") or line.startswith("| trigram")]
    assert len(rows) == 4 and all(row.endswith("| yes |") for row in rows), out


def test_bench_store_ingests_and_queries(tmp_path: Path) -> None:
    assert "| SQLite | first |" in run("bench_store", "ingest", "--pages", str(SMOKE_PAGES))
    out = run("bench_store", "queries", "--posts", "300", "--db", str(tmp_path / "s.db"))
    assert "export (iter_records + csv, streaming)" in out
    inserts = run("bench_store", "inserts", "--posts", "300", "--repeats", "1")
    assert "SQLite: rows stored by the two inserts: identical" in inserts


def test_bench_terminal_compares_the_widths_and_the_bars() -> None:
    out = run("bench_terminal", "--updates", "200", "--repeats", "1")
    assert "| `terminal.cell_width` (wcwidth) |" in out
    assert "| `click.progressbar` |" in out


@pytest.mark.parametrize("archive", [True, False], ids=["archive", "extraction"])
def test_score_corpus_scores_golden_fixtures_perfectly(tmp_path: Path, archive: bool) -> None:
    for folder in ("pages", "expected"):
        (tmp_path / folder).mkdir()
    for name in SCORED_FIXTURES:
        shutil.copy(FIXTURES / f"{name}.html", tmp_path / "pages" / f"{name}.html")
        shutil.copy(FIXTURES / f"{name}.json", tmp_path / "expected" / f"{name}.json")
    out = run("score_corpus", str(tmp_path), *([] if archive else ["--no-archive"]))
    gold = sum(len(json.loads((FIXTURES / f"{n}.json").read_text())["posts"]) for n in SCORED_FIXTURES)
    assert f"all platforms: gold {gold}, predicted {gold}, matched {gold}" in out
    assert "F1 1.0000  field accuracy 1.0000" in out


def test_bench_textforms_times_each_hostile_input_at_doubling_sizes() -> None:
    # Tiny sizes: the ratios mean nothing here (timer noise), the exit code is not judged.
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_textforms", "--scale", "0.01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    assert "worst ratio" in out, done.stderr[-2000:]
    rows = [line for line in out.splitlines() if line.startswith("| ") and "|---" not in line][1:]
    assert len(rows) >= 16, out
    assert all(line.count("|") == 6 for line in rows), out


def test_bench_hostile_prints_a_growth_factor_for_each_class() -> None:
    # Tiny sizes: the factors mean nothing here (fixed costs dominate), the exit code is not judged.
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_hostile", "--base-kb", "4", "--repeat", "1", "nested MIME"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "worst growth per doubling" in done.stdout, done.stderr[-2000:]
    assert "nested MIME" in done.stdout


def test_score_mutations_scores_each_mutation_of_a_few_pages(tmp_path: Path) -> None:
    for folder in ("pages", "expected"):
        (tmp_path / folder).mkdir()
    for name in SCORED_FIXTURES:
        shutil.copy(FIXTURES / f"{name}.html", tmp_path / "pages" / f"{name}.html")
        shutil.copy(FIXTURES / f"{name}.json", tmp_path / "expected" / f"{name}.json")
    out = run(
        "score_mutations", "--corpus", str(tmp_path), "--no-fixtures", "--only", "identity", "tags-upper"
    )
    gold = sum(len(json.loads((FIXTURES / f"{n}.json").read_text())["posts"]) for n in SCORED_FIXTURES)
    assert f"| identity | {gold} | {gold} | {gold} | 1.000 | 1.000 | 1.000 |" in out
    assert f"| tags-upper | {gold} | {gold} | {gold} | 1.000 | 1.000 | 1.000 |" in out


@needs_realworld
def test_bench_evidence_finds_every_appearance_again() -> None:
    out = run("bench_evidence", "--runs", "1")
    counts = re.search(r"(\d+) appearances, found again: (\d+), markup not at its offset: 0", out)
    assert counts is not None, out
    assert counts[1] == counts[2]
    assert "ratio" in out


def test_bench_crawl_prints_every_target_and_the_identity_checks() -> None:
    out = run("bench_crawl", "--pages", "12", "--repeats", "1", "--bs4-every", "4")
    targets = [line for line in out.splitlines() if line.startswith("target ")]
    assert len(targets) == 5
    identity = next(line for line in out.splitlines() if line.startswith("identity:"))
    distinct = re.search(r"(\d+)/(\d+) distinct pages", identity)
    assert distinct is not None and distinct.group(1) == distinct.group(2)
    assert "0 of 12 pages differ" in identity


def test_bench_loading_times_each_stage_on_a_corpus(corpus: Path) -> None:
    out = run("bench_loading", "--corpus", str(corpus), "--repeats", "1")
    assert f"dense corpus: {SMOKE_PAGES} pages" in out
    assert "| loading + metadata |" in out
