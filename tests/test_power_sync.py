"""Nova's power-state sync on its real matrix (manager.py:_sync_instance_power_state, 11298-11370 at 00a030403f).

Transcribed from Nova's code, not from lifecycle/simulate/periodic.py: for each rest
vm_state and power the hypervisor reports, what the sync does.
"""

from __future__ import annotations

import pytest

from lifecycle import Fleet, PowerState

P = PowerState
# (vm_state, reported power) -> (vm_state after the sync, the pair while it acts or None when it does nothing)
MATRIX = [
    ("active", P.SHUTDOWN, "stopped", ("active", "powering-off")),  # _stop_unexpected_shutdown_instance: stop()
    ("active", P.CRASHED, "stopped", ("active", "powering-off")),
    ("active", P.SUSPENDED, "stopped", ("active", "powering-off")),  # compute_api.stop
    ("active", P.PAUSED, "active", None),  # "Instance is paused unexpectedly. Ignore."
    ("active", P.NOSTATE, "active", None),  # "Instance is unexpectedly not found. Ignore."
    ("stopped", P.RUNNING, "stopped", ("stopped", "powering-off")),  # force_stop
    ("stopped", P.PAUSED, "stopped", ("stopped", "powering-off")),
    ("stopped", P.SUSPENDED, "stopped", ("stopped", "powering-off")),
    ("stopped", P.CRASHED, "stopped", None),
    ("paused", P.SHUTDOWN, "stopped", ("paused", "powering-off")),  # force_stop
    ("paused", P.CRASHED, "stopped", ("paused", "powering-off")),
    ("paused", P.RUNNING, "paused", None),
    ("suspended", P.RUNNING, "suspended", None),  # BUILDING, RESCUED, RESIZED, SUSPENDED, ERROR: pass
    ("rescued", P.SHUTDOWN, "rescued", None),
    ("resized", P.SHUTDOWN, "resized", None),
    ("error", P.RUNNING, "error", None),
]


@pytest.mark.parametrize(("vm", "power", "end", "acting"), MATRIX)
def test_power_sync_matrix(vm: str, power: PowerState, end: str, acting: tuple[str, str] | None) -> None:
    """The sync (every 600 s) answers the reported power as Nova's code does."""
    fleet = Fleet()
    srv = fleet.create(vm_state=vm)
    fleet.guest_power(srv, power)
    fleet.clock.advance(600)
    pairs = [(e.after[0].value, e.after[1].value) for e in fleet.events if e.kind == "periodic" and e.after[1]]
    assert pairs[:1] == ([] if acting is None else [acting])
    fleet.run_until_idle()
    assert srv.vm_state is not None
    assert srv.vm_state.value == end
    if acting is not None:
        assert srv.power_state is P.SHUTDOWN
