"""Cloud settings that change which path an operation takes.

Each defaults to Nova's own default (``nova/conf/compute.py``), so an unconfigured
model behaves like an unconfigured cloud. The simulator reads the time-based ones
for Nova's periodic jobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from lifecycle.errors import LifecycleError, UnknownNameError, shown

__all__ = ["LATEST_MICROVERSION", "Settings", "parse_microversion"]

LATEST_MICROVERSION = "2.104"
"""The newest compute API microversion of Nova at the pinned commit
(``nova/api/openstack/api_version_request.py:_MAX_API_VERSION``)."""


def parse_microversion(value: object) -> tuple[int, int]:
    """``"2.95"`` as ``(2, 95)``; ``"latest"`` is :data:`LATEST_MICROVERSION`.

    Raises:
        MicroversionError: not ``2.<n>`` between 2.1 and the latest.
    """
    text = LATEST_MICROVERSION if value == "latest" else value
    if isinstance(text, str):
        major, _, minor = text.partition(".")
        if major == "2" and minor.isdigit() and minor == str(int(minor)):
            found = (2, int(minor))
            if (2, 1) <= found <= (2, int(LATEST_MICROVERSION.split(".")[1])):
                return found
    raise MicroversionError(value)


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
        microversion: the compute API microversion requests are made with
            (``"2.95"``; default the newest, :data:`LATEST_MICROVERSION`):
            evacuate ends SHUTOFF from 2.95, trigger_crash_dump exists from 2.17...
        max_attempts: ``[scheduler]max_attempts``: builds tried on this many
            hosts before a reschedule gives up with ``MaxRetriesExceeded``.
        host_up: the nova-compute service of the server's host is up. Evacuate
            needs it down; a delete then is a local delete.
    """

    shelved_offload_time: int = 0
    reclaim_instance_interval: int = 0
    resize_confirm_window: int = 0
    volume_backed: bool = False
    microversion: str = LATEST_MICROVERSION
    max_attempts: int = 3
    host_up: bool = True

    def __post_init__(self) -> None:
        # Normalised once ("latest" -> "2.104"), so equal settings hash alike.
        version = parse_microversion(self.microversion)
        object.__setattr__(self, "microversion", f"{version[0]}.{version[1]}")
        if type(self.max_attempts) is int and self.max_attempts < 1:
            raise SettingTypeError("max_attempts", self.max_attempts, int, ">= 1")

    @property
    def api_version(self) -> tuple[int, int]:
        """:attr:`microversion` as ``(2, n)``, for comparisons."""
        return parse_microversion(self.microversion)

    @classmethod
    def from_kwargs(cls, base: Settings | None = None, /, **kwargs: Any) -> Settings:
        """Build settings from keyword arguments, naming any unknown or mistyped one."""
        if not kwargs:  # every Server and FleetServer comes here: no copy when nothing changes (frozen)
            return base if base is not None else _DEFAULT
        names = [f.name for f in dataclasses.fields(cls)]
        for key, value in kwargs.items():
            if key not in names:
                raise UnknownNameError("setting", key, names)
            expected = _TYPES.get(key, int)
            if type(value) is not expected:
                raise SettingTypeError(key, value, expected)
        return dataclasses.replace(base or cls(), **kwargs)

    def as_dict(self) -> Mapping[str, int | bool]:
        """The settings as a plain mapping (for JSON and reprs)."""
        return dataclasses.asdict(self)


_TYPES: dict[str, type] = {"volume_backed": bool, "host_up": bool, "microversion": str}


class SettingTypeError(LifecycleError, TypeError):
    """A setting was given a value of the wrong type."""

    def __init__(self, name: str, value: object, expected: type, bound: str = "") -> None:
        self.name = name
        self.value = value
        what = f"{expected.__name__} {bound}".strip()
        super().__init__(f"setting {name!r} must be {what} (got {shown(value)})")


class MicroversionError(LifecycleError, ValueError):
    """A compute API microversion that Nova does not have."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(
            f"unknown compute API microversion {value!r}; valid choices: 2.1 to {LATEST_MICROVERSION}, or 'latest'"
        )


_DEFAULT = Settings()
