"""The per-file unit every executor runs: a file or URI in, its pages extracted and finished out.

`file_outcomes` reads every page of one input (a WARC holds many), extracts each within its time
budget and applies the caller's `finish` (the ingest pipeline prepares the archive's rows there),
in whichever process runs it. What comes back is small: the page's identity (`PageInfo`) and what
`finish` made, never the page's bytes or text. No Dask and no database here: the Spark recipe
(docs/scale-out.md) maps the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from collector.extract import extract_page
from collector.extract.guards import PageRefused, budget_seconds, time_budget
from collector.inputs.fetch import FetchInfo
from collector.inputs.loaders import InputOptions, Kind, LoadError, Page, is_local, iter_pages
from collector.inputs.remote import remote_pages
from collector.values import Extraction

R = TypeVar("R")
P = TypeVar("P")

# An extraction, or the reason it failed (one line of text; a worker's exception never ends a run).
Outcome = Extraction | str


class PageInfo(NamedTuple):
    """A page as the writer needs it: a `Page` without its bytes and text.

    A named tuple, not a dataclass: one crosses back per page, and a tuple unpickles much faster
    (measured: docs/design-perf.md).
    """

    source: str
    sha256: str
    kind: Kind
    url: str | None = None
    fetched: FetchInfo | None = None


# What a worker makes of each extracted page before sending it back (a module-level function, so
# that it pickles): the caller's own per-page work, moved off the main process.
Finish = Callable[[PageInfo, Extraction], R]


def page_info(page: Page) -> PageInfo:
    """What of a loaded page crosses back from a worker."""
    return PageInfo(page.source, page.sha256, page.kind, page.url, page.fetched)


def extract_one(text: str, kind: Kind, utf8: bytes | None = None) -> Outcome:
    """Extract one page (`utf8`: see `extract_page`) within its time budget (collector.guards);
    a failure becomes its reason, not the run's end."""
    try:
        with time_budget(budget_seconds(len(text))):
            return extract_page(text, kind=kind, utf8=utf8)
    except PageRefused as error:  # too deep to parse, or over its time budget
        return str(error)
    # A bug in one detector on one odd page must not stop an archive run: report it and go on.
    except Exception as error:
        return f"cannot extract posts: {type(error).__name__}: {error}"


def finish_outcome(finish: Callable[[P, Extraction], R], page: P, extraction: Extraction) -> R | str:
    """`finish(page, extraction)`; a failure becomes its reason, like an extraction's."""
    try:
        return finish(page, extraction)
    except Exception as error:
        return f"cannot save: {type(error).__name__}: {error}"


def input_pages(uri: str, options: InputOptions) -> Iterator[Page | LoadError]:
    """The pages of one input: a local path as the loaders read it, any other URI through fsspec."""
    if is_local(uri):
        return iter_pages([uri], options, None)
    return remote_pages(uri, options.local_max_bytes)


def file_outcomes(
    uri: str, options: InputOptions, finish: Finish[R]
) -> Iterator[tuple[PageInfo | LoadError, R | str | None]]:
    """Each page of one file or URI, extracted and finished (a LoadError in place of what failed)."""
    for item in input_pages(uri, options):
        if isinstance(item, LoadError):
            yield item, None
            continue
        info, outcome = page_info(item), extract_one(item.text, item.kind, item.utf8)
        yield info, outcome if isinstance(outcome, str) else finish_outcome(finish, info, outcome)
