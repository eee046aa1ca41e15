"""Every class of hostile input at its worst, together, through the front door (issue 21).

One real `quotes ingest` process reads a folder holding each class of `hostile_inputs.py` (regex
padding, tokens, long lines, unbalanced brackets, nesting, MIME parts) and the red team's own
reproductions (non-text charsets, 1,000-deep MHTML, 100k nested <div>s, links to /proc, escape
sequences in file names), beside a good page. The CLI's catch-all "unexpected …" line, a
traceback or a hang must never appear; each bad input gives at most one line naming it; the good
page and every page that holds posts are ingested; what was stored before is unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.hostile_inputs import CLASSES, GOOD_PAGE, ROOT, mhtml_nesting

SEEDS = ROOT / "seeds"
# Units per class: big enough to be each class's worst shape, small enough for a test (~100 KB).
UNITS = 20_000
ESC = "\x1b"


def red_team_cases(folder: Path) -> None:
    """The issue's own reproductions, beside the generated classes."""
    base = GOOD_PAGE.read_text(encoding="utf-8")
    for label in ("undefined", "punycode", "unicode_escape", "rot13", "utf-7", "zlib"):
        (folder / f"charset-{label}.html").write_text(
            base.replace("<head>", f'<head><meta charset="{label}">', 1), encoding="utf-8"
        )
    (folder / "nested-1000.mhtml").write_bytes(mhtml_nesting(1_000)[1])
    (folder / "divs-100k.html").write_text(base.replace("</body>", "<div>" * 100_000 + "</body>"))
    (folder / f"{ESC}[2J{ESC}]8;;x{ESC}\\name.html").write_text(base.replace("<title>", f"<title>{ESC}[2J"))
    (folder / "environ.txt").symlink_to("/proc/self/environ")
    (folder / "kmsg.html").symlink_to("/proc/kmsg")
    (folder / "empty.html").write_bytes(b"")


def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    for index, (label, generate) in enumerate(CLASSES.items()):
        name, data = generate(UNITS if "MIME" not in label else 2_000)
        (folder / f"{index:02d}-{name}").write_bytes(data)
    red_team_cases(folder)
    return folder


def quotes(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "collector", "--db", db, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def export_all(db: str) -> list[dict[str, Any]]:
    done = quotes(db, "export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_hostile_class_at_its_worst_never_reaches_the_catch_all(tmp_path: Path, jobs: str) -> None:
    folder = hostile_folder(tmp_path)
    database = str(tmp_path / "quotes.db")
    assert quotes(database, "ingest", str(SEEDS)).returncode == 0
    before = export_all(database)
    result = quotes(database, "ingest", "--jobs", jobs, str(folder), str(GOOD_PAGE))
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    *reports, summary = result.stderr.splitlines()
    inputs = sorted(
        os.fsencode(path).decode("utf-8", "backslashreplace") for path in map(str, folder.iterdir())
    )
    named = [line.split(": ", 1)[0] for line in reports]
    # Each report names one input (escape sequences shown as spaces), none twice.
    shown = {name.translate({0x1B: " "}): name for name in inputs}
    assert all(name in shown for name in named), reports
    assert len(set(named)) == len(named), reports
    assert ESC not in result.stderr
    failed = int(summary.split("failed: ")[1].split(",")[0])
    assert len(reports) == failed, result.stderr
    refused = {name.rsplit("/", 1)[-1] for name in named}
    assert {"nested-1000.mhtml", "divs-100k.html", "environ.txt", "kmsg.html", "empty.html"} <= refused
    assert not any(name.startswith("charset-") or "name.html" in name for name in refused), reports
    after = export_all(database)
    assert [record for record in before if record not in after] == []  # nothing stored was lost
    handles = {record["handle"] for record in after}
    assert {"a", "h", "handle"} & handles  # pages holding posts were ingested
    assert any(record["platform"] == "bluesky" for record in after)  # and the good page
