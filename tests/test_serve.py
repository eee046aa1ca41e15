"""`quotes serve`: Datasette on a SQLite archive, its metadata, canned queries and post cards.

The in-process tests ask Datasette's own test client; the browser test starts `quotes serve` as a
real process and drives headless Chromium (Debian's package, `.ci/run` installs it) with
Playwright: search a word, apply a facet, open a post, check its card.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from collector.cli import cli
from collector.values import Appearance, Article, ArticleMeta, Post
from db.browse import QUERIES, datasette_metadata
from db.engine import database_url, make_engine, prepare_database, session_scope
from db.store import save_article

datasette_app = pytest.importorskip("datasette.app", reason="the serve extra (Datasette) is not installed")
from datasette.plugins import pm  # noqa: E402

from collector.output import datasette_card  # noqa: E402

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# How long `quotes serve` may take to answer (Datasette's start on a loaded machine).
START_TIMEOUT_S = 30
HOSTILE = "<script>alert(1)</script> & more"


def _post(post_id: str, handle: str, text: str | None, **more: Any) -> Post:
    return Post(
        platform="twitter",
        post_id=post_id,
        url=f"https://twitter.com/{handle}/status/{post_id}",
        author_name=handle.title(),
        handle=handle,
        text=text,
        **more,
    )


GENEVA = _post("1479527384433696769", "McFaul", "No substantive negotiations in Geneva next week.")
GENEVA_EDITED = _post("1479527384433696769", "McFaul", "No negotiations at all in Geneva next week.")
FERRY = _post("1734455667788990011", "ferrylinehq", f"The timetable online is an old draft. {HOSTILE}")
GONE = _post("1716239014625456128", "harborwatch", None)


def _article(name: str, site: str) -> Article:
    url = f"https://{site.lower().replace(' ', '')}.example/{name}"
    meta = ArticleMeta(title=f"{site}: {name}", site_name=site)
    return Article(source=url, sha256=hashlib.sha256(name.encode()).hexdigest(), url=url, meta=meta)


def build_archive(path: Path) -> None:
    """Two outlets: both quote the Geneva post (in two wordings), one shows a deleted post."""
    engine = make_engine(database_url(str(path)))
    prepare_database(engine)
    with session_scope(engine) as session:
        save_article(session, _article("talks", "Daily Harbor"), [Appearance(GENEVA), Appearance(FERRY)])
        save_article(
            session,
            _article("geneva", "Evening Post"),
            [Appearance(GENEVA_EDITED), Appearance(GONE, status="deleted")],
        )
    engine.dispose()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "quotes.db"
    build_archive(path)
    return path


def get(path: Path, url: str) -> Any:
    """A page (or JSON) of the archive from an in-process Datasette with the plugin registered."""
    if not pm.is_registered(datasette_card):
        pm.register(datasette_card, name=datasette_card.PLUGIN_NAME)
    app = datasette_app.Datasette([str(path)], metadata=datasette_metadata(path.stem))

    async def fetch() -> Any:
        await app.invoke_startup()
        return await app.client.get(url)

    return asyncio.run(fetch())


def rows(path: Path, url: str) -> list[dict[str, Any]]:
    response = get(path, url + ("&" if "?" in url else "?") + "_shape=objects")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["rows"]
    return found


def test_the_posts_table_has_its_title_facets_and_search(archive: Path) -> None:
    page = get(archive, "/quotes/posts").text
    assert "<h1" in page and "Posts" in page and "One row per post" in page
    for facet in ("platform", "handle", "date", "status"):
        assert f'id="facet-{facet}"' in page
    assert 'name="_search"' in page
    found = rows(archive, "/quotes/posts.json?_search=geneva")
    assert [row["handle"] for row in found] == ["McFaul"]


def test_column_descriptions_and_the_site_facet_on_articles(archive: Path) -> None:
    page = get(archive, "/quotes/articles").text
    assert 'id="facet-site_name"' in page and "Evening Post" in page
    assert "Site: the outlet as the page names itself" in get(archive, "/quotes/articles").text


def test_most_quoted_posts_come_first(archive: Path) -> None:
    found = rows(archive, "/quotes/most_quoted_posts.json")
    assert (found[0]["handle"], found[0]["articles"]) == ("McFaul", 2)
    assert sorted(row["articles"] for row in found[1:]) == [1, 1]


def test_posts_by_outlet(archive: Path) -> None:
    found = rows(archive, "/quotes/posts_by_outlet.json?outlet=Evening")
    assert sorted(row["handle"] for row in found) == ["McFaul", "harborwatch"]
    assert {row["site"] for row in found} == {"Evening Post"}


def test_deleted_posts(archive: Path) -> None:
    found = rows(archive, "/quotes/deleted_posts.json")
    assert [(row["handle"], row["status"]) for row in found] == [("harborwatch", "deleted")]


def test_posts_whose_copies_differ(archive: Path) -> None:
    found = rows(archive, "/quotes/posts_whose_copies_differ.json")
    assert [row["handle"] for row in found] == ["McFaul"]
    assert "text" in found[0]["copy_differs"]


def test_every_canned_query_has_a_title_and_runs(archive: Path) -> None:
    page = get(archive, "/quotes").text
    for name, (title, _, _) in QUERIES.items():
        assert f"/quotes/{name}" in page and title in page
        params = "?outlet=x" if ":outlet" in QUERIES[name][2] else ""
        assert get(archive, f"/quotes/{name}{params}").status_code == 200


def test_a_post_is_shown_as_a_card_with_its_text_escaped(archive: Path) -> None:
    (ferry,) = rows(archive, "/quotes/posts.json?handle=ferrylinehq")
    page = get(archive, f"/quotes/posts/{ferry['id']}").text
    assert "class='qa-card'" in page
    assert "@ferrylinehq" in page and "The timetable online is an old draft." in page
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    (gone,) = rows(archive, "/quotes/posts.json?handle=harborwatch")
    assert "class='qa-status'" in get(archive, f"/quotes/posts/{gone['id']}").text


def test_a_card_links_only_web_addresses() -> None:
    row = {"author_name": "A", "handle": "a", "text": "see https://example.com/x", "date": "2022-01-07"}
    card = datasette_card.card_html({**row, "url": "javascript:alert(1)"})
    assert 'href="javascript' not in card and 'href="https://example.com/x"' in card
    card = datasette_card.card_html({**row, "url": "https://twitter.com/a/status/1"})
    assert '<a href="https://twitter.com/a/status/1">2022-01-07</a>' in card


def test_a_card_drops_control_and_bidi_characters_and_isolates_names() -> None:
    row = {"author_name": "محمد\u202e علي", "handle": "a", "text": "bell\x07 \x1b[2J \u202eevil مرحبا",
           "date": "2022-01-07", "url": None, "quoted_text": "q\x00uote",
           "quoted_author_name": "B\x1b"}  # fmt: skip
    card = str(datasette_card.card_html(row))
    assert not re.findall("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", card)
    assert (
        "<strong dir='auto'>محمد علي</strong>" in card and "bell [2J evil مرحبا" in card and "quote" in card
    )
    assert "<p class='qa-text' dir='auto'>" in card


def test_a_postgresql_archive_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["--db", "postgresql+psycopg://u@127.0.0.1:1/x", "serve"])
    assert result.exit_code == 2
    assert "quotes serve serves SQLite archives" in result.stderr


def test_without_the_serve_extra_it_says_how_to_get_it(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "datasette.app", None)  # what an install without Datasette gives
    result = CliRunner().invoke(cli, ["--db", str(archive), "serve"])
    assert result.exit_code == 1
    assert result.stderr == "Error: quotes serve needs Datasette: pip install 'quote-archiver[serve]'\n"


def test_a_missing_archive_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "serve"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no archive at ")


def test_a_port_in_use_is_one_error_line(archive: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--db", str(archive), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
    assert len(result.stderr.splitlines()) == 1 and "serving" not in result.stderr


def test_an_unknown_host_is_one_error_line(archive: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(archive), "serve", "--host", "no-such-host.invalid"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot listen on no-such-host.invalid:8001: ")
    assert len(result.stderr.splitlines()) == 1


def _chromium() -> str:
    """Debian's chromium; where none can be had, skip — but never under CI, which installs it."""
    found = next((path for path in CHROMIUM_PATHS if Path(path).exists()), None) or shutil.which("chromium")
    if found:
        return found
    reason = "no chromium browser (Debian's `chromium` package; .ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(archive: Path) -> Iterator[str]:
    """`quotes serve` as a real process on a free port of 127.0.0.1 (its default host)."""
    port = _free_port()
    command = [sys.executable, "-m", "collector", "--db", str(archive), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1].decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"quotes serve did not answer on port {port} in {START_TIMEOUT_S}s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=START_TIMEOUT_S)
        assert f"at http://127.0.0.1:{port}/" in stderr.decode()


def test_in_a_browser_search_facet_and_open_a_post(served: str) -> None:
    chromium = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # the test extra has it: only a partial install lacks it
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{served}/quotes/posts")
            page.fill("input[name=_search]", "negotiations")
            page.press("input[name=_search]", "Enter")
            page.wait_for_url("**_search=negotiations**")
            assert page.locator("div.qa-card").count() == 1
            page.click("#facet-handle a:has-text('McFaul')")
            page.wait_for_url("**handle=McFaul**")
            assert "1 row where" in page.inner_text("h3")
            page.click("td.col-id a")
            page.wait_for_url("**/quotes/posts/*")
            card = page.inner_text("div.qa-card")
            assert "Mcfaul" in card and "@McFaul" in card and "negotiations in Geneva" in card
            assert page.locator("div.qa-card a[href^='https://twitter.com/McFaul/status/']").count() == 1
        finally:
            browser.close()
