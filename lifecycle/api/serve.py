"""Serving the fake: an HTTP/1.1 keep-alive server on loopback, in the foreground or in a thread.

The transport is :class:`~lifecycle.api.httpd.WsgiHttpServer`: keep-alive with
``TCP_NODELAY``, a body cap answering 413 before reading (Nova's 112 KiB),
read, body and idle timeouts, and a bounded pool of worker threads
(:class:`~lifecycle.api.httpd.Limits`). Many clients are served at once; the
:class:`~lifecycle.api.cloud.Cloud`'s per-server locks keep them honest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from lifecycle.api.app import ComputeApp
from lifecycle.api.cloud import Cloud
from lifecycle.api.gateway import Gateway
from lifecycle.api.httpd import Limits, WsgiHttpServer

__all__ = ["FakeCompute", "Limits", "serve_forever", "serve_in_thread"]

LOOPBACK = "127.0.0.1"


class FakeCompute:
    """A running fake Compute endpoint: ``url`` to point clients at, ``cloud`` to drive.

    Attributes:
        app: the Compute API application.
        gateway: the WSGI application served: every fake service under its path prefix.
        cloud: the control handle (seed servers, inject failures, advance tasks).
        url: the compute endpoint, ``http://127.0.0.1:PORT/v2.1``.
        root: the server root, ``http://127.0.0.1:PORT`` (versions list).
        endpoints: service name -> base URL (``compute``: ``ROOT/compute``...).
        auth_url: the Identity endpoint (``ROOT/identity``) for password auth.
    """

    def __init__(self, gateway: Gateway, server: WsgiHttpServer) -> None:
        self.gateway = gateway
        self.app = gateway.compute
        self.cloud = gateway.cloud
        self._server = server
        self.port: int = int(server.server_address[1])
        self.root = f"http://{LOOPBACK}:{self.port}"
        self.url = f"{self.root}/v2.1"
        self.endpoints = dict(gateway.endpoints(self.root))
        self.auth_url = self.endpoints.get("identity", f"{self.root}/identity")
        self._thread: threading.Thread | None = None

    def clouds_yaml(self) -> str:
        """A ``clouds.yaml``: a password cloud per user, ``lifecycle`` the admin (:mod:`lifecycle.api.clouds`)."""
        from lifecycle.api.clouds import clouds_yaml

        return clouds_yaml(self.auth_url, self.cloud.accounts)

    def auth(self, user: str = "admin") -> dict[str, Any]:
        """``openstack.connect(**fake.auth("demo"))`` logs ``user`` in with a password."""
        from lifecycle.api.clouds import auth_options

        found = self.cloud.accounts.user_by_name(user)
        if found is None:
            names = ", ".join(sorted(u.name for u in self.cloud.accounts.users.values()))
            raise ValueError(f"unknown user {user!r}; the fake's users: {names}")
        return auth_options(self.auth_url, found)

    def start(self) -> FakeCompute:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-compute", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeCompute:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FakeCompute {self.url} servers={len(self.cloud)}>"


def make(
    app: ComputeApp | None = None,
    *,
    port: int = 0,
    host: str = LOOPBACK,
    quiet: bool = True,
    limits: Limits | None = None,
) -> FakeCompute:
    """Bind (not yet serve) a fake on ``host:port``; port 0 picks a free one; ``limits`` bound the clients."""
    gateway = Gateway(app if app is not None else ComputeApp())
    server = WsgiHttpServer((host, port), gateway, limits=limits, quiet=quiet)
    return FakeCompute(gateway, server)


@contextlib.contextmanager
def serve_in_thread(
    app: ComputeApp | None = None,
    *,
    cloud: Cloud | None = None,
    port: int = 0,
    limits: Limits | None = None,
    **cloud_options: Any,
) -> Iterator[FakeCompute]:
    """Run a fake on a free loopback port for the ``with`` block.

    ``cloud_options`` build the :class:`Cloud` (``pace="manual"``,
    ``reclaim_instance_interval=3600``...) when neither ``app`` nor ``cloud`` is given;
    ``limits`` bound what clients may hold (body size, timeouts, workers).
    """
    if app is None:
        app = ComputeApp(cloud if cloud is not None else Cloud(**cloud_options))
    fake = make(app, port=port, limits=limits).start()
    try:
        yield fake
    finally:
        fake.stop()


def serve_forever(
    app: ComputeApp,
    *,
    port: int,
    host: str = LOOPBACK,
    quiet: bool = False,
    announce: bool = False,
    print_clouds_yaml: bool = False,
    limits: Limits | None = None,
) -> None:
    """Serve in the foreground until interrupted; ``announce`` prints the endpoint first.

    ``print_clouds_yaml`` prints a ``clouds.yaml`` for the bound port on stdout first
    (the announcement then goes to stderr, so ``> clouds.yaml`` captures only the file).
    """
    import sys

    fake = make(app, port=port, host=host, quiet=quiet, limits=limits)
    if print_clouds_yaml:
        print(fake.clouds_yaml(), end="", flush=True)
    if announce:
        print(
            f"Fake OpenStack cloud (pace {app.cloud.pace}) at {fake.url}  (identity {fake.auth_url}; Ctrl-C stops)",
            file=sys.stderr if print_clouds_yaml else sys.stdout,
            flush=True,
        )
    try:
        fake._server.serve_forever(poll_interval=0.2)
    finally:
        fake._server.server_close()
