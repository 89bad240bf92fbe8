"""``/servers/{id}/metadata[/{key}]`` and ``/servers/{id}/tags[/{tag}]`` (``server_metadata.py``, ``server_tags.py``).

Metadata: keys match ``^[a-zA-Z0-9-_:. ]{1,255}$`` and values are strings of
at most 255 characters (``parameter_types.metadata``); a server holds at most
the ``metadata_items`` quota (128) and a change beyond it is 403. Whether a
change is allowed is the model's rule (operations ``update_metadata`` and
``delete_metadata``, ``compute/api.py:update_instance_metadata``): 409 when the
server is locked (unless by an admin) or not ACTIVE, PAUSED, SUSPENDED or
STOPPED (any task: Nova passes ``task_state=None``, which checks none).
Tags (2.26): 1 to 60 characters without ``,`` or ``/``, at most 50 a server
(``objects/instance.py:MAX_TAG_COUNT``); changes need the same vm_states (no
task or lock check, as ``server_tags.py:_check_instance_in_valid_state``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request, conflict, not_found
from lifecycle.api.routing import (
    Route,
    forbidden,
    no_query,
    project_of,
    require_version,
    server_of,
    unexpected,
    wrapped,
)
from lifecycle.api.schema import invalid
from lifecycle.api.store import state_of
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["MAX_TAGS", "MAX_TAG_LENGTH", "ROUTES", "check_metadata_quota"]

KEY_PATTERN = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
"""``parameter_types.metadata``'s ``patternProperties``."""
MAX_TAGS = 50
MAX_TAG_LENGTH = 60
CHANGEABLE = (VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED)
"""The vm_states in which tags may change (``server_tags.py:_check_instance_in_valid_state``; not a model operation)."""


# -- metadata -----------------------------------------------------------------
def _check_metadata(value: Any, field: str, *, exactly_one: bool = False) -> dict[str, str]:
    """Nova's ``parameter_types.metadata`` (and ``metadata_update``: exactly one item)."""
    if not isinstance(value, dict):
        raise invalid((field,), value, f"{value!r} is not of type 'object'")
    if exactly_one and len(value) < 1:
        raise invalid((field,), value, f"{value!r} should be non-empty")
    if exactly_one and len(value) > 1:
        raise invalid((field,), value, f"{value!r} has too many properties")
    bad = [key for key in value if not KEY_PATTERN.match(key)]
    if bad:
        raise invalid((field,), value, unexpected(bad))
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid((key,), item, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid((key,), item, f"{item!r} is too long")
    return dict(value)


def _body(request: Request, field: str, *, exactly_one: bool = False) -> dict[str, str]:
    return _check_metadata(wrapped(request.json(), field), field, exactly_one=exactly_one)


def check_metadata_quota(app: ComputeApp, project_id: str, metadata: dict[str, str]) -> None:
    """``compute/api.py:_check_metadata_properties_quota``: more than ``metadata_items`` is 403."""
    allowed = state_of(app.cloud).limit(project_id, "metadata_items")
    if 0 <= allowed < len(metadata):
        raise forbidden(f"Maximum number of metadata items exceeds {allowed}")


def _ask_model(request: Request, record: Record, operation: str) -> None:
    """The model decides (``check_instance_lock``, ``check_instance_state``): raises its 409, else nothing changes.

    ``update_metadata``/``delete_metadata`` set no task, so performing them only checks.
    """
    record.server.perform(record.server.dialect.compute_operation(operation), admin=request.context.is_admin)


def _change(
    app: ComputeApp, request: Request, record: Record, items: dict[str, str], *, replace: bool
) -> dict[str, str]:
    """``compute/api.py:update_instance_metadata``: lock and state (the model's), then the ``metadata_items`` quota."""
    with record.lock:
        _ask_model(request, record, "update_metadata")
        merged = dict(items) if replace else {**record.metadata, **items}
        check_metadata_quota(app, project_of(record), merged)
        record.metadata = merged
        return dict(merged)


def _index(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request)
    record = server_of(app, request, server_id)
    return 200, {"metadata": dict(record.metadata)}, {}


def _create(app: ComputeApp, request: Request, server_id: str) -> Reply:
    items = _body(request, "metadata")
    record = server_of(app, request, server_id)
    return 200, {"metadata": _change(app, request, record, items, replace=False)}, {}


def _update_all(app: ComputeApp, request: Request, server_id: str) -> Reply:
    items = _body(request, "metadata")
    record = server_of(app, request, server_id)
    return 200, {"metadata": _change(app, request, record, items, replace=True)}, {}


def _show(app: ComputeApp, request: Request, server_id: str, key: str) -> Reply:
    no_query(request)
    record = server_of(app, request, server_id)
    if key not in record.metadata:
        raise not_found("Metadata item was not found")
    return 200, {"meta": {key: record.metadata[key]}}, {}


def _update(app: ComputeApp, request: Request, server_id: str, key: str) -> Reply:
    item = _body(request, "meta", exactly_one=True)
    record = server_of(app, request, server_id)
    if key not in item:
        raise bad_request("Request body and URI mismatch")
    _change(app, request, record, item, replace=False)
    return 200, {"meta": item}, {}


def _delete(app: ComputeApp, request: Request, server_id: str, key: str) -> Reply:
    record = server_of(app, request, server_id)
    with record.lock:
        if key not in record.metadata:
            raise not_found("Metadata item was not found")
        _ask_model(request, record, "delete_metadata")
        del record.metadata[key]
    return 204, None, {}


# -- tags -----------------------------------------------------------------------
def _tag_problem(tag: Any) -> str | None:
    """Why ``tag`` breaks ``parameter_types.tag`` (jsonschema's words), or None."""
    if not isinstance(tag, str):
        return f"{tag!r} is not of type 'string'"
    if len(tag) < 1:
        return f"{tag!r} should be non-empty"
    if len(tag) > MAX_TAG_LENGTH:
        return f"{tag!r} is too long"
    if "," in tag or "/" in tag:
        return f"{tag!r} does not match '^[^,/]*$'"
    return None


def _tagged(app: ComputeApp, request: Request, server_id: str, action: str | None) -> Record:
    require_version(request, (2, 26))
    record = server_of(app, request, server_id)
    if action is not None and record.server.vm_state not in CHANGEABLE:
        vm = record.server.vm_state
        state = None if vm is None else vm.value
        raise conflict(f"Cannot '{action}' instance {server_id} while it is in vm_state {state}")
    return record


def _tags(app: ComputeApp, request: Request, server_id: str) -> Reply:
    require_version(request, (2, 26))
    no_query(request)
    record = _tagged(app, request, server_id, None)
    return 200, {"tags": list(record.tags)}, {}


def _replace_tags(app: ComputeApp, request: Request, server_id: str) -> Reply:
    require_version(request, (2, 26))
    tags = wrapped(request.json(), "tags")
    if not isinstance(tags, list):
        raise invalid(("tags",), tags, f"{tags!r} is not of type 'array'")
    if len(tags) > MAX_TAGS:
        raise invalid(("tags",), tags, f"{tags!r} is too long")
    for tag in tags:
        problem = _tag_problem(tag)
        if problem is not None:
            raise invalid(("tags", 0), tag, problem)
    record = _tagged(app, request, server_id, "update tags")
    with record.lock:
        record.tags = list(dict.fromkeys(tags))
        return 200, {"tags": list(record.tags)}, {}


def _clear_tags(app: ComputeApp, request: Request, server_id: str) -> Reply:
    record = _tagged(app, request, server_id, "delete tags")
    with record.lock:
        record.tags = []
    return 204, None, {}


def _has_tag(app: ComputeApp, request: Request, server_id: str, tag: str) -> Reply:
    no_query(request)
    record = _tagged(app, request, server_id, None)
    if tag not in record.tags:
        raise not_found(f"Server {server_id} has no tag '{tag}'")
    return 204, None, {}


def _add_tag(app: ComputeApp, request: Request, server_id: str, tag: str) -> Reply:
    require_version(request, (2, 26))
    body = request.json() if request.content_length else None
    if body is not None:
        raise invalid((), body, f"{body!r} is not of type 'null'")
    record = _tagged(app, request, server_id, "update tag")
    problem = _tag_problem(tag)
    if problem is not None:
        raise bad_request(
            f"Tag '{tag}' is invalid. It must be a non empty string without characters '/' and ','. "
            f"Validation error message: {problem}"
        )
    with record.lock:
        if len(record.tags) >= MAX_TAGS:
            raise bad_request(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
        if tag in record.tags:
            return 204, None, {}
        record.tags.append(tag)
    return 201, None, {"Location": f"{request.base}/v2.1/servers/{server_id}/tags/{tag}"}


def _remove_tag(app: ComputeApp, request: Request, server_id: str, tag: str) -> Reply:
    record = _tagged(app, request, server_id, "delete tag")
    with record.lock:
        if tag not in record.tags:
            raise not_found(f"Instance {server_id} has no tag '{tag}'")
        record.tags.remove(tag)
    return 204, None, {}


ROUTES: tuple[Route, ...] = (
    (r"servers/([^/]+)/metadata", {"GET": _index, "POST": _create, "PUT": _update_all}),
    (r"servers/([^/]+)/metadata/([^/]+)", {"GET": _show, "PUT": _update, "DELETE": _delete}),
    (r"servers/([^/]+)/tags", {"GET": _tags, "PUT": _replace_tags, "DELETE": _clear_tags}),
    (r"servers/([^/]+)/tags/([^/]+)", {"GET": _has_tag, "PUT": _add_tag, "DELETE": _remove_tag}),
)
