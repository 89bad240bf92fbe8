"""Validate observed server states (polled API snapshots) against the lifecycle.

A trace is what a poller saw: server objects as ``GET /servers/{id}``,
``GET /servers/detail`` or ``openstack server show -f json`` return them, several
servers interleaved. Polling misses states, so a change between two
observations of a server is legal when the model gets from one to the other
with at most ``max_operations`` requests (task steps and failures are free; they
happen without anyone asking). Each legal change is explained by the shortest
such sequence; each other one is reported with its line.

What is known about a server is a *set* of model nodes: a status alone fits
several (vm_state, task_state, power_state) combinations, and each observation
narrows the set to the nodes reachable from the previous set that show what was
seen. Searches are cached by (set, observation), since traces repeat themselves.

Input is forgiving: JSON Lines (objects, or arrays of them, one per line), a JSON
array, pretty-printed objects one after another (``openstack server show -f
json`` in a loop), or Python objects. A malformed line is reported with its
number and the rest is still checked. A 404 body (``itemNotFound``) counts as the
server being gone, which is legal right after a delete.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pathlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lifecycle.errors import ArgumentTypeError, ArgumentValueError, UnknownStateError
from lifecycle.model.blueprint import ADVANCE, is_failure
from lifecycle.model.nodes import matching, state_of
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect, Pair
from lifecycle.model.states import PowerState, Status, VmState
from lifecycle.model.status import parse_power_state, parse_status, parse_task_state, parse_vm_state
from lifecycle.model.table import Table, table_for
from lifecycle.validate.paths import Search, search
from lifecycle.validate.stuck import StuckLimits, parse_time

__all__ = [
    "FORMATS",
    "Audit",
    "Change",
    "Finding",
    "Problem",
    "ServerTrace",
    "Stuck",
    "TraceReport",
    "check_trace",
    "read_input",
    "read_observations",
]

_FIELDS = {
    "vm_state": ("OS-EXT-STS:vm_state", "vm_state"),
    "task_state": ("OS-EXT-STS:task_state", "task_state"),
    "power_state": ("OS-EXT-STS:power_state", "power_state"),
    "launched_at": ("OS-SRV-USG:launched_at", "launched_at"),
}
_NOT_FOUND = re.compile(r"Instance (\S+) could not be found")
_RESYNC = re.compile(r"^[\[{]", re.MULTILINE)
_SPACE = re.compile(r"\s*")


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """An input line that could not be used (malformed JSON, not an object, no ``status``...)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """A server looked different from its previous observation.

    Attributes:
        server_id: the server.
        line / previous_line: where the two observations are (previous_line is
            None for a first observation the model has no state for).
        before / after: what was seen (``SHUTOFF``, or ``SHUTOFF (stopped)`` when
            the vm_state and task_state were given).
        explanation: the shortest operation list that explains the change
            (``fail`` marks a failed task), or None when nothing does.
        note: why it is unexplained.
        updated_before / updated: the observations' ``updated`` timestamps, if any.
        in_progress: the operation whose task was already running at the previous
            observation and whose end the explanation relies on (None: none).
        considered: for an unexplained change, the model states the server could
            have been in before it (what the search started from).
        last_good: for an unexplained change, the last state reached by explained changes.
        fault: the error a notification carried with this observation (``exception: message``).
    """

    server_id: str
    line: int
    previous_line: int | None
    before: str | None
    after: str
    explanation: tuple[str, ...] | None
    note: str = ""
    updated_before: str | None = None
    updated: str | None = None
    in_progress: str | None = None
    considered: tuple[str, ...] = ()
    last_good: str | None = None
    fault: str | None = None

    @property
    def explained(self) -> bool:
        """Some path of the model leads from ``before`` to ``after``."""
        return self.explanation is not None

    def __str__(self) -> str:
        arrow = f"{self.before} -> {self.after}" if self.before is not None else self.after
        if self.explanation is None:
            return f"line {self.line}: {arrow}: UNEXPLAINED ({self.note})"
        steps = [f"{self.in_progress} (in progress)"] if self.in_progress else []
        steps += self.explanation
        return f"line {self.line}: {arrow}: {', '.join(steps) or '(no operation)'}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "server_id": self.server_id,
            "line": self.line,
            "previous_line": self.previous_line,
            "before": self.before,
            "after": self.after,
            "explained": self.explained,
            "explanation": None if self.explanation is None else list(self.explanation),
            "note": self.note,
            "in_progress": self.in_progress,
            "updated_before": self.updated_before,
            "updated": self.updated,
            "considered": list(self.considered),
            "last_good": self.last_good,
            "fault": self.fault,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Stuck:
    """A server that stayed in a state longer than the cloud's own jobs allow (see :mod:`lifecycle.validate.stuck`).

    Attributes:
        server_id: the server.
        line: the observation (or end of input) that revealed it.
        since_line: where the state was first seen.
        state: the state, as seen.
        seconds: how long it has lasted so far.
        limit: the seconds allowed (timeout plus the job's polling interval).
        rule: the option that sets the limit (``instance_build_timeout``...).
    """

    server_id: str
    line: int
    since_line: int
    state: str
    seconds: float
    limit: float
    rule: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: STUCK in {self.state} since line {self.since_line} "
            f"for {self.seconds:g} s (> {self.limit:g} s allowed by {self.rule})"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "server_id": self.server_id,
            "line": self.line,
            "since_line": self.since_line,
            "state": self.state,
            "seconds": self.seconds,
            "limit": self.limit,
            "rule": self.rule,
        }


Finding = Change | Problem | Stuck
"""What an :class:`Audit` reports as it goes."""


@dataclasses.dataclass(slots=True)
class ServerTrace:
    """Everything seen of one server: how often, where, and its changes.

    ``skipped`` counts observations that carried no state (status UNKNOWN with no
    vm_state: a down cell, microversion 2.69+); they are neither changes nor
    compared, so the next real observation is compared with the last known one.
    """

    server_id: str
    first_line: int
    last_line: int
    last: str
    observations: int = 0
    changes: list[Change] = dataclasses.field(default_factory=list)
    skipped: int = 0
    last_good: str | None = None
    stuck: list[Stuck] = dataclasses.field(default_factory=list)
    faults: list[Problem] = dataclasses.field(default_factory=list)
    """Errors notifications reported (``instance.<action>.error``), with their lines."""

    @property
    def ok(self) -> bool:
        """Every change of this server is explained."""
        return all(c.explanation is not None for c in self.changes)

    @property
    def unexplained(self) -> list[Change]:
        """The changes no path explains."""
        return [c for c in self.changes if c.explanation is None]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "server_id": self.server_id,
            "ok": self.ok,
            "observations": self.observations,
            "skipped": self.skipped,
            "first_line": self.first_line,
            "last_line": self.last_line,
            "last": self.last,
            "changes": [c.as_dict() for c in self.changes],
            "stuck": [s.as_dict() for s in self.stuck],
            "faults": [{"line": f.line, "message": f.message} for f in self.faults],
        }


@dataclasses.dataclass(slots=True)
class TraceReport:
    """The verdict on a trace: per server, plus the input lines that could not be used.

    ``ok`` needs both no unexplained change and no input problem; the CLI tells
    them apart (exit 1 and exit 2).
    """

    dialect: str
    settings: Settings
    max_operations: int | None
    observations: int = 0
    servers: dict[str, ServerTrace] = dataclasses.field(default_factory=dict)
    problems: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def stuck(self) -> list[Stuck]:
        """Every server found stuck, in input order."""
        return sorted((s for t in self.servers.values() for s in t.stuck), key=lambda s: s.line)

    @property
    def changes(self) -> list[Change]:
        """Every change of every server, in input order."""
        return sorted((c for s in self.servers.values() for c in s.changes), key=lambda c: c.line)

    @property
    def unexplained(self) -> list[Change]:
        """The changes no path explains, in input order."""
        return [c for c in self.changes if c.explanation is None]

    @property
    def valid(self) -> bool:
        """No change is unexplained (input problems aside)."""
        return all(s.ok for s in self.servers.values())

    @property
    def ok(self) -> bool:
        """Every change is explained and every line was usable."""
        return self.valid and not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "ok": self.ok,
            "valid": self.valid,
            "dialect": self.dialect,
            "settings": dict(self.settings.as_dict()),
            "max_operations": self.max_operations,
            "observations": self.observations,
            "servers": [s.as_dict() for s in self.servers.values()],
            "problems": [{"line": p.line, "message": p.message} for p in self.problems],
        }


# -- reading -----------------------------------------------------------------
Source = str | bytes | os.PathLike[str] | io.IOBase | Iterable[Any]


def read_observations(source: Source, *, notifications: bool = False) -> Iterator[tuple[int, Any] | Problem]:
    """``(line, object)`` for each JSON value of ``source``, or a :class:`Problem` for an unreadable one.

    ``source`` is JSON text (str or bytes), a path (:class:`os.PathLike`, or a str
    naming an existing file that does not start with ``[`` or ``{``), an open
    file, one server object (a mapping), or an iterable of objects (numbered
    from 1) or of JSON lines. Files and paths are read line by line, so a trace
    of any length takes constant memory; only pretty-printed JSON (a first line
    that is a lone ``{`` or ``[``) is read whole. With ``notifications``, text
    before a line's first ``{`` is dropped (oslo.messaging's log driver writes
    the notification after the log record's prefix).

    Raises:
        ArgumentTypeError (a TypeError): ``source`` is none of these (None, a number...).
    """
    if isinstance(source, Mapping):
        return iter([(1, source)])  # one server object
    if isinstance(source, str) and _looks_like_path(source):
        if not os.path.isfile(source):
            hint = "pass JSON text or an existing file's path"
            return iter([Problem(1, f"malformed JSON, and no file named {source!r} exists ({hint})")])
        source = pathlib.Path(source)
    if isinstance(source, os.PathLike):
        return _read_path(source, notifications)
    if isinstance(source, io.IOBase):
        return _parse_lines(source, notifications)
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str):
        return _parse_text(source, notifications)
    if not isinstance(source, Iterable):
        expected = "JSON text, a path (pathlib.Path), an open file, or an iterable of server objects"
        raise ArgumentTypeError("observations", source, expected)
    return _parse_items(source)


def _read_path(path: os.PathLike[str], notifications: bool) -> Iterator[tuple[int, Any] | Problem]:
    with open(path, "rb") as handle:
        yield from _parse_lines(handle, notifications)


_REPEATS = 4096
"""How many distinct recent lines :func:`_parse_lines` remembers: a poller writes the same body again
and again while a server rests, and a repeated line is not parsed twice."""


def _parse_lines(lines: Iterable[str | bytes], notifications: bool) -> Iterator[tuple[int, Any] | Problem]:
    """Lines read one at a time; a pretty-printed start (a lone ``{`` or ``[``) reads the rest whole.

    A line seen recently gives the same object again (so do not change what you get).
    """
    number = 0
    seen: dict[str | bytes, Any] = {}
    for raw in lines:
        number += 1
        again = seen.get(raw)
        if again is not None:
            yield (number, again)
            continue
        if _fast_loads is not None and type(raw) is bytes and not notifications:
            # The common line, one server body, straight from the file's bytes. orjson only ever
            # makes a line faster: what it refuses (NaN, a BOM, bad UTF-8, deep nesting, a typo), and
            # a line holding a huge integer, goes on to the stdlib below, which reads and words it.
            try:
                value = None if _LONG_NUMBER in raw.translate(_DIGITS) else _fast_loads(raw)
            except ValueError:  # orjson.JSONDecodeError
                value = None
            if type(value) is dict:
                if len(seen) >= _REPEATS:
                    seen.clear()
                seen[raw] = value
                yield (number, value)
                continue
        line = raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
        if number == 1:
            line = line.removeprefix("\ufeff")
        stripped = line.strip()
        if not stripped:
            continue
        if stripped in ("{", "["):  # pretty-printed: the values span lines
            rest = "".join(r if isinstance(r, str) else r.decode("utf-8", errors="replace") for r in lines)
            yield from _parse_text("\n" * (number - 1) + line + rest, notifications)
            return
        found = list(_parse_line(number, _from_brace(line) if notifications else line))
        if len(found) == 1 and not isinstance(found[0], Problem) and isinstance(found[0][1], dict):
            if len(seen) >= _REPEATS:
                seen.clear()
            seen[raw] = found[0][1]
        yield from found


def _from_brace(line: str) -> str:
    """A log record's JSON part: from its first ``{`` (the line as is when it starts with JSON or has none)."""
    if line[:1] in "{[":
        return line
    at = line.find("{")
    return line if at < 0 else line[at:]


def _looks_like_path(text: str) -> bool:
    """One line that cannot start JSON objects or arrays: a file name, not JSON text."""
    stripped = text.strip()
    return bool(stripped) and stripped[0] not in "[{" and "\n" not in stripped


def _parse_items(items: Iterable[Any]) -> Iterator[tuple[int, Any] | Problem]:
    for number, item in enumerate(items, 1):
        if isinstance(item, str | bytes):
            yield from _parse_line(number, item if isinstance(item, str) else item.decode("utf-8", "replace"))
        else:
            yield (number, item)


_TOO_DEEP = "malformed JSON: nested too deeply to read"


def _orjson_loads() -> Any:
    """orjson's parser when installed (the ``[fast]`` extra), else None: about 4x the stdlib's on a server body."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson.loads


_fast_loads = _orjson_loads()
_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
"""Every digit to ``0``, anything else to a space: :data:`_LONG_NUMBER` is then a plain substring search."""
_LONG_NUMBER = b"0" * 19
"""orjson reads an integer past 64 bits as a float where the stdlib keeps it exact; such lines take the stdlib."""


def _parse_line(number: int, line: str) -> Iterator[tuple[int, Any] | Problem]:
    if not line or line.isspace():
        return
    try:
        value = json.loads(line)
    except RecursionError:  # [[[[... past the parser's recursion limit: bad input, not a crash
        yield Problem(number, _TOO_DEEP)
        return
    except ValueError as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        column = f" (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        yield Problem(number, f"malformed JSON: {msg}{column}")
        return
    if isinstance(value, list):
        odd = [item for item in value if not isinstance(item, dict)]
        if odd:  # one problem for the line, not one per element
            kinds = ", ".join(dict.fromkeys(_json_type(item) for item in odd))
            yield Problem(number, f"not a JSON object: {len(odd)} of the array's {len(value)} elements (got {kinds})")
        for item in value:
            if isinstance(item, dict):
                yield (number, item)
    else:
        yield (number, value)


def _json_type(value: Any) -> str:
    """What a JSON value is, as a message says it: ``an array``, ``a number``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _parse_text(text: str, notifications: bool = False) -> Iterator[tuple[int, Any] | Problem]:
    text = text.removeprefix("\ufeff")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first in ("{", "["):
        yield from _parse_stream(text)
        return
    for number, line in enumerate(text.splitlines(), 1):
        yield from _parse_line(number, _from_brace(line) if notifications else line)


def _parse_stream(text: str) -> Iterator[tuple[int, Any] | Problem]:
    """Pretty-printed JSON values one after another; arrays give their elements."""
    decoder = json.JSONDecoder()
    end = len(text)
    pos = 0
    line = 1

    def skip(at: int, line: int) -> tuple[int, int]:
        stop = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        return stop, line + text.count("\n", at, stop)

    while True:
        pos, line = skip(pos, line)
        if pos >= end:
            return
        in_array = text[pos] == "["
        if in_array:
            pos, line = skip(pos + 1, line)
        while pos < end:
            if in_array and text[pos] == "]":
                pos += 1
                break
            try:
                value, stop = decoder.raw_decode(text, pos)
            except (json.JSONDecodeError, RecursionError) as exc:
                if isinstance(exc, RecursionError):
                    yield Problem(line, _TOO_DEEP)
                else:  # the line of the error itself (the value's first line is where it starts)
                    yield Problem(exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")
                found = _RESYNC.search(text, text.find("\n", pos) + 1 if "\n" in text[pos:] else end)
                if found is None:
                    return
                line += text.count("\n", pos, found.start())
                pos = found.start()
                break
            yield (line, value)
            line += text.count("\n", pos, stop)
            pos, line = skip(stop, line)
            if not in_array:
                break
            if pos < end and text[pos] == ",":
                pos, line = skip(pos + 1, line)
            elif pos < end and text[pos] != "]":
                yield Problem(line, f"malformed JSON: expected ',' or ']' in the array, found {text[pos]!r}")
                found = _RESYNC.search(text, pos)
                if found is None:
                    return
                line += text.count("\n", pos, found.start())
                pos = found.start()
                break


# -- judging -----------------------------------------------------------------
Key = tuple[Any, Any, Any, Any, Any]
"""(status, vm_state, task_state, power_state, launched_at is set) as read; status None: a notification's pair."""


def _field(obj: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    for key in _FIELDS[name]:
        if key in obj:
            return True, obj[key]
    return False, None


def _read(obj: Any) -> tuple[str, Key, str | None] | str:
    """``(server id, key, updated)`` of an observation, or why it is unusable."""
    if not isinstance(obj, dict):
        return f"not a JSON object (got {_json_type(obj)})"
    inner = obj.get("server")
    if "status" not in obj and isinstance(inner, dict):
        obj = inner
    if "status" not in obj:
        gone = obj.get("itemNotFound")
        if isinstance(gone, dict):
            match = _NOT_FOUND.search(str(gone.get("message", "")))
            if match:
                return (match.group(1), ("DELETED", None, None, None, None), None)
        if NOTIFICATION_KEY not in obj or obj.get("OS-EXT-STS:vm_state") is None:
            return "missing 'status'"
        status = None  # a notification: the pair says it all
    else:
        status = obj["status"]
        if not isinstance(status, str):
            return f"'status' must be a string (got {json.dumps(status, default=repr)})"
    raw_id = obj.get("id")
    server_id = raw_id if type(raw_id) is str else "" if raw_id is None else str(raw_id)
    # The API's names first (one lookup each on the common path), then the bare ones.
    vm = obj.get("OS-EXT-STS:vm_state", _MISSING)
    if vm is _MISSING:
        vm = obj.get("vm_state")
    task = obj.get("OS-EXT-STS:task_state", _MISSING)
    if task is _MISSING:
        task = obj.get("task_state")
    power = obj.get("OS-EXT-STS:power_state", _MISSING)
    if power is _MISSING:
        power = obj.get("power_state")
    for name, value in (("vm_state", vm), ("task_state", task)):
        if value is not None and not isinstance(value, str | int):
            return f"{_FIELDS[name][0]!r} must be a string or null (got {json.dumps(value, default=repr)})"
    if type(power) is not int and power is not None:
        if isinstance(power, float) and power.is_integer():
            power = int(power)
        if isinstance(power, bool) or not isinstance(power, str | int):
            shown = json.dumps(power, default=repr)
            return f"{_FIELDS['power_state'][0]!r} must be an integer 0-9 or its name (got {shown})"
    launched = None
    if "OS-SRV-USG:launched_at" in obj or "launched_at" in obj:
        launched = bool(_field(obj, "launched_at")[1])
    updated = obj.get("updated")
    if updated is not None and type(updated) is not str:
        updated = str(updated)
    return server_id, (status, vm, task, power, launched), updated


_MISSING: Any = object()


NOTIFICATION_KEY = "lifecycle:notification"
"""Marks an observation made from a notification (:mod:`lifecycle.validate.notifications`): its event_type."""


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Known:
    """Model nodes consistent with what was seen, and the subset power_state and launched_at prefer.

    Interned by :meth:`_Judge.known` (equal sets are one object), so it hashes and
    compares by identity: search-cache lookups cost no set hashing.
    """

    all: frozenset[int]
    preferred: frozenset[int]
    power: PowerState | None = None  # the power_state observed, which the server is in whatever the model says


_KEEP = ""
"""A path that requested nothing: the operation started before runs on."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Found:
    path: tuple[str, ...] | None
    reached: _Known
    running: tuple[str, ...] | None  # the operations whose task may have been running (declaration order)
    started: str | None = _KEEP  # the operation path last requested, None after a failure, _KEEP: none

    def __post_init__(self) -> None:
        if self.path:
            object.__setattr__(self, "started", _started(self.path))


class _Contradiction(Exception):
    """A status that the observation's own vm_state and task_state do not show."""


class _Judge:
    """Candidate nodes per observation and searches per (known set, candidates), both cached."""

    resets = False
    """Whether os-resetState may explain a change (``check_trace(..., resets=True)``)."""

    def __init__(self, table: Table, max_operations: int | None) -> None:
        self.table = table
        self.dialect = table.blueprint.dialect
        self.max_operations = max_operations
        self.universe = table.explore([table.node_for((None, None))])
        self._candidates: dict[Key, _Known | str] = {}
        self._searches: dict[tuple[_Known, _Known], _Found] = {}
        self._labels: dict[Key, str] = {}
        self._known: dict[tuple[frozenset[int], frozenset[int], PowerState | None], _Known] = {}
        self._variants: dict[tuple[int, PowerState], int] = {}
        # Nova reschedules a build that failed on its host: the task goes back
        # to scheduling (manager.py:_do_build_and_run_instance, RescheduledException).
        create = table.blueprint.dialect.operation_map.get("create")
        tasks = [s.task for r in create.routes for s in r.steps[:-1]] if create is not None else []
        first = tasks[0] if tasks else None
        self._build_tasks = frozenset(t for t in tasks if t is not first)
        self._reschedule_to = frozenset(
            n for n in self.universe if table.nodes[n][0] is VmState.BUILDING and table.nodes[n][1] is first
        )
        self._runs = _tasks_of(table)
        self._actions: dict[str, frozenset[str]] = {}
        self._named: dict[tuple[_Known, _Known, frozenset[str]], _Found] = {}

    def known(self, all_: frozenset[int], preferred: frozenset[int], power: PowerState | None = None) -> _Known:
        """The one :class:`_Known` of these sets."""
        key = (all_, preferred, power)
        found = self._known.get(key)
        if found is None:
            found = _Known(all_, preferred, power)
            if len(self._known) < 100_000:
                self._known[key] = found
        return found

    def label(self, key: Key) -> str:
        found = self._labels.get(key)
        if found is None:
            status, vm, task, _, _ = key
            if status is None:
                try:
                    status = self.dialect.status(parse_vm_state(vm), parse_task_state(task)).value
                except (UnknownStateError, KeyError):
                    status = "?"
            found = str(status) if vm is None else f"{status} ({vm}/{task})" if task else f"{status} ({vm})"
            if len(self._labels) < 100_000:
                self._labels[key] = found
        return found

    def candidates(self, key: Key) -> _Known | str:
        found = self._candidates.get(key)
        if found is None:
            try:
                found = self._compute(key)
            except (UnknownStateError, _Contradiction) as exc:
                found = str(exc)
            if len(self._candidates) < 100_000:  # bounded: keys carry free text
                self._candidates[key] = found
        return found

    def _compute(self, key: Key) -> _Known:
        status_raw, vm_raw, task_raw, power_raw, launched = key
        status = None if status_raw is None else parse_status(status_raw)
        where: Pair | Status
        if vm_raw is not None:
            vm = parse_vm_state(vm_raw)
            task = parse_task_state(task_raw)
            shows = self.dialect.status(vm, task)
            where = (vm, task)
            # Nova shows DELETED whenever the instance is deleted, whatever its
            # vm_state (views/servers.py:595-601): then the status decides.
            if status is Status.DELETED:
                where = status
            elif status is not None and shows is not status:
                task_text = "null" if task is None else task.value
                raise _Contradiction(
                    f"status {status.value} contradicts vm_state {vm.value} and task_state {task_text}, "
                    f"which show {shows.value}"
                )
        else:
            assert status is not None
            where = status
            if task_raw is not None:
                parse_task_state(task_raw)  # checked like a vm_state, though a status alone says more
        power: PowerState | None = None if power_raw is None else parse_power_state(power_raw)
        # power_state and launched_at are what the driver and database say, and
        # power_state moves on its own (the guest, the power-state sync): they
        # break ties between explanations, never rule a state out.
        # The observed power_state is where the server is, even where no request
        # of the model leads (a guest that shut itself down): each candidate has
        # that power too.
        everything = matching(self.table, self.universe, where)
        if power is not None:
            everything |= frozenset(self.variant(n, power) for n in everything)
        for power_, launched_ in ((power, launched), (power, None), (None, launched)):
            if power_ is None and launched_ is None:
                continue
            found = matching(self.table, everything, where, power_, launched_)
            if found:
                return self.known(everything, found, power)
        return self.known(everything, everything, power)

    def variant(self, node: int, power: PowerState) -> int:
        """``node`` with another power_state (interned in the table, as the simulator does for a guest shutdown)."""
        found = self._variants.get((node, power))
        if found is None:
            vm, task, _, launched = self.table.nodes[node]
            found = self._variants[(node, power)] = self.table.node_id((vm, task, power, launched))
        return found

    def search(self, known: _Known, candidates: _Known) -> _Found:
        """Where ``known`` can get among ``candidates``: the explanation, the task it finishes, what is known then.

        Power_state and launched_at break ties: among explanations as cheap as
        the cheapest, one between preferred nodes wins. Then a node at rest is
        preferred as the start: a status alone is most plausibly a server at rest
        (``ACTIVE -> SHUTOFF`` is ``stop``, not a stop that was already running);
        mid-task nodes explain only what rest nodes cannot, and then the
        running operation is named.
        """
        key = (known, candidates)
        found = self._searches.get(key)
        if found is None:
            found = self._search(known, candidates, ())
            if found.path is None and self._reschedule_to:
                rescheduling = [n for n in known.all if self._reschedulable(n)]
                if rescheduling:
                    again = self.known(self._reschedule_to, self._reschedule_to)
                    found = self._search(again, candidates, ("reschedule",))
            if len(self._searches) < 100_000:
                self._searches[key] = found
        return found

    def operations_of(self, event_type: str) -> frozenset[str]:
        """The operations whose action a notification's ``instance.<action>.<phase>`` names (empty: none of ours).

        ``resize`` is ``resize`` and ``migrate``, ``power_off`` is ``stop``
        (:data:`lifecycle.validate.notifications.ACTIONS`); ``instance.update``
        and actions that are only part of an operation (``resize_finish``) name none.
        """
        found = self._actions.get(event_type)
        if found is None:
            from lifecycle.validate.notifications import ACTIONS

            parts = event_type.removeprefix("compute.").split(".")
            action = parts[1] if len(parts) == 3 and parts[0] == "instance" else None
            ops = self.table.operations
            found = frozenset(op for op in ops if action is not None and ACTIONS.get(op, op) == action)
            if len(self._actions) < 1000:
                self._actions[event_type] = found
        return found

    def search_with(self, known: _Known, candidates: _Known, operations: frozenset[str]) -> _Found:
        """:meth:`search` for an explanation that runs one of ``operations``: already running, or requested first.

        A notification ``instance.<action>.<phase>`` says which operation
        moved the server; an explanation by another one is not what happened.
        """
        key = (known, candidates, operations)
        found = self._named.get(key)
        if found is not None:
            return found
        table = self.table
        found = _Found(None, candidates, None)
        busy = frozenset(n for n in known.all if operations.intersection(self._runs.get(self._pair(n), ())))
        if busy:
            tried = self._search(self.known(busy, known.preferred & busy or busy), candidates, ())
            if tried.path is not None:
                running = tuple(op for op in tried.running or () if op in operations)
                found = _Found(tried.path, tried.reached, running or tried.running)
        budget = None if self.max_operations is None else self.max_operations - 1
        for op in sorted(operations, key=table.triggers.index):
            if found.path is not None or (budget is not None and budget < 0):
                break
            after = frozenset(table.step_row(n)[op] for n in known.all if op in table.step_row(n))
            if not after:
                continue
            saved, self.max_operations = self.max_operations, budget
            try:
                tried = self._search(self.known(after, after), candidates, (op,))
            finally:
                self.max_operations = saved
            found = _Found(tried.path, tried.reached, None)  # op was requested here: it is not "in progress"
        if len(self._named) < 100_000:
            self._named[key] = found
        return found

    def _pair(self, node: int) -> Pair:
        vm, task, _, _ = self.table.nodes[node]
        return (vm, task)

    def _reschedulable(self, node: int) -> bool:
        vm, task, _, _ = self.table.nodes[node]
        return vm is VmState.BUILDING and task in self._build_tasks

    def _search(self, known: _Known, candidates: _Known, prefix: tuple[str, ...]) -> _Found:
        table = self.table

        def run(sources: frozenset[int], targets: frozenset[int]) -> Search:
            return search(
                table, sources, targets, max_operations=self.max_operations, failures=True, resets=self.resets
            )

        full = run(known.all, candidates.all)
        if full.path is None:
            return _Found(None, candidates, None)
        best, sources, targets = full, known.all, candidates.all
        for src, dst in (
            (known.preferred, candidates.preferred),
            (known.all, candidates.preferred),
            (known.preferred, candidates.all),
        ):
            if (src, dst) == (known.all, candidates.all):
                continue
            tried = run(src, dst)
            if tried.path is not None and tried.cost == full.cost:
                best, sources, targets = tried, src, dst
                break
        if best.source is not None and self._busy(best.source):
            resting = frozenset(n for n in sources if not self._busy(n))
            if resting:
                calm = run(resting, targets)
                if calm.path is not None:
                    best = calm
        running = None
        if best.source is not None and self._busy(best.source):
            vm, task, _, _ = table.nodes[best.source]
            running = self._runs.get((vm, task))
        assert best.path is not None
        reached, preferred = full.reached, best.reached or full.reached
        if candidates.power is not None:  # power moved on its own: the server is at the power seen
            jumped = frozenset(self.variant(n, candidates.power) for n in reached)
            reached, preferred = reached | jumped, jumped
        return _Found((*prefix, *best.path), self.known(reached, preferred), running)

    def _busy(self, node: int) -> bool:
        return ADVANCE in self.table.step_row(node)

    def describe(self, nodes: frozenset[int]) -> tuple[str, ...]:
        """The states of ``nodes`` as people read them (``REBOOT (active/rebooting), power 4``), sorted."""
        out = set()
        for node in nodes:
            state = state_of(self.table, node)
            out.add(f"{state}, power {int(state.power_state)}{'' if state.launched else ', not launched'}")
        return tuple(sorted(out))


def _tasks_of(table: Table) -> dict[Pair, tuple[str, ...]]:
    """The operations whose task may be running in each mid-task pair, in declaration order.

    Read from the operations' routes, not the table's edges: operations that
    share a pair share its edges, and an edge names only the first of them
    (``powering-off`` is ``stop``'s, ``rebuild``'s and ``power_update_off``'s).
    """
    settings = table.blueprint.settings
    runs: dict[Pair, dict[str, None]] = {}
    for op in table.blueprint.dialect.operations:
        if op.refusals and op.refused_by(settings) is not None:
            continue
        for route in op.routes:
            if route.in_place or (route.when is not None and not route.when.test(settings)):
                continue
            for source in route.sources:
                vm = source
                for step in route.steps[:-1]:
                    vm = step.vm or vm
                    runs.setdefault((vm, step.task), {})[op.name] = None
    return {pair: tuple(names) for pair, names in runs.items()}


def _started(path: tuple[str, ...]) -> str | None:
    """The operation last requested in ``path``; None if it ends failed, :data:`_KEEP` if it requested none."""
    for trigger in reversed(path):
        if not is_failure(trigger) and trigger != "reschedule":
            return trigger
    return None if path and is_failure(path[-1]) else _KEEP


def _in_progress(running: tuple[str, ...] | None, started: str | None) -> str | None:
    """Which running operation a change relies on: the one the trace saw start, else every candidate."""
    if not running:
        return None
    return started if started in running else " or ".join(running)


@dataclasses.dataclass(slots=True)
class _Tracked:
    trace: ServerTrace
    known: _Known
    key: Key
    label: str
    updated: str | None
    line: int
    since: float | None = None  # when the current (vm_state, task_state) was first seen
    since_line: int = 0
    stuck: bool = False  # reported for the current state
    stuck_pair: tuple[Any, Any] = (None, None)
    obj: Any = None  # the last observation object (the reader hands out repeated lines as the same one)
    stable: bool = False  # seeing the last observation again leaves what is known as it is
    started: str | None = None  # the operation the last explained change requested (its task may run on)


_NOTHING: tuple[Finding, ...] = ()


class Audit:
    """An incremental :func:`check_trace`: feed observations as they come, get findings at once.

    ``lifecycle watch`` and streamed traces use this: memory grows with the
    number of servers (and kept changes), never with the input's length.
    ``keep_explained=False`` keeps only unexplained changes in the report.

    Args:
        dialect / max_operations / settings / options: as for :func:`check_trace`.
        stuck: the limits after which a server that has not moved is reported
            (default: from the settings, see :class:`lifecycle.validate.stuck.StuckLimits`).
        explained: return explained changes from :meth:`feed` (default: ``keep_explained``);
            without them a long trace makes no object per change.
        resets: as for :func:`check_trace`.
    """

    def __init__(
        self,
        *,
        dialect: str | Dialect = "nova",
        max_operations: int | None = 1,
        settings: Settings | None = None,
        stuck: StuckLimits | None = None,
        keep_explained: bool = True,
        explained: bool | None = None,
        resets: bool = False,
        **options: Any,
    ) -> None:
        if max_operations is not None and (type(max_operations) is not int or max_operations < 0):
            raise ArgumentValueError("max_operations", max_operations, "None or an int >= 0")
        table = table_for(dialect, Settings.from_kwargs(settings, **options))
        self.judge = _Judge(table, max_operations)
        self.judge.resets = resets
        self.report = TraceReport(table.blueprint.dialect.name, table.blueprint.settings, max_operations)
        if stuck is not None and not isinstance(stuck, StuckLimits):
            raise ArgumentTypeError("stuck", stuck, "None or a lifecycle.validate.stuck.StuckLimits")
        self.limits = StuckLimits.from_settings(table.blueprint.settings) if stuck is None else stuck
        self.keep_explained = keep_explained
        self.explained = keep_explained if explained is None else explained
        self._timed = self.limits.active
        self._now: float | None = None  # the latest time seen (epoch seconds), or given to check_stuck
        self._times: dict[str, float | None] = {}  # each distinct timestamp text parsed once
        self._limits: dict[tuple[Any, Any], tuple[float, str] | None] = {}
        self._line = 0  # the last line fed: where stuck servers found between observations are reported
        self._memo: dict[int, tuple[Any, tuple[str, Key, str | None] | str]] = {}
        self._tracked: dict[str, _Tracked] = {}

    def feed_item(self, item: tuple[int, Any] | Problem) -> tuple[Finding, ...]:
        """One item of :func:`read_observations`."""
        if isinstance(item, Problem):
            self.report.problems.append(item)
            return (item,)
        return self.feed(item[0], item[1])

    def feed(self, line: int, obj: Any) -> tuple[Finding, ...]:
        """Judge one observation (``line`` names it in findings); returns what it revealed."""
        report = self.report
        self._line = line
        memo = self._memo.get(id(obj))
        if memo is not None and memo[0] is obj:  # a repeated line: the reader gave the same object
            read = memo[1]
            state = self._tracked.get(read[0]) if type(read) is tuple else None
            if state is not None and state.obj is obj and state.stable:  # exactly as last time, and known
                report.observations += 1
                state.trace.observations += 1
                state.trace.last_line = state.line = line
                if self._timed:
                    stuck = self._overdue(state, line)
                    return _NOTHING if stuck is None else (stuck,)
                return _NOTHING
        else:
            read = _read(obj)
            if type(obj) is dict:
                if len(self._memo) >= _REPEATS:
                    self._memo.clear()
                self._memo[id(obj)] = (obj, read)  # holding obj keeps its id unique

        if isinstance(read, str):
            problem = Problem(line, read)
            report.problems.append(problem)
            return (problem,)
        server_id, key, updated = read
        if key[1] is None and key[0].strip().upper() == Status.UNKNOWN.value:
            report.observations += 1
            self._skip(line, server_id, key)
            return _NOTHING
        candidates = self.judge.candidates(key)
        if isinstance(candidates, str):
            problem = Problem(line, candidates)
            report.problems.append(problem)
            return (problem,)
        report.observations += 1
        change = self._observe(line, server_id, key, updated, candidates, obj)
        if not self._timed:
            return _NOTHING if change is None else (change,)
        timed = self._time(line, server_id, key, obj, updated)
        if change is None:
            return timed
        return (change, *timed)

    def finish(self, now: float | None = None) -> tuple[Finding, ...]:
        """End of input: the servers still in a state longer than allowed at ``now`` (default: the latest time seen).

        Also reports an input with no observation as a problem. ``lifecycle watch`` calls
        :meth:`check_stuck` instead, as often as it likes.
        """
        found = self.check_stuck(now)
        if self.report.observations == 0 and not self.report.problems:
            problem = Problem(0, "empty input: no observations")
            self.report.problems.append(problem)
            return (*found, problem)
        return found

    @property
    def now(self) -> float | None:
        """The latest time an observation carried (``lifecycle:seen``, else ``updated``), in epoch seconds."""
        return self._now

    def check_stuck(self, now: float | None = None) -> tuple[Finding, ...]:
        """Servers whose state has lasted longer than the limits allow at ``now`` (each reported once per state).

        ``now`` (epoch seconds, e.g. the wall clock of a watcher) moves the audit's clock forward.
        """
        if now is not None and (self._now is None or now > self._now):
            self._now = now
        if not self._timed or self.now is None:
            return _NOTHING
        found = []
        for state in self._tracked.values():
            stuck = self._overdue(state, self._line)
            if stuck is not None:
                found.append(stuck)
        return tuple(found)

    # -- internals -----------------------------------------------------------
    def _observe(
        self, line: int, server_id: str, key: Key, updated: str | None, candidates: _Known, obj: Any
    ) -> Change | None:
        judge = self.judge
        report = self.report
        tracked = self._tracked
        state = tracked.get(server_id)
        if state is None:
            label = judge.label(key)
            trace = ServerTrace(server_id, line, line, label, observations=1)
            report.servers[server_id] = trace
            tracked[server_id] = _Tracked(trace, candidates, key, label, updated, line)
            if candidates.all:
                trace.last_good = label
            else:
                first = Change(server_id, line, None, None, label, None, _absent(judge), None, updated)
                trace.changes.append(first)
                return first
            return None
        trace = state.trace
        trace.observations += 1
        trace.last_line = line
        same = key == state.key
        label = state.label if same else judge.label(key)
        change: Change | None = None
        started = None
        fault = _fault(obj) if FAULT_KEY in obj else None
        if fault is not None:
            trace.faults.append(Problem(line, fault))
        if not candidates.all:
            known = candidates
            if not same or state.known.all:
                change = Change(
                    server_id, line, state.line, state.label, label, None, _absent(judge), state.updated, updated
                )
        elif not state.known.all:  # the previous observation had no model state: start over from this one
            known = candidates
        else:
            found = judge.search(state.known, candidates)
            named: frozenset[str] | None = None
            if NOTIFICATION_KEY in obj and not same and found.path is not None:  # the action named must explain it
                event = obj[NOTIFICATION_KEY]
                named = judge.operations_of(event) if isinstance(event, str) else None
                if named and not named.intersection(found.path, found.running or ()):
                    found = judge.search_with(state.known, candidates, named)
            if found.path is None:
                known = candidates  # resynchronise on what was seen
                change = Change(
                    server_id,
                    line,
                    state.line,
                    state.label,
                    label,
                    None,
                    _why_not(judge, named, obj.get(NOTIFICATION_KEY)),
                    state.updated,
                    updated,
                    considered=judge.describe(state.known.all),
                    last_good=trace.last_good,
                    fault=fault,
                )
            else:
                known = found.reached
                started = state.started if found.started == _KEEP else found.started
                if label != state.label and (self.explained or fault is not None):
                    change = Change(
                        server_id,
                        line,
                        state.line,
                        state.label,
                        label,
                        found.path,
                        "",
                        state.updated,
                        updated,
                        _in_progress(found.running, state.started),
                        fault=fault,
                    )
        if change is not None and (self.keep_explained or change.explanation is None):
            trace.changes.append(change)
        if change is None or change.explanation is not None:
            trace.last_good = label
        state.started = started
        state.stable = same and known is state.known
        state.known = known
        state.key = key
        state.label = label
        state.updated = updated
        state.line = line
        state.obj = obj
        trace.last = label
        return change

    def _skip(self, line: int, server_id: str, key: Key) -> None:
        """Count an observation without state (UNKNOWN); what was known before stays known."""
        state = self._tracked.get(server_id)
        if state is None:
            label = self.judge.label(key)
            trace = ServerTrace(server_id, line, line, label)
            self.report.servers[server_id] = trace
            empty = self.judge.known(frozenset(), frozenset())
            state = self._tracked[server_id] = _Tracked(trace, empty, key, label, None, line)
        state.trace.observations += 1
        state.trace.skipped += 1
        state.trace.last_line = line

    def _time(self, line: int, server_id: str, key: Key, obj: Any, updated: str | None) -> tuple[Finding, ...]:
        """Track since when the server is in its (vm_state, task_state); report it once overdue.

        Times are compared parsed (zones, ``T`` or a space, fractions: texts do not
        sort as times), each distinct text parsed once. A text that is no time is a
        :class:`Problem`; the observation then dates nothing, and the server's state
        is dated by its next observation that has a time.
        """
        seen = obj.get(SEEN_KEY)
        when = seen if type(seen) is str else updated
        moment: float | None = None
        problem: Problem | None = None
        if when is not None:
            moment = self._times.get(when, _MISSING)
            if moment is _MISSING:
                moment = parse_time(when)
                if len(self._times) >= _REPEATS:
                    self._times.clear()
                self._times[when] = moment
            if moment is None:
                problem = Problem(line, _bad_time(SEEN_KEY if when is seen else "updated", when))
                self.report.problems.append(problem)
            elif self._now is None or moment > self._now:
                self._now = moment
        state = self._tracked[server_id]
        pair = (key[1], key[2])
        stuck: Stuck | None = None
        if state.since_line == 0 or state.stuck_pair != pair:
            state.stuck_pair = pair
            state.since_line = line
            state.stuck = False
            state.since = moment if self._limit_of(pair) is not None else None
        elif state.since is None:
            if moment is not None and self._limit_of(pair) is not None:
                state.since, state.since_line = moment, line  # the first time this state was dated
        else:
            stuck = self._overdue(state, line)
        if problem is None:
            return _NOTHING if stuck is None else (stuck,)
        return (problem,) if stuck is None else (problem, stuck)

    def _limit_of(self, pair: tuple[Any, Any]) -> tuple[float, str] | None:
        if pair not in self._limits:
            try:
                found = self.limits.limit(parse_vm_state(pair[0]), parse_task_state(pair[1]))
            except UnknownStateError:
                found = None
            if len(self._limits) < 10_000:
                self._limits[pair] = found
            return found
        return self._limits[pair]

    def _overdue(self, state: _Tracked, line: int) -> Stuck | None:
        if state.stuck or state.since is None or state.key[1] is None:
            return None
        limit = self._limit_of(state.stuck_pair)
        now = self.now
        if limit is None or now is None or now - state.since <= limit[0]:
            return None
        state.stuck = True
        stuck = Stuck(state.trace.server_id, line, state.since_line, state.label, now - state.since, limit[0], limit[1])
        state.trace.stuck.append(stuck)
        return stuck


def _bad_time(field: str, text: str) -> str:
    return (
        f"{field!r} is not a time: {text!r} (expected ISO 8601, such as 2026-01-01T00:00:00Z); "
        "this observation dates nothing for stuck servers"
    )


SEEN_KEY = "lifecycle:seen"
"""When a poller saw an observation (a timestamp); else its ``updated`` is the time."""


FAULT_KEY = "lifecycle:fault"
"""The fault (``exception: message``) an ``instance.<action>.error`` notification carried."""


def _fault(obj: Any) -> str | None:
    fault = obj.get(FAULT_KEY)
    return None if fault is None else str(fault)


def check_trace(
    observations: Source,
    *,
    dialect: str | Dialect = "nova",
    max_operations: int | None = 1,
    resets: bool = False,
    settings: Settings | None = None,
    format: str = "servers",  # noqa: A002 - the issue's and the CLI's name for it
    stuck: StuckLimits | None = None,
    keep_explained: bool = True,
    **options: Any,
) -> TraceReport:
    """Check that each server's observed changes are ones the lifecycle can make.

    Args:
        observations: server objects (see the module docstring for the formats),
            as JSON text, a path (or a str naming an existing file), an open
            file, one server object (a dict), or an iterable. Files and paths are
            read line by line, in constant memory, unless pretty-printed.
        max_operations: how many requests may happen between two observations
            of a server (None: any number). The default 1 assumes polling at
            least once per operation: ``SHELVED_OFFLOADED -> RESIZE`` (needs
            ``unshelve`` then ``resize``) is then reported.
        resets: let an admin ``os-resetState`` (to active or error) explain a
            change nothing else explains (off by default: it explains almost
            any jump).
        format: ``"servers"`` (API server bodies) or ``"nova-notifications"``
            (Nova's versioned notifications, see :mod:`lifecycle.validate.notifications`).
        stuck: limits for servers that stay in a state too long (default: from the settings).
        keep_explained: keep explained changes in the report (False: only unexplained ones).
        settings / options: cloud settings, e.g. ``reclaim_instance_interval=3600``
            for a cloud with soft delete.

    Returns:
        A :class:`TraceReport`; nothing in the input's content makes this raise.

    Raises:
        ArgumentTypeError (a TypeError): ``observations`` is no input at all (None, a number).
        ArgumentValueError (a ValueError): ``max_operations`` is not None or an int >= 0, or an unknown ``format``.
        UnknownDialectError / UnknownNameError: bad ``dialect`` or settings.
    """
    audit = Audit(
        dialect=dialect,
        max_operations=max_operations,
        settings=settings,
        stuck=stuck,
        keep_explained=keep_explained,
        resets=resets,
        **options,
    )
    for item in read_input(observations, format):
        audit.feed_item(item)
    audit.finish()
    return audit.report


FORMATS = ("servers", "nova-notifications")


def read_input(source: Source, format: str = "servers") -> Iterator[tuple[int, Any] | Problem]:  # noqa: A002
    """:func:`read_observations`, or for ``format="nova-notifications"`` observations made from notifications.

    Raises:
        ArgumentValueError: an unknown ``format`` (the choices are :data:`FORMATS`).
    """
    if format == "servers":
        return read_observations(source)
    if format == "nova-notifications":
        from lifecycle.validate.notifications import observations_of

        return observations_of(read_observations(source, notifications=True))
    raise ArgumentValueError("format", format, " or ".join(map(repr, FORMATS)))


def _absent(judge: _Judge) -> str:
    return f"no state of the {judge.dialect.name} model shows this under settings {_settings_text(judge)}"


def _why_not(judge: _Judge, named: frozenset[str] | None = None, event: Any = None) -> str:
    path = "no path of the model leads there"
    if named:
        ops = " or ".join(sorted(named, key=judge.table.triggers.index))
        path = f"{event} names {ops}, and no path of the model running it leads there"
    if judge.max_operations is None:
        return path
    return f"{path} with at most {judge.max_operations} operation(s)"


def _settings_text(judge: _Judge) -> str:
    changed = {k: v for k, v in judge.table.blueprint.settings.as_dict().items() if v != Settings().as_dict()[k]}
    return ", ".join(f"{k}={v}" for k, v in changed.items()) or "(defaults)"
