"""The state behind the fake API, and the handle tests drive it with.

Each server is a :class:`~lifecycle.server.Server` (the FSM) plus the data the
API shows about it (name, flavor, image, timestamps) in a :class:`Record`. Every
change of one server happens under that server's lock, so concurrent requests
on one server serialise exactly as Nova's database compare-and-swap of
``task_state`` does: one of two concurrent reboots wins, the other gets 409.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from lifecycle.api.errors import ApiError, not_found
from lifecycle.api.flavors import DEFAULT_FLAVORS, Flavor
from lifecycle.server import Server
from lifecycle.settings import Settings
from lifecycle.states import PowerState, TaskState, VmState

__all__ = ["PACES", "Cloud", "Record"]

PACES = ("instant", "manual")
"""How task steps advance: ``instant`` takes one step each time a server is read,
``manual`` only on :meth:`Cloud.advance`."""


def now() -> datetime.datetime:
    """The current UTC time (the API's timestamps)."""
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(eq=False)
class Record:
    """One server as the API knows it: the model plus what the API shows about it."""

    server: Server
    flavor: Flavor
    image_id: str = ""
    networks: Any = "none"
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    created: datetime.datetime = dataclasses.field(default_factory=now)
    updated: datetime.datetime = dataclasses.field(default_factory=now)
    launched_at: datetime.datetime | None = None
    admin_pass: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(9))
    key_name: str | None = None
    description: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    access_ipv4: str = ""
    access_ipv6: str = ""
    availability_zone: str = "nova"
    config_drive: str = ""
    locked_reason: str | None = None
    fault: dict[str, Any] | None = None
    index: int = 0
    operation: str | None = None
    """The operation whose task is running (for failure injection and flavor bookkeeping)."""
    steps: int = 0
    """Steps taken by :attr:`operation` so far."""
    new_flavor: Flavor | None = None
    old_flavor: Flavor | None = None
    fail_at: dict[str, int] = dataclasses.field(default_factory=dict)
    """Injected failures: operation name -> the step at which its next run fails."""
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock, repr=False)

    @property
    def id(self) -> str:
        """The server's UUID."""
        return self.server.id

    @property
    def gone(self) -> bool:
        """The server reached DELETED: Nova has destroyed the row, the API answers 404."""
        return self.server.vm_state is VmState.DELETED


class Cloud:
    """The servers and flavors behind one fake Compute endpoint; the control handle of tests.

    Args:
        pace: ``"instant"`` (each read of a server takes one step of its task) or
            ``"manual"`` (steps are taken only by :meth:`advance`).
        settings: cloud options (:class:`~lifecycle.settings.Settings`), e.g.
            ``reclaim_instance_interval=3600`` makes DELETE a soft delete.
        flavors: the flavors offered (DevStack's by default).
    """

    def __init__(
        self,
        *,
        pace: str = "instant",
        settings: Settings | None = None,
        flavors: Iterable[Flavor] = DEFAULT_FLAVORS,
        **options: Any,
    ) -> None:
        if pace not in PACES:
            raise ValueError(f"unknown pace {pace!r}; valid choices: {', '.join(PACES)}")
        self.pace = pace
        self.settings = Settings.from_kwargs(settings, **options)
        self.flavors: dict[str, Flavor] = {f.id: f for f in flavors}
        self._records: dict[str, Record] = {}
        self._lock = threading.Lock()
        self._counter = 0

    # -- lookup -------------------------------------------------------------
    def flavor(self, ref: str) -> Flavor:
        """The flavor with id ``ref`` (a flavor URL's last segment also works).

        Raises:
            ApiError: 404 when there is none.
        """
        key = str(ref).rstrip("/").rsplit("/", 1)[-1]
        found = self.flavors.get(key)
        if found is None:
            raise not_found(f"Flavor {key} could not be found.")
        return found

    def record(self, server_id: str) -> Record:
        """The record of a live server.

        Raises:
            ApiError: 404 itemNotFound, worded as Nova's ``InstanceNotFound``.
        """
        found = self._records.get(server_id)
        if found is None or found.gone:
            raise not_found(f"Instance {server_id} could not be found.")
        return found

    def records(self) -> list[Record]:
        """Every live server, newest first (Nova's default sort: created_at desc)."""
        with self._lock:
            found = list(self._records.values())
        return sorted((r for r in found if not r.gone), key=lambda r: r.index, reverse=True)

    def server(self, server_id: str) -> Server:
        """The model of a server, to inspect (``.status``, ``.pair``) or drive directly."""
        return self.record(server_id).server

    def __iter__(self) -> Iterator[Server]:
        return iter([r.server for r in self.records()])

    def __len__(self) -> int:
        return len(self.records())

    # -- changes ------------------------------------------------------------
    def add(self, record: Record) -> Record:
        """Register a new server."""
        with self._lock:
            if record.id in self._records:
                raise ApiError(409, f"Instance {record.id} already exists.")
            self._counter += 1
            record.index = self._counter
            self._records[record.id] = record
        return record

    def new_record(self, *, name: str, flavor: Flavor, server_id: str | None = None, **fields: Any) -> Record:
        """A record for a server not created yet (vm_state None), following this cloud's settings."""
        server = Server(id=server_id or str(uuid.uuid4()), name=name, history=False, settings=self.settings)
        return Record(server=server, flavor=flavor, **fields)

    def perform(self, record: Record, operation: str, *, new_flavor: Flavor | None = None) -> None:
        """Request ``operation`` on a server (under its lock); raises the model's errors.

        ``new_flavor`` is the flavor a resize switches to once it reaches VERIFY_RESIZE.
        """
        with record.lock:
            record.server.perform(operation)
            record.operation, record.steps, record.new_flavor = operation, 0, new_flavor
            self._sync(record)

    def observe(self, record: Record) -> Record:
        """A client reads the server: in ``instant`` pace it takes one step first.

        Raises:
            ApiError: 404 once the server is gone.
        """
        if self.pace == "instant" and record.server.busy:
            with record.lock:
                if record.server.busy:
                    self._step(record)
        if record.gone:
            self._forget(record)
            raise not_found(f"Instance {record.id} could not be found.")
        return record

    def advance(self, steps: int = 1, server_id: str | None = None) -> None:
        """Take ``steps`` steps of every running task (or of one server's)."""
        targets = [self.record(server_id)] if server_id is not None else self.records()
        for record in targets:
            with record.lock:
                for _ in range(steps):
                    if not record.server.busy:
                        break
                    self._step(record)
            if record.gone:
                self._forget(record)

    def settle(self, server_id: str | None = None) -> None:
        """Run every running task (or one server's) to its end."""
        self.advance(1_000, server_id)

    def fail_next(self, server_id: str, operation: str, at_step: int = 1) -> None:
        """Make the next run of ``operation`` on a server fail at step ``at_step`` (1 = the first step after the API's).

        The server then ends where Nova leaves it (ERROR, or the task cleared),
        with a ``fault`` in its body.
        """
        if at_step < 1:
            raise ValueError(f"at_step must be >= 1 (got {at_step})")
        record = self.record(server_id)
        record.server.operation(operation)  # names an unknown operation now, not at fail time
        with record.lock:
            record.fail_at[operation] = at_step

    def seed(
        self,
        vm_state: VmState | str = "active",
        task_state: TaskState | str | None = None,
        power_state: PowerState | int | str | None = None,
        *,
        name: str | None = None,
        server_id: str | None = None,
        flavor: str = "1",
        image: str = "cirros",
        locked: bool = False,
        launched: bool | None = None,
        **fields: Any,
    ) -> str:
        """Put a server straight into any state the model has; returns its id."""
        server = Server(
            vm_state,
            task_state,
            power_state,
            id=server_id,
            name=name,
            locked=locked,
            launched=launched,
            history=False,
            settings=self.settings,
        )
        record = Record(server=server, flavor=self.flavor(flavor), image_id=image, **fields)
        if server.launched:
            record.launched_at = record.created
        self.add(record)
        return server.id

    def reset_state(self, record: Record, vm_state: VmState | str) -> None:
        """Nova's ``os-resetState``: force ``vm_state``, clear the task, keep power and launch facts."""
        with record.lock:
            old = record.server
            record.server = Server(
                vm_state,
                None,
                old.power_state,
                id=old.id,
                name=old.name,
                locked=old.locked,
                launched=old.launched,
                history=False,
                settings=old.settings,
            )
            record.operation = None
            self._sync(record)

    def remove(self, server_id: str) -> None:
        """Drop a server without any lifecycle (as if the row vanished)."""
        with self._lock:
            self._records.pop(server_id, None)

    def reset(self) -> None:
        """Forget every server."""
        with self._lock:
            self._records.clear()

    # -- internals ----------------------------------------------------------
    def _forget(self, record: Record) -> None:
        with self._lock:
            if self._records.get(record.id) is record:
                del self._records[record.id]

    def _step(self, record: Record) -> None:
        """One step of the running task, or the injected failure when it is due."""
        record.steps += 1
        op = record.operation
        if op is not None and record.fail_at.get(op) == record.steps:
            del record.fail_at[op]
            record.server.fail()
            record.fault = {
                "code": 500,
                "created": _stamp(now()),
                "message": f"Injected failure of {op} at step {record.steps}",
            }
        else:
            record.server.advance()
        self._sync(record)

    def _sync(self, record: Record) -> None:
        """Bring the API's data in line with the model after a change."""
        server = record.server
        record.updated = now()
        if server.launched and record.launched_at is None:
            record.launched_at = record.updated
        if server.busy:
            return
        # The task ended: settle the flavor the way Nova's resize/confirm/revert do.
        op, record.operation = record.operation, None
        if server.vm_state is VmState.RESIZED and record.new_flavor is not None:
            record.old_flavor, record.flavor, record.new_flavor = record.flavor, record.new_flavor, None
        elif op == "revert_resize" and record.old_flavor is not None:
            record.flavor, record.old_flavor = record.old_flavor, None
        elif op == "confirm_resize":
            record.old_flavor = None
        elif op in ("resize", "migrate"):
            record.new_flavor = None  # failed or reverted before the switch


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
