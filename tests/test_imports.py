"""Imports flow one way: extraction never touches the database or the CLI (STYLE.md, point 2).

Only collector/cli.py and collector/pipeline.py (and the `python -m collector` shim) join
`collector` and `db`; `db` may use the plain value types of collector/posts.py and nothing else.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JOINERS = {"cli.py", "pipeline.py", "__main__.py"}
FORBIDDEN_IN_COLLECTOR = ("sqlalchemy", "click", "db", "alembic")
ALLOWED_FROM_COLLECTOR_IN_DB = {"collector", "collector.values"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (absolute names)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            # `from collector import posts` imports collector.values.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def top(module: str) -> str:
    return module.split(".", 1)[0]


def extraction_files() -> list[Path]:
    return sorted(
        p
        for p in (ROOT / "collector").rglob("*.py")
        if (p.name not in JOINERS or p.parent.name != "collector") and p.parent.name != "cli"
    )


@pytest.mark.parametrize("path", extraction_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_collector_module_does_not_import_database_or_cli(path: Path) -> None:
    offending = sorted(m for m in imported_modules(path) if top(m) in FORBIDDEN_IN_COLLECTOR)
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}"


@pytest.mark.parametrize("path", sorted((ROOT / "db").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_db_uses_only_the_plain_value_types_of_collector(path: Path) -> None:
    from_collector = {m for m in imported_modules(path) if top(m) == "collector"}
    assert from_collector <= ALLOWED_FROM_COLLECTOR_IN_DB, (
        f"{path.relative_to(ROOT)} imports {from_collector}"
    )


def test_the_joiners_exist_and_do_join() -> None:
    for paths in ([*(ROOT / "collector" / "cli").glob("*.py")], [ROOT / "collector" / "pipeline.py"]):
        modules = {top(m) for path in paths for m in imported_modules(path)}
        assert {"collector", "db"} <= modules, paths


def test_importing_extraction_loads_no_database_or_cli_code() -> None:
    """Transitively too: a fresh interpreter importing the extraction side never loads them."""
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in extraction_files()
    ]
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, *FORBIDDEN_IN_COLLECTOR],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    assert found == []
