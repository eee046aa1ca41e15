"""`quotes ingest --dask`: WARC collections on a Dask cluster give the archive one process gives.

A local cluster (2 worker processes) ingests WARCs made from the real-world corpus, on SQLite (the
rows stream back to the one writer here) and PostgreSQL (the workers write themselves), and the
archive must hold exactly the posts, articles and appearances of a one-process SQLite ingest of
the same files. Then the faults: a rerun adds nothing, a worker killed mid-task leaves the same
archive, a missing or broken WARC is one line, a truncated one keeps its pages before the cut, an
unreachable scheduler is one line, and a run stopped by Ctrl-C keeps the files it finished.

One cluster serves the module (starting one takes seconds); the `--dask local` path, which starts
its own, is run once through the command line.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from benchmarks.warcs import write_warcs
from collector.inputs.loaders import InputOptions
from collector.pipeline import IngestOptions, IngestSummary
from collector.pipeline.runs import FileTask, ingest_inputs, run_file
from collector.scale.cluster import start_local_cluster
from collector.scale.executors import ScaleOptions
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.models import Appearance, Article, Source
from db.queries import Filters
from db.records import iter_records
from tests.conftest import needs_realworld, realworld_pages

distributed = pytest.importorskip("distributed", reason="the Dask tests need quote-archiver[dask]")
psutil = pytest.importorskip("psutil", reason="the killed-worker test finds the worker by its socket")

pytestmark = needs_realworld

WARC_FILES = 4
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_warcs(tmp_path_factory.mktemp("warcs"), realworld_pages(), WARC_FILES)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """The LocalCluster `--dask local --jobs 2` starts (2 worker processes), for the module."""
    with start_local_cluster(2) as local, distributed.Client(local) as client:
        yield local, client


def archive(engine: Engine) -> dict[str, Any]:
    """What a user gets from the archive: every post record, the articles' sources, appearances."""
    with session_scope(engine, readonly=True) as session:
        records = sorted(iter_records(session, Filters()), key=lambda r: (r["platform"], r["post_id"]))
        sources = sorted(session.execute(select(Article.source)).scalars())
        appearances = session.execute(select(func.count()).select_from(Appearance)).scalar_one()
    for record in records:
        record["article_urls"] = sorted(record["article_urls"] or [])
    return {"records": records, "sources": sources, "appearances": appearances}


@pytest.fixture(scope="module")
def expected(warcs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The archive of a one-process SQLite ingest of the same WARCs."""
    engine = make_engine(database_url(str(tmp_path_factory.mktemp("one") / "quotes.db")))
    prepare_database(engine)
    try:
        summary = ingest_inputs([str(p) for p in warcs], engine, InputOptions(), IngestOptions(jobs=1))
        assert summary.failed == 0 and summary.pages == len(realworld_pages())
        return archive(engine)
    finally:
        engine.dispose()


def run_dask(
    engine: Engine, paths: list[str], address: str, **options: Any
) -> tuple[IngestSummary, list[str]]:
    lines: list[str] = []
    inputs = InputOptions(from_file=options.pop("from_file", None))
    scale = ScaleOptions(address, **options)
    summary = ingest_inputs(paths, engine, inputs, IngestOptions(jobs=2, report=lines.append, scale=scale))
    return summary, lines


def done_sources(engine: Engine) -> dict[str, tuple[int, int, str | None]]:
    with session_scope(engine, readonly=True) as session:
        rows = session.execute(select(Source.uri, Source.pages, Source.posts, Source.error)).all()
    return {uri: (pages, posts, error) for uri, pages, posts, error in rows}


def test_a_cluster_gives_the_posts_of_one_process_and_a_rerun_adds_nothing(
    engine: Engine, warcs: list[Path], cluster: Any, expected: dict[str, Any]
) -> None:
    local, _ = cluster
    summary, lines = run_dask(engine, [str(p) for p in warcs], local.scheduler_address)
    assert lines == []
    assert (summary.pages, summary.failed) == (len(realworld_pages()), 0)
    assert archive(engine) == expected
    assert all(source.rsplit("#", 1)[1].isdigit() for source in expected["sources"])  # file.warc.gz#OFFSET
    recorded = done_sources(engine)
    assert sorted(recorded) == [str(p) for p in warcs]
    assert sum(pages for pages, _, _ in recorded.values()) == summary.pages
    assert {error for _, _, error in recorded.values()} == {None}

    rerun, lines = run_dask(engine, [str(p) for p in warcs], local.scheduler_address)
    assert lines == [f"{WARC_FILES} files already done, not read again (--redo reads them)"]
    assert (rerun.pages, rerun.new) == (0, 0)
    redo, _ = run_dask(engine, [str(p) for p in warcs], local.scheduler_address, redo=True)
    assert (redo.pages, redo.new, redo.known) == (summary.pages, 0, summary.posts)
    assert archive(engine) == expected


class KillOnce(http.server.SimpleHTTPRequestHandler):
    """Serves the WARCs; the first request for `victim` kills the worker process that made it."""

    victim = ""
    killed: list[int]

    def do_GET(self) -> None:
        if self.path.endswith(self.victim) and not self.killed:
            port = self.client_address[1]
            for connection in psutil.net_connections(kind="tcp"):
                if connection.laddr and connection.laddr.port == port and connection.pid:
                    self.killed.append(connection.pid)
                    os.kill(connection.pid, signal.SIGKILL)
                    return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def warc_site(warcs: list[Path]) -> Iterator[tuple[str, list[int]]]:
    """The WARCs over HTTP on 127.0.0.1, and the pids the server killed."""
    killed: list[int] = []
    handler = type("Handler", (KillOnce,), {"victim": warcs[1].name, "killed": killed})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(warcs[0].parent))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", killed
    finally:
        server.shutdown()
        server.server_close()


def test_a_worker_killed_mid_task_leaves_the_same_archive(
    engine: Engine,
    warcs: list[Path],
    cluster: Any,
    expected: dict[str, Any],
    warc_site: tuple[str, list[int]],
    tmp_path: Path,
) -> None:
    """Read over HTTP (fsspec) from a Common Crawl style warc.paths.gz with --input-base."""
    site, killed = warc_site
    manifest = tmp_path / "warc.paths.gz"
    manifest.write_bytes(gzip.compress("".join(f"{p.name}\n" for p in warcs).encode()))
    local, _ = cluster
    summary, lines = run_dask(engine, [], local.scheduler_address, from_file=str(manifest), input_base=site)
    assert len(killed) == 1  # the worker reading warcs[1] died; the scheduler ran its task again
    assert lines == []
    assert summary.failed == 0
    got = archive(engine)
    assert got["sources"] == sorted(s.replace(str(warcs[0].parent), site) for s in expected["sources"])
    assert got["records"] == expected["records"] and got["appearances"] == expected["appearances"]
    assert sorted(done_sources(engine)) == [f"{site}/{p.name}" for p in warcs]


def test_a_truncated_warc_keeps_its_pages_before_the_cut(
    engine: Engine, warcs: list[Path], cluster: Any, tmp_path: Path
) -> None:
    data = warcs[0].read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    local, _ = cluster
    summary, lines = run_dask(engine, [str(cut)], local.scheduler_address)
    assert summary.pages > 0 and summary.failed == 1
    assert len(lines) == 1 and lines[0].startswith(f"{cut}: ")
    pages, _, error = done_sources(engine)[str(cut)]
    assert pages == summary.pages and error is not None and error in lines[0]
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == pages


def test_ctrl_c_keeps_the_finished_files_recorded(
    engine: Engine, warcs: list[Path], cluster: Any, expected: dict[str, Any]
) -> None:
    local, _ = cluster

    def interrupt(summary: IngestSummary) -> None:
        raise KeyboardInterrupt  # as Ctrl-C does in the client, once the first file is in

    scale = ScaleOptions(local.scheduler_address)
    options = IngestOptions(jobs=2, report=lambda line: None, on_page=interrupt, scale=scale)
    with pytest.raises(KeyboardInterrupt):
        ingest_inputs([str(p) for p in warcs], engine, InputOptions(), options)
    assert len(done_sources(engine)) == 1 and set(done_sources(engine)) < {str(p) for p in warcs}
    _, lines = run_dask(engine, [str(p) for p in warcs], local.scheduler_address)
    assert lines == ["1 files already done, not read again (--redo reads them)"]
    assert archive(engine) == expected


def quotes(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collector", "--db", str(db), "ingest", "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_dask_local_reports_a_missing_and_a_broken_warc_and_does_the_rest(
    warcs: list[Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"WARC/1.0\r\nthis is not a record\r\n\r\n")
    missing = tmp_path / "missing.warc.gz"
    db = tmp_path / "quotes.db"
    result = quotes(
        db, "--dask", "local", "--jobs", "2", str(warcs[0]), str(missing), str(broken), str(warcs[1])
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"{missing}: ") and lines[1].startswith(f"{broken}: ")
    engine = make_engine(database_url(str(db)))
    try:
        recorded = done_sources(engine)
    finally:
        engine.dispose()
    assert recorded[str(warcs[0])][2] is None and recorded[str(warcs[1])][2] is None
    assert recorded[str(broken)][2] is not None and str(missing) not in recorded


def test_an_unreachable_scheduler_is_one_line(warcs: list[Path], tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = quotes(tmp_path / "quotes.db", "--dask", f"tcp://127.0.0.1:{port}", str(warcs[0]))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: ")


def test_on_postgresql_a_worker_saves_its_file_itself_and_sends_back_counts(
    db_url: str, engine: Engine, warcs: list[Path]
) -> None:
    """The per-file task as a worker runs it: with a PostgreSQL archive no rows cross back."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: its rows go back to the client (the other tests)")
    task = FileTask(str(warcs[0]), InputOptions(), writer_url=db_url)
    result = run_file(task)
    assert result.prepared == [] and result.pages > 0 and result.new > 0
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == result.pages
    again = run_file(task)  # a task run again (its first worker died after saving): nothing new
    assert (again.new, again.known) == (0, result.new + result.known)
