"""Fetching pages over HTTP(S) with httpx, defensively.

Every hop of a redirect chain is checked again (scheme, private addresses), the body is read as a
stream and cut off at the size cap, and one deadline bounds the whole fetch: connects, reads,
redirects, retries and their waits. Each fetched page is kept in an archive folder under its
content sha256 so the article survives its site.

One URL, whatever it or its site sends, can only fail its own fetch: `fetch_page` raises nothing
but FetchError. httpx, its URL parser, the IDNA codec and urllib each raise their own kinds
(`httpx.InvalidURL` is not an `httpx.HTTPError`; an over-long host label is a `UnicodeError`), so
the known ones get a plain reason and anything else becomes a FetchError naming its kind.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import ipaddress
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from collector.inputs.formats import charset_of

if TYPE_CHECKING:
    # httpx loads its optional CLI (and with it click) when imported: the loaders side stays free of
    # click, so httpx is imported where a fetch actually happens.
    import httpx

DEFAULT_MAX_BYTES = 20_000_000
DEFAULT_TIMEOUT = 10.0  # connect and per-read timeout, seconds
DEFAULT_DEADLINE = 60.0  # the whole fetch of one page, seconds
DEFAULT_RETRIES = 3
MAX_REDIRECTS = 10
ALLOWED_SCHEMES = frozenset({"http", "https"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE = 0.5  # seconds; doubled at each retry
BACKOFF_MAX = 30.0
PROJECT_URL = "https://github.com/quote-archiver/quote-archiver"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
# Pages are read, never rendered: bodies that are plainly not pages are refused from the header.
NOT_PAGE_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
ARCHIVE_SUFFIX = ".page"
# URLs in messages are cut to this many characters.
SHOWN_URL_CHARS = 200
META_SUFFIX = ".json"

# Sleeping is indirect so tests can record the waits instead of spending them.
sleep: Callable[[float], None] = time.sleep


class FetchError(Exception):
    """A fetch that failed; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class FetchInfo:
    """What the archive records about a fetch."""

    fetched_url: str
    final_url: str
    status: int
    fetched_at: dt.datetime
    archive_path: Path | None = None


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Limits for one fetch (the loaders build this from their InputOptions)."""

    allow_private: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    retries: int = DEFAULT_RETRIES
    archive_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched body, its declared charset and the fetch record."""

    data: bytes
    charset: str | None
    content_type: str | None
    info: FetchInfo


def user_agent() -> str:
    """`quote-archiver/<version> (+<project URL>)`: sites can tell who is asking and find us."""
    try:
        tool_version = version("quote-archiver")
    except PackageNotFoundError:
        tool_version = "0"
    return f"quote-archiver/{tool_version} (+{PROJECT_URL})"


def make_client(options: FetchOptions) -> httpx.Client:
    """One client (connection pool) shared by the fetching threads. Redirects are ours to follow."""
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)
    if not options.allow_private:
        _guard_connections(transport)
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        # httpx builds the next request from a redirect's Location even when not following it, and
        # a Location such as `mailto:a@b.c` fails there: the hook refuses it first, in plain words.
        event_hooks={"response": [_check_redirect]},
        timeout=httpx.Timeout(options.timeout),
        headers={"User-Agent": user_agent(), "Accept": ACCEPT},
        trust_env=False,  # a proxy from the environment would bypass the private-address check
    )


def _guard_connections(transport: httpx.HTTPTransport) -> None:
    """Check the address again where the socket is opened, and connect to that very address.

    `check_url` resolves the host before the request; httpcore resolves it again to connect. A
    host whose DNS answers a public address first and 127.0.0.1 next (DNS rebinding) would pass
    the first check: the guard closes that gap. TLS still verifies the certificate for the host
    name (httpcore passes the URL's host as server_hostname, not the address we connect to).
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is not None:  # httpcore's layout; without it the check before each request remains
        pool._network_backend = _guarded_backend(backend)  # type: ignore[union-attr]


def _guarded_backend(inner: Any) -> Any:
    import httpcore

    class GuardedBackend(httpcore.NetworkBackend):
        def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
            address = _public_addresses(host, port)[0]
            return inner.connect_tcp(str(address), port, *args, **kwargs)  # type: ignore[no-any-return]

        def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
            raise FetchError("Unix sockets are not fetched")

        def sleep(self, seconds: float) -> None:
            inner.sleep(seconds)

    return GuardedBackend()


def fetch_page(client: httpx.Client, url: str, options: FetchOptions) -> Fetched:
    """Fetch one page, following redirects, retrying 429/5xx, within the deadline and size cap.

    Raises FetchError, and only FetchError, for anything this URL or its site makes go wrong.
    """
    try:
        return _fetch_page(client, url, options)
    except FetchError:
        raise
    # A bad URL or a hostile site must never end the run: whatever the libraries raise for it is
    # this fetch's failure (KeyboardInterrupt and the like are not Exceptions and still stop it).
    except Exception as error:
        raise FetchError(_failure(error)) from error


def _failure(error: Exception) -> str:
    """One line for an exception a fetch met."""
    import httpx

    reason = (str(error).strip().splitlines() or [""])[0] or type(error).__name__
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"invalid URL: {reason}"
    if isinstance(error, UnicodeError):
        return f"invalid host name: {reason}"
    if isinstance(error, ValueError):
        return f"invalid URL: {reason}"
    return f"{type(error).__name__}: {reason}"


def _fetch_page(client: httpx.Client, url: str, options: FetchOptions) -> Fetched:
    end = time.monotonic() + options.deadline
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_url(current, allow_private=options.allow_private)
        status, headers, data = _get_with_retries(client, current, options, end)
        if status in REDIRECT_STATUSES:
            location = headers.get("Location")
            if not location:
                raise FetchError(f"HTTP {status} redirect without a Location")
            current = redirect_target(current, location)
            continue
        if status >= 400:
            raise FetchError(
                f"HTTP {status} {_reason(status)}" + ("" if current == url else f" at {current}")
            )
        content_type = headers.get("Content-Type")
        info = FetchInfo(url, current, status, dt.datetime.now(dt.UTC))
        if options.archive_dir is not None:
            info = _archived(info, data, content_type, options.archive_dir)
        return Fetched(data, charset_of(content_type), content_type, info)
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def redirect_target(current: str, location: str) -> str:
    """Where a redirect from `current` leads; FetchError for a target that is not fetched."""
    location = location.strip()
    try:
        own_scheme = urlsplit(location).scheme
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme.lower()
    except ValueError as error:
        raise FetchError(f"redirect to an invalid URL ({error}): {_short(location)}") from error
    if scheme not in ALLOWED_SCHEMES:  # mailto:, data:, javascript:, about:, tel:, urn:, ftp:…
        raise FetchError(
            f"only http and https URLs are fetched, not {scheme}: redirect to {_short(location)}"
        )
    # A Location with a scheme but no `//` (`http:foo`) names no host: urljoin would take it as
    # relative, httpx refuses it; neither is a page.
    if own_scheme and not location[len(own_scheme) + 1 :].startswith("//"):
        raise FetchError(f"redirect to a URL without a host, not followed: {_short(location)}")
    return target


def _check_redirect(response: httpx.Response) -> None:
    """Client hook: a redirect whose Location is not a fetched URL fails before httpx parses it."""
    location = response.headers.get("Location")
    if response.status_code in REDIRECT_STATUSES and location:
        redirect_target(str(response.request.url), location)


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse other schemes, and (unless allowed) hosts that resolve to non-public addresses."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as error:  # "Invalid IPv6 URL", "Port out of range 0-65535"
        raise FetchError(f"invalid URL ({error}): {_short(url)}") from error
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError(
            f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'}: {_short(url)}"
        )
    if not host:
        raise FetchError(f"URL without a host: {_short(url)}")
    if not allow_private:
        _public_addresses(host, port)


def _short(url: str) -> str:
    """A URL as shown in a message: a 100k-character path is cut."""
    return url if len(url) <= SHOWN_URL_CHARS else url[:SHOWN_URL_CHARS] + "…"


def _public_addresses(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host's addresses, if every one of them is public; else a FetchError naming the first."""
    addresses = _resolve(host, port)
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"refusing {host}: it resolves to the non-public address {address} (use --allow-private)"
            )
    return addresses


def _resolve(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        literal = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        literal = []
    if literal:
        return [_unmapped(address) for address in literal]
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    # The IDNA codec refuses some host names (a label over 63 characters) with a UnicodeError.
    except (OSError, UnicodeError) as error:
        raise FetchError(f"cannot resolve {_short(host)}: {error}") from error
    return [_unmapped(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos]


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address it maps."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _get_with_retries(
    client: httpx.Client, url: str, options: FetchOptions, end: float
) -> tuple[int, httpx.Headers, bytes]:
    attempt = 0
    while True:
        status, headers, data = _get_once(client, url, options, end)
        if status not in RETRY_STATUSES or attempt >= options.retries:
            return status, headers, data
        wait = _retry_wait(headers, attempt)
        if time.monotonic() + wait > end:
            raise FetchError(
                f"HTTP {status} {_reason(status)}; retrying in {wait:g} s would pass the deadline"
            )
        sleep(wait)
        attempt += 1


def _get_once(
    client: httpx.Client, url: str, options: FetchOptions, end: float
) -> tuple[int, httpx.Headers, bytes]:
    import httpx

    remaining = end - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"deadline of {options.deadline:g} s passed")
    timeout = httpx.Timeout(min(options.timeout, remaining))
    try:
        with client.stream("GET", url, timeout=timeout) as response:
            if response.status_code in REDIRECT_STATUSES or response.status_code >= 400:
                return response.status_code, response.headers, b""
            _refuse_non_page(response.headers.get("Content-Type"))
            return response.status_code, response.headers, _read_body(response, options, end)
    except httpx.TimeoutException as error:
        what = "deadline" if time.monotonic() >= end else "timeout"
        raise FetchError(
            f"{what} reached after {_elapsed(end, options):.1f} s ({type(error).__name__})"
        ) from error
    except httpx.HTTPError as error:
        raise FetchError(_failure(error)) from error


def _read_body(response: httpx.Response, options: FetchOptions, end: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > options.max_bytes:
        raise FetchError(f"body of {declared} bytes is over the {options.max_bytes} byte limit")
    chunks: list[bytes] = []
    size = 0
    # Chunks as they arrive (no buffering to a size): the deadline is checked at every read.
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > options.max_bytes:
            raise FetchError(f"body is over the {options.max_bytes} byte limit")
        if time.monotonic() > end:
            raise FetchError(f"deadline of {options.deadline:g} s passed while reading the body")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_non_page(content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media.startswith(NOT_PAGE_TYPES):
        raise FetchError(f"not a page (Content-Type {media})")


def _retry_wait(headers: httpx.Headers, attempt: int) -> float:
    """Retry-After (seconds or an HTTP date) when given, else exponential backoff."""
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        when = email.utils.parsedate_to_datetime(value) if _is_http_date(value) else None
        if when is not None:
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    return min(BACKOFF_MAX, BACKOFF_BASE * 2.0**attempt)


def _is_http_date(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _archived(info: FetchInfo, data: bytes, content_type: str | None, archive_dir: Path) -> FetchInfo:
    """Keep the body as <sha256>.page beside a .json record; the same content is stored once."""
    digest = hashlib.sha256(data).hexdigest()
    folder = archive_dir / digest[:2]
    path = folder / f"{digest}{ARCHIVE_SUFFIX}"
    record = {
        "url": info.fetched_url,
        "final_url": info.final_url,
        "status": info.status,
        "fetched_at": info.fetched_at.isoformat(),
        "content_type": content_type,
        "sha256": digest,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _write_atomically(path, data)
        _write_atomically(path.with_suffix(META_SUFFIX), json.dumps(record, indent=1).encode())
    except OSError as error:
        raise FetchError(f"cannot keep the page in {archive_dir}: {error.strerror or error}") from error
    return FetchInfo(info.fetched_url, info.final_url, info.status, info.fetched_at, path)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside, then rename: a crash never leaves half a page under its hash."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _reason(status: int) -> str:
    import httpx

    try:
        return httpx.codes(status).name.replace("_", " ").title()
    except ValueError:
        return ""


def _elapsed(end: float, options: FetchOptions) -> float:
    return options.deadline - max(0.0, end - time.monotonic())
