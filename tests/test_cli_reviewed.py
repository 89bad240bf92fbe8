"""Regressions a reviewer found in the CLI, the diagrams and the library's argument checks.

Expected values come from the sources: docs/huawei-ecs.md's citations of Huawei's
API reference (``api-ecs/ecs_02_0209``: ``mode=withStopServer`` "stops it,
resizes, then starts it after success"; ``api-ecs/ecs_02_0203``: reinstall "stops
the ECS before reinstalling its OS") and Nova's code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli import main


def _ops(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    assert main(["ops", *args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return {op["operation"]: op for op in data["operations"]}


def test_ops_follows_the_parts_of_a_composite_request(capsys: pytest.CaptureFixture[str]) -> None:
    """ecs_02_0209 withStopServer: stop, resize, start in one job, so a running ECS ends ACTIVE."""
    ops = _ops(capsys, "--dialect", "huawei-ecs", "ACTIVE")
    assert ops["resize_with_stop"]["leads_to"]["status"] == "ACTIVE"
    # it passes the stop (SHUTOFF) and the resize (RESIZE) on the way
    assert {"SHUTOFF", "RESIZE"} <= set(ops["resize_with_stop"]["via"])
    # ecs_02_0203/0204: stopped, then reinstalled: the reinstall's REBUILD is on the way
    for name in ("reinstall_os_with_stop", "change_os_with_stop"):
        assert "REBUILD" in ops[name]["via"], name
    assert main(["ops", "--dialect", "huawei-ecs", "ACTIVE"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "resize_with_stop" in x)
    assert "-> ACTIVE (active)" in line


def test_ops_native_resize_of_a_stopped_ecs_ends_shutoff(capsys: pytest.CaptureFixture[str]) -> None:
    """ecs_02_0209 (native resize) and ecs_02_0207 (cold migrate): SHUTOFF after, no confirm call."""
    ops = _ops(capsys, "--dialect", "huawei-ecs", "SHUTOFF")
    for name in ("resize", "cold_migrate"):
        assert ops[name]["leads_to"]["status"] == "SHUTOFF", name
        assert "RESIZE" in ops[name]["via"], name


def _mermaid(capsys: pytest.CaptureFixture[str], name: str) -> str:
    assert main(["diagram", "--dialect", "huawei-ecs", "--operation", name, "--format", "mermaid"]) == 0
    return capsys.readouterr().out


def test_composite_operation_diagram_draws_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    """ecs_02_0209 withStopServer is stop, resize (confirmed by the service), start: all drawn."""
    text = _mermaid(capsys, "resize_with_stop")
    assert "s_active --> s_active_powering_off : resize_with_stop" in text  # the stop
    assert "s_stopped --> s_stopped_resize_prep : resize" in text  # the resize
    assert "RESIZE (stopped.resize_prep)" in text
    assert "s_resized --> s_stopped : confirm_resize" in text  # the service's own confirm, still powered off
    assert "s_resized --> s_active" not in text  # a powered-off server's confirm leaves it SHUTOFF
    assert "s_stopped --> s_stopped_powering_on : start" in text  # and the start
    # ecs_02_0203/0204: stop, then reinstall (REBUILD) / change OS
    for name, part in (("reinstall_os_with_stop", "reinstall_os"), ("change_os_with_stop", "change_os")):
        assert f"s_stopped --> s_stopped_rebuilding : {part}" in _mermaid(capsys, name), name


def test_options_may_come_between_operation_names(capsys: pytest.CaptureFixture[str]) -> None:
    """``check reboot --no-settle resize``: both names are steps; Nova refuses the resize while rebooting
    (nova/compute/api.py resize: @check_instance_state(task_state=[None]))."""
    assert main(["check", "--start", "ACTIVE", "reboot", "--no-settle", "resize"]) == 1
    assert "step 2 (resize) refused in REBOOT" in capsys.readouterr().out


def test_a_bad_option_after_positionals_shows_the_subcommands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--start", "ACTIVE", "reboot", "--bogus", "resize"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: lifecycle check ")
    assert "--bogus" in err


def test_diagram_refuses_a_missing_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "x.svg"
    assert main(["diagram", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "missing") in err
    assert "does not exist" in err
    assert not (tmp_path / "missing").exists()  # nothing created
    assert main(["diagram", "-o", str(tmp_path / "x.mmd")]) == 0  # an existing folder is fine
    assert (tmp_path / "x.mmd").read_text().startswith("---")
