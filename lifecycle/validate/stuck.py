"""How long Nova lets a server stay in a state before one of its own jobs moves it.

Several states end by themselves: Nova's periodic tasks error out a build that
takes too long, unrescue, confirm a resize, offload a shelved server. A server
seen in such a state for longer than the timeout plus the job's polling interval
is *stuck*: the job did not run, or failed. Every timeout is a Nova option
(``nova/conf/compute.py``); ``0`` switches the job off, as in Nova, except
``shelved_offload_time`` where ``0`` means at once and ``-1`` never.

``task_timeout`` is ours, not Nova's: a limit for any task_state at all (Nova has
none; a task that never ends is what ``os-resetState`` is for). Off by default.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from typing import Any

from lifecycle.errors import ArgumentValueError
from lifecycle.model.states import TaskState, VmState

__all__ = ["StuckLimits", "parse_time"]

PERIODIC_INTERVAL = 60
"""oslo.service's default spacing of a periodic task without its own (``periodic_task.DEFAULT_INTERVAL``)."""
SHELVED_POLL_INTERVAL = 3600
"""``shelved_poll_interval`` default: ``_poll_shelved_instances`` runs this often."""


@dataclasses.dataclass(frozen=True, slots=True)
class StuckLimits:
    """Seconds a state may last; ``None``/``0`` switch a rule off (see the module docstring).

    Attributes:
        instance_build_timeout: vm_state building (``manager.py:_check_instance_build_time``).
        rescue_timeout: vm_state rescued (``manager.py:_poll_rescued_instances``).
        resize_confirm_window: vm_state resized (``manager.py:_poll_unconfirmed_resizes``).
        shelved_offload_time: vm_state shelved (``manager.py:_poll_shelved_instances``;
            ``-1`` never offloads, ``0`` offloads at the end of shelve).
        task_timeout: any task_state (ours; None: off).
        grace: seconds added for the job's polling interval (None: Nova's defaults,
            60 s, and ``shelved_poll_interval`` 3600 s for shelved servers).
    """

    instance_build_timeout: float = 0
    rescue_timeout: float = 0
    resize_confirm_window: float = 0
    shelved_offload_time: float = -1
    task_timeout: float | None = None
    grace: float | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            optional = field.name in ("task_timeout", "grace")
            if value is None and optional:
                continue
            lowest = 0 if optional else -1
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < lowest
            ):
                expected = "None or seconds >= 0" if optional else "a number of seconds (0 or -1 switch it off)"
                raise ArgumentValueError(field.name, value, expected)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> StuckLimits:
        """Limits taking ``resize_confirm_window`` and ``shelved_offload_time`` from the cloud's settings."""
        base = {
            "resize_confirm_window": settings.resize_confirm_window,
            "shelved_offload_time": settings.shelved_offload_time,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)

    @property
    def active(self) -> bool:
        """Some rule is on."""
        return bool(
            self.instance_build_timeout > 0
            or self.rescue_timeout > 0
            or self.resize_confirm_window > 0
            or self.shelved_offload_time >= 0
            or self.task_timeout is not None
        )

    def limit(self, vm: VmState | None, task: TaskState | None) -> tuple[float, str] | None:
        """``(seconds allowed, the rule's name)`` for a server in ``(vm, task)``, or None if it may stay."""
        found: list[tuple[float, str]] = []
        if task is not None and self.task_timeout is not None:
            found.append((self.task_timeout + (self.grace or 0), "task_timeout"))
        rule = _VM_RULES.get(vm) if vm is not None else None
        if rule is not None:
            name, interval = rule
            value = getattr(self, name)
            on = value >= 0 if name == "shelved_offload_time" else value > 0
            if on and (name != "shelved_offload_time" or task is None):
                found.append((value + (interval if self.grace is None else self.grace), name))
        return min(found) if found else None


_VM_RULES: dict[VmState, tuple[str, int]] = {
    VmState.BUILDING: ("instance_build_timeout", PERIODIC_INTERVAL),
    VmState.RESCUED: ("rescue_timeout", PERIODIC_INTERVAL),
    VmState.RESIZED: ("resize_confirm_window", PERIODIC_INTERVAL),
    VmState.SHELVED: ("shelved_offload_time", SHELVED_POLL_INTERVAL),
}


def parse_time(text: Any) -> float | None:
    """An API timestamp (``2026-01-01T00:00:30Z``, with or without a zone or fraction) as epoch seconds, or None.

    ``T`` and a space (Nova's notifications) both separate date and time; no zone is UTC.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()
