"""Hypothesis strategies: random legal operation sequences, to property-test code that drives servers.

Every sequence is legal by construction: each operation is drawn among those
the compiled table (derived from the machine) accepts in the state the previous
ones lead to, so a test spends its examples on behaviour rather than on 409s.
Shrinking keeps legality (a shorter prefix of a legal sequence is legal).

Hypothesis is an optional dependency (``pip install server-lifecycle[testing]``),
imported when a strategy is built::

    from hypothesis import given
    from lifecycle.strategies import operations

    @given(operations(start="active", max_size=8))
    def test_my_autoscaler_survives(ops):
        srv = lifecycle.Server("active")
        for op in ops:
            srv.perform(op)
            srv.settle()
        ...
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from lifecycle.errors import ArgumentTypeError, UnknownOperationError
from lifecycle.model.blueprint import ADVANCE, FAIL
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect, Pair
from lifecycle.model.states import PowerState, VmState
from lifecycle.model.status import parse_task_state, parse_vm_state

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from lifecycle.model.table import Table
    from lifecycle.simulate.server import Server

__all__ = ["operations"]


def operations(
    start: VmState | str | Pair | Server = "active",
    *,
    dialect: str | Dialect = "nova",
    min_size: int = 0,
    max_size: int = 10,
    settle: bool = True,
    exclude: Collection[str] = (),
    power_state: PowerState | None = None,
    **settings: Any,
) -> SearchStrategy[list[str]]:
    """A strategy for lists of operation names, each legal after the ones before it.

    Args:
        start: where the server starts: a vm_state (at rest), a ``(vm_state,
            task_state)`` pair, or a :class:`~lifecycle.simulate.server.Server` (its
            current state, power and dialect; its settings unless given).
        dialect: the dialect when ``start`` is not a server.
        min_size / max_size: bounds on the length; a sequence stops early in a
            state that accepts nothing (DELETED), so ``min_size`` is not
            guaranteed past such a state.
        settle: each operation runs to its end before the next (as after
            ``srv.perform(op); srv.settle()``); with False, every item is one
            step and the task events ``advance`` and ``fail`` are drawn too (use
            :meth:`~lifecycle.simulate.server.Server.fire`).
        exclude: operation names never to draw (``{"delete", "force_delete"}``
            keeps the server alive).
        power_state: the starting power (default: the vm_state's nominal one).
        **settings: cloud settings, see :class:`~lifecycle.model.settings.Settings`.

    Raises:
        ImportError: hypothesis is not installed.
        UnknownStateError / UnknownNameError: bad ``start`` or settings.
        UnknownOperationError: a name in ``exclude`` no dialect has.
        ArgumentTypeError: ``settle`` is not a bool, ``exclude`` not a collection of names.
    """
    from hypothesis import strategies as st

    from lifecycle.model.table import table_for
    from lifecycle.simulate.server import Server, all_operation_names

    if isinstance(start, Server):
        table = (
            start.table if not settings else table_for(start.dialect, Settings.from_kwargs(start.settings, **settings))
        )
        node = table.node_id((start.vm_state, start.task_state, start.power_state, start.launched))
    else:
        table = table_for(dialect, Settings.from_kwargs(None, **settings))
        if isinstance(start, tuple):
            vm, task = start
            pair: Pair = (None if vm is None else parse_vm_state(vm), parse_task_state(task))
        else:
            pair = (parse_vm_state(start), None)
        node = table.node_for(pair, power_state)
    if not isinstance(settle, bool):
        raise ArgumentTypeError("settle", settle, "True or False")
    if isinstance(exclude, str) or not isinstance(exclude, Collection):
        raise ArgumentTypeError("exclude", exclude, 'a collection of operation names ({"delete"}, not "delete")')
    known = (*table.triggers, *all_operation_names())  # another dialect's name is fine: one exclude for all
    for name in exclude:  # a typo ("rebot") would silently exclude nothing
        if name not in known:
            raise UnknownOperationError("operation in exclude", name, dict.fromkeys(known))
    skip = frozenset(exclude)
    if not settle:
        skip -= {ADVANCE, FAIL}
    order = {name: i for i, name in enumerate(table.triggers)}

    def choices(at: int) -> list[str]:
        row = table.step_row(at) if not settle else table.settle_row(at)
        legal = [t for t in row if t not in skip and not (settle and t in (ADVANCE, FAIL))]
        return sorted(legal, key=order.__getitem__)

    @st.composite
    def sequences(draw: st.DrawFn) -> list[str]:
        length = draw(st.integers(min_value=min_size, max_value=max_size))
        at = node
        out: list[str] = []
        for _ in range(length):
            legal = choices(at)
            if not legal:
                break
            trigger = draw(st.sampled_from(legal))
            out.append(trigger)
            at = _next(table, at, trigger, settle)
        return out

    return sequences()


def _next(table: Table, node: int, trigger: str, settle: bool) -> int:
    return table.settle_row(node)[trigger] if settle else table.step_row(node)[trigger]
