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
    import sys

    from lifecycle.errors import UnknownStateError
    from lifecycle.model.status import parse_task_state, parse_vm_state, status_of

    status = status_of(args.vm_state, args.task_state, dialect=args.dialect, strict=args.strict)
    for parse, value in ((parse_vm_state, args.vm_state), (parse_task_state, args.task_state)):
        try:
            parse(value)
        except UnknownStateError as exc:  # lenient like the API, but say so
            print(f"lifecycle status: warning: {exc} (the API shows this as {status.value})", file=sys.stderr)
    if args.json:
        print_json({"vm_state": args.vm_state, "task_state": args.task_state, "status": status.value})
    else:
        print(status.value)
    return EXIT_OK
