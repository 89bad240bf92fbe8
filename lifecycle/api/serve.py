"""Serving the fake: a threading stdlib WSGI server on loopback, in the foreground or in a thread.

``wsgiref`` speaks HTTP/1.0 and closes each connection, which sidesteps the
Nagle/delayed-ACK stall of keep-alive ``http.server`` (about 40 ms a response,
shared/reference/openstack-clients.md section 6); one thread per request lets
many clients in at once, and the :class:`~lifecycle.api.cloud.Cloud`'s
per-server locks keep them honest.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lifecycle.api.app import ComputeApp
from lifecycle.api.cloud import Cloud
from lifecycle.api.gateway import Gateway

__all__ = ["FakeCompute", "serve_forever", "serve_in_thread"]

LOOPBACK = "127.0.0.1"


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class _LoggingHandler(WSGIRequestHandler):
    pass


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

    def __init__(self, gateway: Gateway, server: WSGIServer) -> None:
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


def make(app: ComputeApp | None = None, *, port: int = 0, host: str = LOOPBACK, quiet: bool = True) -> FakeCompute:
    """Bind (not yet serve) a fake on ``host:port``; port 0 picks a free one."""
    gateway = Gateway(app if app is not None else ComputeApp())
    handler = _QuietHandler if quiet else _LoggingHandler
    server = make_server(host, port, gateway, server_class=_Server, handler_class=handler)
    return FakeCompute(gateway, server)


@contextlib.contextmanager
def serve_in_thread(
    app: ComputeApp | None = None, *, cloud: Cloud | None = None, port: int = 0, **cloud_options: Any
) -> Iterator[FakeCompute]:
    """Run a fake on a free loopback port for the ``with`` block.

    ``cloud_options`` build the :class:`Cloud` (``pace="manual"``,
    ``reclaim_instance_interval=3600``...) when neither ``app`` nor ``cloud`` is given.
    """
    if app is None:
        app = ComputeApp(cloud if cloud is not None else Cloud(**cloud_options))
    fake = make(app, port=port).start()
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
) -> None:
    """Serve in the foreground until interrupted; ``announce`` prints the endpoint first.

    ``print_clouds_yaml`` prints a ``clouds.yaml`` for the bound port on stdout first
    (the announcement then goes to stderr, so ``> clouds.yaml`` captures only the file).
    """
    import sys

    fake = make(app, port=port, host=host, quiet=quiet)
    if print_clouds_yaml:
        print(fake.clouds_yaml(), end="", flush=True)
    if announce:
        print(
            f"Fake OpenStack cloud (pace {app.cloud.pace}) at {fake.root}: compute {fake.url}, "
            f"identity {fake.auth_url}  (Ctrl-C stops)",
            file=sys.stderr if print_clouds_yaml else sys.stdout,
            flush=True,
        )
    try:
        fake._server.serve_forever(poll_interval=0.2)
    finally:
        fake._server.server_close()
