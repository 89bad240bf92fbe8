"""The event log of a simulated fleet: every change of every server, in order.

Each change is kept as one packed 24-byte row of a bytearray (the time; then the
server's index, operation and kind, node before, node after as four ints), nodes being the compiled
table's ints: 24 bytes a change and no object per change for the garbage
collector to track, so a fleet of 100,000 servers can log campaigns without its
log dominating memory or time. Readable :class:`Event` records and JSON are made
on demand.

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
import struct
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, overload

from lifecycle.model.blueprint import ADVANCE, pair_name
from lifecycle.model.spec import Pair
from lifecycle.model.states import PowerState, Status

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import FleetServer
    from lifecycle.simulate.server import Server

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
        done: no task step is left after this change: the server is at rest
            (the run succeeded or failed, or the request completed at once).
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
    done: bool = True

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
_ROW = struct.Struct("<d4i")  # 24 bytes, no padding


class EventLog:
    """Every change of a fleet's servers, in the order they happened.

    Iterating gives :class:`Event` records; ``log[i]`` and ``len(log)`` work as on
    a list. Appends are thread-safe.

    Args:
        enabled: record changes (a fleet built for a memory benchmark may not).
        epoch: the wall-clock time of simulated time 0 in exports.
    """

    __slots__ = ("_codes", "_ix_of", "_lock", "_names", "_rows_buf", "_servers", "enabled", "epoch")

    def __init__(
        self, *, enabled: bool = True, epoch: datetime.datetime = EPOCH, servers: list[Any] | None = None
    ) -> None:
        self.enabled = enabled
        self.epoch = epoch
        self._servers: list[Any] = [] if servers is None else servers  # a fleet shares its list of servers
        self._ix_of: dict[int, int] = {}  # id(server) -> index, for servers recorded by object
        self._rows_buf = bytearray()  # _ROW per change: time, server index, code in _names, node before, after
        self._names: list[tuple[str, str]] = []
        self._codes: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def record(self, time: float, server: Server, operation: str, kind: str, before: int, after: int) -> None:
        """Append one change (``before`` is -1 for a server appearing)."""
        if self.enabled:
            with self._lock:
                ix = self._ix_of.get(id(server))
                if ix is None or self._servers[ix] is not server:
                    ix = self._ix_of[id(server)] = len(self._servers)
                    self._servers.append(server)
            self.record_index(time, ix, operation, kind, before, after)

    def record_index(self, time: float, server: int, operation: str, kind: str, before: int, after: int) -> None:
        """Append one change of the server at index ``server`` of the shared server list (the fleet's path)."""
        if self.enabled:
            codes = self._codes.get(kind)
            code = None if codes is None else codes.get(operation)
            if code is None:
                code = self._intern(operation, kind)
            self._rows_buf.extend(_ROW.pack(time, server, code, before, after))  # one C call: threads cannot interleave

    def _intern(self, operation: str, kind: str) -> int:
        with self._lock:
            codes = self._codes.setdefault(kind, {})
            code = codes.get(operation)
            if code is None:
                self._names.append((operation, kind))
                code = codes[operation] = len(self._names) - 1
            return code

    def _record(self, i: int) -> _Record:
        """Row ``i`` as a raw record ``(time, server, operation, kind, node before, node after)``."""
        time, server, code, before, after = _ROW.unpack_from(self._rows_buf, i * _ROW.size)
        operation, kind = self._names[code]
        return (time, self._servers[server], operation, kind, before, after)

    def _rows(self, index: slice = slice(None)) -> range:
        return range(len(self))[index]

    def make(self, record: _Record) -> Event:
        """The :class:`Event` of one raw record ``(time, server, operation, kind, node before, node after)``."""
        time, server, operation, kind, before, after = record
        table = server.table
        nodes = table.nodes
        vm, task, power, _ = nodes[after]
        before_pair: Pair | None = None
        if before >= 0:
            before_vm, before_task, _, _ = nodes[before]
            before_pair = (before_vm, before_task)
        status = None if vm is None else server.dialect.status(vm, task)
        done = ADVANCE not in table.step_row(after)
        return Event(time, server.id, server.name, operation, kind, before_pair, (vm, task), power, status, done)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._rows_buf) // _ROW.size

    def __iter__(self) -> Iterator[Event]:
        for i in self._rows():
            yield self.make(self._record(i))

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...
    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self.make(self._record(i)) for i in self._rows(index)]
        return self.make(self._record(self._rows()[index]))

    def for_server(self, server: Server | str) -> list[Event]:
        """The events of one server (by object, id or name), oldest first."""
        servers = self._servers
        if isinstance(server, str):
            wanted = {i for i, s in enumerate(list(servers)) if s is not None and server in (s.id, s.name)}
        else:
            wanted = {i for i, s in enumerate(list(servers)) if s is server}
        rows = _ROW.iter_unpack(bytes(self._rows_buf))
        return [self.make(self._record(i)) for i, row in enumerate(rows) if row[1] in wanted]

    def clear(self) -> None:
        """Forget every recorded event."""
        with self._lock:
            del self._rows_buf[:]

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
        return f"<EventLog {len(self)} events>"


class _Pending(threading.local):
    """Changes this thread wrote under a lock, to tell the listeners once the lock is released."""

    def __init__(self) -> None:
        self.changes: list[tuple[float, FleetServer, str, str, int, int]] = []


_pending = _Pending()


class FleetEvents:
    """The part of :class:`~lifecycle.simulate.fleet.Fleet` that records changes and tells listeners.

    Every change goes to the fleet's :class:`EventLog`; with listeners, it is
    also queued per thread under the server's lock and told (``_notify``) once
    the lock is released, so a listener may act on the fleet.
    """

    if TYPE_CHECKING:  # the rest of the fleet, as this part uses it
        events: EventLog
        _index_lock: threading.Lock
        _listeners: tuple[Callable[[Event], None], ...]

    def listen(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` after every change of every server; returns a function that stops it.

        Called in the thread that made the change, after it is written and its
        next step scheduled, outside the fleet's locks (the callback may act on
        the fleet). A fake API or a job tracker can follow runs this way:
        ``event.done`` tells that the run has no step left.
        """
        with self._index_lock:
            self._listeners = (*self._listeners, callback)

        def stop() -> None:
            with self._index_lock:
                self._listeners = tuple(c for c in self._listeners if c is not callback)

        return stop

    def _log(self, server: FleetServer, operation: str, kind: str, before: int, after: int, now: float) -> None:
        self.events.record_index(now, server._ix, operation, kind, before, after)
        if self._listeners:
            _pending.changes.append((now, server, operation, kind, before, after))

    def _notify(self) -> None:
        """Tell the listeners about the changes this thread made (called with no lock held)."""
        changes = _pending.changes
        while changes:
            event = self.events.make(changes.pop(0))
            for callback in self._listeners:
                callback(event)
