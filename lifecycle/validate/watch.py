"""Audit a cloud as it runs: Nova's notifications through oslo.messaging, or polling through openstacksdk.

Both feed one :class:`~lifecycle.validate.trace.Audit` and hand each finding (an
unexplained change, a stuck server, an unusable message) to a callback the
moment it is found; the CLI is ``lifecycle watch``.

* :func:`watch_notifications` listens on an oslo.messaging transport
  (``rabbit://...``; ``fake://`` in tests) to the topic Nova sends versioned
  notifications to (``versioned_notifications``, ``nova/conf/notifications.py``).
  Needs the ``[watch]`` extra (oslo.messaging).
* :func:`poll_cloud` lists the servers of a clouds.yaml cloud with
  ``changes-since`` (only servers changed since the last poll come back, deleted
  ones included), at most once per ``interval`` seconds. Needs openstacksdk
  (the ``[sdk]`` extra).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from lifecycle.errors import LifecycleError
from lifecycle.validate.notifications import observations_of
from lifecycle.validate.stuck import parse_time
from lifecycle.validate.trace import SEEN_KEY, Audit, Finding

__all__ = ["NOVA_TOPIC", "WatchError", "import_oslo", "observation_of_server", "poll_cloud", "watch_notifications"]

NOVA_TOPIC = "versioned_notifications"
"""Nova's default ``[notifications] versioned_notifications_topics``."""

OnFinding = Callable[[Finding], None]


class WatchError(LifecycleError):
    """The watch cannot start: a missing extra, a bad transport URL or cloud name."""


def import_oslo() -> tuple[Any, Any]:
    """``(oslo_messaging, a fresh oslo_config ConfigOpts)``; their import-time deprecation warnings silenced.

    Raises:
        WatchError: oslo.messaging is not installed (``pip install 'server-lifecycle[watch]'``).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import oslo_messaging
            from oslo_config import cfg
    except ImportError as exc:
        hint = "pip install 'server-lifecycle[watch]'"
        raise WatchError(f"watching notifications needs oslo.messaging: {hint} ({exc})") from None
    return oslo_messaging, cfg.ConfigOpts()


def transport_for(url: str) -> Any:
    """An oslo.messaging notification transport for ``url``.

    Raises:
        WatchError: oslo.messaging is missing, or the URL is not one it can use.
    """
    messaging, conf = import_oslo()
    conf([], project="lifecycle")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return messaging.get_notification_transport(conf, url=url)
    except (messaging.InvalidTransportURL, messaging.DriverLoadFailure, ValueError) as exc:
        raise WatchError(f"cannot use transport URL {url!r}: {exc}") from None


class _Endpoint:
    """Receives every priority; each message goes through the notification reader into the audit."""

    def __init__(self, feed: Callable[[dict[str, Any]], None]) -> None:
        self._feed = feed

    def _receive(self, priority: str) -> Callable[..., None]:
        def receive(ctxt: Any, publisher_id: str, event_type: str, payload: Any, metadata: Any) -> None:
            self._feed(
                {
                    "publisher_id": publisher_id,
                    "event_type": event_type,
                    "priority": priority.upper(),
                    "payload": payload,
                    "metadata": metadata,
                }
            )

        return receive

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name in ("audit", "critical", "debug", "error", "info", "sample", "warn"):
            return self._receive(name)
        raise AttributeError(name)


def watch_notifications(
    transport: Any,
    audit: Audit,
    on_finding: OnFinding,
    *,
    topic: str = NOVA_TOPIC,
    stop: threading.Event | None = None,
    duration: float | None = None,
    clock: Callable[[], float] = time.time,
) -> Audit:
    """Consume notifications from ``transport`` (see :func:`transport_for`) until ``stop`` is set or ``duration`` ends.

    Each message is numbered in arrival order (its "line"); stuck servers are
    checked against ``clock`` (wall time) every second.
    """
    messaging, _ = import_oslo()
    lock = threading.Lock()
    count = [0]

    def feed(message: dict[str, Any]) -> None:
        with lock:
            count[0] += 1
            for item in observations_of([(count[0], message)]):
                for finding in audit.feed_item(item):
                    on_finding(finding)

    endpoints = [_Endpoint(feed)]
    for name in ("audit", "critical", "debug", "error", "info", "sample", "warn"):
        setattr(endpoints[0], name, endpoints[0]._receive(name))
    listener = messaging.get_notification_listener(
        transport, [messaging.Target(topic=topic)], endpoints, executor="threading"
    )
    stop = stop or threading.Event()
    deadline = None if duration is None else time.monotonic() + duration
    listener.start()
    try:
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            stop.wait(min(1.0, max(0.0, deadline - time.monotonic())) if deadline is not None else 1.0)
            with lock:
                for finding in audit.check_stuck(clock()):
                    on_finding(finding)
    finally:
        listener.stop()
        listener.wait()
    return audit


# -- polling -----------------------------------------------------------------
def observation_of_server(server: Any) -> dict[str, Any]:
    """An openstacksdk ``Server`` as the server body :func:`lifecycle.check_trace` reads."""
    return {
        "id": server.id,
        "status": server.status,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:power_state": server.power_state,
        "OS-SRV-USG:launched_at": server.launched_at,
        "updated": server.updated_at,
    }


def _changes(connection: Any, since: str | None, all_projects: bool) -> Iterator[Any]:
    query: dict[str, Any] = {"details": True}
    if all_projects:  # the SDK sends all_tenants=1: Nova's admin-only filter (servers.py _get_servers)
        query["all_projects"] = True
    if since is not None:
        query["changes_since"] = since
    return iter(connection.compute.servers(**query))


def poll_cloud(
    connection: Any,
    audit: Audit,
    on_finding: OnFinding,
    *,
    interval: float = 5.0,
    polls: int | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.time,
    all_projects: bool = False,
) -> Audit:
    """Poll ``connection`` (an openstacksdk ``Connection``) every ``interval`` seconds (at least 0.1), ``polls`` times.

    The first poll lists every server; the next ones ask for ``changes-since``
    the latest ``updated`` seen, so a quiet cloud costs one small request per
    interval. A server seen again with the same ``updated`` is not fed twice.
    Nova lists the token's own project's servers; ``all_projects`` asks for
    every project's, which Nova's policy allows admins only (others get 403).
    """
    interval = max(0.1, float(interval))
    stop = stop or threading.Event()
    since: str | None = None
    seen: dict[str, Any] = {}
    count = 0
    done = 0
    while not stop.is_set() and (polls is None or done < polls):
        started = time.monotonic()
        now = clock()
        for server in _changes(connection, since, all_projects):
            observation = observation_of_server(server)
            key = (observation["status"], observation["OS-EXT-STS:task_state"], observation["updated"])
            if seen.get(observation["id"]) == key:
                continue
            seen[observation["id"]] = key
            observation[SEEN_KEY] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
            count += 1
            for finding in audit.feed(count, observation):
                on_finding(finding)
            updated = observation["updated"]
            if isinstance(updated, str) and (since is None or (parse_time(updated) or 0) > (parse_time(since) or 0)):
                since = updated
        for finding in audit.check_stuck(now):
            on_finding(finding)
        done += 1
        if polls is not None and done >= polls:
            break
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    return audit
