"""Every command explains itself: a one-line summary, an example, help on every option (STYLE.md 14)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from collector.cli import cli


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and sub-command with the words that invoke it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(cli))
IDS = [" ".join(path) or "quotes" for path, _ in COMMANDS]


def test_the_contract_commands_exist() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    expected = {"ingest", "search", "export", "show", "authors", "articles", "stats", "db upgrade"}
    expected |= {"tag", "untag", "note", "tags", "forget", "evidence", "verify", "serve"}
    expected |= {"cite", "cards", "graph"}
    assert expected <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_command_has_a_summary_and_an_example(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"{IDS[COMMANDS.index((path, command))]} has no docstring"
    summary = command.help.strip().splitlines()[0]
    assert summary.endswith("."), "the first line is a one-sentence summary"
    assert len(summary) <= 60, "short enough for the command list not to cut it"
    assert "Example" in command.help
    assert f"quotes {' '.join(path)}".strip() in command.help, "the example runs this very command"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_has_help(path: tuple[str, ...], command: click.Command) -> None:
    missing = [
        param.name
        for param in command.params
        if isinstance(param, click.Option) and not param.help and param.name != "help"
    ]
    assert not missing, f"options without help=: {missing}"


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_flags_print_the_help(path: tuple[str, ...], command: click.Command, flag: str) -> None:
    result = CliRunner().invoke(cli, [*path, flag], prog_name="quotes")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: quotes {' '.join(path)}".rstrip() + " ")
    assert "Example" in result.stdout
    summary = (command.help or "").strip().splitlines()[0]
    assert " ".join(summary.split()) in " ".join(result.stdout.split())


def test_top_level_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    listed = result.stdout.split("Commands:", 1)[1]
    for name, sub in cli.commands.items():
        assert name in listed
        assert (sub.get_short_help_str(limit=200).split()[0]) in listed


def test_help_mentions_shell_completion() -> None:
    assert "_QUOTES_COMPLETE=bash_source quotes" in CliRunner().invoke(cli, ["--help"]).stdout


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("quotes ")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_format_option_names_exactly_its_choices(path: tuple[str, ...], command: click.Command) -> None:
    """`show --format` once offered "a table ... csv/json/jsonl" while taking text and json."""
    known = {"table", "text", "csv", "json", "jsonl", "xlsx"}
    known |= {"csl-json", "apa", "mla", "chicago", "chicago-note", "bibtex", "ris", "gexf", "graphml"}
    for param in command.params:
        if isinstance(param, click.Option) and param.name == "fmt" and isinstance(param.type, click.Choice):
            words = set((param.help or "").replace(",", " ").replace("(", " ").split())
            assert words & known == set(param.type.choices), param.help


EVERY_OPTION = {
    name for _, command in COMMANDS for param in command.params for name in getattr(param, "opts", [])
}
OPTION_NAME = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_named_in_the_help_exists(path: tuple[str, ...], command: click.Command) -> None:
    """A help text naming `--something` (its own, or another command's in an example) names a
    real option: none left behind by a renamed or removed one."""
    texts = [command.help or "", *(getattr(param, "help", None) or "" for param in command.params)]
    mentioned = {name for text in texts for name in OPTION_NAME.findall(text)}
    assert mentioned <= EVERY_OPTION, mentioned - EVERY_OPTION
