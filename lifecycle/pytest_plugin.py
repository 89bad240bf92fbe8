"""pytest plugin: simulated servers and fleets as fixtures, fresh for every test.

Registered through the ``pytest11`` entry point, so installing the package is
enough. Every pytest run of every project that installs it imports this module,
so it imports nothing of the simulator until a test asks for a fixture.

Fixtures:

* ``lifecycle_fleet``: an empty :class:`~lifecycle.simulate.fleet.Fleet` on a fresh
  :class:`~lifecycle.simulate.clock.VirtualClock` at 0, seeded (seed 0) so runs repeat.
* ``lifecycle_server``: one ACTIVE server named ``server-1`` in that fleet.
* ``lifecycle_clock``: that fleet's clock.

The ``lifecycle`` marker chooses the dialect and options::

    @pytest.mark.lifecycle("huawei-ecs", shelved_offload_time=-1, vm_state="stopped")
    def test_shelve_keeps_the_host(lifecycle_server, lifecycle_clock): ...

``vm_state``, ``task_state``, ``power_state``, ``locked`` and ``name`` apply to
``lifecycle_server``; every other keyword goes to :class:`~lifecycle.simulate.fleet.Fleet`
(``durations=``, ``seed=``, settings such as ``reclaim_instance_interval=``).

The assertion helpers of :mod:`lifecycle.testing` (light: no state machine) are re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from lifecycle.testing import (
    assert_allowed,
    assert_idle,
    assert_refused,
    assert_state,
    assert_status,
    assert_status_counts,
)

if TYPE_CHECKING:
    from lifecycle.simulate.clock import VirtualClock
    from lifecycle.simulate.fleet import Fleet, FleetServer

__all__ = [
    "assert_allowed",
    "assert_idle",
    "assert_refused",
    "assert_state",
    "assert_status",
    "assert_status_counts",
    "lifecycle_clock",
    "lifecycle_fleet",
    "lifecycle_server",
]

MARKER = "lifecycle"
_SERVER_KEYS = frozenset({"vm_state", "task_state", "power_state", "locked", "name"})


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``lifecycle`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(dialect='nova', **options): dialect, settings and options of the lifecycle_fleet and "
        "lifecycle_server fixtures (vm_state/task_state/power_state/locked/name go to the server)",
    )


def _options(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """The marker's (fleet options, server options); the closest marker wins, keyword by keyword."""
    fleet: dict[str, Any] = {"seed": 0}
    server: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if len(marker.args) > 1:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one positional argument, the dialect")
        if marker.args:
            fleet["dialect"] = marker.args[0]
        for key, value in marker.kwargs.items():
            (server if key in _SERVER_KEYS else fleet)[key] = value
    return fleet, server


@pytest.fixture
def lifecycle_fleet(request: pytest.FixtureRequest) -> Fleet:
    """An empty simulated fleet on a fresh virtual clock (options from the ``lifecycle`` marker)."""
    from lifecycle.simulate.fleet import Fleet  # the simulator loads only when a test asks

    fleet_options, _ = _options(request)
    return Fleet(**fleet_options)


@pytest.fixture
def lifecycle_server(lifecycle_fleet: Fleet, request: pytest.FixtureRequest) -> FleetServer:
    """One server, ACTIVE unless the marker says otherwise, in ``lifecycle_fleet``."""
    _, server_options = _options(request)
    server_options.setdefault("name", "server-1")
    server_options.setdefault("vm_state", "active")
    return lifecycle_fleet.create(**server_options)


@pytest.fixture
def lifecycle_clock(lifecycle_fleet: Fleet) -> VirtualClock:
    """The virtual clock of ``lifecycle_fleet``: ``lifecycle_clock.advance(30)`` lets 30 s pass."""
    from lifecycle.simulate.clock import VirtualClock

    clock = lifecycle_fleet.clock
    assert isinstance(clock, VirtualClock)
    return clock
