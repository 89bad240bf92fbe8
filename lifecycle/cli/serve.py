"""Serve a fake OpenStack cloud (Compute, Identity, Image, Network) on loopback, e.g. ``lifecycle serve --port 8774``.

``lifecycle serve --print-clouds-yaml > clouds.yaml`` writes a clouds.yaml with a
password cloud per user; then ``openstack --os-cloud lifecycle server list``.
Without a password, ``openstack.connect(auth_type="none",
compute_endpoint_override="http://127.0.0.1:8774/v2.1")`` still works.
"""

from __future__ import annotations

import argparse
import math

from lifecycle.cli._common import EXIT_OK, CliError

HELP = "serve a fake OpenStack cloud (Nova, Keystone, Glance, Neutron) that real clients drive"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8774, help="TCP port on 127.0.0.1 (default 8774; 0 picks one)")
    parser.add_argument(
        "--pace",
        choices=("instant", "wall", "manual"),
        default="wall",
        help="how tasks advance: wall (real time, short durations; default), instant (one step per read), "
        "manual (never, from this command: only a Python test's cloud.advance()/settle() moves tasks; "
        "use serve_in_thread(pace='manual') for that)",
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
    parser.add_argument(
        "--quota",
        action="append",
        metavar="NAME=VALUE",
        help="a Nova [quota] default, e.g. instances=100 or cores=-1 (-1: unlimited; repeatable; "
        "Nova's defaults: 10 servers, 20 cores, 51200 MB of RAM per project)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument(
        "--print-clouds-yaml",
        action="store_true",
        help="print a clouds.yaml (password auth, one cloud per user) on stdout, then serve",
    )
    parser.add_argument(
        "--user",
        action="append",
        metavar="NAME:PASSWORD@PROJECT[/ROLES]",
        help="a user to log in as (repeatable; replaces the default admin, demo, alt_demo; default role: member)",
    )
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
    from lifecycle.api.accounts import Accounts
    from lifecycle.api.app import ComputeApp
    from lifecycle.api.cloud import Cloud
    from lifecycle.api.quota_config import parse_quota
    from lifecycle.api.serve import serve_forever

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be 0-65535 (got {args.port})")
    if not math.isfinite(args.speed) or args.speed <= 0:
        raise CliError(f"--speed must be a finite number > 0 (got {args.speed})")
    try:
        accounts = Accounts(args.user) if args.user else Accounts()
    except ValueError as exc:
        raise CliError(f"--user: {exc}") from None
    quotas: dict[str, int] = {}
    for text in args.quota or ():
        try:
            name, value = parse_quota(text)
        except ValueError as exc:
            raise CliError(f"--quota: {exc}") from None
        quotas[name] = value
    notifier = None
    if args.notifications or args.notifications_url:
        from lifecycle.api.cloud import now
        from lifecycle.validate.notifications import NovaNotifier

        # Stamped from the wall time the cloud starts at, like the API's own timestamps.
        notifier = NovaNotifier(args.notifications, transport=args.notifications_url, epoch=now())
    cloud = Cloud(
        accounts=accounts,
        pace=args.pace,
        speed=args.speed,
        reclaim_instance_interval=args.reclaim_instance_interval,
        shelved_offload_time=args.shelved_offload_time,
        notifications=notifier,
        quotas=quotas,
    )
    try:
        serve_forever(
            ComputeApp(cloud),
            port=args.port,
            quiet=args.quiet,
            announce=True,
            print_clouds_yaml=args.print_clouds_yaml,
        )
    except OSError as exc:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass
    return EXIT_OK
