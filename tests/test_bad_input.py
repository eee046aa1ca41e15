"""The bad-input suite: every odd input gives a graceful partial result or one clear line.

Each case runs the real `quotes ingest BAD GOOD` on an archive that already holds the seed:
- a *partial* case exits 0, reports nothing but the summary, and stores what the input holds;
- a *refused* case exits 1 with exactly one line on stderr that starts with the input's name and
  says why, before the summary line;
and in both, never a traceback (nor the CLI's "unexpected" catch-all), the good page beside the bad
input is ingested, and the export of everything stored before is unchanged afterwards.
Inputs are generated in tmp_path (the 50 MB page once per session). Runs on SQLite and, when
configured, PostgreSQL.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.values import Article, Post, Quoted
from db.engine import make_engine, prepare_database
from db.store import SaveResult, save_pages

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOOD_PAGE = ROOT / "fixtures" / "bluesky-embed.html"
GOOD_PLATFORM = "bluesky"
BIG_PAGE_BYTES = 50_000_000
DEEP = 10_000
ENORMOUS_TEXT_CHARS = 2_000_000
# Three tweets the archive has never seen, with text a byte-level mishap would garble.
BASE_POSTS = (
    ("1600000000000000001", "alpha", "Alpha Ünïcödé", "Café, naïve, 日本語 and ✓ in one line"),
    ("1600000000000000002", "beta", "Beta", "Second post\nwith a second line"),
    ("1600000000000000003", "gamma", "Gamma ☮️", "Third post, the last one on the page"),
)
BASE_IDS = [post_id for post_id, *_ in BASE_POSTS]
SUMMARY_START = "pages read: "


def embed(post_id: str, handle: str, name: str, text: str, date: str = "January 7, 2022") -> str:
    body = "<br>".join(html.escape(line) for line in text.split("\n"))
    return (
        f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{body}</p>&mdash; {html.escape(name)} '
        f'(@{handle}) <a href="https://twitter.com/{handle}/status/{post_id}">{html.escape(date)}</a>'
        "</blockquote>"
    )


def base_page(*, around: str = "", inside: str = "") -> str:
    """The three base tweets in an article; `around` wraps them, `inside` goes into each text."""
    embeds = "\n<p>Between the posts.</p>\n".join(
        embed(post_id, handle, name, text).replace("</p>&mdash;", f"{inside}</p>&mdash;")
        for post_id, handle, name, text in BASE_POSTS
    )
    opening, closing = (around, around.replace("<", "</")) if around else ("", "")
    body = f"{opening * DEEP if around else ''}{embeds}{closing * DEEP if around else ''}"
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Base</title></head>'
        f"<body><article><h1>Base</h1>{body}</article></body></html>"
    )


# --- the inputs ------------------------------------------------------------------------------------

Make = Callable[[Path], Path]


def write(name: str, data: bytes | str) -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return path

    return make


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def truncated(folder: Path) -> Path:
    page = base_page()
    cut = page.index(BASE_IDS[2]) - 40  # inside the third embed's date link
    return write("truncated.html", page[:cut])(folder)


def invalid_utf8(folder: Path) -> Path:
    data = base_page().encode("utf-8")
    at = data.index(b"Between")
    return write("invalid-utf8.html", data[:at] + b"\xff\xfe\xc3\x28\xa0\xa1\xed\xa0\x80" + data[at:])(folder)


def mixed_encodings(folder: Path) -> Path:
    data = base_page().encode("utf-8")
    at = data.index(b"Between")
    other = "crème brûlée ".encode("latin-1") + "東京 ".encode("shift_jis") + "Привет".encode("koi8-r")
    return write("mixed-encodings.html", data[:at] + other + data[at:])(folder)


def nul_bytes(folder: Path) -> Path:
    data = base_page().encode("utf-8").replace(b"Between", b"Bet\x00ween").replace(b"<p ", b"\x00<p ")
    return write("nul-bytes.html", b"\x00" * 8 + data + b"\x00" * 64)(folder)


def nul_text(folder: Path) -> Path:
    text = "A text copy\n\nThe first\x00 post's words.\n— Nul Person (@nulperson) March 3, 2023\n"
    return write("nul-bytes.txt", text.encode("utf-8"))(folder)


def meta_charset(label: str) -> Make:
    """The base page declaring a codec that is no page's charset (the registry resolves it)."""
    return write(f"charset-{label}.html", base_page().replace('charset="utf-8"', f'charset="{label}"'))


def missing_parts(folder: Path) -> Path:
    parts = [
        # No handle anywhere: a byline without "(@handle)" and an /i/web/status/ link.
        '<blockquote class="twitter-tweet"><p lang="en">no handle</p>&mdash; No Handle '
        '<a href="https://twitter.com/i/web/status/1600000000000000011">January 7, 2022</a></blockquote>',
        embed("1600000000000000012", "nodate", "N", "no date", date=""),
        embed("1600000000000000013", "odd", "N", "odd date", date="the 45th of Smarch"),
        embed("1600000000000000014", "big", "N", "x" * ENORMOUS_TEXT_CHARS),
        '<blockquote class="twitter-tweet"><p>no status link</p>&mdash; N (@nolink) May 1, 2020</blockquote>',
    ]
    return write("missing-parts.html", "<html><body>" + "\n".join(parts) + "</body></html>")(folder)


def oversized_values(folder: Path) -> Path:
    # Values past PostgreSQL's VARCHAR and index-entry bounds: a 40-character lang attribute and a
    # display name of 3,000 CJK characters (no repetition for PostgreSQL to compress away).
    name = "".join(chr(0x4E00 + (n * 7919) % 20_000) for n in range(3_000))
    long_lang = embed(BASE_IDS[0], "alpha", "Alpha", "long lang").replace(
        'lang="en"', f'lang="en-x-{"a" * 40}"'
    )
    return write("oversized.html", long_lang + embed(BASE_IDS[1], "beta", name, "long name"))(folder)


def broken_warc(folder: Path) -> Path:
    # A response record without WARC-Target-URI: warcio fails inside its own parser.
    page = base_page().encode("utf-8")
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    record = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % len(http) + http + b"\r\n\r\n"
    return write("broken.warc", record)(folder)


def truncated_gzip(folder: Path) -> Path:
    data = gzip.compress(base_page().encode("utf-8"))
    return write("truncated.html.gz", data[: len(data) // 2])(folder)


def latin1_name(folder: Path) -> Path:
    # A file name that is not UTF-8 (an old Latin-1 disk): Python sees a lone surrogate.
    return write(os.fsdecode(b"caf\xe9-page.html"), base_page())(folder)


def missing_path(folder: Path) -> Path:
    return folder / "does-not-exist.html"


def dangling_symlink(folder: Path) -> Path:
    link = folder / "dangling.html"
    link.symlink_to(folder / "gone" / "target.html")
    return link


def unix_socket(folder: Path) -> Path:
    # A directory entry no one can open(), not even root: ENXIO.
    path = folder / "socket.html"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def symlink_loop(folder: Path) -> Path:
    root = folder / "looped"
    (root / "sub").mkdir(parents=True)
    base_page_path = root / "sub" / "page.html"
    base_page_path.write_text(base_page(), encoding="utf-8")
    (root / "sub" / "up").symlink_to("..")
    (root / "self").symlink_to(".")
    return root


def fifo_in_folder(folder: Path) -> Path:
    root = folder / "with-fifo"
    root.mkdir()
    os.mkfifo(root / "pipe.html")  # nobody writes to it: opening it would block forever
    (root / "page.html").write_text(base_page(), encoding="utf-8")
    return root


@dataclass(frozen=True)
class Case:
    make: Make
    posts: list[str] | None = None  # the platform ids stored from the input (all it holds)
    reason: str | None = None  # refused: a word the stderr line must hold (None: nothing refused)
    reports: int = 1  # refused: how many entries are reported (a folder may hold several)


CASES: dict[str, Case] = {
    "empty file": Case(write("empty.html", b""), reason="empty"),
    "PNG named .html": Case(write("image.html", PNG), reason="PNG"),
    "PDF named .html": Case(write("document.html", PDF), reason="PDF"),
    "truncated HTML": Case(truncated, posts=BASE_IDS[:2]),
    "10,000-deep nesting around": Case(write("deep-around.html", base_page(around="<div>")), posts=BASE_IDS),
    "10,000-deep nesting inside": Case(
        write("deep-inside.html", base_page(inside="<span>" * DEEP + "deep" + "</span>" * DEEP)),
        posts=BASE_IDS,
    ),
    "10,000 unclosed tags": Case(write("unclosed.html", base_page() + "<div><b><i>" * DEEP), posts=BASE_IDS),
    # Quadratic in the parser (17 s); refused from its tags before parsing.
    "100,000-deep <div> nesting": Case(
        write("deep-100k.html", base_page(around="<div>").replace("<div>" * DEEP, "<div>" * 10 * DEEP)),
        reason="nested too deeply",
    ),
    "invalid UTF-8": Case(invalid_utf8, posts=BASE_IDS),
    "mixed encodings": Case(mixed_encodings, posts=BASE_IDS),
    "NUL bytes in HTML": Case(nul_bytes, posts=BASE_IDS),
    "<meta charset=undefined>": Case(meta_charset("undefined"), posts=BASE_IDS),
    "<meta charset=punycode>": Case(meta_charset("punycode"), posts=BASE_IDS),
    "<meta charset=unicode_escape>": Case(meta_charset("unicode_escape"), posts=BASE_IDS),
    "NUL bytes in text": Case(nul_text, posts=[]),
    "embeds with missing parts": Case(missing_parts, posts=[f"16000000000000000{n}" for n in range(11, 15)]),
    "oversized attribute values": Case(oversized_values, posts=BASE_IDS[:2]),
    "broken WARC": Case(broken_warc, reason="broken WARC"),
    "truncated gzip": Case(truncated_gzip, reason="corrupt gzip"),
    "file name not UTF-8": Case(latin1_name, posts=BASE_IDS),
    "path that does not exist": Case(missing_path, reason="no such file"),
    "dangling symlink": Case(dangling_symlink, reason="broken symbolic link"),
    "unix socket": Case(unix_socket, reason="no such device"),
    "symlink loop in a folder": Case(symlink_loop, posts=BASE_IDS, reason="loop", reports=2),
    "FIFO in a folder": Case(fifo_in_folder, posts=BASE_IDS),
}


# --- running ---------------------------------------------------------------------------------------


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def export_all(db: str) -> list[dict[str, Any]]:
    result = run(db, "export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def archive(db_url: str) -> str:
    """A database that already holds the seed article."""
    result = run(db_url, "ingest", str(SEEDS))
    assert result.exit_code == 0, result.stderr
    return db_url


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> str:
    """The same on SQLite only: for the inputs a real process must meet (the database plays no part,
    and each process start costs a second or two)."""
    database = str(tmp_path / "quotes.db")
    result = run(database, "ingest", str(SEEDS))
    assert result.exit_code == 0, result.stderr
    return database


@pytest.fixture(scope="session")
def big_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50 MB article with the base tweets in its middle, made once per session."""
    paragraph = "<p>" + "A long article keeps going and going, paragraph after paragraph. " * 16 + "</p>\n"
    filler = paragraph * (BIG_PAGE_BYTES // 2 // len(paragraph) + 1)
    page = (
        base_page()
        .replace("<h1>Base</h1>", "<h1>Base</h1>" + filler)
        .replace("</article>", filler + "</article>")
    )
    path = tmp_path_factory.mktemp("big") / "big.html"
    path.write_text(page, encoding="utf-8")
    assert path.stat().st_size >= BIG_PAGE_BYTES
    return path


def stored_ids(records: list[dict[str, Any]]) -> set[str]:
    return {record["post_id"] for record in records if record["post_id"]}


def check_outcome(result: Result | subprocess.CompletedProcess[str], bad: Path, case: Case) -> None:
    code = result.exit_code if isinstance(result, Result) else result.returncode
    stderr = result.stderr
    assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    *reports, summary = stderr.splitlines()
    assert summary.startswith(SUMMARY_START), stderr
    if case.reason is None:
        assert code == 0, stderr
        assert reports == [], stderr
        return
    assert code == 1, stderr
    assert len(reports) == case.reports, stderr
    for line in reports:
        assert line.startswith(str(bad)), f"{line!r} does not name the input {bad}"
        assert ":" in line
    assert any(case.reason.lower() in line.lower() for line in reports), stderr


def check_archive(db: str, before: list[dict[str, Any]], case: Case) -> None:
    after = export_all(db)
    # The bad inputs quote none of the stored posts: every record exported before is still there,
    # unchanged to the last field (article counts and URLs included).
    assert [record for record in before if record not in after] == [], "something already stored changed"
    assert any(record["platform"] == GOOD_PLATFORM for record in after), "the good page was not ingested"
    assert stored_ids(after) >= set(case.posts or ())


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_ingested_in_part_or_refused_in_one_line(
    archive: str, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    bad = case.make(tmp_path)
    before = export_all(archive)
    result = run(archive, "ingest", str(bad), str(GOOD_PAGE))
    check_outcome(result, bad, case)
    check_archive(archive, before, case)


def test_a_50_mb_page_is_ingested_whole(archive: str, big_page: Path) -> None:
    case = Case(lambda _: big_page, posts=BASE_IDS)
    before = export_all(archive)
    result = run(archive, "ingest", str(big_page), str(GOOD_PAGE))
    check_outcome(result, big_page, case)
    check_archive(archive, before, case)


def test_missing_parts_are_left_empty_never_invented(archive: str, tmp_path: Path) -> None:
    assert run(archive, "ingest", str(missing_parts(tmp_path))).exit_code == 0
    records = {record["post_id"]: record for record in export_all(archive)}
    no_handle, no_date, odd_date, enormous = (records[f"16000000000000000{n}"] for n in range(11, 15))
    assert no_handle["handle"] is None and no_handle["author_name"] == "No Handle"
    # No day shown: none is read from the page; the snowflake id still gives the exact time, and
    # the archive files the post under its UTC day, saying so.
    for shown_none in (no_date, odd_date):
        assert shown_none["date_source"] == "id" and shown_none["posted_at"]
        assert shown_none["date"] == shown_none["posted_at"][:10]
    assert enormous["text"] == "x" * ENORMOUS_TEXT_CHARS
    assert not any(record["handle"] == "nolink" for record in records.values())


def test_nul_bytes_in_a_text_page_are_stored_alike_on_every_database(archive: str, tmp_path: Path) -> None:
    # PostgreSQL cannot store NUL: the page must still be saved, with U+FFFD in its place.
    assert run(archive, "ingest", str(nul_text(tmp_path))).exit_code == 0
    (record,) = (r for r in export_all(archive) if r["handle"] == "nulperson")
    assert record["text"] == "The first\ufffd post's words."


# --- inputs that need a real process ----------------------------------------------------------------


def quotes(db: str, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "collector", "--db", db, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def without_file_mode_override() -> tuple[str, ...]:
    """A command prefix under which file modes bind even for root (CI runs tests as root):
    the process keeps uid 0 but loses the capabilities that override permission bits."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot make a file unreadable")
    drop = "-dac_override,-dac_read_search"
    return (setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}")


@pytest.mark.parametrize("what", ["file", "folder"])
def test_an_unreadable_input_is_refused_in_one_line(sqlite_archive: str, tmp_path: Path, what: str) -> None:
    before = export_all(sqlite_archive)
    bad = tmp_path / "locked"
    if what == "folder":
        bad.mkdir()
        (bad / "page.html").write_text(base_page(), encoding="utf-8")
    else:
        bad.write_text(base_page(), encoding="utf-8")
    prefix = without_file_mode_override()
    bad.chmod(0)
    try:
        result = quotes(sqlite_archive, "ingest", str(bad), str(GOOD_PAGE), prefix=prefix)
    finally:
        bad.chmod(0o755)
    check_outcome(result, bad, Case(lambda _: bad, reason="permission denied"))
    check_archive(sqlite_archive, before, Case(lambda _: bad))


def test_a_closed_stdin_is_reported_and_other_inputs_still_ingested(sqlite_archive: str) -> None:
    before = export_all(sqlite_archive)
    closed = ("sh", "-c", 'exec "$@" <&-', "sh")
    result = quotes(sqlite_archive, "ingest", "-", str(GOOD_PAGE), prefix=closed)
    check_outcome(result, Path("-"), Case(lambda _: Path("-"), reason="stdin is closed"))
    check_archive(sqlite_archive, before, Case(lambda _: Path("-")))
    # Without '-', a closed stdin is nobody's business (cron jobs, daemons).
    again = quotes(sqlite_archive, "ingest", str(GOOD_PAGE), prefix=closed)
    assert again.returncode == 0, again.stderr


def test_values_past_the_column_bounds_keep_their_page_on_every_database(db_url: str) -> None:
    # Straight to the store: the bounds are the schema's, whatever extraction lets through.
    engine = make_engine(db_url)
    prepare_database(engine)
    long_name = "".join(chr(0x4E00 + (n * 7919) % 20_000) for n in range(3_000))
    odd = [
        Post("twitter", post_id="1600000000000000021", lang="x" * 40, text="long lang"),
        Post("twitter", post_id="1600000000000000022", handle="h" * 200, text="long handle"),
        Post("twitter", post_id="1600000000000000023", handle="n", author_name=long_name, text="long name"),
        Post("facebook", post_id="9" * 300, text="an id too long to be a key"),
        Post("twitter", post_id="1600000000000000024", quoted=Quoted(handle="q" * 200), text="quoted"),
        Post("twitter", handle="ß" * 100, text="handle that casefolds longer"),
    ]
    fine = Post("twitter", post_id="1600000000000000025", text="a fine post beside them")
    article = Article(source="pages/oversized.html", sha256=hashlib.sha256(b"oversized").hexdigest())
    try:
        (result,) = save_pages(engine, [(article, [*odd, fine])])
        again = save_pages(engine, [(article, [*odd, fine])])
    finally:
        engine.dispose()
    assert not isinstance(result, Exception), result
    assert (result.new_posts, result.known_posts) == (len(odd) + 1, 0)
    assert again == [SaveResult(result.article_id, 0, len(odd) + 1)]  # and idempotent
    records = {record["text"]: record for record in export_all(db_url)}
    assert records["long name"]["author_name"] == long_name  # the post keeps the whole name
    assert records["long lang"]["lang"] == "x" * 32
    assert records["an id too long to be a key"]["post_id"] is None
