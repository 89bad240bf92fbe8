"""Print the public status of a (vm_state, task_state) pair, e.g. ``lifecycle status active rebooting``."""

from __future__ import annotations

import argparse

from lifecycle.cli._common import EXIT_OK, add_dialect, add_json, print_json

HELP = "status of a vm_state and task_state pair"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vm_state", help="e.g. active, stopped, soft-delete")
    parser.add_argument("task_state", nargs="?", default=None, help="e.g. rebooting; omit or 'null' for none")
    parser.add_argument("--strict", action="store_true", help="reject unknown names instead of showing UNKNOWN")
    add_dialect(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.status import status_of

    status = status_of(args.vm_state, args.task_state, dialect=args.dialect, strict=args.strict)
    if args.json:
        print_json({"vm_state": args.vm_state, "task_state": args.task_state, "status": status.value})
    else:
        print(status.value)
    return EXIT_OK
