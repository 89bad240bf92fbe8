"""Nova's fault envelope: ``{"<name>": {"code": N, "message": "..."}}``.

Clients branch on the status code (openstacksdk maps 409 to
``ConflictException``) and print the message, so both must be Nova's exactly.
The envelope names come from ``nova/api/openstack/wsgi.py:Fault``.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

__all__ = ["FAULT_NAMES", "ApiError", "action_peek", "bad_request", "conflict", "fault_body", "not_found"]

FAULT_NAMES: dict[int, str] = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    500: "computeFault",
    501: "notImplemented",
    503: "serviceUnavailable",
}


class ApiError(Exception):
    """An HTTP error the API answers with Nova's envelope."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def fault_body(code: int, message: str) -> dict[str, Any]:
    """The JSON body Nova sends for an error ``code``."""
    return {FAULT_NAMES.get(code, "computeFault"): {"code": code, "message": message}}


def bad_request(message: str) -> ApiError:
    """A 400 badRequest."""
    return ApiError(400, message)


def action_peek(body: Any, known: Container[str]) -> str:
    """The one action an action body names, as Nova's ``action_peek`` reads it.

    No key or several keys is a malformed body, an unknown key "There is no such
    action" (both 400), before anything is performed.
    """
    if not isinstance(body, dict) or len(body) != 1:
        raise bad_request("Malformed request body")
    (key,) = body
    if key not in known:
        raise bad_request(f"There is no such action: {key}")
    return str(key)


def not_found(message: str) -> ApiError:
    """A 404 itemNotFound."""
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    """A 409 conflictingRequest."""
    return ApiError(409, message)
