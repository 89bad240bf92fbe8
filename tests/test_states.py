"""The vocabulary carries Nova's exact wire values (nova/objects/fields.py at 00a030403f)."""

from __future__ import annotations

import pytest

from lifecycle import PowerState, Status, TaskState, VmState


def test_vm_states_are_novas_twelve_wire_strings() -> None:
    """vm_state values are Nova's, including the soft-delete spelling trap."""
    assert {v.value for v in VmState} == {
        "active", "building", "paused", "suspended", "stopped", "rescued", "resized",
        "soft-delete", "deleted", "error", "shelved", "shelved_offloaded",
    }  # fmt: skip
    assert VmState.SOFT_DELETED == "soft-delete"


def test_task_states_are_novas_forty_two_with_hyphens() -> None:
    """task_state values number 42 and use Nova's hyphens where Nova does."""
    assert len(TaskState) == 42
    assert TaskState.POWERING_OFF == "powering-off"
    assert TaskState.POWERING_ON == "powering-on"
    assert TaskState.SOFT_DELETING == "soft-deleting"
    assert all("-" not in t.value for t in TaskState if t.name not in {"POWERING_OFF", "POWERING_ON", "SOFT_DELETING"})


@pytest.mark.parametrize(
    ("code", "name", "legacy"),
    [(0, "NOSTATE", False), (1, "RUNNING", False), (2, "BLOCKED", True), (3, "PAUSED", False),
     (4, "SHUTDOWN", False), (5, "SHUTOFF", True), (6, "CRASHED", False), (7, "SUSPENDED", False),
     (8, "FAILED", True), (9, "BUILDING", True)],
)  # fmt: skip
def test_power_codes_decode_and_mark_legacy(code: int, name: str, legacy: bool) -> None:
    """Every code 0-9 decodes; the four removed from Nova say they are legacy (seed 004)."""
    state = PowerState(code)
    assert state.name == name
    assert state.legacy is legacy


def test_power_state_labels_follow_nova() -> None:
    """NOSTATE is displayed as 'pending', the others by their lower-case name."""
    assert PowerState.NOSTATE.label == "pending"
    assert PowerState.SHUTDOWN.label == "shutdown"


def test_twenty_public_statuses_match_seed_003() -> None:
    """The 20 statuses of the API reference (seed 003), UNKNOWN included, compare equal to strings."""
    assert len(Status) == 20
    assert Status.REBOOT == "REBOOT"
    assert {s.value for s in Status} >= {"UNKNOWN", "SHELVED_OFFLOADED", "SOFT_DELETED", "VERIFY_RESIZE"}
