"""``os-migrations`` and ``/servers/{id}/migrations``: the rows resize, migrate, live-migrate and evacuate make.

Nova (``nova/api/openstack/compute/migrations.py``, ``server_migrations.py``)
writes a migration row when one of those starts and moves its ``status`` as the
compute manager goes. Here a row follows the task its action started: in
progress while the server runs it (a cold migration or resize walks
``pre-migrating``, ``migrating``, ``post-migrating`` with its task_state, a
confirm or revert shows ``confirming``/``reverting``), then the status Nova ends that kind in
(``finished`` then ``confirmed``/``reverted`` for a resize, ``completed`` for a
live migration, ``done`` for an evacuation, ``error``/``failed`` on failure).
The destination (``dest_compute``, ``dest_node``, ``dest_host``: its IP) is the
host the scheduler picks (or the request names) as the move starts (none when
it found no host: the row ends ``error``), and
``updated_at`` the time of each change (the run's end, a confirm's or revert's).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.cloud import now
from lifecycle.api.errors import not_found
from lifecycle.api.hosts import host_ip
from lifecycle.api.instance_actions import settled_actions
from lifecycle.api.routing import (
    Route,
    limit_marker,
    next_links,
    no_query,
    project_of,
    require_admin,
    require_version,
    server_of,
)
from lifecycle.api.schema import ascii_digits
from lifecycle.api.store import InstanceAction, Migration, state_of
from lifecycle.api.views import usage_stamp

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.simulate.events import Event

__all__ = ["ROUTES", "record_migration"]

MIGRATION_TYPES = {
    "resize": "resize",
    "migrate": "migration",
    "live-migration": "live-migration",
    "evacuate": "evacuation",
}
"""Instance action -> ``migration_type`` (``nova/objects/fields.py:MigrationType``)."""

_RUNNING = {"resize": "migrating", "migration": "migrating", "live-migration": "running", "evacuation": "accepted"}
_DONE = {"resize": "finished", "migration": "finished", "live-migration": "completed", "evacuation": "done"}
_FAILED = {"resize": "error", "migration": "error", "live-migration": "error", "evacuation": "failed"}
_COLD_STEPS = {
    "resize_prep": "pre-migrating",
    "resize_migrating": "migrating",
    "resize_migrated": "post-migrating",
    "resize_finish": "post-migrating",
}
"""A cold migration's or resize's task_state -> its row's status while it runs: ``conductor/tasks/migrate.py``
``_preallocate_migration`` makes it ``pre-migrating``; ``compute/manager.py`` ``_resize_instance`` sets
``migrating`` as the task is ``resize_migrating`` and ``post-migrating`` before ``resize_migrated``,
``_finish_resize_helper`` ``finished`` as the server reaches VERIFY_RESIZE."""
_CLOSING_STATUS = {"confirmResize": "confirming", "revertResize": "reverting"}
"""``compute/api.py`` ``API.confirm_resize``/``API.revert_resize`` set these before the compute's work."""
LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")
"""``server_migrations.py``: the live-migration statuses it lists and shows."""


def _flavor_id(ref: str) -> Any:
    return int(ref) if ascii_digits(ref) else ref


def record_migration(app: ComputeApp, request: Request, record: Record, action: str) -> None:
    """Make the migration row of an accepted resize, migrate, live-migrate or evacuate."""
    kind = MIGRATION_TYPES.get(action)
    if kind is None:
        return
    state = state_of(app.cloud)
    _follow(app.cloud)
    new = record.new_flavor or record.flavor
    host = str(getattr(record, "host", None) or "compute")
    # The destination as the scheduler picks it (or the request names it), known from the start:
    # resource_tracker.py _move_claim sets dest_compute, dest_node and dest_host (the driver's
    # get_host_ip_addr) for resize/migrate/evacuate, conductor/tasks/live_migrate.py
    # _execute dest_compute and dest_node for a live migration.
    dest = app.cloud.choose_destination(record)
    unplaced = record.unplaced
    if unplaced is not None and kind == "evacuation":
        dest = unplaced.host  # compute/api.py API.evacuate: migration.dest_compute = host, before scheduling
    found = None if dest is None else app.cloud.hosts.get(dest)
    migration = Migration(
        id=state.next_id(),
        uuid=str(uuid.uuid4()),
        record=record,
        migration_type=kind,
        old_flavor=record.flavor.id,
        new_flavor=new.id,
        project_id=project_of(record),
        user_id=request.context.user_id,
        source_compute=host,
        dest_compute=dest,
        status=_RUNNING[kind],
        request_id=request.request_id,
        dest_host=None if found is None else host_ip(found),
        unplaced=unplaced is not None,
    )
    migration.updated_at = migration.created_at  # saved with its destination as it starts
    with state.lock:
        state.migrations.append(migration)


def _status(app: ComputeApp, migration: Migration) -> str:
    """The row's status now, from the action that made it and the ones after it."""
    actions = settled_actions(app, migration.record.id)
    mine = next((a for a in actions if a.request_id == migration.request_id), None)
    if mine is None or mine.result is None:
        task = migration.record.server.task_state
        if migration.migration_type in ("resize", "migration") and task is not None:
            return _COLD_STEPS.get(task.value, _RUNNING[migration.migration_type])
        return _RUNNING[migration.migration_type]
    if mine.result == "Error":
        # NoValidHost: conductor/tasks/migrate.py MigrationTask.rollback, manager.py _live_migrate
        # and rebuild_instance all set 'error'
        return "error" if migration.unplaced else _FAILED[migration.migration_type]
    later: list[InstanceAction] = actions[actions.index(mine) + 1 :]
    if migration.migration_type in ("resize", "migration"):
        for action in later:
            if action.action == "confirmResize" and action.result == "Success":
                return "confirmed"
            if action.action == "revertResize" and action.result == "Success":
                return "reverted"
            if action.action in _CLOSING_STATUS and action.result is None:
                return _CLOSING_STATUS[action.action]
    return _DONE[migration.migration_type]


_OPERATIONS = {"resize": "resize", "migration": "migrate", "live-migration": "live_migrate", "evacuation": "evacuate"}
"""``migration_type`` -> the model operation whose run the row follows."""
_CLOSING = frozenset({"confirm_resize", "revert_resize"})


def _follow(cloud: Cloud) -> None:
    """Once per cloud: note when each migrating run ends, and when a confirm or revert ends, as it happens.

    The status a row shows is derived when it is read (:func:`_status`), but its
    ``updated_at`` is the time of the change itself, as Nova's ``migration.save()``
    stamps it: the end of the move's run, or of the confirm/revert that closes it.
    """
    state = state_of(cloud)
    with state.lock:
        if state.migrations_followed:
            return
        state.migrations_followed = True

    def changed(event: Event) -> None:
        if not event.done:
            return
        with state.lock:
            rows = [m for m in state.migrations if m.record.id == event.server_id]
        for row in rows:
            moment = cloud.changed_at(row.record)  # now, or at wall pace the change's own clock time
            if row.ended_at is None and event.operation == _OPERATIONS[row.migration_type]:
                row.ended_at = moment
            elif row.ended_at is not None and row.closed_at is None and event.operation in _CLOSING:
                row.closed_at = moment

    cloud.fleet.listen(changed)


def _refresh(app: ComputeApp, migration: Migration) -> Migration:
    status = _status(app, migration)
    if status != migration.status:
        closed = status in ("confirmed", "reverted")
        migration.status = status
        stamp = migration.closed_at if closed else migration.ended_at
        if stamp is None and status in _COLD_STEPS.values():  # a step of the run: the time of that change
            stamp = app.cloud.changed_at(migration.record)
        migration.updated_at = stamp or now()
    return migration


def _fields(migration: Migration) -> dict[str, Any]:
    """What both of Nova's migration views show alike: id, hosts, status and timestamps."""
    return {
        "created_at": usage_stamp(migration.created_at),
        "dest_compute": migration.dest_compute,
        "dest_host": migration.dest_host,
        "dest_node": migration.dest_compute,  # a host's one node has its name (hypervisor_hostname)
        "id": migration.id,
        "source_compute": migration.source_compute,
        "source_node": migration.source_compute,
        "status": migration.status,
        "updated_at": usage_stamp(migration.updated_at),
    }


def _with_ids(body: dict[str, Any], migration: Migration, request: Request) -> dict[str, Any]:
    """``body`` with the fields both views add by microversion: the uuid (2.59), the user and project (2.80)."""
    if request.version >= (2, 59):
        body["uuid"] = migration.uuid
    if request.version >= (2, 80):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


def _row(migration: Migration, request: Request, *, links: bool) -> dict[str, Any]:
    """An ``os-migrations`` entry (``migrations.py:_output``)."""
    body: dict[str, Any] = {
        **_fields(migration),
        "instance_uuid": migration.record.id,
        "new_instance_type_id": _flavor_id(migration.new_flavor),
        "old_instance_type_id": _flavor_id(migration.old_flavor),
    }
    if request.version >= (2, 23):
        body["migration_type"] = migration.migration_type
        if links and migration.migration_type == "live-migration" and migration.status in LIVE_IN_PROGRESS:
            server = migration.record.id
            body["links"] = [
                {"rel": "self", "href": f"{request.base}/v2.1/servers/{server}/migrations/{migration.id}"},
                {"rel": "bookmark", "href": f"{request.base}/servers/{server}/migrations/{migration.id}"},
            ]
    return _with_ids(body, migration, request)


def _index(app: ComputeApp, request: Request) -> Reply:
    context = request.context
    require_admin(context, "os_compute_api:os-migrations:index")
    allowed = ["hidden", "host", "instance_uuid", "migration_type", "source_compute", "status"]
    if request.version >= (2, 59):
        allowed += ["limit", "marker", "changes-since"]
    if request.version >= (2, 66):
        allowed.append("changes-before")
    if request.version >= (2, 80):
        allowed += ["user_id", "project_id"]
    no_query(request, (2, 59), tuple(allowed))
    state = state_of(app.cloud)
    with state.lock:
        rows = [_refresh(app, m) for m in state.migrations]
    rows.sort(key=lambda m: (m.created_at, m.id), reverse=True)
    for key, attr in (
        ("instance_uuid", None),
        ("status", "status"),
        ("migration_type", "migration_type"),
        ("source_compute", "source_compute"),
    ):
        value = request.first(key)
        if value is not None:
            rows = [m for m in rows if (m.record.id if attr is None else getattr(m, attr)) == value]
    host = request.first("host")
    if host is not None:
        rows = [m for m in rows if host in (m.source_compute, m.dest_compute)]
    if request.version >= (2, 80):
        for key in ("user_id", "project_id"):
            value = request.first(key)
            if value is not None:
                rows = [m for m in rows if getattr(m, key) == value]
    body: dict[str, Any] = {}
    if request.version >= (2, 59):
        rows = _changes(request, rows)
        start, stop = limit_marker(request, [m.uuid for m in rows])
        rows = rows[start:stop]
    body["migrations"] = [_row(m, request, links=True) for m in rows]
    if request.version >= (2, 59):
        links = next_links(request, [m.uuid for m in rows], "os-migrations")
        if links:
            body["migrations_links"] = links
    return 200, body, {}


def _changes(request: Request, rows: list[Migration]) -> list[Migration]:
    from lifecycle.api.filters import changes_window

    since, before = changes_window(
        request.first("changes-since"), request.first("changes-before") if request.version >= (2, 66) else None
    )
    return [
        m
        for m in rows
        if (since is None or (m.updated_at or m.created_at) >= since)
        and (before is None or (m.updated_at or m.created_at) <= before)
    ]


def _server_row(migration: Migration, request: Request) -> dict[str, Any]:
    """A ``/servers/{id}/migrations`` entry (``server_migrations.py:output``)."""
    body: dict[str, Any] = {
        **_fields(migration),
        "disk_processed_bytes": 0,
        "disk_remaining_bytes": 0,
        "disk_total_bytes": 0,
        "memory_processed_bytes": 0,
        "memory_remaining_bytes": 0,
        "memory_total_bytes": 0,
        "server_uuid": migration.record.id,
    }
    return _with_ids(body, migration, request)


def _in_progress(app: ComputeApp, record: Record) -> list[Migration]:
    state = state_of(app.cloud)
    with state.lock:
        rows = [_refresh(app, m) for m in state.migrations if m.record is record]
    return [m for m in rows if m.migration_type == "live-migration" and m.status in LIVE_IN_PROGRESS]


def _server_index(app: ComputeApp, request: Request, server_id: str) -> Reply:
    require_version(request, (2, 23))
    no_query(request)
    record = server_of(app, request, server_id)
    return 200, {"migrations": [_server_row(m, request) for m in _in_progress(app, record)]}, {}


def _server_show(app: ComputeApp, request: Request, server_id: str, migration_id: str) -> Reply:
    require_version(request, (2, 23))
    no_query(request)
    record = server_of(app, request, server_id)
    state = state_of(app.cloud)
    with state.lock:
        found = next((m for m in state.migrations if str(m.id) == migration_id and m.record is record), None)
    if found is None:
        raise not_found(f"In-progress live migration {migration_id} is not found for server {server_id}.")
    _refresh(app, found)
    if found.migration_type != "live-migration":
        raise not_found(f"Migration {migration_id} for server {server_id} is not live-migration.")
    if found.status not in LIVE_IN_PROGRESS:
        raise not_found(f"Live migration {migration_id} for server {server_id} is not in progress.")
    return 200, {"migration": _server_row(found, request)}, {}


ROUTES: tuple[Route, ...] = (
    (r"os-migrations", {"GET": _index}),
    (r"servers/([^/]+)/migrations", {"GET": _server_index}),
    (r"servers/([^/]+)/migrations/([^/]+)", {"GET": _server_show}),
)
