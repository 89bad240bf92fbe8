"""The ``lifecycle`` command line: one module per subcommand, found by name.

Each module in this package that does not start with ``_`` is a subcommand. It
defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Modules import only the standard library at the top and the heavy parts inside
``run``, so ``lifecycle status`` starts fast.

Exit codes: 0 ok, 1 the thing checked is invalid, 2 bad usage or bad input. No
traceback reaches the user: library errors print one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from lifecycle.cli._common import EXIT_USAGE, CliError

__all__ = ["main"]


def _commands() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found[info.name] = importlib.import_module(f"{__name__}.{info.name}")
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to generate the CLI reference)."""
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="The lifecycle of a cloud server (OpenStack Nova, Huawei ECS) as a state machine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _commands().items():
        command = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    from lifecycle.errors import LifecycleError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
    except CliError as exc:
        print(f"lifecycle {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except LifecycleError as exc:
        print(f"lifecycle {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a path that cannot be read or written: one line, not a traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"lifecycle {args.command}: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    return code
