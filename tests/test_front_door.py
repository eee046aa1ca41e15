"""The installed `quotes` script and `python -m collector` as real subprocesses: exit codes, stdout,
stderr and the exact `Error:` lines a user (or a shell script) sees.

These run on a SQLite file in tmp_path: the same commands against PostgreSQL are covered by
test_cli.py through the db_url fixture.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from db.engine import database_url, make_engine, schema_revision, upgrade_database

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"
SEED_HTML = FIXTURES / "seed-article.html"
QUOTES = shutil.which("quotes", path=str(Path(sys.executable).parent))
SUMMARY_START = "pages read: "

pytestmark = pytest.mark.skipif(
    QUOTES is None, reason="the `quotes` script is not installed beside this Python"
)


def quotes(
    db: Path, *args: str, stdin: bytes | None = None, module: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `quotes --db DB ARGS…` (or `python -m collector …`) in a clean environment."""
    command = [sys.executable, "-m", "collector"] if module else [str(QUOTES)]
    env = {key: value for key, value in os.environ.items() if key != "QUOTES_DB"}
    env["COLUMNS"] = "100"
    return subprocess.run(
        [*command, "--db", str(db), *args],
        input=stdin.decode("utf-8") if stdin is not None else None,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=db.parent,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "quotes.db"


@pytest.mark.parametrize("module", [False, True], ids=["quotes", "python -m collector"])
def test_version(db: Path, module: bool) -> None:
    result = quotes(db, "--version", module=module)
    assert result.returncode == 0
    assert result.stdout == f"quotes {version('quote-archiver')}\n"
    assert result.stderr == ""


def test_ingest_search_export_end_to_end(db: Path) -> None:
    ingested = quotes(db, "ingest", str(SEEDS))
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout == ""
    assert ingested.stderr == (
        "pages read: 1, posts found: 3, new: 3, already known: 0, failed: 0, skipped: 0\n"
    )
    exported = quotes(db, "export", "--format", "jsonl")
    assert exported.returncode == 0
    assert sorted(json.loads(line)["handle"] for line in exported.stdout.splitlines()) == [
        "DavisColby",
        "McFaul",
        "PoliticusSarah",
    ]
    found = quotes(db, "search", "Geneva", "--format", "jsonl", module=True)
    assert [json.loads(line)["handle"] for line in found.stdout.splitlines()] == ["DavisColby"]
    table = quotes(db, "search", "--author", "mcfaul")
    assert table.returncode == 0
    row_id, rest = table.stdout.splitlines()[1].split(maxsplit=1)
    assert rest.startswith("2022-01-07  McFaul")
    # The table's first column is what `show` takes (the seed's text copy has no platform ids).
    assert "@McFaul" in quotes(db, "show", row_id).stdout.splitlines()[0]


def test_a_missing_input_exits_1_after_ingesting_the_rest(db: Path) -> None:
    missing = db.parent / "missing.html"
    result = quotes(db, "ingest", str(missing), str(SEEDS))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{missing}: ")
    assert lines[-1].startswith(SUMMARY_START) and "new: 3" in lines[-1] and "failed: 1" in lines[-1]
    assert "Traceback" not in result.stderr


def test_a_page_from_stdin(db: Path) -> None:
    result = quotes(db, "ingest", "-", stdin=SEED_HTML.read_bytes())
    assert result.returncode == 0, result.stderr
    assert "posts found: 3" in result.stderr


def test_reading_a_missing_archive_is_one_error_line(db: Path) -> None:
    result = quotes(db, "search", "Geneva")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: no archive at {db}; run `quotes ingest PATH` first, or pass --db / set QUOTES_DB\n"
    )


def test_an_unknown_post_is_one_error_line(db: Path) -> None:
    quotes(db, "ingest", str(SEEDS))
    result = quotes(db, "show", "1234")
    assert result.returncode == 1
    assert result.stderr == "Error: no post '1234' in the archive; find one with `quotes search`\n"


def test_an_old_schema_names_the_fix(db: Path) -> None:
    engine = make_engine(database_url(str(db)))
    upgrade_database(engine, "0001")
    _, head = schema_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    result = quotes(db, "export")
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: database {where} is at schema revision 0001, not {head}; run `quotes db upgrade`\n"
    )
    assert quotes(db, "db", "upgrade").returncode == 0
    assert quotes(db, "export").returncode == 0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["search", "--limit", "0"], "Error: Invalid value for '--limit': 0 is not in the range x>=1."),
        (["ingest"], "Error: give at least one PATH, '-' for stdin, or --from-file LIST"),
        (
            ["search", "--since", "2022-13-01"],
            "Error: Invalid value for '--since': '2022-13-01' is not a day written YYYY-MM-DD "
            "(for example 2022-01-07).",
        ),
        (
            ["export", "--excel", "--format", "jsonl"],
            "Error: --excel writes CSV; it cannot be combined with --format jsonl",
        ),
    ],
)
def test_usage_errors_exit_2(db: Path, args: list[str], error: str) -> None:
    result = quotes(db, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == error
    assert "Traceback" not in result.stderr


def run_on_a_terminal(db: Path, *args: str) -> tuple[str, str, int]:
    """Run with stderr on a pseudo-terminal (as in an interactive shell); stdout stays a pipe."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(QUOTES), "--db", str(db), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=db.parent,
    )
    os.close(follower)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    stdout = process.stdout.read() if process.stdout else b""
    return stdout.decode(), seen.decode("utf-8", "replace"), process.wait(timeout=120)


def test_progress_bar_is_drawn_on_a_terminal_and_cleared(db: Path) -> None:
    stdout, terminal, code = run_on_a_terminal(db, "ingest", str(FIXTURES), str(SEEDS))
    assert code == 0
    assert stdout == ""
    assert "\r" in terminal and "pages" in terminal and "posts" in terminal and "pages/s" in terminal
    # The bar is erased before the summary: the summary is the last thing left on the screen.
    assert terminal.rsplit("\x1b[K", 1)[1].startswith(SUMMARY_START)


def test_quiet_draws_nothing_even_on_a_terminal(db: Path) -> None:
    stdout, terminal, code = run_on_a_terminal(db, "ingest", "--quiet", str(SEEDS))
    assert (stdout, terminal, code) == ("", "", 0)


def test_no_progress_bar_when_stderr_is_a_pipe(db: Path) -> None:
    result = quotes(db, "ingest", str(FIXTURES))
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert result.stderr.startswith(SUMMARY_START)


def complete(words: str, index: int) -> list[str]:
    """What bash completion offers for `words` with the cursor on word `index`."""
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(index), "_QUOTES_COMPLETE": "bash_complete"}
    result = subprocess.run([str(QUOTES)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_shell_completion_as_documented() -> None:
    env = {**os.environ, "_QUOTES_COMPLETE": "bash_source"}
    script = subprocess.run([str(QUOTES)], capture_output=True, text=True, env=env, timeout=60)
    assert script.returncode == 0
    assert "complete -o nosort -F _quotes_completion quotes" in script.stdout
    assert complete("quotes se", 1) == ["search", "serve"]
    assert complete("quotes search --platform bl", 3) == ["bluesky"]
    assert "upgrade" in complete("quotes db ", 2)


def test_ctrl_c_keeps_whole_articles_and_says_how_far_it_got(db: Path) -> None:
    """Interrupt while the list of inputs is still being written: what was read is saved whole."""
    process = subprocess.Popen(
        [str(QUOTES), "--db", str(db), "ingest", "--jobs", "1", "--from-file", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=db.parent,
    )
    assert process.stdin and process.stderr
    missing = db.parent / "missing.html"
    process.stdin.write(f"{SEEDS / '000_1cd65cf2135fe1ee.txt'}\n{missing}\n")
    process.stdin.flush()
    # The error line for the second input proves the first page was read and extracted.
    assert process.stderr.readline().startswith(f"{missing}: ")
    process.send_signal(signal.SIGINT)
    process.stdin.close()
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130  # the shell's code for SIGINT, after saving
    assert rest.splitlines() == [
        "interrupted; saved so far: pages read: 1, posts found: 3, new: 3, already known: 0, failed: 1, "
        "skipped: 0",
        "",
        "Aborted!",
    ]
    exported = quotes(db, "export", "--format", "jsonl")
    assert len(exported.stdout.splitlines()) == 3


@pytest.mark.skipif(
    not (ROOT.parent / "shared" / "corpus").is_dir(), reason="the shared corpus is not beside the repo"
)
def test_the_archive_as_people_use_it_end_to_end(db: Path) -> None:
    """Issue 18 as a new user tried it: a Japanese word, an id to act on, newest first, a tag,
    a workbook, forgetting an article; each through the real script."""
    page = ROOT.parent / "shared" / "corpus" / "realworld" / "pages" / "gaijinpot-chikan.html"
    assert quotes(db, "ingest", str(page), str(SEED_HTML)).returncode == 0
    japanese = quotes(db, "search", "犯人")
    assert japanese.returncode == 0 and len(japanese.stdout.splitlines()) == 4  # header + 3 posts
    newest = quotes(db, "search", "--sort", "newest", "--limit", "1").stdout.splitlines()[1].split()[0]
    assert quotes(db, "tag", newest, "chikan").returncode == 0
    assert "Tags: chikan" in quotes(db, "show", newest).stdout.splitlines()
    workbook = quotes(db, "export", "--tag", "chikan", "-o", "tagged.xlsx")
    assert workbook.returncode == 0 and workbook.stderr == "1 posts written to tagged.xlsx\n"
    assert (db.parent / "tagged.xlsx").read_bytes()[:2] == b"PK"  # a zip: a workbook, not CSV
    refused = quotes(db, "export", "-o", "all.xls")
    assert refused.returncode == 2 and not (db.parent / "all.xls").exists()
    forgotten = quotes(db, "forget", str(page))
    assert forgotten.returncode == 0 and forgotten.stderr.splitlines()[-1].startswith("forgot 1 articles, ")
    assert quotes(db, "search", "犯人").stderr == "No posts match.\n"
    stats = json.loads(quotes(db, "stats", "--format", "json").stdout)
    assert stats["articles"] == 1
