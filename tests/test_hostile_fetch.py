"""Hostile URLs and hostile sites (issue 21, defect 1): each fails its own fetch in one line.

A real HTTP server on 127.0.0.1, started here, answers with redirects to odd schemes and broken
Locations; the URLs given directly hold hosts the IDNA codec refuses, bad ports and 100k-character
paths. Each must come back as that URL's LoadError, and a real `quotes ingest BAD GOOD` must exit 1
with one line naming the URL, then ingest the good page: never the run's end.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.hostile_inputs import NOT_CHARSETS
from collector.cli import cli
from collector.inputs.loaders import InputOptions, LoadError, iter_pages

ROOT = Path(__file__).resolve().parents[1]
GOOD_PAGE = ROOT / "fixtures" / "bluesky-embed.html"
LONG_PATH = "a" * 100_000

# Locations a site may send: other schemes, opaque forms, broken hosts and ports, raw bytes.
ODD_LOCATIONS: dict[str, bytes] = {
    "mailto": b"mailto:a@b.c",
    "data": b"data:text/html,<p>hi</p>",
    "javascript": b"javascript:alert(1)",
    "about": b"about:blank",
    "tel": b"tel:+1234",
    "urn": b"urn:isbn:0451450523",
    "http without slashes": b"http:foo",
    "https without slashes": b"https:foo/bar",
    "ftp": b"ftp://127.0.0.1/file",
    "file": b"file:///etc/passwd",
    "unclosed IPv6": b"http://[::1/",
    "port out of range": b"http://127.0.0.1:99999/",
    "label too long": b"http://" + b"a" * 300 + b".example/",
    "IDNA-hostile host": "http://①②⑦.0.0.1/".encode(),
    "100k path": b"http://127.0.0.1/" + LONG_PATH.encode(),
    "NUL": b"\x00",
    "control bytes": b"http://exa\x01mple.com/",
    "latin-1 bytes": b"http://caf\xe9.example/",
    "empty host": b"http://",
    "space in host": b"http://a b/",
}
ODD_URLS = [
    "http://①②⑦.0.0.1/",
    "http://127.0.0.1/" + LONG_PATH,
    "http://[::1/",
    "http://127.0.0.1:99999/",
    "http://" + "a" * 300 + ".example/",
    "http://exa mple.com/",
    "http://%zz/",
    "http:///path",
    "https://[v1.x]/",
]


class HostileHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/charset/"):
            self.send_page(self.path.removeprefix("/charset/"))
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        name = query.get("to", [""])[0]
        location = ODD_LOCATIONS.get(name, b"/")
        # Written raw: http.server's send_header would refuse the bytes a hostile site sends.
        head = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n"
        self.wfile.write(head + b"Connection: close\r\n\r\n")

    def send_page(self, label: str) -> None:
        body = GOOD_PAGE.read_bytes()
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=" + label.encode() + b"\r\n"
        self.wfile.write(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HostileHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def only_error(url: str, *, allow_private: bool = True) -> str:
    options = InputOptions(allow_private=allow_private, deadline=5.0, timeout=2.0, retries=0)
    [item] = list(iter_pages([url], options, None))
    assert isinstance(item, LoadError), item
    assert item.source == url
    assert "\n" not in item.reason
    return item.reason


@pytest.mark.parametrize("name", list(ODD_LOCATIONS))
def test_a_redirect_anywhere_odd_fails_only_its_own_fetch(server: str, name: str) -> None:
    reason = only_error(f"{server}/?to={urllib.parse.quote(name)}")
    assert "unexpected" not in reason
    assert len(reason) < 400  # a 100k-character Location is cut in the message


@pytest.mark.parametrize("name", ["mailto", "data", "javascript", "about", "tel", "urn", "ftp", "file"])
def test_a_redirect_to_another_scheme_is_refused_in_plain_words(server: str, name: str) -> None:
    reason = only_error(f"{server}/?to={urllib.parse.quote(name)}")
    location = ODD_LOCATIONS[name].decode()
    scheme = location.split(":", 1)[0]
    assert reason == f"only http and https URLs are fetched, not {scheme}: redirect to {location}"


@pytest.mark.parametrize("name", ["http without slashes", "https without slashes"])
def test_a_redirect_to_a_url_without_a_host_is_refused(server: str, name: str) -> None:
    reason = only_error(f"{server}/?to={urllib.parse.quote(name)}")
    assert reason == f"redirect to a URL without a host, not followed: {ODD_LOCATIONS[name].decode()}"


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", ODD_URLS)
def test_an_odd_url_given_directly_fails_alone(url: str, allow_private: bool) -> None:
    reason = only_error(url, allow_private=allow_private)
    assert "unexpected" not in reason
    assert len(reason) < 400


def test_an_idna_hostile_host_never_reaches_loopback(server: str) -> None:
    # NFKC folds ①②⑦ to 127: the address check and httpx must both refuse, not connect.
    reason = only_error("http://①②⑦.0.0.1/", allow_private=False)
    assert reason.startswith(("refusing", "invalid", "cannot resolve")), reason


def test_the_run_goes_on_after_every_odd_url(server: str, tmp_path: Path) -> None:
    bad = [f"{server}/?to={urllib.parse.quote(name)}" for name in ODD_LOCATIONS] + ODD_URLS
    database = str(tmp_path / "quotes.db")
    args = ["--db", database, "ingest", "--allow-private", "--jobs", "2", "--retries", "0"]
    result = CliRunner().invoke(cli, [*args, *bad, str(GOOD_PAGE)], catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    *reports, summary = result.stderr.splitlines()
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert sorted(line.split(": ", 1)[0] for line in reports) == sorted(bad)
    assert summary.startswith("pages read: 1, posts found: 2,"), summary


def test_an_http_charset_that_is_no_charset_is_ignored(server: str, tmp_path: Path) -> None:
    urls = [f"{server}/charset/{label}" for label in NOT_CHARSETS]
    args = ["--db", str(tmp_path / "quotes.db"), "ingest", "--allow-private", "--jobs", "1", *urls]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    pages = len(NOT_CHARSETS)
    assert result.stderr.startswith(f"pages read: {pages}, posts found: {2 * pages}, new: 2,"), result.stderr
