"""Golden files: every fixtures/<name>.json against the extraction of fixtures/<name>.html (.txt, .md).

Platform-agnostic: each JSON lists the expected posts in document order, in the corpus gold
format (plus `posted_at` where the id encodes it, and `media`, `quoted_url`). Every field the
JSON gives is compared exactly; `quoted` counts as absent (null) when the JSON leaves it out.
A post may also give its appearance's fields (`status`, `context_before`, `context_after`), and
the file an `article` object with the page's metadata fields (`site_name`, `author`, ...).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Literal

import pytest

from benchmarks.scoring import post_record
from collector.extract import extract_page
from collector.values import Appearance

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLDEN = sorted(FIXTURES.glob("*.json"))
# Fields compared even when a JSON file leaves them out (absent means "none").
DEFAULTED = {"quoted": None}


PAGE_KINDS: tuple[tuple[str, Literal["html", "text", "markdown"]], ...] = (
    (".html", "html"),
    (".txt", "text"),
    (".md", "markdown"),
)


def _page(gold: Path) -> tuple[Path, Literal["html", "text", "markdown"]]:
    for suffix, kind in PAGE_KINDS:
        page = gold.with_suffix(suffix)
        if page.exists():
            return page, kind
    raise AssertionError(f"{gold.name} has no matching .html, .txt or .md page")


def appearance_record(appearance: Appearance) -> dict[str, object]:
    """An appearance as a golden file lists it: its post's record and its own fields."""
    own = {field.name: getattr(appearance, field.name) for field in dataclasses.fields(appearance)}
    del own["post"]
    return {**post_record(appearance.post), **own}


def test_there_are_golden_files() -> None:
    assert any(path.stem == "seed-article" for path in GOLDEN)


@pytest.mark.parametrize("given", ["text", "utf8"])
@pytest.mark.parametrize("gold", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_extraction_matches_golden_file(gold: Path, given: str) -> None:
    """Alike whether the parser gets the decoded text or the page's UTF-8 bytes (what ingest gives)."""
    expected_posts = json.loads(gold.read_text(encoding="utf-8"))["posts"]
    page, kind = _page(gold)
    text = page.read_text(encoding="utf-8")
    utf8 = text.encode("utf-8") if given == "utf8" else None
    extraction = extract_page(text, kind=kind, utf8=utf8)
    found = [appearance_record(appearance) for appearance in extraction.appearances]
    expected = [{**DEFAULTED, **post} for post in expected_posts]
    article = json.loads(gold.read_text(encoding="utf-8")).get("article", {})
    assert {key: getattr(extraction.meta, key) for key in article} == article
    actual = [{key: record.get(key) for key in want} for record, want in zip(found, expected, strict=False)]
    assert len(found) == len(expected), [f"{r['platform']}:{r['post_id']}" for r in found]
    assert actual == expected
