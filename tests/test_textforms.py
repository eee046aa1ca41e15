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


# --- mutations: the same renderings as other settings and users leave them -------------------

# Our own renderings (fixtures/), each with the mutations that keep its posts: every post its
# expected JSON lists is still found, with the same handle, date and text (spacing aside). Not
# listed, because they do not (docs/design-textforms.md, known limits): each line its own
# paragraph (`blank-every`) cuts a first line that ends like prose; a page of short lines
# without blank lines (`no-blank` of the Chromium copy) takes a short lead-in line into the text.
MUTATED_FIXTURES = {
    "seed-article.lynx.txt": ("crlf", "tabs", "nbsp", "trailing-spaces", "blank-x3", "no-blank"),
    "seed-article.w3m.txt": ("crlf", "tabs", "nbsp", "indent+2", "dedent", "no-blank"),
    "seed-article.inscriptis.txt": ("crlf", "nbsp", "wrap-40", "wrap-60", "no-blank"),
    "textforms-robust.chromium.txt": ("crlf", "nbsp", "wrap-40", "wrap-66", "tabs"),
    "textforms-robust.lynx40.txt": ("crlf", "tabs", "nbsp", "no-blank"),
    "textforms-robust.links.txt": ("crlf", "nbsp", "indent+2", "no-blank"),
    "seed-article.clip.md": (
        "crlf",
        "wrap-40",
        "quote-nospace",
        "lazy-quotes",
        "no-blank",
        "trailing-spaces",
    ),
    "seed-article.html2text.md": ("crlf", "tabs", "quote-nospace", "lazy-quotes", "no-blank"),
    "textforms-robust.markdownload.md": ("crlf", "wrap-50", "quote-nospace", "lazy-quotes", "emphasis-_"),
    "textforms-robust.pandoc-strict.md": ("crlf", "quote-nospace", "lazy-quotes", "no-blank", "bullets--"),
}


def _mutate(name: str, text: str, form: str) -> str:
    from benchmarks.score_textmutations import MUTATIONS, fill

    (mutation,) = [m for m in MUTATIONS if m.name == name and m.applies(form)]
    if mutation.width is not None:
        return fill(text, mutation.width)
    assert mutation.change is not None
    return mutation.change(text)


def _summary(posts: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(p["handle"], p["date"], " ".join(str(p["text"] or "").split())) for p in posts]


@pytest.mark.parametrize(
    ("fixture", "mutation"),
    [(fixture, mutation) for fixture, names in MUTATED_FIXTURES.items() for mutation in names],
)
def test_mutated_fixture_gives_the_same_posts(fixture: str, mutation: str) -> None:
    from benchmarks.scoring import post_record

    page = ROOT / "fixtures" / fixture
    kind = "markdown" if page.suffix == ".md" else "text"
    form = "clip-md" if kind == "markdown" else "inscriptis-txt"  # a form the mutation applies to
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["posts"]
    changed = _mutate(mutation, page.read_text(encoding="utf-8"), form)
    found = [post_record(p) for p in extract_page(changed, kind=kind).posts]  # type: ignore[arg-type]
    assert _summary(found) == _summary(expected)


@needs_realworld
@pytest.mark.skipif(not Path("/tmp/forms.done").exists(), reason="no renderings in /tmp/forms (render.sh)")
def test_cheap_mutations_of_the_real_world_renderings_meet_the_targets() -> None:
    """Line ends, no-break spaces, the unwrapped forms filled at 40 columns, Markdown quote markers
    without a space and lazy continuation lines: every tool keeps the issue's targets."""
    names = ("crlf", "nbsp", "wrap-40", "quote-nospace", "lazy-quotes")
    args = [arg for name in names for arg in ("--mutation", name)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.score_textmutations", "--no-rerender", "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {row["mutation"] for row in rows} == set(names)
    for row in rows:
        assert row["expected"] >= 50, row
        assert row["recall"] >= MIN_RECALL, row
        assert row["precision"] >= MIN_PRECISION, row
        assert row["fields"] >= MIN_FIELDS, row


def test_markdown_raw_blockquote_is_read_as_a_quote_block() -> None:
    """A README quoting a tweet as class-less raw HTML (no embed script, no status link): the quote's
    dated signature is a post; an undated attribution in the same form (a pull quote) is not."""
    page = (
        "# Notes\n\nUsers wrote:\n\n"
        '<blockquote data-lang="en"><p lang="en" dir="ltr">Tried it on my data &amp; it works '
        '<a href="https://t.co/AbC1">pic.twitter.com/AbC1</a></p>&mdash; Ana Costa (@anacosta_ex) '
        "March 4, 2024</blockquote>\n\n"
        "<blockquote><p>&ldquo;It will not close again.&rdquo;</p>"
        "&mdash; Jane Doe (@janedoe_ex)</blockquote>\n"
    )
    (post,) = extract_page(page, kind="markdown").posts
    assert (post.handle, post.author_name, post.date_text) == ("anacosta_ex", "Ana Costa", "March 4, 2024")
    assert post.text == "Tried it on my data & it works pic.twitter.com/AbC1"
    assert post.links == ("https://t.co/AbC1",)
