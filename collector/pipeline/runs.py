"""How a `quotes ingest` runs (`ingest_inputs` chooses), and ingest by file on a Dask cluster
(`quotes ingest --dask`): one input file or URI, one task.

The client lists the inputs (local paths walked, URIs as given, a `--from-file` list such as
Common Crawl's warc.paths.gz with `--input-base` put before each line), drops those the `sources`
table says a run already finished (unless `--redo`), and hands each file to the executor. A
worker reads the file itself (local, or through fsspec), extracts and prepares every page
(`collector.scale.units.file_outcomes`), and then:
- with a PostgreSQL archive, saves them itself in batches (`db.store.save_prepared`: ON CONFLICT,
  so many workers, and a task run again after its worker died, never duplicate a row), and sends
  back counts only;
- with a SQLite archive (one writer only), sends the prepared rows back to this client, which
  saves them. That does not scale out: the client's writer is the ceiling (docs/scale-out.md).
Once a file's pages are committed, the client records it in `sources`. Files are taken as their
tasks finish, not in input order: WARCs differ in size, and one large file must not hold back the
rest (a file's own pages are saved in their order).
"""

from __future__ import annotations

import functools
import gc
import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from collector.inputs.loaders import InputOptions, LoadError, LoadStats, is_local, iter_files, iter_pages
from collector.inputs.remote import open_uri
from collector.pipeline import (
    BATCH_PAGES,
    Batcher,
    IngestOptions,
    IngestSummary,
    ingest,
    ingest_files,
    prepare,
)
from collector.scale.executors import ExecutorSpec, ScaleOptions, as_done, make_executor
from collector.scale.units import file_outcomes
from db.engine import make_engine
from db.rows import PreparedPage
from db.sources import finished_uris, record_source
from db.store import SaveResult, save_prepared

GZIP_SUFFIX = ".gz"
LIST_COMMENT = "#"
# Engines a worker keeps open (one per archive URL it was sent; a run sends one).
WORKER_ENGINES = 4


@dataclass(frozen=True, slots=True)
class FileTask:
    """One file for a worker: where it is, how to read it, and the archive it saves into itself
    (`writer_url`, PostgreSQL), or None to send the rows back."""

    uri: str
    inputs: InputOptions
    writer_url: str | None = None
    batch_pages: int = BATCH_PAGES


@dataclass(slots=True)
class FileResult:
    """What a worker sends back for one file: counts, the lines to report, the file's own error,
    and (with no `writer_url`) the prepared pages for the client to save."""

    uri: str
    pages: int = 0
    posts: int = 0
    new: int = 0
    known: int = 0
    failed: int = 0
    error: str | None = None
    lines: list[str] = field(default_factory=list)
    prepared: list[PreparedPage] = field(default_factory=list)


def ingest_inputs(
    paths: Sequence[str],
    engine: Engine,
    inputs: InputOptions,
    options: IngestOptions,
    *,
    stdin: BinaryIO | None = None,
    stats: LoadStats | None = None,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Ingest what `quotes ingest` was given, choosing how it runs.

    With `options.scale`, each file or URI is one task on the cluster (`ingest_uris`).
    With local paths only and more than one job, worker processes read the files themselves and
    this process walks folders and saves; otherwise (URLs, stdin, lists) this process loads the
    pages and extraction runs here or, past the first few, in worker processes.
    """
    stats = stats if stats is not None else LoadStats()
    summary = summary if summary is not None else IngestSummary()
    if options.scale is not None:
        return ingest_uris(paths, engine, inputs, options, options.scale, summary, stats)
    if options.jobs > 1 and inputs.from_file is None and all(is_local(path) for path in paths):
        files = iter_files(paths, stats=stats, follow_links=inputs.follow_links)
        return ingest_files(files, engine, inputs, options, summary)
    return ingest(iter_pages(paths, inputs, stdin, stats=stats), engine, options, summary)


def run_file(task: FileTask) -> FileResult:
    """A worker's task: read, extract and prepare every page of one file; save it if told where."""
    _freeze_heap_once()
    result = FileResult(task.uri)
    batch: list[PreparedPage] = []
    for item, outcome in file_outcomes(task.uri, task.inputs, prepare):
        if isinstance(item, LoadError) or outcome is None:
            result.failed += 1
            result.lines.append(str(item))
            if isinstance(item, LoadError) and item.source == task.uri:
                result.error = item.reason  # the file's own: missing, unreadable, cut short
            continue
        result.pages += 1
        if isinstance(outcome, str):
            result.failed += 1
            result.lines.append(f"{item.source}: {outcome}")
            continue
        result.posts += len(outcome.posts)
        batch.append(outcome)
        if task.writer_url is not None and len(batch) >= task.batch_pages:
            _save(task.writer_url, batch, result)
            batch = []
    if task.writer_url is not None:
        _save(task.writer_url, batch, result)
    else:
        result.prepared = batch
    return result


@functools.cache
def _freeze_heap_once() -> None:
    """Keep the garbage collector off the worker's imported modules, as the pipeline does in the
    main process (`collector.pipeline._frozen_heap`, whose frozen heap the local pool's forked
    workers inherit): a Dask worker is a fresh interpreter, and each full collection would walk
    every object of SQLAlchemy and the extractors again (measured: benchmarks/README.md)."""
    gc.freeze()


def _save(url: str, batch: list[PreparedPage], result: FileResult) -> None:
    if not batch:
        return
    for page, saved in zip(batch, save_prepared(_worker_engine(url), batch), strict=True):
        if isinstance(saved, SaveResult):
            result.new += saved.new_posts
            result.known += saved.known_posts
        else:
            result.failed += 1
            result.lines.append(f"{page.source}: cannot save: {str(saved).strip().splitlines()[0]}")


@functools.lru_cache(maxsize=WORKER_ENGINES)
def _worker_engine(url: str) -> Engine:
    """The worker's engine, made once per process: its pool is the worker's connections."""
    return make_engine(url)


def ingest_uris(
    paths: Sequence[str],
    engine: Engine,
    inputs: InputOptions,
    options: IngestOptions,
    scale: ScaleOptions,
    summary: IngestSummary,
    stats: LoadStats,
) -> IngestSummary:
    """Every input file as one task on the cluster `scale` names; see the module docstring."""
    uris: list[str] = []
    for item in list_uris(paths, inputs, scale.input_base, stats):
        if isinstance(item, LoadError):
            summary.failed += 1
            options.report(str(item))
        else:
            uris.append(item)
    uris = list(dict.fromkeys(uris))
    done = set() if scale.redo else finished_uris(engine, uris)
    if done:
        options.report(f"{len(done)} files already done, not read again (--redo reads them)")
    writer_url = engine.url.render_as_string(hide_password=False) if _many_writers(engine) else None
    tasks = (FileTask(uri, inputs, writer_url, options.batch_pages) for uri in uris if uri not in done)
    executor = make_executor(ExecutorSpec(options.jobs, scale.dask), __name__)
    batcher = Batcher(engine, summary, options)
    try:
        for result in as_done(executor, run_file, tasks):
            _take_file(result, engine, batcher, summary, options)
    finally:
        executor.close()
    return summary


def _take_file(
    result: FileResult, engine: Engine, batcher: Batcher, summary: IngestSummary, options: IngestOptions
) -> None:
    """Report a file's failures, save its rows (SQLite), count it, then record it as done."""
    for line in result.lines:
        options.report(line)
    for page in result.prepared:
        batcher.add(page)
    batcher.flush()  # the file's pages are committed before the file is recorded as done
    summary.pages += result.pages
    summary.posts += result.posts
    summary.new += result.new
    summary.known += result.known
    summary.failed += result.failed
    record_source(engine, result.uri, pages=result.pages, posts=result.posts, error=result.error)
    if options.on_page is not None:
        options.on_page(summary)


def _many_writers(engine: Engine) -> bool:
    """PostgreSQL takes many writers at once; SQLite has one (the client)."""
    return engine.dialect.name == "postgresql"


def list_uris(
    paths: Sequence[str], inputs: InputOptions, input_base: str | None, stats: LoadStats
) -> Iterator[str | LoadError]:
    """The input files: local paths (folders walked, globs expanded), other URIs as given, then the
    lines of `inputs.from_file` (gzip-compressed or not), each after `input_base` when given."""
    for arg in paths:
        yield from _expand(arg, inputs, stats)
    if inputs.from_file is None:
        return
    try:
        lines = _list_lines(inputs.from_file)
    except (OSError, ImportError, EOFError) as error:
        yield LoadError(inputs.from_file, f"cannot read the list: {error}")
        return
    for line in lines:
        yield from _expand(join_base(input_base, line) if input_base else line, inputs, stats)


def _expand(arg: str, inputs: InputOptions, stats: LoadStats) -> Iterator[str | LoadError]:
    if not is_local(arg):
        yield arg
        return
    for item in iter_files([arg], stats=stats, follow_links=inputs.follow_links):
        yield str(item) if isinstance(item, Path) else item


def _list_lines(list_uri: str) -> list[str]:
    """The entries of a list (local or a URI; warc.paths.gz is gzip), blank lines and # comments out."""
    opened = open(list_uri, "rb") if is_local(list_uri) else open_uri(list_uri)  # noqa: SIM115
    with opened as stream:
        data = stream.read()
    if list_uri.endswith(GZIP_SUFFIX):
        data = gzip.decompress(data)
    lines = (line.strip() for line in data.decode("utf-8", "replace").splitlines())
    return [line for line in lines if line and not line.startswith(LIST_COMMENT)]


def join_base(base: str, entry: str) -> str:
    """`entry` (a manifest line such as crawl-data/CC-NEWS/...warc.gz) under `base` (a folder or URL)."""
    return base.rstrip("/") + "/" + entry.lstrip("/")
