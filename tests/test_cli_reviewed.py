"""Regressions a reviewer found in the CLI, the diagrams and the library's argument checks.

Expected values come from the sources: docs/huawei-ecs.md's citations of Huawei's
API reference (``api-ecs/ecs_02_0209``: ``mode=withStopServer`` "stops it,
resizes, then starts it after success"; ``api-ecs/ecs_02_0203``: reinstall "stops
the ECS before reinstalling its OS") and Nova's code.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import subprocess
import sys
import threading
import time
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _watch(port: int, duration: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``lifecycle watch`` in its own process (a listener stuck retrying must not stay in this one), bounded."""
    url = f"rabbit://x:y@127.0.0.1:{port}/"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle", "watch", "--transport-url", url, "--duration", duration],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, time.monotonic() - started


def test_watch_an_unreachable_broker_is_exit_2_naming_it() -> None:
    pytest.importorskip("oslo_messaging", reason="the [watch] extra (oslo.messaging) is not installed")
    port = _free_port()  # nothing listens there once the probe is closed
    done, took = _watch(port, "2")
    assert done.returncode == 2
    assert f"cannot reach the message broker at 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 30


def test_watch_stops_at_duration_when_the_broker_never_answers() -> None:
    """A port that accepts but never speaks AMQP: oslo.messaging would retry forever."""
    pytest.importorskip("oslo_messaging", reason="the [watch] extra (oslo.messaging) is not installed")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        silent.settimeout(0.2)
        port = silent.getsockname()[1]
        accepted: list[socket.socket] = []
        finished = threading.Event()

        def accept() -> None:
            while not finished.is_set():
                with contextlib.suppress(OSError):
                    accepted.append(silent.accept()[0])

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            done, took = _watch(port, "0.5")
        finally:
            finished.set()
            thread.join(5)
            for conn in accepted:
                conn.close()
    assert done.returncode == 2
    assert "did not answer" in done.stderr
    assert took < 30


# -- library argument checks ---------------------------------------------------


def test_fail_with_a_non_str_kind_names_it_and_the_kinds() -> None:
    from lifecycle import ArgumentTypeError, Server

    srv = Server("active")
    srv.reboot()
    with pytest.raises(ArgumentTypeError, match=r"got 3.*") as exc:
        srv.fail(3)  # type: ignore[arg-type]
    assert "no_valid_host" in str(exc.value)  # nova/exception.py NoValidHost, a kind Nova's build handles
    assert srv.task_state is not None  # nothing happened


def test_a_misspelt_operation_in_durations_is_refused_everywhere() -> None:
    from lifecycle import Fleet, UnknownOperationError
    from lifecycle.simulate.durations import Durations

    with pytest.raises(UnknownOperationError, match=r"'rebot'.*reboot"):
        Durations({"rebot": 3})
    fleet = Fleet()
    with pytest.raises(UnknownOperationError, match=r"'rebot'.*reboot"):
        fleet.create(vm_state="active", durations={"rebot": 3})
    assert fleet.servers() == []  # not half-created
    assert Durations({"reboot": 3}).total("reboot") == pytest.approx(3)


def test_strategies_refuse_a_misspelt_exclude_and_a_non_bool_settle() -> None:
    pytest.importorskip("hypothesis")
    from lifecycle import ArgumentTypeError, UnknownOperationError
    from lifecycle.strategies import operations

    with pytest.raises(UnknownOperationError, match=r"'rebot'.*reboot"):
        operations(exclude={"rebot"})
    with pytest.raises(ArgumentTypeError, match="exclude"):
        operations(exclude="delete")
    with pytest.raises(ArgumentTypeError, match=r"settle.*'no'"):
        operations(settle="no")  # type: ignore[arg-type]


def test_check_and_plan_require_bools() -> None:
    from lifecycle import ArgumentTypeError, check, plan

    with pytest.raises(ArgumentTypeError, match=r"settle.*True or False.*'no'"):
        check(["reboot"], start="ACTIVE", settle="no")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"failures.*True or False.*'no'"):
        plan("ACTIVE", "ERROR", failures="no")  # type: ignore[arg-type]


def test_run_until_idle_refuses_a_negative_limit() -> None:
    from lifecycle import ArgumentValueError, Fleet

    fleet = Fleet()
    fleet.create(vm_state="active").reboot()
    with pytest.raises(ArgumentValueError, match=r"limit.*-1"):
        fleet.run_until_idle(limit=-1)


def test_assert_idle_takes_a_server_and_refuses_other_things() -> None:
    from lifecycle import ArgumentTypeError, Server
    from lifecycle.testing import assert_idle

    srv = Server("active")
    assert_idle(srv)
    srv.reboot()
    with pytest.raises(AssertionError, match="rebooting"):
        assert_idle(srv)
    with pytest.raises(ArgumentTypeError, match="Fleet or a Server"):
        assert_idle("fleet")  # type: ignore[arg-type]


def test_assert_refused_does_not_perform_a_legal_operation() -> None:
    from lifecycle import Server
    from lifecycle.testing import assert_refused

    srv = Server("active")
    with pytest.raises(AssertionError, match="accepts reboot"):
        assert_refused(srv, "reboot")
    assert srv.task_state is None  # nova/compute/api.py reboot would set task_state rebooting: not requested
    # nova/compute/api.py resize: @check_instance_state(vm_state=[ACTIVE, STOPPED]) refuses a SHELVED server
    refusal = assert_refused(Server("shelved"), "resize")
    assert refusal.attr == "vm_state"


# -- wording and stdin comments ------------------------------------------------


def test_plan_from_a_task_state_says_the_task_gets_there(capsys: pytest.CaptureFixture[str]) -> None:
    """REBOOT is active/rebooting (nova/api/openstack/common.py _STATE_MAP): it does not show ACTIVE yet,
    its task ends there (nova/compute/manager.py reboot_instance clears task_state)."""
    assert main(["plan", "REBOOT", "ACTIVE"]) == 0
    out = capsys.readouterr().out
    assert "already shows" not in out
    assert "by itself" in out
    assert main(["plan", "SHUTOFF", "SHUTOFF"]) == 0
    assert "SHUTOFF already shows SHUTOFF" in capsys.readouterr().out


def test_check_reads_comments_in_operation_lists_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("# restart the web server\nstop   # graceful\n\nstart\n"))
    assert main(["check", "--start", "ACTIVE", "-"]) == 0
    assert "ok: 2 step(s) legal, ends ACTIVE (active)" in capsys.readouterr().out
