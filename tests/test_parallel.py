"""collector.parallel: worker processes give exactly what one process gives, in input order."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector import parallel
from collector.cli import cli
from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages
from collector.parallel import PageInfo, extract_files
from collector.scale.executors import LocalProcesses, as_done, in_order
from collector.scale.futures import Done

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_pages() -> list[Path]:
    return sorted(FIXTURES.glob("*.html"))


def serial(paths: list[Path]) -> list[tuple[str, str, tuple[object, ...]]]:
    found: list[tuple[str, str, tuple[object, ...]]] = []
    for item in iter_pages([str(p) for p in paths], InputOptions(), None):
        assert not isinstance(item, LoadError)
        found.append((item.source, item.sha256, extract_page(item.text, kind=item.kind).posts))
    return found


def test_two_workers_match_one_process_in_input_order() -> None:
    paths = fixture_pages()
    assert len(paths) > 4
    # Chunks of two pages: several tasks per worker, so ordering across workers is exercised.
    results = list(extract_files(paths, InputOptions(), 2, chunk_pages=2))
    got = []
    for info, outcome in results:
        assert isinstance(info, PageInfo)
        assert outcome is not None and not isinstance(outcome, str)
        got.append((info.source, info.sha256, outcome.posts))
    assert got == serial(paths)
    assert any(posts for _, _, posts in got)


def test_bad_files_and_enumeration_errors_keep_their_place(tmp_path: Path) -> None:
    paths = fixture_pages()[:3]
    missing = tmp_path / "gone.html"
    walk_error = LoadError("unreadable/", "permission denied")
    files: list[Path | LoadError] = [paths[0], missing, walk_error, paths[1], paths[2]]
    results = list(extract_files(files, InputOptions(), 2, chunk_pages=2))
    sources = [item.source for item, _ in results]
    assert sources == [str(paths[0]), str(missing), "unreadable/", str(paths[1]), str(paths[2])]
    assert isinstance(results[1][0], LoadError) and results[1][1] is None
    assert results[2] == (walk_error, None)


def test_a_run_smaller_than_one_chunk_needs_no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("worker processes started for a few pages")

    monkeypatch.setattr(parallel, "LocalProcesses", no_pool)
    paths = fixture_pages()[:3]
    results = list(extract_files(paths, InputOptions(), 2))
    assert [(info.source, info.sha256, outcome.posts) for info, outcome in results] == serial(paths)  # type: ignore[union-attr]


def test_ingest_with_two_jobs_stores_what_one_job_stores(tmp_path: Path) -> None:
    # More files than one chunk, so `quotes ingest --jobs 2` hands them to worker processes.
    pages = tmp_path / "pages"
    pages.mkdir()
    sources = fixture_pages()
    for index in range(parallel.CHUNK_PAGES + 6):
        source = sources[index % len(sources)].read_text(encoding="utf-8")
        (pages / f"{index:03d}.html").write_text(f"<!-- copy {index} -->\n{source}", encoding="utf-8")
    (pages / "broken.html").write_bytes(b"\x00" * 10)
    exports = []
    for jobs in ("1", "2"):
        database = str(tmp_path / f"jobs{jobs}.db")
        runner = CliRunner()
        ingested = runner.invoke(cli, ["--db", database, "ingest", str(pages), "--jobs", jobs, "--quiet"])
        assert ingested.exit_code in (0, 1), ingested.output
        exported = runner.invoke(cli, ["--db", database, "export", "--format", "jsonl"])
        assert exported.exit_code == 0, exported.output
        exports.append((ingested.exit_code, exported.output))
    assert exports[0] == exports[1]
    assert exports[0][1].count("\n") > 10


def test_the_last_chunks_shrink_so_the_workers_finish_together() -> None:
    items = list(range(1000))
    chunks = list(parallel.balanced_chunks(items, 64, 2))
    assert [item for chunk in chunks for item in chunk] == items  # all, in order, once
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) == 64 and sizes[0] == 64
    tail = sizes[sizes.index(min(s for s in sizes if s < 64)) :]
    assert tail == sorted(tail, reverse=True)  # largest first, then smaller and smaller
    assert min(sizes[:-1]) >= parallel.MIN_CHUNK_PAGES
    assert list(parallel.balanced_chunks([], 64, 2)) == []
    assert list(parallel.balanced_chunks([1, 2, 3], 64, 2)) == [[1, 2, 3]]


def shout_source(info: PageInfo, extraction: object) -> str:
    """A `finish` for the tests below (module level, so that it pickles to the workers)."""
    if "seed" in info.source:
        raise ValueError("refused")
    return info.source.upper()


def test_finish_runs_in_the_workers_and_its_failure_is_one_line() -> None:
    paths = fixture_pages()
    results = list(parallel.process_files(paths, InputOptions(), 2, shout_source, chunk_pages=2))
    assert [info.source for info, _ in results] == [str(p) for p in paths]
    for info, outcome in results:
        expected = "cannot save: ValueError: refused" if "seed" in info.source else info.source.upper()
        assert outcome == expected
    assert any("seed" in info.source for info, _ in results)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


WORKERS_SCRIPT = """
import os, sys, time
from pathlib import Path
from collector import parallel
from collector.inputs.loaders import InputOptions

def slow(info, extraction):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: lines from two workers never interleave
    time.sleep(0.1)
    return 0

paths = sorted(Path(sys.argv[1]).glob("*.html")) * 50
for _ in parallel.process_files(paths, InputOptions(), 2, slow, chunk_pages=2):
    pass
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(WORKERS_SCRIPT)
    root = Path(__file__).resolve().parents[1]
    main = subprocess.Popen(
        [sys.executable, str(script), str(FIXTURES)], stdout=subprocess.PIPE, text=True, cwd=root
    )
    assert main.stdout is not None
    workers: set[int] = set()
    try:
        while len(workers) < 2:
            workers.add(int(main.stdout.readline()))
    finally:
        main.kill()  # SIGKILL: no cleanup runs in the main process
        main.wait()
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers)


def nap(seconds: float) -> float:
    """A task for the executor tests (module level, so that it pickles to the workers)."""
    time.sleep(seconds)
    return seconds


def test_as_done_gives_each_result_when_its_task_is_done_and_in_order_waits_for_the_first() -> None:
    executor = LocalProcesses(2)
    try:
        items: list[float | Done[float]] = [1.0, 0.0, Done(-1.0), 0.0]
        taken = list(as_done(executor, nap, items))
        assert sorted(taken) == [-1.0, 0.0, 0.0, 1.0] and taken[-1] == 1.0  # the slow file last
        assert list(in_order(executor, nap, items)) == [1.0, 0.0, -1.0, 0.0]
    finally:
        executor.close()
