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
        command.set_defaults(_run=module.run, _parser=command)
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``argv`` parsed, options allowed between positionals (``check reboot --no-settle resize``).

    argparse stops a positional list at the first option and then calls what
    follows "unrecognized", with the top-level usage; so what the first pass
    leaves over is parsed again by the subcommand's own parser with
    ``parse_intermixed_args``, and any error shows that subcommand's usage.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(words)
    if not extra:
        return args
    sub: argparse.ArgumentParser = args._parser
    again = sub.parse_intermixed_args(words[words.index(args.command) + 1 :])
    again.command = args.command
    return again


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    from lifecycle.errors import LifecycleError

    parser = build_parser()
    args = parse(parser, argv)
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
