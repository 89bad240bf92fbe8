"""A simulated fleet: many servers on one shared machine, driven by a clock.

A :class:`Fleet` holds servers of one dialect and settings. Each is a
:class:`FleetServer`: a :class:`~lifecycle.simulate.server.Server` (same attributes, same
``perform``/``may``/``allowed_operations``, same errors) whose changes go
through the fleet, so an accepted request does not finish at once: its task
steps are put on the fleet's timetable and taken when the clock reaches them.

Design, and why:

* **One machine, no per-server machinery.** Every server of a dialect and
  settings shares one `transitions` machine and its compiled table
  (:mod:`lifecycle.model.table`, derived by firing that machine). Servers are not
  ``add_model``-ed: the default decoration costs ~69 KiB per server and even
  ``model_override=True`` ~1 ms per server to add (numbers in
  ``docs/simulation.md``). By default the fleet takes each step through the
  compiled table (``engine="table"``); ``engine="machine"`` fires the machine
  itself on the server, as :class:`~lifecycle.simulate.server.Server` does, and gives
  the same event log, several times slower.
* **The fleet owns the timetable, the clock only tells time.** Due steps and
  periodic jobs sit in one heap. A :class:`~lifecycle.simulate.clock.VirtualClock` tells
  the fleet when it moves, so ``fleet.clock.advance(30)`` and then reading any
  server is already right; on other clocks the fleet catches up on every
  fleet call (:meth:`Fleet.tick`).
* **Check-and-set per server.** A change reads the server's state, checks the
  machine accepts the trigger there and writes the result under a lock striped
  by server, like Nova's ``instance.save(expected_task_state=...)``: of two
  concurrent requests on one server exactly one wins and the other gets
  :class:`~lifecycle.errors.InvalidStateError`. A scheduled step carries the
  identity of the run it belongs to and is dropped if the server moved on.

The class is assembled from parts, one module each: :class:`~lifecycle.simulate.timetable.FleetTimetable`
(the heap of due steps and jobs, and the time API), :class:`~lifecycle.simulate.faults.FleetFaults`
(injected failures), :class:`~lifecycle.simulate.periodic.FleetPeriodic` (Nova's periodic jobs) and
:class:`~lifecycle.simulate.events.FleetEvents` (the event log and listeners); this module keeps
the servers, the requests and the check-and-set that every change goes through.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from lifecycle.errors import (
    ArgumentTypeError,
    ArgumentValueError,
    InvalidStateError,
    LifecycleError,
    ServerNotFoundError,
    UnknownStateError,
)
from lifecycle.model.blueprint import ADVANCE, is_failure, pair_name
from lifecycle.model.nodes import name_list
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect, Operation, Pair
from lifecycle.model.states import PowerState, Status, TaskState, VmState
from lifecycle.model.status import parse_power_state, parse_status, parse_task_state, parse_vm_state
from lifecycle.model.table import Table, table_for
from lifecycle.simulate.clock import Clock, VirtualClock
from lifecycle.simulate.durations import DEFAULTS, Durations, DurationSpec
from lifecycle.simulate.events import Event, EventKind, EventLog, FleetEvents, _pending
from lifecycle.simulate.faults import Faults, FleetFaults, Plan
from lifecycle.simulate.periodic import FleetPeriodic, _interval
from lifecycle.simulate.server import Change, Server
from lifecycle.simulate.timetable import FleetTimetable, _Entry

__all__ = ["ApplyResult", "Fleet", "FleetServer"]

Engine = Literal["table", "machine"]


_STRIPES = 64


_GUEST_RUNNING = PowerState.RUNNING


class FleetServer(Server):
    """A :class:`~lifecycle.simulate.server.Server` that lives in a :class:`Fleet` and takes time.

    Requests (``srv.reboot()``, ``srv.perform("reboot")``) are checked and
    refused exactly as on a plain server; an accepted one starts its first task
    now and the rest follow on the fleet's clock. ``srv.advance()``,
    ``srv.settle()`` and ``srv.fail()`` act at once (the timetable follows).
    Made by :meth:`Fleet.create`, never directly.
    """

    __slots__ = ("_due", "_fleet", "_ix")

    _fleet: Fleet
    _due: _Entry | None
    _ix: int  # index in the fleet's ``_all`` (timetable entries and event records name servers by it)

    @property
    def fleet(self) -> Fleet:
        """The fleet this server belongs to."""
        return self._fleet

    @property
    def due(self) -> float | None:
        """When this server's next step or periodic job is due (None: nothing scheduled)."""
        entry = self._due
        return None if entry is None else entry[0]

    def _fire(self, trigger: str, then: tuple[str, ...] | None = None) -> bool:
        return self._fleet._fire_from_server(self, trigger, then)

    def __repr__(self) -> str:
        return "<Fleet" + super().__repr__()[1:]


@dataclasses.dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :meth:`Fleet.apply` did: the servers that accepted, and why the others refused.

    Attributes:
        accepted: servers whose request was accepted, in the order given.
        rejected: ``{server id: error}`` for the others (InvalidStateError,
            InstanceLockedError, ServerNotFoundError).
    """

    accepted: list[FleetServer]
    rejected: dict[str, LifecycleError]

    def __str__(self) -> str:
        return f"{len(self.accepted)} accepted, {len(self.rejected)} rejected"


class Fleet(FleetEvents, FleetFaults, FleetPeriodic, FleetTimetable):
    """Many simulated servers of one dialect, one shared machine and one clock.

    Args:
        dialect: ``"nova"`` (default), ``"huawei-ecs"`` or a :class:`~lifecycle.model.spec.Dialect`.
        clock: a :class:`~lifecycle.simulate.clock.VirtualClock` (default: a new one at 0) or
            any :class:`~lifecycle.simulate.clock.Clock`, such as a
            :class:`~lifecycle.simulate.clock.WallClock` for a fake API polled in real time.
        durations: step durations, a :class:`~lifecycle.simulate.durations.Durations` or
            overrides of the defaults (see :mod:`lifecycle.simulate.durations`).
        seed: seeds server ids, failure chances and jitter; the same seed and the
            same calls give the same run (None: different every time).
        sync_power_state_interval: seconds between runs of Nova's power-state
            sync (see :mod:`lifecycle.simulate.periodic`).
        history: keep each server's :attr:`~lifecycle.simulate.server.Server.history`.
        events: record the :attr:`events` log.
        engine: ``"table"`` (default) takes steps through the compiled table;
            ``"machine"`` fires the `transitions` machine for each.
        **settings: cloud options, see :class:`~lifecycle.model.settings.Settings`.

    Raises:
        UnknownDialectError / UnknownNameError / SettingTypeError: bad arguments.
    """

    def __init__(
        self,
        dialect: str | Dialect = "nova",
        *,
        clock: Clock | None = None,
        durations: Durations | DurationSpec | None = None,
        seed: int | str | None = None,
        sync_power_state_interval: float = 600.0,
        history: bool = True,
        events: bool = True,
        engine: Engine = "table",
        **settings: Any,
    ) -> None:
        self.table: Table = table_for(dialect, Settings.from_kwargs(None, **settings))
        self.dialect: Dialect = self.table.blueprint.dialect
        self.settings: Settings = self.table.blueprint.settings
        self.clock: Clock = VirtualClock() if clock is None else clock
        self.durations: Durations = (
            durations
            if isinstance(durations, Durations)
            else Durations(durations, operations=(*self.dialect.operation_map, *DEFAULTS))
        )
        self.durations.check_operations(tuple(self.dialect.operation_map))
        if engine not in ("table", "machine"):
            raise ArgumentValueError("engine", engine, "'table' or 'machine'")
        self.engine: Engine = engine
        self.seed = seed
        self.sync_power_state_interval = _interval(sync_power_state_interval)
        self.history = history
        self._all: list[FleetServer | None] = []  # every server created, by index (None: removed, log off)
        self.events = EventLog(enabled=events, servers=self._all)
        self.faults = Faults(random.Random(f"{seed}/faults") if seed is not None else random.Random())
        self._jitter_rng = random.Random(f"{seed}/jitter") if seed is not None else random.Random()
        self._id_rng = random.Random(f"{seed}/ids") if seed is not None else None

        self._servers: dict[str, FleetServer] = {}
        self._by_name: dict[str, FleetServer | None] = {}  # None: the name is shared by several
        self._index_lock = threading.Lock()
        self._stripes = tuple(threading.Lock() for _ in range(_STRIPES))
        self._heap: list[_Entry] = []
        self._heap_lock = threading.Lock()
        self._seq = itertools.count()
        self._tasks_pending = 0
        self._own_durations: dict[str, Durations] = {}
        self._seedable_pairs: dict[Table, frozenset[Pair]] = {}
        self._changes: dict[tuple[Table, str, int, int], Change] = {}
        self._step_ops: dict[Table, dict[tuple[VmState | None, TaskState | None], str]] = {}
        self._listeners: tuple[Callable[[Event], None], ...] = ()
        self._probe = Server(dialect=self.dialect, settings=self.settings, history=False)  # words errors
        if isinstance(self.clock, VirtualClock):
            self.clock.subscribe(self._on_clock)

    # -- building ---------------------------------------------------------
    def create(
        self,
        name: str | None = None,
        *,
        vm_state: VmState | str | None = None,
        task_state: TaskState | str | None = None,
        power_state: PowerState | int | str | None = None,
        id: str | None = None,  # noqa: A002 - the API's own field name
        durations: DurationSpec | None = None,
        **server_options: Any,
    ) -> FleetServer:
        """Add a server: booted through ``create`` (vm_state None), or seeded in any state.

        A server seeded in a task carries on with that task's remaining steps;
        one seeded at rest arms the periodic job of its state, if any.

        Args:
            name: its name (default: its id).
            vm_state / task_state / power_state: where it starts; None boots it
                through the ``create`` operation and its timed build steps.
            id: its id (default: a UUID4, seeded by the fleet's seed).
            durations: this server's own step durations, over the fleet's.
            **server_options: ``launched``, ``locked``, or settings of its own
                (``volume_backed=True``), see :class:`~lifecycle.simulate.server.Server`.

        Raises:
            UnknownStateError: a state name or pair the dialect does not have.
            ValueError: the id is already in the fleet.
        """
        for argument, value in (("name", name), ("id", id)):
            if value is not None and not isinstance(value, str):
                raise ArgumentTypeError(argument, value, "a str or None")
        if id is None:
            id = str(uuid.UUID(int=self._id_rng.getrandbits(128), version=4)) if self._id_rng else str(uuid.uuid4())  # noqa: A001
        if id in self._servers:
            raise ValueError(f"server id {id!r} is already in this fleet")
        own_settings = {k: server_options.pop(k) for k in list(server_options) if k in _SETTING_NAMES}
        server = FleetServer(
            vm_state,
            task_state,
            power_state,
            dialect=self.dialect,
            id=id,
            name=name,
            history=self.history,
            settings=self.settings,
            **own_settings,
            **server_options,
        )
        if vm_state is not None and server.pair not in self._seedable(server.table):
            raise ArgumentValueError(
                "vm_state/task_state",
                f"{pair_name(server.pair)}",
                f"a state the {self.dialect.name} model reaches under {server.settings}, so that check_trace "
                "accepts it; at rest: "
                + ", ".join(sorted(pair_name(p) for p in self._seedable(server.table) if p[1] is None and p[0])),
            )
        server._fleet = self
        server._due = None
        if durations is not None:
            own = self.durations.override(durations, operations=(*self.dialect.operation_map, *DEFAULTS))
            self._own_durations[id] = own
        with self._index_lock:
            if id in self._servers:
                raise ValueError(f"server id {id!r} is already in this fleet")
            self._servers[id] = server
            server._ix = len(self._all)
            self._all.append(server)
            if name is not None and name != id:
                self._by_name[name] = None if name in self._by_name else server
        now = self.clock.now()
        if vm_state is None:
            self._transition(server, "create", now, "request", "create", step=0)
        else:
            with self._lock_of(server):
                node = server.node
                self._log(server, "create", "create", -1, node, now)
                if ADVANCE in server.table.step_row(node):
                    self._schedule_step(server, node, now, self._step_operation(server), 0, None)
                else:
                    self._arm_periodic(server, now)
            self._notify()
        self._run_due(now)
        return server

    def create_many(self, count: int, *, prefix: str | None = None, **options: Any) -> list[FleetServer]:
        """``count`` servers made by :meth:`create` with the same options (named ``prefix-0``... if given)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ArgumentTypeError("count", count, "an int >= 0")
        return [self.create(None if prefix is None else f"{prefix}-{i}", **options) for i in range(count)]

    # -- reading ----------------------------------------------------------
    def get(self, id_or_name: str) -> FleetServer:
        """The server with this id, or else this name.

        Raises:
            ServerNotFoundError: no such server (or a name several servers share).
        """
        key: object = id_or_name  # callers without type checking pass None or ints
        if not isinstance(key, str):
            raise ServerNotFoundError(key, known=len(self._servers))
        self.tick()
        found = self._servers.get(id_or_name)
        if found is None:
            found = self._by_name.get(id_or_name)
        if found is None:
            raise self._not_found(id_or_name)
        return found

    def _not_found(self, key: str) -> ServerNotFoundError:
        if key in self._by_name:
            shared = [s.id for s in self._servers.values() if s.name == key]
            return ServerNotFoundError(key, known=len(self._servers), ambiguous=shared)
        names = [*self._by_name, *self._servers]
        return ServerNotFoundError(key, known=len(self._servers), suggestions=difflib.get_close_matches(key, names, 3))

    def servers(
        self, status: Status | str | None = None, *, vm_state: VmState | str | None = None
    ) -> list[FleetServer]:
        """The servers, in creation order, optionally only those showing ``status`` / in ``vm_state``.

        Raises:
            UnknownStateError: ``status`` or ``vm_state`` is not a known name.
        """
        self.tick()
        servers = list(self._servers.values())
        if status is not None:
            wanted = parse_status(status)
            servers = [s for s in servers if s.status is wanted]
        if vm_state is not None:
            vm = parse_vm_state(vm_state)
            servers = [s for s in servers if s.vm_state is vm]
        return servers

    def status_counts(self) -> dict[str, int]:
        """How many servers show each status (``"-"`` for one not created yet), most common first."""
        self.tick()
        counts = Counter("-" if s.status is None else s.status.value for s in self._servers.values())
        return dict(counts.most_common())

    def __len__(self) -> int:
        return len(self._servers)

    def __iter__(self) -> Iterator[FleetServer]:
        return iter(self.servers())

    def __contains__(self, item: object) -> bool:
        if isinstance(item, FleetServer):
            return self._servers.get(item.id) is item
        return isinstance(item, str) and (item in self._servers or self._by_name.get(item) is not None)

    @property
    def now(self) -> float:
        """The clock's time."""
        return self.clock.now()

    # -- acting -----------------------------------------------------------
    def perform(self, server: FleetServer | str, operation: str) -> None:
        """Request ``operation`` on a server; its first task starts now, the rest on the clock.

        Raises:
            InvalidStateError / InstanceLockedError: refused, exactly as :meth:`Server.perform`.
            UnsupportedOperationError / UnknownOperationError: no such operation here.
            ServerNotFoundError: no such server.
        """
        self._resolve(server).perform(operation)

    def apply(self, operation: str, servers: Iterable[FleetServer | str] | None = None) -> ApplyResult:
        """Request ``operation`` on many servers (default: all); refusals are collected, not raised.

        Raises:
            UnsupportedOperationError / UnknownOperationError: no such operation
                here (raised once, before any server is touched).
            ArgumentTypeError (a TypeError): ``servers`` is not a list (a lone
                id such as ``"web"`` is refused, not split into letters).
        """
        self._check_operation(operation)
        accepted: list[FleetServer] = []
        rejected: dict[str, LifecycleError] = {}
        expected = "a list of server ids, names or FleetServer objects"
        for item in self.servers() if servers is None else name_list(servers, "servers", expected):
            try:
                server = self._resolve(item)
                server.perform(operation)
            except (InvalidStateError, ServerNotFoundError) as exc:
                rejected[item.id if isinstance(item, FleetServer) else str(item)] = exc
            else:
                accepted.append(server)
        return ApplyResult(accepted, rejected)

    def set_state(
        self,
        server: FleetServer | str,
        vm_state: VmState | str,
        task_state: TaskState | str | None = None,
        power_state: PowerState | int | str | None = None,
        *,
        run_task: bool = False,
    ) -> None:
        """Force a server into a state, like Nova's ``os-resetState`` (no check, cancels its run).

        Args:
            vm_state / task_state / power_state: the new state (power defaults to
                the vm_state's nominal one).
            run_task: when ``task_state`` is a task, carry on with its remaining
                steps; by default nothing runs it, so the server stays stuck
                in it, as after a reset in Nova's database.

        Raises:
            UnknownStateError: a name or pair the dialect does not have.
        """
        target = self._resolve(server)
        vm = parse_vm_state(vm_state)
        task = parse_task_state(task_state)
        table = target.table
        if pair_name((vm, task)) not in table._pair_by_name:
            known = [pair_name(p) for p in table.blueprint.pairs if p[0] == vm]
            raise UnknownStateError(f"pair for dialect {self.dialect.name!r}", pair_name((vm, task)), known)
        power = None if power_state is None else parse_power_state(power_state)
        now = self.clock.now()
        self.tick()
        with self._lock_of(target):
            before = target.node
            node = table.node_for((vm, task), power, target.launched or vm not in (VmState.BUILDING,))
            self._write(target, "reset_state", before, node, now, "reset", "reset_state")
            target.pending = ()  # a reset abandons the rest of a composite request
            self._set_due(target, None)
            if run_task and ADVANCE in table.step_row(node):
                self._schedule_step(target, node, now, self._step_operation(target), 0, None)
            else:
                self._arm_periodic(target, now)
        self._notify()

    def guest_shutdown(self, server: FleetServer | str, *, crashed: bool = False) -> None:
        """The guest powers itself off (or crashes): power_state changes now, the vm_state later.

        Nova notices at its next power-state sync and stops an ACTIVE server
        (:mod:`lifecycle.simulate.periodic`); until then it shows ACTIVE with power 4.

        A paused guest may shut down too (Nova then force-stops the PAUSED server).

        Raises:
            InvalidStateError: the guest is not running (power_state is not RUNNING or PAUSED).
        """
        target = self._resolve(server)
        if target.power_state not in (_GUEST_RUNNING, PowerState.PAUSED):
            raise InvalidStateError(
                f"Server {target.id} has no running guest to shut down "
                f"(power_state {int(target.power_state)} {target.power_state.label})",
                operation="guest_shutdown",
                server_id=target.id,
                vm_state=None if target.vm_state is None else target.vm_state.value,
                task_state=None if target.task_state is None else target.task_state.value,
                attr="power_state",
                state=target.power_state.label,
                allowed=target.allowed_operations(),
            )
        self.guest_power(target, PowerState.CRASHED if crashed else PowerState.SHUTDOWN)

    def guest_power(self, server: FleetServer | str, power_state: PowerState | int | str) -> None:
        """The hypervisor now reports ``power_state`` for the guest (started, paused, suspended behind Nova's back).

        Nothing else changes until Nova's power-state sync runs and answers
        per ``_sync_instance_power_state`` (:mod:`lifecycle.simulate.periodic`): a
        STOPPED server whose guest runs is force-stopped, for example.

        Raises:
            UnknownStateError: not a power state.
        """
        target = self._resolve(server)
        power = parse_power_state(power_state)
        now = self.clock.now()
        self.tick()
        with self._lock_of(target):
            before = target.node
            node = target.table.node_id((target.vm_state, target.task_state, power, target.launched))
            self._write(target, "guest_power", before, node, now, "guest", "guest_power")
            if target.task_state is None:
                self._set_due(target, None)
                self._arm_periodic(target, now)
        self._notify()

    def remove(self, server: FleetServer | str) -> FleetServer:
        """Take a server out of the fleet (its scheduled steps are dropped; its events stay logged).

        Raises:
            ServerNotFoundError: no such server.
        """
        target = self._resolve(server)
        with self._lock_of(target):
            self._set_due(target, None)
        with self._index_lock:
            self._servers.pop(target.id, None)
            if self._by_name.get(target.name) is target:
                del self._by_name[target.name]
            self._own_durations.pop(target.id, None)
            if not self.events.enabled and not len(self.events):  # the log names it by index; if none, let go
                self._all[target._ix] = None
        return target

    def purge_deleted(self) -> list[FleetServer]:
        """Remove every DELETED server (the API answers 404 for them); returns them."""
        gone = [s for s in self.servers() if s.vm_state is VmState.DELETED]
        for server in gone:
            self.remove(server)
        return gone

    # -- internals: changes -----------------------------------------------
    def _lock_of(self, server: FleetServer) -> threading.Lock:
        return self._stripes[(id(server) >> 4) % _STRIPES]

    def _resolve(self, server: FleetServer | str) -> FleetServer:
        if isinstance(server, FleetServer):
            if server._fleet is not self or self._servers.get(server.id) is not server:
                raise self._not_found(server.id)
            return server
        return self.get(server)

    def _seedable(self, table: Table) -> frozenset[Pair]:
        """The (vm_state, task_state) pairs a server reaches from ``create`` under the table's settings.

        The same universe :func:`~lifecycle.validate.trace.check_trace` judges against:
        seeding outside it (SOFT_DELETED with ``reclaim_instance_interval=0``,
        SHELVED for a volume-backed server, Huawei's SHELVED) would start a
        server in a state the fleet's own checker then rejects.
        """
        found = self._seedable_pairs.get(table)
        if found is None:
            nodes = table.explore([table.node_for((None, None))])
            found = self._seedable_pairs[table] = frozenset(table.nodes[n][:2] for n in nodes)
        return found

    def _check_operation(self, operation: str) -> Operation:
        return self._probe.operation(operation)

    def _step_operation(self, server: FleetServer) -> str:
        """The operation a server seeded (or reset) in a task is running, from the blueprint."""
        table = server.table
        ops = self._step_ops.get(table)
        if ops is None:
            ops = {}
            for edge in table.blueprint.edges:
                if edge.kind == "step":
                    ops.setdefault(edge.source, edge.operation)
            self._step_ops[table] = ops
        return ops.get(server.pair, "unknown")

    def _fire_from_server(self, server: FleetServer, trigger: str, then: tuple[str, ...] | None = None) -> bool:
        """A trigger fired by the server's own methods (perform, advance, settle, fail)."""
        now = self.clock.now()
        if self._due_by(now):
            self._run_due(now)
        if trigger == ADVANCE or is_failure(trigger):
            entry = server._due
            plan: tuple[Plan, str | None] | None = None
            if entry is not None and entry[4] >= 0:
                operation, step, plan = entry[3], entry[4] + 1, entry[5]
            else:
                operation, step = self._step_operation(server), 0
            kind: EventKind = "step" if trigger == ADVANCE else "failure"
            return self._transition(server, trigger, now, kind, operation, step=step, plan=plan) is not None
        accepted = self._transition(server, trigger, now, "request", trigger, step=0, then=then) is not None
        if accepted and self._due_by(now):
            self._run_due(now)  # steps that last 0 s happen now
        return accepted

    def _transition(
        self,
        server: FleetServer,
        trigger: str,
        now: float,
        kind: EventKind,
        operation: str,
        *,
        step: int,
        expect: _Entry | None = None,
        plan: tuple[Plan, str | None] | None = None,
        then: tuple[str, ...] | None = None,
    ) -> int | None:
        """Check-and-set one trigger on one server; schedule what follows. None if refused or stale.

        When a task ends and the server has ``pending`` parts of a composite
        request (an operation's ``then``), the cloud requests the next part at
        that same time, so the composite runs on the clock like any task.
        """
        follow = False
        with self._stripes[(id(server) >> 4) % _STRIPES]:  # self._lock_of(server), inlined: the hot path
            if expect is not None and server._due is not expect:
                return None
            table = server.table
            before = table.index.get((server.vm_state, server.task_state, server.power_state, server.launched))
            if before is None:
                before = server.node  # a node not interned yet
            if self.engine == "machine":
                if not Server._fire(server, trigger):
                    return None
                after = server.node
                self._log(server, operation, kind, before, after, now)
            else:
                row = table.step_rows[before]
                after_or_none = (row if row is not None else table.step_row(before)).get(trigger)
                if after_or_none is None:
                    return None
                after = after_or_none
                self._write(server, trigger, before, after, now, kind, operation)
                if kind == "failure":
                    b_vm, b_task, _, _ = table.nodes[before]
                    server.note_failure(trigger, (b_vm, b_task))
            if then is not None:
                server.pending = then  # with the check-and-set, so a refused rival cannot undo it
            due = server._due
            row = table.step_rows[after]
            if kind == "request" and after == before and due is not None and due[4] >= 0:
                pass  # a repeated request Nova ignores (delete while deleting): the run goes on as planned
            elif ADVANCE in (row if row is not None else table.step_row(after)):
                if kind in ("request", "periodic", "failure"):
                    # a failure that leaves a task running is a retry (a reschedule): a new run
                    plan = self.faults.plan(operation, server.id)
                self._schedule_step(server, after, now, operation, step, plan)
            else:
                if kind in ("request", "periodic"):  # a run with no task still was the next run
                    self.faults.plan(operation, server.id, has_task=False)
                self._set_due(server, None)
                if kind in ("failure", "reset", "periodic"):
                    server.pending = ()  # a failed or interrupted composite ends here
                follow = bool(server.pending)
                if not follow:
                    self._arm_periodic(server, now)
        if self._listeners and _pending.changes:
            self._notify()
        if follow:
            self._request_next(server, now)
        return after

    def _request_next(self, server: FleetServer, when: float) -> bool | None:
        """The cloud's own next request of a composite, stamped with the time the part before it ended.

        Stamped with that step's time, not the clock's (which may have jumped
        past it), so a composite takes the same time however the clock moves;
        the lock is not checked, since the cloud asks. Returns None when there
        is nothing to request (yet), else whether the request was accepted; a
        listener (the job service) may make it first, then this finds nothing.
        """
        with self._lock_of(server):
            if not server.pending or server.busy:
                return None
            name, server.pending = server.pending[0], server.pending[1:]
        if self._transition(server, name, when, "request", name, step=0) is None:
            with self._lock_of(server):
                server.pending = ()
                self._arm_periodic(server, when)
            return False
        return True

    def _write(
        self, server: FleetServer, trigger: str, before: int, after: int, now: float, kind: str, operation: str
    ) -> None:
        """Write node ``after`` into the server's fields, with history and event (lock held)."""
        table = server.table
        server.vm_state, server.task_state, server.power_state, server.launched = table.nodes[after]
        if server.history is not None:
            key = (table, trigger, before, after)
            change = self._changes.get(key)
            if change is None:
                b_vm, b_task, _, _ = table.nodes[before]
                change = self._changes[key] = Change(trigger, (b_vm, b_task), server.pair, server.power_state)
            server.history.append(change)
        self.events.record_index(now, server._ix, operation, kind, before, after)  # self._log, inlined
        if self._listeners:
            _pending.changes.append((now, server, operation, kind, before, after))

    def __repr__(self) -> str:
        return (
            f"<Fleet {self.dialect.name} {len(self._servers)} servers t={self.clock.now():g}s "
            f"{self._tasks_pending} running>"
        )


_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(Settings))
