"""WARC files made from saved pages, for the Dask tests and `benchmarks.bench_dask`.

Each page becomes one gzip-compressed `response` record (HTTP 200, text/html) under an address of
its own, with a `request` record before it as crawlers write them, so a WARC here reads like a
crawl's: the same pages, in the same order, at byte offsets of their own.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

URL_BASE = "https://archive.example/"


def write_warcs(folder: Path, pages: Sequence[Path], files: int, *, copies: int = 1) -> list[Path]:
    """`copies` copies of `pages` spread over `files` WARCs in `folder` (page k of the run in file
    k mod files), each copy under addresses of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    runs: list[list[tuple[Path, int]]] = [[] for _ in range(files)]
    for index, entry in enumerate((page, copy) for copy in range(copies) for page in pages):
        runs[index % files].append(entry)
    written = []
    for number, run in enumerate(runs):
        path = folder / f"crawl-{number:05d}.warc.gz"
        with path.open("wb") as out:
            writer = WARCWriter(out, gzip=True)
            for page, copy in run:
                _write_page(writer, page, copy)
        written.append(path)
    return written


def _write_page(writer: WARCWriter, page: Path, copy: int) -> None:
    url = f"{URL_BASE}{copy}/{page.stem}"
    request = StatusAndHeaders(
        f"GET /{copy}/{page.stem} HTTP/1.1", [("Host", "archive.example")], is_http_request=True
    )
    writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    payload = io.BytesIO(page.read_bytes())
    writer.write_record(writer.create_warc_record(url, "response", payload=payload, http_headers=http))
