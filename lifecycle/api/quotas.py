from __future__ import annotations

from lifecycle.api.routing import Route

ROUTES: tuple[Route, ...] = ()
