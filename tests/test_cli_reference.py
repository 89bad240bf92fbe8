"""Every subcommand has --help and is shown in the README, so the CLI and its docs cannot drift apart."""

from __future__ import annotations

import pathlib

import pytest

from lifecycle.cli import _commands, main

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(_commands())


def test_the_cli_has_the_commands_the_issues_ask_for() -> None:
    """status, ops, check, trace, plan, diagram, docs and serve are all there."""
    assert set(COMMANDS) >= {"status", "ops", "check", "trace", "plan", "diagram", "docs", "serve"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`lifecycle COMMAND --help` prints a usage line and exits 0."""
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: lifecycle {command}")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    """The README shows each command at least once."""
    assert f"lifecycle {command}" in README


def test_bad_usage_exits_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown command is a usage error (exit 2) with argparse's one-line message."""
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err
    assert "Traceback" not in err


def test_status_warns_about_unknown_names_but_answers_like_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    """`lifecycle status activ` prints UNKNOWN (as the API would) and warns with a suggestion on stderr."""
    assert main(["status", "activ"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "UNKNOWN"
    assert "Did you mean 'active'?" in captured.err
