"""The ops, check, trace and plan commands: output, exit codes and bad input, never a traceback."""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys

import pytest

from lifecycle.cli import main

COMMANDS = ["status", "ops", "check", "trace", "plan"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--help works on every command and exits 0."""
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: lifecycle " + command in capsys.readouterr().out


def test_python_m_lifecycle_help() -> None:
    """`python -m lifecycle --help` lists the commands."""
    out = subprocess.run([sys.executable, "-m", "lifecycle", "--help"], capture_output=True, text=True, check=True)
    for command in COMMANDS:
        assert command in out.stdout


def test_ops_lists_legal_operations_and_where_they_lead(capsys: pytest.CaptureFixture[str]) -> None:
    """ops SHUTOFF shows start -> ACTIVE and resize -> VERIFY_RESIZE via RESIZE, and not pause."""
    assert main(["ops", "SHUTOFF"]) == 0
    out = capsys.readouterr().out
    assert "start" in out
    assert "-> ACTIVE (active)" in out
    assert "resize" in out
    assert "via RESIZE" in out
    assert "pause " not in out


def test_ops_all_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--all adds refusals with the 409 message; --json is machine-readable."""
    assert main(["ops", "stopped", "--all"]) == 0
    assert "pause" in capsys.readouterr().out
    assert main(["ops", "active", "rebooting", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {entry["operation"] for entry in data["operations"]}
    assert "advance" in names
    assert "hard_reboot" in names
    assert data["state"]["status"] == "REBOOT"


def test_check_legal_sequence(capsys: pytest.CaptureFixture[str]) -> None:
    """check of the issue's example prints a step table and exits 0."""
    assert main(["check", "create", "stop", "resize", "confirm_resize", "start"]) == 0
    out = capsys.readouterr().out
    assert "VERIFY_RESIZE (resized)" in out
    assert "ok: 5 step(s) legal" in out


def test_check_illegal_sequence_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A refused step prints the 409 reason and what was legal, exit 1."""
    assert main(["check", "--start", "ACTIVE", "--no-settle", "reboot", "resize"]) == 1
    out = capsys.readouterr().out
    assert "Cannot 'resize' instance <server> while it is in task_state rebooting" in out
    assert "legal there: hard_reboot" in out


def test_check_options_settings_stdin_and_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings flags change the verdict; '-' reads steps from stdin; hyphens and commas are accepted."""
    assert main(["check", "create", "delete", "restore", "-q"]) == 1
    capsys.readouterr()
    assert main(["check", "--reclaim-instance-interval", "3600", "create,delete", "restore"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop resize\nconfirm-resize\n"))
    assert main(["check", "--start", "ACTIVE", "-", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert [s["operation"] for s in data["steps"]] == ["stop", "resize", "confirm_resize"]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "create", "rebot"],
        ["check", "--start", "SHUTOF", "start"],
        ["check", "--dialect", "aws", "create"],
        ["ops", "sleeping"],
        ["plan", "ACTIVE", "VERIFY_RESISE"],
        ["status", "active", "rebooting", "--dialect", "nope"],
    ],
)
def test_unknown_names_exit_2_with_suggestions(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown operations, states and dialects are bad usage: one line on stderr with the choices."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Valid choices" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [["check"], ["plan", "ACTIVE"], ["trace"], ["nosuch"], ["check", "create", "--reclaim-instance-interval", "x"]],
)
def test_argparse_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Missing or malformed arguments exit 2 through argparse."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_plan(capsys: pytest.CaptureFixture[str]) -> None:
    """plan prints the numbered operations; unreachable exits 1 with a hint; already there says so."""
    assert main(["plan", "SHELVED_OFFLOADED", "VERIFY_RESIZE"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1. unshelve", "2. resize"]
    assert main(["plan", "ACTIVE", "ERROR"]) == 1
    assert "try --failures" in capsys.readouterr().out
    assert main(["plan", "ACTIVE", "ERROR", "--failures", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["operations"] == ["reboot", "fail"]
    assert main(["plan", "new", "ACTIVE"]) == 0
    assert capsys.readouterr().out.strip() == "1. create"
    assert main(["plan", "ACTIVE", "ACTIVE"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def _write(tmp_path: pathlib.Path, *lines: object) -> str:
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return str(path)


A1 = {"id": "a", "status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:task_state": None}
A2 = {"id": "a", "status": "SHUTOFF", "OS-EXT-STS:vm_state": "stopped", "OS-EXT-STS:task_state": None}
B1 = {"id": "b", "status": "SHELVED_OFFLOADED", "OS-EXT-STS:vm_state": "shelved_offloaded"}
B2 = {"id": "b", "status": "RESIZE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:task_state": "resize_prep"}


def test_trace_ok(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid trace: per-server verdict with explanations, exit 0."""
    assert main(["trace", _write(tmp_path, A1, A2)]) == 0
    out = capsys.readouterr().out
    assert "server a: ok" in out
    assert "line 2: ACTIVE (active) -> SHUTOFF (stopped): stop" in out


def test_trace_unexplained_exits_1(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unexplained change exits 1 even with bad lines; --any-ops explains it."""
    path = _write(tmp_path, A1, B1, A2, B2, "garbage")
    assert main(["trace", path]) == 1
    out = capsys.readouterr().out
    assert "server b: INVALID" in out
    assert "line 4: SHELVED_OFFLOADED (shelved_offloaded) -> RESIZE (active/resize_prep): UNEXPLAINED" in out
    assert "line 5: malformed JSON" in out
    assert main(["trace", path, "--any-ops", "-q"]) == 2  # now only the garbage line is wrong
    assert "unshelve, resize" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "content",
    ["", "not json at all\n", "[1, 2]\n", '{"id": "a"}\n', '{"id": "a", "status": "ACTIVE"\n'],
    ids=["empty", "malformed", "non-objects", "missing-status", "truncated"],
)
def test_trace_bad_input_exits_2(tmp_path: pathlib.Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Input with nothing usable exits 2 and says which line is wrong."""
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["trace", str(path)]) == 2
    out = capsys.readouterr().out
    assert "bad input" in out
    assert "line " in out


def test_trace_stdin_json_and_missing_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'-' reads stdin; --json is JSON Lines, one finding per line; a missing file or a directory is bad usage."""
    data = (json.dumps([A1, A2]) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["trace", "-", "--json"]) == 0
    change, summary = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (change["kind"], change["explanation"]) == ("change", ["stop"])
    assert (summary["kind"], summary["ok"], summary["observations"]) == ("summary", True, 2)
    assert main(["trace", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["trace", str(tmp_path)]) == 2
    assert main(["trace", _write(tmp_path, A1), "--max-ops", "-1"]) == 2


def test_trace_unknown_status_is_skipped_and_deleted_error_is_valid(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """UNKNOWN (a down cell) is counted as skipped, and DELETED with vm_state error is a legal delete: exit 0."""
    down = {"id": "a", "status": "UNKNOWN"}
    gone = {"id": "a", "status": "DELETED", "OS-EXT-STS:vm_state": "error"}
    failed = {"id": "a", "status": "ERROR", "OS-EXT-STS:vm_state": "error"}
    assert main(["trace", _write(tmp_path, failed, down, gone)]) == 0
    out = capsys.readouterr().out
    assert "server a: ok (3 observation(s), 1 skipped (UNKNOWN), 1 change(s)" in out
    assert "line 3: ERROR (error) -> DELETED (error): delete" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ops", "ACTIVE", "rebooting"], "REBOOT (active/rebooting)"),
        (["ops", "ACTIVE/REBOOTING"], "REBOOT (active/rebooting)"),
        (["ops", "STOPPED"], "SHUTOFF (stopped)"),
        (["check", "--start", "ACTIVE/rebooting", "advance"], "ends ACTIVE (active)"),
        (["plan", "ACTIVE/rebooting", "ACTIVE"], "nothing to do"),
        (["plan", "ACTIVE", "ACTIVE/REBOOTING"], "1. reboot"),
    ],
)
def test_states_may_be_written_in_any_case(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    """vm_state/task_state are case-insensitive like statuses, in ops, check --start and plan."""
    assert main(argv) == 0
    assert expected in capsys.readouterr().out


def test_check_suggests_the_operation_in_the_wrong_case(capsys: pytest.CaptureFixture[str]) -> None:
    """check create REBOOT is a usage error that suggests reboot."""
    assert main(["check", "create", "REBOOT"]) == 2
    assert "Did you mean 'reboot'" in capsys.readouterr().err
