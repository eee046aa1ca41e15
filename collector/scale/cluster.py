"""The Dask adapter: `quotes ingest --dask local|tcp://HOST:PORT` runs its tasks on a Dask cluster.

The only module that imports Dask (`executors.make_executor` loads it when a run asks for it).
`local` starts a LocalCluster of `--jobs` worker processes, one thread each (extraction holds the
GIL, so threads would share one core); an address joins a scheduler started elsewhere (`dask
scheduler`, dask-jobqueue, Kubernetes: docs/scale-out.md). Tasks are ordinary Dask futures; a
worker that dies mid-task has its task run again elsewhere by the scheduler (up to its
`distributed.scheduler.allowed-failures`), which the writer's ON CONFLICT makes harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from collector.scale.futures import Pending, SchedulerError

R = TypeVar("R")

LOCAL = "local"
# How long joining a scheduler may take before the run says it cannot be reached.
CONNECT_TIMEOUT_SECONDS = 5
# A local cluster's own logging stays off stderr, which carries ours: its workers log start and
# stop, and errors of their own while the cluster shuts down (a heartbeat to a scheduler already
# gone); a task's failures come back as its result's lines instead.
CLUSTER_LOG_LEVEL = logging.CRITICAL
# Any free port for the scheduler's HTTP server (its default, 8787, is often another cluster's).
HTTP_ADDRESS = ":0"


# Dask settings for the local cluster's workers (they take the client's config when started):
# the statistical profiler samples every worker's stacks every 10 ms, the event loop checks its
# health every 20 ms and the system and memory monitors read /proc every 0.1-0.5 s, each taking
# the GIL from the extracting thread (idle workers used 2 % of a core each, 0.8 % without; the same
# extraction took 1.80 CPU-s in a worker with the defaults, 1.50 with these, 1.57 in this process);
# a cluster of your own is set in its workers' config (docs/scale-out.md).
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "2s",
}


def start_local_cluster(workers: int) -> Any:
    """A LocalCluster of `workers` worker processes with one thread each (`--dask local`)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(LOCAL_WORKER_CONFIG):
        return LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=HTTP_ADDRESS,
            silence_logs=CLUSTER_LOG_LEVEL,
        )


class DaskExecutor:
    """Tasks on a Dask cluster: a LocalCluster of `jobs` workers, or the scheduler at `address`."""

    def __init__(self, address: str, jobs: int) -> None:
        try:
            from distributed import Client
        except ImportError as error:
            raise SchedulerError(
                f"--dask needs Dask: pip install 'quote-archiver[dask]' ({error})"
            ) from error
        self._cluster: Any = None
        try:
            if address == LOCAL:
                self._cluster = start_local_cluster(jobs)
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
        # A LocalCluster whose workers fail to start raises RuntimeError; an address that does not
        # answer, OSError or TimeoutError; a malformed one, ValueError.
        except (OSError, TimeoutError, ValueError, RuntimeError) as error:
            self.close()
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {error}") from error
        self.workers = max(1, sum(self._client.nthreads().values()))

    def submit(self, fn: Callable[..., R], /, *args: Any) -> Pending[R]:
        # pure=False: a rerun of the same file is new work, never a cached result.
        future: Pending[R] = self._client.submit(fn, *args, pure=False)
        return future

    def first_done(self, pending: set[Pending[R]]) -> set[Pending[R]]:
        from distributed import wait

        return set(wait(list(pending), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
