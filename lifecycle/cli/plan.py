"""Find the shortest operations from one state to another: ``lifecycle plan SHELVED_OFFLOADED VERIFY_RESIZE``.

Task steps are free: a goal shown only while a task runs (RESIZE) is reached by
requesting the operation that shows it. Exit code 1 when no sequence gets there.
"""

from __future__ import annotations

import argparse
from typing import Any

from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, add_dialect, add_json, print_json
from lifecycle.cli._options import PLACE_HELP, add_settings, settings_of

HELP = "shortest operations from one state to another"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("start", help=f"where the server is: {PLACE_HELP}, or 'new' (not created)")
    parser.add_argument("goal", help="the status to reach, or vm_state/task_state")
    parser.add_argument("--failures", action="store_true", help="allow task failures on the way (to reach ERROR)")
    parser.add_argument(
        "--resets", action="store_true", help="allow an admin os-resetState where nothing else gets there"
    )
    add_dialect(parser)
    add_json(parser)
    add_settings(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.validate.paths import plan

    start = args.start
    settings = settings_of(args)
    steps = plan(start, args.goal, dialect=args.dialect, failures=args.failures, resets=args.resets, **settings)
    if args.json:
        print_json({"start": args.start, "goal": args.goal, "reachable": steps is not None, "operations": steps})
        return EXIT_OK if steps is not None else EXIT_INVALID
    if steps is None:
        hint = ""
        if not args.failures and plan(start, args.goal, dialect=args.dialect, failures=True, **settings) is not None:
            hint = " (only through a task failure: try --failures)"
        print(f"unreachable: no sequence of operations leads from {args.start} to {args.goal}{hint}")
        return EXIT_INVALID
    if not steps:
        print(f"nothing to do: {_already(args, settings)}")
    for number, op in enumerate(steps, 1):
        print(f"{number}. {op}")
    return EXIT_OK


def _already(args: argparse.Namespace, settings: dict[str, Any]) -> str:
    """Why no operation is needed, truthfully: START shows GOAL now, or its running task ends there."""
    from lifecycle.model.nodes import matching, parse_place, start_node
    from lifecycle.model.settings import Settings
    from lifecycle.model.table import table_for

    table = table_for(args.dialect, Settings.from_kwargs(**settings))
    node = start_node(table, args.start)
    if matching(table, [node], parse_place(table, args.goal)):
        return f"{args.start} already shows {args.goal}"
    return f"{args.start} gets to {args.goal} by itself (its task ends there), no request needed"
