"""Score the text and Markdown readers on mutated renderings: each tool's output as other tools and
settings would have written it.

    python -m benchmarks.score_textmutations [--forms DIR] [--form F] [--mutation M] [--cache DIR]
                                             [--misses] [--json]

The seven renderings of the real-world pages (`score_textforms`; /tmp/forms) are changed in ways
the tools and their users change them, and each changed rendering is scored against the expected
posts of the unchanged one (score_textforms' rule), through the loaders as `quotes ingest` reads
a file:
- re-wrapped at 40-120 columns and unwrapped. The wrapping tools are run again at that width
  (`lynx -width`, `w3m -cols`, `pandoc --columns`, html2text's `body_width`; `--cache` keeps what
  they write); the renderings that are not wrapped (inscriptis, trafilatura, Readability+Turndown)
  have each line filled at that width, as `fmt`/`fold -s`, an email client or a wrapping setting
  of the clipper would, keeping the line's indent and quote markers;
- `fold`: a wrapped rendering wrapped again, line by line, at 60 (the ragged lines of an email
  client re-wrapping a wrapped text);
- indentation added or removed, CRLF line ends, leading tabs, no-break spaces, blank lines doubled,
  removed, or after every line, trailing spaces (Markdown reads two as a hard break);
- straight or smart quotes, dash variants (the expected text is changed alike: a reader cannot
  know the original);
- Markdown only: `*` or `_` emphasis, `-` or `*` bullets, `>` without a space, lazy continuation
  lines (the `>` left off a quote paragraph's continuation lines, as CommonMark allows).
Figures go to stdout, one row per mutation and one column per tool, `recall/precision/fields`
(`--json`: one object per tool and mutation), problems to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.score_textforms import (
    DEFAULT_CORPUS,
    FORMS,
    PRESET_FORMS,
    Page,
    corpus_pages,
    expected_posts,
    extract_file,
    figures,
    rendering,
    score_posts,
    tool_environment,
)
from benchmarks.scoring import Score

WIDTHS = (40, 50, 60, 66, 72, 80, 100, 120)
UNWRAPPED = 0  # a width of 0: one logical line per line, however long
FOLD_WIDTH = 60
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "quotes-textmutations"
# The forms a tool wraps, and how to run it at a width (0: no wrapping).
WRAPPING_FORMS = ("lynx-txt", "w3m-txt", "pandoc-md", "html2text-md")
UNWRAPPED_FORMS = ("inscriptis-txt", "clip-md", "trafilatura-md")
MARKDOWN_FORMS = ("pandoc-md", "html2text-md", "clip-md", "trafilatura-md")
# A line's prefix that a wrapped continuation repeats: indent and quote markers.
LINE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*")
# ... and a list item's marker, under which its continuation lines are indented.
LIST_MARKER = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])[ \t]+")
# A word that would start a Markdown block at the start of a line: never wrapped onto one.
BLOCK_START = re.compile(r"^(?:#{1,6}|[-*+>=]+|\d{1,9}[.)]|`{3,}|~{3,}|\|)$")
STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
ASCII_DASHES = str.maketrans({"\u2014": "--", "\u2013": "-"})
EN_DASHES = str.maketrans({"\u2014": "\u2013"})
APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
INNER_SPACE = re.compile(r"(?<=\w) (?=\w)")
DASH_SPACE = re.compile(r"^(\s*(?:>\s?)*\s*[—–]) ", re.MULTILINE)
STAR_EMPHASIS = re.compile(r"(?<![\w\\*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*\\])\*(?![\w*])")
UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w\\_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_\\])_(?![\w_])")
BULLET = re.compile(r"^([ \t]*(?:>[ \t]?)*[ \t]*)([-*+])(?=[ \t])", re.MULTILINE)
QUOTE_SPACE = re.compile(r"^([ \t]*)((?:> ?)+)", re.MULTILINE)
QUOTE_LINE = re.compile(r"^((?:>[ \t]?)+)(.*)$")
QUOTE_ONLY = re.compile(r"^[ \t]*(?:>[ \t]?)+[ \t]*$")
QUOTE_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]?)*")
TEXT_LINE_START = re.compile(r"^(?:[-*+#>=|`~]|\d{1,9}[.)]\s)")


@dataclass(frozen=True)
class Mutation:
    """A change to a rendering's text: `forms` it applies to (all when empty), `fold` the same
    change to the expected texts (characters a reader cannot restore), `width` a re-wrap."""

    name: str
    change: Callable[[str], str] | None = None
    forms: tuple[str, ...] = ()
    fold: Callable[[str], str] | None = None
    width: int | None = None

    def applies(self, form: str) -> bool:
        return not self.forms or form in self.forms


# --- wrapping ---------------------------------------------------------------------------------


def fill(text: str, width: int) -> str:
    """Every line filled at `width` (0: left as it is), keeping its indent, quote markers and a
    hard break's trailing spaces; a word that would start a Markdown block stays on the line
    before (pandoc and Turndown-based wrappers escape or avoid such breaks)."""
    if width == UNWRAPPED:
        return text
    return "\n".join(piece for line in text.split("\n") for piece in _fill_line(line, width))


def _fill_line(line: str, width: int) -> Iterator[str]:
    prefix = LINE_PREFIX.match(line)[0]  # type: ignore[index]
    body = line[len(prefix) :]
    trailing = body[len(body.rstrip()) :]
    marker = LIST_MARKER.match(body)
    following = prefix + (" " * len(marker[0]) if marker else "")
    words = body.split()
    if len(line) <= width or len(words) < 2:
        yield line
        return
    current = prefix + words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) > width and not BLOCK_START.match(word):
            yield current
            current = following + word
        else:
            current += " " + word
    yield current + trailing


def rerender(form: str, html: Path, width: int, cache: Path, env: Mapping[str, str]) -> str | None:
    """The page rendered again by the form's tool at `width` (0: not wrapped), cached."""
    out = cache / f"{form}-{width}" / f"{html.stem}.{'md' if form.endswith('-md') else 'txt'}"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            _command(form, html, width, env), capture_output=True, timeout=120, env={**env, "LANG": "C.UTF-8"}
        )
        if done.returncode != 0:
            print(f"warning: {form} at {width}: {html.name}: exit {done.returncode}", file=sys.stderr)
            return None
        out.write_bytes(done.stdout)
    return out.read_text(encoding="utf-8", errors="replace")


def _command(form: str, html: Path, width: int, env: Mapping[str, str]) -> list[str]:
    if form == "lynx-txt":
        return ["lynx", "-dump", "-nolist", "-display_charset=utf-8", f"-width={width or 1024}", str(html)]
    if form == "w3m-txt":
        return ["w3m", "-dump", "-O", "UTF-8", "-T", "text/html", "-cols", str(width or 4000), str(html)]
    if form == "pandoc-md":
        wrap = ["--wrap=none"] if width == UNWRAPPED else [f"--columns={width}"]
        return ["pandoc", "-f", "html", "-t", "gfm", *wrap, str(html)]
    code = (
        "import sys,html2text; h=html2text.HTML2Text(); h.body_width=int(sys.argv[2]);"
        "print(h.handle(open(sys.argv[1],encoding='utf-8',errors='replace').read()))"
    )
    return [env["TF_PY"], "-c", code, str(html), str(width)]


# --- the other mutations ----------------------------------------------------------------------


def _every_other(pattern: re.Pattern[str], replacement: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        count = iter(range(len(text) + 1))
        return pattern.sub(lambda m: replacement if next(count) % 2 == 0 else m[0], text)

    return change


def _lines(change: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: "\n".join(change(line) for line in text.split("\n"))


def leading_tabs(size: int) -> Callable[[str], str]:
    def change(line: str) -> str:
        indent = len(line) - len(line.lstrip(" "))
        return "\t" * (indent // size) + " " * (indent % size) + line[indent:]

    return _lines(change)


def blank_lines(times: int) -> Callable[[str], str]:
    return lambda text: re.sub(r"\n[ \t]*\n", "\n" * (times + 1), text)


def no_blank_lines(text: str) -> str:
    """Plain text: every blank line gone. Markdown: the blank lines inside quote blocks (a bare
    `>`) gone, so the signature is a line of the text's paragraph; a blank line outside them is
    the Markdown's structure (it ends an HTML block, a list), not a matter of layout."""
    return "\n".join(line for line in text.split("\n") if line.strip())


def no_quote_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not QUOTE_ONLY.match(line))


def blank_after_every_line(text: str) -> str:
    """Every line its own paragraph (trafilatura and inscriptis write each `<br>` line so); in a
    quote block the blank line keeps its markers."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            out += [line, QUOTE_MARKERS.match(line)[0].rstrip()]  # type: ignore[index]
    return "\n".join(out)


def lazy_continuation(text: str) -> str:
    """The `>` left off each continuation line of a quote paragraph (CommonMark's laziness)."""
    out: list[str] = []
    previous: tuple[str, str] | None = None  # (markers, content) of the quote line above
    for line in text.split("\n"):
        quoted = QUOTE_LINE.match(line)
        if quoted is None:
            out.append(line)
            previous = None
            continue
        markers, content = quoted[1], quoted[2]
        same_paragraph = previous is not None and previous[1].strip() and previous[0] == markers
        continues = same_paragraph and content.strip() and not TEXT_LINE_START.match(content.lstrip())
        out.append(content.lstrip() if continues else line)
        previous = (markers, content)
    return "\n".join(out)


def _swap(pattern: re.Pattern[str], mark: str) -> Callable[[str], str]:
    return lambda text: pattern.sub(lambda m: f"{mark}{m[1]}{mark}", text)


def _bullets(mark: str) -> Callable[[str], str]:
    return lambda text: BULLET.sub(lambda m: m[1] + mark, text)


def _nbsp(line: str) -> str:
    """Every other space between words and the space after a signature's dash as no-break spaces
    (a line holding markup is left alone: embed code printed as text stays code)."""
    return DASH_SPACE.sub("\\1\u00a0", _every_other(INNER_SPACE, "\u00a0")(line))


def _smart(text: str) -> str:
    return APOSTROPHE.sub("\u2019", text)


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("original"),
    *(Mutation(f"wrap-{width}", width=width) for width in WIDTHS),
    Mutation("unwrapped", width=UNWRAPPED),
    Mutation("fold-60", lambda text: fill(text, FOLD_WIDTH), forms=WRAPPING_FORMS),
    Mutation("indent+2", _lines(lambda line: "  " + line if line.strip() else line)),
    Mutation("dedent", _lines(str.lstrip)),
    Mutation("crlf", lambda text: text.replace("\n", "\r\n")),
    Mutation("tabs", leading_tabs(8), forms=tuple(f for f in FORMS if f not in MARKDOWN_FORMS)),
    Mutation("tabs", leading_tabs(4), forms=MARKDOWN_FORMS),
    Mutation("nbsp", _lines(lambda line: line if "<" in line else _nbsp(line))),
    Mutation("blank-x3", blank_lines(3)),
    Mutation("no-blank", no_blank_lines, forms=tuple(f for f in FORMS if f not in MARKDOWN_FORMS)),
    Mutation("no-blank", no_quote_blank_lines, forms=MARKDOWN_FORMS),
    Mutation("blank-every", blank_after_every_line, forms=UNWRAPPED_FORMS),
    Mutation("trailing-spaces", _lines(lambda line: line + "  " if line.strip() else line)),
    Mutation(
        "straight-quotes", lambda text: text.translate(STRAIGHT), fold=lambda text: text.translate(STRAIGHT)
    ),
    Mutation("smart-apostrophes", _smart, fold=_smart),
    Mutation(
        "ascii-dashes",
        lambda text: text.translate(ASCII_DASHES),
        fold=lambda text: text.translate(ASCII_DASHES),
    ),
    Mutation(
        "en-dashes", lambda text: text.translate(EN_DASHES), fold=lambda text: text.translate(EN_DASHES)
    ),
    Mutation("emphasis-*", _swap(UNDERSCORE_EMPHASIS, "*"), forms=MARKDOWN_FORMS),
    Mutation("emphasis-_", _swap(STAR_EMPHASIS, "_"), forms=MARKDOWN_FORMS),
    Mutation("bullets-*", _bullets("*"), forms=MARKDOWN_FORMS),
    Mutation("bullets--", _bullets("-"), forms=MARKDOWN_FORMS),
    Mutation("quote-nospace", lambda text: QUOTE_SPACE.sub(lambda m: m[1] + m[2].replace(" ", ""), text)),
    Mutation("lazy-quotes", lazy_continuation, forms=MARKDOWN_FORMS),
)


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class Run:
    forms: Path
    cache: Path
    env: Mapping[str, str] | None
    scratch: Path


def mutated(run: Run, mutation: Mutation, form: str, page: Page, raw: str) -> str | None:
    if mutation.width is None:
        return mutation.change(raw) if mutation.change is not None else raw
    if form in WRAPPING_FORMS:
        return rerender(form, page.html, mutation.width, run.cache, run.env) if run.env is not None else None
    return fill(raw, mutation.width)


def score_mutation(run: Run, pages: Sequence[Page], form: str, mutation: Mutation) -> Score | None:
    total, read = Score(), 0
    for page in pages:
        path = rendering(run.forms, form, page.slug)
        if path is None:
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        changed = mutated(run, mutation, form, page, raw)
        if changed is None:
            continue
        read += 1
        expected = expected_posts(page.gold, raw)
        if mutation.fold is not None:
            expected = [{**want, "text": mutation.fold(want["text"] or "") or None} for want in expected]
        target = run.scratch / path.name
        target.write_bytes(changed.encode("utf-8"))
        score = score_posts(page.slug, page.gold, expected, extract_file(target))
        total.add(score)
    return total if read else None


def cell(score: Score | None) -> str:
    if score is None:
        return "–"
    fields = f"{score.field_accuracy:.2f}" if score.matched else "–"
    return f"{score.recall:.2f}/{score.precision:.2f}/{fields}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (pages/, expected/)"
    )
    parser.add_argument("--forms", type=Path, default=PRESET_FORMS, help="renderings <form>/<slug>.*")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="re-wrapped renderings kept here")
    parser.add_argument("--form", action="append", choices=FORMS, help="only this tool (repeatable)")
    names = sorted({m.name for m in MUTATIONS})
    parser.add_argument("--mutation", action="append", choices=names, help="only this mutation (repeatable)")
    parser.add_argument("--no-rerender", action="store_true", help="skip re-wrapping the wrapping tools")
    parser.add_argument("--misses", action="store_true", help="list every miss, extra and wrong field")
    parser.add_argument("--json", action="store_true", help="one JSON object per tool and mutation")
    args = parser.parse_args(argv)
    pages = corpus_pages(args.corpus)
    if not pages or not args.forms.is_dir():
        print(f"Error: {args.corpus} or {args.forms}: no pages or renderings", file=sys.stderr)
        return 2
    env = None if args.no_rerender else {**tool_environment()}
    forms = args.form or list(FORMS)
    mutations = [m for m in MUTATIONS if not args.mutation or m.name in args.mutation]
    rows: dict[str, dict[str, Score | None]] = {}
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        run = Run(args.forms, args.cache, env, Path(scratch))
        for mutation in mutations:
            row = rows.setdefault(mutation.name, {})
            for form in forms:
                if not mutation.applies(form):
                    continue
                score = score_mutation(run, pages, form, mutation)
                row[form] = score
                if score is not None:
                    misses.extend(f"{mutation.name} {form}: {miss}" for miss in score.misses)
    print_rows(rows, forms, args.json)
    if args.misses:
        print("\n".join(f"  - {miss}" for miss in misses))
    return 0


def print_rows(rows: Mapping[str, Mapping[str, Score | None]], forms: Sequence[str], as_json: bool) -> None:
    if as_json:
        for name, row in rows.items():
            for form, score in row.items():
                if score is not None:
                    row = {"mutation": name, **figures(form, score, 0)}
                    del row["renderings"]  # not counted per mutation
                    print(json.dumps(row))
        return
    print("recall/precision/fields per tool (expected posts: those of the unchanged rendering)")
    print("| mutation | " + " | ".join(forms) + " |")
    print("|---|" + "---|" * len(forms))
    for name, row in rows.items():
        print(
            f"| {name} | " + " | ".join(cell(row.get(form)) if form in row else "" for form in forms) + " |"
        )
    print("| **worst** | " + " | ".join(worst(rows, form) for form in forms) + " |")


def worst(rows: Mapping[str, Mapping[str, Score | None]], form: str) -> str:
    scores = [row[form] for row in rows.values() if row.get(form) is not None]
    if not scores:
        return "–"
    recall = min(s.recall for s in scores if s is not None)
    precision = min(s.precision for s in scores if s is not None)
    fields = min(s.field_accuracy for s in scores if s is not None and s.matched)
    return f"{recall:.2f}/{precision:.2f}/{fields:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
