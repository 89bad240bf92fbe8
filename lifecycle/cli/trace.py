"""Check observed server states against the lifecycle, e.g. ``lifecycle trace servers.jsonl``.

The input holds server objects as the API returns them (GET /servers/{id},
``openstack server show -f json``): JSON Lines, a JSON array, or pretty-printed
objects one after another; ``-`` reads stdin. With ``--format
nova-notifications`` it holds Nova's versioned notifications instead (as
oslo.messaging's log or messaging drivers write them). Servers are told apart by
``id``. Each change between two observations of a server must be one the model
makes with at most ``--max-ops`` requests (task steps and failures in between
are free). Input is read line by line, in constant memory. Exit codes: 1 if a
change is unexplained or a server is stuck, else 2 if some line was unusable
(malformed JSON, no ``status``...), else 0.
"""

from __future__ import annotations

import argparse
import sys
from typing import BinaryIO

from lifecycle.cli._audit import add_stuck, finding_json, print_server, stuck_of, summary_json, write_line
from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, CliError, add_dialect
from lifecycle.cli._options import add_settings, settings_of

HELP = "check a trace of observed server states (API snapshots or Nova notifications)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the trace (JSON Lines, JSON array...), or - for stdin")
    parser.add_argument(
        "--format",
        choices=("servers", "nova-notifications"),
        default="servers",
        help="servers: API server bodies (default); nova-notifications: Nova's versioned notifications",
    )
    ops = parser.add_mutually_exclusive_group()
    ops.add_argument(
        "--max-ops",
        type=int,
        default=1,
        metavar="N",
        help="requests allowed between two observations of a server (default: 1)",
    )
    ops.add_argument("--any-ops", action="store_true", help="any number of requests between observations")
    parser.add_argument(
        "--resets", action="store_true", help="let an admin os-resetState explain a change nothing else does"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="hide explained changes")
    add_dialect(parser)
    parser.add_argument("--json", action="store_true", help="JSON Lines: one finding per line, then a summary")
    add_settings(parser)
    add_stuck(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.validate.trace import Audit, read_input

    if args.max_ops < 0:
        raise CliError(f"--max-ops must be 0 or more (got {args.max_ops})")
    settings = settings_of(args)
    audit = Audit(
        dialect=args.dialect,
        max_operations=None if args.any_ops else args.max_ops,
        stuck=stuck_of(args, settings),
        keep_explained=not (args.quiet or args.json),
        resets=args.resets,
        explained=not args.quiet,
        **settings,
    )
    handle: BinaryIO
    try:
        handle = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    try:
        for item in read_input(handle, args.format):
            found = audit.feed_item(item)
            if args.json:
                for finding in found:
                    if not (args.quiet and getattr(finding, "explained", False)):
                        write_line(finding_json(finding))
        for finding in audit.finish():
            if args.json:
                write_line(finding_json(finding))
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    report = audit.report
    stuck = any(s.stuck for s in report.servers.values())
    code = EXIT_INVALID if not report.valid or stuck else EXIT_USAGE if report.problems else EXIT_OK
    if args.json:
        write_line(summary_json(report, code))
        return code
    for server in report.servers.values():
        print_server(server, quiet=args.quiet)
    if report.problems:
        print(f"unusable input ({len(report.problems)} line(s)):")
        for problem in report.problems[:50]:
            print(f"  {problem}")
        if len(report.problems) > 50:
            print(f"  ... and {len(report.problems) - 50} more")
    unexplained = len(report.unexplained)
    stuck_count = sum(len(s.stuck) for s in report.servers.values())
    print(
        f"{'ok' if code == EXIT_OK else 'invalid' if code == EXIT_INVALID else 'bad input'}: "
        f"{len(report.servers)} server(s), {report.observations} observation(s), "
        f"{unexplained} unexplained change(s), {stuck_count} stuck, {len(report.problems)} unusable line(s)"
    )
    return code
