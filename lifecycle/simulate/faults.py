"""Failure injection for simulated fleets: which runs of an operation fail, and at which step.

A :class:`FaultRule` is decided when a run starts (the operation is accepted,
by a user or by a periodic job): if the rule matches and its chance comes up,
the run is planned to fail at a step. At that step's due time the task takes
the machine's ``fail`` edge instead of ``advance``, so the server ends where
Nova leaves it for that operation: ERROR for handlers wrapped in
``_error_out_instance_on_exception``, task cleared and vm_state unchanged for
``reverts_task_state`` ones (see :class:`lifecycle.model.spec.Failure`).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import TYPE_CHECKING

from lifecycle.errors import ArgumentValueError, UnknownStateError
from lifecycle.model.blueprint import ADVANCE
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect, Operation
from lifecycle.model.states import TaskState
from lifecycle.simulate.server import find_fault

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import FleetServer

__all__ = ["FaultRule", "Faults", "Plan"]

Plan = int | str
"""Where a planned failure strikes: a step index (0 = the first task), or a task_state name."""


@dataclasses.dataclass(eq=False)
class FaultRule:
    """One injected failure, as returned by :meth:`lifecycle.simulate.fleet.Fleet.inject_failure`.

    Attributes:
        operation: the operation whose runs fail.
        server_id: only this server's runs (None: any server).
        at_step: the step index or task_state it fails at (None: the first step).
            A run with fewer steps, or that never reaches the named task, fails
            at its last step.
        times: how many runs it fails at most (None: every matching run).
        probability: the chance that a matching run fails (None: certain), drawn
            from the fleet's seeded generator.
        fired: how many runs it has made fail so far.
        fault: the failure kind (``no_valid_host``...) the run fails with;
            None: the operation's generic failure.
        passed: how many matching runs ran no task (a local delete of a
            SHELVED_OFFLOADED server completes at once), so had nothing to fail.
            Such a run still was "the next run": it uses the rule up, rather
            than leaving it to strike an unrelated later run.
    """

    operation: str
    server_id: str | None = None
    at_step: Plan | None = None
    times: int | None = 1
    probability: float | None = None
    fired: int = 0
    fault: str | None = None
    passed: int = 0

    @property
    def exhausted(self) -> bool:
        """The rule has applied to as many runs as it was asked to (failed, or passed with no task)."""
        return self.times is not None and self.fired + self.passed >= self.times

    def matches(self, operation: str, server_id: str) -> bool:
        """Whether a run of ``operation`` on ``server_id`` is this rule's business."""
        return (
            not self.exhausted
            and self.operation == operation
            and (self.server_id is None or self.server_id == server_id)
        )


class Faults:
    """The fault rules of one fleet and the seeded generator that decides chances."""

    __slots__ = ("_lock", "rng", "rules")

    def __init__(self, rng: random.Random) -> None:
        self.rules: list[FaultRule] = []
        self.rng = rng
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        """Start applying ``rule`` to the runs that begin from now on."""
        with self._lock:
            self.rules.append(rule)
        return rule

    def discard(self, rule: FaultRule) -> None:
        """Stop applying ``rule`` (one added for a request that was then refused)."""
        with self._lock:
            if rule in self.rules:
                self.rules.remove(rule)

    def clear(self) -> None:
        """Drop every rule (runs already planned to fail still fail)."""
        with self._lock:
            self.rules.clear()

    def plan(self, operation: str, server_id: str, *, has_task: bool = True) -> tuple[Plan, str | None] | None:
        """Where a run starting now fails and with which kind, or None; consumes the first rule that fires.

        ``has_task=False``: the run completes at once; a rule that fires for it
        is used up (counted in :attr:`FaultRule.passed`) and None is returned.
        """
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(operation, server_id):
                    continue
                if rule.probability is not None and self.rng.random() >= rule.probability:
                    continue
                if not has_task:
                    rule.passed += 1
                    return None
                rule.fired += 1
                return (0 if rule.at_step is None else rule.at_step), rule.fault
        return None


class FleetFaults:
    """The part of :class:`~lifecycle.simulate.fleet.Fleet` that injects failures.

    ``inject_failure`` checks a request for failures and adds a :class:`FaultRule`
    to the fleet's :class:`Faults`; ``_fails_now`` tells, at a step's due time,
    whether the run's planned failure strikes there.
    """

    if TYPE_CHECKING:  # the rest of the fleet, as this part uses it
        dialect: Dialect
        faults: Faults
        settings: Settings

        def _check_operation(self, operation: str) -> Operation: ...
        def _resolve(self, server: FleetServer | str) -> FleetServer: ...

    def inject_failure(
        self,
        operation: str,
        *,
        server: FleetServer | str | None = None,
        at_step: int | str | None = None,
        times: int | None = 1,
        probability: float | None = None,
        fault: str | None = None,
    ) -> FaultRule:
        """Make runs of ``operation`` that start from now on fail, leaving servers where Nova does.

        Args:
            operation: the operation whose runs fail (requested or run by a periodic job).
            server: only this server's runs (default: any server).
            at_step: the step index (0: the first task) or the task_state name it
                fails in (default: the first). A shorter run fails at its last step.
            times: how many runs fail at most; None: every matching run.
            probability: the chance each matching run fails, from the seeded
                generator (default: certain).
            fault: the failure kind (``"no_valid_host"``, ``"NoValidHost"``,
                ``"reschedule"``...; see ``lifecycle ops``); default the
                operation's generic failure. With no ``at_step`` the run fails
                at the first task the kind strikes in.

        Returns:
            The rule; its ``fired`` counts the runs it made fail.

        Raises:
            UnknownOperationError / UnsupportedOperationError: no such operation.
            UnknownStateError: ``at_step`` names a task the operation never runs.
            ValueError: the operation runs no task under these settings, or a
                bad ``times``/``probability``/``at_step``.
        """
        op = self._check_operation(operation)
        tasks = [
            step.task.value if step.task is not None else None
            for route in op.routes
            if route.when is None or route.when.test(self.settings)
            for step in route.steps[:-1]
        ]
        if not tasks:
            raise ArgumentValueError(
                "operation",
                operation,
                f"an operation that runs a task under {self.settings} (this one completes at once)",
            )
        kind = None
        if fault is not None:
            wanted = find_fault(self.dialect, fault).kind
            own = [f for f in op.faults if f.kind == wanted]
            if not own:
                raise UnknownStateError(f"failure kind of {operation!r}", fault, [f.kind for f in op.faults])
            found = own[0]
            kind = found.kind
            if at_step is None:
                at_step = next(t for t in tasks if t is not None and TaskState(t) in found.tasks)
        if isinstance(at_step, str):
            if at_step not in tasks:
                raise UnknownStateError(f"task of {operation!r}", at_step, [t for t in tasks if t is not None])
        elif at_step is not None and (type(at_step) is not int or at_step < 0):
            raise ArgumentValueError("at_step", at_step, "a step index >= 0 or a task_state name")
        if times is not None and (type(times) is not int or times < 1):
            raise ArgumentValueError("times", times, "an int >= 1, or None for every run")
        if probability is not None and (
            isinstance(probability, bool) or not isinstance(probability, int | float) or not 0.0 <= probability <= 1.0
        ):
            raise ArgumentValueError("probability", probability, "a number between 0 and 1")
        server_id = None if server is None else self._resolve(server).id
        return self.faults.add(FaultRule(operation, server_id, at_step, times, probability, fault=kind))

    @staticmethod
    def _fails_now(server: FleetServer, step: int, plan: Plan) -> bool:
        """Whether a run planned to fail at ``plan`` fails at this step (at its last step at the latest)."""
        task = server.task_state
        if plan == step or (isinstance(plan, str) and task is not None and plan == task.value):
            return True
        row = server.table.step_row(server.node)
        return ADVANCE not in server.table.step_row(row[ADVANCE])
