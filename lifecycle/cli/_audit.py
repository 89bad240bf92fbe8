"""Options and output shared by ``lifecycle trace`` and ``lifecycle watch``: stuck limits and findings."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from lifecycle.cli._common import CliError

if TYPE_CHECKING:
    from lifecycle.validate.stuck import StuckLimits
    from lifecycle.validate.trace import Finding, ServerTrace, TraceReport


def add_stuck(parser: argparse.ArgumentParser) -> None:
    """Nova's timeouts after which a server that has not moved is reported (``--resize-confirm-window`` and
    ``--shelved-offload-time`` are cloud settings, shared with the model)."""
    group = parser.add_argument_group("stuck servers (Nova's timeouts; 0 switches a rule off)")
    group.add_argument("--instance-build-timeout", type=float, default=0, metavar="SECONDS", help="BUILD longer")
    group.add_argument("--rescue-timeout", type=float, default=0, metavar="SECONDS", help="RESCUE longer")
    group.add_argument(
        "--task-timeout", type=float, default=None, metavar="SECONDS", help="any task_state longer (default: off)"
    )
    group.add_argument(
        "--stuck-grace",
        type=float,
        default=None,
        metavar="SECONDS",
        help="added for the periodic job's interval (default: Nova's, 60 s; 3600 s for shelved)",
    )


def stuck_of(args: argparse.Namespace, settings: dict[str, Any]) -> StuckLimits:
    """The limits the options ask for, with the cloud settings' resize window and offload time."""
    from lifecycle.errors import LifecycleError
    from lifecycle.model.settings import Settings
    from lifecycle.validate.stuck import StuckLimits

    try:
        return StuckLimits.from_settings(
            Settings.from_kwargs(None, **settings),
            instance_build_timeout=args.instance_build_timeout,
            rescue_timeout=args.rescue_timeout,
            task_timeout=args.task_timeout,
            grace=args.stuck_grace,
        )
    except LifecycleError as exc:
        raise CliError(str(exc)) from None


def finding_json(finding: Finding) -> str:
    """One finding as one JSON line, with its ``kind``: ``change``, ``stuck`` or ``problem``."""
    from lifecycle.validate.trace import Change, Stuck

    if isinstance(finding, Change):
        data = {"kind": "change", **finding.as_dict()}
    elif isinstance(finding, Stuck):
        data = {"kind": "stuck", **finding.as_dict()}
    else:
        data = {"kind": "problem", "line": finding.line, "message": finding.message}
    return json.dumps(data, sort_keys=True, default=str)


def summary_json(report: TraceReport, code: int) -> str:
    """The last JSON line: the verdict and its counts."""
    return json.dumps(
        {
            "kind": "summary",
            "ok": report.ok,
            "valid": report.valid,
            "exit": code,
            "servers": len(report.servers),
            "observations": report.observations,
            "unexplained": sum(len(s.unexplained) for s in report.servers.values()),
            "stuck": sum(len(s.stuck) for s in report.servers.values()),
            "problems": len(report.problems),
        },
        sort_keys=True,
    )


def print_server(server: ServerTrace, *, quiet: bool) -> None:
    """One server, human-readable: verdict, changes (each unexplained one with the last good state and the
    candidates the checker considered), stuck states, faults."""
    name = server.server_id or "(no id)"
    bad = len(server.unexplained)
    verdict = "ok" if not bad else f"INVALID, {bad} unexplained change(s)"
    if server.stuck:
        verdict += f", STUCK {len(server.stuck)} time(s)"
    skipped = f", {server.skipped} skipped (UNKNOWN)" if server.skipped else ""
    print(
        f"server {name}: {verdict} ({server.observations} observation(s){skipped}, "
        f"{len(server.changes)} change(s), last {server.last})"
    )
    for change in server.changes:
        if change.explained and quiet:
            continue
        print(f"  {change}")
        if not change.explained:
            if change.last_good is not None:
                print(f"    last good state: {change.last_good}")
            if change.considered:
                print(f"    candidates considered: {'; '.join(change.considered)}")
        if change.fault:
            print(f"    fault: {change.fault}")
    for stuck in server.stuck:
        print(f"  {stuck}")
    for fault in server.faults:
        if not any(c.fault == fault.message and c.line == fault.line for c in server.changes):
            print(f"  line {fault.line}: fault: {fault.message}")


def write_line(text: str) -> None:
    """Print and flush (a watcher's reader sees each finding at once)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
