"""Who may log in to the fake cloud: projects, users, roles and the tokens issued to them.

A fake Keystone needs only what clients and Nova's policy read: a user's
password, the project a token is scoped to and the roles on it. The defaults
follow DevStack (``admin`` in ``admin``, ``demo`` in ``demo``, ``alt_demo`` in
``alt_demo``) so Tempest's and users' habits work; the admin project is
:data:`~lifecycle.api.context.DEFAULT_PROJECT`, the project of unauthenticated
(``auth_type none``) requests, so servers created either way meet.

Roles imply others as Keystone's bootstrap makes them (``admin`` implies
``manager`` implies ``member`` implies ``reader``), and a token carries the
implied roles, as Keystone's token body does.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
import threading
import uuid
from collections.abc import Iterable

from lifecycle.api.context import DEFAULT_PROJECT, DEFAULT_USER, RequestContext

__all__ = ["DEFAULT_PASSWORD", "ROLES", "Accounts", "Grant", "Project", "User", "parse_user"]

ROLES = ("admin", "manager", "member", "reader", "service")
"""The roles the fake knows (Keystone's bootstrap roles, plus ``service``)."""

_IMPLIES = {"admin": ("manager",), "manager": ("member",), "member": ("reader",)}
DEFAULT_PASSWORD = "secret"
TOKEN_LIFETIME = datetime.timedelta(hours=1)
_MAX_TOKENS = 10_000
_NAMESPACE = uuid.UUID("2f1c6d3e-4b0a-4c1e-9d57-6c6966656379")


def _hex_id(kind: str, name: str) -> str:
    """A stable Keystone-shaped id (32 hex digits) for a name, so runs are reproducible."""
    return uuid.uuid5(_NAMESPACE, f"{kind}:{name}").hex


def implied(roles: Iterable[str]) -> tuple[str, ...]:
    """``roles`` plus every role they imply, in :data:`ROLES` order."""
    found: set[str] = set()
    todo = list(roles)
    while todo:
        role = todo.pop()
        if role not in found:
            found.add(role)
            todo.extend(_IMPLIES.get(role, ()))
    return tuple(sorted(found, key=lambda r: ROLES.index(r) if r in ROLES else len(ROLES)))


@dataclasses.dataclass(frozen=True)
class Project:
    """A Keystone project (tenant), in the ``Default`` domain."""

    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class User:
    """A user with a password, a default project (``None`` for one made without) and roles on it."""

    id: str
    name: str
    password: str
    project: Project | None
    roles: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Grant:
    """What a token stands for."""

    token: str
    user: User
    project: Project | None
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    issued_at: datetime.datetime
    expires_at: datetime.datetime
    audit_id: str

    def context(self) -> RequestContext:
        """The request context of a call made with this token."""
        project_id = self.project.id if self.project is not None else ""
        return RequestContext(project_id=project_id, user_id=self.user.id, roles=self.roles, token=self.token)


def parse_user(text: str) -> tuple[str, str, str, tuple[str, ...]]:
    """``NAME:PASSWORD@PROJECT[/ROLE,ROLE]`` as ``(name, password, project, roles)`` (``member`` by default).

    Raises:
        ValueError: naming the malformed part and the expected shape.
    """
    shape = "NAME:PASSWORD@PROJECT[/ROLE,ROLE...]"
    who, at, rest = text.partition("@")
    name, colon, password = who.partition(":")
    project, _, role_text = rest.partition("/")
    if not (at and colon and name and password and project):
        raise ValueError(f"user {text!r} is not {shape}")
    roles = tuple(r.strip() for r in role_text.split(",") if r.strip()) or ("member",)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"user {text!r}: unknown role {unknown[0]!r}; choose from {', '.join(ROLES)}")
    return name, password, project, roles


DEFAULT_USERS = (
    ("admin", DEFAULT_PASSWORD, "admin", ("admin",)),
    ("demo", DEFAULT_PASSWORD, "demo", ("member",)),
    ("alt_demo", DEFAULT_PASSWORD, "alt_demo", ("member",)),
)
"""DevStack's accounts: an admin, and a member in each of two other projects."""


class Accounts:
    """Projects, users and live tokens of one fake cloud (thread-safe).

    Args:
        users: ``(name, password, project name, roles)`` rows, or ``NAME:PASSWORD@PROJECT/ROLES``
            strings (:func:`parse_user`); :data:`DEFAULT_USERS` by default. The
            ``admin`` project gets :data:`DEFAULT_PROJECT` as its id and the ``admin``
            user :data:`DEFAULT_USER`, so they match unauthenticated requests.
    """

    def __init__(self, users: Iterable[tuple[str, str, str, Iterable[str]] | str] | None = None) -> None:
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self._tokens: dict[str, Grant] = {}
        self.assignments: dict[tuple[str, str], set[str]] = {}
        """Direct role assignments: ``(user id, project id)`` -> role names (Keystone's ``assignment`` table)."""
        self._lock = threading.Lock()
        for row in DEFAULT_USERS if users is None else users:
            name, password, project_name, roles = parse_user(row) if isinstance(row, str) else row
            self.add_user(name, password, project_name, tuple(roles))

    def project(self, name: str) -> Project:
        """The project called ``name``, created on first use."""
        found = self.project_by_name(name)
        if found is None:
            found = Project(DEFAULT_PROJECT if name == "admin" else _hex_id("project", name), name)
            self.projects[found.id] = found
        return found

    def project_by_name(self, name: str) -> Project | None:
        """The project called ``name``, if any."""
        return next((p for p in self.projects.values() if p.name == name), None)

    def add_user(self, name: str, password: str, project: str, roles: Iterable[str] = ("member",)) -> User:
        """Add (or replace) a user with ``roles`` on ``project`` (created if new)."""
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; choose from {', '.join(ROLES)}")
        user_id = DEFAULT_USER if name == "admin" else _hex_id("user", name)
        user = User(user_id, name, password, self.project(project), implied(roles))
        self.users[user.id] = user
        self.assignments[(user.id, self.project(project).id)] = set(roles)
        return user

    def create_project(self, name: str) -> Project:
        """A new project with a fresh id (Keystone's ``POST /v3/projects``); the caller checks the name is free."""
        project = Project(uuid.uuid4().hex, name)
        self.projects[project.id] = project
        return project

    def delete_project(self, project_id: str) -> None:
        """Forget a project and the role assignments on it (its servers stay, as Nova keeps them)."""
        self.projects.pop(project_id, None)
        for key in [k for k in self.assignments if k[1] == project_id]:
            del self.assignments[key]

    def create_user(self, name: str, password: str, project: Project | None) -> User:
        """A new user with a fresh id and no roles (Keystone's ``POST /v3/users``)."""
        user = User(uuid.uuid4().hex, name, password, project, ())
        self.users[user.id] = user
        return user

    def delete_user(self, user_id: str) -> None:
        """Forget a user, its role assignments and its tokens."""
        self.users.pop(user_id, None)
        for key in [k for k in self.assignments if k[0] == user_id]:
            del self.assignments[key]
        with self._lock:
            for token in [t for t, g in self._tokens.items() if g.user.id == user_id]:
                del self._tokens[token]

    def roles_on(self, user: User, project: Project) -> tuple[str, ...]:
        """The roles ``user`` has on ``project``, implied ones included (empty: no access)."""
        return implied(self.assignments.get((user.id, project.id), ()))

    def user_by_name(self, name: str) -> User | None:
        """The user called ``name``, if any."""
        return next((u for u in self.users.values() if u.name == name), None)

    def issue(self, user: User, project: Project | None, methods: Iterable[str], audit_id: str | None = None) -> Grant:
        """A new token for ``user`` scoped to ``project`` (``None``: unscoped, no roles)."""
        issued = datetime.datetime.now(datetime.UTC)
        roles = self.roles_on(user, project) if project is not None else ()
        grant = Grant(
            token=secrets.token_hex(32),
            user=user,
            project=project,
            roles=roles,
            methods=tuple(methods),
            issued_at=issued,
            expires_at=issued + TOKEN_LIFETIME,
            audit_id=audit_id or secrets.token_urlsafe(16)[:22],
        )
        with self._lock:
            if len(self._tokens) >= _MAX_TOKENS:  # drop the oldest (dicts keep insertion order)
                self._tokens.pop(next(iter(self._tokens)))
            self._tokens[grant.token] = grant
        return grant

    def grant(self, token: str) -> Grant | None:
        """The live grant of ``token``; ``None`` when unknown, revoked or expired."""
        with self._lock:
            found = self._tokens.get(token)
            if found is not None and found.expires_at <= datetime.datetime.now(datetime.UTC):
                del self._tokens[token]
                found = None
        return found

    def revoke(self, token: str) -> bool:
        """Revoke ``token``; whether it was live."""
        with self._lock:
            return self._tokens.pop(token, None) is not None

    def context(self, token: str) -> RequestContext | None:
        """The request context of a call made with ``token``; ``None`` when it is not a live scoped token."""
        grant = self.grant(token)
        if grant is None or grant.project is None:
            return None
        return grant.context()
