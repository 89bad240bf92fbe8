"""The incremental audit behind check_trace and the CLI: findings as they happen, stuck servers, streamed input."""

from __future__ import annotations

import io
import json
import pathlib

import pytest

from lifecycle import check_trace
from lifecycle.cli import main
from lifecycle.errors import ArgumentValueError
from lifecycle.validate.stuck import StuckLimits
from lifecycle.validate.trace import Audit, Change, Stuck, read_observations

V, T = "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state"


def srv(sid: str, status: str, vm: str, task: str | None = None, at: int = 0) -> dict[str, object]:
    """A server body; ``updated`` is ``at`` seconds after 2026-01-01T00:00:00Z."""
    clock = f"{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"
    return {"id": sid, "status": status, V: vm, T: task, "updated": f"2026-01-01T{clock}Z"}


def test_feed_returns_each_finding_when_it_happens() -> None:
    audit = Audit()
    assert audit.feed(1, srv("a", "ACTIVE", "active")) == ()
    (change,) = audit.feed(2, srv("a", "SHUTOFF", "stopped"))
    assert isinstance(change, Change)
    assert change.explanation == ("stop",)
    (bad,) = audit.feed(3, srv("a", "RESIZE", "active", "resize_prep"))
    assert bad.explanation is None  # type: ignore[union-attr]
    assert bad.last_good == "SHUTOFF (stopped)"  # type: ignore[union-attr]
    assert any(c.startswith("SHUTOFF (stopped), power 4") for c in bad.considered)  # type: ignore[union-attr]


def test_keep_explained_false_keeps_only_the_unexplained() -> None:
    trace = [srv("a", "ACTIVE", "active"), srv("a", "SHUTOFF", "stopped"), srv("a", "RESIZE", "active", "resize_prep")]
    report = check_trace(trace, keep_explained=False)
    assert [c.explained for c in report.changes] == [False]


def test_a_build_longer_than_instance_build_timeout_is_stuck() -> None:
    """_check_instance_build_time errors out builds older than instance_build_timeout; 60 s for its interval."""
    trace = [srv("a", "BUILD", "building", "spawning", at=0), srv("b", "ACTIVE", "active", at=600)]
    assert check_trace(trace, stuck=StuckLimits(instance_build_timeout=600)).ok  # 600 s <= 660 s allowed
    trace.append(srv("b", "ACTIVE", "active", at=661))
    report = check_trace(trace, stuck=StuckLimits(instance_build_timeout=600))
    (stuck,) = report.stuck
    assert (stuck.server_id, stuck.rule, stuck.limit, stuck.seconds) == ("a", "instance_build_timeout", 660, 661)
    assert report.valid  # stuck is not an unexplained change
    assert not check_trace(trace).stuck  # Nova's default 0: no build timeout


def test_a_moving_server_is_never_stuck_and_each_state_is_reported_once() -> None:
    limits = StuckLimits(task_timeout=10, grace=0)
    moving = [srv("a", "REBOOT", "active", "rebooting", at=0), srv("a", "ACTIVE", "active", at=60)]
    assert not check_trace(moving, stuck=limits).stuck
    still = [srv("a", "REBOOT", "active", "rebooting", at=t) for t in (0, 60, 120, 180)]
    assert [s.line for s in check_trace(still, stuck=limits).stuck] == [2]


def test_resize_window_and_shelved_offload_time_come_from_the_settings() -> None:
    resized = [srv("a", "VERIFY_RESIZE", "resized", at=0), srv("b", "ACTIVE", "active", at=3600)]
    assert not check_trace(resized).stuck
    (stuck,) = check_trace(resized, resize_confirm_window=60).stuck
    assert stuck.rule == "resize_confirm_window"
    shelved = [srv("a", "SHELVED", "shelved", at=0), srv("b", "ACTIVE", "active", at=7300)]
    (stuck,) = check_trace(shelved, shelved_offload_time=3600).stuck  # + shelved_poll_interval 3600
    assert (stuck.rule, stuck.limit) == ("shelved_offload_time", 7200)


@pytest.mark.parametrize("bad", [-2, float("nan"), True, "60"])
def test_bad_limits_are_refused(bad: object) -> None:
    with pytest.raises(ArgumentValueError, match="rescue_timeout"):
        StuckLimits(rescue_timeout=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, float("inf"), "5"])
def test_bad_grace_or_task_timeout_is_refused(bad: object) -> None:
    for name in ("grace", "task_timeout"):
        with pytest.raises(ArgumentValueError, match=name):
            StuckLimits(**{name: bad})  # type: ignore[arg-type]


def test_stuck_must_be_limits() -> None:
    with pytest.raises(TypeError, match="StuckLimits"):
        check_trace([], stuck={"task_timeout": 5})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "argv",
    [
        ["watch"],
        ["watch", "--cloud", "x", "--interval", "0"],
        ["watch", "--cloud", "x", "--polls", "0"],
        ["watch", "--cloud", "x", "--duration", "nan"],
        ["watch", "--cloud", "x", "--transport-url", "fake://"],
        ["trace", "-", "--format", "nova"],
    ],
)
def test_bad_watch_and_trace_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_files_are_read_line_by_line() -> None:
    """The reader takes one line at a time: after the first observation, the rest is unread."""
    lines = [json.dumps(srv("a", "ACTIVE", "active")) + "\n" for _ in range(1000)]
    handle = io.BytesIO("".join(lines).encode())
    reader = read_observations(io.BufferedReader(handle, buffer_size=64))
    assert next(reader) == (1, srv("a", "ACTIVE", "active"))
    assert handle.tell() < 1000


def test_pretty_printed_files_still_work(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(
        json.dumps(srv("a", "ACTIVE", "active"), indent=2) + "\n" + json.dumps(srv("a", "SHUTOFF", "stopped"), indent=2)
    )
    assert [c.explanation for c in check_trace(path).changes] == [("stop",)]


def test_cli_reports_the_last_good_state_candidates_and_stuck(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.jsonl"
    trace = [
        srv("a", "ACTIVE", "active", at=0),
        srv("a", "SHUTOFF", "stopped", at=10),
        srv("a", "RESIZE", "active", "resize_prep", at=20),
        srv("b", "BUILD", "building", "spawning", at=30),
        srv("a", "RESIZE", "active", "resize_prep", at=1000),
    ]
    path.write_text("".join(json.dumps(o) + "\n" for o in trace))
    assert main(["trace", str(path), "--instance-build-timeout", "600"]) == 1
    out = capsys.readouterr().out
    assert "line 3: SHUTOFF (stopped) -> RESIZE (active/resize_prep): UNEXPLAINED" in out
    assert "    last good state: SHUTOFF (stopped)" in out
    assert "    candidates considered: SHUTOFF (stopped), power 4" in out
    assert (
        "STUCK in BUILD (building/spawning) since line 4 for 970 s (> 660 s allowed by instance_build_timeout)" in out
    )
    assert main(["trace", str(path), "--json", "-q", "--instance-build-timeout", "600"]) == 1
    findings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [f["kind"] for f in findings] == ["change", "stuck", "summary"]
    assert findings[0]["last_good"] == "SHUTOFF (stopped)"
    assert findings[-1]["unexplained"] == findings[-1]["stuck"] == 1


def test_stuck_limits_on_the_command_line_are_checked(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(srv("a", "ACTIVE", "active")) + "\n")
    assert main(["trace", str(path), "--rescue-timeout", "-5"]) == 2
    assert "rescue_timeout" in capsys.readouterr().err


def test_stuck_findings_are_typed() -> None:
    audit = Audit(stuck=StuckLimits(task_timeout=0, grace=0))
    audit.feed(1, srv("a", "REBOOT", "active", "rebooting", at=0))
    (found,) = audit.check_stuck(now=audit.now + 5)  # type: ignore[operator]
    assert isinstance(found, Stuck)
    assert str(found).startswith("line 1: STUCK in REBOOT (active/rebooting)")


def test_repeated_lines_read_from_a_file_give_the_same_report(tmp_path: pathlib.Path) -> None:
    """A file's repeated lines are parsed once and skip the search; the verdicts are those of fresh objects."""
    from lifecycle import Fleet

    fleet = Fleet(seed=9)
    servers = [fleet.create(f"s{n}") for n in range(3)]
    fleet.run_until_idle()
    for operation in ("stop", "start", "reboot", "pause", "unpause", "suspend", "resume", "shelve", "unshelve"):
        for server in servers:
            server.perform(operation)
            fleet.advance(1)
        fleet.run_until_idle()
    lines = fleet.events.to_jsonl().splitlines()
    lines = [line for line in lines for _ in range(3)]  # a poller that saw each state three times
    # (at resize_prep a NoValidHost, at resize_migrating libvirt's disk-down rollback, would keep it
    # ACTIVE, and shelve would explain the jump; a failure at resize_finish is ERROR, which cannot shelve)
    lines.insert(10, json.dumps(srv("x", "RESIZE", "active", "resize_finish")))
    lines.insert(20, json.dumps(srv("x", "SHELVED_OFFLOADED", "shelved_offloaded")))
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    from_file = check_trace(path)
    fresh = check_trace([json.loads(line) for line in lines])
    assert from_file.as_dict() == fresh.as_dict()
    assert len(from_file.unexplained) == 1
