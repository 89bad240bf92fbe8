"""Every error the library raises, each carrying the values it is about.

::

    LifecycleError
    ├── ArgumentTypeError (also TypeError), ArgumentValueError (also ValueError): a mistyped argument
    ├── UnknownNameError (also ValueError): a name that is not in the vocabulary
    │   ├── UnknownStateError      vm_state, task_state, power_state, status or pair
    │   ├── UnknownOperationError  an operation no dialect knows
    │   └── UnknownDialectError
    ├── InvalidStateError          the operation is not legal in the server's state (Nova's 409)
    │   ├── InstanceLockedError    the server is locked (Nova's 409 "is locked")
    │   ├── InstanceNotReadyError  the server has no compute host (Nova's 409 "is not ready")
    │   └── RequestRefusedError    refused whatever the state (a 400 or 404: microversion, volume-backed...)
    ├── UnsupportedOperationError  the dialect has no such operation at all
    ├── ServerNotFoundError (also KeyError): no server with that id or name in a fleet
    └── DeclarationError           a dialect declaration contradicts itself

Callers branch on the class and read the fields; the message is built from the
fields, so nobody has to parse it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ArgumentTypeError",
    "ArgumentValueError",
    "DeclarationError",
    "InstanceLockedError",
    "InstanceNotReadyError",
    "InvalidStateError",
    "LifecycleError",
    "RequestRefusedError",
    "ServerNotFoundError",
    "UnknownDialectError",
    "UnknownNameError",
    "UnknownOperationError",
    "UnknownStateError",
    "UnsupportedOperationError",
]


class LifecycleError(Exception):
    """Base class of every error this library raises on purpose."""


def _fold(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def shown(value: object) -> str:
    """``value`` and its type, as an error message says what it got: ``-1, an int``, ``'x', a str``, ``None``."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{value!r}, {'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


class ArgumentTypeError(LifecycleError, TypeError):
    """An argument of the wrong type (``check("create")``: a str where a list is expected)."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f"{argument} must be {expected} (got {shown(value)})")


class ArgumentValueError(LifecycleError, ValueError):
    """An argument of the right kind with a value outside its range (``max_operations=-1``)."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f"{argument} must be {expected} (got {value!r})")


class UnknownNameError(LifecycleError, ValueError):
    """A name outside the vocabulary: says what it is, the valid choices and the closest ones."""

    def __init__(self, kind: str, value: object, choices: Iterable[str]) -> None:
        import difflib  # only on the error path: keeps `import lifecycle` light

        self.kind = kind
        self.value = value
        self.choices: tuple[str, ...] = tuple(choices)
        # Compare folded names, so REBOOT suggests reboot and soft_delete soft-delete.
        folded = {_fold(choice): choice for choice in self.choices}
        close = difflib.get_close_matches(_fold(str(value)), list(folded), n=3, cutoff=0.6)
        self.suggestions: tuple[str, ...] = tuple(folded[c] for c in close)
        hint = f" Did you mean {' or '.join(map(repr, self.suggestions))}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {value!r}.{hint} Valid choices: {', '.join(self.choices)}")


class UnknownStateError(UnknownNameError):
    """An unknown vm_state, task_state, power_state or status, or a pair the model lacks."""


class UnknownOperationError(UnknownNameError):
    """An operation name that no dialect declares."""


class UnknownDialectError(UnknownNameError):
    """A dialect name that is not registered."""


class InvalidStateError(LifecycleError):
    """The operation is not accepted in the server's current state.

    Mirrors Nova's ``InstanceInvalidState`` as the API renders it (HTTP 409):
    ``attr`` is the field that failed the check (``vm_state``, ``task_state`` or
    ``launched_at``) and ``state`` its value. ``allowed`` lists the operations that
    would have been accepted instead.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        server_id: str,
        vm_state: str | None,
        task_state: str | None,
        attr: str | None = None,
        state: str | None = None,
        allowed: Iterable[str] = (),
    ) -> None:
        self.operation = operation
        self.server_id = server_id
        self.vm_state = vm_state
        self.task_state = task_state
        self.attr = attr
        self.state = state
        self.allowed: tuple[str, ...] = tuple(allowed)
        self.message = message
        super().__init__(message)


class InstanceLockedError(InvalidStateError):
    """The server is locked; Nova answers 409 ``Instance <id> is locked``."""


class InstanceNotReadyError(InvalidStateError):
    """The server has no compute host; Nova answers 409 ``Instance <id> is not ready`` (``check_instance_host``)."""


class RequestRefusedError(InvalidStateError):
    """Refused under these settings whatever the state; ``http_status`` is Nova's answer (400, or 404)."""

    http_status: int = 400


class UnsupportedOperationError(LifecycleError):
    """The dialect's cloud does not offer the operation at all (not a state problem)."""

    def __init__(self, message: str, *, operation: str, dialect: str, supported: Iterable[str]) -> None:
        self.operation = operation
        self.dialect = dialect
        self.supported: tuple[str, ...] = tuple(supported)
        self.message = message
        super().__init__(message)


class DeclarationError(LifecycleError):
    """A dialect declaration is inconsistent; ``problems`` lists every offender."""

    def __init__(self, dialect: str, problems: Iterable[str]) -> None:
        self.dialect = dialect
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n  - ".join(self.problems)
        super().__init__(f"dialect {dialect!r} has {len(self.problems)} problem(s):\n  - {lines}")


class ServerNotFoundError(LifecycleError, KeyError):
    """No server with this id or name in a simulated fleet (the API's 404), or a name several servers share."""

    def __init__(
        self, server: object, *, known: int, suggestions: Iterable[str] = (), ambiguous: Iterable[str] = ()
    ) -> None:
        self.server = server
        self.known = known
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        self.ambiguous: tuple[str, ...] = tuple(ambiguous)
        if not isinstance(server, str):  # callers without type checking pass None or ints
            message = f"server ids and names are strings (got {shown(server)})"
        elif self.ambiguous:
            ids = ", ".join(self.ambiguous)
            message = f"server name {server!r} is shared by {len(self.ambiguous)} servers ({ids}); use an id"
        else:
            hint = f" Did you mean {' or '.join(map(repr, self.suggestions))}?" if self.suggestions else ""
            message = f"no server {server!r} in this fleet of {known} server(s).{hint}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message
