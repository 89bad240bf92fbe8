"""What the fleet's hot path must keep while it got cheaper: order, thread safety, nothing for the GC to track."""

from __future__ import annotations

import gc
import threading

from lifecycle import Durations, Fleet, Status
from lifecycle.simulate.events import EventLog
from lifecycle.simulate.server import Server


def test_zero_second_steps_still_happen_at_each_request() -> None:
    """With instant steps, each server's run ends before the next server's request (the log says so)."""
    fleet = Fleet(seed=0, durations=Durations(scale=0))
    a, b = fleet.create("a", vm_state="active"), fleet.create("b", vm_state="active")
    fleet.apply("reboot")
    names = [(e.name, e.kind) for e in fleet.events][2:]
    # reboot: the request, then three task steps (rebooting, reboot_pending, reboot_started -> active)
    assert names == [("a", "request")] + [("a", "step")] * 3 + [("b", "request")] + [("b", "step")] * 3
    assert a.status is Status.ACTIVE
    assert b.status is Status.ACTIVE


def test_timetable_entries_hold_no_server_for_the_collector() -> None:
    """A scheduled step names its server by index, so the collector stops tracking it."""
    fleet = Fleet(seed=0)
    servers = fleet.create_many(3, vm_state="active")
    fleet.apply("reboot")
    gc.collect()
    assert all(s.due == 2.0 for s in servers)  # rebooting lasts 2 s (lifecycle.simulate.durations.DEFAULTS)
    assert not any(gc.is_tracked(s._due) for s in servers)


def test_event_log_rows_survive_threads_recording_at_once() -> None:
    """Eight threads record 500 changes each by object; every row is whole and names its own server."""
    log = EventLog()
    servers = [Server("active", id=f"s{i}") for i in range(8)]

    def work(server: Server) -> None:
        for n in range(500):
            log.record(float(n), server, "reboot", "step", 0, 1)

    threads = [threading.Thread(target=work, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(log) == 4000
    for server in servers:
        events = log.for_server(server)
        assert [e.time for e in events] == [float(n) for n in range(500)]
        assert {e.server_id for e in events} == {server.id}
    assert len(log.for_server("s3")) == 500
    log.clear()
    assert len(log) == 0
