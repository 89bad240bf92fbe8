"""The query filters of ``GET /servers`` and ``/servers/detail``, as Nova applies them.

Nova (``servers.py:_get_servers`` and ``compute/api.py:get_all``) honours a
known set of filters and silently drops unknown ones for non-admins; a client
that sends ``--locked`` or ``--tags`` expects the list to shrink, so every
filter openstackclient offers is applied here. Honoured: ``status``, ``name``
(regex), ``vm_state``, ``task_state``, ``power_state``, ``image``, ``flavor``,
``key_name``, ``availability_zone`` and ``reservation_id`` (regex, as Nova's non-exact columns),
``ip``/``ip6`` (regex matched at the start of a fixed address), ``tags``,
``tags-any``, ``not-tags``, ``not-tags-any`` (2.26), ``changes-since``,
``changes-before`` (2.66), ``locked`` (2.73), ``deleted`` and, for admins,
``host``. Anything else is ignored, as Nova ignores it.

The regular expressions come from clients, and a backtracking engine can take
exponential time on a pattern like ``(a|aa)+$``: one request would freeze a
thread for minutes. They run on the ``regex`` engine (the ``re`` syntax, as
Nova's sqlite ``REGEXP`` uses) with a time budget per request
(:data:`REGEX_SECONDS`) and without holding the GIL, so a pathological pattern
is a 400 after a fraction of a second and other requests carry on meanwhile.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from typing import Any

import regex

from lifecycle.api.cloud import Record
from lifecycle.api.errors import bad_request
from lifecycle.api.schema import BOOLEAN_VALUES
from lifecycle.api.service import last_value
from lifecycle.api.versions import Version
from lifecycle.api.views import addresses
from lifecycle.model import dialects

__all__ = ["REGEX_SECONDS", "changes_window", "filter_servers"]

REGEX_SECONDS = 0.5
"""CPU seconds one listing's regular-expression matching may take, over all its patterns and servers.

CPU time of the matching itself, not wall time: on a loaded machine a listing
waits for the CPU, and that must not turn an ordinary pattern into a 400."""

Query = Mapping[str, list[str]]


def _status_filter(values: list[str]) -> tuple[set[Any], set[Any] | None]:
    """Nova's ``task_and_vm_state_from_status`` over the dialect's own status table.

    A status a vm_state shows by *default* filters on vm_state only, so
    ``?status=ACTIVE`` matches every active server, rebooting ones included.
    """
    spec = dialects.get("nova")
    wanted = {v.strip().upper() for v in values}
    vms: set[Any] = set()
    tasks: set[Any] = set()
    default = False
    for vm, status in spec.status_defaults.items():
        if status.value in wanted:
            vms.add(vm)
            default = True
    for vm, row in spec.status_rows.items():
        for task, status in row.items():
            if status.value in wanted:
                vms.add(vm)
                tasks.add(task)
    return vms, None if default else tasks


class _Budget:
    """The CPU seconds a listing's patterns have left, shared by all of them."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds


class _Regex:
    """A client's pattern for one filter, matched within the request's shared time budget."""

    def __init__(self, field: str, text: str, budget: _Budget) -> None:
        try:
            self.pattern: Any = regex.compile(text)
        except (regex.error, ValueError, OverflowError, RecursionError):
            raise bad_request(f"Invalid regular expression for {field} filter: {text}") from None
        self.field, self.text, self.budget = field, text, budget

    def found(self, value: str, *, at_start: bool = False) -> bool:
        """Whether the pattern occurs in ``value`` (``at_start``: matches at its start); 400 once time is up."""
        budget = self.budget
        start = time.thread_time()
        try:
            if budget.left <= 0:
                raise TimeoutError
            find = self.pattern.match if at_start else self.pattern.search
            return find(value, timeout=budget.left, concurrent=True) is not None
        except TimeoutError:
            raise bad_request(
                f"Regular expression for {self.field} filter took more than {REGEX_SECONDS} s to match: {self.text}"
            ) from None
        finally:
            budget.left -= time.thread_time() - start


def _moment(field: str, text: str) -> datetime.datetime:
    """An ISO 8601 time (``2024-01-31T10:00:00Z``); no zone means UTC, as Nova's ``parse_isotime``."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(
            f"Invalid input for query parameters {field}. Value: {text}. '{text}' is not a 'date-time'"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def changes_window(
    since_text: str | None, before_text: str | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The ``changes-since`` and ``changes-before`` bounds (``None`` when not given).

    400 for a malformed time, or for a window that ends before it starts; the server listing,
    ``os-migrations`` and instance actions read the two parameters the same way.
    """
    since = _moment("changes-since", since_text) if since_text is not None else None
    before = _moment("changes-before", before_text) if before_text is not None else None
    if since is not None and before is not None and before < since:
        raise bad_request("The value of changes-since must be less than or equal to changes-before.")
    return since, before


def _fixed_ips(record: Record, version: int) -> list[str]:
    return [a["addr"] for net in addresses(record).values() for a in net if a["version"] == version]


def _tags(query: Query, key: str) -> set[str] | None:
    values = query.get(key)
    return None if not values else {t for value in values for t in value.split(",") if t}


def _value(state: Any) -> str | None:
    return None if state is None else str(state.value)


_REGEX_FIELDS: Mapping[str, Callable[[Record], str | None]] = {
    "name": lambda r: r.server.name,
    "key_name": lambda r: r.key_name,
    "availability_zone": lambda r: r.availability_zone,
    "reservation_id": lambda r: r.reservation_id or f"r-{r.id[:8]}",
}
"""Filters Nova matches as a regular expression anywhere in the column (its non-exact filters)."""


def _searches(pattern: _Regex, get: Callable[[Record], str | None]) -> Callable[[Record], bool]:
    return lambda r: pattern.found(get(r) or "")


def _state_in(field: str, wanted: set[str | None]) -> Callable[[Record], bool]:
    return lambda r: _value(getattr(r.server, field)) in wanted


def _has_ip(pattern: _Regex, family: int) -> Callable[[Record], bool]:
    """Nova's ``_ip_filter``: the pattern matches at the start of one of the server's fixed addresses."""
    return lambda r: any(pattern.found(a, at_start=True) for a in _fixed_ips(r, family))


def filter_servers(records: list[Record], query: Query, version: Version, *, admin: bool = False) -> list[Record]:
    """The servers a listing with these query parameters shows (400 for a malformed filter value).

    ``admin``: the caller passes ``os_compute_api:servers:allow_all_filters``, so
    the admin-only ``host`` filter applies (exact match, as ``compute/api.py``
    ``get_all`` and the DB's ``exact_match_filter_names``); for anyone else Nova's
    ``remove_invalid_options`` drops it silently.
    """

    def last(name: str) -> str | None:
        return last_value(query, name)

    keep: list[Callable[[Record], bool]] = []
    budget = _Budget(REGEX_SECONDS)
    statuses = [s for value in query.get("status", []) for s in value.split(",") if s]
    if statuses:
        vms, tasks = _status_filter(statuses)
        if not vms:
            if version >= (2, 38):
                raise bad_request("Invalid status value")
            return []
        keep.append(lambda r: r.server.vm_state in vms and (tasks is None or r.server.task_state in tasks))
    for field, get in _REGEX_FIELDS.items():
        text = last(field)
        if text:
            keep.append(_searches(_Regex(field, text, budget), get))
    for field in ("vm_state", "task_state"):
        values = query.get(field)
        if values:
            keep.append(_state_in(field, {None if v in ("", "null", "None", "none") else v for v in values}))
    power = query.get("power_state")
    if power:
        keep.append(lambda r: str(int(r.server.power_state)) in power)
    image = last("image")
    if image:
        keep.append(lambda r: r.image_id == image.rstrip("/").rsplit("/", 1)[-1])
    flavor = last("flavor")
    if flavor:
        keep.append(lambda r: r.flavor.id == flavor.rstrip("/").rsplit("/", 1)[-1])
    for field, family in (("ip", 4), ("ip6", 6)):
        text = last(field)
        if text:
            keep.append(_has_ip(_Regex(field, text, budget), family))
    if version >= (2, 26):
        every, any_of, not_every, not_any = (_tags(query, k) for k in ("tags", "tags-any", "not-tags", "not-tags-any"))
        if every:
            keep.append(lambda r: every <= set(r.tags))
        if any_of:
            keep.append(lambda r: bool(any_of & set(r.tags)))
        if not_every:
            keep.append(lambda r: not not_every <= set(r.tags))
        if not_any:
            keep.append(lambda r: not not_any & set(r.tags))
    since_text = last("changes-since")
    before_text = last("changes-before") if version >= (2, 66) else None
    since, before = changes_window(since_text, before_text)
    if since is not None:
        keep.append(lambda r: r.updated >= since)
    if before is not None:
        keep.append(lambda r: r.updated <= before)
    locked = last("locked") if version >= (2, 73) else None
    if locked is not None:
        wanted_lock = BOOLEAN_VALUES.get(locked.strip())
        if wanted_lock is None:
            raise bad_request(
                f"Invalid input for query parameters locked. Value: {locked}. "
                "Expected a boolean: true, false, 1, 0, yes, no, on or off"
            )
        keep.append(lambda r: r.server.locked is wanted_lock)
    host = last("host") if admin else None
    if host:
        keep.append(lambda r: r.host == host)
    deleted = last("deleted")
    if deleted is not None and deleted.lower() in ("true", "1", "yes"):
        return []  # deleted rows are gone in this fake (Nova keeps them for admins only)
    return [r for r in records if all(rule(r) for rule in keep)]
