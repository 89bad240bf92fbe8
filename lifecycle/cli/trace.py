"""Check observed server states against the lifecycle, e.g. ``lifecycle trace servers.jsonl``.

The input holds server objects as the API returns them (GET /servers/{id},
``openstack server show -f json``): JSON Lines, a JSON array, or pretty-printed
objects one after another; ``-`` reads stdin. Servers are told apart by ``id``.
Each change between two observations of a server must be one the model makes
with at most ``--max-ops`` requests (task steps and failures in between are
free). Exit codes: 1 if a change is unexplained, else 2 if some line was
unusable (malformed JSON, no ``status``...), else 0.
"""

from __future__ import annotations

import argparse
import sys

from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, CliError, add_dialect, add_json, print_json
from lifecycle.cli._options import add_settings, settings_of

HELP = "check a trace of observed server states"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the trace (JSON Lines, JSON array...), or - for stdin")
    ops = parser.add_mutually_exclusive_group()
    ops.add_argument(
        "--max-ops",
        type=int,
        default=1,
        metavar="N",
        help="requests allowed between two observations of a server (default: 1)",
    )
    ops.add_argument("--any-ops", action="store_true", help="any number of requests between observations")
    parser.add_argument("-q", "--quiet", action="store_true", help="hide explained changes")
    parser.add_argument(
        "--resets", action="store_true", help="let an admin os-resetState explain a change nothing else does"
    )
    add_dialect(parser)
    add_json(parser)
    add_settings(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.trace import check_trace

    if args.max_ops < 0:
        raise CliError(f"--max-ops must be 0 or more (got {args.max_ops})")
    try:
        if args.file == "-":
            data: bytes = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    report = check_trace(
        data,
        dialect=args.dialect,
        max_operations=None if args.any_ops else args.max_ops,
        resets=args.resets,
        **settings_of(args),
    )
    code = EXIT_INVALID if not report.valid else EXIT_USAGE if report.problems else EXIT_OK
    if args.json:
        print_json(report.as_dict())
        return code
    for server in report.servers.values():
        name = server.server_id or "(no id)"
        bad = len(server.unexplained)
        verdict = "ok" if not bad else f"INVALID, {bad} unexplained change(s)"
        skipped = f", {server.skipped} skipped (UNKNOWN)" if server.skipped else ""
        print(
            f"server {name}: {verdict} ({server.observations} observation(s){skipped}, "
            f"{len(server.changes)} change(s), last {server.last})"
        )
        for change in server.changes:
            if change.explained and args.quiet:
                continue
            print(f"  {change}")
    if report.problems:
        print(f"unusable input ({len(report.problems)} line(s)):")
        for problem in report.problems[:50]:
            print(f"  {problem}")
        if len(report.problems) > 50:
            print(f"  ... and {len(report.problems) - 50} more")
    unexplained = len(report.unexplained)
    print(
        f"{'ok' if code == EXIT_OK else 'invalid' if code == EXIT_INVALID else 'bad input'}: "
        f"{len(report.servers)} server(s), {report.observations} observation(s), "
        f"{unexplained} unexplained change(s), {len(report.problems)} unusable line(s)"
    )
    return code
