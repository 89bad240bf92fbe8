"""What the small fake services (Identity, Image, Network) share: routing, JSON and their error envelopes.

Each OpenStack service words its errors its own way (Keystone ``{"error":
{...}}``, Neutron ``{"NeutronError": {...}}``, Glance webob's ``{"code",
"title", "message"}``), and clients print them, so a service names its
envelope and raises :class:`~lifecycle.api.errors.ApiError` like the compute app.
Any other exception becomes the service's 500, never a traceback.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from lifecycle.api.context import RequestContext, context_of
from lifecycle.api.errors import ApiError

__all__ = ["Call", "Handler", "JsonService", "Reply", "StartResponse"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Reply = tuple[int, Any, dict[str, str]]
"""``(status, JSON body or None or raw ``bytes``, extra headers)``."""
Handler = Callable[..., Reply]

SERVICES_KEY = "lifecycle.services"
"""Environ key where the gateway lists the mounted prefixes (the identity service builds its catalog from it)."""


class Call:
    """One request as a service handler sees it."""

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ
        self.method: str = str(environ.get("REQUEST_METHOD", "GET")).upper()
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self.query: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        host = (
            environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
        )
        self.root = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        script = str(environ.get("SCRIPT_NAME", "")).rstrip("/")
        self.base = f"{self.root}{script}"
        """This service's base URL (``http://127.0.0.1:PORT/image``)."""
        self.gateway_root = f"{self.root}{script.rsplit('/', 1)[0]}" if script else self.root
        """The gateway's root URL, where the other services hang."""

    @property
    def context(self) -> RequestContext:
        """Who asks (the default project's admin when nobody authenticated)."""
        return context_of(self.environ)

    def header(self, name: str) -> str | None:
        """A request header (``X-Auth-Token``), ``None`` when absent."""
        value = self.environ.get("HTTP_" + name.upper().replace("-", "_"))
        return None if value is None else str(value)

    def first(self, name: str) -> str | None:
        """The last value of a query parameter."""
        return last_value(self.query, name)

    def json(self, malformed: str = "Malformed request body") -> Any:
        """The JSON body; 400 with ``malformed`` when it is not JSON."""
        try:
            return json_body(self.environ)
        except ValueError:
            raise ApiError(400, malformed) from None


def last_value(query: Mapping[str, list[str]], name: str) -> str | None:
    """The last value of query parameter ``name`` (as Nova and Huawei read a repeated one), ``None`` when absent."""
    values = query.get(name)
    return values[-1] if values else None


def json_body(environ: Mapping[str, Any]) -> Any:
    """The request's JSON body (``CONTENT_LENGTH`` bytes; none when it is missing or not a number).

    Raises ``ValueError`` when the body is not JSON: each service words that 400 its own way.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    return json.loads(raw)  # JSONDecodeError and UnicodeDecodeError are both ValueErrors


def reason(status: int) -> str:
    """The HTTP reason phrase of ``status``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class JsonService:
    """A WSGI app answering JSON from ``routes``: ``(regex, {METHOD: handler(call, *groups)})``."""

    routes: list[tuple[re.Pattern[str], dict[str, Handler]]]

    def error_body(self, code: int, message: str) -> Any:
        """The service's error envelope."""
        return {"error": {"code": code, "title": reason(code), "message": message}}

    def error_of(self, exc: ApiError) -> Any:
        """The body of an error raised by a handler (a service may read more than code and message)."""
        return self.error_body(exc.code, exc.message)

    def headers(self, call: Call) -> list[tuple[str, str]]:
        """Headers every answer carries besides Content-Type/Length."""
        return [("X-Openstack-Request-Id", f"req-{uuid.uuid4()}")]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        call = Call(environ)
        try:
            status, body, extra = self.dispatch(call)
        except ApiError as exc:
            status, body, extra = exc.code, self.error_of(exc), exc.headers
        except Exception as exc:  # a fake must answer
            status, body, extra = 500, self.error_body(500, f"{type(exc).__name__}: {exc}"), {}
        kind = "application/json"
        if isinstance(body, bytes):  # raw data (an image's file): the handler names its type
            extra = dict(extra)
            payload, kind = body, extra.pop("Content-Type", "application/octet-stream")
        else:
            payload = b"" if body is None else json.dumps(body).encode()
        headers = [("Content-Type", kind), ("Content-Length", str(len(payload)))]
        headers += self.headers(call) + list(extra.items())
        start_response(f"{status} {reason(status)}", headers)
        return [b""] if call.method == "HEAD" else [payload]

    def dispatch(self, call: Call) -> Reply:
        """Find the route; 404 for an unknown path, 405 for a method it does not have."""
        for pattern, methods in self.routes:
            match = pattern.match(call.path)
            if match is None:
                continue
            handler = methods.get(call.method)
            if handler is None and call.method == "HEAD":
                handler = methods.get("GET")
            if handler is None:
                raise ApiError(405, f"The method {call.method} is not allowed for this resource.")
            return handler(call, *match.groups())
        raise ApiError(404, "The resource could not be found.")
