"""What the Fleet benchmarks share: the bare state record, a seeded fleet, and tracemalloc around a build.

Imported as ``_measure`` from the scripts beside it (a script's own folder is
first on ``sys.path`` when it is run).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from lifecycle.simulate.fleet import Fleet


class Bare:
    """The baseline record: three state fields and nothing else (``__slots__``)."""

    __slots__ = ("power_state", "task_state", "vm_state")

    def __init__(self) -> None:
        self.vm_state = "active"
        self.task_state: str | None = None
        self.power_state = 1


def fleet_of(count: int, **options: Any) -> Fleet:
    """A fleet of ``count`` servers seeded ACTIVE (``options`` go to :class:`Fleet`)."""
    fleet = Fleet(seed=0, **options)
    for _ in range(count):
        fleet.create(vm_state="active")
    return fleet


def traced(build: Callable[[], Any]) -> tuple[Any, int]:
    """``build()`` under tracemalloc: its result and the bytes still allocated after a full collection."""
    gc.collect()
    tracemalloc.start()
    try:
        result = build()
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, current
