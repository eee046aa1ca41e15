"""Bytes to text: BOM, HTTP charset, <meta>, detection, windows-1252 — and never a crash."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.inputs.encoding import decode_bytes, normalize_charset

FRENCH = "Le café du coin a fermé ses portes après trente-deux années de service à la clientèle du quartier."
RUSSIAN = "Москва — столица России, крупнейший по численности населения город страны и её субъект."
JAPANESE = "東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。多くの観光客が訪れます。"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_a_bom_wins_over_every_declaration(bom: bytes, codec: str) -> None:
    html = page(FRENCH, '<meta charset="windows-1251">')
    decoded = decode_bytes(bom + html.encode(codec), http_charset="iso-8859-2")
    assert decoded.text == html
    assert decoded.reason == "bom"


def test_the_http_charset_comes_before_the_meta() -> None:
    html = page(RUSSIAN, '<meta charset="utf-8">')
    decoded = decode_bytes(html.encode("cp1251"), http_charset="windows-1251")
    assert decoded.text == html
    assert decoded.reason == "http"


def test_a_wrong_http_charset_that_cannot_decode_falls_through_to_the_meta() -> None:
    html = page(RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    decoded = decode_bytes(html.encode("cp1251"), http_charset="utf-8")
    assert decoded.text == html
    assert decoded.reason == "meta"


def test_a_utf8_page_labelled_latin1_is_read_as_utf8() -> None:
    html = page(FRENCH)
    decoded = decode_bytes(html.encode("utf-8"), http_charset="ISO-8859-1")
    assert decoded.text == html


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="shift_jis">',
        "<meta charset=Shift_JIS>",
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=shift_jis'>",
    ],
)
def test_the_meta_charset_in_each_spelling(meta: str) -> None:
    html = page(JAPANESE, meta)
    assert decode_bytes(html.encode("shift_jis")).text == html


def test_an_unknown_label_is_ignored() -> None:
    html = page(FRENCH, '<meta charset="no-such-charset">')
    assert decode_bytes(html.encode("utf-8"), http_charset="bogus").text == html


def test_a_meta_claiming_utf16_is_read_as_utf8() -> None:
    """An ASCII-compatible page cannot truthfully declare UTF-16 in its own markup (HTML spec)."""
    html = page(FRENCH, '<meta charset="utf-16">')
    assert decode_bytes(html.encode("utf-8")).text == html


@pytest.mark.parametrize(("text", "codec"), [(RUSSIAN * 3, "cp1251"), (JAPANESE * 3, "shift_jis")])
def test_an_undeclared_charset_is_detected(text: str, codec: str) -> None:
    html = page(text)
    decoded = decode_bytes(html.encode(codec))
    assert decoded.text == html
    assert decoded.reason == "detected"


def test_undeclared_utf8_needs_no_detection() -> None:
    decoded = decode_bytes(page(JAPANESE).encode("utf-8"))
    assert decoded.reason == "utf-8"


def test_mixed_encodings_decode_with_replacements_not_errors() -> None:
    data = page(FRENCH).encode("utf-8") + FRENCH.encode("cp1252") + b"\x81\x8d\xff\x00"
    text = decode_bytes(data, http_charset="utf-8").text
    assert "Le caf" in text


@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "shift_jis", "utf-16", "nonsense"]))
def test_any_bytes_decode_to_text(data: bytes, charset: str | None) -> None:
    decoded = decode_bytes(data, http_charset=charset)
    assert isinstance(decoded.text, str)


DECLARATIONS = ["", '<meta charset="utf-8">', '<meta charset="windows-1252">', '<meta charset="shift_jis">']
PAGE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda head, body: (head + body).encode("utf-8"), st.sampled_from(DECLARATIONS), st.text()),
    st.builds(lambda body: codecs.BOM_UTF8 + body.encode("utf-8"), st.text()),
    st.builds(lambda body: body.encode("cp1252", "replace"), st.text()),
)


@given(PAGE_BYTES, st.sampled_from([None, "utf-8", "windows-1252", "shift_jis"]))
def test_strict_utf8_means_the_bytes_are_the_texts_utf8(data: bytes, charset: str | None) -> None:
    decoded = decode_bytes(data, http_charset=charset)
    if decoded.strict_utf8:
        assert decoded.text.encode("utf-8") == data


@pytest.mark.parametrize(
    ("data", "charset", "strict"),
    [
        (page(FRENCH).encode(), None, True),
        (page(FRENCH, '<meta charset="utf-8">').encode(), None, True),
        (page(RUSSIAN).encode(), "utf-8", True),
        (page("plain ASCII").encode(), None, True),
        (page("plain ASCII").encode(), "windows-1252", False),  # decoded as declared, not as UTF-8
        (codecs.BOM_UTF8 + page(FRENCH).encode(), None, False),
        (page(FRENCH).encode("cp1252"), None, False),
        (page(FRENCH).encode() + b"\xff", "utf-8", False),
    ],
)
def test_which_pages_are_strict_utf8(data: bytes, charset: str | None, strict: bool) -> None:
    assert decode_bytes(data, http_charset=charset).strict_utf8 is strict


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("GB2312", "gb18030"),
        ("x", None),
    ],
)
def test_web_labels_map_as_browsers_map_them(label: str, codec: str | None) -> None:
    assert normalize_charset(label) == codec
