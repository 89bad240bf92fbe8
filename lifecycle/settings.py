"""Cloud settings that change which path an operation takes.

Each defaults to Nova's own default (``nova/conf/compute.py``), so an unconfigured
model behaves like an unconfigured cloud. The simulator reads the time-based ones
for Nova's periodic jobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from lifecycle.errors import LifecycleError, UnknownNameError

__all__ = ["Settings"]


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """The per-cloud (and per-server) options of the lifecycle.

    Attributes:
        shelved_offload_time: seconds a shelved server stays on its host before
            it is offloaded. ``0`` (Nova's default) offloads at once, so shelve ends
            SHELVED_OFFLOADED; ``-1`` never offloads; ``> 0`` offloads later (a
            periodic job in the simulator).
        reclaim_instance_interval: seconds a deleted server stays SOFT_DELETED and
            restorable. ``0`` (default) makes ``delete`` a hard delete.
        resize_confirm_window: seconds after which a resize is confirmed
            automatically; ``0`` (default) never.
        volume_backed: the server boots from a volume: shelve offloads straight
            away and a snapshot sets no task_state.
    """

    shelved_offload_time: int = 0
    reclaim_instance_interval: int = 0
    resize_confirm_window: int = 0
    volume_backed: bool = False

    @classmethod
    def from_kwargs(cls, base: Settings | None = None, /, **kwargs: Any) -> Settings:
        """Build settings from keyword arguments, naming any unknown or mistyped one."""
        if not kwargs:  # every Server and FleetServer comes here: no copy when nothing changes (frozen)
            return base if base is not None else _DEFAULT
        names = [f.name for f in dataclasses.fields(cls)]
        for key, value in kwargs.items():
            if key not in names:
                raise UnknownNameError("setting", key, names)
            expected = bool if key == "volume_backed" else int
            if type(value) is not expected:
                raise SettingTypeError(key, value, expected)
        return dataclasses.replace(base or cls(), **kwargs)

    def as_dict(self) -> Mapping[str, int | bool]:
        """The settings as a plain mapping (for JSON and reprs)."""
        return dataclasses.asdict(self)


class SettingTypeError(LifecycleError, TypeError):
    """A setting was given a value of the wrong type."""

    def __init__(self, name: str, value: object, expected: type) -> None:
        self.name = name
        self.value = value
        super().__init__(f"setting {name!r} must be {expected.__name__} (got {value!r}, a {type(value).__name__})")


_DEFAULT = Settings()
