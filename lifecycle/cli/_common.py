"""Options and errors shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def add_dialect(parser: argparse.ArgumentParser) -> None:
    """``--dialect`` (validated when used, so the choices list stays lazy)."""
    parser.add_argument("--dialect", default="nova", metavar="NAME", help="cloud dialect: nova (default), huawei-ecs")


def add_json(parser: argparse.ArgumentParser) -> None:
    """``--json``: machine-readable output."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def print_json(data: Any) -> None:
    """Print ``data`` as indented, key-sorted JSON."""
    json.dump(data, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
