"""Issue 14, measured: the real-world pages as seven text tools render them, scored per tool.

The renderings come from ../shared/tools/textforms (lynx, w3m, inscriptis, pandoc, html2text,
Readability+Turndown, trafilatura): /tmp/forms when `render.sh` already wrote it there, else
rendered into tmp_path by `python -m benchmarks.score_textforms --render`. The tools are Debian packages,
a venv and npm modules that `setup.sh` installs (minutes, network): the tests skip, saying so,
when they are not installed. Targets for every tool: recall >= 0.97, precision >= 0.99, fields
>= 0.97; the seed article gives exactly its three posts in every form.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REALWORLD, ROOT, SHARED, needs_realworld

from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages

CORPUS = REALWORLD
TOOLS = SHARED / "tools" / "textforms"
TOOL_BASE = Path(os.environ.get("TMPDIR", "/tmp"))
FORMS = ("lynx-txt", "w3m-txt", "inscriptis-txt", "pandoc-md", "html2text-md", "clip-md", "trafilatura-md")
MIN_RECALL, MIN_PRECISION, MIN_FIELDS = 0.97, 0.99, 0.97


def _tools_missing() -> str | None:
    missing = [name for name in ("lynx", "w3m", "pandoc", "node") if shutil.which(name) is None]
    if not (TOOL_BASE / "quotes-tfpy" / "bin" / "python").exists():
        missing.append("the html2text/inscriptis/trafilatura venv")
    if not (TOOL_BASE / "quotes-tfnode" / "node_modules" / "turndown").is_dir():
        missing.append("jsdom/readability/turndown")
    if not TOOLS.is_dir():
        missing.append(str(TOOLS))
    return f"text tools not installed ({', '.join(missing)}): run {TOOLS}/setup.sh" if missing else None


needs_tools = pytest.mark.skipif(_tools_missing() is not None, reason=_tools_missing() or "")


def _score(*args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.score_textforms", "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


@needs_tools
@needs_realworld
def test_every_tool_meets_the_targets(tmp_path: Path) -> None:
    preset = Path("/tmp/forms.done").exists()
    rows = _score() if preset else _score("--render", "--forms", str(tmp_path))
    assert [row["form"] for row in rows] == list(FORMS)
    for row in rows:
        print(f"\n{row['form']}: recall {row['recall']} precision {row['precision']} fields {row['fields']}")
        assert row["renderings"] == len(list((CORPUS / "pages").glob("*.html")))
        assert row["expected"] >= 50, row  # the rule keeps most of the 95 tweets' signatures
        assert row["recall"] >= MIN_RECALL, row
        assert row["precision"] >= MIN_PRECISION, row
        assert row["fields"] >= MIN_FIELDS, row


@needs_tools
def test_seed_gives_exactly_its_three_posts_in_every_form(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(ROOT / "fixtures" / "seed-article.html", pages)
    printed = subprocess.run(["bash", str(TOOLS / "setup.sh")], capture_output=True, text=True, check=True)
    env = {**os.environ, **dict(p.split("=", 1) for p in printed.stdout.removeprefix("export ").split())}
    subprocess.run(["bash", str(TOOLS / "render.sh"), str(pages), str(tmp_path / "out")], env=env, check=True)
    for form in FORMS:
        (rendering,) = (tmp_path / "out" / form).glob("seed-article.*")
        (page,) = [
            p for p in iter_pages([str(rendering)], InputOptions(), None) if not isinstance(p, LoadError)
        ]
        posts = extract_page(page.text, kind=page.kind).posts
        assert [p.handle for p in posts] == ["McFaul", "DavisColby", "PoliticusSarah"], form
