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
