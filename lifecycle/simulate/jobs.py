"""Asynchronous jobs, as Huawei ECS runs every native change: a job per request, on the fleet's clock.

A mutating ECS call answers ``{"job_id": ...}`` and the client polls
``GET /v1/{project_id}/jobs/{job_id}`` until the job is SUCCESS or FAIL
(``api-ecs/ecs_02_0901``). A batch call (start, stop, reboot, delete of up to
1000 servers) has one sub-job per server, and can partly succeed. The job is a
record of its own, separate from the servers' state machine: it is derived
from what the servers of a :class:`~lifecycle.simulate.fleet.Fleet` do on its clock, so
jobs and servers can never disagree about what happened, only about *when*:

* **Status lag** (``status_lag=True``): a sub-job reports SUCCESS as soon as
  its server enters the last task step, while the server still shows the old
  status for that step's duration. Terraform polls on after a delete job
  succeeded for this reason ("Instance may still exist after Order/Job
  succeed", TF-ci:1917-1921).
* **Precondition failures** surface in one of two ways (Huawei: "Some error
  codes are displayed in the returned messages for task viewing requests. HTTP
  status codes may not be accurate.", ``api-ecs/ecs_07_0002``):
  ``precondition="immediate"`` refuses the whole request with HTTP 400
  ``Ecs.0100`` and starts nothing; ``precondition="job"`` accepts it and fails
  the refused servers' sub-jobs with ``error_code`` and ``fail_reason``.
* **Composite requests** (an operation with ``then``, such as
  ``resize_with_stop``) are one sub-job: the job service requests each follow-up
  operation when the task before it ends, for any server of the fleet.

The codes and HTTP statuses come from the dialect's
:class:`~lifecycle.model.spec.Messages`, so the same service speaks Nova (409
``conflictingRequest``) for a Nova fleet.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from lifecycle.errors import (
    ArgumentTypeError,
    ArgumentValueError,
    InvalidStateError,
    LifecycleError,
    ServerNotFoundError,
)
from lifecycle.model.blueprint import ADVANCE
from lifecycle.simulate.events import Event, timestamp
from lifecycle.simulate.server import Server

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import Fleet, FleetServer

__all__ = ["Job", "JobNotFoundError", "JobRequestError", "JobStatus", "Jobs", "Precondition", "SubJob"]

Precondition = Literal["immediate", "job"]
"""How a server in the wrong state is reported: an HTTP error at once, or a FAIL sub-job."""

MAX_BATCH = 1000
"""Servers per batch request (``api-ecs/ecs_02_0301``..``_0303``; more is ``Ecs.0118``)."""
BATCH_TOO_LARGE = "Ecs.0118"
NOT_FOUND = "Ecs.0114"
TASK_FAILED = "Ecs.0000"
"""[?] Placeholder code of a task that failed on the cloud side: Huawei lists no generic one."""


class JobStatus(enum.StrEnum):
    """A job's or sub-job's ``status`` (``api-ecs/ecs_02_0901``; PENDING_PAYMENT, for orders, is not modelled)."""

    INIT = "INIT"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"

    @property
    def finished(self) -> bool:
        """SUCCESS or FAIL: clients stop polling."""
        return self in (JobStatus.SUCCESS, JobStatus.FAIL)


class JobRequestError(LifecycleError):
    """The cloud refused a request at once, before any job ran (Huawei: HTTP 400 ``Ecs.0100``).

    Attributes:
        http_status: the HTTP status of the answer.
        code: the error code (``Ecs.0100``, ``Ecs.0114``, ``Ecs.0118``...).
        message: what the body says.
        details: one ``{"code", "message"}`` per refused server.
        errors: the library errors behind it, by server id.
    """

    def __init__(
        self,
        http_status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Mapping[str, str]] = (),
        errors: Mapping[str, LifecycleError] | None = None,
    ) -> None:
        self.http_status = http_status
        self.code = code
        self.message = message
        self.details: tuple[Mapping[str, str], ...] = tuple(details)
        self.errors: dict[str, LifecycleError] = dict(errors or {})
        super().__init__(f"HTTP {http_status} {code}: {message}")

    def body(self) -> dict[str, Any]:
        """The answer's body, ``{"error": {"code", "message", "details"}}`` (``api-ecs/ecs_07_0005``)."""
        return {"error": {"code": self.code, "message": self.message, "details": [dict(d) for d in self.details]}}


class JobNotFoundError(LifecycleError, KeyError):
    """No job with this id in the service (the API's 404)."""

    def __init__(self, job_id: str, known: int) -> None:
        self.job_id = job_id
        self.message = f"no job {job_id!r} (the service has {known} job(s))"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass(eq=False)
class SubJob:
    """The part of a job that acts on one server.

    Attributes:
        job_id: its own id.
        server_id: the server it acts on.
        operation: the operation requested; a composite's follow-ups are part of it.
        status: see :class:`JobStatus`.
        begin_time / end_time: simulated seconds (end None while running).
        error_code / fail_reason: set when it failed.
    """

    job_id: str
    server_id: str
    operation: str
    status: JobStatus
    begin_time: float
    end_time: float | None = None
    error_code: str | None = None
    fail_reason: str | None = None

    def _finish(self, status: JobStatus, now: float, code: str | None = None, reason: str | None = None) -> None:
        if not self.status.finished:
            self.status, self.end_time, self.error_code, self.fail_reason = status, now, code, reason

    def as_dict(self) -> dict[str, Any]:
        """As in a job's ``entities.sub_jobs``."""
        return {
            "job_id": self.job_id,
            "job_type": self.operation,
            "status": self.status.value,
            "begin_time": timestamp(self.begin_time),
            "end_time": None if self.end_time is None else timestamp(self.end_time),
            "entities": {"server_id": self.server_id},
            "error_code": self.error_code,
            "fail_reason": self.fail_reason,
        }


@dataclasses.dataclass(eq=False)
class Job:
    """One request's job: INIT, then RUNNING, then SUCCESS when every sub-job succeeded, else FAIL.

    Read :attr:`status` (derived from the sub-jobs and the clock), or
    :meth:`as_dict` for the ``GET /v1/{project_id}/jobs/{job_id}`` body.

    Attributes:
        job_id / operation / sub_jobs: what was requested, per server.
        begin_time: simulated seconds when it was submitted.
        init_seconds: how long it reports INIT before RUNNING.
    """

    job_id: str
    operation: str
    sub_jobs: list[SubJob]
    begin_time: float
    init_seconds: float
    _jobs: Jobs = dataclasses.field(repr=False)

    @property
    def status(self) -> JobStatus:
        """INIT for ``init_seconds``, RUNNING while a sub-job runs, then SUCCESS if all succeeded, else FAIL."""
        self._jobs.fleet.tick()
        states = {sub.status for sub in self.sub_jobs}
        if not all(s.finished for s in states):
            now = self._jobs.fleet.clock.now()
            return JobStatus.INIT if now < self.begin_time + self.init_seconds else JobStatus.RUNNING
        return JobStatus.SUCCESS if states == {JobStatus.SUCCESS} else JobStatus.FAIL

    @property
    def finished(self) -> bool:
        """SUCCESS or FAIL."""
        return self.status.finished

    @property
    def succeeded(self) -> list[SubJob]:
        """The sub-jobs that succeeded (a batch can partly succeed)."""
        return [s for s in self.sub_jobs if s.status is JobStatus.SUCCESS]

    @property
    def failed(self) -> list[SubJob]:
        """The sub-jobs that failed."""
        return [s for s in self.sub_jobs if s.status is JobStatus.FAIL]

    @property
    def end_time(self) -> float | None:
        """When the last sub-job finished (None while running)."""
        ends = [s.end_time for s in self.sub_jobs]
        return None if any(e is None for e in ends) else max(e for e in ends if e is not None)

    @property
    def error_code(self) -> str | None:
        """The first failed sub-job's code (None unless FAIL)."""
        failed = self.failed if self.finished else []
        return failed[0].error_code if failed else None

    @property
    def fail_reason(self) -> str | None:
        """Why it failed: the only failure's reason, or how many of the sub-jobs failed."""
        failed = self.failed if self.finished else []
        if not failed:
            return None
        if len(self.sub_jobs) == 1:
            return failed[0].fail_reason
        return f"{len(failed)} of {len(self.sub_jobs)} sub-jobs failed; first: {failed[0].fail_reason}"

    def wait(self, *, limit: float | None = None) -> JobStatus:
        """Let the fleet's time pass until the job finishes; returns its final status.

        Raises:
            TimeoutError: it is not finished after ``limit`` simulated seconds.
        """
        self._jobs.fleet.run_until(lambda: self.finished, limit=limit)
        return self.status

    def as_dict(self) -> dict[str, Any]:
        """The body of ``GET /v1/{project_id}/jobs/{job_id}`` (``api-ecs/ecs_02_0901``)."""
        status = self.status
        entities: dict[str, Any] = {
            "sub_jobs_total": len(self.sub_jobs),
            "sub_jobs": [s.as_dict() for s in self.sub_jobs],
        }
        if len(self.sub_jobs) == 1:
            entities["server_id"] = self.sub_jobs[0].server_id
        end = self.end_time
        return {
            "job_id": self.job_id,
            "job_type": self.operation,
            "status": status.value,
            "begin_time": timestamp(self.begin_time),
            "end_time": None if end is None or not status.finished else timestamp(end),
            "entities": entities,
            "error_code": self.error_code,
            "fail_reason": self.fail_reason,
        }


@dataclasses.dataclass(eq=False)
class _Run:
    """What the service follows for one sub-job on its server."""

    sub: SubJob
    chain: tuple[str, ...]  # the operations still to be requested, the running one first


class Jobs:
    """The job service of one fleet: submit operations, get :class:`Job` records that follow the clock.

    Args:
        fleet: the :class:`~lifecycle.simulate.fleet.Fleet` whose servers and clock the jobs use.
        precondition: ``"immediate"`` (default): a server in the wrong state
            refuses the whole request with :class:`JobRequestError` (HTTP 400
            ``Ecs.0100`` on Huawei) and nothing starts; ``"job"``: the request is
            accepted and that server's sub-job fails with the code and reason.
        status_lag: report a sub-job SUCCESS when its server enters its last
            task step, before the server shows its final status.
        init_seconds: how long a job reports INIT before RUNNING.
        task_error_code: ``error_code`` of a sub-job whose task failed.

    While a service is attached, every composite request (an operation with
    ``then``) in the fleet carries on on the clock, job or not.
    """

    def __init__(
        self,
        fleet: Fleet,
        *,
        precondition: Precondition = "immediate",
        status_lag: bool = False,
        init_seconds: float = 0.0,
        task_error_code: str = TASK_FAILED,
    ) -> None:
        from lifecycle.simulate.fleet import Fleet

        if not isinstance(fleet, Fleet):
            raise ArgumentTypeError("fleet", fleet, "a Fleet (the servers the jobs act on)")
        if precondition not in ("immediate", "job"):
            raise ArgumentValueError("precondition", precondition, "'immediate' or 'job'")
        if (
            isinstance(init_seconds, bool)
            or not isinstance(init_seconds, int | float)
            or not 0 <= init_seconds < math.inf
        ):
            raise ArgumentValueError("init_seconds", init_seconds, "a finite number of seconds >= 0")
        self.fleet = fleet
        self.precondition: Precondition = precondition
        self.status_lag = status_lag
        self.init_seconds = float(init_seconds)
        self.task_error_code = task_error_code
        self._jobs: dict[str, Job] = {}
        self._runs: dict[str, _Run] = {}  # by server id: the sub-job running there
        self._lock = threading.RLock()
        seed = fleet.seed
        self._rng = random.Random(f"{seed}/jobs") if seed is not None else random.Random()
        self.stop = fleet.listen(self._on_event)
        """Detach the service from the fleet (call it to stop following events)."""

    # -- requests ---------------------------------------------------------
    def submit(
        self,
        operation: str,
        servers: FleetServer | str | Iterable[FleetServer | str],
        *,
        precondition: Precondition | None = None,
    ) -> Job:
        """Request ``operation`` on one or many servers as one job (a batch: one sub-job each).

        Args:
            operation: an operation of the fleet's dialect.
            servers: a server, an id or name, or several.
            precondition: overrides the service's mode for this request.

        Raises:
            JobRequestError: an empty or too large batch (``Ecs.0118``), an
                unknown server (404 ``Ecs.0114``), or, in ``"immediate"`` mode, a
                server that refuses the operation (the dialect's code, ``Ecs.0100``).
            UnsupportedOperationError / UnknownOperationError: no such operation
                in this dialect (not a state problem).
        """
        op = self.fleet._probe.operation(operation)
        items = [servers] if isinstance(servers, str) or not isinstance(servers, Iterable) else list(servers)
        if not items or len(items) > MAX_BATCH:
            raise JobRequestError(400, BATCH_TOO_LARGE, f"a batch takes 1 to {MAX_BATCH} servers (got {len(items)})")
        targets = self._resolve(items)
        mode = precondition or self.precondition
        messages = self.fleet.dialect.messages
        if mode == "immediate":
            refused = {s.id: self._refusal(s, operation) for s in targets}
            errors = {k: v for k, v in refused.items() if v is not None}
            if errors:
                first = next(iter(errors.values()))
                raise JobRequestError(
                    messages.http_status,
                    messages.code,
                    first.message,
                    details=[{"code": messages.code, "message": e.message} for e in errors.values()],
                    errors=errors,
                )
        now = self.fleet.clock.now()
        job = Job(self._new_id(), op.name, [], now, self.init_seconds, self)
        with self._lock:
            self._jobs[job.job_id] = job
        for server in targets:
            sub = SubJob(self._new_id(), server.id, op.name, JobStatus.RUNNING, now)
            job.sub_jobs.append(sub)
            self._start(sub, server, (op.name, *op.then))
        return job

    def create(self, count: int = 1, **options: Any) -> Job:
        """Create ``count`` servers as one job (``POST /v1/{project_id}/cloudservers``), options as for Fleet.create.

        On Huawei a failed native create is rolled back: the sub-job fails and
        the server ends DELETED.
        """
        if not 1 <= count <= MAX_BATCH:
            raise JobRequestError(400, BATCH_TOO_LARGE, f"a batch takes 1 to {MAX_BATCH} servers (got {count})")
        now = self.fleet.clock.now()
        job = Job(self._new_id(), "create", [], now, self.init_seconds, self)
        with self._lock:
            self._jobs[job.job_id] = job
        for _ in range(count):
            server_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            sub = SubJob(self._new_id(), server_id, "create", JobStatus.RUNNING, now)
            job.sub_jobs.append(sub)
            with self._lock:
                self._runs[server_id] = _Run(sub, ("create",))
            server = self.fleet.create(id=server_id, **options)
            self._settle_if_idle(server)
        return job

    def get(self, job_id: str) -> Job:
        """The job with this id (``GET /v1/{project_id}/jobs/{job_id}``).

        Raises:
            JobNotFoundError: no such job.
        """
        found = self._jobs.get(job_id)
        if found is None:
            raise JobNotFoundError(job_id, len(self._jobs))
        return found

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)

    # -- internals --------------------------------------------------------
    def _new_id(self) -> str:
        return f"ff80808{self._rng.getrandbits(100):025x}"

    def _resolve(self, items: list[FleetServer | str]) -> list[FleetServer]:
        found: list[FleetServer] = []
        missing: list[str] = []
        for item in items:
            try:
                found.append(self.fleet._resolve(item))
            except ServerNotFoundError:
                missing.append(item if isinstance(item, str) else item.id)
        if missing:
            raise JobRequestError(
                404,
                NOT_FOUND,
                f"ECS {missing[0]} not found",
                details=[{"code": NOT_FOUND, "message": f"ECS {m} not found"} for m in missing],
            )
        return found

    @staticmethod
    def _refusal(server: FleetServer, operation: str) -> InvalidStateError | None:
        """Why the server refuses the operation now, worded by the dialect (None: it accepts)."""
        if server.may(operation):
            return None
        probe = Server(  # a plain Server in the same state words the refusal
            server.vm_state,
            server.task_state,
            server.power_state,
            dialect=server.dialect,
            id=server.id,
            launched=server.launched,
            locked=server.locked,
            history=False,
            settings=server.settings,
        )
        try:
            probe.perform(operation)
        except InvalidStateError as exc:
            return exc
        return None  # pragma: no cover - may() and perform() agree

    def _start(self, sub: SubJob, server: FleetServer, chain: tuple[str, ...]) -> None:
        with self._lock:
            previous = self._runs.get(server.id)
            self._runs[server.id] = _Run(sub, chain)
        try:
            server.perform(sub.operation)
        except InvalidStateError as exc:
            with self._lock:
                if previous is None:
                    self._runs.pop(server.id, None)
                else:
                    self._runs[server.id] = previous
            sub._finish(JobStatus.FAIL, self.fleet.clock.now(), self.fleet.dialect.messages.code, exc.message)
            return
        if previous is not None and previous.sub is not sub:
            previous.sub._finish(
                JobStatus.FAIL, self.fleet.clock.now(), self.task_error_code, f"superseded by {sub.operation}"
            )
        self._settle_if_idle(server)

    def _settle_if_idle(self, server: FleetServer) -> None:
        """A request that finished before its events could be followed (no task, or 0 s steps)."""
        with self._lock:
            run = self._runs.get(server.id)
        if run is not None and not server.busy and not server.pending and len(run.chain) <= 1:
            self._close(server.id, run, JobStatus.SUCCESS, self.fleet.clock.now())

    def _close(self, server_id: str, run: _Run, status: JobStatus, now: float, reason: str | None = None) -> None:
        code = None if status is JobStatus.SUCCESS else self.task_error_code
        run.sub._finish(status, now, code, reason)
        with self._lock:
            if self._runs.get(server_id) is run:
                del self._runs[server_id]

    def _on_event(self, event: Event) -> None:
        server = self.fleet._servers.get(event.server_id)
        if server is None:
            return
        with self._lock:
            run = self._runs.get(event.server_id)
        if run is not None and event.kind == "request" and event.operation not in run.chain:
            self._close(event.server_id, run, JobStatus.FAIL, event.time, f"superseded by {event.operation}")
            run = None
        if run is not None and event.kind == "request" and event.operation in run.chain:
            run.chain = run.chain[run.chain.index(event.operation) :]
        if event.kind in ("failure", "reset"):
            if run is not None:
                task = event.before[1] if event.before is not None else None
                where = f" in task_state {task.value}" if task is not None else ""
                what = "was reset" if event.kind == "reset" else "failed"
                self._close(event.server_id, run, JobStatus.FAIL, event.time, f"{run.chain[0]} {what}{where}")
            server.pending = ()
            return
        if event.done:
            if server.pending:
                # The composite's next part, requested now so a refusal fails this job
                # (the fleet would request it too, right after its listeners).
                name = server.pending[0]
                if self.fleet._request_next(server, event.time) is False and run is not None:
                    self._close(event.server_id, run, JobStatus.FAIL, event.time, f"{name} refused in {server.state}")
                return
            if run is not None:
                self._close(event.server_id, run, JobStatus.SUCCESS, event.time)
            return
        if run is not None and self.status_lag and not server.pending and self._in_last_step(server, event):
            self._close(event.server_id, run, JobStatus.SUCCESS, event.time)

    @staticmethod
    def _in_last_step(server: FleetServer, event: Event) -> bool:
        """The server's next step ends its run (the job may report SUCCESS before the server shows it)."""
        vm, task = event.after
        table = server.table
        node = table.node_id((vm, task, event.power_state, server.launched))
        nxt = table.step_row(node).get(ADVANCE)
        return nxt is not None and ADVANCE not in table.step_row(nxt)
