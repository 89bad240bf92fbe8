"""Serve a fake OpenStack Compute API on loopback, e.g. ``lifecycle serve --port 8774``.

Point openstacksdk at it with ``openstack.connect(auth_type="none",
compute_endpoint_override="http://127.0.0.1:8774/v2.1")``, or the CLI with
``openstack --os-auth-type none --os-endpoint http://127.0.0.1:8774/v2.1
--os-identity-api-version 3 server list``.
"""

from __future__ import annotations

import argparse
import math

from lifecycle.cli._common import EXIT_OK, CliError

HELP = "serve a fake Compute API (Nova v2.1) that openstacksdk and the openstack CLI can drive"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8774, help="TCP port on 127.0.0.1 (default 8774; 0 picks one)")
    parser.add_argument(
        "--pace",
        choices=("instant", "wall", "manual"),
        default="wall",
        help="how tasks advance: wall (real time, short durations; default), instant (one step per read)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="wall pace: simulated seconds per real second (a finite number > 0)"
    )
    parser.add_argument(
        "--reclaim-instance-interval",
        type=int,
        default=0,
        metavar="SECONDS",
        help="> 0 makes DELETE a soft delete (restorable), as in Nova",
    )
    parser.add_argument(
        "--shelved-offload-time", type=int, default=0, metavar="SECONDS", help="0 offloads at once (Nova default)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument(
        "--notifications",
        metavar="FILE",
        help="append Nova's versioned notifications for every change to FILE (JSON Lines)",
    )
    parser.add_argument(
        "--notifications-url",
        metavar="URL",
        help="also send them through oslo.messaging to URL (rabbit://...; needs the [watch] extra)",
    )


def run(args: argparse.Namespace) -> int:
    from lifecycle.api.app import ComputeApp
    from lifecycle.api.cloud import Cloud
    from lifecycle.api.serve import serve_forever

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be 0-65535 (got {args.port})")
    if not math.isfinite(args.speed) or args.speed <= 0:
        raise CliError(f"--speed must be a finite number > 0 (got {args.speed})")
    notifier = None
    if args.notifications or args.notifications_url:
        from lifecycle.api.cloud import now
        from lifecycle.notifications import NovaNotifier

        # Stamped from the wall time the cloud starts at, like the API's own timestamps.
        notifier = NovaNotifier(args.notifications, transport=args.notifications_url, epoch=now())
    cloud = Cloud(
        pace=args.pace,
        speed=args.speed,
        reclaim_instance_interval=args.reclaim_instance_interval,
        shelved_offload_time=args.shelved_offload_time,
        notifications=notifier,
    )
    try:
        serve_forever(ComputeApp(cloud), port=args.port, quiet=args.quiet, announce=True)
    except OSError as exc:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass
    return EXIT_OK
