"""The `transitions` state machine built from a blueprint: the only importer of `transitions`.

States are named after pairs (``active``, ``active.rebooting``, see
:func:`lifecycle.model.blueprint.pair_name`): vm_states with their task_states as
sub-states, written flat. A flat machine is used at run time because Nova's
preconditions are exact ("task_state must be None"): a nested machine would fire
an operation declared on ``active`` from every ``active.<task>`` sub-state, and
costs 5-6x more per trigger (``../shared/reference/fsm-libs.md``). The nested
picture is drawn from the same blueprint by :mod:`lifecycle.diagrams`.

Every option of `transitions` is explicit: ``auto_transitions=False`` (its
``to_<state>`` triggers would make every state reachable), no per-model methods
(models are driven with ``machine.events[trigger].trigger(model)``, which costs
no memory per server), ``send_event=True`` so guards and effects read the model.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol, cast

from transitions import EventData, Machine, MachineError

from lifecycle.model.blueprint import NEW, Blueprint, Edge, blueprint, pair_name
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect
from lifecycle.model.states import PowerState

__all__ = ["MachineError", "Model", "build_machine", "launched", "machine_for", "powered_off"]


class Model(Protocol):
    """What the machine reads and writes on a server."""

    state: str
    power_state: PowerState
    launched: bool


def powered_off(event: EventData) -> bool:
    """Guard: the server's power_state is SHUTDOWN (Nova's test in confirm/revert of a resize)."""
    return cast(Model, event.model).power_state == PowerState.SHUTDOWN


def unplaced(event: EventData) -> bool:
    """Guard: the server's power_state is NOSTATE (no guest on the host running the task, as when evacuated)."""
    return cast(Model, event.model).power_state == PowerState.NOSTATE


def launched(event: EventData) -> bool:
    """Guard: the server finished a spawn once (``launched_at`` is set)."""
    return cast(Model, event.model).launched


class _Effect:
    """After-callback writing the power_state and launched flag an edge declares."""

    __slots__ = ("__name__", "launched", "power")

    def __init__(self, power: PowerState | None, launched: bool | None) -> None:
        self.power = power
        self.launched = launched
        parts = ([f"power_state={power.name}"] if power is not None else []) + (["launched"] if launched else [])
        self.__name__ = "set " + ", ".join(parts)

    def __call__(self, event: EventData) -> None:
        model = cast(Model, event.model)
        if self.power is not None:
            model.power_state = self.power
        if self.launched is not None:
            model.launched = self.launched

    def __repr__(self) -> str:
        return self.__name__


@functools.lru_cache(maxsize=64)
def _effect(power: PowerState | None, set_launched: bool | None) -> _Effect:
    return _Effect(power, set_launched)


def transition_dicts(edges: tuple[Edge, ...]) -> list[dict[str, Any]]:
    """The blueprint's edges as `transitions` transition definitions (shared with diagrams)."""
    out: list[dict[str, Any]] = []
    for edge in edges:
        conditions: list[Any] = []
        unless: list[Any] = []
        for guard, value in ((powered_off, edge.powered_off), (launched, edge.launched), (unplaced, edge.unplaced)):
            if value is True:
                conditions.append(guard)
            elif value is False:
                unless.append(guard)
        spec: dict[str, Any] = {
            "trigger": edge.trigger,
            "source": pair_name(edge.source),
            "dest": pair_name(edge.dest),
            "conditions": conditions,
            "unless": unless,
        }
        if edge.power is not None or edge.set_launched is not None:
            spec["after"] = [_effect(edge.power, edge.set_launched)]
        out.append(spec)
    return out


def build_machine(bp: Blueprint, machine_cls: type[Machine] = Machine, **options: Any) -> Machine:
    """A fresh `transitions` machine for ``bp`` with no models attached."""
    return machine_cls(
        model=None,
        states=[pair_name(p) for p in bp.pairs],
        transitions=transition_dicts(bp.edges),
        initial=NEW,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        send_event=True,
        **options,
    )


@functools.lru_cache(maxsize=64)
def _machine(dialect: Dialect, settings: Settings) -> Machine:
    return build_machine(blueprint(dialect, settings))


def machine_for(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Machine:
    """The shared runtime machine of a dialect and settings (built once per process)."""
    bp = blueprint(dialect, settings)
    return _machine(bp.dialect, bp.settings)
