"""How long each task step of an operation lasts in a simulated fleet.

Declared once, as data: :data:`DEFAULTS` gives, for each operation, the seconds a
server spends in each task_state of it before the next write (``None`` is an
untasked step, such as the conductor's hand-off during a build). The values are
plausible for a real cloud with local disks and a 1 Gbit/s image service:
a boot takes ~40 s, a soft reboot ~20 s, a resize ~75 s, a shelve ~85 s with its
image upload; they are not measurements of any particular cloud. Tests override
them per operation, per step, per fleet and per server:

* ``{"reboot": 4}``: the reboot's steps keep their proportions and add up to 4 s;
* ``{"resize": {"resize_migrating": 300}}``: one step exactly, the others default;
* ``Durations(scale=0)``: every step is instant; ``scale=0.5`` halves them all;
* ``jitter=0.2``: each step lasts a seeded random 80-120 % of its duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

from lifecycle.errors import ArgumentTypeError, ArgumentValueError, UnknownOperationError, UnknownStateError
from lifecycle.model.states import TaskState

__all__ = ["DEFAULTS", "DEFAULT_STEP", "DurationSpec", "Durations"]

DEFAULT_STEP: Final = 5.0
"""Seconds of a step that no table lists (a dialect's own operation, say)."""

_Steps = Mapping[str | None, float]

DEFAULTS: Final[Mapping[str, _Steps]] = MappingProxyType(
    {
        "create": MappingProxyType(
            {"scheduling": 3.0, None: 1.0, "networking": 5.0, "block_device_mapping": 8.0, "spawning": 25.0}
        ),
        "reboot": MappingProxyType({"rebooting": 2.0, "reboot_pending": 3.0, "reboot_started": 15.0}),
        "hard_reboot": MappingProxyType(
            {"rebooting_hard": 2.0, "reboot_pending_hard": 2.0, "reboot_started_hard": 8.0}
        ),
        "rebuild": MappingProxyType(
            {"rebuilding": 10.0, "rebuild_block_device_mapping": 5.0, "rebuild_spawning": 25.0, "powering-off": 5.0}
        ),
        "evacuate": MappingProxyType(
            {"rebuilding": 15.0, "rebuild_block_device_mapping": 5.0, "rebuild_spawning": 30.0, "powering-off": 5.0}
        ),
        "resize": MappingProxyType(
            {"resize_prep": 5.0, "resize_migrating": 45.0, "resize_migrated": 5.0, "resize_finish": 20.0}
        ),
        "migrate": MappingProxyType(
            {"resize_prep": 5.0, "resize_migrating": 45.0, "resize_migrated": 5.0, "resize_finish": 15.0}
        ),
        "live_migrate": MappingProxyType({"migrating": 60.0}),
        "revert_resize": MappingProxyType({"resize_reverting": 30.0, "powering-off": 5.0}),
        "shelve": MappingProxyType(
            {
                "shelving": 10.0,
                "shelving_image_pending_upload": 5.0,
                "shelving_image_uploading": 60.0,
                "shelving_offloading": 10.0,
            }
        ),
        "shelve_offload": MappingProxyType({"shelving_offloading": 10.0}),
        "unshelve": MappingProxyType({"unshelving": 10.0, "powering-on": 10.0, "spawning": 30.0}),
        "pause": MappingProxyType({"pausing": 2.0}),
        "unpause": MappingProxyType({"unpausing": 2.0}),
        "suspend": MappingProxyType({"suspending": 10.0}),
        "resume": MappingProxyType({"resuming": 10.0}),
        "rescue": MappingProxyType({"rescuing": 30.0}),
        "unrescue": MappingProxyType({"unrescuing": 20.0}),
        "stop": MappingProxyType({"powering-off": 10.0}),
        "start": MappingProxyType({"powering-on": 10.0}),
        "delete": MappingProxyType({"deleting": 5.0, "soft-deleting": 5.0}),
        "force_delete": MappingProxyType({"deleting": 5.0}),
        "restore": MappingProxyType({"restoring": 10.0}),
        "create_image": MappingProxyType(
            {
                "image_snapshot_pending": 2.0,
                "image_snapshot": 15.0,
                "image_pending_upload": 3.0,
                "image_uploading": 60.0,
            }
        ),
        "create_backup": MappingProxyType({"image_backup": 15.0, "image_pending_upload": 3.0, "image_uploading": 60.0}),
        "change_password": MappingProxyType({"updating_password": 5.0}),
        "power_update_on": MappingProxyType({"powering-on": 5.0}),
        "force_stop": MappingProxyType({"powering-off": 10.0}),
        "power_update_off": MappingProxyType({"powering-off": 5.0}),
        # Huawei ECS operations of their own (lifecycle/model/dialects/huawei_ecs.py). The
        # Terraform provider notes power actions "usually" take 15-35 s (TF-ci:2282).
        "resize_with_stop": MappingProxyType({"powering-off": 10.0}),
        "nova_resize": MappingProxyType(
            {"resize_prep": 5.0, "resize_migrating": 45.0, "resize_migrated": 5.0, "resize_finish": 20.0}
        ),
        "cold_migrate": MappingProxyType(
            {"resize_prep": 5.0, "resize_migrating": 45.0, "resize_migrated": 5.0, "resize_finish": 15.0}
        ),
        "reinstall_os": MappingProxyType(
            {"rebuilding": 10.0, "rebuild_block_device_mapping": 5.0, "rebuild_spawning": 25.0}
        ),
        "change_os": MappingProxyType(
            {"rebuilding": 10.0, "rebuild_block_device_mapping": 5.0, "rebuild_spawning": 25.0}
        ),
    }
)

DurationSpec: TypeAlias = "Mapping[str, float | Mapping[str | None, float]]"
"""Overrides: ``{operation: total seconds}`` or ``{operation: {task_state or None: seconds}}``."""

_TASK_NAMES = frozenset(t.value for t in TaskState)


class Durations:
    """Seconds per task step, resolved from defaults, overrides and a scale (immutable).

    Args:
        overrides: see :data:`DurationSpec`; layered over ``base``.
        scale: multiplies every duration (``0`` makes every step instant).
        jitter: each step lasts a random factor in ``[1 - jitter, 1 + jitter]`` of its
            duration, drawn from the fleet's seeded generator.
        base: the durations to override (default: :data:`DEFAULTS`).
        operations: the operation names an override may use (a fleet passes its
            dialect's); default: every registered dialect's, and :data:`DEFAULTS`.

    Raises:
        UnknownStateError: a task_state key that Nova does not have.
        UnknownOperationError: an override names an operation outside ``operations`` (a typo, "rebot").
        ValueError: a negative duration, scale or a jitter outside ``[0, 1]``.
    """

    __slots__ = ("_cache", "_steps", "jitter", "scale")

    _steps: dict[str, dict[str | None, float]]
    _cache: dict[tuple[str, str | None], float]
    scale: float
    jitter: float

    def __init__(
        self,
        overrides: DurationSpec | None = None,
        *,
        scale: float | None = None,
        jitter: float | None = None,
        base: Durations | None = None,
        operations: Iterable[str] | None = None,
    ) -> None:
        steps: dict[str, dict[str | None, float]] = (
            {op: dict(row) for op, row in base._steps.items()}
            if base is not None
            else {op: dict(row) for op, row in DEFAULTS.items()}
        )
        if overrides is not None and not isinstance(overrides, Mapping):
            raise ArgumentTypeError(
                "durations", overrides, "a mapping of operation -> seconds or {task_state: seconds}, or a Durations"
            )
        known_ops: tuple[str, ...] | None = None if operations is None else tuple(dict.fromkeys(operations))
        for op, value in (overrides or {}).items():
            if op not in steps:  # a typo ("rebot") would otherwise be a silent no-op
                known_ops = known_ops or _operation_names()
                if op not in known_ops:
                    raise UnknownOperationError("operation in durations", op, known_ops)
            if isinstance(value, Mapping):
                row = steps.setdefault(op, {})
                for task, seconds in value.items():
                    if task is not None and task not in _TASK_NAMES:
                        raise UnknownStateError(f"task_state in durations[{op!r}]", task, sorted(_TASK_NAMES))
                    row[task] = _seconds(seconds, f"durations[{op!r}][{task!r}]")
            else:
                total = _seconds(value, f"durations[{op!r}]")
                known = steps.get(op)
                if not known:
                    steps[op] = {"*": total}  # no known steps: each lasts `total`
                    continue
                default_total = sum(known.values())
                factor = total / default_total if default_total else 0.0
                steps[op] = {task: seconds * factor for task, seconds in known.items()}
        self._steps = steps
        self.scale = (base.scale if base is not None else 1.0) if scale is None else _seconds(scale, "scale")
        self.jitter = (base.jitter if base is not None else 0.0) if jitter is None else _seconds(jitter, "jitter")
        if not 0.0 <= self.jitter <= 1.0:
            raise ArgumentValueError("jitter", jitter, "between 0 and 1")
        self._cache = {}

    def step(self, operation: str, task: str | None) -> float:
        """Seconds a server of ``operation`` spends in ``task`` before its next step (jitter aside)."""
        key = (operation, task)
        found = self._cache.get(key)
        if found is None:
            row = self._steps.get(operation, {})
            seconds = row.get(task, row.get("*", DEFAULT_STEP))
            found = self._cache[key] = seconds * self.scale
        return found

    def total(self, operation: str) -> float:
        """The sum of an operation's listed steps (its longest route, for Nova's operations)."""
        return sum(self._steps.get(operation, {}).values()) * self.scale

    def override(
        self, overrides: DurationSpec | None = None, *, operations: Iterable[str] | None = None, **options: float
    ) -> Durations:
        """These durations with ``overrides`` (and ``scale=``/``jitter=``) layered on top."""
        return Durations(overrides, base=self, operations=operations, **options)

    def check_operations(self, known: tuple[str, ...]) -> None:
        """Raise :class:`UnknownOperationError` for an overridden operation outside ``known``."""
        for op in self._steps:
            if op not in known and op not in DEFAULTS:
                raise UnknownOperationError("operation in durations", op, known)

    def as_dict(self) -> dict[str, dict[str | None, float]]:
        """Every listed step, scaled, as plain data (for docs and reprs)."""
        return {op: {task: s * self.scale for task, s in row.items()} for op, row in self._steps.items()}

    def __repr__(self) -> str:
        return f"Durations(scale={self.scale!r}, jitter={self.jitter!r})"


def _operation_names() -> tuple[str, ...]:
    """Every operation of a registered dialect, and the ones with default durations."""
    from lifecycle.model import dialects  # lazy: the registry loads every bundled dialect

    names = (op.name for name in dialects.names() for op in dialects.get(name).operations)
    return tuple(dict.fromkeys([*names, *DEFAULTS]))


def _seconds(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or value < 0:
        raise ArgumentValueError(what, value, "a number of seconds >= 0")
    return float(value)
