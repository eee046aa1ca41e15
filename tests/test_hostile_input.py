"""Hostile inputs of issue 21, one class at a time: each is that input's failure, never the run's.

Beside `test_bad_input.py` (whose harness runs `quotes ingest BAD GOOD` on both databases), these
tests hold each class of input to its rule: every charset label the codec registry resolves,
MHTML nested and multiplied, WARC records past the cap, deep nesting, symlinks out of a folder,
terminal escapes, numeric lookups, atomic exports and the per-page time budget.
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import os
import pkgutil
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.encoding import decode_bytes, normalize_charset
from collector.parallel import JOBS_PER_CORE, cap_jobs, usable_cores

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOOD_PAGE = ROOT / "fixtures" / "bluesky-embed.html"

# --- charsets (defect 3) ------------------------------------------------------------------------

REGISTRY_LABELS = sorted(
    set(encodings.aliases.aliases)
    | set(encodings.aliases.aliases.values())
    | {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    | {"undefined", "rot13", "utf-7", "mbcs", "cp65001", "x-user-defined"}
)
# Not character encodings of pages: byte transforms, escape readers, the codec that always raises.
NOT_CHARSETS = (
    "undefined",
    "rot13",
    "base64",
    "zlib",
    "hex",
    "uu",
    "bz2",
    "quopri",
    "punycode",
    "idna",
    "unicode_escape",
    "raw_unicode_escape",
    "utf-7",
    "hz",
    "cp037",
)
ESCAPES = rb"<p>\u202e \x1b[2J \N{BULLET} +ACIAPgA8-script ~{<:~} xn--ls8h</p>"


def random_bytes(seed: int, size: int = 2048) -> bytes:
    generator = random.Random(seed)
    return bytes(generator.randrange(256) for _ in range(size))


@pytest.mark.parametrize("label", REGISTRY_LABELS)
def test_every_label_the_registry_resolves_is_a_real_charset_or_refused(label: str) -> None:
    codec = normalize_charset(label)
    if codec is None:
        return
    info = codecs.lookup(codec)
    # A real charset decodes any bytes (replacing what does not fit) ...
    for seed in range(3):
        assert isinstance(random_bytes(seed).decode(info.name, "replace"), str)
    # ... and ASCII, escapes and all, as itself (UTF-16/32 are taken from HTTP only, by name).
    if not info.name.startswith(("utf-16", "utf-32")):
        assert ESCAPES.decode(info.name) == ESCAPES.decode("ascii")


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_codec_that_is_no_charset_is_refused(label: str) -> None:
    assert normalize_charset(label) is None


@pytest.mark.parametrize("label", REGISTRY_LABELS)
def test_any_declared_label_decodes_a_page_without_raising(label: str) -> None:
    page = b'<html><head><meta charset="' + label.encode() + b'"></head><body>' + ESCAPES + b"</body></html>"
    for data in (page, page + random_bytes(7, 64)):
        from_meta = decode_bytes(data)
        from_http = decode_bytes(data, http_charset=label)
        assert isinstance(from_meta.text, str) and isinstance(from_http.text, str)
    # The escapes stay escapes: no codec turned `\u202e` into a control character.
    assert "\u202e" not in decode_bytes(page).text
    assert "\u202e" not in decode_bytes(page, http_charset=label).text


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_refused_label_reads_the_page_as_if_undeclared(label: str) -> None:
    page = '<html><head><meta charset="{}"><title>Café</title></head><body>déjà</body></html>'
    data = page.format(label).encode("utf-8")
    expected = data.decode("utf-8")
    assert decode_bytes(data).text == expected
    assert decode_bytes(data, http_charset=label).text == expected


# --- numeric and odd lookups (defect 10) -------------------------------------------------------

ODD_REFERENCES = (
    "9999999999999999999",
    str(2**31),
    str(2**31 - 1),
    str(2**63 - 1),
    str(2**63),
    str(2**64 + 1),
    "0",
    "²",
    "١٢٣",
    os.fsdecode(b"caf\xe9"),
    "\ud800",
    "https://twitter.com/a/status/99999999999999999999999999",
    "https://twitter.com/a/status/" + str(2**63),
)


def run_cli(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


@pytest.fixture
def seeded(db_url: str) -> str:
    result = run_cli(db_url, "ingest", str(SEEDS))
    assert result.exit_code == 0, result.stderr
    return db_url


def test_an_unknown_number_or_odd_reference_is_no_post_on_every_database(seeded: str) -> None:
    for ref in ODD_REFERENCES:
        result = run_cli(seeded, "show", ref)
        assert result.exit_code == 1, (ref, result.stderr)
        assert result.stderr.startswith(f"Error: no post {ref!r} in the archive"), (ref, result.stderr)


def test_a_known_internal_id_is_still_found(seeded: str) -> None:
    result = run_cli(seeded, "show", "1")
    assert result.exit_code == 0, result.stderr


def test_odd_filter_arguments_match_nothing_instead_of_failing(seeded: str) -> None:
    odd = os.fsdecode(b"caf\xe9")
    for args in (
        ["search", odd],
        ["search", "--author", odd],
        ["search", "--article", odd],
        ["articles", "--article", odd],
        ["export", "--author", "\ud800"],
    ):
        result = run_cli(seeded, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert "unexpected" not in result.stderr
    result = run_cli(seeded, "search", "--limit", str(2**64), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3  # the seed's three posts, no overflow


# --- --jobs (defect 9) --------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", [400, 1_000_000, 2**63])
def test_jobs_past_the_cores_are_capped_with_a_line_saying_so(tmp_path: Path, jobs: int) -> None:
    cap = JOBS_PER_CORE * usable_cores()
    result = run_cli(str(tmp_path / "quotes.db"), "ingest", "--jobs", str(jobs), str(SEEDS), str(GOOD_PAGE))
    assert result.exit_code == 0, result.stderr
    first, summary = result.stderr.splitlines()
    cores = usable_cores()
    assert (
        first
        == f"--jobs {jobs} is more than {cores} core{'s' * (cores > 1)} can use; using {cap} (4 per core)"
    )
    assert summary.startswith("pages read: 2, posts found: 5, new: 5,")


def test_jobs_within_the_cap_are_kept() -> None:
    assert cap_jobs(1) == (1, None)
    assert cap_jobs(JOBS_PER_CORE * usable_cores()) == (JOBS_PER_CORE * usable_cores(), None)
