"""Who is asking: the request context every fake service reads (Nova's ``nova.context.RequestContext``).

The identity service (or whatever authenticates a request) puts a
:class:`RequestContext` in the WSGI environ under :data:`ENVIRON_KEY`; every
service reads it with :func:`context_of`. A request nobody authenticated
(``auth_type none``, the fake's historical mode) is the default project's admin,
so clients that never heard of Keystone keep every power they had.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_PROJECT", "DEFAULT_USER", "ENVIRON_KEY", "RequestContext", "context_of"]

ENVIRON_KEY = "lifecycle.context"
DEFAULT_PROJECT = "6f70656e737461636b20342065766572"  # a Nova api_samples project id ("openstack 4 ever")
DEFAULT_USER = "admin"


@dataclasses.dataclass(frozen=True)
class RequestContext:
    """The caller of one request.

    Attributes:
        project_id: the project (tenant) the token is scoped to; servers belong to one.
        user_id: the user the token was issued to.
        roles: role names on that project (``admin``, ``member``, ``reader``).
        token: the token presented, when there was one.
    """

    project_id: str = DEFAULT_PROJECT
    user_id: str = DEFAULT_USER
    roles: tuple[str, ...] = ("admin", "member", "reader")
    token: str | None = None

    @property
    def is_admin(self) -> bool:
        """Nova's default policy: the ``admin`` role is the admin (``context.is_admin``)."""
        return "admin" in self.roles


def context_of(environ: Mapping[str, Any]) -> RequestContext:
    """The request's context; the default project's admin when nothing authenticated it."""
    context = environ.get(ENVIRON_KEY)
    return context if isinstance(context, RequestContext) else RequestContext()
