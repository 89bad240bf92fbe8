"""The state behind the fake API, and the handle tests drive it with.

The servers live in a :class:`~lifecycle.simulate.fleet.Fleet`, which owns time: an
accepted request starts its first task now and the fleet takes the other steps
when its clock reaches them. A :class:`Record` adds what the API shows about a
server beyond its state (name, flavor, image, timestamps). The pace decides
how the clock moves:

* ``instant`` (default): a virtual clock that moves when clients look. Each
  successful read of a busy server (its GET, or a listing that shows it)
  renders it, then moves the clock to that server's next step, so every GET
  shows the next state and polling loops finish at once. Nothing else moves
  time: a refused (409) request does not, or concurrent conflicting requests
  would see the task end between them and be accepted again. Retry loops
  poll with GET between attempts, as every real client's waiter does.
* ``manual``: a virtual clock that moves only on :meth:`Cloud.advance`.
* ``wall``: real time, with Nova-shaped but short durations (a boot ~2 s).

**One store, a fleet per dialect.** Each server is a server of one dialect:
the Compute API creates ``nova`` servers (the Cloud's ``dialect``), the Huawei
ECS API (:mod:`lifecycle.api.ecs`) creates ``huawei-ecs`` servers. Each dialect
has its own :class:`~lifecycle.simulate.fleet.Fleet` (a fleet runs one dialect's
machine), all on the Cloud's one clock, and every server has a
:class:`Record` in the one store, so every API lists and shows every server,
with the status its own dialect derives. :meth:`Cloud.fleet_for` gives a
dialect's fleet.

Concurrent requests on one server serialise in the fleet's check-and-set, as
Nova's ``instance.save(expected_task_state=...)`` does: of two concurrent
reboots one wins and the other gets 409. API-side bookkeeping of a server is
done under its record's lock.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from lifecycle.api.accounts import Accounts
from lifecycle.api.context import DEFAULT_PROJECT, DEFAULT_USER
from lifecycle.api.errors import ApiError, not_found
from lifecycle.api.flavors import DEFAULT_FLAVORS, Flavor
from lifecycle.api.hosts import DEFAULT_HOSTS, Host
from lifecycle.api.images import CIRROS_ID, Images
from lifecycle.api.networks import Networks, Port
from lifecycle.api.quota_config import quota_config
from lifecycle.errors import LifecycleError, RequestRefusedError
from lifecycle.model.states import PowerState, TaskState, VmState
from lifecycle.model.table import table_for
from lifecycle.simulate.clock import Clock, VirtualClock, WallClock
from lifecycle.simulate.durations import Durations, DurationSpec
from lifecycle.simulate.events import Event
from lifecycle.simulate.faults import FaultRule
from lifecycle.simulate.fleet import Fleet, FleetServer
from lifecycle.simulate.server import has_host
from lifecycle.validate.notifications import NovaNotifier

if TYPE_CHECKING:
    from lifecycle.api.scheduler import Move

__all__ = ["PACES", "Cloud", "Record"]

PACES = ("instant", "manual", "wall")

_MOVES = frozenset({"resize", "migrate", "revert_resize", "confirm_resize", "live_migrate", "evacuate"})
"""Operations that move a server between hosts when they end."""
_SCHEDULED = frozenset({"resize", "migrate", "live_migrate", "evacuate", "unshelve"})
"""Operations whose conductor asks the scheduler for a host (unshelve: of an offloaded server only)."""
"""How task steps advance (see the module docstring)."""

WALL_SCALE = 0.05
"""Default scale of the fleet's durations at ``wall`` pace: a boot takes ~2 s, a resize ~4 s."""

DELETED_KEPT = 1000
"""How many deleted servers a cloud remembers."""

T = TypeVar("T")


def now() -> datetime.datetime:
    """The current UTC time (the API's timestamps)."""
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(eq=False)
class Record:
    """One server as the API knows it: the fleet's server plus what the API shows about it."""

    server: FleetServer
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
    disk_config: str = "MANUAL"
    """``OS-DCF:diskConfig`` (``instance.auto_disk_config``): set by create, update, rebuild and resize."""
    locked_reason: str | None = None
    locked_by: str | None = None
    """``owner`` or ``admin``: who locked it (an owner cannot lift an admin's lock)."""
    user_data: str | None = None
    pinned_az: str | None = None
    """The zone the request spec pins the server to (the one asked for at create; 2.96 shows it, 2.104 changes it)."""
    fault: dict[str, Any] | None = None
    index: int = 0
    operation: str | None = None
    """The last operation requested (names the fault, settles the flavor)."""
    new_flavor: Flavor | None = None
    old_flavor: Flavor | None = None
    seen: int = -1
    """The fleet node last synced into this record (a change of node bumps ``updated``)."""
    host: str | None = None
    """The compute host (``OS-EXT-SRV-ATTR:host``); None while scheduling, offloaded, or after a failed build."""
    source_host: str | None = None
    """Where a resize or migration came from, until it is confirmed or reverted."""
    target_host: str | None = None
    """The host a request asked for (evacuate, migrate, live-migrate with ``host``)."""
    move: str | None = None
    """A host-moving operation whose end has not been synced yet."""
    fault_seen: Any = None
    """The model's fault record last turned into :attr:`fault` (each failure once)."""
    reservation_id: str = ""
    """The create request's id, shared by the servers of one multi-create (``utils.generate_uid('r')``)."""
    launch_index: int = 0
    """The server's place in its multi-create (0 for the first)."""
    fault_reason: str | None = None
    """The reason the scheduler gave for a planned ``NoValidHost`` (``No valid host was found. <reason>``)."""
    unplaced: Move | None = None
    """The last scheduled move, if the scheduler found no host for it (its migration row ends ``error``)."""
    project_id: str = DEFAULT_PROJECT
    """The project that owns the server (the creator's); other projects get 404."""
    user_id: str = DEFAULT_USER
    ports: list[Port] = dataclasses.field(default_factory=list)
    """The server's ports (the Network service plugs them), in plug order."""
    hostname: str = ""
    """``instance.hostname``, set at create (:mod:`lifecycle.api.hostnames`); empty: derived from the name."""
    scheduler_hints: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    """The create request's ``os:scheduler_hints`` as the RequestSpec keeps them (:mod:`lifecycle.api.scheduler`)."""
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock, repr=False)

    @property
    def id(self) -> str:
        """The server's UUID."""
        return self.server.id

    host_status: str = "UP"
    """``host_status`` of its host (UP, DOWN, MAINTENANCE), kept by the cloud."""

    @property
    def gone(self) -> bool:
        """The server reached DELETED: Nova has destroyed the row, the API answers 404."""
        return self.server.vm_state is VmState.DELETED


class Cloud:
    """The servers and flavors behind one fake Compute endpoint; the control handle of tests.

    Args:
        pace: ``"instant"`` (default), ``"manual"`` or ``"wall"`` (see the module docstring).
        durations: step durations for the fleet (:mod:`lifecycle.simulate.durations`);
            at ``wall`` pace the defaults are scaled by :data:`WALL_SCALE`.
        speed: at ``wall`` pace, simulated seconds per real second.
        flavors: the flavors offered (DevStack's by default).
        seed: seeds the fleet (ids, fault chances), for reproducible runs.
        dialect: the dialect of the servers the Compute API creates (``nova``).
        accounts: who may log in (:class:`~lifecycle.api.accounts.Accounts`; DevStack's by default).
        images: the Image service's images (a CirrOS by default).
        networks: the Network service's networks (``private`` and ``public`` by default).
        notifications: where to send Nova's versioned notifications for every
            change of the Compute API's servers: a
            :class:`~lifecycle.validate.notifications.NovaNotifier` (e.g. one sending
            through oslo.messaging), a JSON Lines file's path, or a callable
            taking each message (``list.append``).
        quotas: Nova's ``[quota]`` settings that differ from its defaults, e.g.
            ``{"instances": 100, "cores": -1}`` (-1: unlimited). The defaults allow
            10 servers, 20 cores and 50 GiB of RAM per project, and a create past
            them is 403 as in Nova (:mod:`lifecycle.api.quota_config`).
        **settings: cloud options (:class:`~lifecycle.model.settings.Settings`), e.g.
            ``reclaim_instance_interval=3600`` makes DELETE a soft delete.

    Attributes:
        fleet: the :class:`~lifecycle.simulate.fleet.Fleet` of the Compute API's servers.
        fleets: every dialect's fleet by dialect name, ``fleet`` among them (see :meth:`fleet_for`).
        clock: the clock they share (``cloud.clock.advance(30)`` at manual pace).
        accounts: projects, users and tokens (the Identity service).
        images: images (the Image service).
        networks: networks, ports and security groups (the Network service).
    """

    def __init__(
        self,
        *,
        pace: str = "instant",
        durations: Durations | DurationSpec | None = None,
        speed: float = 1.0,
        flavors: Iterable[Flavor] = DEFAULT_FLAVORS,
        seed: int | str | None = None,
        hosts: Iterable[str] = DEFAULT_HOSTS,
        dialect: str = "nova",
        accounts: Accounts | None = None,
        images: Images | None = None,
        networks: Networks | None = None,
        notifications: str | os.PathLike[str] | NovaNotifier | Callable[[dict[str, Any]], None] | None = None,
        quotas: Mapping[str, int] | None = None,
        **settings: Any,
    ) -> None:
        if pace not in PACES:
            raise ValueError(f"unknown pace {pace!r}; valid choices: {', '.join(PACES)}")
        self.pace = pace
        self.quota_config = quota_config(quotas)
        """Nova's ``[quota]`` defaults with ``quotas`` applied (:mod:`lifecycle.api.quota_config`)."""
        clock: Clock = WallClock(speed) if pace == "wall" else VirtualClock()
        self._wall_origin = now()  # the wall time of the clock's 0 (a WallClock starts now)
        self._changed_at: dict[str, float] = {}
        """server id -> the clock time of its last change, at wall pace (see :meth:`changed_at`)."""
        if pace == "wall" and not isinstance(durations, Durations):
            durations = Durations(durations, scale=WALL_SCALE)
        self.fleet = Fleet(
            dialect, clock=clock, durations=durations, seed=seed, history=False, events=False, **settings
        )
        self.fleets: dict[str, Fleet] = {self.fleet.dialect.name: self.fleet}
        if pace == "wall":
            self.fleet.listen(self._on_change)
        self.clock = clock
        self._seed = seed
        self.settings = self.fleet.settings
        self.flavors: dict[str, Flavor] = {f.id: f for f in flavors}
        self.hosts: dict[str, Host] = {
            name: Host(name, index, forced_down=not self.settings.host_up) for index, name in enumerate(hosts)
        }
        """The compute hosts, by name (``os-services``, ``os-hypervisors``)."""
        self.accounts = accounts if accounts is not None else Accounts()
        self.images = images if images is not None else Images()
        self.fleet.listen(self.images.on_event)
        self.networks = networks if networks is not None else Networks()
        self._records: dict[str, Record] = {}
        self._lock = threading.Lock()
        self._counter = 0
        self.deleted: collections.OrderedDict[str, Record] = collections.OrderedDict()
        """Servers that reached DELETED, newest last (Nova keeps the rows; admins list them with ``deleted=true``)."""
        self._services: dict[str, Any] = {}
        self._services_lock = threading.RLock()
        self.notifier: NovaNotifier | None = None
        if notifications is not None:
            # The one place the fake emits Nova's notifications: a listener on the Compute API's fleet.
            if isinstance(notifications, NovaNotifier):
                self.notifier = notifications
            elif callable(notifications):
                self.notifier = NovaNotifier(sink=notifications, epoch=now())
            else:
                self.notifier = NovaNotifier(os.fspath(notifications), epoch=now())
            self.fleet.listen(self.notifier)

    def fleet_for(self, dialect: str) -> Fleet:
        """The fleet of ``dialect``'s servers, made on first use on the shared clock, durations and settings.

        Raises:
            UnknownDialectError: no such dialect.
        """
        from lifecycle.model import dialects

        name = dialects.get(dialect).name
        with self._lock:
            found = self.fleets.get(name)
            if found is None:
                seed = None if self._seed is None else f"{self._seed}/{name}"
                settings: dict[str, Any] = dict(self.settings.as_dict())
                found = Fleet(
                    name,
                    clock=self.clock,
                    durations=self.fleet.durations,
                    seed=seed,
                    history=False,
                    events=False,
                    **settings,
                )
                if self.pace == "wall":
                    found.listen(self._on_change)
                self.fleets[name] = found
            return found

    def _on_change(self, event: Event) -> None:
        self._changed_at[event.server_id] = event.time

    def changed_at(self, record: Record) -> datetime.datetime:
        """When the server's state last changed, as the API's timestamps show it (``updated``, ``launched_at``).

        At wall pace a task step happens at its due time, but the API learns of it
        at the next request that looks: the change's own clock time is mapped back
        to the wall, so ``updated`` and ``changes-since`` tell when it happened, not
        when somebody read it. Virtual paces move only at requests: their time is now.
        """
        at = self._changed_at.get(record.id)
        if at is None or not isinstance(self.clock, WallClock):
            return now()
        moment = self._wall_origin + datetime.timedelta(seconds=at / self.clock.speed)
        return min(max(moment, record.created), now())

    def service_state(self, key: str, make: Callable[[], T]) -> T:
        """State a service keeps on the Cloud, one per cloud however many apps serve it (made on first use).

        The ECS API keeps its :class:`~lifecycle.simulate.jobs.Jobs` service here, so two
        gateways over one cloud see the same jobs.
        """
        with self._services_lock:
            if key not in self._services:
                self._services[key] = make()
            found: T = self._services[key]
            return found

    def tick(self) -> None:
        """Let every fleet take what its clock says is due."""
        for fleet in list(self.fleets.values()):
            fleet.tick()

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
        """The record of a live server (by id only: Nova's ``GET /servers/NAME`` is a 404).

        Raises:
            ApiError: 404 itemNotFound, worded as Nova's ``InstanceNotFound``.
        """
        self.tick()
        found = self._records.get(server_id)
        if found is None or found.gone:
            if found is not None:
                self._forget(found)
            raise not_found(f"Instance {server_id} could not be found.")
        return found

    def records(self) -> list[Record]:
        """Every live server, newest first (Nova's default sort: created_at desc)."""
        self.tick()
        with self._lock:
            found = list(self._records.values())
        live = []
        for record in found:
            if record.gone:
                self._forget(record)
            else:
                live.append(record)
        return sorted(live, key=lambda r: r.index, reverse=True)

    def placed(self) -> list[Record]:
        """Every record as it stands, without letting time pass: what the scheduler reads while it
        places a server (its record lock held), so that no other server steps meanwhile."""
        with self._lock:
            return [r for r in self._records.values() if not r.gone]

    def server(self, server_id: str) -> FleetServer:
        """The model of a server, to inspect (``.status``, ``.pair``) or drive directly."""
        return self.record(server_id).server

    def __iter__(self) -> Iterator[FleetServer]:
        return iter([r.server for r in self.records()])

    def __len__(self) -> int:
        return len(self.records())

    # -- API-side changes -----------------------------------------------------
    def boot(self, *, name: str, flavor: Flavor, no_valid_host: str | None = None, **fields: Any) -> Record:
        """Create a server through Nova's ``create`` (it starts BUILD/scheduling).

        ``no_valid_host``: the scheduler found no host, for this reason: the build
        fails when it leaves ``scheduling`` with the model's ``no_valid_host`` fault
        (ERROR, as ``schedule_and_build_instances`` leaves it).
        """
        server_id = None
        if no_valid_host is not None:
            server_id = str(uuid.uuid4())
            self.fleet.faults.add(FaultRule("create", server_id, "scheduling", fault="no_valid_host"))
        record = self._register(self.fleet.create(name, id=server_id), flavor, fields)
        record.operation = "create"
        record.fault_reason = no_valid_host
        return record

    def register(self, server: FleetServer, flavor: Flavor, **fields: Any) -> Record:
        """Put a server another service created in one of :attr:`fleets` into the store (every API shows it)."""
        return self._register(server, flavor, fields)

    def perform(
        self,
        record: Record,
        operation: str,
        *,
        new_flavor: Flavor | None = None,
        microversion: str | None = None,
        admin: bool = False,
        bypass_lock: bool = False,
        move: Move | None = None,
        fails_at: tuple[str, str] | None = None,
    ) -> None:
        """Request ``operation`` on a server; raises the model's errors (409, or 400/404 refusals).

        A move (resize, migrate, live-migrate, evacuate, unshelve of an offloaded
        server) is scheduled as it is accepted (``move``: the host the request names
        or forces, its zone): the destination is kept on the record, or, when no host
        passes the filters, the run fails with the model's ``no_valid_host`` fault
        where the conductor fails it (a one-run rule, dropped if the request is refused).
        ``fails_at``: ``(task_state, failure kind)`` the compute driver will fail this
        run with (libvirt's disk-down rollback), the same kind of one-run rule; a run
        the scheduler already fails never reaches the driver, so it then adds none.

        ``new_flavor`` is the flavor a resize switches to once it reaches
        VERIFY_RESIZE; ``microversion`` is the request's (the run follows that
        version's routes: evacuate ends SHUTOFF from 2.95); ``admin`` (or
        ``bypass_lock``) passes the instance lock (``check_instance_lock``). The server's dialect names
        the operation a Compute API request runs (``Dialect.compute_operation``:
        a ``resize`` of an ECS is ``nova_resize``).
        """
        operation = record.server.dialect.compute_operation(operation)
        with record.lock:
            self._sync(record)
            server = record.server
            before = server.table
            if microversion is not None and microversion != server.settings.microversion:
                wanted = dataclasses.replace(server.settings, microversion=microversion)
                server.table = table_for(server.dialect, wanted)
            local = False
            scheduled = operation in _SCHEDULED and (
                operation != "unshelve" or server.vm_state is VmState.SHELVED_OFFLOADED
            )
            dest, rule = self._schedule(record, operation, move) if scheduled else (None, None)
            unplaced = rule is not None
            if not unplaced and fails_at is not None:
                task, kind = fails_at
                rule = server.fleet.inject_failure(operation, server=server, at_step=task, times=1, fault=kind)
            try:
                server.perform(operation, admin=admin or bypass_lock)
            except RequestRefusedError as exc:
                self._unschedule(server, rule)
                server.table = before
                if record.host is not None:  # the model does not know host names; Nova's message does
                    exc.message = exc.message.replace("<host>", record.host)
                    exc.args = (exc.message,)
                raise
            except LifecycleError:
                self._unschedule(server, rule)
                server.table = before  # a refused request leaves the running task on its own routes
                raise
            if scheduled:
                record.target_host = dest
                record.unplaced = (move or self.move_spec(record, operation, None)) if unplaced else None
                if unplaced:
                    from lifecycle.api.scheduler import NOT_ENOUGH_HOSTS

                    record.fault_reason = NOT_ENOUGH_HOSTS
            if operation in _MOVES:
                record.move = operation
            local = operation in ("delete", "force_delete") and (
                not server.settings.host_up or not has_host(*server.pair, server.launched)
            )
            record.operation, record.new_flavor = operation, new_flavor
            record.fault = None
            self._sync(record)
            if local:
                # api.py:_local_delete runs inside the API call: the row is gone when DELETE answers
                self._settle_server(server)

    def read(self, record: Record, render: Callable[[Record], T]) -> T:
        """A client reads a server: render it, then (``instant`` pace) let its next step happen.

        Raises:
            ApiError: 404 once the server is gone.
        """
        with record.lock:
            if record.gone:
                self._forget(record)
                raise not_found(f"Instance {record.id} could not be found.")
            self._sync(record)
            result = render(record)
        if self.pace == "instant":
            self._step_soon(record.server)
        return result

    def read_many(self, records: list[Record], render: Callable[[Record], T]) -> list[T]:
        """:meth:`read` for a listing; servers that vanished meanwhile are left out."""
        out = []
        for record in records:
            try:
                out.append(self.read(record, render))
            except ApiError:
                continue
        return out

    def reset_state(self, record: Record, vm_state: VmState | str) -> None:
        """Nova's ``os-resetState``: the model's ``reset_active``/``reset_error`` (no check, task cleared, power kept).

        Other vm_states (not offered by Nova's API) are forced with :meth:`Fleet.set_state`.
        """
        state = VmState(vm_state)
        with record.lock:
            self._sync(record)  # a failure not yet read still belongs to the run before the reset
            if f"reset_{state.value}" in record.server.dialect.operation_map:
                record.server.perform(f"reset_{state.value}", admin=True)
            else:
                record.server.fleet.set_state(record.server, vm_state, None, record.server.power_state)
            record.operation = None  # creates no fault (an earlier one stays, as Nova keeps its fault rows)
            self._sync(record)

    # -- hosts ----------------------------------------------------------------
    def host(self, name: str) -> Host:
        """The compute host called ``name``.

        Raises:
            ApiError: 404 ``Compute host <name> not found.`` (evacuate.py's wording).
        """
        found = self.hosts.get(name)
        if found is None:
            raise not_found(f"Compute host {name} not found.")
        return found

    def set_host_up(self, name: str, up: bool) -> None:
        """Bring a host's nova-compute service up or (forced) down; its idle servers follow at once.

        Down: evacuate is accepted for its servers and a delete is local
        (``host_up=False`` in their model). A server busy with a task switches
        when the task ends.
        """
        self.host(name).forced_down = not up
        for record in self.records():
            if record.host == name:
                with record.lock:
                    self._apply_host(record)

    def set_host_enabled(self, name: str, enabled: bool, reason: str | None = None) -> None:
        """Enable or disable a host's service (a disabled host takes no new servers)."""
        host = self.host(name)
        host.disabled = not enabled
        host.disabled_reason = None if enabled else reason
        for record in self.records():
            if record.host == name:
                record.host_status = host.host_status

    # -- control (tests) ------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of cloud time pass (``manual`` pace; a ``wall`` clock sleeps)."""
        self.fleet.advance(seconds)
        self.tick()

    def settle(self, server_id: str | None = None) -> None:
        """Let time pass until no task runs (or until one server's task ends)."""
        if server_id is None:
            for _ in range(1_000):  # the fleets share the clock: run each until all are idle
                busy = [f for f in self.fleets.values() if not f.idle]
                if not busy:
                    return
                for fleet in busy:
                    fleet.run_until_idle()
            return
        self._settle_server(self.record(server_id).server)

    def _settle_server(self, server: FleetServer) -> None:
        for _ in range(1_000):
            due = server.due
            if not server.busy or due is None:
                return
            self._advance_to(due)

    def fail_next(
        self, server_id: str, operation: str, at_step: int | str | None = None, *, fault: str | None = None
    ) -> FaultRule:
        """Make the next run of ``operation`` on a server fail, leaving it where Nova does (ERROR, or task cleared).

        ``at_step`` is the step index (0: the first task) or the task_state it
        fails in (default: the first); ``fault`` a failure kind (``"NoValidHost"``,
        ``"reschedule"``...); see :meth:`lifecycle.simulate.fleet.Fleet.inject_failure`.
        """
        server = self.record(server_id).server
        return server.fleet.inject_failure(operation, server=server, at_step=at_step, times=1, fault=fault)

    def seed(
        self,
        vm_state: VmState | str = "active",
        task_state: TaskState | str | None = None,
        power_state: PowerState | int | str | None = None,
        *,
        name: str | None = None,
        server_id: str | None = None,
        flavor: str = "1",
        image: str = CIRROS_ID,
        locked: bool = False,
        launched: bool | None = None,
        dialect: str | None = None,
        **fields: Any,
    ) -> str:
        """Put a server straight into any state the model has; returns its id.

        A server seeded inside a task carries on with that task's remaining steps.
        ``dialect`` (default: the Compute API's) picks its fleet: ``"huawei-ecs"``
        seeds an ECS the ECS API acts on.
        ``fields`` set :class:`Record` fields (``metadata``, ``key_name``, ``project_id``...);
        ``networks`` (``"auto"`` or network names or ids) plugs it into those networks.
        """
        fleet = self.fleet if dialect is None else self.fleet_for(dialect)
        server = fleet.create(
            name,
            vm_state=vm_state,
            task_state=task_state,
            power_state=power_state,
            id=server_id,
            locked=locked,
            launched=launched,
        )
        record = self._register(server, self.flavor(flavor), {"image_id": image, **fields})
        nets = fields.get("networks", "none")
        names = (
            ["private"] if nets == "auto" else [n for n in nets if isinstance(n, str)] if isinstance(nets, list) else []
        )
        self.networks.plug_names(record, names, record.project_id)
        if server.launched:
            record.launched_at = record.created
        with record.lock:
            self._place(record)
        return server.id

    def remove(self, server_id: str) -> None:
        """Drop a server without any lifecycle (as if its row vanished)."""
        record = self._records.get(server_id)
        if record is not None:
            self._forget(record)

    def reset(self) -> None:
        """Forget every server."""
        for record in list(self._records.values()):
            self._forget(record)
        self.deleted.clear()

    # -- internals ----------------------------------------------------------
    def _register(self, server: FleetServer, flavor: Flavor, fields: dict[str, Any]) -> Record:
        record = Record(server=server, flavor=flavor, **fields)
        with self._lock:
            self._counter += 1
            record.index = self._counter
            self._records[record.id] = record
        return record

    def _forget(self, record: Record) -> None:
        with self._lock:
            if self._records.get(record.id) is not record:
                return
            del self._records[record.id]
            self._changed_at.pop(record.id, None)
            if record.gone:
                self.deleted[record.id] = record
                while len(self.deleted) > DELETED_KEPT:
                    self.deleted.popitem(last=False)
        self.networks.unplug(record)
        fleet = record.server.fleet
        if record.server in fleet:
            fleet.remove(record.server)

    def _advance_to(self, when: float) -> None:
        clock = self.clock
        if isinstance(clock, VirtualClock):
            clock.advance_to(when)
        else:
            clock.sleep(max(0.0, when - clock.now()))
            self.tick()

    def step_soon(self, server: FleetServer) -> None:
        """At ``instant`` pace, what a read does: move the clock to the server's next task step, if a task runs."""
        if self.pace == "instant":
            self._step_soon(server)

    def _pick(self, exclude: str | None, placing: Record) -> str | None:
        """The up, enabled host the scheduler filters let ``placing`` go to (:mod:`lifecycle.api.scheduler`),
        soft group policies first, then the fewest servers (by name on ties), other than ``exclude``.

        Used where no request scheduled a host: a seeded server, or a move requested on the
        model directly (the API's moves are scheduled by :meth:`perform`, which fails them with
        NoValidHost); when no host passes the filters, any free one is taken."""
        from lifecycle.api import scheduler  # it imports route modules that import this one

        load: dict[str, int] = {name: 0 for name in self.hosts}
        for record in list(self._records.values()):
            where = record.host or record.target_host  # a new server's host is reserved while it is scheduled
            if where in load:
                load[where] += 1
        free = [h.name for h in self.hosts.values() if h.up and not h.disabled and h.name != exclude]
        if not free and exclude is None:  # nowhere up: a seeded server still sits on some host
            free = list(self.hosts)
        passing = [name for name in free if scheduler.host_passes(self, placing, name)] or free
        return min(passing, key=lambda n: (scheduler.preference(self, placing, n), load[n], n)) if passing else exclude

    def choose_destination(self, record: Record) -> str | None:
        """Where the move of ``record`` just accepted goes (None: the scheduler found no host).

        Nova knows the destination once the scheduler has chosen it, early in the
        move (``conductor/tasks/live_migrate.py``, ``resource_tracker.py``
        ``_move_claim``); :meth:`perform` scheduled it and the record keeps it
        (``target_host``) until the move ends.
        """
        with record.lock:
            return record.target_host

    def move_spec(self, record: Record, operation: str, move: Move | None) -> Move:
        """The request's :class:`~lifecycle.api.scheduler.Move` with the record's request spec filled in."""
        from lifecycle.api.scheduler import Move

        spec = move or Move()
        zone = spec.zone if spec.zone is not None or spec.unpin else record.pinned_az
        return dataclasses.replace(spec, zone=zone, stay=spec.stay or operation == "resize")

    def _schedule(self, record: Record, operation: str, move: Move | None) -> tuple[str | None, FaultRule | None]:
        """The destination of a move about to be requested, or a one-run ``no_valid_host`` rule for it."""
        from lifecycle.api.scheduler import move_destination

        dest = move_destination(self, record, self.move_spec(record, operation, move))
        if dest is not None:
            return dest, None
        server = record.server
        return None, server.fleet.inject_failure(operation, server=server, times=1, fault="no_valid_host")

    @staticmethod
    def _unschedule(server: FleetServer, rule: FaultRule | None) -> None:
        if rule is not None:
            server.fleet.faults.discard(rule)  # the request was refused: no later run may fail for it

    def _place(self, record: Record) -> None:
        """Keep the record's host in line with its state and the moves that ended (record lock held)."""
        server = record.server
        if not has_host(server.vm_state, server.task_state, server.launched):
            if not (server.vm_state is VmState.BUILDING and server.task_state is TaskState.SCHEDULING):
                record.source_host = None
            record.host = None  # _nil_out_instance_obj_host_and_node, offload, or not scheduled yet
            return
        if record.host is None:
            record.host, record.target_host = record.target_host or self._pick(None, record), None
        elif record.move is not None and not server.busy:
            op, record.move = record.move, None
            failed = server.fault is not None and server.fault is not record.fault_seen  # a new fault: this run's
            if server.vm_state is VmState.ERROR or failed:
                record.target_host = None  # failed (ERROR, or reverted by the conductor): it stays where it was
            elif op in ("resize", "migrate") and server.vm_state is VmState.RESIZED:
                record.source_host = record.host
                record.host, record.target_host = record.target_host or self._pick(record.host, record), None
            elif op == "revert_resize" and record.source_host is not None:
                record.host, record.source_host = record.source_host, None
            elif op == "confirm_resize":
                record.source_host = None
            elif op in ("live_migrate", "evacuate"):
                record.host, record.target_host = record.target_host or self._pick(record.host, record), None
        self._apply_host(record)

    def _apply_host(self, record: Record) -> None:
        """Run the server's model with its host's state (``host_up``), record lock held."""
        server = record.server
        host = self.hosts.get(record.host or "")
        if host is None:
            return  # no host (or one the cloud does not list): the model keeps its settings
        up = host.up
        record.host_status = host.host_status
        # Down at once (the down model has every route a run may be on); up only when idle,
        # since an evacuation in flight exists only in the down model.
        if server.settings.host_up is not up and (not up or not server.busy):
            server.table = table_for(server.dialect, dataclasses.replace(server.settings, host_up=up))

    def _step_soon(self, server: FleetServer) -> None:
        """Move the virtual clock to the server's next task step, if a task runs."""
        due = server.due
        if due is not None and server.busy:
            self._advance_to(due)

    def _sync(self, record: Record) -> None:
        """Bring the API's data in line with the fleet's state (record lock held)."""
        server = record.server
        node = server.node
        if node == record.seen:
            return
        record.seen = node
        record.updated = self.changed_at(record)
        if server.launched and record.launched_at is None:
            record.launched_at = record.updated
        self._place(record)
        found = server.fault
        fresh = found is not None and found is not record.fault_seen
        if record.operation is not None and (
            fresh or (server.vm_state is VmState.ERROR and record.fault is None and found is None)
        ):
            # Every failed task leaves a fault (wrap_instance_fault), shown only while ERROR but
            # seen by the instance action; os-resetState (operation None) leaves none, as in Nova.
            record.fault_seen = found
            declared = server.dialect.operation_map.get(record.operation)
            action = record.operation if declared is None else declared.action
            message = (
                f"Failed to {action} instance {record.id}" if found is None or found.kind == "error" else found.message
            )
            if found is not None and found.kind == "no_valid_host" and record.fault_reason is not None:
                message, record.fault_reason = f"No valid host was found. {record.fault_reason}", None
            record.fault = {
                "code": 500 if found is None else found.code,
                "created": record.updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "message": message,
                "details": "" if found is None else found.details,
            }
        if server.busy:
            return
        # A task ended: settle the flavor as Nova's resize, confirm and revert do.
        op = record.operation
        if server.vm_state is VmState.RESIZED:
            if record.new_flavor is not None:
                record.old_flavor, record.flavor, record.new_flavor = record.flavor, record.new_flavor, None
        elif op == "revert_resize" and record.old_flavor is not None:
            record.flavor, record.old_flavor = record.old_flavor, None
        else:
            record.old_flavor = record.new_flavor = None
