"""Huawei's error bodies, and the signature check in front of the ECS API.

ECS errors are ``{"error": {"code": "Ecs.XXXX", "message": ..., "details": [...]}}``
(``api-ecs/ecs_07_0005`` [doc]); the SDK's ``DefaultExceptionHandler`` finds
``code`` and ``message`` inside any object of the body and raises
``ClientRequestException`` with ``error_code`` set to the code. Errors of
Huawei's API gateway, in front of every service, are flat
``{"error_code": "APIGW.XXXX", "error_msg": ...}`` [inf: the shape of Huawei's
gateway errors; the two codes below are the gateway's "wrong credentials" and
"no such API"].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lifecycle.simulate.jobs import BATCH_TOO_LARGE, NOT_FOUND, TASK_FAILED

__all__ = [
    "BAD_REQUEST",
    "BATCH_TOO_LARGE",
    "FLAVOR_UNCHANGED",
    "NOT_FOUND",
    "TASK_FAILED",
    "EcsError",
    "bad_request",
    "gateway_error",
    "signature_problem",
]

BAD_REQUEST = "Ecs.0005"
"""[?] A malformed or invalid request body. Huawei lists per-field codes; this one stands for all of them."""
FLAVOR_UNCHANGED = "Ecs.0009"
"""[doc] ``api-ecs/ecs_07_0002``: "Another flavor must be used for resizing"."""
NO_SUCH_API = "APIGW.0101"
"""[inf] The gateway's answer to a path no API has."""
BAD_CREDENTIALS = "APIGW.0301"
"""[inf] The gateway's answer to a request without valid IAM authentication."""
SIGNATURE_SCHEME = "SDK-HMAC-SHA256"
"""The ``Authorization`` scheme of huaweicloudsdkcore's AK/SK signer (``signer/signer.py``)."""


class EcsError(Exception):
    """An error the ECS API answers with Huawei's body."""

    def __init__(
        self, status: int, code: str, message: str, details: Sequence[Mapping[str, str]] = (), *, flat: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = [dict(d) for d in details]
        self.flat = flat

    def body(self, request_id: str) -> dict[str, Any]:
        """The JSON body: ECS's ``{"error": {...}}`` or, from the gateway, the flat form."""
        if self.flat:
            return {"error_code": self.code, "error_msg": self.message, "request_id": request_id}
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def bad_request(message: str) -> EcsError:
    """400 with :data:`BAD_REQUEST`."""
    return EcsError(400, BAD_REQUEST, message)


def gateway_error(status: int, code: str, message: str) -> EcsError:
    """An error of the API gateway (flat body)."""
    return EcsError(status, code, message, flat=True)


def signature_problem(headers: Mapping[str, str]) -> str | None:
    """Why the request is not signed as Huawei's SDK signs (None: it is).

    The fake does not know the secret key, so it checks that a signature is
    present, not that it is right: ``Authorization: SDK-HMAC-SHA256
    Access=<AK>, SignedHeaders=..., Signature=...`` (any AK/SK), or an IAM token
    in ``X-Auth-Token``.
    """
    if headers.get("x-auth-token"):
        return None
    auth = headers.get("authorization", "")
    if not auth:
        return "no Authorization header (sign with an AK/SK, or send X-Auth-Token)"
    scheme, _, params = auth.partition(" ")
    if scheme != SIGNATURE_SCHEME:
        return f"Authorization scheme {scheme!r} is not {SIGNATURE_SCHEME!r}"
    fields = {part.strip().partition("=")[0] for part in params.split(",")}
    missing = [name for name in ("Access", "SignedHeaders", "Signature") if name not in fields]
    if missing:
        return f"the {SIGNATURE_SCHEME} Authorization header lacks {', '.join(missing)}"
    return None
