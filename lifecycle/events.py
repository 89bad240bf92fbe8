"""The event log of a simulated fleet: every change of every server, in order.

Each change is kept as one small tuple (time, server, operation, kind, node
before, node after), nodes being the compiled table's ints, so a fleet of
100,000 servers can log a campaign without its log dominating memory. Readable
:class:`Event` records and JSON are made on demand.

The JSON Lines export is one server snapshot per line, in the shape of the
Compute API's server body (``id``, ``status``, ``OS-EXT-STS:vm_state``,
``OS-EXT-STS:task_state``, ``OS-EXT-STS:power_state``, ``updated``) so that
:func:`lifecycle.check_trace`, which validates traces recorded from a real
cloud, validates simulated runs the same way. What the simulator knows beyond
the snapshot (the operation, the kind of change, the pair before) is under the
``lifecycle:event`` key, which a real trace does not have.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, overload

from lifecycle.blueprint import pair_name
from lifecycle.spec import Pair
from lifecycle.states import PowerState, Status

if TYPE_CHECKING:
    from lifecycle.server import Server

__all__ = ["EPOCH", "Event", "EventKind", "EventLog"]

EventKind = Literal["create", "request", "step", "failure", "periodic", "guest", "reset"]
"""What made a change: a seeded server appearing, an accepted API request, a task
step, an injected or requested failure, one of Nova's periodic jobs, the guest
itself (a shutdown from inside), or an ``os-resetState``-like :meth:`Fleet.set_state`."""

EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
"""Wall-clock time of simulated time 0 in exported ``updated`` fields."""


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One change of one server.

    Attributes:
        time: simulated seconds when it happened.
        server_id / name: the server.
        operation: the operation it belongs to (``reboot``; ``create`` for a seeded server).
        kind: see :data:`EventKind`.
        before: the pair before (None for a server appearing).
        after: the pair after.
        power_state: the power_state after.
        status: the public status after (None only before ``create``).
    """

    time: float
    server_id: str
    name: str
    operation: str
    kind: EventKind
    before: Pair | None
    after: Pair
    power_state: PowerState
    status: Status | None

    def snapshot(self, epoch: datetime.datetime = EPOCH) -> dict[str, Any]:
        """The server as the Compute API would show it right after this change."""
        vm, task = self.after
        before_vm, before_task = self.before if self.before is not None else (None, None)
        return {
            "id": self.server_id,
            "name": self.name,
            "status": None if self.status is None else self.status.value,
            "OS-EXT-STS:vm_state": None if vm is None else vm.value,
            "OS-EXT-STS:task_state": None if task is None else task.value,
            "OS-EXT-STS:power_state": int(self.power_state),
            "updated": timestamp(self.time, epoch),
            "lifecycle:event": {
                "time": self.time,
                "operation": self.operation,
                "kind": self.kind,
                "from": {
                    "vm_state": None if before_vm is None else before_vm.value,
                    "task_state": None if before_task is None else before_task.value,
                },
            },
        }

    def __str__(self) -> str:
        before = "-" if self.before is None else pair_name(self.before)
        status = "-" if self.status is None else self.status.value
        return (
            f"t={self.time:>9.1f}s {self.name} {self.operation} ({self.kind}): "
            f"{before} -> {pair_name(self.after)} [{status}, power={int(self.power_state)}]"
        )


def timestamp(seconds: float, epoch: datetime.datetime = EPOCH) -> str:
    """``epoch + seconds`` as the API writes it (``2026-01-01T00:00:30Z``; fractions kept when present)."""
    moment = epoch + datetime.timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


_Record = tuple[float, "Server", str, str, int, int]


class EventLog:
    """Every change of a fleet's servers, in the order they happened.

    Iterating gives :class:`Event` records; ``log[i]`` and ``len(log)`` work as on
    a list. Appends are thread-safe.

    Args:
        enabled: record changes (a fleet built for a memory benchmark may not).
        epoch: the wall-clock time of simulated time 0 in exports.
    """

    __slots__ = ("_lock", "_records", "enabled", "epoch")

    def __init__(self, *, enabled: bool = True, epoch: datetime.datetime = EPOCH) -> None:
        self.enabled = enabled
        self.epoch = epoch
        self._records: list[_Record] = []
        self._lock = threading.Lock()

    def record(self, time: float, server: Server, operation: str, kind: str, before: int, after: int) -> None:
        """Append one change (``before`` is -1 for a server appearing); used by the fleet."""
        if self.enabled:
            self._records.append((time, server, operation, kind, before, after))

    def _event(self, record: _Record) -> Event:
        time, server, operation, kind, before, after = record
        nodes = server.table.nodes
        vm, task, power, _ = nodes[after]
        before_pair: Pair | None = None
        if before >= 0:
            before_vm, before_task, _, _ = nodes[before]
            before_pair = (before_vm, before_task)
        status = None if vm is None else server.dialect.status(vm, task)
        return Event(time, server.id, server.name, operation, kind, before_pair, (vm, task), power, status)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Event]:
        for record in list(self._records):
            yield self._event(record)

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...
    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self._event(r) for r in self._records[index]]
        return self._event(self._records[index])

    def for_server(self, server: Server | str) -> list[Event]:
        """The events of one server (by object, id or name), oldest first."""
        if isinstance(server, str):
            return [self._event(r) for r in list(self._records) if server in (r[1].id, r[1].name)]
        return [self._event(r) for r in list(self._records) if r[1] is server]

    def clear(self) -> None:
        """Forget every recorded event."""
        self._records.clear()

    def snapshots(self) -> list[dict[str, Any]]:
        """Every event as a Compute API server snapshot (see :meth:`Event.snapshot`)."""
        return [event.snapshot(self.epoch) for event in self]

    def to_jsonl(self) -> str:
        """The log as JSON Lines, one snapshot per line, in the shape :func:`lifecycle.check_trace` reads."""
        return "".join(json.dumps(snap, separators=(",", ":")) + "\n" for snap in self.snapshots())

    def write_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Write :meth:`to_jsonl` to ``path``; returns the number of lines."""
        text = self.to_jsonl()
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return text.count("\n")

    def __repr__(self) -> str:
        return f"<EventLog {len(self._records)} events>"
