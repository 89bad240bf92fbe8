"""Validate a sequence of operations against the lifecycle, at dict-lookup speed.

:func:`check` answers "would the cloud accept these requests, in this order, from
here?" without raising: the result holds the state after every accepted step and,
for the first refused one, the 409 the cloud would answer and what it would have
accepted instead.

The hot loop only follows the compiled table (:mod:`lifecycle.model.table`): the rows
reachable from the start are filled first (by firing the machine), then each
step is ``rows[node].get(op)``. States are built from node ints only when asked
for. Named ``sequence`` rather than ``check`` so that ``lifecycle.check`` stays the
function even after this module is imported.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from lifecycle.errors import (
    ArgumentTypeError,
    InvalidStateError,
    LifecycleError,
    UnknownOperationError,
    UnsupportedOperationError,
)
from lifecycle.model.blueprint import ADVANCE, FAIL, fault_triggers, is_failure
from lifecycle.model.nodes import Place, State, name_list, start_node, state_of
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect
from lifecycle.model.table import Table, table_for
from lifecycle.simulate.server import all_operation_names, idle_refusal, operation_error, refusal

__all__ = ["CheckResult", "Violation", "check"]

SERVER_ID = "<server>"
"""The server id refusal messages name when the caller gives none."""


@dataclasses.dataclass(frozen=True, slots=True)
class Violation:
    """The first step the cloud would refuse.

    Attributes:
        index: its position in the sequence (0-based).
        operation: the operation (or ``advance``/``fail``) refused.
        state: the state the server was in when it was requested.
        reason: the cloud's message, e.g. Nova's 409 ``Cannot 'resize' instance
            <id> while it is in task_state rebooting``.
        allowed: what would have been accepted there (operations in declaration
            order, then ``advance`` and ``fail`` when a task could take them).
        error: the exception :class:`lifecycle.Server` raises for the same request.
    """

    index: int
    operation: str
    state: State
    reason: str
    allowed: tuple[str, ...]
    error: LifecycleError

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "index": self.index,
            "operation": self.operation,
            "state": self.state.as_dict(),
            "reason": self.reason,
            "allowed": list(self.allowed),
        }


class CheckResult:
    """The outcome of :func:`check`: truthy when every step is legal.

    Attributes:
        operations: the steps checked, as given.
        start: the state before the first step.
        settle: whether each step ran to completion before the next.
        violation: the first refused step, or None.
    """

    __slots__ = ("__weakref__", "_nodes", "_states", "_table", "operations", "settle", "start", "violation")

    def __init__(
        self,
        table: Table,
        operations: Sequence[str],
        start: int,
        nodes: list[int],
        settle: bool,
        violation: Violation | None,
    ) -> None:
        self._table = table
        self._nodes = nodes
        self._states: tuple[State, ...] | None = None
        self.operations = operations
        self.start = state_of(table, start)
        self.settle = settle
        self.violation = violation

    @property
    def ok(self) -> bool:
        """Every step is legal."""
        return self.violation is None

    def __bool__(self) -> bool:
        return self.violation is None

    def __len__(self) -> int:
        """Number of steps accepted."""
        return len(self._nodes)

    @property
    def states(self) -> tuple[State, ...]:
        """The state after each accepted step (one per step up to the violation), built on first use."""
        if self._states is None:
            self._states = self._build_states()
        return self._states

    def _build_states(self) -> tuple[State, ...]:
        cache: dict[int, State] = {}
        table = self._table
        out: list[State] = []
        append = out.append
        for node in self._nodes:
            state = cache.get(node)
            if state is None:
                state = cache[node] = state_of(table, node)
            append(state)
        return tuple(out)

    @property
    def end(self) -> State:
        """The state after the last accepted step (the start if none was)."""
        return state_of(self._table, self._nodes[-1]) if self._nodes else self.start

    @property
    def dialect(self) -> Dialect:
        """The dialect checked against."""
        return self._table.blueprint.dialect

    @property
    def settings(self) -> Settings:
        """The cloud settings checked under."""
        return self._table.blueprint.settings

    def raise_for_violation(self) -> None:
        """Raise the error :class:`lifecycle.Server` would have raised at the violation, if any."""
        if self.violation is not None:
            raise self.violation.error

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary: every step with the state after it, and the violation."""
        return {
            "ok": self.ok,
            "dialect": self.dialect.name,
            "settings": dict(self.settings.as_dict()),
            "settle": self.settle,
            "start": self.start.as_dict(),
            "steps": [
                {"index": i, "operation": op, "state": state.as_dict()}
                for i, (op, state) in enumerate(zip(self.operations, self.states, strict=False))
            ],
            "violation": None if self.violation is None else self.violation.as_dict(),
        }

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else f"refused at step {self.violation.index}"  # type: ignore[union-attr]
        return f"<CheckResult {verdict}: {len(self._nodes)}/{len(self.operations)} steps, end {self.end}>"


def check(
    operations: Iterable[str],
    *,
    start: Place = None,
    dialect: str | Dialect = "nova",
    settle: bool = True,
    server_id: str = SERVER_ID,
    settings: Settings | None = None,
    **options: Any,
) -> CheckResult:
    """Check that ``operations`` would be accepted one after the other, starting at ``start``.

    Args:
        operations: operation names (``"create"``, ``"stop"``...) and the events
            ``"advance"`` (one task step) and ``"fail"`` (the running task fails).
        start: a status (``"SHUTOFF"``: its rest pair), a vm_state, a
            ``(vm_state, task_state)`` pair, or None (before ``create``).
        settle: each step runs to completion before the next (True, like a
            client that waits), or the next is requested at once while the task
            still runs (False, like concurrent API calls: ``["reboot", "resize"]``
            is refused on ``resize``).
        server_id: the id refusal messages name.
        settings / options: cloud settings (:class:`lifecycle.Settings`), e.g.
            ``reclaim_instance_interval=3600``.

    Returns:
        A :class:`CheckResult`; an illegal step (the cloud's 409, ``advance`` with
        no task running, an operation this dialect lacks) is reported there, not
        raised.

    Raises:
        ArgumentTypeError (a TypeError): ``operations`` is not a list of names
            (a lone str such as ``"create"`` is refused, not split into letters).
        UnknownOperationError: a step names an operation no dialect has (a typo,
            not a refusal); the message suggests the closest names.
        UnknownStateError: ``start`` is not a state of the model.
    """
    if not isinstance(settle, bool):  # "no" would be truthy: settle silently
        raise ArgumentTypeError("settle", settle, "True or False")
    table = table_for(dialect, Settings.from_kwargs(settings, **options))
    ops: Sequence[str] = name_list(operations, "operations", "a list of operation names")
    names = _reject_unknown(table, ops)
    first = node = start_node(table, start)
    rows = table.settle_rows if settle else table.step_rows
    fill = table.settle_row if settle else table.step_row

    # Rows are filled on first use: the loop stays a bare dict walk, and a row
    # not filled yet (None has no .get) is filled once, then the walk resumes.
    nodes: list[int] = []
    append = nodes.append
    retry = _retry_triggers(table.blueprint.dialect)
    if retry and not retry.keys().isdisjoint(names):
        nodes = _walk_counting(table, ops, node, retry, settle)
        node = nodes[-1] if nodes else node
    else:
        steps = iter(ops)
        while True:
            try:
                for op in steps:
                    nxt = rows[node].get(op)  # type: ignore[union-attr]
                    if nxt is None:
                        break
                    append(nxt)
                    node = nxt
                break
            except AttributeError:
                nxt = fill(node).get(op)
                if nxt is None:
                    break
                append(nxt)
                node = nxt
    violation = None if len(nodes) == len(ops) else _violation(table, ops, nodes, node, settle, server_id)
    return CheckResult(table, ops, first, nodes, settle, violation)


@functools.lru_cache(maxsize=16)
def _retry_triggers(dialect: Dialect) -> dict[str, str]:
    """``{fail:<kind>: fail:<limit kind>}`` for kinds that retry until ``max_attempts`` (reschedule)."""
    return {
        f.trigger: f"fail:{f.retry_limit}" for op in dialect.operations for f in op.faults if f.retry_limit is not None
    }


def _walk_counting(table: Table, ops: Sequence[str], node: int, retry: dict[str, str], settle: bool) -> list[int]:
    """The walk, counting reschedules: the one that reaches ``max_attempts`` is its limit kind (ERROR)."""
    fill = table.settle_row if settle else table.step_row
    nodes: list[int] = []
    attempts = 0
    limit = table.blueprint.settings.max_attempts
    for op in ops:
        if op == "create":
            attempts = 0
        if op in retry:
            attempts += 1
            if attempts >= limit:
                op = retry[op]
        nxt = fill(node).get(op)
        if nxt is None:
            break
        nodes.append(nxt)
        node = nxt
    return nodes


@functools.lru_cache(maxsize=16)
def _known_names(dialect: Dialect) -> frozenset[str]:
    return frozenset((*all_operation_names(), *dialect.operation_map, ADVANCE, FAIL, *fault_triggers(dialect)))


def _reject_unknown(table: Table, ops: Sequence[str]) -> frozenset[str] | set[str]:
    """The distinct names in ``ops``; raises for the first one no dialect knows."""
    known = _known_names(table.blueprint.dialect)
    names: set[str] = set()
    try:
        names = set(ops)
        unknown = bool(names - known)
    except TypeError:  # an unhashable step
        unknown = True
    if not unknown:
        return names
    if unknown:
        first = next(op for op in ops if not isinstance(op, str) or op not in known)
        choices = (*table.blueprint.dialect.operation_map, ADVANCE, FAIL, *fault_triggers(table.blueprint.dialect))
        raise _unknown_operation(first, choices)


def _unknown_operation(name: object, choices: tuple[str, ...]) -> UnknownOperationError:
    """The error for an unknown step (its suggestions ignore case: ``REBOOT`` suggests ``reboot``)."""
    return UnknownOperationError("operation", name, choices)


def _violation(
    table: Table, ops: Sequence[str], nodes: list[int], node: int, settle: bool, server_id: str
) -> Violation:
    index = len(nodes)
    name = ops[index]
    state = state_of(table, node)
    row = table.settle_row(node) if settle else table.step_row(node)
    allowed = tuple(t for t in table.triggers if t in row)
    operations_allowed = [t for t in allowed if t != ADVANCE and not is_failure(t)]
    dialect = table.blueprint.dialect
    op = dialect.operation_map.get(name)
    error: LifecycleError
    if name == ADVANCE or is_failure(name):
        error = idle_refusal(
            name,
            server_id=server_id,
            vm_state=state.vm_state,
            task_state=state.task_state,
            allowed=operations_allowed,
        )
    elif op is None:
        error = operation_error(dialect, name)
    else:
        error = refusal(
            dialect,
            op,
            server_id=server_id,
            vm_state=state.vm_state,
            task_state=state.task_state,
            launched=state.launched,
            allowed=operations_allowed,
            settings=table.blueprint.settings,
        )
    reason = error.message if isinstance(error, InvalidStateError | UnsupportedOperationError) else str(error)
    return Violation(index, name, state, reason, allowed, error)
