"""Check that a sequence of operations is legal, e.g. ``lifecycle check create stop resize confirm_resize start``.

Prints the state after each step. The first step the cloud would refuse is shown
with its 409 message and the operations legal there, and the exit code is 1.
By default each operation runs to completion before the next (a client that
waits); ``--no-settle`` requests the next one at once, while the task runs.
Steps may also be ``advance`` (one task step), ``fail`` (the task fails) and
``fail:<kind>`` (it fails as Nova handles that exception: ``fail:no-valid-host``).
Names may use ``-`` for ``_`` and be comma-separated; ``-`` reads more from stdin
(where ``#`` starts a comment to the end of the line).
"""

from __future__ import annotations

import argparse
import sys

from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, CliError, add_dialect, add_json, print_json
from lifecycle.cli._options import PLACE_HELP, add_settings, operation_names, settings_of

HELP = "check that a sequence of operations is legal"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "operations", nargs="+", metavar="OPERATION", help="operation names, advance, fail, fail:<kind>, or -"
    )
    parser.add_argument(
        "--start",
        metavar="STATE",
        default=None,
        help=f"where the server starts: {PLACE_HELP} (default: not created yet, so the first step is create)",
    )
    parser.add_argument(
        "--no-settle",
        dest="settle",
        action="store_false",
        help="request each step at once, while the previous task still runs",
    )
    parser.add_argument("--server-id", default="<server>", help="the server id refusal messages name")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the verdict")
    add_dialect(parser)
    add_json(parser)
    add_settings(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.validate.sequence import check

    stdin_text = sys.stdin.read() if "-" in args.operations else None
    ops = operation_names(args.operations, stdin_text)
    if not ops:
        raise CliError("no operations given")
    result = check(
        ops,
        start=args.start,
        dialect=args.dialect,
        settle=args.settle,
        server_id=args.server_id,
        **settings_of(args),
    )
    if args.json:
        print_json(result.as_dict())
        return EXIT_OK if result.ok else EXIT_INVALID
    if not args.quiet:
        width = max(len(op) for op in [*ops, "operation"])
        print(f"{'#':>4}  {'operation':<{width}}  state after")
        print(f"{'':>4}  {'(start)':<{width}}  {result.start}")
        for number, (op, state) in enumerate(zip(ops, result.states, strict=False), 1):
            print(f"{number:>4}  {op:<{width}}  {state}")
    violation = result.violation
    if violation is None:
        print(f"ok: {len(ops)} step(s) legal, ends {result.end}")
        return EXIT_OK
    if not args.quiet:
        print(f"{violation.index + 1:>4}  {violation.operation:<{width}}  REFUSED")
    print(
        f"invalid: step {violation.index + 1} ({violation.operation}) refused in {violation.state}: {violation.reason}"
    )
    print(f"legal there: {', '.join(violation.allowed) or '(nothing)'}")
    return EXIT_INVALID
