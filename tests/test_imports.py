"""Imports flow one way, stage by stage (STYLE.md, point 2; docs/architecture.md).

The stages and what each may import of the others:
- `collector.values`: the plain value types; nothing of ours.
- `collector.extract`: pages in, posts out; values only (no loader, output, CLI or database).
- `collector.inputs`: inputs to decoded pages; values only (no extraction, output or database).
- `collector.output`: records to text; values only.
- `db`: the archive; of collector, the value types only.
- `collector.scale`: the executors and the per-file unit; extract, inputs, values (no database).
- `collector.parallel`: extraction in worker processes; scale, extract, inputs, values.
- `collector.pipeline`: the ingest, joining inputs and extraction to `db`.
- `collector.cli` (and `python -m collector`): the front door; anything.

No module imports a stage above it, and there are no circles between modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("collector", "db")
FORBIDDEN_IN_EXTRACTION = ("sqlalchemy", "click", "db", "alembic")
# The stages (by module name prefix) and the stages each may import.
STAGES = {
    "collector.values": (),
    "collector.extract": ("collector.values",),
    "collector.inputs": ("collector.values",),
    "collector.output": ("collector.values",),
    "db": ("collector.values",),
    "collector.scale": ("collector.extract", "collector.inputs", "collector.values"),
    "collector.parallel": ("collector.scale", "collector.extract", "collector.inputs", "collector.values"),
    "collector.pipeline": (
        "collector.parallel",
        "collector.scale",
        "collector.extract",
        "collector.inputs",
        "collector.values",
        "db",
    ),
    "collector.cli": ("*",),
    "collector.__main__": ("collector.cli",),
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (absolute names)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            # `from collector import values` imports collector.values.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def our_imports(name: str) -> set[str]:
    """The modules of ours that module `name` imports (the empty top-level packages aside)."""
    imported = imported_modules(MODULES[name])
    return {module for module in imported if module in MODULES and module not in (name, *PACKAGES)}


def stage(name: str) -> str:
    """The stage a module belongs to ('' for none: see test_every_module_belongs_to_a_stage)."""
    return max((p for p in STAGES if name == p or name.startswith(p + ".")), key=len, default="")


def top(module: str) -> str:
    return module.split(".", 1)[0]


def test_every_module_belongs_to_a_stage() -> None:
    loose = [name for name in MODULES if name not in PACKAGES and not stage(name)]
    assert not loose, f"modules outside every stage: {loose} (add them to STAGES and docs/architecture.md)"


@pytest.mark.parametrize("name", [n for n in MODULES if n not in PACKAGES])
def test_imports_run_only_down_the_stages(name: str) -> None:
    allowed = STAGES[stage(name)]
    if "*" in allowed:
        return
    upward = sorted(m for m in our_imports(name) if stage(m) != stage(name) and stage(m) not in allowed)
    assert not upward, f"{name} ({stage(name)}) imports {upward}; it may import only {allowed}"


def test_no_module_imports_itself_in_a_circle() -> None:
    graph = {name: our_imports(name) for name in MODULES}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            circle = [*visiting[visiting.index(name) :], name]
            pytest.fail("import circle: " + " -> ".join(circle))
        visiting.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def extraction_files() -> list[Path]:
    """Everything of collector but the joiners (the CLI, the ingest pipeline, `python -m`)."""
    return [
        path
        for name, path in MODULES.items()
        if top(name) == "collector"
        and stage(name) not in ("collector.cli", "collector.pipeline", "collector.__main__")
    ]


@pytest.mark.parametrize("path", extraction_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_collector_module_does_not_import_database_or_cli(path: Path) -> None:
    offending = sorted(m for m in imported_modules(path) if top(m) in FORBIDDEN_IN_EXTRACTION)
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}"


def test_the_joiners_exist_and_do_join() -> None:
    for prefix in ("collector.cli", "collector.pipeline"):
        modules = {
            top(m) for name in MODULES if stage(name) == prefix for m in imported_modules(MODULES[name])
        }
        assert {"collector", "db"} <= modules, prefix


def test_importing_extraction_loads_no_database_or_cli_code() -> None:
    """Transitively too: a fresh interpreter importing the extraction side never loads them."""
    modules = [module_name(path) for path in extraction_files()]
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, *FORBIDDEN_IN_EXTRACTION],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    assert found == []


def test_importing_extraction_loads_no_loader_output_or_pipeline() -> None:
    """`collector.extract` alone pulls in no other stage of collector, not even indirectly."""
    probe = (
        "import sys, collector.extract, collector.extract.platforms\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('collector.')"
        " and not m.startswith(('collector.extract', 'collector.values')))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.split() == []


def test_dask_and_fsspec_load_only_when_a_run_needs_them() -> None:
    """The base install works without the [dask] extra: the executors, the per-file unit, the run
    by file and the CLI import neither Dask nor fsspec until `--dask` or a URI asks for them."""
    code = (
        "import sys\n"
        "import collector.cli, collector.pipeline.runs, collector.scale.executors, collector.scale.units\n"
        "print(sorted(m for m in ('dask', 'distributed', 'fsspec') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_only_the_adapter_imports_dask() -> None:
    users = {
        name
        for name in MODULES
        if {"dask", "distributed"} & {top(m) for m in imported_modules(MODULES[name])}
    }
    assert users == {"collector.scale.cluster"}
