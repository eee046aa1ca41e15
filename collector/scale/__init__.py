"""How ingest's work is run: executors (this process, local worker processes, a Dask cluster) and
the per-file unit each of them runs (`units.file_outcomes`).

Nothing here touches the archive or imports Dask at import time: `executors.make_executor` loads
the Dask adapter (`collector.scale.cluster`) only when a run asks for it, so the base install works
without the `quote-archiver[dask]` extra.
"""
