"""Options shared by the subcommands that build a model: cloud settings and where a server is."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from lifecycle.model.settings import Settings

_HELP = {
    "shelved_offload_time": "seconds before a shelved server is offloaded (0: at once, -1: never)",
    "reclaim_instance_interval": "seconds a deleted server stays SOFT_DELETED (0: delete is a hard delete)",
    "resize_confirm_window": "seconds before a resize is confirmed automatically (0: never)",
    "volume_backed": "the server boots from a volume",
    "microversion": "compute API microversion of the requests (2.1 to the latest; default latest)",
    "max_attempts": "hosts a build is tried on before MaxRetriesExceeded (Nova's [scheduler]max_attempts, 3)",
    "host_up": "the server's compute host is down (evacuate needs it; delete is local)",
}

PLACE_HELP = "a status (SHUTOFF), a vm_state (stopped), or vm_state/task_state (active/rebooting)"


def add_settings(parser: argparse.ArgumentParser) -> None:
    """One option per :class:`lifecycle.Settings` field (``--reclaim-instance-interval 3600``...)."""
    group = parser.add_argument_group("cloud settings (default: Nova's defaults)")
    for field in dataclasses.fields(Settings):
        flag = "--" + field.name.replace("_", "-")
        help_text = _HELP.get(field.name, "")
        if field.name == "host_up":
            group.add_argument("--host-down", dest=field.name, action="store_false", default=None, help=help_text)
        elif field.type in (bool, "bool"):
            group.add_argument(flag, dest=field.name, action="store_true", default=None, help=help_text)
        elif field.name == "microversion":
            group.add_argument(flag, dest=field.name, default=None, metavar="2.N", help=help_text)
        elif field.name == "max_attempts":
            group.add_argument(flag, dest=field.name, type=int, default=None, metavar="N", help=help_text)
        else:
            group.add_argument(flag, dest=field.name, type=int, default=None, metavar="SECONDS", help=help_text)


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, as keyword arguments."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(Settings):
        value = getattr(args, field.name, None)
        if value is not None:
            out[field.name] = value
    return out


def operation_names(words: list[str], stdin_text: str | None = None) -> list[str]:
    """Operation names from the command line.

    Commas separate too, a lone ``-`` reads more names from stdin, and ``-``
    inside a name is ``_`` (``confirm-resize``), as people type them. In what
    stdin gives, ``#`` starts a comment to the end of the line (a steps file
    may explain itself).
    """
    out: list[str] = []
    for word in words:
        if word == "-":
            lines = (line.split("#", 1)[0] for line in (stdin_text or "").splitlines())
            out += operation_names(" ".join(lines).replace(",", " ").split())
            continue
        out += [part.strip().replace("-", "_") for part in word.split(",") if part.strip()]
    return out
