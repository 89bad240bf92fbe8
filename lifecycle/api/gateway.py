"""One loopback port, many fake services: route each request by its first path segment.

A real cloud puts Compute, Identity, Image and Network behind separate
endpoints of one service catalog; the fake serves them all from one port under
path prefixes (``/compute``, ``/identity``...), so a test starts one server and
every client finds every service. Nova's own paths at the root (``/v2.1/...``)
keep working, so endpoints handed out before the other services existed stay
valid.

A service is a WSGI app class taking the shared :class:`Cloud`, named in
:data:`SERVICES` as ``"module:Class"`` and imported only when a gateway mounts it.

The gateway also authenticates, as keystonemiddleware does in front of each
real service: a request's ``X-Auth-Token`` becomes the
:class:`~lifecycle.api.context.RequestContext` every service reads, an unknown
or expired token is a 401, and no token (``auth_type none``) is the default
project's admin. The identity service checks its own requests.

A service whose clients cannot be given a path prefix may also claim root paths
with a ``ROOT_PATHS`` regular expression: Huawei's SDK keeps only the scheme and
host of its endpoint (``huaweicloudsdkcore/client.py``, ``_url_parse``), so the
ECS API answers ``/v1/{project_id}/cloudservers...`` at the root as well.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lifecycle.api.app import ComputeApp
from lifecycle.api.cloud import Cloud
from lifecycle.api.context import ENVIRON_KEY
from lifecycle.api.errors import ApiError
from lifecycle.api.identity import authenticate
from lifecycle.api.service import SERVICES_KEY

__all__ = ["SERVICES", "Gateway", "WsgiApp", "service_app"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_DISCOVERY = re.compile(r"^(v2(\.[01])?/?|versions/?)?$")
"""Paths under a prefix that only answer version documents."""

#: prefix (first path segment) -> ``"module:Class"`` of its WSGI app, built as ``Class(cloud)``.
SERVICES: dict[str, str] = {
    "compute": "lifecycle.api.app:ComputeApp",
    "identity": "lifecycle.api.identity:Identity",
    "image": "lifecycle.api.images:ImageService",
    "network": "lifecycle.api.network_service:NetworkService",
    "ecs": "lifecycle.api.huawei.app:EcsApp",
}


def service_app(name: str, cloud: Cloud) -> WsgiApp:
    """Build the registered service ``name`` over ``cloud``."""
    module, _, attr = SERVICES[name].partition(":")
    factory: Callable[[Cloud], WsgiApp] = getattr(importlib.import_module(module), attr)
    return factory(cloud)


class Gateway:
    """The WSGI app of a whole fake cloud over one :class:`Cloud`.

    Args:
        compute: the Compute API to serve (at ``/compute`` and at the root).
        services: prefixes to serve besides compute; every registered one by default.

    Attributes:
        compute: the :class:`ComputeApp` (its ``cloud`` is the shared state).
        mounts: prefix -> WSGI app, ``compute`` included.
    """

    def __init__(self, compute: ComputeApp, services: Iterable[str] | None = None) -> None:
        self.compute = compute
        self.cloud = compute.cloud
        names = list(SERVICES) if services is None else list(services)
        unknown = [name for name in names if name not in SERVICES]
        if unknown:
            raise ValueError(f"unknown service {unknown[0]!r}; choose from {', '.join(sorted(SERVICES))}")
        self.mounts: dict[str, WsgiApp] = {"compute": compute}
        for name in names:
            if name != "compute":
                self.mounts[name] = service_app(name, self.cloud)
        self.roots: list[tuple[re.Pattern[str], WsgiApp]] = [
            (pattern, app) for app in self.mounts.values() if (pattern := getattr(app, "ROOT_PATHS", None)) is not None
        ]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "") or "/"
        head, _, rest = path.lstrip("/").partition("/")
        app = self.mounts.get(head)
        environ[SERVICES_KEY] = tuple(self.mounts)
        if head != "identity":
            try:
                context = authenticate(self.cloud.accounts, environ)
            except ApiError as exc:
                discovery = _DISCOVERY.match(rest if app is not None else path.lstrip("/"))
                if discovery and environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD"):
                    context = None  # version documents need no token, as behind keystonemiddleware
                else:
                    return _refuse(exc, start_response)
            if context is not None:
                environ[ENVIRON_KEY] = context
        if app is None:  # a root path a service claims, else Nova's own (/, /v2.1/...)
            for pattern, claimant in self.roots:
                if pattern.match(path):
                    return claimant(environ, start_response)
            return self.compute(environ, start_response)
        shifted = dict(environ)
        shifted["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '').rstrip('/')}/{head}"
        shifted["PATH_INFO"] = f"/{rest}" if rest or path.endswith("/") else ""
        return app(shifted, start_response)

    def endpoints(self, root: str) -> Mapping[str, str]:
        """Each mounted service's base URL under ``root`` (``http://127.0.0.1:PORT``)."""
        return {name: f"{root.rstrip('/')}/{name}" for name in self.mounts}


def _refuse(exc: ApiError, start_response: StartResponse) -> Iterable[bytes]:
    """keystonemiddleware's 401: ``{"error": {"code": 401, "title": "Unauthorized", "message": ...}}``."""
    payload = json.dumps({"error": {"code": exc.code, "title": "Unauthorized", "message": exc.message}}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *exc.headers.items()]
    start_response(f"{exc.code} Unauthorized", headers)
    return [payload]
