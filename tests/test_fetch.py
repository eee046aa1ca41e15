"""Fetching against a real HTTP server on 127.0.0.1 that each test starts; nothing touches the internet."""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

from collector.inputs import fetch
from collector.inputs.fetch import FetchError, check_url
from collector.inputs.loaders import InputOptions, LoadError, Page, iter_pages

PAGE = (
    "<!DOCTYPE html><html><head><title>Fetched</title></head><body><p>Ça marche — déjà vu</p></body></html>"
)
RUSSIAN = (
    "<html><head><title>t</title></head><body><p>" + "Москва — столица России. " * 20 + "</p></body></html>"
)
SMALL_CAP = 50_000


@dataclass
class Server:
    base: str
    hits: dict[str, int] = field(default_factory=dict)
    agents: list[str] = field(default_factory=list)
    active: int = 0
    most_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    pair: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))

    def url(self, path: str) -> str:
        return self.base + path


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest's output clean

    def do_GET(self) -> None:
        state = self.server.state  # type: ignore[attr-defined]
        with state.lock:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            state.agents.append(self.headers.get("User-Agent", ""))
            state.active += 1
            state.most_active = max(state.most_active, state.active)
            hit = state.hits[self.path]
        try:
            self.route(state, hit)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on us, as it should
        finally:
            with state.lock:
                state.active -= 1

    def route(self, state: Server, hit: int) -> None:
        path = self.path
        if path == "/page":
            self.send_body(PAGE.encode(), "text/html; charset=utf-8")
        elif match := re.fullmatch(r"/hop/(\d+)", path):
            left = int(match.group(1))
            self.redirect("/page" if left == 0 else f"/hop/{left - 1}")
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/to-ftp":
            self.redirect("ftp://127.0.0.1/file")
        elif path == "/missing":
            self.send_body(b"gone", "text/html", status=404)
        elif path == "/flaky":
            self.send_body(PAGE.encode(), "text/html") if hit > 1 else self.send_body(
                b"oops", "text/html", 500
            )
        elif path == "/busy":
            if hit > 1:
                self.send_body(PAGE.encode(), "text/html")
            else:
                self.send_body(b"slow down", "text/plain", 429, {"Retry-After": "3"})
        elif path == "/down":
            self.send_body(b"down", "text/plain", 503)
        elif path == "/trickle":
            self.trickle()
        elif path == "/huge":
            self.endless()
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(SMALL_CAP * 10))
            self.end_headers()
        elif path == "/wrong-charset":
            self.send_body(RUSSIAN.encode("cp1251"), "text/html; charset=utf-8")
        elif path == "/meta-charset":
            body = RUSSIAN.replace("<head>", '<head><meta charset="windows-1251">').encode("cp1251")
            self.send_body(body, "text/html")
        elif path == "/no-charset":
            self.send_body(RUSSIAN.encode("cp1251"), "text/html")
        elif path == "/image":
            self.send_body(b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        elif path.startswith("/pair/"):
            # Passes only when two requests are in flight together: a serial fetcher breaks it.
            try:
                state.pair.wait(timeout=5)
            except threading.BrokenBarrierError:
                self.send_body(b"alone", "text/plain", 500)
                return
            self.send_body(PAGE.replace("Fetched", path).encode(), "text/html")
        else:
            self.send_body(b"?", "text/plain", 404)

    def send_body(
        self, body: bytes, content_type: str, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def trickle(self) -> None:
        """A byte at a time, never finishing within any sane deadline."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _ in range(600):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.05)

    def endless(self) -> None:
        """No Content-Length: only counting while streaming can stop it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _ in range(10_000):
            self.wfile.write(b"<p>" + b"a" * 8192 + b"</p>")


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.state = Server(f"http://127.0.0.1:{httpd.server_address[1]}")  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.state  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff waits are recorded, not slept: the tests assert the schedule, not the clock."""
    recorded: list[float] = []
    monkeypatch.setattr(fetch, "sleep", recorded.append)
    return recorded


def fetch_all(urls: list[str], **options: object) -> list[Page | LoadError]:
    settings: dict[str, object] = {
        "allow_private": True,
        "max_bytes": SMALL_CAP,
        "deadline": 5.0,
        "timeout": 2.0,
    }
    return list(iter_pages(urls, InputOptions(**{**settings, **options}), None))  # type: ignore[arg-type]


def one_page(url: str, **options: object) -> Page:
    [item] = fetch_all([url], **options)
    assert isinstance(item, Page), str(item)
    return item


def one_error(url: str, **options: object) -> str:
    [item] = fetch_all([url], **options)
    assert isinstance(item, LoadError), item
    assert item.source == url
    return item.reason


def test_a_page_is_fetched_decoded_and_recorded(server: Server) -> None:
    page = one_page(server.url("/page"))
    assert page.text == PAGE
    assert page.kind == "html"
    assert page.url == server.url("/page")
    assert page.fetched is not None
    assert (page.fetched.fetched_url, page.fetched.final_url, page.fetched.status) == (
        page.url,
        page.url,
        200,
    )
    assert page.fetched.fetched_at.tzinfo is not None


def test_the_user_agent_names_the_tool_and_its_version(server: Server) -> None:
    one_page(server.url("/page"))
    assert server.agents[0].startswith(f"quote-archiver/{version('quote-archiver')} (+https://")


def test_a_redirect_chain_is_followed_and_the_final_url_kept(server: Server) -> None:
    page = one_page(server.url("/hop/3"))
    assert page.fetched is not None
    assert page.fetched.fetched_url == server.url("/hop/3")
    assert page.fetched.final_url == page.url == server.url("/page")
    assert page.source == server.url("/hop/3")


def test_more_than_ten_redirects_is_an_error(server: Server) -> None:
    assert one_page(server.url("/hop/9")).text == PAGE  # ten redirects: /hop/9 … /hop/0
    assert one_error(server.url("/hop/10")) == "more than 10 redirects"
    assert one_error(server.url("/loop")) == "more than 10 redirects"
    assert server.hits["/loop"] == 11


def test_each_hop_is_checked_again(server: Server) -> None:
    assert one_error(server.url("/to-ftp")).startswith("only http and https URLs are fetched, not ftp")


def test_a_404_is_reported_without_retrying(server: Server, waits: list[float]) -> None:
    assert one_error(server.url("/missing")) == "HTTP 404 Not Found"
    assert (server.hits["/missing"], waits) == (1, [])


def test_a_500_is_retried_with_backoff(server: Server, waits: list[float]) -> None:
    assert one_page(server.url("/flaky")).text == PAGE
    assert server.hits["/flaky"] == 2
    assert waits == [fetch.BACKOFF_BASE]


def test_a_429_waits_as_long_as_retry_after_says(server: Server, waits: list[float]) -> None:
    assert one_page(server.url("/busy")).text == PAGE
    assert waits == [3.0]


def test_retries_stop_after_the_limit(server: Server, waits: list[float]) -> None:
    assert one_error(server.url("/down"), retries=2) == "HTTP 503 Service Unavailable"
    assert server.hits["/down"] == 3
    assert waits == [fetch.BACKOFF_BASE, fetch.BACKOFF_BASE * 2]


def test_a_wait_past_the_deadline_is_not_taken(server: Server, waits: list[float]) -> None:
    reason = one_error(server.url("/busy"), deadline=2.0)
    assert reason.startswith("HTTP 429 Too Many Requests; retrying in 3 s would pass the deadline")
    assert waits == []


def test_a_slow_response_is_cut_off_at_the_deadline(server: Server) -> None:
    reason = one_error(server.url("/trickle"), deadline=0.5, timeout=5.0)
    assert reason.startswith("deadline of 0.5 s passed")


def test_an_oversized_body_is_cut_off_while_streaming(server: Server) -> None:
    assert one_error(server.url("/huge")) == f"body is over the {SMALL_CAP} byte limit"


def test_an_oversized_declared_length_is_refused_before_reading(server: Server) -> None:
    assert (
        one_error(server.url("/huge-declared"))
        == f"body of {SMALL_CAP * 10} bytes is over the {SMALL_CAP} byte limit"
    )


@pytest.mark.parametrize("path", ["/wrong-charset", "/meta-charset", "/no-charset"])
def test_a_wrong_or_missing_charset_still_reads_the_text(server: Server, path: str) -> None:
    assert one_page(server.url(path)).text == RUSSIAN.replace(
        "<head>", '<head><meta charset="windows-1251">' if path == "/meta-charset" else "<head>"
    )


def test_an_image_is_not_a_page(server: Server) -> None:
    assert one_error(server.url("/image")) == "not a page (Content-Type image/png)"


def test_a_private_address_is_refused_without_allow_private(server: Server) -> None:
    reason = one_error(server.url("/page"), allow_private=False)
    assert (
        reason == "refusing 127.0.0.1: it resolves to the non-public address 127.0.0.1 (use --allow-private)"
    )
    assert server.hits == {}


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="non-public address"):
        check_url(url, allow_private=False)


def test_fetches_run_concurrently_up_to_jobs(server: Server) -> None:
    urls = [server.url(f"/pair/{n}") for n in range(6)]
    items = fetch_all(urls, jobs=2, retries=0)
    assert sorted(item.source for item in items) == sorted(urls)
    assert all(isinstance(item, Page) for item in items)
    assert server.most_active == 2


def test_fetched_pages_are_kept_by_content_hash(server: Server, tmp_path: Path) -> None:
    page = one_page(server.url("/hop/1"), archive_dir=tmp_path)
    assert page.fetched is not None and page.fetched.archive_path is not None
    stored = page.fetched.archive_path
    assert stored.parent.parent == tmp_path
    assert stored.name.startswith(page.sha256)
    assert stored.read_bytes() == page.data
    record = json.loads(stored.with_suffix(".json").read_text())
    assert (record["url"], record["final_url"], record["status"]) == (server.url("/hop/1"), page.url, 200)
    assert record["fetched_at"] == page.fetched.fetched_at.isoformat()


def test_urls_mix_with_files_and_lists(server: Server, tmp_path: Path) -> None:
    (tmp_path / "local.html").write_text(PAGE)
    listing = tmp_path / "urls.txt"
    listing.write_text(f"{server.url('/page')}\n{server.url('/missing')}\n")
    options = InputOptions(allow_private=True, from_file=str(listing))
    items = list(iter_pages([str(tmp_path / "local.html")], options, None))
    assert sorted(item.source for item in items if isinstance(item, Page)) == sorted(
        [str(tmp_path / "local.html"), server.url("/page")]
    )
    assert [str(item) for item in items if isinstance(item, LoadError)] == [
        f"{server.url('/missing')}: HTTP 404 Not Found"
    ]


def test_a_host_that_rebinds_to_a_private_address_is_refused_at_connect(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the check before the request sees a public address, the connection would not."""
    answers = iter([[ipaddress.ip_address("93.184.216.34")]])
    real = fetch._resolve
    monkeypatch.setattr(fetch, "_resolve", lambda host, port: next(answers, None) or real("127.0.0.1", port))
    url = server.url("/page").replace("127.0.0.1", "rebind.test")
    assert one_error(url, allow_private=False).startswith(
        "refusing rebind.test: it resolves to the non-public"
    )
    assert server.hits == {}


def test_the_connection_goes_to_the_address_that_was_checked(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second lookup by the HTTP library: the name below exists nowhere but in the checked answer."""
    monkeypatch.setattr(fetch, "_public_addresses", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    url = server.url("/page").replace("127.0.0.1", "news.invalid")
    assert one_page(url, allow_private=False).text == PAGE
