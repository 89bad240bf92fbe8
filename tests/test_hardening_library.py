"""Library entry points answer wrong argument types with the library's own errors; the CLI never shows a traceback.

Each case below leaked a bare TypeError or AttributeError (or was silently
accepted) before: found by fuzzing the public API with values of every JSON
and Python type (``tests/test_fuzz.py`` keeps doing that).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lifecycle import (
    Durations,
    Fleet,
    LifecycleError,
    Server,
    VirtualClock,
    WallClock,
    check,
    check_trace,
    pairs_for,
    plan,
    reachable,
    status_of,
)
from lifecycle.cli import main
from lifecycle.model.status import parse_power_state
from lifecycle.simulate.jobs import Jobs


def _fleet_with_server() -> tuple[Fleet, Any]:
    fleet = Fleet()
    return fleet, fleet.create("web", vm_state="active")


CASES: dict[str, Callable[[], object]] = {
    "status_of(dialect=[...])": lambda: status_of("active", dialect=["nova"]),  # type: ignore[arg-type]
    "status_of(task=[...])": lambda: status_of("active", ["x"]),  # type: ignore[arg-type]
    "status_of(strict, task=[...])": lambda: status_of("active", ["x"], strict=True),  # type: ignore[arg-type]
    "pairs_for(dialect=[...])": lambda: pairs_for("ACTIVE", dialect=["nova"]),  # type: ignore[arg-type]
    "check(dialect=[...])": lambda: check(["reboot"], dialect=["nova"]),  # type: ignore[arg-type]
    "check_trace(dialect=[...])": lambda: check_trace([], dialect=["nova"]),  # type: ignore[arg-type]
    "plan(dialect=[...])": lambda: plan("SHUTOFF", "ACTIVE", dialect=["nova"]),  # type: ignore[arg-type]
    "reachable(dialect=[...])": lambda: reachable("ACTIVE", dialect=["nova"]),  # type: ignore[arg-type]
    "Server(dialect=[...])": lambda: Server("active", dialect=["nova"]),  # type: ignore[arg-type]
    "Server(task_state=[...])": lambda: Server("active", ["x"]),  # type: ignore[arg-type]
    "Server(power_state=1.5)": lambda: Server("active", None, 1.5),  # type: ignore[arg-type]
    "Server(power_state=[...])": lambda: Server("active", None, [1]),  # type: ignore[arg-type]
    "Server.perform([...])": lambda: Server("active").perform(["reboot"]),  # type: ignore[arg-type]
    "Server.may([...])": lambda: Server("active").may(["reboot"]),  # type: ignore[arg-type]
    "Server.fire([...])": lambda: Server("active").fire(["reboot"]),  # type: ignore[arg-type]
    "Durations([1])": lambda: Durations([1]),  # type: ignore[arg-type]
    "Durations(jitter=[...])": lambda: Durations(jitter=["x"]),  # type: ignore[arg-type]
    "Fleet(durations=5)": lambda: Fleet(durations=5),  # type: ignore[arg-type]
    "Fleet(dialect=[...])": lambda: Fleet(["nova"]),  # type: ignore[arg-type]
    "Fleet.create(name=[...])": lambda: Fleet().create(["web"]),  # type: ignore[arg-type]
    "Fleet.create(id=[...])": lambda: Fleet().create("web", id=["x"]),  # type: ignore[arg-type]
    "Fleet.create(power_state=1.5)": lambda: Fleet().create("w", vm_state="active", power_state=1.5),  # type: ignore[arg-type]
    "Fleet.create_many(None)": lambda: Fleet().create_many(None),  # type: ignore[arg-type]
    "Fleet.apply(op=[...])": lambda: Fleet().apply(["reboot"], []),  # type: ignore[arg-type]
    "Fleet.apply(servers=[1])": lambda: _check_apply_rejects_int(),
    "Fleet.perform(op=[...])": lambda: (lambda f, s: f.perform(s, ["reboot"]))(*_fleet_with_server()),
    "Fleet.advance(None)": lambda: Fleet().advance(None),  # type: ignore[arg-type]
    "Fleet.run_until(None)": lambda: Fleet().run_until(None, limit=1),  # type: ignore[arg-type]
    "VirtualClock(None)": lambda: VirtualClock(None),  # type: ignore[arg-type]
    "WallClock('fast')": lambda: WallClock("fast"),  # type: ignore[arg-type]
    "Jobs(None)": lambda: Jobs(None),  # type: ignore[arg-type]
}


def _check_apply_rejects_int() -> None:
    result = Fleet().apply("reboot", [1])  # type: ignore[list-item]
    assert not result.accepted
    assert list(result.rejected) == ["1"]
    raise LifecycleError("rejected as expected")


@pytest.mark.parametrize("name", list(CASES))
def test_wrong_argument_types_raise_lifecycle_errors(name: str) -> None:
    with pytest.raises(LifecycleError):
        CASES[name]()


@pytest.mark.parametrize("value", [1.5, 0.5, math.nan, [1], True, b"1", None, "1.5"])
def test_power_state_takes_whole_codes_and_names_only(value: Any) -> None:
    """1.5 used to be taken as 1 (RUNNING)."""
    with pytest.raises(LifecycleError, match="power_state"):
        parse_power_state(value)


def test_power_state_still_takes_codes_and_names() -> None:
    assert [parse_power_state(v).value for v in (1, "1", " 4 ", "SHUTDOWN", "running")] == [1, 1, 4, 4, 1]


@pytest.mark.parametrize("interval", [math.nan, 0, -600, math.inf, -math.inf, None, "600", True])
def test_fleet_refuses_a_sync_power_state_interval_that_is_not_a_positive_period(interval: Any) -> None:
    with pytest.raises(LifecycleError, match="sync_power_state_interval"):
        Fleet(sync_power_state_interval=interval)


def test_fleet_takes_a_positive_sync_interval() -> None:
    assert Fleet(sync_power_state_interval=60).sync_power_state_interval == 60.0


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_trace_on_deeply_nested_json_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    """`lifecycle trace` printed a RecursionError traceback and exited 1."""
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth + "\n")
    assert main(["trace", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "nested too deeply" in out
    assert "Traceback" not in out + err
    stream = tmp_path / "stream.json"
    stream.write_text('{\n "id": "a", "status": "ACTIVE"\n}\n' + "[" * depth + "]" * depth + "\n")
    report = check_trace(stream)
    assert report.observations == 1
    assert any("nested too deeply" in p.message for p in report.problems)
