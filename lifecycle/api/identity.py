"""A fake Identity v3 (Keystone): password and token auth, token validation and a service catalog.

Enough of Keystone for unmodified clients: keystoneauth discovers ``GET
/identity`` (a 300 with the v3 document), posts ``/v3/auth/tokens`` with a
password or a token and a project scope, and finds every other service in the
token's catalog, which lists each service the gateway mounts at the gateway's
own URLs. Every other request then carries ``X-Auth-Token``:
:func:`authenticate` turns it into the :class:`~lifecycle.api.context.RequestContext`
the services read (the gateway calls it). Errors use Keystone's envelope
``{"error": {"code", "title", "message"}}`` and its messages
(``keystone/exception.py``).

Projects, users and roles come from :class:`~lifecycle.api.accounts.Accounts`
(``cloud.accounts``); ``auth_type none`` (no token, or keystoneauth's
``notused``) stays the default project's admin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lifecycle.api.accounts import ROLES, Accounts, Grant, Project, User, _hex_id
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError
from lifecycle.api.service import SERVICES_KEY, Call, JsonService, Reply

__all__ = ["CATALOG", "NO_TOKEN", "Identity", "authenticate", "catalog", "unauthorized"]

NO_TOKEN = frozenset({"", "notused"})
"""Tokens that mean "no authentication" (keystoneauth's ``auth_type none`` sends ``notused``)."""

CATALOG: Mapping[str, tuple[str, str, str]] = {
    "compute": ("compute", "nova", "/v2.1"),
    "identity": ("identity", "keystone", ""),
    "image": ("image", "glance", ""),
    "network": ("network", "neutron", ""),
}
"""Gateway prefix -> (service type, service name, path of the endpoint under the prefix)."""

REGION = "RegionOne"
DOMAIN = {"id": "default", "name": "Default"}
_AUTH_REQUIRED = "The request you have made requires authentication."
_UPDATED = "2023-03-01T00:00:00Z"
_MEDIA = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]


def unauthorized(message: str = _AUTH_REQUIRED) -> ApiError:
    """Keystone's (and keystonemiddleware's) 401, with the ``WWW-Authenticate`` header clients look for."""
    return ApiError(401, message, {"WWW-Authenticate": 'Keystone uri="/identity"'})


def authenticate(accounts: Accounts, environ: Mapping[str, Any]) -> RequestContext | None:
    """The context of a request's ``X-Auth-Token``: ``None`` when it carries none (``auth_type none``).

    Raises:
        ApiError: 401 for a token that is unknown, revoked, expired or unscoped.
    """
    token = str(environ.get("HTTP_X_AUTH_TOKEN") or "").strip()
    if token in NO_TOKEN:
        return None
    context = accounts.context(token)
    if context is None:
        raise unauthorized()
    return context


def catalog(services: list[str], root: str) -> list[dict[str, Any]]:
    """The service catalog of a gateway at ``root`` mounting ``services`` (prefixes)."""
    entries = []
    for prefix in services:
        kind, name, suffix = CATALOG.get(prefix, (prefix, prefix, ""))
        url = f"{root}/{prefix}{suffix}"
        service_id = _hex_id("service", prefix)
        endpoints = [
            {
                "id": _hex_id("endpoint", f"{prefix}:{interface}"),
                "interface": interface,
                "region": REGION,
                "region_id": REGION,
                "url": url,
            }
            for interface in ("public", "internal", "admin")
        ]
        entries.append({"id": service_id, "type": kind, "name": name, "endpoints": endpoints})
    return entries


def _stamp(grant_time: Any) -> str:
    return str(grant_time.strftime("%Y-%m-%dT%H:%M:%S.%f")) + "Z"


def _project_body(project: Project) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "domain": dict(DOMAIN)}


def _role_body(role: str) -> dict[str, str]:
    return {"id": _hex_id("role", role), "name": role}


def _bad(message: str) -> ApiError:
    return ApiError(
        400,
        f"{message} The server could not comply with the request since it is either malformed or otherwise "
        "incorrect. The client is assumed to be in error.",
    )


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"Expecting to find {where} in request body.")
    return value


def _in_domain(ref: dict[str, Any], kind: str) -> None:
    """A name must come with the ``Default`` domain (by id or name), as Keystone resolves names per domain."""
    domain = ref.get("domain")
    if not isinstance(domain, dict):
        raise _bad(f"Expecting to find domain in {kind}.")
    if domain.get("id") not in (None, DOMAIN["id"]) or domain.get("name") not in (None, DOMAIN["name"]):
        raise unauthorized(f"Could not find domain: {domain.get('id') or domain.get('name')}.")
    if "id" not in domain and "name" not in domain:
        raise _bad(f"Expecting to find id or name in domain of {kind}.")


class Identity(JsonService):
    """The Identity v3 WSGI app over a cloud's :class:`~lifecycle.api.accounts.Accounts`."""

    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self.accounts: Accounts = cloud.accounts
        self.routes = [
            (re.compile(r"^/?$"), {"GET": self._versions}),
            (re.compile(r"^/v3/?$"), {"GET": self._version}),
            (
                re.compile(r"^/v3/auth/tokens/?$"),
                {"POST": self._issue, "GET": self._validate, "DELETE": self._revoke},
            ),
            (re.compile(r"^/v3/auth/catalog/?$"), {"GET": self._catalog}),
            (re.compile(r"^/v3/auth/projects/?$"), {"GET": self._my_projects}),
            (re.compile(r"^/v3/projects/?$"), {"GET": self._projects, "POST": self._create_project}),
            (re.compile(r"^/v3/projects/([^/]+)/?$"), {"GET": self._project, "DELETE": self._delete_project}),
            (
                re.compile(r"^/v3/projects/([^/]+)/users/([^/]+)/roles/([^/]+)/?$"),
                {"PUT": self._assign, "HEAD": self._check_assignment, "DELETE": self._unassign},
            ),
            (re.compile(r"^/v3/users/?$"), {"GET": self._users, "POST": self._create_user}),
            (re.compile(r"^/v3/users/([^/]+)/?$"), {"GET": self._user, "DELETE": self._delete_user}),
            (re.compile(r"^/v3/users/([^/]+)/projects/?$"), {"GET": self._user_projects}),
            (re.compile(r"^/v3/roles/?$"), {"GET": self._roles}),
            (re.compile(r"^/v3/domains/?$"), {"GET": self._domains}),
            (re.compile(r"^/v3/domains/([^/]+)/?$"), {"GET": self._domain}),
        ]

    def headers(self, call: Call) -> list[tuple[str, str]]:
        return [("Vary", "X-Auth-Token"), *super().headers(call)]

    # -- discovery ----------------------------------------------------------
    def _doc(self, call: Call) -> dict[str, Any]:
        return {
            "id": "v3.14",
            "status": "stable",
            "updated": _UPDATED,
            "links": [{"rel": "self", "href": f"{call.base}/v3/"}],
            "media-types": _MEDIA,
        }

    def _versions(self, call: Call) -> Reply:
        return 300, {"versions": {"values": [self._doc(call)]}}, {}

    def _version(self, call: Call) -> Reply:
        return 200, {"version": self._doc(call)}, {}

    # -- tokens ---------------------------------------------------------------
    def _caller(self, call: Call) -> RequestContext:
        """Who calls a protected route: a live token, or the default admin without one."""
        context = authenticate(self.accounts, call.environ)
        return context if context is not None else RequestContext()

    def _admin(self, call: Call, action: str) -> RequestContext:
        context = self._caller(call)
        if not context.is_admin:
            raise ApiError(403, f"You are not authorized to perform the requested action: identity:{action}.")
        return context

    def _token_body(self, call: Call, grant: Grant, with_catalog: bool = True) -> dict[str, Any]:
        token: dict[str, Any] = {
            "methods": list(grant.methods),
            "user": {
                "id": grant.user.id,
                "name": grant.user.name,
                "domain": dict(DOMAIN),
                "password_expires_at": None,
            },
            "audit_ids": [grant.audit_id],
            "expires_at": _stamp(grant.expires_at),
            "issued_at": _stamp(grant.issued_at),
        }
        if grant.project is not None:
            token["project"] = _project_body(grant.project)
            token["is_domain"] = False
            token["roles"] = [_role_body(r) for r in grant.roles]
            if with_catalog:
                token["catalog"] = self._catalog_of(call)
        return {"token": token}

    def _catalog_of(self, call: Call) -> list[dict[str, Any]]:
        services = list(call.environ.get(SERVICES_KEY) or ["identity"])
        return catalog(services, call.gateway_root)

    def _issue(self, call: Call) -> Reply:
        body = _dict(call.json("Malformed request body"), "auth")
        auth = _dict(body.get("auth"), "auth")
        identity = _dict(auth.get("identity"), "identity")
        methods = identity.get("methods")
        if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
            raise _bad("Expecting to find methods in identity.")
        unsupported = [m for m in methods if m not in ("password", "token")]
        if unsupported:
            raise unauthorized("Attempted to authenticate with an unsupported method.")
        previous: Grant | None = None
        if "token" in methods:
            ref = _dict(identity.get("token"), "token")
            previous = self.accounts.grant(str(ref.get("id") or ""))
            if previous is None:
                raise ApiError(404, f"Could not find token: {ref.get('id')}.")
            user = previous.user
        if "password" in methods:
            user = self._password_user(_dict(identity.get("password"), "password"))
        project = self._scope(auth.get("scope"), user, previous)
        grant = self.accounts.issue(
            user, project, methods, audit_id=previous.audit_id if previous is not None else None
        )
        nocatalog = call.first("nocatalog") is not None
        return 201, self._token_body(call, grant, not nocatalog), {"X-Subject-Token": grant.token}

    def _password_user(self, password: dict[str, Any]) -> User:
        ref = _dict(password.get("user"), "user")
        secret = ref.get("password")
        if not isinstance(secret, str):
            raise _bad("Expecting to find password in user.")
        if "id" in ref:
            user = self.accounts.users.get(str(ref["id"]))
        elif "name" in ref:
            _in_domain(ref, "user")
            user = self.accounts.user_by_name(str(ref["name"]))
        else:
            raise _bad("Expecting to find id or name in user.")
        if user is None or user.password != secret:
            raise unauthorized()
        return user

    def _scope(self, scope: Any, user: User, previous: Grant | None) -> Project | None:
        if scope is None:  # Keystone scopes an unscoped request to the user's default project
            return previous.project if previous is not None else user.project
        scope = _dict(scope, "scope")
        if "project" not in scope:
            raise _bad("The fake identity service offers project scope only (no system or domain scope).")
        ref = _dict(scope["project"], "project")
        if "id" in ref:
            project = self.accounts.projects.get(str(ref["id"]))
        elif "name" in ref:
            _in_domain(ref, "project")
            project = self.accounts.project_by_name(str(ref["name"]))
        else:
            raise _bad("Expecting to find id or name in project.")
        if project is None:
            raise unauthorized(f"Could not find project: {ref.get('id') or ref.get('name')}.")
        if not self.accounts.roles_on(user, project):
            raise unauthorized(f"User {user.id} has no access to project {project.id}")
        return project

    def _subject(self, call: Call) -> Grant:
        self._caller(call)
        subject = call.header("X-Subject-Token")
        if not subject:
            raise _bad("Expecting to find X-Subject-Token in request headers.")
        grant = self.accounts.grant(subject)
        if grant is None:
            raise ApiError(404, f"Could not find token: {subject}.")
        return grant

    def _validate(self, call: Call) -> Reply:
        grant = self._subject(call)
        nocatalog = call.first("nocatalog") is not None
        return 200, self._token_body(call, grant, not nocatalog), {"X-Subject-Token": grant.token}

    def _revoke(self, call: Call) -> Reply:
        grant = self._subject(call)
        self.accounts.revoke(grant.token)
        return 204, None, {}

    def _catalog(self, call: Call) -> Reply:
        self._caller(call)
        return 200, {"catalog": self._catalog_of(call)}, {}

    # -- projects, users, roles -------------------------------------------
    def _my_projects(self, call: Call) -> Reply:
        context = self._caller(call)
        user = self.accounts.users.get(context.user_id)
        mine = self._projects_of(user) if user is not None else []
        return 200, {"projects": [self._project_entry(p) for p in mine]}, {}

    def _project_entry(self, project: Project) -> dict[str, Any]:
        return {
            "id": project.id,
            "name": project.name,
            "domain_id": DOMAIN["id"],
            "description": "",
            "enabled": True,
            "is_domain": False,
            "parent_id": DOMAIN["id"],
            "tags": [],
            "options": {},
            "links": {"self": f"/v3/projects/{project.id}"},
        }

    def _projects(self, call: Call) -> Reply:
        self._admin(call, "list_projects")
        name = call.first("name")
        found = [p for p in self.accounts.projects.values() if name is None or p.name == name]
        return 200, {"projects": [self._project_entry(p) for p in found]}, {}

    def _project(self, call: Call, project_id: str) -> Reply:
        context = self._caller(call)
        project = self.accounts.projects.get(project_id)
        if project is None or not (context.is_admin or context.project_id == project_id):
            if context.is_admin:
                raise ApiError(404, f"Could not find project: {project_id}.")
            raise ApiError(403, "You are not authorized to perform the requested action: identity:get_project.")
        return 200, {"project": self._project_entry(project)}, {}

    def _user_entry(self, user: User) -> dict[str, Any]:
        return {
            "id": user.id,
            "name": user.name,
            "domain_id": DOMAIN["id"],
            "default_project_id": user.project.id if user.project is not None else None,
            "enabled": True,
            "password_expires_at": None,
            "options": {},
            "links": {"self": f"/v3/users/{user.id}"},
        }

    def _users(self, call: Call) -> Reply:
        self._admin(call, "list_users")
        name = call.first("name")
        found = [u for u in self.accounts.users.values() if name is None or u.name == name]
        return 200, {"users": [self._user_entry(u) for u in found]}, {}

    def _own_user(self, call: Call, user_id: str, action: str) -> User:
        context = self._caller(call)
        user = self.accounts.users.get(user_id)
        if not (context.is_admin or context.user_id == user_id):
            raise ApiError(403, f"You are not authorized to perform the requested action: identity:{action}.")
        if user is None:
            raise ApiError(404, f"Could not find user: {user_id}.")
        return user

    def _user(self, call: Call, user_id: str) -> Reply:
        return 200, {"user": self._user_entry(self._own_user(call, user_id, "get_user"))}, {}

    def _user_projects(self, call: Call, user_id: str) -> Reply:
        user = self._own_user(call, user_id, "list_user_projects")
        return 200, {"projects": [self._project_entry(p) for p in self._projects_of(user)]}, {}

    def _roles(self, call: Call) -> Reply:
        self._admin(call, "list_roles")
        name = call.first("name")
        found = [r for r in ROLES if name is None or r == name]
        return 200, {"roles": [{**_role_body(r), "domain_id": None} for r in found]}, {}

    # -- admin writes (keystone/resource, identity and assignment controllers) ---------------
    def _projects_of(self, user: User) -> list[Project]:
        """The projects ``user`` has a role on (``GET /v3/users/{id}/projects``)."""
        return [p for p in self.accounts.projects.values() if self.accounts.roles_on(user, p)]

    def _name(self, ref: dict[str, Any], kind: str) -> str:
        """A ref's ``name`` as Keystone's schemas want it, in domain ``default``.

        A project name is at most 64 characters (``keystone/resource/schema.py``
        ``_name_properties``), a user name 255 (``keystone/common/validation/parameter_types.py`` ``name``).
        """
        name = ref.get("name")
        longest = 64 if kind == "project" else 255
        if not isinstance(name, str) or not name.strip() or len(name) > longest:
            raise _bad(
                f"Invalid input for field 'name': {name!r} is not a non-empty string of at most {longest} characters."
            )
        domain_id = ref.get("domain_id", DOMAIN["id"])
        if domain_id != DOMAIN["id"]:
            raise ApiError(404, f"Could not find domain: {domain_id}.")
        return name

    def _create_project(self, call: Call) -> Reply:
        self._admin(call, "create_project")
        body = call.json("Malformed request body")
        ref = _dict(body.get("project") if isinstance(body, dict) else None, "project")
        name = self._name(ref, "project")
        if self.accounts.project_by_name(name) is not None:
            raise ApiError(
                409,
                f"Conflict occurred attempting to store project - Duplicate entry found with name {name} "
                f"at domain ID {DOMAIN['id']}.",
            )
        project = self.accounts.create_project(name)
        return 201, {"project": self._project_entry(project)}, {}

    def _delete_project(self, call: Call, project_id: str) -> Reply:
        self._admin(call, "delete_project")
        if project_id not in self.accounts.projects:
            raise ApiError(404, f"Could not find project: {project_id}.")
        self.accounts.delete_project(project_id)
        return 204, None, {}

    def _create_user(self, call: Call) -> Reply:
        self._admin(call, "create_user")
        body = call.json("Malformed request body")
        ref = _dict(body.get("user") if isinstance(body, dict) else None, "user")
        name = self._name(ref, "user")
        password = ref.get("password")
        if not isinstance(password, str):
            raise _bad(f"Invalid input for field 'password': {password!r} is not a string.")
        if self.accounts.user_by_name(name) is not None:
            raise ApiError(
                409,
                f"Conflict occurred attempting to store user - Duplicate entry found with name {name} "
                f"at domain ID {DOMAIN['id']}.",
            )
        # Tempest's V3CredsClient sends ``project_id``; Keystone's field is ``default_project_id``.
        project_id = ref.get("default_project_id", ref.get("project_id"))
        project = None
        if project_id is not None:
            project = self.accounts.projects.get(str(project_id))
            if project is None:
                raise _bad(f"Invalid input for field 'default_project_id': could not find project {project_id}.")
        user = self.accounts.create_user(name, password, project)
        return 201, {"user": self._user_entry(user)}, {}

    def _delete_user(self, call: Call, user_id: str) -> Reply:
        self._admin(call, "delete_user")
        if user_id not in self.accounts.users:
            raise ApiError(404, f"Could not find user: {user_id}.")
        self.accounts.delete_user(user_id)
        return 204, None, {}

    def _assignment(self, call: Call, action: str, project_id: str, user_id: str, role_id: str) -> tuple[str, str, str]:
        """The ``(user id, project id, role name)`` a grant route names; 404 for an unknown one."""
        self._admin(call, action)
        if project_id not in self.accounts.projects:
            raise ApiError(404, f"Could not find project: {project_id}.")
        if user_id not in self.accounts.users:
            raise ApiError(404, f"Could not find user: {user_id}.")
        role = next((r for r in ROLES if _hex_id("role", r) == role_id), None)
        if role is None:
            raise ApiError(404, f"Could not find role: {role_id}.")
        return user_id, project_id, role

    def _assign(self, call: Call, project_id: str, user_id: str, role_id: str) -> Reply:
        user, project, role = self._assignment(call, "create_grant", project_id, user_id, role_id)
        self.accounts.assignments.setdefault((user, project), set()).add(role)
        return 204, None, {}

    def _check_assignment(self, call: Call, project_id: str, user_id: str, role_id: str) -> Reply:
        user, project, role = self._assignment(call, "check_grant", project_id, user_id, role_id)
        if role not in self.accounts.assignments.get((user, project), set()):
            raise ApiError(404, f"Could not find role assignment: {role_id}.")
        return 204, None, {}

    def _unassign(self, call: Call, project_id: str, user_id: str, role_id: str) -> Reply:
        user, project, role = self._assignment(call, "revoke_grant", project_id, user_id, role_id)
        roles = self.accounts.assignments.get((user, project), set())
        if role not in roles:
            raise ApiError(404, f"Could not find role assignment: {role_id}.")
        roles.discard(role)
        return 204, None, {}

    def _domain_entry(self) -> dict[str, Any]:
        return {**DOMAIN, "enabled": True, "description": "The default domain", "tags": [], "options": {}}

    def _domains(self, call: Call) -> Reply:
        self._caller(call)
        return 200, {"domains": [self._domain_entry()]}, {}

    def _domain(self, call: Call, domain_id: str) -> Reply:
        self._caller(call)
        if domain_id != DOMAIN["id"]:
            raise ApiError(404, f"Could not find domain: {domain_id}.")
        return 200, {"domain": self._domain_entry()}, {}
