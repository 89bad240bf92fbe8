"""examples/rolling_resize.py runs, prints its summary table and its own event log is consistent."""

from __future__ import annotations

import importlib.util
import json
import pathlib
from types import ModuleType

import pytest

from lifecycle import Fleet, Status

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "rolling_resize.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rolling_resize", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_campaign_prints_a_table_and_ends_all_active(capsys: pytest.CaptureFixture[str]) -> None:
    """main() prints one row per batch of 5 and ends with all 50 servers ACTIVE after ~10 % failures."""
    _load().main()
    out = capsys.readouterr().out
    assert "batch  servers  refused  resized" in out
    assert sum(1 for line in out.splitlines() if line[:5].strip().isdigit()) == 10
    assert "45 resized, 5 failed and repaired" in out
    assert "now 50 ACTIVE" in out
    assert "check_trace on 355 snapshots of 50 servers: valid" in out


def test_campaign_event_log_is_a_consistent_trace() -> None:
    """Per server, each snapshot's 'from' pair is the previous snapshot's pair and times never go back."""
    module = _load()
    fleet = Fleet(seed=module.SEED)
    servers = fleet.create_many(10, vm_state="active")
    fleet.inject_failure("resize", probability=0.3, times=None)
    rows = module.rolling_resize(fleet, servers, 5)
    assert [row["servers"] for row in rows] == [5, 5]
    last: dict[str, tuple[object, object, float]] = {}
    for line in fleet.events.to_jsonl().splitlines():
        snap = json.loads(line)
        event = snap["lifecycle:event"]
        if snap["id"] in last:
            vm, task, time = last[snap["id"]]
            assert (event["from"]["vm_state"], event["from"]["task_state"]) == (vm, task)
            assert event["time"] >= time
        last[snap["id"]] = (snap["OS-EXT-STS:vm_state"], snap["OS-EXT-STS:task_state"], event["time"])
    assert all(s.status is Status.ACTIVE for s in servers)
