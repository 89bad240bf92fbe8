"""``os-keypairs``: create, import, list, show, delete (``nova/api/openstack/compute/keypairs.py``).

Keypairs belong to a user. Before 2.92 a create without ``public_key`` makes
a key and answers its ``private_key`` once; from 2.92 ``public_key`` is
required. An imported key must parse as an OpenSSH public key (its fingerprint
is the MD5 of its blob, ``nova/crypto.py:generate_fingerprint``). The generated
key here is a random OpenSSH-shaped ed25519 key: good for clients that store
and print it, not for logging in anywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import struct
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError, bad_request, conflict, not_found
from lifecycle.api.routing import Route, forbidden, limit_marker, next_links, no_query, require_admin
from lifecycle.api.schema import Field, enum, invalid, name, obj, string, validate
from lifecycle.api.store import Keypair, state_of
from lifecycle.api.views import usage_stamp

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud

__all__ = ["ROUTES", "fingerprint", "require_keypair", "require_user_keypair"]

_NAME = re.compile(r"^[_\- a-zA-Z0-9]+$")
_NAME_V292 = re.compile(r"^[_\-@. a-zA-Z0-9]+$")
"""``parameter_types.keypair_name_special_chars`` and its 2.92 form."""


def _key_name(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
    name()(value, path, version)
    pattern = _NAME_V292 if version >= (2, 92) else _NAME
    if not pattern.match(value):
        raise invalid(path, value, f"{value!r} does not match {pattern.pattern!r}")


_CREATE = obj(
    {
        "keypair": obj(
            {
                "name": _key_name,
                "public_key": string(),
                "type": Field(enum("ssh", "x509"), since=(2, 2)),
                "user_id": Field(string(), since=(2, 10)),
            },
            required=("name",),
        )
    },
    required=("keypair",),
)


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key; 400 ``Keypair data is invalid`` when it does not parse."""
    parts = public_key.strip().split()
    try:
        if len(parts) < 2:
            raise ValueError(public_key)
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        if blob[4 : 4 + length].decode() != parts[0]:
            raise ValueError(parts[0])
    except (ValueError, binascii.Error, struct.error, UnicodeDecodeError):
        raise bad_request("Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _generate() -> tuple[str, str]:
    """A random ``(public, private)`` pair in OpenSSH's ed25519 text forms."""
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + secrets.token_bytes(32)
    public = f"ssh-ed25519 {base64.b64encode(blob).decode()} Generated-by-Nova"
    body = base64.b64encode(b"openssh-key-v1\0" + blob + secrets.token_bytes(64)).decode()
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    private = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    return public, private


def _user(request: Request) -> str:
    """The user whose keypairs are meant: ``?user_id=`` (2.10, admin only) or the caller."""
    context = request.context
    wanted = request.first("user_id") if request.version >= (2, 10) else None
    if wanted is not None and wanted != context.user_id:
        require_admin(context, "os_compute_api:os-keypairs:index")
    return wanted or context.user_id


def _view(pair: Keypair, request: Request, *, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": pair.name, "public_key": pair.public_key, "fingerprint": pair.fingerprint}
    if detail:
        body.update(
            user_id=pair.user_id,
            created_at=usage_stamp(pair.created_at),
            deleted=False,
            deleted_at=None,
            id=pair.id,
            updated_at=None,
        )
    if request.version >= (2, 2):
        body["type"] = pair.type
    return body


def _create(app: ComputeApp, request: Request) -> Reply:
    body = request.json()
    validate(body, _CREATE, request.version)
    spec = body["keypair"]
    if request.version >= (2, 92) and "public_key" not in spec:
        raise invalid(("keypair",), spec, "'public_key' is a required property")
    context = request.context
    user = spec.get("user_id") or context.user_id
    if user != context.user_id:
        require_admin(context, "os_compute_api:os-keypairs:create")
    private = None
    if "public_key" in spec:
        public = spec["public_key"]
        print_ = fingerprint(public)
    else:
        public, private = _generate()
        print_ = fingerprint(public)
    state = state_of(app.cloud)
    with state.lock:
        mine = [k for k in state.keypairs.values() if k.user_id == user]
        allowed = state.limit(context.project_id, "key_pairs")
        if 0 <= allowed <= len(mine):
            raise forbidden("Quota exceeded, too many key pairs.")
        if (user, spec["name"]) in state.keypairs:
            raise conflict(f"Key pair '{spec['name']}' already exists.")
        pair = Keypair(spec["name"], user, public, print_, spec.get("type", "ssh"), id=state.next_id())
        state.keypairs[(user, pair.name)] = pair
    view = {"name": pair.name, "public_key": pair.public_key, "fingerprint": pair.fingerprint, "user_id": user}
    if private is not None:
        view["private_key"] = private
    if request.version >= (2, 2):
        view["type"] = pair.type
    return (201 if request.version >= (2, 2) else 200), {"keypair": view}, {}


def _index(app: ComputeApp, request: Request) -> Reply:
    allowed = ("user_id", *(("limit", "marker") if request.version >= (2, 35) else ()))
    no_query(request, (2, 75), allowed)
    user = _user(request)
    state = state_of(app.cloud)
    with state.lock:
        pairs = sorted((k for k in state.keypairs.values() if k.user_id == user), key=lambda k: k.name)
    if request.version >= (2, 35):
        start, stop = limit_marker(request, [k.name for k in pairs])
        pairs = pairs[start:stop]
    body: dict[str, Any] = {"keypairs": [{"keypair": _view(k, request, detail=False)} for k in pairs]}
    if request.version >= (2, 35):
        links = next_links(request, [k.name for k in pairs], "os-keypairs")
        if links:
            body["keypairs_links"] = links
    return 200, body, {}


def _find(app: ComputeApp, request: Request, key: str) -> tuple[str, Keypair]:
    user = _user(request)
    found = state_of(app.cloud).keypairs.get((user, key))
    if found is None:
        raise not_found(f"Keypair {key} not found for user {user}")
    return user, found


def _show(app: ComputeApp, request: Request, key: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    _, pair = _find(app, request, key)
    return 200, {"keypair": _view(pair, request, detail=True)}, {}


def _delete(app: ComputeApp, request: Request, key: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    user, _ = _find(app, request, key)
    state = state_of(app.cloud)
    with state.lock:
        state.keypairs.pop((user, key), None)
    return (204 if request.version >= (2, 2) else 202), None, {}


def require_keypair(app: ComputeApp, request: Request, key_name: str | None) -> None:
    """Server create: an unknown ``key_name`` is 400 ``Invalid key_name provided.``."""
    require_user_keypair(app.cloud, request.context.user_id, key_name)


def require_user_keypair(cloud: Cloud, user_id: str, key_name: str | None) -> None:
    """``key_name`` must be a keypair of ``user_id`` (the caller, not the server's owner: keys are a user's).

    ``KeyPair.get_by_name(context, context.user_id, key_name)`` raises KeypairNotFound, which
    ``servers.py:create`` and ``_action_rebuild`` both answer 400 ``Invalid key_name provided.``.
    A falsy name (None, and on rebuild ``""`` too) names none: nothing to check.
    """
    if not key_name:
        return
    if (user_id, key_name) not in state_of(cloud).keypairs:
        raise ApiError(400, "Invalid key_name provided.")


ROUTES: tuple[Route, ...] = (
    (r"os-keypairs", {"GET": _index, "POST": _create}),
    (r"os-keypairs/([^/]+)", {"GET": _show, "DELETE": _delete}),
)
