"""Nova's default policy for the server routes the fake serves (``nova/policies/*.py`` at the pinned commit).

Nova's defaults name four rules (``nova/policies/base.py``): ``context_is_admin``
(role admin), and ``project_manager_or_admin``, ``project_member_or_admin``,
``project_reader_or_admin`` (that role *on the server's project*, or admin).
Roles imply each other as Keystone's bootstrap makes them (admin -> manager ->
member -> reader). ``service_api`` (``role:service``) is the one rule an admin
does not pass. A refusal is Nova's ``PolicyNotAuthorized``: 403
``Policy doesn't allow <rule name> to be performed.``

Ownership is not policy: a server of another project is not found at all
(404, Nova's ``project_only`` database reads), except for admins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lifecycle.api.accounts import implied
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError

__all__ = ["ACTION_RULES", "ADMIN", "MANAGER", "MEMBER", "READER", "SERVICE", "allowed", "authorize", "redact"]

ADMIN = "context_is_admin"
MANAGER = "project_manager_or_admin"
MEMBER = "project_member_or_admin"
READER = "project_reader_or_admin"
SERVICE = "service_api"
"""``base.SERVICE_ROLE``: the ``service`` role itself; being admin is not enough."""
_ROLE = {MANAGER: "manager", MEMBER: "member", READER: "reader"}

_S = "os_compute_api:servers:"
ACTION_RULES: Mapping[str, tuple[str, str]] = {
    # nova/policies/servers.py
    "reboot": (_S + "reboot", MEMBER),
    "resize": (_S + "resize", MEMBER),
    "confirmResize": (_S + "confirm_resize", MEMBER),
    "revertResize": (_S + "revert_resize", MEMBER),
    "rebuild": (_S + "rebuild", MEMBER),
    "createImage": (_S + "create_image", MEMBER),
    "os-start": (_S + "start", MEMBER),
    "os-stop": (_S + "stop", MEMBER),
    "trigger_crash_dump": (_S + "trigger_crash_dump", MEMBER),
    # nova/policies/create_backup.py, admin_password.py, pause_server.py, suspend_server.py
    "createBackup": ("os_compute_api:os-create-backup", MEMBER),
    "changePassword": ("os_compute_api:os-admin-password", MEMBER),
    "pause": ("os_compute_api:os-pause-server:pause", MEMBER),
    "unpause": ("os_compute_api:os-pause-server:unpause", MEMBER),
    "suspend": ("os_compute_api:os-suspend-server:suspend", MEMBER),
    "resume": ("os_compute_api:os-suspend-server:resume", MEMBER),
    # nova/policies/shelve.py: offloading is an admin's call
    "shelve": ("os_compute_api:os-shelve:shelve", MEMBER),
    "shelveOffload": ("os_compute_api:os-shelve:shelve_offload", ADMIN),
    "unshelve": ("os_compute_api:os-shelve:unshelve", MEMBER),
    # nova/policies/rescue.py, lock_server.py, deferred_delete.py, security_groups.py, console_output.py
    "rescue": ("os_compute_api:os-rescue", MEMBER),
    "unrescue": ("os_compute_api:os-unrescue", MEMBER),
    "lock": ("os_compute_api:os-lock-server:lock", MEMBER),
    "unlock": ("os_compute_api:os-lock-server:unlock", MEMBER),
    "forceDelete": ("os_compute_api:os-deferred-delete:force", MEMBER),
    "restore": ("os_compute_api:os-deferred-delete:restore", MEMBER),
    "addSecurityGroup": ("os_compute_api:os-security-groups:add", MEMBER),
    "removeSecurityGroup": ("os_compute_api:os-security-groups:remove", MEMBER),
    "os-getConsoleOutput": ("os_compute_api:os-console-output", MEMBER),
    # nova/policies/migrate_server.py: a project manager may move servers, naming a host is admin's
    "migrate": ("os_compute_api:os-migrate-server:migrate", MANAGER),
    "os-migrateLive": ("os_compute_api:os-migrate-server:migrate_live", MANAGER),
    # nova/policies/evacuate.py, admin_actions.py
    "evacuate": ("os_compute_api:os-evacuate", ADMIN),
    "os-resetState": ("os_compute_api:os-admin-actions:reset_state", ADMIN),
    "injectNetworkInfo": ("os_compute_api:os-admin-actions:inject_network_info", ADMIN),
}
"""Action body key -> (policy name, default rule)."""

HOST_RULES: Mapping[str, str] = {
    "migrate": "os_compute_api:os-migrate-server:migrate:host",
    "os-migrateLive": "os_compute_api:os-migrate-server:migrate_live:host",
    "unshelve": "os_compute_api:os-shelve:unshelve_to_host",
}
"""Actions whose ``host`` argument only an admin may give (``context_is_admin``)."""

ROUTE_RULES: Mapping[str, tuple[str, str]] = {
    "index": (_S + "index", READER),
    "detail": (_S + "detail", READER),
    "show": (_S + "show", READER),
    "create": (_S + "create", MEMBER),
    "update": (_S + "update", MEMBER),
    "delete": (_S + "delete", MEMBER),
    "all_tenants:index": (_S + "index:get_all_tenants", ADMIN),
    "all_tenants:detail": (_S + "detail:get_all_tenants", ADMIN),
    "unlock_override": ("os_compute_api:os-lock-server:unlock:unlock_override", ADMIN),
    "list_security_groups": ("os_compute_api:os-security-groups:list", READER),
    # nova/policies/server_external_events.py
    "external_events": ("os_compute_api:os-server-external-events:create", SERVICE),
}
"""Other checks the server routes make: route -> (policy name, default rule)."""

ADMIN_ONLY_FIELDS = ("OS-EXT-SRV-ATTR:", "host_status")
"""Server body keys (prefixes) only admins see (``os-extended-server-attributes``, ``servers:show:host_status``)."""


_EVERYONES = "OS-EXT-SRV-ATTR:hostname"


def allowed(context: RequestContext, rule: str, project_id: str) -> bool:
    """Whether ``rule`` lets ``context`` act on a resource of ``project_id``."""
    if rule == SERVICE:
        return "service" in context.roles
    if context.is_admin:
        return True
    role = _ROLE.get(rule)
    return role is not None and role in implied(context.roles) and context.project_id == project_id


def authorize(context: RequestContext, name: str, rule: str, project_id: str) -> None:
    """Raise Nova's 403 unless ``rule`` allows it."""
    if not allowed(context, rule, project_id):
        raise ApiError(403, f"Policy doesn't allow {name} to be performed.")


def authorize_route(context: RequestContext, route: str, project_id: str) -> None:
    """:func:`authorize` for one of :data:`ROUTE_RULES`."""
    name, rule = ROUTE_RULES[route]
    authorize(context, name, rule, project_id)


def authorize_action(context: RequestContext, key: str, args: Any, project_id: str) -> None:
    """The policy checks of ``POST /servers/{id}/action`` with body ``{key: args}``."""
    name, rule = ACTION_RULES.get(key, (_S + key, MEMBER))
    authorize(context, name, rule, project_id)
    host_rule = HOST_RULES.get(key)
    if host_rule is not None and isinstance(args, dict) and args.get("host") is not None:
        authorize(context, host_rule, ADMIN, project_id)


def redact(context: RequestContext, render: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """``render`` with the admin-only fields left out for a non-admin, as Nova's view does."""
    if context.is_admin:
        return render

    def view(record: Any) -> dict[str, Any]:
        body = render(record)
        # the hostname is everyone's from 2.90 (views/servers.py; server_body adds it only then)
        return {k: v for k, v in body.items() if not k.startswith(ADMIN_ONLY_FIELDS) or k == _EVERYONES}

    return view
