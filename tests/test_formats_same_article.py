"""One article saved five ways (.html, .txt, .mhtml, .warc.gz, .html.gz) reads as the same article.

The copies are generated from the seed fixture into tmp_path, the way the tools write them: an
MHTML file as Chrome's "Save as single file" lays it out (quoted-printable HTML part, then its
resources), a WARC as a crawler writes it (request, response with gzip Content-Encoding and
chunked transfer, images, a 404, a second page), a gzip-compressed page, and a plain-text copy.
"""

from __future__ import annotations

import gzip
import io
import json
import quopri
import re
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from collector.extract import extract_page
from collector.inputs.formats import Document, FormatError, iter_documents, warc_document_at
from collector.inputs.loaders import InputOptions, LoadError, LoadStats, Page, iter_pages

REPO = Path(__file__).parents[1]
SEED_HTML = REPO / "fixtures" / "seed-article.html"
SEED_TEXT = next(iter(sorted((REPO / "seeds").glob("*.txt"))), None)
URL = "https://www.politicususa.com/2022/01/08/open-to-talks-with-russia.html"
CANONICAL = f'<link rel="canonical" href="{URL}">'
TITLE = "Official Says U.S. Is ‘Open’ to Talks With Russia On Missile Deployments & Military Exercises"
BOUNDARY = "----MultipartBoundary--Fq3P0xVvS4Ua9rH2nTjLkWcYbE1mZ7dQ----"
pytestmark = pytest.mark.skipif(SEED_TEXT is None, reason="no plain-text seed in seeds/")


def article_html() -> bytes:
    """The seed page as its site served it: with its canonical link."""
    return SEED_HTML.read_bytes().replace(b"<title>", CANONICAL.encode() + b"\n  <title>", 1)


def mhtml(html: bytes) -> bytes:
    """Chrome's layout: Blink's header, the quoted-printable page first, then a CSS and an image part."""
    parts = [
        (
            "text/html",
            f"Content-ID: <frame-4D1F@mhtml.blink>\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            f"Content-Location: {URL}",
            quopri.encodestring(html).replace(b"\n", b"\r\n"),
        ),
        (
            "text/css",
            "Content-Transfer-Encoding: quoted-printable\r\nContent-Location: https://www.politicususa.com/s.css",
            b"p { margin: 0 }",
        ),
        (
            "image/png",
            "Content-Transfer-Encoding: base64\r\nContent-Location: https://x.test/i.png",
            b"iVBORw0KGgo=",
        ),
    ]
    header = (
        f"From: <Saved by Blink>\r\nSnapshot-Content-Location: {URL}\r\nSubject: =?utf-8?Q?Official?=\r\n"
        f"Date: Sat, 8 Jan 2022 10:00:00 -0000\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{BOUNDARY}"\r\n\r\n\r\n'
    ).encode()
    body = b"".join(
        f"--{BOUNDARY}\r\nContent-Type: {kind}\r\n{headers}\r\n\r\n".encode() + payload + b"\r\n"
        for kind, headers, payload in parts
    )
    return header + body + f"--{BOUNDARY}--\r\n".encode()


def warc_gz(html: bytes) -> bytes:
    """A crawl: request, the article (gzip-encoded, chunked), an image, a 404, then a second page."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)

    def response(url: str, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http)
        )

    request = StatusAndHeaders(
        "GET /2022/01/08/open-to-talks-with-russia.html HTTP/1.1", [("Host", "x")], is_http_request=True
    )
    writer.write_record(writer.create_warc_record(URL, "request", http_headers=request))
    compressed = gzip.compress(html)
    chunked = f"{len(compressed):x}\r\n".encode() + compressed + b"\r\n0\r\n\r\n"
    response(
        URL,
        "200 OK",
        [
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ],
        chunked,
    )
    response(
        "https://www.politicususa.com/logo.png", "200 OK", [("Content-Type", "image/png")], b"\x89PNG\r\n"
    )
    response(
        "https://www.politicususa.com/gone", "404 Not Found", [("Content-Type", "text/html")], b"<p>gone</p>"
    )
    response(
        "https://www.politicususa.com/about",
        "200 OK",
        [("Content-Type", "text/html")],
        b"<title>About</title>",
    )
    return out.getvalue()


def text_copy() -> str:
    """The plain-text seed, with the address line a reader's "save as text" puts under the title."""
    assert SEED_TEXT is not None
    title, rest = SEED_TEXT.read_text(encoding="utf-8").split("\n", 1)
    return f"{title}\n{URL}\n{rest}"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    html = article_html()
    (tmp_path / "article.html").write_bytes(html)
    (tmp_path / "article.txt").write_text(text_copy(), encoding="utf-8")
    (tmp_path / "article.mhtml").write_bytes(mhtml(html))
    (tmp_path / "crawl.warc.gz").write_bytes(warc_gz(html))
    (tmp_path / "article.html.gz").write_bytes(gzip.compress(html))
    return tmp_path


def read(folder: Path) -> dict[str, Page]:
    stats = LoadStats()
    items = list(iter_pages([str(folder)], InputOptions(), None, stats=stats))
    assert [str(item) for item in items if isinstance(item, LoadError)] == []
    assert stats.skipped == 0
    return {Path(item.source).name: item for item in items if isinstance(item, Page)}


def warc_page(pages: dict[str, Page], index: int) -> str:
    """The name of the WARC's `index`-th HTML page (`crawl.warc.gz#OFFSET`, in file order)."""
    names = [name for name in pages if name.startswith("crawl.warc.gz#")]
    return sorted(names, key=lambda name: int(name.rsplit("#", 1)[1]))[index]


def test_every_copy_is_read_and_the_warc_gives_its_html_pages_only(folder: Path) -> None:
    names = sorted(read(folder))
    assert names[:4] == ["article.html", "article.html.gz", "article.mhtml", "article.txt"]
    assert len(names) == 6
    assert all(re.fullmatch(r"crawl\.warc\.gz#[0-9]+", name) for name in names[4:])


def test_a_warc_page_is_named_by_its_record_offset_and_read_again_from_there(folder: Path) -> None:
    """`file.warc.gz#OFFSET`: the record's byte offset, so one page is re-read without a scan."""
    pages = read(folder)
    warc = folder / "crawl.warc.gz"
    for index in (0, 1):
        name = warc_page(pages, index)
        offset = int(name.rsplit("#", 1)[1])
        document = warc_document_at(lambda: warc.open("rb"), offset, max_bytes=10_000_000)
        assert isinstance(document, Document)
        page = pages[name]
        assert (document.data, document.url, document.part) == (page.data, page.url, f"#{offset}")
    assert int(warc_page(pages, 0).rsplit("#", 1)[1]) > 0  # the request record comes first
    with pytest.raises(FormatError):
        warc_document_at(lambda: warc.open("rb"), 3, max_bytes=10_000_000)


def test_the_html_copies_are_the_same_bytes(folder: Path) -> None:
    pages = read(folder)
    html_copies = [
        pages[name] for name in ("article.html", "article.html.gz", "article.mhtml", warc_page(pages, 0))
    ]
    assert {page.sha256 for page in html_copies} == {html_copies[0].sha256}
    assert {page.text for page in html_copies} == {article_html().decode()}
    assert {page.kind for page in html_copies} == {"html"}


def test_containers_give_the_page_address(folder: Path) -> None:
    pages = read(folder)
    assert (pages["article.mhtml"].url, pages[warc_page(pages, 0)].url) == (URL, URL)
    assert pages[warc_page(pages, 1)].url == "https://www.politicususa.com/about"
    assert pages["article.html"].url is None


def test_every_copy_gives_the_same_metadata_and_posts(folder: Path) -> None:
    pages = read(folder)
    article = [name for name in pages if name != warc_page(pages, 1)]
    extractions = {name: extract_page(pages[name].text, kind=pages[name].kind) for name in article}
    assert pages["article.txt"].kind == "text"
    assert {extraction.meta.title for extraction in extractions.values()} == {TITLE}
    # The page's address: its canonical link, or for the text copy the address line under the title.
    assert {
        extraction.meta.canonical_url or extraction.meta.saved_from for extraction in extractions.values()
    } == {URL}
    # The text copy has no status links: its posts are known by author, date and words.
    posts = {
        name: [(post.handle, post.date, post.text) for post in extraction.posts]
        for name, extraction in extractions.items()
    }
    assert [handle for handle, _, _ in posts["article.html"]] == ["McFaul", "DavisColby", "PoliticusSarah"]
    assert all(found == posts["article.html"] for found in posts.values()), posts


def test_a_truncated_warc_keeps_the_pages_before_the_break(folder: Path) -> None:
    data = (folder / "crawl.warc.gz").read_bytes()
    records = ArchiveIterator(io.BytesIO(data))
    offsets = [records.get_record_offset() for _ in records]
    broken = folder / "broken.warc.gz"
    broken.write_bytes(data[: (offsets[-1] + len(data)) // 2])  # the download stopped mid-record
    items = list(iter_pages([str(broken)], InputOptions(), None))
    article = offsets[1]  # after the request record
    assert [item.source for item in items if isinstance(item, Page)] == [f"{broken}#{article}"]
    assert [str(item) for item in items if isinstance(item, LoadError)][-1].startswith(
        f"{broken}: broken WARC after"
    )


def test_an_mhtml_without_an_html_part_is_an_error() -> None:
    data = mhtml(b"<p>x</p>").replace(b"Content-Type: text/html", b"Content-Type: text/plain")
    with pytest.raises(FormatError, match="MHTML file without an HTML part"):
        list(iter_documents(lambda: io.BytesIO(data), max_bytes=10_000_000))


def test_a_gzip_bomb_stops_at_the_size_limit() -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    with pytest.raises(FormatError, match="decompressed larger than the size limit"):
        list(iter_documents(lambda: io.BytesIO(bomb), max_bytes=1_000_000))


# --- end to end ---------------------------------------------------------------------------------

POST_IDS = {"1479527339458142209", "1479547133752246272", "1479855415096246272"}


def ingest(folder: Path, tmp_path: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    from click.testing import CliRunner

    from collector.cli import cli

    db = str(tmp_path / "archive.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db, "ingest", "--quiet", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["--db", db, "articles", "--format", "json"], catch_exceptions=False)
    posts = runner.invoke(cli, ["--db", db, "search", "--format", "json"], catch_exceptions=False)
    return json.loads(listed.stdout), json.loads(posts.stdout)


def test_the_folder_ingests_to_one_article_with_its_posts(folder: Path, tmp_path: Path) -> None:
    articles, posts = ingest(folder, tmp_path)
    quoting = [article for article in articles if article["post_count"]]
    assert [(article["title"], article["url"]) for article in quoting] == [(TITLE, URL)]
    assert {post["post_id"] for post in posts if post["post_id"]} == POST_IDS


def test_the_text_copy_adds_no_second_copy_of_a_post(folder: Path, tmp_path: Path) -> None:
    """The text copy's posts carry no ids; they are the same posts as the embeds with ids."""
    _, posts = ingest(folder, tmp_path)
    assert len(posts) == len(POST_IDS)
