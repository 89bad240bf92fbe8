"""Clocks (virtual and wall) and step durations (defaults as data, overrides per operation, step and server)."""

from __future__ import annotations

import gc
import time

import pytest

from lifecycle import Durations, Fleet, Status, UnknownOperationError, UnknownStateError, VirtualClock, WallClock
from lifecycle.model.blueprint import blueprint, profiles
from lifecycle.simulate.clock import Clock
from lifecycle.simulate.durations import DEFAULT_STEP, DEFAULTS


def test_virtual_clock_moves_only_when_told() -> None:
    """A VirtualClock starts where asked, advances exactly, never goes back, and sleep() is advance()."""
    clock = VirtualClock(start=5)
    assert clock.now() == 5.0
    assert clock.advance(2.5) == 7.5
    clock.sleep(1)
    clock.advance_to(3)
    assert clock.now() == 8.5
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)
    assert isinstance(clock, Clock)
    assert isinstance(WallClock(), Clock)


def test_virtual_clock_listeners_are_weak_and_can_unsubscribe() -> None:
    """Listeners hear every advance; a dropped fleet stops listening instead of being kept alive."""
    clock = VirtualClock()
    heard: list[float] = []

    class Listener:
        def hear(self, now: float) -> None:
            heard.append(now)

    kept = Listener()
    clock.subscribe(kept.hear)
    fleet = Fleet(clock=clock)
    fleet.create(vm_state="active").reboot()
    del fleet
    gc.collect()
    clock.advance(1)
    clock.unsubscribe(kept.hear)
    clock.advance(1)
    assert heard == [1.0]


def test_wall_clock_follows_real_time_with_speed() -> None:
    """A WallClock at speed 1000 shows ~1000x the real elapsed time; sleep() and wait_for() honour it."""
    clock = WallClock(speed=1000)
    start = time.monotonic()
    clock.sleep(50)  # 50 ms of real time
    assert clock.now() >= 50
    assert time.monotonic() - start < 1
    assert clock.wait_for(lambda: clock.now() > 80, timeout=1000)
    assert not clock.wait_for(lambda: False, timeout=20)
    with pytest.raises(ValueError, match="speed"):
        WallClock(speed=0)


def test_fleet_on_a_wall_clock_catches_up_on_every_call() -> None:
    """With a fast WallClock, steps happen in real time and any fleet call sees them done."""
    fleet = Fleet(clock=WallClock(speed=2000))
    srv = fleet.create(vm_state="active")
    srv.reboot()  # 20 s simulated = 10 ms real
    assert fleet.get(srv.id).status in (Status.REBOOT, Status.ACTIVE)
    fleet.run_until_idle()
    assert fleet.get(srv.id).status is Status.ACTIVE


@pytest.mark.parametrize("dialect", ["nova", "huawei-ecs"])
def test_every_task_step_has_a_default_duration(dialect: str) -> None:
    """Each (operation, task) a step can wait in is listed in DEFAULTS, so no step falls back by accident."""
    for settings in profiles():
        bp = blueprint(dialect, settings)
        for edge in bp.edges:
            if edge.kind == "step":
                task = edge.source[1]
                assert (None if task is None else task.value) in DEFAULTS[edge.operation], (edge.operation, task)


def test_defaults_are_plausible_totals() -> None:
    """Build ~40 s, reboot 20 s, resize 60-120 s, shelve's image upload ~60 s."""
    d = Durations()
    assert 30 <= d.total("create") <= 60
    assert d.total("reboot") == 20
    assert 60 <= d.total("resize") <= 120
    assert d.step("shelve", "shelving_image_uploading") == 60


def test_overrides_per_operation_and_step_and_scale() -> None:
    """A number rescales an operation's steps to that total; a mapping sets steps; scale multiplies all."""
    d = Durations({"reboot": 4, "resize": {"resize_migrating": 300}, "pause": {None: 1}})
    assert [d.step("reboot", t) for t in ("rebooting", "reboot_pending", "reboot_started")] == pytest.approx(
        [0.4, 0.6, 3.0]
    )
    assert d.step("resize", "resize_migrating") == 300
    assert d.step("resize", "resize_prep") == 5
    assert d.step("made_up", "x") == DEFAULT_STEP
    half = d.override(scale=0.5)
    assert half.step("resize", "resize_migrating") == 150
    # an operation of no registered dialect is a typo unless the caller names its own operations
    assert Durations({"made_up": 2}, operations=["made_up"]).step("made_up", "anything") == 2


def test_bad_overrides_name_the_problem() -> None:
    """Negative or non-numeric seconds, unknown task names and unknown operations are refused."""
    with pytest.raises(ValueError, match=r"durations\['reboot'\] must be a number of seconds >= 0"):
        Durations({"reboot": -1})
    with pytest.raises(UnknownStateError, match="rebooting"):
        Durations({"reboot": {"rebootin": 1}})
    with pytest.raises(ValueError, match="jitter"):
        Durations(jitter=2)
    with pytest.raises(UnknownOperationError, match="reboot"):
        Fleet(durations={"rebot": 3})


def test_per_server_durations_layer_over_the_fleet() -> None:
    """create(durations=...) changes one server's steps only."""
    fleet = Fleet(durations={"stop": 30})
    slow = fleet.create(vm_state="active")
    quick = fleet.create(vm_state="active", durations={"stop": 1})
    fleet.apply("stop")
    fleet.clock.advance(1)
    assert (slow.status, quick.status) == (Status.ACTIVE, Status.SHUTOFF)
    fleet.clock.advance(29)
    assert slow.status is Status.SHUTOFF


def test_jitter_spreads_steps_reproducibly() -> None:
    """jitter=0.5 makes equal steps last 50-150 %, the same for the same seed."""

    def ends(seed: int) -> list[float]:
        fleet = Fleet(seed=seed, durations=Durations(jitter=0.5))
        fleet.create_many(50, vm_state="active")
        fleet.apply("stop")
        fleet.run_until_idle()
        return [e.time for e in fleet.events if e.kind == "step"]

    first = ends(1)
    assert first == ends(1)
    assert min(first) >= 5
    assert max(first) <= 15
    assert len(set(first)) > 40


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -float("inf")], ids=repr)
def test_clocks_refuse_time_that_is_not_a_finite_number(seconds: float) -> None:
    """NaN and infinity would poison every later time, so clocks and fleets refuse them with the value named."""
    clock = VirtualClock()
    fleet = Fleet(clock=clock)
    fleet.create()
    for call in (
        lambda: clock.advance(seconds),
        lambda: clock.sleep(seconds),
        lambda: clock.advance_to(seconds),
        lambda: VirtualClock(start=seconds),
        lambda: fleet.advance(seconds),
        lambda: fleet.run_until_idle(limit=seconds),
        lambda: fleet.run_until(lambda: False, limit=seconds),
        lambda: WallClock(speed=seconds),
        lambda: WallClock(speed=1000).sleep(seconds),
    ):
        with pytest.raises(ValueError, match="finite"):
            call()
    assert clock.now() == 0.0
    assert fleet.run_until_idle() > 0
