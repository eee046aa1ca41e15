"""Headless Chromium for the tests that check a page renders: a screenshot, the DOM as rendered.

Debian's `chromium` package (`apt-get install -y chromium`) puts the launcher at /usr/bin/chromium
and the browser at /usr/lib/chromium/chromium. Tests that need it skip, with this reason, where
neither exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "/usr/lib/chromium/chromium", "google-chrome")
TIMEOUT = 120  # seconds; a cold start on a loaded 2-core machine takes several
# No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary (install Debian's package: apt-get install -y chromium)"
)


def _run(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)


def screenshot(page: Path, target: Path, *, width: int = 900, height: int = 1400) -> Path:
    """A PNG of `page` as Chromium renders it in a window of this size."""
    result = _run(target.parent / "profile-shot", f"--screenshot={target}", f"--window-size={width},{height}",
                  page.resolve().as_uri())  # fmt: skip
    assert target.exists(), f"no screenshot: {result.stderr[-2000:]}"
    return target


def dump_dom(page: Path, work: Path) -> str:
    """The DOM of `page` after Chromium parsed and laid it out, serialised."""
    result = _run(work / "profile-dom", "--dump-dom", page.resolve().as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
