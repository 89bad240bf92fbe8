"""Status derivation, per dialect, against Nova's map and the Huawei seed table."""

from __future__ import annotations

import pathlib

import pytest

import lifecycle
from lifecycle import Status, TaskState, UnknownDialectError, UnknownStateError, VmState, pairs_for, status_of
from lifecycle.model.dialects import huawei_ecs
from lifecycle.model.status import parse_power_state, rest_pair

SEEDS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Golden pairs transcribed from nova/api/openstack/common.py:_STATE_MAP (lines 44-118)
# and the tests that pin it: nova/tests/unit/api/openstack/test_common.py:376-401,
# nova/tests/unit/api/openstack/compute/test_servers.py:4455-4522 (ServerStatusTest).
NOVA_GOLDEN = [
    ("active", None, "ACTIVE"),
    ("active", "rebooting", "REBOOT"),
    ("active", "reboot_pending", "REBOOT"),
    ("active", "reboot_started", "REBOOT"),
    ("active", "rebooting_hard", "HARD_REBOOT"),
    ("active", "reboot_pending_hard", "HARD_REBOOT"),
    ("active", "reboot_started_hard", "HARD_REBOOT"),
    ("active", "updating_password", "PASSWORD"),
    ("active", "rebuilding", "REBUILD"),
    ("active", "rebuild_block_device_mapping", "REBUILD"),
    ("active", "rebuild_spawning", "REBUILD"),
    ("active", "migrating", "MIGRATING"),
    ("active", "resize_prep", "RESIZE"),
    ("active", "resize_migrating", "RESIZE"),
    ("active", "resize_migrated", "RESIZE"),
    ("active", "resize_finish", "RESIZE"),
    ("active", "image_snapshot", "ACTIVE"),  # unlisted task -> the vm_state's default
    ("active", "powering-off", "ACTIVE"),
    ("building", None, "BUILD"),
    ("building", "spawning", "BUILD"),
    ("stopped", None, "SHUTOFF"),
    ("stopped", "resize_prep", "RESIZE"),
    ("stopped", "rebuilding", "REBUILD"),
    ("stopped", "powering-on", "SHUTOFF"),
    ("resized", None, "VERIFY_RESIZE"),
    ("resized", "resize_reverting", "REVERT_RESIZE"),
    ("paused", None, "PAUSED"),
    ("paused", "migrating", "MIGRATING"),
    ("suspended", None, "SUSPENDED"),
    ("rescued", None, "RESCUE"),
    ("error", None, "ERROR"),
    ("error", "rebuild_spawning", "REBUILD"),
    ("deleted", None, "DELETED"),
    ("soft-delete", None, "SOFT_DELETED"),
    ("shelved", None, "SHELVED"),
    ("shelved_offloaded", None, "SHELVED_OFFLOADED"),
    ("shelved_offloaded", "spawning", "SHELVED_OFFLOADED"),
]


@pytest.mark.parametrize(("vm", "task", "expected"), NOVA_GOLDEN, ids=lambda v: str(v))
def test_nova_golden_pairs(vm: str, task: str | None, expected: str) -> None:
    """Each pair shows the status Nova's _STATE_MAP gives it."""
    assert status_of(vm, task) == expected


# nova/api/openstack/common.py:_STATE_MAP (lines 44-110) at 00a030403f, transcribed row by row
# (not read from the dialect): {vm_state: {task_state or "default": status}}.
_RESIZE = ("resize_prep", "resize_migrating", "resize_migrated", "resize_finish")
_REBUILD = ("rebuilding", "rebuild_block_device_mapping", "rebuild_spawning")
NOVA_STATE_MAP: dict[str, dict[str, str]] = {
    "active": {
        "default": "ACTIVE",
        "rebooting": "REBOOT",
        "reboot_pending": "REBOOT",
        "reboot_started": "REBOOT",
        "rebooting_hard": "HARD_REBOOT",
        "reboot_pending_hard": "HARD_REBOOT",
        "reboot_started_hard": "HARD_REBOOT",
        "updating_password": "PASSWORD",
        **dict.fromkeys(_REBUILD, "REBUILD"),
        "migrating": "MIGRATING",
        **dict.fromkeys(_RESIZE, "RESIZE"),
    },
    "building": {"default": "BUILD"},
    "stopped": {"default": "SHUTOFF", **dict.fromkeys(_RESIZE, "RESIZE"), **dict.fromkeys(_REBUILD, "REBUILD")},
    "resized": {"default": "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    "paused": {"default": "PAUSED", "migrating": "MIGRATING"},
    "suspended": {"default": "SUSPENDED"},
    "rescued": {"default": "RESCUE"},
    "error": {"default": "ERROR", **dict.fromkeys(_REBUILD, "REBUILD")},
    "deleted": {"default": "DELETED"},
    "soft-delete": {"default": "SOFT_DELETED"},
    "shelved": {"default": "SHELVED"},
    "shelved_offloaded": {"default": "SHELVED_OFFLOADED"},
}


@pytest.mark.parametrize("vm", sorted(NOVA_STATE_MAP))
def test_every_pair_shows_novas_status(vm: str) -> None:
    """Every (vm_state, task_state) pair, all 43 tasks and none, shows status_from_state's answer."""
    row = NOVA_STATE_MAP[vm]
    for task in [None, *(t.value for t in TaskState)]:
        expected = row.get(task or "default", row["default"])
        assert status_of(vm, task) == expected, (vm, task)
        assert status_of(VmState(vm), None if task is None else TaskState(task)) is Status(expected)


def _seed_table(path: pathlib.Path) -> list[tuple[str, str | None, str]]:
    """Re-read Table 4 of the Huawei seed: vm_state line, task lines, then the status they show."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    start = lines.index("Table 4 Mapping between statuses") + 4  # skip the three header cells
    rows: list[tuple[str, str | None, str]] = []
    vm: str | None = None
    pending: list[str | None] = []
    for token in lines[start:]:
        if token.startswith("If the status is not included"):
            break
        if token in {v.value for v in VmState}:
            vm = token
        elif token.isupper():
            assert vm is not None
            rows += [(vm, task, token) for task in pending]
            pending = []
        else:
            pending.append(None if token == "null" else token)
    return rows


HUAWEI_SEED = next(iter(sorted(SEEDS.glob("000_*.txt"))), None)


@pytest.mark.skipif(HUAWEI_SEED is None, reason="../shared/seeds is not beside this checkout")
def test_huawei_table_is_the_seed_table_exactly() -> None:
    """The huawei-ecs rows are exactly Table 4 of seed 000, re-read from the document."""
    assert HUAWEI_SEED is not None
    seed = _seed_table(HUAWEI_SEED)
    assert len(seed) == 44
    declared = [
        (vm.value, None if task is None else task.value, status.value)
        for vm, row in huawei_ecs.STATUS_ROWS.items()
        for task, status in row.items()
    ]
    assert sorted(declared, key=str) == sorted(seed, key=str)
    for vm, task, status in seed:
        assert status_of(vm, task, dialect="huawei-ecs") == status


# Transcribed from seed 000 (Huawei "ECS Statuses", Table 4), for machines without ../shared.
HUAWEI_GOLDEN = [
    ("building", None, "BUILD"),
    ("active", "powering-off", "ACTIVE"),
    ("active", "deleting", "ACTIVE"),
    ("stopped", "resize_prep", "RESIZE"),
    ("stopped", "powering-on", "SHUTOFF"),
    ("resized", None, "VERIFY_RESIZE"),
    ("error", "deleting", "ERROR"),
    ("shelved", "shelving", "SHELVED"),
    ("shelved_offloaded", "shelving_offloading", "SHELVED_OFFLOADED"),
    # Not in the table: UNKNOWN, where Nova falls back to the default.
    ("active", "resize_prep", "UNKNOWN"),
    ("active", "image_snapshot", "UNKNOWN"),
    ("stopped", "rebooting_hard", "UNKNOWN"),
    ("paused", None, "UNKNOWN"),
    ("active", "updating_password", "UNKNOWN"),
    ("soft-delete", None, "UNKNOWN"),
]


@pytest.mark.parametrize(("vm", "task", "expected"), HUAWEI_GOLDEN, ids=lambda v: str(v))
def test_huawei_golden_pairs(vm: str, task: str | None, expected: str) -> None:
    """Huawei shows listed pairs as its table says and every other pair as UNKNOWN."""
    assert status_of(vm, task, dialect="huawei-ecs") == expected


@pytest.mark.parametrize("no_task", [None, "", "null"])
def test_empty_task_spellings_mean_no_task(no_task: str | None) -> None:
    """None, "" and "null" all mean no task is running."""
    assert status_of("resized", no_task) is Status.VERIFY_RESIZE


def test_lenient_by_default_like_the_api() -> None:
    """Unknown names give UNKNOWN (vm_state) or the default (task_state), as Nova's API does."""
    assert status_of("bogus") is Status.UNKNOWN
    assert status_of(None) is Status.UNKNOWN
    assert status_of("active", "bogus") is Status.ACTIVE
    assert status_of("active", "bogus", dialect="huawei-ecs") is Status.UNKNOWN


def test_strict_names_the_bad_value_and_the_choices() -> None:
    """strict=True raises UnknownStateError with suggestions and the valid choices."""
    with pytest.raises(UnknownStateError) as info:
        status_of("activ", strict=True)
    assert info.value.value == "activ"
    assert info.value.suggestions[0] == "active"
    assert "soft-delete" in info.value.choices
    assert "Did you mean 'active'?" in str(info.value)
    with pytest.raises(UnknownStateError, match="task_state 'rebootin'"):
        status_of("active", "rebootin", strict=True)
    assert isinstance(info.value, ValueError)


def test_unknown_dialect_lists_the_registered_ones() -> None:
    """An unknown dialect name is refused with the valid names."""
    with pytest.raises(UnknownDialectError, match=r"nova, huawei-ecs|huawei-ecs, nova"):
        status_of("active", dialect="aws")


def test_reverse_lookup_finds_every_pair_that_shows_a_status() -> None:
    """pairs_for is the exact inverse of status_of over the vocabulary."""
    assert pairs_for("REBOOT") == (
        (VmState.ACTIVE, TaskState.REBOOTING),
        (VmState.ACTIVE, TaskState.REBOOT_PENDING),
        (VmState.ACTIVE, TaskState.REBOOT_STARTED),
    )
    migrating = set(pairs_for("MIGRATING"))
    assert migrating == {(VmState.ACTIVE, TaskState.MIGRATING), (VmState.PAUSED, TaskState.MIGRATING)}
    assert set(pairs_for("resize", dialect="huawei-ecs")) == {
        (VmState.STOPPED, t)
        for t in (TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING, TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH)
    }
    for status in Status:
        for vm, task in pairs_for(status):
            assert status_of(vm, task) is status


def test_rest_pair_prefers_the_task_free_pair() -> None:
    """A status used as a starting point means its idle pair."""
    assert rest_pair("SHUTOFF") == (VmState.STOPPED, None)
    assert rest_pair("REBOOT") == (VmState.ACTIVE, TaskState.REBOOTING)
    with pytest.raises(UnknownStateError, match="PAUSED"):
        rest_pair("PAUSED", dialect="huawei-ecs")


def test_power_state_parsing_accepts_codes_and_names() -> None:
    """Power states parse from ints, digit strings and names; bad ones list the codes."""
    assert parse_power_state(4) is lifecycle.PowerState.SHUTDOWN
    assert parse_power_state("5") is lifecycle.PowerState.SHUTOFF
    assert parse_power_state("running") is lifecycle.PowerState.RUNNING
    with pytest.raises(UnknownStateError, match="legacy"):
        parse_power_state(11)
    with pytest.raises(UnknownStateError, match="True"):
        parse_power_state(True)
