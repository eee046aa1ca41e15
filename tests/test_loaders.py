"""Inputs to pages: files, folders, globs, stdin, lists — and one clear LoadError per bad input."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
from pathlib import Path

import pytest

from collector.inputs.formats import HEAD_BYTES, FormatError, binary_kind, iter_documents
from collector.inputs.formats import _read_capped as read_capped
from collector.inputs.loaders import InputOptions, LoadError, LoadStats, Page, count_files, iter_pages

HTML = "<!DOCTYPE html><html><head><title>Quoted</title></head><body><p>Café crème</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


def load(args: list[str], *, stdin: io.BytesIO | None = None, **options: object) -> list[Page | LoadError]:
    return list(iter_pages(args, InputOptions(**options), stdin))  # type: ignore[arg-type]


def pages(items: list[Page | LoadError]) -> list[Page]:
    return [item for item in items if isinstance(item, Page)]


def errors(items: list[Page | LoadError]) -> list[str]:
    return [str(item) for item in items if isinstance(item, LoadError)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "b.htm").write_bytes(HTML.replace("Café", "Thé").encode("cp1252"))
    (tmp_path / "sub" / "deeper" / "c.txt").write_text("A plain copy\n\nsome text", encoding="utf-8")
    (tmp_path / "sub" / "style.css").write_text("p { color: red }")
    (tmp_path / "sub" / "photo.png").write_bytes(PNG)
    return tmp_path


def test_a_folder_is_read_recursively_and_non_pages_are_counted(folder: Path) -> None:
    stats = LoadStats()
    items = list(iter_pages([str(folder)], InputOptions(), None, stats=stats))
    assert [Path(p.source).relative_to(folder).as_posix() for p in pages(items)] == [
        "a.html",
        "sub/b.htm",
        "sub/deeper/c.txt",
    ]
    assert errors(items) == []
    assert stats.skipped == 2


def test_each_page_is_decoded_and_its_kind_told_by_content(folder: Path) -> None:
    by_name = {Path(p.source).name: p for p in pages(load([str(folder)]))}
    assert "Café crème" in by_name["a.html"].text
    assert "Thé crème" in by_name["b.htm"].text
    assert (by_name["a.html"].kind, by_name["c.txt"].kind) == ("html", "text")
    assert by_name["a.html"].sha256 == hashlib.sha256(by_name["a.html"].data).hexdigest()


def test_the_kind_goes_by_content_not_by_name(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(HTML)
    (tmp_path / "notes.html").write_text("Just words, quoting nobody.\n")
    kinds = {Path(p.source).name: p.kind for p in pages(load([str(tmp_path)]))}
    assert kinds == {"notes.html": "text", "page.txt": "html"}


def test_a_file_without_a_suffix_in_a_folder_is_read_when_it_is_html(tmp_path: Path) -> None:
    (tmp_path / "saved").write_text(HTML)
    (tmp_path / "LICENSE").write_text("Permission is hereby granted")
    stats = LoadStats()
    items = list(iter_pages([str(tmp_path)], InputOptions(), None, stats=stats))
    assert [Path(p.source).name for p in pages(items)] == ["saved"]
    assert stats.skipped == 1


def test_a_complete_save_is_one_page_and_its_resources_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "Story.html").write_text(HTML)
    resources = tmp_path / "Story_files"
    resources.mkdir()
    (resources / "saved_resource.html").write_text(HTML.replace("Quoted", "An ad"))
    (resources / "Tweet.html").write_text(HTML.replace("Quoted", "A widget"))
    (resources / "style.css").write_text("p {}")
    (tmp_path / "Orphan_files").mkdir()
    (tmp_path / "Orphan_files" / "kept.html").write_text(HTML)
    stats = LoadStats()
    items = list(iter_pages([str(tmp_path)], InputOptions(), None, stats=stats))
    assert [Path(p.source).relative_to(tmp_path).as_posix() for p in pages(items)] == [
        "Orphan_files/kept.html",
        "Story.html",
    ]
    assert stats.skipped == 3


def test_a_gzipped_page_is_the_same_page(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(HTML)
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(HTML.encode()))
    (tmp_path / "renamed.bin").write_bytes(gzip.compress(HTML.encode()))
    found = pages(
        load([str(tmp_path / "a.html"), str(tmp_path / "a.html.gz"), str(tmp_path / "renamed.bin")])
    )
    assert len({(p.sha256, p.text) for p in found}) == 1
    assert len(found) == 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("image.html", PNG, "not a page: looks like a PNG image"),
        ("doc.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(300), "not a page: looks like a PDF document"),
        ("empty.html", b"", "empty file"),
        ("broken.html.gz", gzip.compress(HTML.encode())[:-12], "corrupt gzip data"),
    ],
)
def test_a_bad_file_is_one_error_naming_it_and_the_rest_is_read(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.html").write_text(HTML)
    items = load([str(tmp_path)])
    assert [Path(p.source).name for p in pages(items)] == ["good.html"]
    [error] = errors(items)
    assert error.startswith(f"{tmp_path / name}: {reason}")
    assert "\n" not in error


@pytest.mark.parametrize(("controls", "binary"), [(409, False), (410, True)])
def test_binary_data_is_told_by_its_share_of_control_bytes(controls: int, binary: bool) -> None:
    # 10 % of the 4,096-byte sample: NUL..BS and the other C0 controls count, whitespace and ESC don't.
    counted = bytes(range(0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))
    mixed = (counted * 20)[:controls]
    sample = mixed + b"\t\n\r\x0b\x0c\x1b" * 100 + b"a" * (4096 - controls - 600) + b"b" * 5000
    assert binary_kind(sample) == ("binary data" if binary else None)


def test_only_a_page_whose_bytes_are_its_utf8_text_hands_them_to_the_parser(tmp_path: Path) -> None:
    files = {
        "utf8.html": HTML.encode(),
        "bom.html": b"\xef\xbb\xbf" + HTML.encode(),
        "cp1252.html": HTML.encode("cp1252"),
        "nul.html": HTML.encode().replace(b"<p>", b"<p>\x00"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    by_name = {Path(page.source).name: page for page in pages(load([str(tmp_path)]))}
    assert by_name["utf8.html"].utf8 == by_name["utf8.html"].text.encode() == files["utf8.html"]
    assert [name for name, page in sorted(by_name.items()) if page.utf8 is not None] == ["utf8.html"]


def test_a_page_with_nul_bytes_is_still_a_page(tmp_path: Path) -> None:
    (tmp_path / "nul.html").write_bytes(HTML.encode().replace(b"<p>", b"<p>\x00\x00"))
    [page] = pages(load([str(tmp_path / "nul.html")]))
    assert "Café" in page.text


@pytest.mark.parametrize("extra", [0, 1])
def test_the_size_limit_holds_for_a_page_file_at_and_past_it(tmp_path: Path, extra: int) -> None:
    limit = 100_000  # past HEAD_BYTES, so the rest of the file is read by its measured size
    data = HTML.encode().replace(b"</p>", b" " * (limit - len(HTML.encode())) + b"</p>", 1)
    (tmp_path / "big.html").write_bytes(data + b" " * extra)
    items = load([str(tmp_path / "big.html")], local_max_bytes=limit)
    if extra:
        assert errors(items) == [f"{tmp_path / 'big.html'}: larger than the size limit"]
    else:
        assert pages(items)[0].sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_past_the_size_limit_is_refused_after_its_first_bytes(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as stream:  # sparse: 4 GB on paper, nothing on disk
        stream.write(HTML.encode())
        stream.truncate(4 << 30)
    streams: list[CountingReader] = []

    def opener() -> CountingReader:
        streams.append(CountingReader(io.FileIO(huge)))
        return streams[-1]

    with pytest.raises(FormatError, match=r"^larger than the size limit$"):
        list(iter_documents(opener, max_bytes=1_000_000))  # type: ignore[arg-type]
    assert sum(stream.bytes_read for stream in streams) <= HEAD_BYTES


class CountingReader(io.BufferedReader):
    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_file_that_grew_after_it_was_measured_is_read_to_its_end_or_refused() -> None:
    assert read_capped(io.BytesIO(b"x" * 500), 1_000, expected=10) == b"x" * 500
    with pytest.raises(FormatError, match="larger than the size limit"):
        read_capped(io.BytesIO(b"x" * 1_001), 1_000, expected=10)


def test_a_page_from_a_pipe_is_read_whole(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, HTML.encode())  # a pipe has no size to measure: read to its end
    os.close(write_end)
    [document] = iter_documents(lambda: os.fdopen(read_end, "rb"), max_bytes=1_000_000)
    assert document.data == HTML.encode()


def test_a_missing_path_is_reported_and_the_others_read(folder: Path) -> None:
    items = load([str(folder / "nope.html"), str(folder / "a.html")])
    assert errors(items) == [f"{folder / 'nope.html'}: no such file or directory"]
    assert len(pages(items)) == 1


def test_globs_expand_and_an_empty_glob_is_reported(folder: Path) -> None:
    items = load([str(folder / "**" / "*.htm*"), str(folder / "*.mhtml")])
    assert sorted(Path(p.source).name for p in pages(items)) == ["a.html", "b.htm"]
    assert errors(items) == [f"{folder / '*.mhtml'}: no files match this pattern"]


def test_a_file_named_twice_is_read_once(folder: Path) -> None:
    items = load([str(folder / "a.html"), str(folder), str(folder / "*.html")])
    assert [Path(p.source).name for p in pages(items)].count("a.html") == 1


def test_a_symlink_loop_is_reported_once_and_the_folder_still_read(folder: Path) -> None:
    os.symlink(folder, folder / "sub" / "back-to-top")
    os.symlink("self", folder / "self")  # a link to itself: ELOOP
    os.symlink(folder / "gone.html", folder / "dangling.html")
    items = load([str(folder)])
    assert len(pages(items)) == 3
    assert sorted(errors(items)) == [
        f"{folder / 'dangling.html'}: broken symbolic link (its target does not exist)",
        f"{folder / 'self'}: symbolic link loop",
        f"{folder / 'sub' / 'back-to-top'}: symbolic link loop: links back to a folder being read; skipped",
    ]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads unreadable files")
def test_an_unreadable_file_is_reported(folder: Path) -> None:
    locked = folder / "locked.html"
    locked.write_text(HTML)
    locked.chmod(0)
    try:
        items = load([str(folder)])
    finally:
        locked.chmod(0o644)
    assert errors(items) == [f"{locked}: permission denied"]
    assert len(pages(items)) == 3


def test_stdin_is_read_once(folder: Path) -> None:
    items = load(["-", str(folder / "a.html"), "-"], stdin=io.BytesIO(HTML.encode("utf-16")))
    assert [p.source for p in pages(items)] == ["-", str(folder / "a.html")]
    assert pages(items)[0].text == HTML
    assert errors(items) == ["-: stdin was already read; give '-' once"]


@pytest.mark.parametrize("stdin", [None, "closed", "empty"])
def test_closed_or_empty_stdin_is_one_error(stdin: str | None) -> None:
    stream = None if stdin is None else io.BytesIO(b"")
    if stdin == "closed":
        stream.close()  # type: ignore[union-attr]
    [error] = load(["-"], stdin=stream)
    assert isinstance(error, LoadError)
    assert error.source == "-"
    assert error.reason in {"stdin is closed; nothing to read", "stdin is empty"}


def test_a_list_file_gives_paths_and_skips_comments(folder: Path, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"# saved this week\n\n{folder / 'a.html'}\n  {folder / 'sub'}  \n{folder / 'nope'}\n")
    items = load([], from_file=str(listing))
    assert sorted(Path(p.source).name for p in pages(items)) == ["a.html", "b.htm", "c.txt"]
    assert errors(items) == [f"{folder / 'nope'}: no such file or directory"]


def test_a_list_on_stdin(folder: Path) -> None:
    items = load([], from_file="-", stdin=io.BytesIO(f"{folder / 'a.html'}\n".encode()))
    assert [Path(p.source).name for p in pages(items)] == ["a.html"]


def test_a_missing_list_is_one_error(tmp_path: Path) -> None:
    assert errors(load([], from_file=str(tmp_path / "none.txt"))) == [
        f"{tmp_path / 'none.txt'}: no such file or directory"
    ]


@pytest.mark.parametrize("url", ["ftp://example.com/a.html", "file:///etc/passwd", "javascript://x"])
def test_only_http_urls_are_fetched(url: str) -> None:
    [error] = load([url])
    assert isinstance(error, LoadError)
    assert error.reason.startswith("only http and https URLs are fetched")


def test_pages_stream_one_at_a_time(folder: Path) -> None:
    """Files are read as they are reached, not all up front: memory stays flat however many there are."""
    (folder / "b.html").write_text(HTML)
    items = iter_pages([str(folder)], InputOptions(), None)
    first = next(items)
    assert isinstance(first, Page)
    (folder / "b.html").unlink()
    rest = list(items)
    assert errors(rest) == [f"{folder / 'b.html'}: no such file or directory"]
    assert len(pages(rest)) == 2


def test_a_load_error_is_one_line_and_survives_pickling() -> None:
    error = LoadError("saved/page.html", "not a page: looks like a PNG image")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.reason, str(copy)) == (error.source, error.reason, str(error))
    assert str(error) == "saved/page.html: not a page: looks like a PNG image"


def test_the_progress_total_counts_the_pages_ingest_will_read(tmp_path: Path) -> None:
    """One rule decides what a page is: the bar's total and the walk agree (companions, content)."""
    (tmp_path / "a.html").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x")
    (tmp_path / "sub" / "notes.json").write_text("{}")
    (tmp_path / "sub" / "saved").write_text("<!doctype html><title>a page without a suffix</title>")
    (tmp_path / "sub" / "README").write_text("plain notes, not a page")
    (tmp_path / "sub" / "Page.html").write_text("x")
    (tmp_path / "sub" / "Page_files").mkdir()
    (tmp_path / "sub" / "Page_files" / "frame.html").write_text("x")
    single = tmp_path / "c.weird"
    single.write_text("x")
    assert count_files([str(tmp_path / "sub"), str(tmp_path / "a.html")]) == 4
    assert count_files([str(single)]) == 1  # named explicitly: the user says it is a page
    assert count_files([str(tmp_path / "*.html")]) == 1
    assert count_files(["-"]) is None
    assert count_files(["https://example.com/a"]) is None
