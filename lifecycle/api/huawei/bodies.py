"""Reading ECS request bodies and queries: each bad value is a 400 ``Ecs.0005`` that names it.

The shapes are the SDK's request models (``huaweicloudsdkecs/v2/model/*_request_body.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from lifecycle.api.huawei.errors import bad_request
from lifecycle.api.service import json_body, last_value

__all__ = [
    "Request",
    "headers_of",
    "optional_object",
    "required",
    "required_object",
    "required_string",
    "server_ids",
]


class Request:
    """What a handler needs from the environ: the JSON body and the query."""

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ
        self.query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)

    def json(self) -> Any:
        try:
            return json_body(self._environ)
        except ValueError:
            raise bad_request("the request body is not JSON") from None

    def first(self, name: str) -> str | None:
        return last_value(self.query, name)

    def integer(self, name: str, default: int, low: int, high: int | None) -> int:
        text = self.first(name)
        if text is None:
            return default
        if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise bad_request(f"query parameter {name} must be an integer {bound} (got {text!r})")
        return int(text)


def headers_of(environ: Mapping[str, Any]) -> dict[str, str]:
    return {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")}


def required_object(body: Any, key: str) -> dict[str, Any]:
    """``body[key]``, which must be an object."""
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise bad_request(f"the body must be an object with an object {key!r}")
    found: dict[str, Any] = body[key]
    return found


def optional_object(spec: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = spec.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{where}.{key} must be an object (got {value!r})")
    return value


def required(spec: Mapping[str, Any], key: str, where: str) -> Any:
    if spec.get(key) in (None, ""):
        raise bad_request(f"{where}.{key} is required")
    return spec[key]


def required_string(spec: Mapping[str, Any], key: str, where: str) -> str:
    value = required(spec, key, where)
    if not isinstance(value, str):
        raise bad_request(f"{where}.{key} must be a string (got {value!r})")
    return value


def server_ids(args: Mapping[str, Any], where: str) -> list[str]:
    """``servers: [{"id": ...}, ...]`` of a batch request."""
    servers = args.get("servers")
    if not isinstance(servers, list) or not all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in servers):
        raise bad_request(f'{where}.servers must be a list of {{"id": <server id>}} (got {servers!r})')
    found = [s["id"] for s in servers]
    twice = sorted({i for i in found if found.count(i) > 1})
    if twice:
        raise bad_request(f"{where}.servers names ECS {twice[0]} more than once")
    return found
