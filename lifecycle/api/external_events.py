"""``os-server-external-events`` (``nova/api/openstack/compute/server_external_events.py``).

Neutron, Cinder and Cyborg tell Nova about a server through this route; only a
``service`` role may call it (``nova/policies/server_external_events.py``:
``base.SERVICE_ROLE``, which an admin without that role does not pass). Each
event is answered on its own, as ``create`` does:

* an unknown server: ``failed``, 404;
* a tag missing where it is required (``volume-extended``, ``power-update``,
  ``accelerator-request-bound``): ``failed``, 400;
* a server with no host (building, offloaded): ``failed``, 422;
* otherwise ``completed``, 200, and the event goes to the server's host.

The reply is 200 when every event was accepted, else 207. The event names
grow with the microversion (``schemas/server_external_events.py``). Of what the
compute manager then does, the fake acts on ``power-update``: ``POWER_ON`` /
``POWER_OFF`` run the model's ``power_update_on`` / ``power_update_off``, and
an event for a server in another state is a no-op, as
``ComputeManager.power_update`` makes it (``_is_state_valid_for_power_update_event``).
The other events change no state the API shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api import policy
from lifecycle.api.errors import ApiError
from lifecycle.api.routing import Route, no_query
from lifecycle.api.schema import Field, array, enum, obj, string, uuid_text, validate, versioned
from lifecycle.errors import LifecycleError

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request

__all__ = ["EVENT_NAMES", "ROUTES"]

EVENT_NAMES: dict[tuple[int, int], tuple[str, ...]] = {
    (2, 1): ("network-changed", "network-vif-plugged", "network-vif-unplugged", "network-vif-deleted"),
    (2, 51): ("volume-extended",),
    (2, 76): ("power-update",),
    (2, 82): ("accelerator-request-bound",),
    (2, 93): ("volume-reimaged",),
}
"""The names each microversion adds to the schema's enum (``create``, ``create_v251`` ... ``create_v293``)."""

TAG_REQUIRED = ("volume-extended", "power-update", "accelerator-request-bound")
STATUSES = ("failed", "completed", "in-progress")  # nova/objects/external_event.py EVENT_STATUSES
POWER_OPERATIONS = {"POWER_ON": "power_update_on", "POWER_OFF": "power_update_off"}


def _names_since(version: tuple[int, int]) -> tuple[str, ...]:
    return tuple(name for since, names in EVENT_NAMES.items() if version >= since for name in names)


def _body_rule() -> Any:
    def event(version: tuple[int, int]) -> Any:
        return obj(
            {
                "name": Field(enum(*_names_since(version))),
                "server_uuid": Field(uuid_text()),
                "status": Field(enum(*STATUSES)),
                "tag": Field(string(max_len=255)),
            },
            required=("name", "server_uuid"),
        )

    changes = {since: obj({"events": array(event(since), min_items=1)}, required=("events",)) for since in EVENT_NAMES}
    return versioned(changes[(2, 1)], changes)


BODY = _body_rule()


def _create(app: ComputeApp, request: Request) -> Reply:
    no_query(request)
    policy.authorize_route(request.context, "external_events", request.context.project_id)
    body = request.json()
    validate(body, BODY, request.version)
    result = 200
    answered: list[dict[str, Any]] = []
    for given in body["events"]:
        event = dict(given)
        answered.append(event)
        try:
            record = app.cloud.record(event["server_uuid"])
        except ApiError:
            event.update(status="failed", code=404)
            result = 207
            continue
        if event["name"] in TAG_REQUIRED and event.get("tag") is None:
            event.update(status="failed", code=400)
            result = 207
        elif record.host:
            event.update(status="completed", code=200)
            if event["name"] == "power-update":
                _power_update(app, record, event["tag"])
        else:
            event.update(status="failed", code=422)
            result = 207
    return result, {"events": answered}, {}


def _power_update(app: ComputeApp, record: Any, tag: str) -> None:
    """``ComputeManager.power_update``: the model's run, or nothing in a state the event does not apply to."""
    operation = POWER_OPERATIONS.get(tag)
    if operation is None:
        return  # _is_state_valid_for_power_update_event accepts only POWER_ON and POWER_OFF
    try:
        app.cloud.perform(record, operation, bypass_lock=True)
    except (ApiError, LifecycleError):
        return


ROUTES: tuple[Route, ...] = ((r"os-server-external-events", {"POST": _create}),)
