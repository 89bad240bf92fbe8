"""The simulator agrees with its own checker, and an injected failure strikes the run it was meant for.

Sources: ``nova/compute/api.py`` at the pinned commit. ``API._delete``:
a SHELVED_OFFLOADED instance (no host) is deleted locally, at once, with no
``deleting`` task; ``API.soft_delete``/``_delete_instance`` soft-delete only when
``CONF.reclaim_instance_interval > 0``; ``API.shelve``: a volume-backed instance
is offloaded straight away (never rests in SHELVED). Huawei ECS has no shelve
at all (``shared/reference/huawei-ecs.md``).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from lifecycle import Fleet, LifecycleError, VmState, check_trace
from lifecycle.model.status import status_of


def test_a_delete_that_runs_no_task_uses_up_the_next_delete_failure() -> None:
    """The rule was for the next delete; it must not strike another server's delete later."""
    fleet = Fleet()
    # a build still scheduling is deleted with its BuildRequest, no task (api.py:_delete_while_booting);
    # an offloaded server's local delete shows shelved_offloaded/deleting first (instance.update)
    offloaded = fleet.create("offloaded", vm_state="building", task_state="scheduling")
    other = fleet.create("other", vm_state="active")
    rule = fleet.inject_failure("delete")
    fleet.perform(offloaded, "delete")
    assert not offloaded.busy  # a local delete: no task ran
    assert offloaded.vm_state is VmState.DELETED
    assert (rule.fired, rule.passed, rule.exhausted) == (0, 1, True)
    fleet.perform(other, "delete")
    fleet.run_until_idle()
    assert other.vm_state is VmState.DELETED  # not ERROR: the rule was spent


def test_a_delete_with_a_task_still_fails_as_injected() -> None:
    fleet = Fleet()
    server = fleet.create("srv", vm_state="active")
    rule = fleet.inject_failure("delete")
    fleet.perform(server, "delete")
    fleet.run_until_idle()
    assert server.vm_state is VmState.ERROR  # Nova's _delete_instance errors the instance out
    assert (rule.fired, rule.passed) == (1, 0)


@pytest.mark.parametrize(
    ("dialect", "settings", "vm_state"),
    [
        ("nova", {"reclaim_instance_interval": 0}, "soft-delete"),
        ("nova", {"volume_backed": True}, "shelved"),
        ("huawei-ecs", {}, "shelved"),
        ("huawei-ecs", {}, "shelved_offloaded"),
    ],
)
def test_create_refuses_a_state_the_settings_never_reach(dialect: str, settings: dict[str, Any], vm_state: str) -> None:
    fleet = Fleet(dialect, **settings)
    with pytest.raises(LifecycleError, match=vm_state):
        fleet.create("srv", vm_state=vm_state)
    assert len(fleet.servers()) == 0


@pytest.mark.parametrize(
    ("dialect", "settings", "vm_state"),
    [
        ("nova", {"reclaim_instance_interval": 3600}, "soft-delete"),
        ("nova", {"volume_backed": True}, "shelved_offloaded"),
        ("nova", {"shelved_offload_time": -1}, "shelved"),
    ],
)
def test_create_still_seeds_what_the_settings_reach(dialect: str, settings: dict[str, Any], vm_state: str) -> None:
    assert Fleet(dialect, **settings).create("srv", vm_state=vm_state).vm_state.value == vm_state  # type: ignore[union-attr]


PROFILES: list[dict[str, Any]] = [
    dict(zip(("reclaim_instance_interval", "volume_backed", "shelved_offload_time"), combo, strict=True))
    for combo in itertools.product((0, 3600), (False, True), (0, -1))
]


@pytest.mark.parametrize("dialect", ["nova", "huawei-ecs"])
@pytest.mark.parametrize("settings", PROFILES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_every_state_create_seeds_is_one_check_trace_accepts(dialect: str, settings: dict[str, Any]) -> None:
    """Seeding and checking agree for every vm_state at rest under every settings profile."""
    for vm in VmState:
        observation = {"id": "s", "status": status_of(vm, dialect=dialect).value, "vm_state": vm.value}
        report = check_trace([observation], dialect=dialect, **settings)
        try:
            Fleet(dialect, **settings).create("s", vm_state=vm)
            seeded = True
        except LifecycleError:
            seeded = False
        assert seeded == report.valid, (vm, report.as_dict())
