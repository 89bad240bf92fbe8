"""The fleet's scheduler: one heap of due entries, and the time API that takes them.

A server has at most one live entry (its ``_due``): the end of the task step it is in
(``step >= 0``, with the failure planned for the run) or the periodic job armed for
it at rest (``step == -1``). Anything else in the heap is stale and skipped. Taking
an entry is a change through the fleet (:meth:`Fleet._transition`), with the same
check-and-set as a request, so a stale or refused entry changes nothing.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from lifecycle.errors import ArgumentTypeError, ArgumentValueError
from lifecycle.model.blueprint import ADVANCE, FAIL
from lifecycle.simulate.clock import Clock, finite
from lifecycle.simulate.durations import Durations
from lifecycle.simulate.events import Event, EventKind
from lifecycle.simulate.faults import Plan
from lifecycle.simulate.periodic import JOBS, PeriodicJob

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import FleetServer

__all__ = ["FleetTimetable"]

# A timetable entry: (due, seq, server index, operation, step, extra). ``step``
# >= 0 is a task step (``extra`` is the planned failure or None); -1 is a periodic
# job (``extra`` is its index in JOBS). The tuple itself is the token of the run:
# a server's ``_due`` points at its one live entry and anything else is stale.
# Entries hold the server's index in ``Fleet._all``, not the server, and only
# atomic values, so the garbage collector stops tracking them (with 100,000
# servers, tracking them was a quarter of a campaign's time).
_Entry: TypeAlias = tuple[float, int, int, str, int, Any]

_heappush = heapq.heappush


class FleetTimetable:
    """The part of :class:`~lifecycle.simulate.fleet.Fleet` that owns time: the timetable and what takes it.

    ``tick``/``advance``/``run_until_idle``/``run_until`` let time pass and take
    what is due, in time order; ``_schedule_step`` and ``_set_due`` put a server's
    next entry on the heap. State (set by ``Fleet.__init__``): ``_heap``,
    ``_heap_lock``, ``_seq``, ``_tasks_pending``.
    """

    if TYPE_CHECKING:  # the rest of the fleet, as this part uses it
        _all: list[FleetServer | None]
        clock: Clock
        durations: Durations
        _heap: list[_Entry]
        _heap_lock: threading.Lock
        _jitter_rng: random.Random
        _listeners: tuple[Callable[[Event], None], ...]
        _own_durations: dict[str, Durations]
        _seq: itertools.count[int]
        _tasks_pending: int

        @staticmethod
        def _fails_now(server: FleetServer, step: int, plan: Plan) -> bool: ...
        def _lock_of(self, server: FleetServer) -> threading.Lock: ...
        def _transition(
            self,
            server: FleetServer,
            trigger: str,
            now: float,
            kind: EventKind,
            operation: str,
            *,
            step: int,
            expect: _Entry | None = None,
            plan: tuple[Plan, str | None] | None = None,
            then: tuple[str, ...] | None = None,
        ) -> int | None: ...

    def tick(self) -> int:
        """Take every step and job due by the clock's time now; returns how many were taken."""
        return self._run_due(self.clock.now())

    def advance(self, seconds: float) -> int:
        """Let ``seconds`` pass on the clock (a wall clock sleeps) and take what became due."""
        self.clock.sleep(seconds)
        return self.tick()

    def run_until_idle(self, *, periodic: bool = False, limit: float | None = None) -> float:
        """Let time pass until no task runs; returns the simulated seconds that passed.

        Args:
            periodic: also wait for periodic jobs (auto-offload, reclaim,
                auto-confirm, power sync) and the tasks they start.
            limit: stop after this many simulated seconds even if not idle.
        """
        if limit is not None and finite(limit, "limit") < 0:  # time does not go back: -1 would stop at once
            raise ArgumentValueError("limit", limit, "a number of seconds >= 0, or None (no limit)")
        start = self.clock.now()
        self.tick()
        while True:
            with self._heap_lock:
                self._drop_stale()
                due = self._heap[0][0] if self._heap else None
                busy = self._tasks_pending > 0
            if due is None or not (busy or periodic):
                break
            if limit is not None and due > start + limit:
                self.clock.sleep(start + limit - self.clock.now())
                self.tick()
                break
            self._step_to(due)
        return self.clock.now() - start

    def run_until(self, predicate: Callable[[], bool], *, limit: float | None = None) -> float:
        """Let time pass, one due step at a time, until ``predicate()`` holds; returns the seconds that passed.

        ``fleet.run_until(lambda: srv.status is Status.SHELVED_OFFLOADED, limit=3600)``

        Raises:
            TimeoutError: nothing left is scheduled, or ``limit`` simulated
                seconds passed, and the predicate still does not hold.
        """
        if limit is not None:
            finite(limit, "limit")
        if not callable(predicate):
            raise ArgumentTypeError("predicate", predicate, "a function of no arguments returning a bool")
        start = self.clock.now()
        self.tick()
        while not predicate():
            due = self.next_due()
            if due is None:
                raise TimeoutError(f"nothing is scheduled at t={self.clock.now():g}s and the condition does not hold")
            if limit is not None and due > start + limit:
                self.clock.sleep(start + limit - self.clock.now())
                self.tick()
                if predicate():
                    break
                raise TimeoutError(f"the condition does not hold after {limit:g} simulated seconds")
            self._step_to(due)
        return self.clock.now() - start

    @property
    def idle(self) -> bool:
        """No task step is scheduled (periodic jobs may still be)."""
        self.tick()
        return self._tasks_pending == 0

    def next_due(self) -> float | None:
        """When the next scheduled step or periodic job is due (None: nothing scheduled)."""
        with self._heap_lock:
            self._drop_stale()
            return self._heap[0][0] if self._heap else None

    def _step_to(self, due: float) -> None:
        """Let the clock reach ``due`` and take what is due by then."""
        wait = due - self.clock.now()
        if wait > 0:
            self.clock.sleep(wait)
        self._run_due(max(due, self.clock.now()))

    def _schedule_step(
        self,
        server: FleetServer,
        node: int,
        now: float,
        operation: str,
        step: int,
        plan: tuple[Plan, str | None] | None,
    ) -> None:
        """Put the end of the task the server is in now on the timetable (lock held)."""
        durations = self._own_durations.get(server.id, self.durations) if self._own_durations else self.durations
        seconds = durations.step(operation, server.table.nodes[node][1])  # a TaskState is its str value
        if durations.jitter:
            seconds *= 1.0 + durations.jitter * (2.0 * self._jitter_rng.random() - 1.0)
        self._set_due(server, (now + seconds, next(self._seq), server._ix, operation, step, plan))

    def _set_due(self, server: FleetServer, entry: _Entry | None) -> None:
        """Make ``entry`` the server's one live timetable entry (lock of the server held)."""
        if entry is None and server._due is None:
            return  # nothing scheduled, nothing to drop: no timetable round trip
        with self._heap_lock:
            old = server._due
            server._due = entry
            pending = self._tasks_pending
            if old is not None and old[4] >= 0:
                pending -= 1
            if entry is not None:
                _heappush(self._heap, entry)
                if entry[4] >= 0:
                    pending += 1
            self._tasks_pending = pending

    def _drop_stale(self) -> None:
        heap, servers = self._heap, self._all
        while heap:
            entry = heap[0]
            server = servers[entry[2]]
            if server is not None and server._due is entry:
                return
            heapq.heappop(heap)

    def _on_clock(self, now: float) -> None:
        self._run_due(now)

    def _due_by(self, now: float) -> bool:
        """Whether the timetable's first entry is due by ``now``: a read without the lock, so a request
        whose clock moved nothing costs no timetable round trip (heapq's C calls keep ``heap[0]`` whole)."""
        try:
            return self._heap[0][0] <= now
        except IndexError:
            return False

    def _run_due(self, until: float) -> int:
        """Take every live entry due at or before ``until``, in time order."""
        taken = 0
        heap, servers, pop = self._heap, self._all, heapq.heappop
        while True:
            with self._heap_lock:
                if not heap or heap[0][0] > until:
                    return taken
                first = pop(heap)
                batch = [first]
                if not self._listeners:
                    # Every entry due at the same instant, in one lock round trip. Entries
                    # scheduled while these run are due at this instant or later and have a
                    # later seq, so the order is the heap's. A listener may act on the fleet
                    # in between (and take entries itself): then one at a time, as it sees them.
                    when = first[0]
                    while heap and heap[0][0] == when:
                        batch.append(pop(heap))
            for entry in batch:
                server = servers[entry[2]]
                if server is None or server._due is not entry:
                    continue
                taken += 1
                due, _, _, operation, step, extra = entry
                if step < 0:
                    job: PeriodicJob = JOBS[extra]
                    taken_now = self._transition(
                        server, job.operation, due, "periodic", operation, step=0, expect=entry
                    )
                else:
                    fail = extra is not None and self._fails_now(server, step, extra[0])
                    trigger = ADVANCE
                    if fail:
                        trigger = FAIL if extra[1] is None else server.fault_trigger(extra[1])
                        if trigger not in server.table.step_row(server.node):
                            trigger = FAIL  # the kind cannot strike here (the run took another route)
                    taken_now = self._transition(
                        server,
                        trigger,
                        due,
                        "failure" if fail else "step",
                        operation,
                        step=step + 1,
                        expect=entry,
                        plan=extra,
                    )
                if taken_now is None:  # the machine refused what was due: forget it rather than keep a dead token
                    with self._lock_of(server):
                        if server._due is entry:
                            self._set_due(server, None)
