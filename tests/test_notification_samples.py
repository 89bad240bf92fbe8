"""The model against Nova's own notification samples (tests/data/nova_notification_states.json).

The data file is the state fields of Nova's doc/notification_samples/instance-*.json
at 00a030403f, copied (source named in the file). Each operation's walk must pass
through the pair its ``.start`` sample shows and end at the pair its ``.end``
sample shows. Power states are compared only where the sample's value is not
the fake virt driver's own (Nova's samples come from its fake driver).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from lifecycle import PowerState, Server

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "nova_notification_states.json").read_text())
POWER = {"pending": PowerState.NOSTATE, "running": PowerState.RUNNING, "shutdown": PowerState.SHUTDOWN}


def _state(name: str) -> dict[str, Any]:
    return {**DATA["defaults"], **DATA["samples"][name]}


# operation, start (vm_state or vm/task), settings, sample prefix, compare power
CASES = [
    ("create", None, {}, "instance-create", False),
    ("delete", "active", {}, "instance-delete", True),
    ("stop", "active", {}, "instance-power_off", True),
    ("start", "stopped", {}, "instance-power_on", False),
    ("pause", "active", {}, "instance-pause", False),
    ("unpause", "paused", {}, "instance-unpause", False),
    ("suspend", "active", {}, "instance-suspend", False),
    ("resume", "suspended", {}, "instance-resume", False),
    ("hard_reboot", "active", {}, "instance-reboot", False),
    ("rebuild", "active", {}, "instance-rebuild", False),
    ("rescue", "active", {}, "instance-rescue", False),
    ("unrescue", "rescued", {}, "instance-unrescue", False),
    ("resize", "active", {}, "instance-resize_finish", False),
    ("confirm_resize", "resized", {}, "instance-resize_confirm", False),
    ("revert_resize", "resized", {}, "instance-resize_revert", False),
    ("shelve", "active", {"shelved_offload_time": -1}, "instance-shelve", True),
    ("shelve_offload", "shelved", {}, "instance-shelve_offload", True),
    ("unshelve", "shelved_offloaded", {}, "instance-unshelve", False),
    ("delete", "active", {"reclaim_instance_interval": 60}, "instance-soft_delete", False),
    ("restore", "soft-delete", {"reclaim_instance_interval": 60}, "instance-restore", False),
    ("create_image", "active", {}, "instance-snapshot", False),
    ("trigger_crash_dump", "active", {}, "instance-trigger_crash_dump", False),
    ("attach_interface", "active", {}, "instance-interface_attach", False),
    ("detach_interface", "active", {}, "instance-interface_detach", False),
    ("attach_volume", "active", {}, "instance-volume_attach", False),
    ("detach_volume", "active", {}, "instance-volume_detach", False),
    ("swap_volume", "active", {}, "instance-volume_swap", False),
    ("live_migrate_force_complete", "active/migrating", {}, "instance-live_migration_force_complete", False),
    ("live_migrate_abort", "active/migrating", {}, "instance-live_migration_abort", False),
]


def _walk(op: str, start: str | None, settings: dict[str, Any]) -> list[tuple[str | None, str | None, PowerState]]:
    srv = Server(*(start.split("/") if start else [None]), **settings)
    seen = [(srv.vm_state and srv.vm_state.value, srv.task_state and srv.task_state.value, srv.power_state)]
    srv.perform(op)
    while True:
        seen.append((srv.vm_state and srv.vm_state.value, srv.task_state and srv.task_state.value, srv.power_state))
        if not srv.busy:
            return seen
        srv.advance()


@pytest.mark.parametrize(("op", "start", "settings", "sample", "power"), CASES)
def test_walk_matches_nova_samples(
    op: str, start: str | None, settings: dict[str, Any], sample: str, power: bool
) -> None:
    """The .start sample's pair is on the walk; the .end sample's pair is where it ends."""
    walk = _walk(op, start, settings)
    begin, end = _state(sample + "-start"), _state(sample + "-end")
    assert (begin["state"], begin["task_state"]) in [(vm, task) for vm, task, _ in walk]
    if "live_migration" in sample:
        # force-complete and abort end (their .end samples) with the migration still running
        assert (end["state"], end["task_state"]) == walk[1][:2]
        return
    assert (end["state"], end["task_state"]) == walk[-1][:2]
    if power:
        assert POWER[end["power_state"]] is walk[-1][2]


def test_offloaded_power_is_shutdown() -> None:
    """unshelve.start of an offloaded server shows power shutdown (_shelve_offload_instance keeps it)."""
    sample = _state("instance-unshelve-start")
    srv = Server(sample["state"])
    assert POWER[sample["power_state"]] is srv.power_state
    srv.unshelve()
    assert (srv.vm_state.value, srv.task_state.value) == (sample["state"], sample["task_state"])  # type: ignore[union-attr]


def test_deletes_of_unscheduled_and_host_down_servers() -> None:
    """delete.start_not_scheduled: an ERROR server without host goes error/deleting; compute_down: active/deleting."""
    not_scheduled = _state("instance-delete-start_not_scheduled")
    srv = Server()
    srv.create()
    srv.fail("no_valid_host")
    srv.delete()
    assert (srv.vm_state.value, srv.task_state.value) == (not_scheduled["state"], not_scheduled["task_state"])  # type: ignore[union-attr]
    down = _state("instance-delete-start_compute_down")
    walk = _walk("delete", "active", {"host_up": False})
    assert walk[1][:2] == (down["state"], down["task_state"])
    assert walk[-1][0] == _state("instance-delete-end_compute_down")["state"]


def test_failures_in_samples_are_mid_task() -> None:
    """The .error samples fail at tasks the model's operations run (resize at resize_prep, rebuild at rebuilding)."""
    for sample, op, start in (
        ("instance-resize-error", "resize", "active"),
        ("instance-rebuild-error", "rebuild", "active"),
        ("instance-reboot-error", "hard_reboot", "active"),
    ):
        task = _state(sample)["task_state"]
        assert task in [t for _, t, _ in _walk(op, start, {})]
