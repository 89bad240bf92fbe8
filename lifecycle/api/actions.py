"""``POST /servers/{id}/action``: the API's action names mapped onto the model's operations.

The mapping is derived from the dialect: each :class:`~lifecycle.model.spec.Operation`
names the action its 409 message uses (``confirmResize``, ``os-migrateLive``),
which is also the body key, except where Nova's body key differs from the word
in the message (``os-stop`` is refused as ``'stop'``). Legality is never decided
here: the model accepts or raises, and the raise becomes Nova's 409.
``os-resetState``, ``lock`` and ``unlock`` touch no task and exist only here.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from lifecycle.api import policy
from lifecycle.api.bodies import ACTION_BODIES
from lifecycle.api.cloud import Cloud, Record
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError, action_peek, bad_request, conflict
from lifecycle.api.flavors import Flavor
from lifecycle.api.image_fit import require_fit
from lifecycle.api.images import require_image
from lifecycle.api.keypairs import require_user_keypair
from lifecycle.api.over_quota import check_num_instances, check_upsize, quota_lock
from lifecycle.api.personality import check_injected_files
from lifecycle.api.scheduler import NOT_ENOUGH_HOSTS, Move, check_zone, move_destination
from lifecycle.api.schema import validate
from lifecycle.api.server_extras import LEGACY_CONSOLES, console_output, legacy_console
from lifecycle.api.versions import Version, text
from lifecycle.model import dialects
from lifecycle.model.spec import Dialect, Operation
from lifecycle.model.states import VmState
from lifecycle.simulate.server import Server

__all__ = ["ACTIONS", "Reply", "action_operations", "run_action"]

Reply = tuple[int, Any, dict[str, str]]
"""``(status, JSON body or None, extra headers)``."""

WIRE_KEYS: Mapping[str, str] = {"stop": "os-stop", "start": "os-start"}
"""Body keys that differ from the action word of the 409 message."""

HTTP_VERBS = frozenset({"create", "delete"})
"""Operations reached through ``POST /servers`` and ``DELETE /servers/{id}``, not an action."""

OTHER_ROUTES = frozenset(
    {
        "attach_volume",
        "detach_volume",
        "swap_volume",
        "attach_interface",
        "detach_interface",
        "update_metadata",
        "delete_metadata",
        "live_migrate_force_complete",
        "live_migrate_abort",
        "power_update_on",
        "power_update_off",
        "force_stop",
    }
)
"""Operations of the model reached through their own resources (volume attachments, interfaces,
metadata, migrations, external events), not ``/action``; their services call
:meth:`Cloud.perform <lifecycle.api.cloud.Cloud.perform>` with these names."""

RESET_OPERATIONS = {"active": "reset_active", "error": "reset_error"}
"""``os-resetState`` ``state`` -> the model's operation (admin_actions.py:_reset_state)."""

API_ONLY = ("os-resetState", "lock", "unlock", "os-getConsoleOutput", *LEGACY_CONSOLES)


def action_operations(dialect: str | Dialect = "nova") -> dict[str, tuple[Operation, ...]]:
    """``{body key: operations}`` for every action the dialect's model performs (``reboot`` has two)."""
    spec = dialects.get(dialect)
    table: dict[str, tuple[Operation, ...]] = {}
    for op in spec.operations:
        if op.name not in HTTP_VERBS and op.name not in OTHER_ROUTES and op.name not in RESET_OPERATIONS.values():
            key = WIRE_KEYS.get(op.action, op.action)
            table[key] = (*table.get(key, ()), op)
    return table


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One action request."""

    cloud: Cloud
    record: Record
    key: str
    args: Any
    version: Version
    base: str
    context: RequestContext = dataclasses.field(default_factory=RequestContext)

    @property
    def admin(self) -> bool:
        """The caller is an admin (passes locks, sees host fields)."""
        return self.context.is_admin

    @property
    def server(self) -> Server:
        return self.record.server

    def dict_args(self) -> dict[str, Any]:
        """The action's argument object; null counts as empty, anything else is a 400."""
        if self.args is None:
            return {}
        if not isinstance(self.args, dict):
            raise bad_request(f"Invalid input for field/attribute {self.key}. Value: {self.args!r}. is not an object")
        return self.args

    def required(self, field: str) -> Any:
        args = self.dict_args()
        if field not in args:
            raise bad_request(
                f"Invalid input for field/attribute {self.key}. Value: {self.args!r}. '{field}' is a required property"
            )
        return args[field]


def _perform(call: Call, operation: str, **kw: Any) -> None:
    call.cloud.perform(call.record, operation, microversion=text(call.version), admin=call.admin, **kw)


def _simple(operation: str, status: int = 202) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        _perform(call, operation)
        return status, None, {}

    return handler


def _reboot(call: Call) -> Reply:
    kind = call.required("type")  # one of bodies.REBOOT_TYPES: checked before the handler runs
    _perform(call, "hard_reboot" if kind.upper() == "HARD" else "reboot")
    return 202, None, {}


def _resize(call: Call) -> Reply:
    ref = call.required("flavorRef")
    with call.record.lock:
        if call.server.may(call.server.dialect.compute_operation("resize")):
            try:
                flavor = call.cloud.flavor(str(ref))
            except ApiError:
                raise bad_request("Unable to locate requested flavor.") from None
            if flavor.id == call.record.flavor.id:
                raise bad_request("When resizing, instances must change flavor!")
            check_upsize(call.cloud, call.record, flavor)
            shrink = _shrinks_disk(call, flavor)
        else:
            flavor, shrink = None, None
        _perform(call, "resize", new_flavor=flavor, fails_at=shrink)
        # compute/api.py resize: extra_instance_updates (auto_disk_config) apply at the request
        call.record.disk_config = call.dict_args().get("OS-DCF:diskConfig", call.record.disk_config)
    return 202, None, {}


def _restore(call: Call) -> Reply:
    """``compute/api.py:API.restore``: lock and state first, then the quota for one more server."""
    with quota_lock(call.cloud), call.record.lock:
        if call.server.may("restore"):
            check_num_instances(call.cloud, call.record.project_id, call.record.flavor, 1, 1)
        _perform(call, "restore")
    return 202, None, {}


def _shrinks_disk(call: Call, new: Flavor) -> tuple[str, str] | None:
    """A smaller disk: 400 for none at all (the API), else the libvirt driver's rollback at resize_migrating.

    ``compute/api.py:API.resize``: a zero-disk flavor is only for volume-backed
    servers (``CannotResizeDisk``, 400). ``virt/libvirt/driver.py``
    ``migrate_disk_and_power_off``: a smaller root disk (not volume-backed) or
    ephemeral disk raises ``InstanceFaultRollback(ResizeError("Unable to resize
    disk down."))``: the server goes back to its vm_state with that fault. Returns
    where and how the run fails, for :meth:`Cloud.perform`'s ``fails_at``.
    """
    old = call.record.flavor
    volume_backed = call.server.settings.volume_backed
    if new.disk == 0 and old.disk != 0 and not volume_backed:
        raise bad_request("Resize to zero disk flavor is not allowed.")
    if (new.disk < old.disk and not volume_backed) or new.ephemeral < old.ephemeral:
        return "resize_migrating", "rollback"
    return None


def _rescue(call: Call) -> Reply:
    password = call.dict_args().get("adminPass") or secrets.token_urlsafe(9)
    _perform(call, "rescue")
    return 200, {"adminPass": password}, {}


def _target_host(call: Call, field: str = "host") -> str | None:
    """The ``host`` a move asks for; 400 ``Compute host ... could not be found.`` (ComputeHostNotFound) if unknown."""
    host = call.dict_args().get(field)
    if host is None:
        return None
    if not isinstance(host, str) or host not in call.cloud.hosts:
        raise bad_request(f"Compute host {host} could not be found.")
    return host


def _move(call: Call, operation: str, move: Move) -> None:
    """Request a move; :meth:`Cloud.perform <lifecycle.api.cloud.Cloud.perform>` schedules it (NoValidHost...)."""
    with call.record.lock:
        _perform(call, operation, move=move)


def _forced(call: Call, host: str | None, since: Version) -> bool:
    """A ``host`` the scheduler does not check: any before ``since``, then only with ``force``.

    ``evacuate.py:_evacuate`` (2.29) and ``migrate_server.py:_migrate_live`` (2.30) read
    ``force`` (``strutils.bool_from_string``); ``compute/api.py`` ``API.evacuate`` and
    ``API.live_migrate`` send a host not forced through the scheduler (``requested_destination``).
    """
    if host is None:
        return False
    if call.version < since:
        return True
    force = call.dict_args().get("force", False)
    return force is True or (isinstance(force, str) and force.strip().lower() in ("1", "t", "true", "on", "y", "yes"))


def _evacuate(call: Call) -> Reply:
    args = call.dict_args()
    password = args.get("adminPass") or secrets.token_urlsafe(9)
    host = args.get("host")
    if host is not None:  # evacuate.py:_evacuate checks the host before the state
        if not isinstance(host, str) or host not in call.cloud.hosts:
            raise ApiError(404, f"Compute host {host} not found.")
        if host == call.record.host:
            raise bad_request("The target host can't be the same one.")
    _move(call, "evacuate", Move(host=host, forced=_forced(call, host, (2, 29))))
    return 200, ({"adminPass": password} if call.version < (2, 14) else None), {}


def _migrate(call: Call) -> Reply:
    host = _target_host(call) if call.version >= (2, 56) else None  # migrate_server.py:_migrate
    with call.record.lock:
        # compute/api.py API.resize -> _validate_host_for_cold_migrate, after the state check:
        # CannotMigrateToSameHost, which migrate_server.py:_migrate answers with 400.
        if host is not None and host == call.record.host and call.server.may("migrate"):
            raise bad_request("Cannot migrate to the host where the server exists.")
        _move(call, "migrate", Move(host=host))  # API.resize: requested_destination, still filtered
    return 202, None, {}


def _live_migrate(call: Call) -> Reply:
    """``migrate_server.py:_migrate_live``; the conductor's pre-checks fail it as Nova's do.

    A forced host (before 2.30, or ``force``) skips the scheduler:
    ``conductor/tasks/live_migrate.py`` ``_check_destination_is_not_source`` raises
    ``UnableToMigrateToSelf`` for the server's own host. Otherwise the scheduler
    (``_find_destination``, the source ignored) may find no host: ``NoValidHost``.
    Before 2.34 the API waits for the conductor (``migrate_server`` is an RPC call) and
    answers either with 400; from 2.34 (``async_``) the request is accepted and the
    conductor's ``_live_migrate`` sets the migration to ``error`` and clears the task,
    the server staying where it was (``_set_vm_state(instance.vm_state)``).
    """
    host = _target_host(call)
    forced = _forced(call, host, (2, 30))
    move = Move(host=host, forced=forced)
    with call.record.lock:
        accepted = call.server.may("live_migrate")
        to_self = forced and host == call.record.host and accepted
        if to_self and call.version < (2, 34):
            raise bad_request(f"Unable to migrate instance ({call.record.id}) to current host ({host}).")
        if accepted and call.version < (2, 34) and not forced:
            spec = call.cloud.move_spec(call.record, "live_migrate", move)
            if move_destination(call.cloud, call.record, spec) is None:
                raise bad_request(f"No valid host was found. {NOT_ENOUGH_HOSTS}")
        rule = call.cloud.fail_next(call.record.id, "live_migrate") if to_self else None
        try:
            _move(call, "live_migrate", move)
        except Exception:
            if rule is not None and not rule.fired:
                rule.times = 0  # refused (409...): the rule must not strike a later run
            raise
    return 202, None, {}


def _unshelve(call: Call) -> Reply:
    """shelve.py:_unshelve and api.py:API.unshelve: AZ from 2.77, host (and AZ null) from 2.91.

    After the state check: an AZ or host needs a SHELVED_OFFLOADED server (409
    UnshelveInstanceInvalidState), the AZ must exist and the host too (400).
    """
    args = call.args if isinstance(call.args, dict) else {}
    allowed = (["availability_zone"] if call.version >= (2, 77) else []) + (["host"] if call.version >= (2, 91) else [])
    extra = sorted(set(args) - set(allowed))
    if extra:
        raise bad_request(
            "Invalid input for field/attribute unshelve. "
            f"Additional properties are not allowed ({extra[0]!r} was unexpected)"
        )
    az_passed = "availability_zone" in args
    host = args.get("host")
    server = call.record.server
    with call.record.lock:
        if (az_passed or host) and server.may("unshelve") and server.vm_state is not VmState.SHELVED_OFFLOADED:
            raise conflict(
                f'Specifying an availability zone or a host when unshelving server "{call.record.id}" with status '
                f'"{server.status.value if server.status else ""}" is not supported. The server status must be '
                "SHELVED_OFFLOADED."
            )
        if az_passed and args["availability_zone"] is not None:  # api.py:_validate_unshelve_az
            check_zone(call.cloud, args["availability_zone"])
        if host is not None and (not isinstance(host, str) or host not in call.cloud.hosts):
            raise bad_request(f"Compute host {host} could not be found.")
        # API.unshelve: the request spec takes the new zone (null from 2.91 unpins it) and the
        # host as requested_destination; the conductor's scheduling still filters them
        zone = args.get("availability_zone")
        _move(call, "unshelve", Move(host=host, zone=zone, unpin=az_passed and zone is None))
    return 202, None, {}


def _rebuild(call: Call) -> Reply:
    from lifecycle.api.server_groups import group_ids
    from lifecycle.api.shapes import shape
    from lifecycle.api.views import server_body

    args = call.dict_args()
    image = call.required("imageRef")
    image_id = str(image).rstrip("/").rsplit("/", 1)[-1]
    if call.server.may("rebuild", admin=call.admin):  # else the model's 409 comes first
        # compute/api.py:API.rebuild, after the lock and state checks: the caller's keypair
        # (2.54+; null or "" unsets it), then the image
        if call.version >= (2, 54):
            require_user_keypair(call.cloud, call.context.user_id, args.get("key_name"))
        try:
            found = require_image(call.cloud.images, call.context, image_id)
        except ApiError:
            raise bad_request("Cannot find image for rebuild") from None
        check_injected_files(call.cloud, call.context.project_id, args.get("personality"))  # limit_check(context)
        # compute/api.py API.rebuild -> _checks_for_create_and_rebuild: the injected-file quota, then
        # _validate_flavor_image with the server's flavor; servers.py _action_rebuild answers
        # INVALID_FLAVOR_IMAGE_EXCEPTIONS with 400
        require_fit(call.record.flavor, found)
    with call.record.lock:
        _perform(call, "rebuild")
        record = call.record
        record.image_id = image_id
        if "name" in args:
            record.server.name = args["name"]
        if "metadata" in args:
            record.metadata = dict(args["metadata"])
        if "description" in args:
            record.description = args["description"]
        record.disk_config = args.get("OS-DCF:diskConfig", record.disk_config)
        if "user_data" in args and call.version >= (2, 57):
            record.user_data = args["user_data"]
        if "key_name" in args and call.version >= (2, 54):
            record.key_name = args["key_name"] or None  # api.py:rebuild: a falsy name unsets it
        record.hostname = args.get("hostname", record.hostname)  # servers.py _action_rebuild: from 2.90
        groups = group_ids(call.cloud, record)
        body = shape(
            record,
            server_body(record, call.base, call.version, admin=call.admin),
            "rebuild",
            call.version,
            groups=groups,
        )
    body["adminPass"] = args.get("adminPass") or record.admin_pass
    return 202, {"server": body}, {}


def _image_reply(call: Call, image_id: str) -> Reply:
    if call.version >= (2, 45):
        return 202, {"image_id": image_id}, {}
    return 202, None, {"Location": f"{call.base}/images/{image_id}"}


def _new_image(call: Call, operation: str, name: str, kind: str, rotation: int = 0, **extra: str) -> str:
    """Perform ``operation`` and register the image it makes (queued until the upload starts)."""
    images = call.cloud.images
    with call.record.lock:
        _perform(call, operation)
        metadata = {k: str(v) for k, v in (call.dict_args().get("metadata") or {}).items()}
        properties = {**metadata, **extra}
        image = images.snapshot(
            call.record, name, kind, call.context.project_id, rotation=rotation, properties=properties
        )
    return image.id


def _create_image(call: Call) -> Reply:
    name = call.required("name")
    return _image_reply(call, _new_image(call, "create_image", str(name), "snapshot"))


def _create_backup(call: Call) -> Reply:
    for field in ("name", "backup_type", "rotation"):
        call.required(field)
    args = call.dict_args()
    try:
        rotation = int(args["rotation"])
    except (TypeError, ValueError):
        raise bad_request(f"Invalid input for field/attribute rotation. Value: {args['rotation']!r}.") from None
    image_id = _new_image(
        call, "create_backup", str(args["name"]), "backup", rotation=rotation, backup_type=str(args["backup_type"])
    )
    return _image_reply(call, image_id)


def _shelve(call: Call) -> Reply:
    """Shelving snapshots the server to ``<name>-shelved`` (``compute/api.py:shelve``)."""
    _new_image(call, "shelve", f"{call.server.name}-shelved", "shelved")
    return 202, None, {}


def _change_password(call: Call) -> Reply:
    call.required("adminPass")
    with call.record.lock:
        _perform(call, "change_password")
        # set_admin_password is a synchronous RPC call in Nova: done before the reply.
        call.cloud.settle(call.record.id)
    return 202, None, {}


def _reset_state(call: Call) -> Reply:
    state = call.required("state")
    if state not in ("active", "error"):
        raise bad_request(
            f"Invalid input for field/attribute state. Value: {state}. '{state}' is not one of ['active', 'error']"
        )
    call.cloud.reset_state(call.record, state)
    return 202, None, {}


def _locker(call: Call) -> str:
    """``owner`` when the server's own project asks, else ``admin`` (``compute/api.py:lock``)."""
    return "owner" if call.context.project_id == call.record.project_id else "admin"


def _lock(call: Call) -> Reply:
    reason = call.dict_args().get("locked_reason") if call.version >= (2, 73) else None
    with call.record.lock:
        call.server.lock()
        call.record.locked_reason = reason
        call.record.locked_by = _locker(call)
    return 202, None, {}


def _unlock(call: Call) -> Reply:
    with call.record.lock:
        if call.server.locked and call.record.locked_by not in (None, _locker(call)):
            # lock_server.py: unlocking someone else's lock needs unlock_override (admin)
            policy.authorize_route(call.context, "unlock_override", call.record.project_id)
        call.server.unlock()
        call.record.locked_reason = None
        call.record.locked_by = None
    return 202, None, {}


_SPECIAL: dict[str, Callable[[Call], Reply]] = {
    "migrate": _migrate,
    "os-migrateLive": _live_migrate,
    "unshelve": _unshelve,
    "reboot": _reboot,
    "resize": _resize,
    "rescue": _rescue,
    "restore": _restore,
    "evacuate": _evacuate,
    "rebuild": _rebuild,
    "createImage": _create_image,
    "createBackup": _create_backup,
    "shelve": _shelve,
    "changePassword": _change_password,
    "confirmResize": _simple("confirm_resize", 204),
    "os-resetState": _reset_state,
    "lock": _lock,
    "unlock": _unlock,
    "os-getConsoleOutput": lambda call: (200, console_output(call.record, call.args), {}),
    **{key: (lambda call: legacy_console(call.record, call.key, call.args, call.version)) for key in LEGACY_CONSOLES},
}


def _build() -> dict[str, Callable[[Call], Reply]]:
    table: dict[str, Callable[[Call], Reply]] = {}
    for key, ops in action_operations("nova").items():
        table[key] = _SPECIAL.get(key) or _simple(ops[0].name)
    for key in API_ONLY:
        table[key] = _SPECIAL[key]
    return table


ACTIONS: Mapping[str, Callable[[Call], Reply]] = _build()
"""Body key -> handler, for every action of the Nova model plus the API-only ones."""


def run_action(
    cloud: Cloud, record: Record, body: Any, version: Version, base: str, context: RequestContext | None = None
) -> Reply:
    """Dispatch one action body (``{"reboot": {"type": "SOFT"}}``).

    Raises:
        ApiError: 400 for a malformed body or unknown action; the model's
            refusals (:class:`~lifecycle.errors.InvalidStateError`) pass through.
    """
    key = action_peek(body, ACTIONS)
    handler = ACTIONS[key]
    rule, since = ACTION_BODIES.get(key, (None, version))
    if rule is not None and version >= since:
        validate(body[key], rule, version, (key,))
    return handler(Call(cloud, record, key, body[key], version, base, context or RequestContext()))
