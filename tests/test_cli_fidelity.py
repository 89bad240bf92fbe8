"""The CLI takes the model's new inputs: microversion, a down host, failure kinds, os-resetState.

Expected values come from Nova's code at 00a030403f (cited), not from the dialect.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from lifecycle.cli import main


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_check_microversion(capsys: pytest.CaptureFixture[str]) -> None:
    """trigger_crash_dump exists from 2.17 (servers.py @api_version('2.17'))."""
    code, out = _json(["check", "--start", "ACTIVE", "--microversion", "2.16", "trigger_crash_dump"], capsys)
    assert code == 1
    assert out["violation"]["reason"] == "API version 2.16 is not supported on this method."  # type: ignore[index]
    assert main(["check", "--start", "ACTIVE", "--microversion", "2.17", "trigger_crash_dump"]) == 0


def test_check_bad_microversion_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A microversion Nova does not have is named with the valid range."""
    assert main(["check", "--microversion", "3.0", "create"]) == 2
    assert "2.1 to 2.104" in capsys.readouterr().err


@pytest.mark.parametrize(("version", "end"), [("2.94", "ACTIVE"), ("2.95", "SHUTOFF")])
def test_check_evacuate_needs_a_down_host(version: str, end: str, capsys: pytest.CaptureFixture[str]) -> None:
    """evacuate: 400 while the host is up (api.py:5725); SHUTOFF from 2.95 (manager.py:4079-4086)."""
    assert main(["check", "--start", "ACTIVE", "evacuate"]) == 1
    capsys.readouterr()
    code, out = _json(["check", "--start", "ACTIVE", "--host-down", "--microversion", version, "evacuate"], capsys)
    assert code == 0
    assert out["steps"][-1]["state"]["status"] == end  # type: ignore[index]


def test_check_failure_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    """fail:<kind> steps; a build without a host is ERROR (conductor schedule_and_build_instances)."""
    code, out = _json(["check", "--no-settle", "create", "fail:no-valid-host"], capsys)
    assert code == 0
    assert out["steps"][-1]["state"]["vm_state"] == "error"  # type: ignore[index]


def test_plan_uses_reset_state_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """VERIFY_RESIZE -> ERROR: only a failure or os-resetState gets there."""
    assert main(["plan", "VERIFY_RESIZE", "ERROR"]) == 1
    capsys.readouterr()
    assert main(["plan", "--resets", "VERIFY_RESIZE", "ERROR"]) == 0
    assert capsys.readouterr().out.strip() == "1. reset_error"


def test_trace_resets(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A build being deleted seen ACTIVE next: unexplained, unless os-resetState may explain it."""
    lines = [
        {"id": "a", "status": "BUILD", "OS-EXT-STS:vm_state": "building", "OS-EXT-STS:task_state": "deleting"},
        {"id": "a", "status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:task_state": None},
    ]
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert main(["trace", str(path)]) == 1
    capsys.readouterr()
    assert main(["trace", "--resets", str(path)]) == 0
    assert "reset_active" in capsys.readouterr().out
