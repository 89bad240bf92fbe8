"""Nova's versioned notifications: read them as trace observations, and write them for a simulated fleet.

Nova tells the world about every change of an instance (``nova/notifications/objects/instance.py``):

* ``instance.update``: the payload's ``state_update`` has ``old_state`` /
  ``old_task_state`` and ``state`` / ``new_task_state`` (sent by
  ``nova/notifications/base.py:send_update`` whenever vm_state or task_state change);
* ``instance.<action>.start`` / ``.end`` / ``.error`` around each compute action
  (``manager.py``, ``notify_about_instance_action``), with ``state``,
  ``task_state``, ``power_state`` of the moment, and a ``fault`` on ``.error``.

A notification arrives as oslo.messaging writes it: the message itself
(``event_type``, ``payload``, ``publisher_id``, ``priority``, ``timestamp``), the
messaging driver's envelope (``{"oslo.version": "2.0", "oslo.message": "<JSON>"}``),
a log record whose text ends with the message (the ``log`` driver), oslo.log's
JSON formatter (``{"message": "<JSON>", ...}``), or a listener's
``(ctxt, publisher_id, event_type, payload, metadata)`` turned into a mapping.
Unversioned (legacy ``compute.instance.*``) payloads are read the same way.
Events that are not about an instance's state (``service.update``...) carry no
observation and are passed over.

:class:`NovaNotifier` does the reverse for a :class:`~lifecycle.simulate.fleet.Fleet`
(and so for the fake API's :class:`~lifecycle.api.cloud.Cloud`): a listener that
turns every change into the notifications Nova would send, into a JSON Lines
file or any callable (an oslo.messaging notifier's ``info``, a list's ``append``).
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from lifecycle.model.states import PowerState
from lifecycle.simulate.events import EPOCH, Event, timestamp
from lifecycle.validate.trace import FAULT_KEY, NOTIFICATION_KEY, SEEN_KEY, Problem, _json_type

__all__ = ["ACTIONS", "NovaNotifier", "notification_of", "notifications_for", "observations_of", "oslo_sink"]

_POWER_CODES = {p.label: int(p) for p in PowerState}
"""``InstancePowerState`` names (``nova/objects/fields.py``) as the API's integer codes."""

ACTIONS: Mapping[str, str] = {
    "stop": "power_off",
    "start": "power_on",
    # manager.py ComputeManager.power_update: the external event notifies POWER_OFF / POWER_ON
    "power_update_off": "power_off",
    "power_update_on": "power_on",
    "hard_reboot": "reboot",
    "confirm_resize": "resize_confirm",
    "revert_resize": "resize_revert",
    "force_delete": "delete",
    "create_image": "snapshot",
    "create_backup": "snapshot",
    "live_migrate": "live_migration_pre",
    "migrate": "resize",
    "shelve_offload": "shelve_offload",
    "reset_state": "update",
}
"""Operations whose ``NotificationAction`` (``nova/objects/fields.py``) has another name; the rest keep theirs."""


# -- reading -----------------------------------------------------------------
def observations_of(items: Iterable[tuple[int, Any] | Problem]) -> Iterator[tuple[int, Any] | Problem]:
    """Observations (server-shaped dicts :func:`lifecycle.check_trace` reads) from notification values."""
    for item in items:
        if isinstance(item, Problem):
            yield item
            continue
        line, value = item
        message = _unwrap(value)
        if isinstance(message, str):
            yield Problem(line, message)
            continue
        found = _observations(message)
        if isinstance(found, str):
            yield Problem(line, found)
            continue
        for observation in found:
            yield (line, observation)


def _unwrap(value: Any) -> Mapping[str, Any] | str:
    """The notification message inside its envelope, or why there is none."""
    for _ in range(3):  # an envelope may hold a log record holding the message, no deeper
        if not isinstance(value, Mapping):
            return f"not a JSON object (got {_json_type(value)})"
        if "event_type" in value:
            return value
        inner = value.get("oslo.message", value.get("message"))
        if isinstance(inner, str):
            try:
                value = json.loads(inner)
            except ValueError:
                return "malformed JSON inside 'oslo.message'/'message'"
        elif isinstance(inner, Mapping):
            value = inner
        else:
            break
    return "not a Nova notification: no 'event_type' (nor an 'oslo.message' envelope holding one)"


def _observations(message: Mapping[str, Any]) -> list[dict[str, Any]] | str:
    event_type = message.get("event_type")
    if not isinstance(event_type, str):
        return f"'event_type' must be a string (got {json.dumps(event_type, default=str)})"
    name = event_type.removeprefix("compute.")
    if not name.startswith("instance."):
        return []  # not about an instance: nothing to check
    payload = message.get("payload")
    if not isinstance(payload, Mapping):
        return f"{event_type}: 'payload' must be an object"
    data = payload.get("nova_object.data", payload)
    if not isinstance(data, Mapping):
        return f"{event_type}: 'nova_object.data' must be an object"
    server_id = data.get("uuid", data.get("instance_id"))
    if server_id is None:
        return f"{event_type}: the payload names no instance ('uuid' or 'instance_id')"
    metadata = message.get("metadata")
    seen = message.get("timestamp")
    if seen is None and isinstance(metadata, Mapping):
        seen = metadata.get("timestamp")
    base: dict[str, Any] = {"id": str(server_id), NOTIFICATION_KEY: event_type}
    if seen is not None:
        base[SEEN_KEY] = str(seen)
    updated = data.get("updated_at")
    if updated is not None or seen is not None:
        base["updated"] = updated if updated is not None else seen
    if "launched_at" in data:
        base["OS-SRV-USG:launched_at"] = data["launched_at"]
    power = data.get("power_state")
    if power is not None:
        base["OS-EXT-STS:power_state"] = _POWER_CODES.get(power, power) if isinstance(power, str) else power
    state, task = data.get("state"), data.get("task_state")
    out: list[dict[str, Any]] = []
    if name == "instance.update":
        update = data.get("state_update")
        # legacy compute.instance.update: the same fields, flat in the payload
        update = update.get("nova_object.data", update) if isinstance(update, Mapping) else data
        if isinstance(update, Mapping):
            old = (update.get("old_state"), update.get("old_task_state"))
            new = (update.get("state", state), update.get("new_task_state"))
            state = new[0]
            if "task_state" not in data:
                task = new[1]
            if old[0] is not None and old != new:  # the update reports a change: the state before it too
                before = {k: v for k, v in base.items() if k not in ("OS-EXT-STS:power_state", "updated")}
                before["OS-EXT-STS:vm_state"], before["OS-EXT-STS:task_state"] = old
                out.append(before)
    if state is None:
        return f"{event_type}: the payload has no 'state' (vm_state)"
    now = dict(base)
    now["OS-EXT-STS:vm_state"], now["OS-EXT-STS:task_state"] = state, task
    fault = data.get("fault")
    if isinstance(fault, Mapping):
        fault = fault.get("nova_object.data", fault)
        if isinstance(fault, Mapping):
            now[FAULT_KEY] = f"{fault.get('exception')}: {fault.get('exception_message')}"
    out.append(now)
    return out


# -- writing -----------------------------------------------------------------
def notification_of(
    event: Event,
    event_type: str,
    *,
    host: str = "fake-host",
    epoch: datetime.datetime = EPOCH,
    fault: tuple[str, str] | None = None,
    before: Event | None = None,
) -> dict[str, Any]:
    """One notification message (as oslo.messaging sends it) about the server after ``event``."""
    vm, task = event.after
    moment = timestamp(event.time, epoch)
    data: dict[str, Any] = {
        "uuid": event.server_id,
        "display_name": event.name,
        "host": host,
        "state": None if vm is None else vm.value,
        "task_state": None if task is None else task.value,
        "power_state": event.power_state.label,
        "updated_at": moment,
    }
    name = "InstanceActionPayload"
    if event_type == "instance.update":
        name = "InstanceUpdatePayload"
        old_vm, old_task = event.before if event.before is not None else (None, None)
        data["state_update"] = {
            "nova_object.data": {
                "old_state": None if old_vm is None else old_vm.value,
                "old_task_state": None if old_task is None else old_task.value,
                "state": data["state"],
                "new_task_state": data["task_state"],
            },
            "nova_object.name": "InstanceStateUpdatePayload",
            "nova_object.namespace": "nova",
            "nova_object.version": "1.0",
        }
    else:
        data["fault"] = None
        if fault is not None:
            data["fault"] = {
                "nova_object.data": {"exception": fault[0], "exception_message": fault[1]},
                "nova_object.name": "ExceptionPayload",
                "nova_object.namespace": "nova",
                "nova_object.version": "1.1",
            }
    return {
        "message_id": str(uuid.uuid4()),
        "publisher_id": f"nova-compute:{host}",
        "event_type": event_type,
        "priority": "ERROR" if event_type.endswith(".error") else "INFO",
        "payload": {
            "nova_object.data": data,
            "nova_object.name": name,
            "nova_object.namespace": "nova",
            "nova_object.version": "1.9",
        },
        "timestamp": moment.replace("T", " ").removesuffix("Z"),
    }


def notifications_for(event: Event, **options: Any) -> list[dict[str, Any]]:
    """What Nova sends for one change: ``instance.update``, then ``instance.<action>.start/.end/.error``.

    The update (old and new state) comes first, so that every message's state
    follows the one before: a request's update then its ``.start``; a failure's
    update then ``.error`` with a fault; the change that leaves the server at
    rest, then ``.end``.
    """
    action = ACTIONS.get(event.operation, event.operation)
    out: list[dict[str, Any]] = []
    if event.before is None or event.before != event.after:
        out.append(notification_of(event, "instance.update", **options))
    if event.kind == "failure":
        fault = ("InstanceFault", f"{event.operation} failed in the simulation")
        out.append(notification_of(event, f"instance.{action}.error", fault=fault, **options))
    if event.kind in ("request", "create", "periodic"):
        out.append(notification_of(event, f"instance.{action}.start", **options))
    if event.done and event.kind in ("request", "step", "create", "periodic"):
        out.append(notification_of(event, f"instance.{action}.end", **options))
    return out


class NovaNotifier:
    """A fleet listener that sends Nova's notifications for every change (``fleet.listen(NovaNotifier(...))``).

    Args:
        path: a JSON Lines file to append the messages to (one per line).
        host: the compute host named in ``publisher_id``.
        epoch: wall-clock time of simulated time 0.
        sink: any callable taking each message (for tests and custom transports).
        transport: an oslo.messaging transport, or its URL (``rabbit://...``,
            ``fake://``), to send each message through as Nova does, on ``topic``
            (needs the ``[watch]`` extra).
    """

    def __init__(
        self,
        path: str | None = None,
        *,
        host: str = "fake-host",
        epoch: datetime.datetime = EPOCH,
        sink: Callable[[dict[str, Any]], None] | None = None,
        transport: Any = None,
        topic: str = "versioned_notifications",
    ) -> None:
        self.host = host
        self.epoch = epoch
        self._lock = threading.Lock()
        self._file: IO[str] | None = None if path is None else open(path, "a", encoding="utf-8")  # noqa: SIM115
        self._sinks: list[Callable[[dict[str, Any]], None]] = [] if sink is None else [sink]
        if transport is not None:
            self._sinks.append(oslo_sink(transport, topic))

    def __call__(self, event: Event) -> None:
        messages = notifications_for(event, host=self.host, epoch=self.epoch)
        with self._lock:
            for message in messages:
                if self._file is not None:
                    self._file.write(json.dumps(message, separators=(",", ":")) + "\n")
                for sink in self._sinks:
                    sink(message)
            if self._file is not None:
                self._file.flush()

    def close(self) -> None:
        """Close the file (the listener stays callable, writing nowhere)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def oslo_sink(transport: Any, topic: str = "versioned_notifications") -> Callable[[dict[str, Any]], None]:
    """A sink sending each message through an oslo.messaging ``messagingv2`` notifier, as ``nova/rpc.py`` does.

    ``transport`` is a transport or its URL.

    Raises:
        WatchError: oslo.messaging is missing, or the URL is unusable.
    """
    from lifecycle.validate.watch import import_oslo, transport_for

    messaging, _ = import_oslo()
    if isinstance(transport, str):
        transport = transport_for(transport)
    notifier = messaging.Notifier(transport, driver="messagingv2", topics=[topic])

    def send(message: dict[str, Any]) -> None:
        prepared = notifier.prepare(publisher_id=message["publisher_id"])
        level = "error" if message["priority"] == "ERROR" else "info"
        getattr(prepared, level)({}, message["event_type"], message["payload"])

    return send
