"""Regressions a reviewer found in ``check_trace``: timestamps, running operations, event types, messages.

Expected values come from Nova: ``instance_build_timeout`` (nova/conf/compute.py) plus the
60 s periodic spacing of ``manager.py:_check_instance_build_time``; ``stop`` is the
operation that sets task_state ``powering-off`` and ends ``stopped``
(``compute/api.py:API.stop`` / ``force_stop``, ``manager.py:stop_instance``); Nova's
``check_instance_state(vm_state=[ACTIVE, STOPPED])`` on ``API.resize`` refuses a paused
server; notification timestamps are ``str(timeutils.utcnow())`` (a space, microseconds,
no zone) as in ``doc/notification_samples``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import lifecycle
from lifecycle.errors import ArgumentTypeError, ArgumentValueError
from lifecycle.model.settings import SettingTypeError
from lifecycle.validate.stuck import StuckLimits

V, T = "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state"
BUILDING = {"id": "a", "status": "BUILD", V: "building", T: "spawning"}


def _other(updated: str) -> dict[str, Any]:
    return {"id": "b", "status": "ACTIVE", V: "active", T: None, "updated": updated}


def _stuck(trace: list[dict[str, Any]], timeout: float = 600) -> lifecycle.TraceReport:
    return lifecycle.check_trace(trace, stuck=StuckLimits(instance_build_timeout=timeout))


@pytest.mark.parametrize(
    "other",
    [
        "2026-01-01T09:00:00+09:00",  # 00:00 UTC: later as text, earlier as a time
        "2026-01-01 00:30:00.250000",  # a notification's timestamp (space, fraction, no zone: UTC)
        "2026-01-01T00:00:00.5Z",
    ],
)
def test_stuck_survives_another_servers_timestamp_format(other: str) -> None:
    """A build seen at 00:00 and again at 02:00 is 7200 s old, whatever format another server's time has."""
    trace = [
        dict(BUILDING, updated="2026-01-01T00:00:00Z"),
        _other(other),
        dict(BUILDING, updated="2026-01-01T02:00:00Z"),
    ]
    report = _stuck(trace)
    assert [(s.server_id, s.since_line, s.seconds, s.limit) for s in report.stuck] == [("a", 1, 7200, 660)]
    assert report.problems == []


def test_times_are_compared_as_times_not_as_text() -> None:
    """Space-separated times of one server and a T-separated one of another: 2 h in building is over 3660 s."""
    trace = [dict(BUILDING, updated="2026-01-01 00:00:00"), _other("2026-01-01T00:30:00Z")]
    trace.append(dict(BUILDING, updated="2026-01-01 02:00:00"))
    assert [s.seconds for s in _stuck(trace, timeout=3600).stuck] == [7200]


def test_an_unparseable_updated_is_a_problem_and_stuck_servers_are_still_found() -> None:
    """'yesterday' is reported with its line and value; the build next to it is still found stuck."""
    trace = [dict(BUILDING, updated="2026-01-01T00:00:00Z"), _other("yesterday")]
    trace.append(dict(BUILDING, updated="2026-01-01T02:00:00Z"))
    report = _stuck(trace)
    assert [s.seconds for s in report.stuck] == [7200]
    assert [p.line for p in report.problems] == [2]
    assert "'updated'" in report.problems[0].message
    assert "'yesterday'" in report.problems[0].message
    assert not report.ok


def test_a_state_entered_without_a_time_is_dated_by_its_next_observation() -> None:
    """The build's first observation has no usable time; the next two (2 h apart) still show it stuck."""
    trace = [dict(BUILDING, updated="soon"), dict(BUILDING, updated="2026-01-01T00:00:00Z")]
    trace.append(dict(BUILDING, updated="2026-01-01T02:00:00Z"))
    report = _stuck(trace)
    assert [(s.since_line, s.seconds) for s in report.stuck] == [(2, 7200)]
    assert [p.line for p in report.problems] == [1]


def test_a_finished_stop_is_explained_by_stop() -> None:
    """ACTIVE -> powering-off (stop) -> SHUTOFF: the stop the trace saw start is the one in progress."""
    fleet = lifecycle.Fleet()
    server = fleet.create("x", vm_state="active")
    server.stop()
    fleet.run_until_idle()
    changes = [str(c) for c in lifecycle.check_trace(fleet.events.to_jsonl()).changes]
    assert changes[-1].endswith("ACTIVE (active/powering-off) -> SHUTOFF (stopped): stop (in progress)")


def test_a_stop_caught_midway_names_stop_among_the_running_operations() -> None:
    """First seen powering-off: nothing says which operation set it, but stop is one of them."""
    trace = [
        {"id": "a", "status": "ACTIVE", V: "active", T: "powering-off"},
        {"id": "a", "status": "SHUTOFF", V: "stopped", T: None},
    ]
    change = lifecycle.check_trace(trace).changes[0]
    assert change.in_progress is not None
    assert "stop" in change.in_progress.split(" or ")


def _notification(event_type: str, state: str, task: str | None, fault: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"uuid": "s1", "state": state, "task_state": task, "power_state": "running"}
    if fault:
        data["fault"] = {"nova_object.data": {"exception": "ResizeError", "exception_message": "boom"}}
    return {"event_type": event_type, "timestamp": "2026-01-01 00:00:00.000000", "payload": {"nova_object.data": data}}


def test_a_resize_error_of_a_paused_server_is_not_explained_by_another_operation() -> None:
    """Nova cannot resize a paused server: instance.resize.error right after PAUSED is unexplained."""
    trace = [
        _notification("instance.pause.end", "paused", None),
        _notification("instance.resize.error", "error", None, True),
    ]
    report = lifecycle.check_trace(trace, format="nova-notifications")
    [change] = report.changes
    assert change.explanation is None
    assert "instance.resize.error" in change.note
    assert "resize" in change.note


def test_a_resize_error_of_an_active_server_is_explained_by_resize() -> None:
    """From ACTIVE the named action explains the error: resize, then its task failed."""
    trace = [
        _notification("instance.power_on.end", "active", None),
        _notification("instance.resize.error", "error", None, True),
    ]
    [change] = lifecycle.check_trace(trace, format="nova-notifications").changes
    assert change.explanation is not None
    assert change.explanation[0] in ("resize", "migrate")
    assert change.explanation[-1] == "fail"


def test_a_broken_pretty_printed_value_names_one_line() -> None:
    """The problem's line is where the parser stopped; the message repeats no other line number."""
    text = '[\n  {\n    "id": "a",\n    "status": \n  }\n]\n'
    [problem] = lifecycle.check_trace(text).problems
    assert problem.line == 5
    assert "line" not in problem.message


def test_an_array_of_non_objects_is_one_problem_naming_the_count() -> None:
    """``[1,2]`` on one line: one problem for the line, saying how many elements are not objects."""
    report = lifecycle.check_trace("[1,2]\n" + json.dumps({"id": "a", "status": "ACTIVE"}) + "\n")
    [problem] = report.problems
    assert problem.line == 1
    assert "2" in problem.message
    assert "not a JSON object" in problem.message
    assert report.observations == 1


def test_type_errors_say_an_int() -> None:
    """Messages name the type with the right article."""
    with pytest.raises(ArgumentValueError):
        lifecycle.check_trace([], max_operations=-1)
    with pytest.raises(ArgumentTypeError, match=r"\(got 5, an int\)"):
        lifecycle.check_trace(5)  # type: ignore[arg-type]
    with pytest.raises(SettingTypeError, match=r"\(got 'yes', a str\)"):
        lifecycle.Settings.from_kwargs(None, volume_backed="yes")
