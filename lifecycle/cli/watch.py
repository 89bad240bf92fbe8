"""Audit a running cloud: each unexplained change or stuck server is reported the moment it is seen.

Two sources. ``--transport-url URL`` consumes Nova's versioned notifications
through oslo.messaging (``rabbit://user:pass@host:5672/``; needs the ``[watch]``
extra); ``--cloud NAME`` polls a cloud from clouds.yaml through openstacksdk
with ``changes-since``, at most once per ``--interval`` seconds. Stops after
``--duration`` seconds (or ``--polls`` polls), or on Ctrl-C. Exit codes: 1 if
something was reported, 0 if not, 2 for bad usage (a missing extra, a bad URL
or cloud name).
"""

from __future__ import annotations

import argparse
import math
import threading
from collections.abc import Callable

from lifecycle.cli._audit import add_stuck, finding_json, stuck_of, write_line
from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, CliError, add_dialect
from lifecycle.cli._options import add_settings, settings_of

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for the broker to accept a connection before giving up (exit 2)."""
GRACE = 5.0
"""Seconds the listener has, once ``--duration`` is over, to stop before the command gives up on it."""
_PORTS = {"rabbit": 5672, "amqp": 5672, "kafka": 9092}

HELP = "audit a running cloud live (Nova notifications, or polling a clouds.yaml cloud)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--transport-url", metavar="URL", help="oslo.messaging transport to Nova's notifications")
    source.add_argument("--cloud", metavar="NAME", help="a cloud from clouds.yaml to poll")
    parser.add_argument(
        "--all-projects",
        action="store_true",
        help="with --cloud: every project's servers, not only the token's own (admin only, as in Nova)",
    )
    parser.add_argument("--topic", default="versioned_notifications", help="notification topic (Nova's default)")
    parser.add_argument("--interval", type=float, default=5.0, metavar="SECONDS", help="between polls (default 5)")
    parser.add_argument("--polls", type=int, default=None, metavar="N", help="stop after N polls")
    parser.add_argument("--duration", type=float, default=None, metavar="SECONDS", help="stop after this long")
    parser.add_argument("--max-ops", type=int, default=1, metavar="N", help="requests between two observations")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print explained changes")
    add_dialect(parser)
    parser.add_argument("--json", action="store_true", help="JSON Lines: one finding per line")
    add_settings(parser)
    add_stuck(parser)


def run(args: argparse.Namespace) -> int:
    from lifecycle.validate.trace import Audit, Change, Finding

    for name in ("interval", "duration"):
        value = getattr(args, name)
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise CliError(f"--{name} must be a finite number > 0 (got {value})")
    if args.polls is not None and args.polls < 1:
        raise CliError(f"--polls must be 1 or more (got {args.polls})")
    if args.max_ops < 0:
        raise CliError(f"--max-ops must be 0 or more (got {args.max_ops})")
    if args.all_projects and args.cloud is None:
        raise CliError("--all-projects applies to --cloud (notifications already carry every project's servers)")
    settings = settings_of(args)
    audit = Audit(
        dialect=args.dialect,
        max_operations=args.max_ops,
        stuck=stuck_of(args, settings),
        keep_explained=False,
        explained=args.verbose,
        **settings,
    )
    reported = [0]

    def report(finding: Finding) -> None:
        if isinstance(finding, Change) and finding.explained:
            if args.verbose:
                write_line(finding_json(finding) if args.json else f"{finding.server_id} {finding}")
            return
        reported[0] += 1
        server = getattr(finding, "server_id", "")
        write_line(finding_json(finding) if args.json else f"{server} {finding}".strip())

    stop = threading.Event()
    timer = None
    if args.duration is not None:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    try:
        if args.transport_url is not None:
            from lifecycle.validate.watch import transport_for, watch_notifications

            transport = transport_for(args.transport_url)
            try:
                _reach_broker(args.transport_url, min(CONNECT_TIMEOUT, args.duration or CONNECT_TIMEOUT))
                _bounded(lambda: watch_notifications(transport, audit, report, topic=args.topic, stop=stop), stop)
            finally:
                transport.cleanup()
        else:
            _poll(args, audit, report, stop)
    except KeyboardInterrupt:
        pass
    finally:
        if timer is not None:
            timer.cancel()
    return EXIT_INVALID if reported[0] else EXIT_OK


def _reach_broker(url: str, timeout: float) -> None:
    """Refuse a broker that no host of ``url`` answers at.

    oslo.messaging retries an unreachable broker forever, inside the listener's
    start (kombu's ``ensure_connection``), past any ``--duration``: so one TCP
    connection per host is tried first, and nothing answering is exit 2 like a bad URL.
    """
    import socket

    from lifecycle.validate.watch import import_oslo

    messaging, conf = import_oslo()
    parsed = messaging.TransportURL.parse(conf, url)
    default = _PORTS.get(str(parsed.transport).split("+")[0])
    hosts = [(h.hostname, h.port or default) for h in parsed.hosts if h.hostname and (h.port or default)]
    if not hosts:
        return  # an in-process transport (fake://) or one whose port we do not know: nothing to probe
    failures: list[str] = []
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as exc:
            failures.append(f"{host}:{port} ({exc.strerror or exc})")
    raise CliError(f"cannot reach the message broker at {', '.join(failures)}: is it running, and is the URL right?")


def _bounded(work: Callable[[], object], stop: threading.Event) -> None:
    """Run ``work`` (the listener) in a thread; once ``stop`` is set it has :data:`GRACE` seconds to return.

    A broker that accepted the connection but never completes the handshake
    would otherwise keep the command past ``--duration``.
    """
    done = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, name="lifecycle-watch", daemon=True).start()
    try:
        while not done.wait(0.2):
            if stop.is_set() and not done.wait(GRACE):
                raise CliError(f"the message broker did not answer; gave up {GRACE:g} seconds after --duration")
    except KeyboardInterrupt:
        stop.set()
        done.wait(GRACE)
    if failure:
        raise failure[0]


def _poll(args: argparse.Namespace, audit: object, report: object, stop: threading.Event) -> None:
    import warnings

    from lifecycle.validate.watch import poll_cloud

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import openstack
            import openstack.config.exceptions
            import openstack.exceptions
    except ImportError:
        raise CliError("polling a cloud needs openstacksdk: pip install 'server-lifecycle[sdk]'") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            connection = openstack.connect(cloud=args.cloud)
    except (openstack.config.exceptions.OpenStackConfigException, openstack.exceptions.SDKException) as exc:
        raise CliError(f"cannot use cloud {args.cloud!r}: {exc}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            poll_cloud(
                connection,
                audit,  # type: ignore[arg-type]
                report,  # type: ignore[arg-type]
                interval=args.interval,
                polls=args.polls,
                stop=stop,
                all_projects=args.all_projects,
            )
    except openstack.exceptions.SDKException as exc:
        raise CliError(f"polling {args.cloud!r} failed: {exc}") from None
    finally:
        connection.close()
