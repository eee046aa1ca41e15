"""The one executor seam: where ingest's tasks run, and their results taken in input order.

An executor runs `fn(*args)` somewhere and hands back something with `.result()`: this process
(`InProcess`), a pool of local worker processes (`LocalProcesses`, `--jobs N`), or a Dask cluster
(`collector.scale.cluster.DaskExecutor`, `--dask`). `in_order` keeps a bounded number of tasks in
flight on any of them and gives their results in the order the tasks came, so a run stores the
same rows in the same order whatever ran it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any, TypeVar, cast

from collector.scale.futures import Done, Executor, Pending

R = TypeVar("R")
A = TypeVar("A")

# Tasks queued per worker: one running, one waiting, so no worker idles while the writer saves.
CHUNKS_IN_FLIGHT_PER_JOB = 2
# How often a worker checks that the main process is still there (see `init_worker`).
PARENT_CHECK_SECONDS = 0.5


class InProcess:
    """Runs each task at once, here: no processes to start, for small runs and `--jobs 1`."""

    workers = 1

    def submit(self, fn: Callable[..., R], /, *args: Any) -> Pending[R]:
        return Done(fn(*args))

    def first_done(self, pending: set[Pending[R]]) -> set[Pending[R]]:
        return set(pending)  # every task ran when it was submitted

    def close(self) -> None:
        return None


class LocalProcesses:
    """`jobs` worker processes on this machine (`--jobs N`); see `worker_context`, `init_worker`."""

    def __init__(self, jobs: int, preload: str = __name__) -> None:
        self.workers = jobs
        self._pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=worker_context(preload), initializer=init_worker
        )

    def submit(self, fn: Callable[..., R], /, *args: Any) -> Pending[R]:
        return self._pool.submit(fn, *args)

    def first_done(self, pending: set[Pending[R]]) -> set[Pending[R]]:
        ready: set[Pending[R]] = {task for task in pending if isinstance(task, Done)}
        if ready:
            return ready
        futures = cast(set[Future[R]], pending)
        return set(wait(futures, return_when=FIRST_COMPLETED).done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """Which executor a run asks for: `dask` is 'local' or a scheduler address, else `jobs` local
    processes (one: this process)."""

    jobs: int = 1
    dask: str | None = None


@dataclass(frozen=True, slots=True)
class ScaleOptions:
    """A run by file on a Dask cluster (`quotes ingest --dask`): `dask` is 'local' or a scheduler
    address; `redo` reads again the files a run already finished; `input_base` is put before each
    line of the `--from-file` list (a Common Crawl warc.paths manifest names files, not URLs)."""

    dask: str
    redo: bool = False
    input_base: str | None = None


def make_executor(spec: ExecutorSpec, preload: str = __name__) -> Executor:
    """The executor `spec` names; the Dask adapter is imported only here, only when asked for.

    Raises SchedulerError (one line) when the cluster cannot be reached.
    """
    if spec.dask is not None:
        from collector.scale.cluster import DaskExecutor

        return DaskExecutor(spec.dask, spec.jobs)
    return LocalProcesses(spec.jobs, preload) if spec.jobs > 1 else InProcess()


def in_order(executor: Executor, fn: Callable[[A], R], items: Iterable[A | Done[R]]) -> Iterator[R]:
    """`fn(item)` for each item on `executor` (a `Done` passes through in its place), in input
    order, with at most CHUNKS_IN_FLIGHT_PER_JOB tasks per worker in flight, so memory stays flat
    however many items come. Items are read lazily. The caller closes the executor."""
    pending: deque[Pending[R]] = deque()
    limit = max(1, executor.workers) * CHUNKS_IN_FLIGHT_PER_JOB
    for item in items:
        pending.append(item if isinstance(item, Done) else executor.submit(fn, item))
        while len(pending) > limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def as_done(executor: Executor, fn: Callable[[A], R], items: Iterable[A | Done[R]]) -> Iterator[R]:
    """`in_order`, but each result as soon as its task is done: for tasks whose order does not
    matter (a run by file: each file's pages stay in order within it), so one long file never
    holds back the results of the short ones after it, nor keeps their workers waiting."""
    pending: set[Pending[R]] = set()
    limit = max(1, executor.workers) * CHUNKS_IN_FLIGHT_PER_JOB
    for item in items:
        pending.add(item if isinstance(item, Done) else executor.submit(fn, item))
        while len(pending) > limit:
            yield from _take_done(executor, pending)
    while pending:
        yield from _take_done(executor, pending)


def _take_done(executor: Executor, pending: set[Pending[R]]) -> Iterator[R]:
    done = executor.first_done(pending)
    pending -= done
    for task in done:
        yield task.result()


def init_worker() -> None:
    """Worker initializer: ignore Ctrl-C, and end with the main process.

    Ctrl-C reaches every process of the terminal's group; the main process handles it (saves its
    batch, reports), a worker would only print its own traceback. If the main process is killed
    outright (SIGKILL, OOM killer), nothing tells its workers: they would wait for work forever,
    so a watcher thread ends the worker once its parent has gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="parent-watch").start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def worker_context(preload: str = __name__) -> BaseContext:
    """fork when this process runs one thread: workers start in milliseconds with everything
    imported (they never touch inherited database connections). With other threads alive (URL
    fetching), fork could copy a lock held mid-operation, so a fork server (a fresh interpreter
    importing `preload` once, slower to start) starts the workers instead.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context
