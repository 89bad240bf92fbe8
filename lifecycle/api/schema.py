"""Request-body rules in the shape of Nova's jsonschema (``nova/api/openstack/compute/schemas``).

Nova validates a body before its handler runs and answers 400 with
``Invalid input for field/attribute X. Value: Y. <why>``. Clients (and the
tests written against this fake) rely on those 400s, so the fake checks every
field it reads the same way. A rule is a small function; a body is an
:func:`obj` of named :class:`Field` rules, each available from the
microversion that introduced it (a field sent earlier is an unexpected
property, as in Nova's per-version schemas). The words of each complaint are
jsonschema's, so messages read like Nova's.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from lifecycle.api.errors import ApiError
from lifecycle.api.versions import MIN_VERSION, Version

__all__ = [
    "BOOLEAN_VALUES",
    "Check",
    "Field",
    "Invalid",
    "any_of",
    "anything",
    "array",
    "ascii_digits",
    "boolean",
    "count",
    "enum",
    "free_object",
    "integer",
    "invalid",
    "ip_address",
    "mapping",
    "name",
    "non_negative_integer",
    "null",
    "obj",
    "pattern",
    "string",
    "uuid_text",
    "validate",
    "versioned",
]

Path = tuple[str | int, ...]
Check = Callable[[Any, Path, Version], None]
"""A rule: returns when ``value`` holds, raises a 400 :class:`ApiError` naming ``path`` otherwise."""

_TYPES: Mapping[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}

BOOLEAN_VALUES: Mapping[Any, bool] = {
    **dict.fromkeys([True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"], True),
    **dict.fromkeys([False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"], False),
}
"""Nova's ``parameter_types.boolean``: the values it accepts, and what each means."""


def _label(path: Path) -> str:
    """``networks[0].uuid``: the path below the body's wrapper key (``server``, ``rebuild``), as Nova names fields."""
    text = ""
    for part in path[1:] if len(path) > 1 else path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Invalid(ApiError):
    """A 400 for a value that breaks a rule; remembers how deep in the body it was, and why."""

    def __init__(self, path: Path, value: Any, why: str) -> None:
        message = f"Invalid input for field/attribute {_label(path)}. Value: {value}. {why}" if path else why
        super().__init__(400, message)
        self.depth = len(path)
        self.why = why


def ascii_digits(text: str) -> bool:
    """Nova's ``^[0-9]+$`` (``parameter_types.non_negative_integer``, query ``limit``/``offset``).

    ``str.isdigit`` alone also takes ``'²'`` (then ``int()`` raises: a 500) and
    ``'١٢'`` (Arabic-Indic digits, which Nova's pattern refuses).
    """
    return text.isascii() and text.isdigit()


def invalid(path: Path, value: Any, why: str) -> Invalid:
    """Nova's 400 for a value that breaks its schema (no path: the body itself)."""
    return Invalid(path, value, why)


def _type(value: Any, path: Path, *types: str) -> None:
    if not any(_TYPES[t](value) for t in types):
        raise invalid(path, value, f"{value!r} is not of type {', '.join(repr(t) for t in types)}")


@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    """One property of an object: its rule and the microversions that know it."""

    check: Check
    since: Version = MIN_VERSION
    before: Version | None = None
    """The first microversion that no longer accepts the field (``personality``: 2.57)."""

    def known_at(self, version: Version) -> bool:
        return self.since <= version and (self.before is None or version < self.before)


def string(*, min_len: int = 0, max_len: int | None = None, nullable: bool = False, forbid: str = "") -> Check:
    """A string of ``min_len`` to ``max_len`` characters, none of them in ``forbid``."""

    def check(value: Any, path: Path, version: Version) -> None:
        if nullable and value is None:
            return
        _type(value, path, "string", *(("null",) if nullable else ()))
        if len(value) < min_len:
            raise invalid(path, value, f"{value!r} is too short (at least {min_len} characters)")
        if max_len is not None and len(value) > max_len:
            raise invalid(path, value, f"{value!r} is too long (at most {max_len} characters)")
        bad = sorted(set(value) & set(forbid))
        if bad:
            raise invalid(path, value, f"{value!r} may not contain {', '.join(repr(c) for c in bad)}")

    return check


def name(*, max_len: int = 255) -> Check:
    """Nova's ``parameter_types.name``: 1 to 255 printable characters, no leading or trailing whitespace."""
    length = string(min_len=1, max_len=max_len)

    def check(value: Any, path: Path, version: Version) -> None:
        length(value, path, version)
        if value != value.strip() or not value.isprintable():
            raise invalid(
                path, value, f"{value!r} is not a valid name: printable characters, no leading or trailing whitespace"
            )

    return check


def enum(*choices: Any) -> Check:
    """Exactly one of ``choices`` (case and type matter)."""

    def check(value: Any, path: Path, version: Version) -> None:
        if not any(value == c and type(value) is type(c) for c in choices):
            raise invalid(path, value, f"{value!r} is not one of {list(choices)!r}")

    return check


def boolean() -> Check:
    """Nova's ``parameter_types.boolean``: a JSON boolean or one of its spellings (``"True"``, ``"on"``...)."""
    return enum(*BOOLEAN_VALUES)


def integer(*, minimum: int | None = None) -> Check:
    """A JSON integer (not a boolean), at least ``minimum``."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "integer")
        if minimum is not None and value < minimum:
            raise invalid(path, value, f"{value!r} is less than the minimum of {minimum}")

    return check


def anything() -> Check:
    """Nova's ``{}``: any JSON value (``{"pause": null}``, ``{"pause": {}}``; the action reads nothing)."""

    def check(value: Any, path: Path, version: Version) -> None:
        return

    return check


def null() -> Check:
    """Nova's ``{'type': 'null'}`` (``trigger_crash_dump``)."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "null")

    return check


def pattern(regex: str, *, min_len: int = 0, max_len: int | None = None, nullable: bool = False) -> Check:
    """A string of ``min_len`` to ``max_len`` characters matching ``regex`` (JSON schema's ``pattern``: a search)."""
    compiled = re.compile(regex)
    length = string(min_len=min_len, max_len=max_len, nullable=nullable)

    def check(value: Any, path: Path, version: Version) -> None:
        length(value, path, version)
        if value is not None and not compiled.search(value):
            raise invalid(path, value, f"{value!r} does not match {regex!r}")

    return check


def uuid_text() -> Check:
    """Nova's ``format: uuid`` (``oslo_utils.uuidutils.is_uuid_like``): a UUID in any of its spellings."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "string")
        canonical = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
        try:
            ok = str(uuid.UUID(value)).replace("-", "") == canonical
        except ValueError:
            ok = False
        if not ok:
            raise invalid(path, value, f"{value!r} is not a 'uuid'")

    return check


def non_negative_integer() -> Check:
    """Nova's ``parameter_types.non_negative_integer``: an integer >= 0, or a string of ASCII digits."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "integer", "string")
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise invalid(path, value, f"{value!r} does not match '^[0-9]*$'")
        if isinstance(value, int) and value < 0:
            raise invalid(path, value, f"{value!r} is less than the minimum of 0")

    return check


def free_object() -> Check:
    """Any object: a part of the body Nova checks in depth but the fake only stores or ignores."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "object")

    return check


def count(*, maximum: int) -> Check:
    """``min_count``/``max_count``: an integer (or a string of digits) from 1 to ``maximum``."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "integer", "string")
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):  # Nova's '^[0-9]+$'
            raise invalid(path, value, f"{value!r} does not match '^[0-9]+$'")
        if not 1 <= int(value) <= maximum:
            raise invalid(path, value, f"{value!r} is not between 1 and {maximum}")

    return check


def ip_address(family: int) -> Check:
    """An IPv4 (``family=4``) or IPv6 (``6``) address, as Nova's ``accessIPv4``/``accessIPv6`` formats."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "string")
        try:
            ok = ipaddress.ip_address(value).version == family
        except ValueError:
            ok = False
        if not ok:
            raise invalid(path, value, f"{value!r} is not a 'ipv{family}'")

    return check


def array(
    items: Check | None = None, *, max_items: int | None = None, min_items: int = 0, nullable: bool = False
) -> Check:
    """A list (``min_items`` to ``max_items`` long) whose every item obeys ``items``."""

    def check(value: Any, path: Path, version: Version) -> None:
        if nullable and value is None:
            return
        _type(value, path, "array", *(("null",) if nullable else ()))
        if len(value) < min_items:
            raise invalid(path, value, f"{value!r} is too short")
        if max_items is not None and len(value) > max_items:
            raise invalid(path, value, f"{value!r} is too long (at most {max_items} items)")
        if items is not None:
            for i, item in enumerate(value):
                items(item, (*path, i), version)

    return check


def mapping(keys: Check, values: Check) -> Check:
    """An object with free keys (``metadata``): every key obeys ``keys``, every value ``values``."""

    def check(value: Any, path: Path, version: Version) -> None:
        _type(value, path, "object")
        for key, item in value.items():
            keys(key, path, version)
            values(item, (*path, key), version)

    return check


def any_of(*checks: Check) -> Check:
    """The first rule that holds wins; when none does, the complaint lists what was expected."""

    def check(value: Any, path: Path, version: Version) -> None:
        failures: list[Invalid] = []
        for rule in checks:
            try:
                rule(value, path, version)
                return
            except Invalid as exc:
                failures.append(exc)
        deepest = max(failures, key=lambda exc: exc.depth)
        if deepest.depth > len(path):  # the value had the right shape and broke a rule inside: say where
            raise deepest
        reasons = "; ".join(exc.why for exc in failures)
        raise invalid(path, value, f"{value!r} is not valid under any of the given schemas ({reasons})")

    return check


def versioned(default: Check, changes: Mapping[Version, Check]) -> Check:
    """A rule that changed over microversions: the newest entry at or below the request's version applies."""

    def check(value: Any, path: Path, version: Version) -> None:
        rule = default
        for since in sorted(changes):
            if version >= since:
                rule = changes[since]
        rule(value, path, version)

    return check


def obj(fields: Mapping[str, Field | Check], *, required: tuple[str, ...] = (), nullable: bool = False) -> Check:
    """An object with exactly these properties (Nova's ``additionalProperties: false``).

    A property not yet (or no longer) known at the request's microversion is
    unexpected, as in Nova's schema for that version.
    """
    table = {key: f if isinstance(f, Field) else Field(f) for key, f in fields.items()}

    def check(value: Any, path: Path, version: Version) -> None:
        if nullable and value is None:
            return
        _type(value, path, "object", *(("null",) if nullable else ()))
        for key in required:
            if key not in value:
                raise invalid(path, value, f"{key!r} is a required property")
        unexpected = sorted(k for k in value if k not in table or not table[k].known_at(version))
        if unexpected:
            verb = "was" if len(unexpected) == 1 else "were"
            listed = ", ".join(repr(k) for k in unexpected)
            raise invalid(path, value, f"Additional properties are not allowed ({listed} {verb} unexpected)")
        for key, item in value.items():
            table[key].check(item, (*path, key), version)

    return check


def validate(body: Any, rule: Check, version: Version, path: Path = ()) -> None:
    """Check a request body (or the part of it at ``path``) against ``rule``; 400 on the first breach."""
    rule(body, path, version)
