"""Files named by URI (http(s)://, s3://, gs://, file://) read through fsspec, for `ingest --dask`.

A WARC collection lives on a web server or in object storage; each worker reads its own file
straight from there, so the client never carries the bytes. fsspec gives every scheme one file
interface (http needs aiohttp, s3:// needs s3fs, gs:// needs gcsfs); it is loaded only when a URI
is read, so the base install works without it. Unlike `fetch`, this is no page fetcher: a URI is a
file the user named (no private-address guard, no page size cap beyond a record's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, cast

from collector.inputs.formats import FormatError
from collector.inputs.pages import LoadError, Page, file_pages


def open_uri(uri: str) -> BinaryIO:
    """A binary stream of the file at `uri` (ImportError: fsspec or the scheme's package missing)."""
    # fsspec's random-access file (http: range requests of a few MB, read ahead), not its
    # streaming one: the WARC reader seeks, to tell a cut-off record from the archive's end.
    import fsspec

    return cast(BinaryIO, fsspec.open(uri, "rb").open())


def remote_pages(uri: str, max_bytes: int) -> Iterator[Page | LoadError]:
    """Every page of the file at `uri`; a file that cannot be read is one LoadError naming it."""
    try:
        yield from file_pages(uri, lambda: open_uri(uri), max_bytes)
    except FormatError as error:
        yield LoadError(uri, str(error))
    except ImportError as error:
        yield LoadError(uri, f"cannot read this scheme here ({error}); pip install 'quote-archiver[dask]'")
    # fsspec's backends raise OSError (FileNotFoundError for an http 404) or their own errors
    # (aiohttp's, botocore's): any of them means this one file could not be read.
    except Exception as error:
        yield LoadError(uri, f"cannot read: {type(error).__name__}: {error}".rstrip(": "))
