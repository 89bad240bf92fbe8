from lifecycle.api.routing import Route

ROUTES: tuple[Route, ...] = ()
