"""Score the text and Markdown forms of saved pages: recall, precision and fields for each tool.

    python -m benchmarks.score_textforms [--corpus DIR] [--forms DIR] [--render] [--every] [--misses] [--json]

The pages of a corpus (`pages/*.html` beside `expected/*.json`, or a fixtures folder with
`<slug>.html` beside `<slug>.json`) are rendered by the tools in ../shared/tools/textforms (lynx,
w3m, inscriptis text; pandoc, html2text, Readability+Turndown, trafilatura Markdown), or read from
renderings already made (`--forms`, `/tmp/forms` for the real-world corpus when /tmp/forms.done
exists; `--every` scores each `<form>` folder there, such as `benchmarks/render_more.sh` writes). Each
rendering goes through the loaders and extraction, as `quotes ingest` reads a file.

Expected posts per rendering come from the page's HTML gold by issue 14's rule: a post is expected
when its `(@handle)` signature and the start of its text survive in the rendering. Expected fields:
platform, handle, author_name, date and text (as the gold's reader sees it); post_id and url where
the rendering kept the status link, else none (a text copy must not invent them). A found post
that is a real post of the page but not expected there (its text did not survive, say) counts
neither way; every other found post is a false positive. Figures go to stdout (`--json`: one JSON
object per form), problems to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.scoring import Score, load_gold, post_record
from collector.extract import extract_page
from collector.inputs.loaders import InputOptions, LoadError, iter_pages
from collector.values import Post

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "realworld"
TOOLS = SHARED / "tools" / "textforms"
PRESET_FORMS, PRESET_DONE = Path("/tmp/forms"), Path("/tmp/forms.done")
FORMS = ("lynx-txt", "w3m-txt", "inscriptis-txt", "pandoc-md", "html2text-md", "clip-md", "trafilatura-md")
FIELDS = ("platform", "handle", "author_name", "date", "text", "post_id", "url")
# Words of the gold text that must survive for a post to be expected (all of them when fewer).
START_WORDS = 8
# How far after the start of the text its signature may sit in the rendering (characters).
SIGNATURE_WINDOW = 4000
WORD = re.compile(r"\w+")
# Markdown syntax a reader does not see: link targets, backslash escapes, quote markers.
LINK_TARGET = re.compile(r"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
# A referenced link's label (`[text][4]`, Turndown's linkStyle "referenced").
REFERENCE = re.compile(r"\]\[[^\[\]\s]{1,20}\]")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
SPACES = re.compile(r"\s+")
# lynx writes `&apos;` as U+02BC (modifier letter apostrophe); a reader sees an apostrophe.
READER_FOLD = str.maketrans({"\u02bc": "'"})


@dataclass(frozen=True)
class Page:
    slug: str
    html: Path
    gold: list[dict[str, Any]]


def corpus_pages(corpus: Path) -> list[Page]:
    """A corpus folder (pages/ + expected/) or a fixtures folder (<slug>.html beside <slug>.json)."""
    if (corpus / "expected").is_dir():
        pairs = [
            (corpus / "pages" / f"{g.stem}.html", g) for g in sorted((corpus / "expected").glob("*.json"))
        ]
    else:
        pairs = [(g.with_suffix(".html"), g) for g in sorted(corpus.glob("*.json"))]
    return [Page(html.stem, html, load_gold(gold).get("posts", [])) for html, gold in pairs if html.exists()]


def render(pages: Sequence[Page], out: Path) -> None:
    """Every page through render.sh (setup.sh installs the tools and names their environment)."""
    env = {**os.environ, **tool_environment()}
    with tempfile.TemporaryDirectory() as folder:
        for page in pages:
            os.symlink(page.html, Path(folder) / page.html.name)
        subprocess.run(["bash", str(TOOLS / "render.sh"), folder, str(out)], env=env, check=True)


def tool_environment() -> dict[str, str]:
    printed = subprocess.run(["bash", str(TOOLS / "setup.sh")], capture_output=True, text=True, check=True)
    pairs = printed.stdout.strip().removeprefix("export ").split()
    return dict(pair.split("=", 1) for pair in pairs)


def rendering(forms: Path, form: str, slug: str) -> Path | None:
    found = sorted((forms / form).glob(f"{slug}.*"))
    return found[0] if found else None


def extract_file(path: Path) -> list[Post]:
    """One rendering through the loaders, then extraction."""
    posts: list[Post] = []
    for item in iter_pages([str(path)], InputOptions(), None):
        if isinstance(item, LoadError):
            print(f"warning: {item}", file=sys.stderr)
            continue
        posts.extend(extract_page(item.text, kind=item.kind).posts)
    return posts


# --- what a rendering should give -------------------------------------------------------------


def haystack(text: str) -> str:
    """The rendering as a reader sees its words, without link targets, escapes or any spacing (tools
    wrap CJK text inside words)."""
    text = ESCAPE.sub(r"\1", LINK_TARGET.sub("", REFERENCE.sub("]", text))).replace("[", "")
    return SPACES.sub("", unicodedata.normalize("NFC", text)).casefold().translate(READER_FOLD)


def words(text: str | None) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFC", text or "").casefold().translate(READER_FOLD))


def survives(gold: Mapping[str, Any], seen: str) -> bool:
    """The start of the post's text, then its `(@handle)` signature, are in the rendering."""
    start, handle = words(gold.get("text"))[:START_WORDS], gold.get("handle")
    if not start or not handle:
        return False
    pattern = re.compile(r"\W*".join(map(re.escape, start)))
    signature = f"(@{handle.casefold()})"
    return any(
        signature in seen[match.end() : match.end() + SIGNATURE_WINDOW] for match in pattern.finditer(seen)
    )


def expected_record(gold: Mapping[str, Any], raw: str) -> dict[str, Any]:
    record = {name: gold.get(name) for name in FIELDS}
    post_id = gold.get("post_id")
    if not post_id or not re.search(rf"(?:status(?:es)?|/p|/reel|/tv)/{re.escape(str(post_id))}\b", raw):
        record["post_id"] = record["url"] = None
    return record


# --- matching ---------------------------------------------------------------------------------


def same_post(gold: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """Same platform and handle, and one text starts inside the other: boundary errors are field errors."""
    if gold["platform"] != found["platform"]:
        return False
    if gold.get("post_id") and found.get("post_id"):
        return bool(gold["post_id"] == found["post_id"])
    if (gold.get("handle") or "").casefold() != (found.get("handle") or "").casefold():
        return False
    mine, theirs = words(gold.get("text")), words(found.get("text"))
    if not mine and not theirs:
        return True  # a post without text (Instagram v14): same platform and handle
    return bool(mine and theirs) and (
        _contains(theirs, mine[:START_WORDS]) or _contains(mine, theirs[:START_WORDS])
    )


def _contains(sequence: list[str], part: list[str]) -> bool:
    joined, piece = " " + " ".join(sequence) + " ", " " + " ".join(part) + " "
    return piece in joined


def norm(value: Any) -> Any:
    if isinstance(value, str):
        return SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return value


def expected_posts(golds: Sequence[Mapping[str, Any]], raw: str) -> list[dict[str, Any]]:
    """The gold posts a rendering should give, with the fields it can give (issue 14's rule)."""
    seen = haystack(raw)
    return [expected_record(g, raw) for g in golds if survives(g, seen)]


def score_rendering(slug: str, golds: Sequence[Mapping[str, Any]], raw: str, posts: Sequence[Post]) -> Score:
    return score_posts(slug, golds, expected_posts(golds, raw), posts)


def score_posts(
    slug: str,
    golds: Sequence[Mapping[str, Any]],
    expected: Sequence[Mapping[str, Any]],
    posts: Sequence[Post],
) -> Score:
    """Found posts against the expected ones; a real post of the page not expected counts neither way."""
    found = [{name: post_record(p)[name] for name in FIELDS} for p in posts]
    score = Score(gold=len(expected))
    unmatched = list(range(len(found)))
    for want in expected:
        index = next((i for i in unmatched if same_post(want, found[i])), None)
        if index is None:
            score.misses.append(f"{slug}: missed @{want['handle']}: {(want['text'] or '')[:60]!r}")
            continue
        unmatched.remove(index)
        score.matched += 1
        for name in FIELDS:
            score.field_totals[name] += 1
            if norm(want[name]) == norm(found[index][name]):
                score.field_hits[name] += 1
            else:
                score.misses.append(
                    f"{slug}: @{want['handle']} {name}: {want[name]!r} != {found[index][name]!r}"
                )
    real = [index for index in unmatched if any(same_post(g, found[index]) for g in golds)]
    score.predicted = score.matched + len(unmatched) - len(real)
    for index in unmatched:
        if index not in real:
            score.misses.append(
                f"{slug}: extra @{found[index]['handle']}: {(found[index]['text'] or '')[:60]!r}"
            )
    return score


def score_form(pages: Sequence[Page], forms: Path, form: str) -> tuple[Score, int]:
    """The form's score over every page rendered, and how many renderings were read."""
    total, read = Score(), 0
    for page in pages:
        path = rendering(forms, form, page.slug)
        if path is None:
            continue
        read += 1
        raw = path.read_text(encoding="utf-8", errors="replace")
        total.add(score_rendering(page.slug, page.gold, raw, extract_file(path)))
    return total, read


def figures(form: str, score: Score, read: int) -> dict[str, Any]:
    return {
        "form": form,
        "renderings": read,
        "expected": score.gold,
        "counted": score.predicted,
        "matched": score.matched,
        "recall": round(score.recall, 4),
        "precision": round(score.precision, 4),
        "fields": round(score.field_accuracy, 4),
        "by_field": {name: round(score.field_rate(name), 4) for name in FIELDS},
    }


def table(rows: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    yield "| form | renderings | expected | counted | matched | recall | precision | fields |"
    yield "|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in rows:
        yield (
            f"| {row['form']} | {row['renderings']} | {row['expected']} | {row['counted']} "
            f"| {row['matched']} | {row['recall']:.4f} | {row['precision']:.4f} | {row['fields']:.4f} |"
        )


def forms_folder(args: argparse.Namespace, pages: Sequence[Page], scratch: Path) -> Path:
    if args.forms is not None and not args.render:
        return Path(args.forms)
    if args.corpus == DEFAULT_CORPUS and PRESET_DONE.exists() and not args.render:
        return PRESET_FORMS
    out = Path(args.forms) if args.forms is not None else scratch
    print(f"rendering {len(pages)} pages into {out} ...", file=sys.stderr)
    render(pages, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus or fixtures folder")
    parser.add_argument("--forms", help="folder of renderings <form>/<slug>.* (made there with --render)")
    parser.add_argument("--render", action="store_true", help="render the pages with the tools first")
    parser.add_argument("--form", action="append", help="score only this form (repeatable)")
    parser.add_argument("--every", action="store_true", help="score every <form> folder of --forms")
    parser.add_argument("--misses", action="store_true", help="list every miss, extra and wrong field")
    parser.add_argument("--json", action="store_true", help="one JSON object per form instead of a table")
    args = parser.parse_args(argv)
    pages = corpus_pages(args.corpus)
    if not pages:
        print(f"Error: {args.corpus}: no pages with gold; give a corpus or fixtures folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        forms = forms_folder(args, pages, Path(scratch))
        rows, misses = [], []
        names = sorted(p.name for p in forms.iterdir() if p.is_dir()) if args.every else FORMS
        for form in args.form or names:
            score, read = score_form(pages, forms, form)
            rows.append(figures(form, score, read))
            misses.extend(f"{form}: {miss}" for miss in score.misses)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(f"corpus: {args.corpus} ({len(pages)} pages), renderings: {forms}")
        print("\n".join(table(rows)))
    if args.misses:
        print("\n".join(f"  - {miss}" for miss in misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
