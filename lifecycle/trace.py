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

from lifecycle.blueprint import ADVANCE
from lifecycle.errors import ArgumentTypeError, ArgumentValueError, UnknownStateError
from lifecycle.nodes import matching
from lifecycle.paths import Search, search
from lifecycle.settings import Settings
from lifecycle.spec import Dialect, Pair
from lifecycle.states import PowerState, Status
from lifecycle.status import parse_power_state, parse_status, parse_task_state, parse_vm_state
from lifecycle.table import Table, table_for

__all__ = ["Change", "Problem", "ServerTrace", "TraceReport", "check_trace", "read_observations"]

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
        }


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


def read_observations(source: Source) -> Iterator[tuple[int, Any] | Problem]:
    """``(line, object)`` for each JSON value of ``source``, or a :class:`Problem` for an unreadable one.

    ``source`` is JSON text (str or bytes), a path (:class:`os.PathLike`, or a str
    naming an existing file that does not start with ``[`` or ``{``), an open
    file, one server object (a mapping), or an iterable of objects (numbered
    from 1) or of JSON lines.

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
        with open(source, "rb") as handle:
            source = handle.read()
    elif isinstance(source, io.IOBase) or hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str):
        return _parse_text(source)
    if not isinstance(source, Iterable):
        expected = "JSON text, a path (pathlib.Path), an open file, or an iterable of server objects"
        raise ArgumentTypeError("observations", source, expected)
    return _parse_items(source)


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
        for item in value:
            yield (number, item)
    else:
        yield (number, value)


def _parse_text(text: str) -> Iterator[tuple[int, Any] | Problem]:
    text = text.removeprefix("\ufeff")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first in ("{", "["):
        yield from _parse_stream(text)
        return
    for number, line in enumerate(text.splitlines(), 1):
        yield from _parse_line(number, line)


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
                else:
                    yield Problem(line, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
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
Key = tuple[str, Any, Any, Any, Any]
"""(status, vm_state, task_state, power_state, launched_at is set) as read."""


def _field(obj: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    for key in _FIELDS[name]:
        if key in obj:
            return True, obj[key]
    return False, None


def _read(obj: Any) -> tuple[str, Key, str | None] | str:
    """``(server id, key, updated)`` of an observation, or why it is unusable."""
    if not isinstance(obj, dict):
        return f"not a JSON object (got {type(obj).__name__ if obj is not None else 'null'})"
    inner = obj.get("server")
    if "status" not in obj and isinstance(inner, dict):
        obj = inner
    if "status" not in obj:
        gone = obj.get("itemNotFound")
        if isinstance(gone, dict):
            match = _NOT_FOUND.search(str(gone.get("message", "")))
            if match:
                return (match.group(1), ("DELETED", None, None, None, None), None)
        return "missing 'status'"
    status = obj["status"]
    if not isinstance(status, str):
        return f"'status' must be a string (got {json.dumps(status, default=repr)})"
    raw_id = obj.get("id")
    server_id = "" if raw_id is None else str(raw_id)
    values: list[Any] = []
    for name in ("vm_state", "task_state"):
        _, value = _field(obj, name)
        if value is not None and not isinstance(value, str | int):
            return f"{_FIELDS[name][0]!r} must be a string or null (got {json.dumps(value, default=repr)})"
        values.append(value)
    _, power = _field(obj, "power_state")
    if isinstance(power, float) and power.is_integer():
        power = int(power)
    if power is not None and (isinstance(power, bool) or not isinstance(power, str | int)):
        return (
            f"{_FIELDS['power_state'][0]!r} must be an integer 0-9 or its name (got {json.dumps(power, default=repr)})"
        )
    values.append(power)
    has_launched, launched_at = _field(obj, "launched_at")
    launched = None if not has_launched else bool(launched_at)
    updated = obj.get("updated")
    return server_id, (status, values[0], values[1], values[2], launched), None if updated is None else str(updated)


def _label(key: Key) -> str:
    status, vm, task, _, _ = key
    if vm is None:
        return str(status)
    return f"{status} ({vm}/{task})" if task else f"{status} ({vm})"


class _Judge:
    """Candidate nodes per observation and searches per (known set, candidates), both cached."""

    def __init__(self, table: Table, max_operations: int | None) -> None:
        self.table = table
        self.dialect = table.blueprint.dialect
        self.max_operations = max_operations
        self.universe = table.explore([table.node_for((None, None))])
        self._candidates: dict[Key, frozenset[int] | str] = {}
        self._searches: dict[tuple[frozenset[int], frozenset[int]], tuple[Search, str | None]] = {}

    def candidates(self, key: Key) -> frozenset[int] | str:
        found = self._candidates.get(key)
        if found is None:
            try:
                found = self._candidates[key] = self._compute(key)
            except UnknownStateError as exc:
                found = self._candidates[key] = str(exc)
        return found

    def _compute(self, key: Key) -> frozenset[int] | str:
        status_raw, vm_raw, task_raw, power_raw, launched = key
        status = parse_status(status_raw)
        where: Pair | Status = status
        if vm_raw is not None:
            vm = parse_vm_state(vm_raw)
            task = parse_task_state(task_raw)
            shows = self.dialect.status(vm, task)
            # Nova shows DELETED whenever the instance is deleted, whatever its
            # vm_state (views/servers.py:595-601): then the status decides.
            if status is not Status.DELETED:
                if shows is not status:
                    task_text = "null" if task is None else task.value
                    return (
                        f"status {status.value} contradicts vm_state {vm.value} and task_state {task_text}, "
                        f"which show {shows.value}"
                    )
                where = (vm, task)
        elif task_raw is not None:
            parse_task_state(task_raw)  # checked like a vm_state, though a status alone says more
        power: PowerState | None = None if power_raw is None else parse_power_state(power_raw)
        # power_state and launched_at are what the driver and database say; the
        # model only knows nominal values, so they narrow the set when they can.
        for power_, launched_ in ((power, launched), (power, None), (None, launched), (None, None)):
            found = matching(self.table, self.universe, where, power_, launched_)
            if found:
                return found
        return frozenset()

    def search(self, known: frozenset[int], candidates: frozenset[int]) -> tuple[Search, str | None]:
        """Where ``known`` can get among ``candidates``, and the explanation with the task it finishes, if any.

        The explanation prefers starting from a node at rest: a status alone is
        most plausibly a server at rest (``ACTIVE -> SHUTOFF`` is ``stop``, not a
        stop that was already running); mid-task nodes explain only what rest
        nodes cannot, and then the running operation is named.
        """
        key = (known, candidates)
        found = self._searches.get(key)
        if found is None:
            table = self.table
            full = search(table, known, candidates, max_operations=self.max_operations, failures=True)
            best = full
            if full.path is not None and full.source is not None and self._busy(full.source):
                resting = frozenset(n for n in known if not self._busy(n))
                if resting:
                    calm = search(table, resting, candidates, max_operations=self.max_operations, failures=True)
                    if calm.path is not None:
                        best = calm
            running = None
            if best.source is not None and self._busy(best.source):
                running = self._running(best.source)
            found = self._searches[key] = (dataclasses.replace(full, path=best.path, source=best.source), running)
        return found

    def _busy(self, node: int) -> bool:
        return ADVANCE in self.table.step_row(node)

    def _running(self, node: int) -> str:
        vm, task, _, _ = self.table.nodes[node]
        names = dict.fromkeys(
            e.operation for e in self.table.blueprint.edges if e.trigger == ADVANCE and e.source == (vm, task)
        )
        return " or ".join(names)


@dataclasses.dataclass(slots=True)
class _Tracked:
    trace: ServerTrace
    known: frozenset[int]
    key: Key
    label: str
    updated: str | None
    line: int


def check_trace(
    observations: Source,
    *,
    dialect: str | Dialect = "nova",
    max_operations: int | None = 1,
    settings: Settings | None = None,
    **options: Any,
) -> TraceReport:
    """Check that each server's observed changes are ones the lifecycle can make.

    Args:
        observations: server objects (see the module docstring for the formats),
            as JSON text, a path (or a str naming an existing file), an open
            file, one server object (a dict), or an iterable.
        max_operations: how many requests may happen between two observations
            of a server (None: any number). The default 1 assumes polling at
            least once per operation: ``SHELVED_OFFLOADED -> RESIZE`` (needs
            ``unshelve`` then ``resize``) is then reported.
        settings / options: cloud settings, e.g. ``reclaim_instance_interval=3600``
            for a cloud with soft delete.

    Returns:
        A :class:`TraceReport`; nothing in the input's content makes this raise.

    Raises:
        ArgumentTypeError (a TypeError): ``observations`` is no input at all (None, a number).
        ArgumentValueError (a ValueError): ``max_operations`` is not None or an int >= 0.
        UnknownDialectError / UnknownNameError: bad ``dialect`` or settings.
    """
    if max_operations is not None and (type(max_operations) is not int or max_operations < 0):
        raise ArgumentValueError("max_operations", max_operations, "None or an int >= 0")
    table = table_for(dialect, Settings.from_kwargs(settings, **options))
    judge = _Judge(table, max_operations)
    report = TraceReport(table.blueprint.dialect.name, table.blueprint.settings, max_operations)
    tracked: dict[str, _Tracked] = {}
    for item in read_observations(observations):
        if isinstance(item, Problem):
            report.problems.append(item)
            continue
        line, obj = item
        read = _read(obj)
        if isinstance(read, str):
            report.problems.append(Problem(line, read))
            continue
        server_id, key, updated = read
        if key[1] is None and key[0].strip().upper() == Status.UNKNOWN.value:
            report.observations += 1
            _skip(report, tracked, line, server_id, key)
            continue
        candidates = judge.candidates(key)
        if isinstance(candidates, str):
            report.problems.append(Problem(line, candidates))
            continue
        report.observations += 1
        _observe(judge, report, tracked, line, server_id, key, updated, candidates)
    if report.observations == 0 and not report.problems:
        report.problems.append(Problem(0, "empty input: no observations"))
    return report


def _observe(
    judge: _Judge,
    report: TraceReport,
    tracked: dict[str, _Tracked],
    line: int,
    server_id: str,
    key: Key,
    updated: str | None,
    candidates: frozenset[int],
) -> None:
    state = tracked.get(server_id)
    if state is None:
        label = _label(key)
        trace = ServerTrace(server_id, line, line, label, observations=1)
        report.servers[server_id] = trace
        tracked[server_id] = _Tracked(trace, candidates, key, label, updated, line)
        if not candidates:
            trace.changes.append(Change(server_id, line, None, None, label, None, _absent(judge), None, updated))
        return
    trace = state.trace
    trace.observations += 1
    trace.last_line = line
    same = key == state.key
    label = state.label if same else _label(key)
    change: Change | None = None
    if not candidates:
        known = candidates
        if not same or state.known:
            change = Change(
                server_id, line, state.line, state.label, label, None, _absent(judge), state.updated, updated
            )
    elif not state.known:  # the previous observation had no model state: start over from this one
        known = candidates
    else:
        found, running = judge.search(state.known, candidates)
        if found.path is None:
            known = candidates  # resynchronise on what was seen
            change = Change(
                server_id, line, state.line, state.label, label, None, _why_not(judge), state.updated, updated
            )
        else:
            known = found.reached
            if label != state.label:
                change = Change(
                    server_id, line, state.line, state.label, label, found.path, "", state.updated, updated, running
                )
    if change is not None:
        trace.changes.append(change)
    state.known = known
    state.key = key
    state.label = label
    state.updated = updated
    state.line = line
    trace.last = label


def _skip(report: TraceReport, tracked: dict[str, _Tracked], line: int, server_id: str, key: Key) -> None:
    """Count an observation without state (UNKNOWN); what was known before stays known."""
    state = tracked.get(server_id)
    if state is None:
        label = _label(key)
        trace = ServerTrace(server_id, line, line, label)
        report.servers[server_id] = trace
        state = tracked[server_id] = _Tracked(trace, frozenset(), key, label, None, line)
    state.trace.observations += 1
    state.trace.skipped += 1
    state.trace.last_line = line


def _absent(judge: _Judge) -> str:
    return f"no state of the {judge.dialect.name} model shows this under settings {_settings_text(judge)}"


def _why_not(judge: _Judge) -> str:
    if judge.max_operations is None:
        return "no path of the model leads there"
    return f"no path of the model leads there with at most {judge.max_operations} operation(s)"


def _settings_text(judge: _Judge) -> str:
    changed = {k: v for k, v in judge.table.blueprint.settings.as_dict().items() if v != Settings().as_dict()[k]}
    return ", ".join(f"{k}={v}" for k, v in changed.items()) or "(defaults)"
