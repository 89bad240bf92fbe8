"""Operations from many threads on one fleet: per-server check-and-set, like Nova's expected_task_state."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from lifecycle import Fleet, InvalidStateError, Status

THREADS = 32
OPS = ("stop", "reboot")


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    """Make the interpreter switch threads very often, so a missing lock would show up as a race."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _race(count: int, work: Callable[[int], None]) -> list[BaseException | None]:
    """Run ``work(i)`` in ``count`` threads released together; return each thread's error or None."""
    barrier = threading.Barrier(count)
    outcome: list[BaseException | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # collected and asserted on by the test
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.mark.parametrize("operation", ["reboot", "stop", "resize"])
def test_32_threads_one_server_exactly_one_wins(operation: str) -> None:
    """32 threads request the same operation on one server at once: one is accepted, 31 get InvalidStateError."""
    for _round in range(8):
        fleet = Fleet()
        srv = fleet.create(vm_state="active")
        outcome = _race(THREADS, lambda _i, srv=srv: srv.perform(operation))
        winners = [e for e in outcome if e is None]
        losers = [e for e in outcome if e is not None]
        assert len(winners) == 1
        assert len(losers) == THREADS - 1
        assert all(isinstance(e, InvalidStateError) and e.attr == "task_state" for e in losers)
        assert [e.kind for e in fleet.events] == ["create", "request"]


def test_two_different_operations_race_on_one_server() -> None:
    """A stop and a reboot requested together: one succeeds, the other is refused by the state the first wrote."""
    for _round in range(50):
        fleet = Fleet()
        srv = fleet.create(vm_state="active")
        outcome = _race(2, lambda i, srv=srv: srv.perform(OPS[i]))
        assert sorted(type(e).__name__ for e in outcome) == ["InvalidStateError", "NoneType"]
        won = OPS[outcome.index(None)]
        assert fleet.events[-1].operation == won


def test_threads_driving_many_servers_while_the_clock_moves() -> None:
    """32 threads reboot their own servers while another thread advances the clock: every run completes."""
    fleet = Fleet(seed=1)
    servers = fleet.create_many(THREADS * 10, vm_state="active")
    done = threading.Event()

    def clock() -> None:
        while not done.is_set():
            fleet.clock.advance(1)  # type: ignore[attr-defined]

    ticker = threading.Thread(target=clock)
    ticker.start()
    try:
        outcome = _race(THREADS, lambda i: [s.reboot() for s in servers[i::THREADS]] and None)
    finally:
        done.set()
        ticker.join()
    assert outcome == [None] * THREADS
    fleet.run_until_idle()
    assert fleet.status_counts() == {"ACTIVE": THREADS * 10}
    per_server = {s.id: [e.kind for e in fleet.events.for_server(s)] for s in servers[:20]}
    assert all(kinds == ["create", "request", "step", "step", "step"] for kinds in per_server.values())


def test_concurrent_creates_get_distinct_servers() -> None:
    """Creating servers from 32 threads loses none and never hands one id out twice."""
    fleet = Fleet()
    outcome = _race(THREADS, lambda i: [fleet.create(f"t{i}-{j}", vm_state="active") for j in range(20)] and None)
    assert outcome == [None] * THREADS
    assert len(fleet) == THREADS * 20
    assert len({s.id for s in fleet.servers()}) == THREADS * 20
    assert fleet.servers(status=Status.ACTIVE) == fleet.servers()
