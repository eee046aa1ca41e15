"""Evidence: each appearance's markup and byte offset in the page, `quotes evidence`, `quotes verify`."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.extract import extract_page
from collector.extract.evidence import MAX_MISSES
from collector.values import MARKUP_BYTES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
HTML_FIXTURES = sorted(FIXTURES.glob("*.html"))
TEXT_FIXTURES = sorted([*FIXTURES.glob("*.txt"), *FIXTURES.glob("*.md")])
SERVED = ("seed-article.html", "records-where-quoted.html")
MCFAUL = "1479527339458142209"
EMBED = (
    '<blockquote class="twitter-tweet"><p lang="en">{text}</p>&mdash; Jo (@jo) '
    '<a href="https://twitter.com/jo/status/{id}">January 7, 2022</a></blockquote>'
)


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kind(path: Path) -> Any:
    return {".html": "html", ".txt": "text", ".md": "markdown"}[path.suffix]


@pytest.mark.parametrize("page", [*HTML_FIXTURES, *TEXT_FIXTURES], ids=lambda path: path.name)
def test_each_appearance_markup_is_the_pages_bytes_at_its_offset(page: Path) -> None:
    """Alike whether the parser got the text or the UTF-8 bytes (as ingest gives them)."""
    text = page.read_text(encoding="utf-8")
    data = text.encode("utf-8")
    from_text = extract_page(text, kind=_kind(page)).appearances
    from_bytes = extract_page(text, kind=_kind(page), utf8=data).appearances
    assert from_text == from_bytes
    located = [a for a in from_text if a.byte_offset is not None]
    # Every fixture's appearances are found again in their pages.
    assert len(located) == len(from_text)
    for appearance in located:
        assert appearance.markup and not appearance.markup_truncated
        assert data[appearance.byte_offset :].startswith(appearance.markup.encode("utf-8"))
    offsets = [a.byte_offset for a in located]
    assert offsets == sorted(offsets)


def test_an_embed_markup_runs_to_its_own_end_tag_past_nested_ones() -> None:
    quoted = '<blockquote class="quoted"><p>inner words</p></blockquote>'
    page = f"<p>Intro é ü 日本</p>{EMBED.format(text='outer ' + quoted, id=1479527339458142209)}<p>after</p>"
    (appearance,) = extract_page(page).appearances
    data = page.encode("utf-8")
    # The byte offset, not the character offset: the text before it holds multi-byte characters.
    assert appearance.byte_offset == data.index(b'<blockquote class="twitter-tweet"')
    assert appearance.byte_offset != page.index('<blockquote class="twitter-tweet"')
    assert appearance.markup is not None and appearance.markup.endswith("</a></blockquote>")
    assert "inner words" in appearance.markup and "after" not in appearance.markup


def test_markup_past_the_cap_is_cut_and_flagged() -> None:
    long_text = "word " * (MARKUP_BYTES // 4)
    page = f"<html><body>{EMBED.format(text=long_text, id=1479527339458142209)}</body></html>"
    (appearance,) = extract_page(page).appearances
    assert appearance.markup_truncated
    assert appearance.markup is not None and len(appearance.markup.encode("utf-8")) == MARKUP_BYTES
    assert page.encode("utf-8")[appearance.byte_offset :].startswith(appearance.markup.encode("utf-8"))


def test_an_embed_the_source_does_not_show_as_parsed_keeps_the_parsers_markup() -> None:
    """Entities in a class name are decoded by the parser: its start tag is not found again."""
    embeds = "".join(
        EMBED.replace('class="twitter-tweet"', 'class="twitter&#45;tweet"').format(
            text=f"t{n}", id=1479527339458142200 + n
        )
        for n in range(MAX_MISSES + 2)
    )
    appearances = extract_page(f"<body>{embeds}</body>").appearances
    assert len(appearances) == MAX_MISSES + 2
    for appearance in appearances:
        assert appearance.byte_offset is None
        assert appearance.markup is not None and appearance.markup.startswith(
            '<blockquote class="twitter-tweet">'
        )


def test_a_text_post_is_located_at_its_signatures_paragraph() -> None:
    page = (
        "Article text that quotes nobody.\n\n"
        "> There will be no substantive negotiations.\n"
        "> — Michael McFaul (@McFaul) [January 7, 2022](https://twitter.com/McFaul/status/1479527339458142209)\n\n"
        "More text.\n"
    )
    (appearance,) = extract_page(page, kind="markdown").appearances
    assert appearance.byte_offset == page.index("> There will")
    assert appearance.markup == page[page.index("> There") : page.index(")\n\n") + 1]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on 127.0.0.1 serving copies of a few fixture pages (no other network)."""
    folder = tmp_path / "site"
    folder.mkdir()
    for name in SERVED:
        shutil.copy(FIXTURES / name, folder / name)
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fetched(db_url: str, site: tuple[str, Path], tmp_path: Path) -> tuple[str, Path]:
    """An archive of the served pages, fetched with their copies kept in `copies/`."""
    base, _ = site
    copies = tmp_path / "copies"
    urls = [f"{base}/{name}" for name in SERVED]
    result = run(db_url, "ingest", "--allow-private", "--archive-dir", str(copies), *urls)
    assert result.exit_code == 0, result.stderr
    return db_url, copies


def bundle_of(db: str, post: str, path: Path) -> tuple[Result, zipfile.ZipFile, dict[str, Any]]:
    result = run(db, "evidence", post, "-o", str(path))
    bundle = zipfile.ZipFile(path)
    return result, bundle, json.loads(bundle.read("manifest.json"))


def test_the_bundle_hashes_match_the_stored_pages(fetched: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = fetched
    result, bundle, manifest = bundle_of(db, MCFAUL, tmp_path / "e.zip")
    assert result.exit_code == 0, result.stderr
    assert manifest["post"]["post_id"] == MCFAUL
    assert manifest["tool"]["name"] == "quote-archiver" and manifest["tool"]["version"]
    assert manifest["exported_at"].endswith("Z")
    stored = {row["url"]: row for row in jsonl(run(db, "articles", "--format", "jsonl"))}
    assert len(manifest["appearances"]) == 1
    for shown in manifest["appearances"]:
        article = shown["article"]
        original = (FIXTURES / article["url"].rsplit("/", 1)[1]).read_bytes()
        assert article["url"] in stored and shown["ingested_at"].endswith("Z")
        # The page hash the archive stored, the served page's and the bundled copy's are one.
        assert article["sha256"] == sha256(original)
        page = bundle.read(shown["page_file"])
        assert sha256(page) == article["sha256"] and shown["page_file"] == f"pages/{article['sha256']}.page"
        markup = bundle.read(shown["markup_file"])
        assert sha256(markup) == shown["markup_sha256"]
        assert page[shown["byte_offset"] :].startswith(markup) and MCFAUL.encode() in markup


def test_a_post_quoted_in_two_pages_lists_both(db_url: str, site: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = site
    (folder / "again.html").write_text(
        "<html><head><title>Again</title></head><body><p>Quoted again:</p>"
        + EMBED.format(text="There will be no substantive negotiations", id=MCFAUL)
        + "</body></html>",
        encoding="utf-8",
    )
    urls = [f"{base}/seed-article.html", f"{base}/again.html"]
    assert (
        run(db_url, "ingest", "--allow-private", "--archive-dir", str(tmp_path / "c"), *urls).exit_code == 0
    )
    result, bundle, manifest = bundle_of(db_url, MCFAUL, tmp_path / "e.zip")
    assert result.exit_code == 0, result.stderr
    # One batch: its articles are stored in key order, not the order they were named in.
    titles = sorted(shown["article"]["title"] for shown in manifest["appearances"])
    assert titles[0] == "Again" and titles[1].startswith("Official Says U.S.") and len(titles) == 2
    pages = sorted(name for name in bundle.namelist() if name.startswith("pages/"))
    assert len(pages) == 2


def test_verify_reports_a_tampered_and_a_missing_copy(fetched: tuple[str, Path], tmp_path: Path) -> None:
    db, copies = fetched
    result = run(db, "verify")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "kept copies checked: 2, matching: 2, differing or missing: 0"
    kept = sorted(copies.rglob("*.page"))
    assert len(kept) == 2
    kept[0].write_bytes(kept[0].read_bytes().replace(b"</body>", b"<p>added</p></body>"))
    kept[1].unlink()
    result = run(db, "verify")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and result.stdout == ""
    problems = sorted(lines[:2])
    assert any(
        line.startswith(f"{kept[0]}: kept copy of http://") and "has sha256" in line for line in problems
    )
    assert any(
        line.startswith(f"{kept[1]}: kept copy of http://") and "is missing" in line for line in problems
    )
    assert lines[2] == "kept copies checked: 2, matching: 0, differing or missing: 2"


def test_a_bundle_of_a_tampered_copy_says_so(fetched: tuple[str, Path], tmp_path: Path) -> None:
    db, copies = fetched
    for kept in copies.rglob("*.page"):
        kept.write_bytes(kept.read_bytes() + b"<!-- changed -->")
    result, bundle, manifest = bundle_of(db, MCFAUL, tmp_path / "e.zip")
    assert result.exit_code == 1
    assert "has sha256" in result.stderr.splitlines()[0]
    (shown,) = manifest["appearances"]
    # The bundle holds the copy as it is now, named by its own hash: not the recorded one.
    assert shown["page_file"] != f"pages/{shown['article']['sha256']}.page"
    assert sha256(bundle.read(shown["page_file"])) != shown["article"]["sha256"]


def test_pages_read_from_files_have_no_copy_to_bundle(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "ingest", str(FIXTURES / "seed-article.html")).exit_code == 0
    result, bundle, manifest = bundle_of(db_url, MCFAUL, tmp_path / "e.zip")
    assert result.exit_code == 0, result.stderr
    (shown,) = manifest["appearances"]
    assert shown["page_file"] is None and shown["markup_file"] in bundle.namelist()
    assert (
        run(db_url, "verify").stderr.strip() == "kept copies checked: 0, matching: 0, differing or missing: 0"
    )


def test_two_copies_of_one_article_each_appearance_names_its_own_page(db_url: str, tmp_path: Path) -> None:
    """An article saved twice (an update, or .html and .html.gz of one URL) is one article row with
    the first copy's hash; a post only the second copy shows has its markup and offset in that
    copy, so its appearance names that copy's sha256 (the page bytes inside the gzip)."""
    head = '<html><head><link rel="canonical" href="https://news.example/story"><title>Story</title></head>'
    first = (
        head + "<body><p>First.</p>" + EMBED.format(text="one", id="1000000000000000001") + "</body></html>"
    )
    second = (head + "<body><p>Updated, longer.</p>" + EMBED.format(text="one", id="1000000000000000001")
              + EMBED.format(text="two", id="1000000000000000002") + "</body></html>")  # fmt: skip
    (tmp_path / "a.html").write_bytes(first.encode())
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(second.encode()))
    for name in ("a.html", "b.html.gz"):  # one at a time: the first ingested is the article's copy
        assert run(db_url, "ingest", str(tmp_path / name)).exit_code == 0
    for post, page in (("1000000000000000001", first), ("1000000000000000002", second)):
        result, bundle, manifest = bundle_of(db_url, post, tmp_path / f"{post}.zip")
        assert result.exit_code == 0, result.stderr
        (shown,) = manifest["appearances"]
        assert shown["article"]["sha256"] == sha256(first.encode())
        assert shown["page_sha256"] == sha256(page.encode())
        markup = bundle.read(shown["markup_file"])
        assert page.encode()[shown["byte_offset"] :].startswith(markup) and post.encode() in markup


def test_a_bundle_goes_to_stdout_with_dash(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "ingest", str(FIXTURES / "seed-article.html")).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", db_url, "evidence", MCFAUL, "-o", "-"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    bundle = zipfile.ZipFile(io.BytesIO(result.stdout_bytes))
    assert json.loads(bundle.read("manifest.json"))["post"]["post_id"] == MCFAUL


def test_an_unknown_post_is_one_error_line(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "ingest", str(FIXTURES / "seed-article.html")).exit_code == 0
    result = run(db_url, "evidence", "123", "-o", str(tmp_path / "e.zip"))
    assert result.exit_code == 1
    assert result.stderr == "Error: no post '123' in the archive; find one with `quotes search`\n"
    assert not (tmp_path / "e.zip").exists()


def jsonl(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in io.StringIO(result.stdout)]


def test_with_evidence_keeps_every_other_field_of_the_appearance() -> None:
    """with_evidence builds each appearance anew: a field added to Appearance must be carried."""
    import dataclasses

    from collector.extract.evidence import Evidence, with_evidence
    from collector.values import Appearance, Post

    post = Post(platform="twitter", post_id="1", text="t")
    values = {f.name: f"v-{f.name}" for f in dataclasses.fields(Appearance) if f.name not in ("post",)}
    original = Appearance(post=post, **values)
    [changed] = with_evidence([original], Evidence("<b>m</b>", True, 7))
    evidence_fields = {"markup", "markup_truncated", "byte_offset"}
    for f in dataclasses.fields(Appearance):
        if f.name not in evidence_fields:
            assert getattr(changed, f.name) == getattr(original, f.name), f.name
    assert (changed.markup, changed.markup_truncated, changed.byte_offset) == ("<b>m</b>", True, 7)
