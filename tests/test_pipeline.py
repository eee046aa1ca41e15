"""The ingest pipeline: every page read, extracted and saved whole; failures reported, never fatal."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from collector import pipeline
from collector.inputs.loaders import LoadError, Page
from collector.pipeline import IngestOptions, ingest
from collector.scale import units as units_module
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.models import Appearance, Article
from db.queries import Filters
from db.records import iter_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_HTML = FIXTURES / "seed-article.html"


def page(path: Path, *, source: str | None = None) -> Page:
    data = path.read_bytes()
    kind = "text" if path.suffix == ".txt" else "html"
    return Page(
        source=source or str(path),
        data=data,
        text=data.decode("utf-8"),
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        url=None,
        fetched=None,
    )


def fixture_pages() -> list[Page]:
    return [page(path) for path in sorted(FIXTURES.glob("*.html"))]


def records(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine, readonly=True) as session:
        return list(iter_records(session, Filters()))


def article_count(engine: Engine) -> int:
    with session_scope(engine, readonly=True) as session:
        return session.execute(select(func.count()).select_from(Article)).scalar_one()


class Lines:
    """Collects reported lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)


def test_a_page_is_saved_and_counted(engine: Engine) -> None:
    summary = ingest([page(SEED_HTML)], engine, IngestOptions(jobs=1, report=Lines()))
    assert (summary.pages, summary.posts, summary.new, summary.known, summary.failed) == (1, 3, 3, 0, 0)
    assert len(records(engine)) == 3


def test_a_load_error_is_reported_and_the_rest_saved(engine: Engine) -> None:
    report = Lines()
    items = [LoadError("gone.html", "no such file"), page(SEED_HTML)]
    summary = ingest(items, engine, IngestOptions(jobs=1, report=report))
    assert report.lines == [str(items[0])]
    assert (summary.pages, summary.failed, summary.new) == (1, 1, 3)


def test_an_extraction_crash_is_one_line_and_the_run_goes_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = units_module.extract_page

    def fragile(text: str, *, kind: Any = "html", utf8: bytes | None = None) -> Any:
        if "boom" in text:
            raise RuntimeError("detector fell over")
        return real(text, kind=kind, utf8=utf8)

    monkeypatch.setattr(units_module, "extract_page", fragile)
    bad = Page(
        source="bad.html", data=b"boom", text="boom", kind="html", sha256="0" * 64, url=None, fetched=None
    )
    report = Lines()
    summary = ingest([bad, page(SEED_HTML)], engine, IngestOptions(jobs=1, report=report))
    assert report.lines == ["bad.html: cannot extract posts: RuntimeError: detector fell over"]
    assert (summary.pages, summary.failed, summary.new) == (2, 1, 3)


def test_a_page_the_store_refuses_is_reported_alone(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.save_prepared

    def refuse_first(engine: Engine, pages: Any) -> list[Any]:
        results = real(engine, pages[1:])
        return [ValueError("value too long\nsecond line"), *results]

    monkeypatch.setattr(pipeline, "save_prepared", refuse_first)
    report = Lines()
    pages = fixture_pages()[:3]
    summary = ingest(pages, engine, IngestOptions(jobs=1, report=report))
    assert report.lines == [f"{pages[0].source}: cannot save: value too long"]
    assert summary.failed == 1
    assert article_count(engine) == 2


def test_an_interrupted_run_keeps_whole_articles_and_a_rerun_completes(engine: Engine) -> None:
    pages = fixture_pages()

    def interrupted() -> Iterator[Page]:
        yield from pages[:3]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(interrupted(), engine, IngestOptions(jobs=1, batch_pages=2, report=Lines()))
    # The batch in progress was flushed on the way out: all three pages, each with all its posts.
    assert article_count(engine) == 3
    with session_scope(engine, readonly=True) as session:
        appearances = session.execute(select(func.count()).select_from(Appearance)).scalar_one()
    expected = [pipeline.extract_one(p.text, p.kind) for p in pages[:3]]
    assert appearances == sum(len(e.posts) for e in expected if not isinstance(e, str))
    stored = len(records(engine))
    rerun = ingest(pages, engine, IngestOptions(jobs=1, batch_pages=2, report=Lines()))
    assert rerun.failed == 0
    assert article_count(engine) == len(pages)
    assert rerun.new == len(records(engine)) - stored  # the rest, no duplicates


def test_parallel_extraction_gives_the_same_archive_as_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_AFTER", 1)
    monkeypatch.setattr(pipeline, "WORKER_CHUNK", 2)
    results = []
    for jobs, name in ((1, "serial.db"), (2, "parallel.db")):
        engine = make_engine(database_url(str(tmp_path / name)))
        prepare_database(engine)
        summary = ingest(
            [LoadError("x", "y"), *fixture_pages()], engine, IngestOptions(jobs=jobs, report=Lines())
        )
        results.append((summary, records(engine)))
        engine.dispose()
    (serial, serial_rows), (parallel, parallel_rows) = results
    assert serial == parallel
    assert serial_rows == parallel_rows
    assert serial.failed == 1 and serial.pages == len(fixture_pages())


def test_progress_is_told_after_every_item(engine: Engine) -> None:
    seen: list[tuple[int, int]] = []
    options = IngestOptions(jobs=1, report=Lines(), on_page=lambda s: seen.append((s.pages, s.failed)))
    ingest([page(SEED_HTML), LoadError("x", "y"), page(SEED_HTML, source="copy.html")], engine, options)
    assert seen == [(1, 0), (1, 1), (2, 1)]


def test_summary_line_names_every_count() -> None:
    summary = pipeline.IngestSummary(pages=2, posts=5, new=3, known=1, failed=1, skipped=4)
    assert summary.line() == "pages read: 2, posts found: 5, new: 3, already known: 1, failed: 1, skipped: 4"


def test_a_run_leaves_the_garbage_collector_as_it_found_it(engine: Engine) -> None:
    # The heap is frozen during a run (fewer full collections); objects made before must not stay so.
    frozen = gc.get_freeze_count()
    ingest([page(SEED_HTML)], engine, IngestOptions(jobs=1, report=Lines()))
    assert gc.get_freeze_count() == frozen
