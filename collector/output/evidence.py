"""Evidence bundles (`quotes evidence`) and the check of kept page copies (`quotes verify`).

A bundle is a zip: `manifest.json` (the post's record, every appearance with its article's
address, title, source and page sha256, the embed's byte offset and its markup's sha256, the
tool's version and the UTC times of each ingest and of the export), `markup/` with each
appearance's markup as stored, and `pages/` with the page copies `--archive-dir` kept, each
under its sha256. Every hash is of the bytes in the zip, so a reader checks them with
`sha256sum` alone. Plain values in, bytes out: the archive is read by `db.evidence`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

MANIFEST = "manifest.json"
MARKUP_FOLDER, PAGES_FOLDER = "markup", "pages"
PAGE_SUFFIX = ".page"
# Read in pieces: a kept page may be large, and hashing needs no more than a piece in memory.
HASH_CHUNK = 1 << 20
# Said in the manifest, so that a reader of the bundle knows what the numbers mean.
OFFSET_NOTE = (
    "page_sha256: the page this appearance's markup and byte_offset were read from; it differs "
    "from article.sha256 (the first copy ingested of the article's URL, the one kept under pages/) "
    "when a later copy of that URL showed the post; null for appearances stored before it was "
    "recorded. A page's sha256 is of the page's own bytes: inside a .gz, an MHTML part (decoded) or "
    "a WARC record, not of the file. "
    "byte_offset: where the markup starts in the page's bytes (UTF-8 pages; for a page in another "
    "encoding, in its text as UTF-8, decoded as the page declared or as detected, which is not "
    "recorded); for text and Markdown pages, the start of the signature's paragraph; null when the "
    "embed could not be found again in the page (markup is then the parser's serialisation). "
    "markup_truncated: the markup was cut at 64 KiB. ingested_at: when the article was first ingested."
)


@dataclass(frozen=True, slots=True)
class PageCheck:
    """A kept page copy checked against the hash the archive stored when it was ingested."""

    source: str
    path: str
    expected: str
    found: str | None  # None: the copy is missing or cannot be read
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.found == self.expected


@dataclass(slots=True)
class BundleReport:
    """What writing a bundle found: page copies that are missing or differ from their hash."""

    appearances: int = 0
    pages: int = 0
    problems: list[PageCheck] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(HASH_CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def check_page(source: str, path: str, expected: str) -> PageCheck:
    """Re-hash one kept copy (a relative path is read from the working folder, as ingest wrote it)."""
    try:
        found = sha256_file(Path(path))
    except OSError as error:
        return PageCheck(source, path, expected, None, error.strerror or str(error))
    return PageCheck(source, path, expected, found, None if found == expected else "sha256 differs")


def utc_text(moment: dt.datetime) -> str:
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def write_bundle(
    out: IO[bytes],
    record: Mapping[str, Any],
    appearances: Sequence[Mapping[str, Any]],
    *,
    tool: Mapping[str, str],
    exported_at: dt.datetime,
) -> BundleReport:
    """Write a post's evidence bundle (see the module docstring) to `out`.

    `appearances`: each with `article` (id, url, title, source, site_name, published, sha256,
    archive_path), `ingested_at`, `position`, `status`, `byte_offset`, `markup_truncated`,
    `markup`, and `page_sha256` (the page they were read from) where known."""
    report = BundleReport()
    kept: dict[str, str | None] = {}
    listed = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for number, shown in enumerate(appearances, 1):
            article = shown["article"]
            entry = _entry(bundle, number, shown)
            entry["page_file"] = _add_page(bundle, article, kept, report)
            listed.append(entry)
        report.appearances = len(listed)
        manifest = {
            "tool": dict(tool),
            "exported_at": utc_text(exported_at),
            "post": dict(record),
            "appearances": listed,
            "notes": OFFSET_NOTE,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2, default=_json_value)
        bundle.writestr(MANIFEST, text + "\n")
    return report


def _entry(bundle: zipfile.ZipFile, number: int, shown: Mapping[str, Any]) -> dict[str, Any]:
    """An appearance as the manifest lists it; its markup written as a file of its own."""
    article = shown["article"]
    markup: str | None = shown["markup"]
    entry: dict[str, Any] = {
        "article": {key: value for key, value in article.items() if key != "archive_path"},
        "ingested_at": utc_text(shown["ingested_at"]),
        "position": shown["position"],
        "status": shown["status"],
        "page_sha256": shown.get("page_sha256"),
        "byte_offset": shown["byte_offset"],
        "markup_truncated": shown["markup_truncated"],
        "markup_file": None,
        "markup_sha256": None,
    }
    if markup is not None:
        data = markup.encode("utf-8")
        name = f"{MARKUP_FOLDER}/{number:03d}-article-{article['id']}.html"
        bundle.writestr(name, data)
        entry.update(markup_file=name, markup_sha256=hashlib.sha256(data).hexdigest(), markup_bytes=len(data))
    return entry


def _add_page(
    bundle: zipfile.ZipFile, article: Mapping[str, Any], kept: dict[str, str | None], report: BundleReport
) -> str | None:
    """The kept copy of the article's page in the bundle (once per page): its name, or None."""
    path = article.get("archive_path")
    if not path:
        return None
    if path in kept:
        return kept[path]
    check = check_page(article["url"] or article["source"], path, article["sha256"])
    name = None
    if check.found is not None:
        name = f"{PAGES_FOLDER}/{check.found}{PAGE_SUFFIX}"
        bundle.write(path, name)
        report.pages += 1
    if not check.ok:
        report.problems.append(check)
    kept[path] = name
    return name


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def verify_pages(
    pages: Iterable[tuple[str, str, str]], on_check: Callable[[PageCheck], None] | None = None
) -> list[PageCheck]:
    """Re-hash every kept copy ((source, path, sha256 stored at ingest)); the checks, in order."""
    checks = []
    for source, path, expected in pages:
        check = check_page(source, path, expected)
        if on_check is not None:
            on_check(check)
        checks.append(check)
    return checks
