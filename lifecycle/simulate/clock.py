"""Clocks for simulated fleets: virtual time for tests, wall time for a fake API.

A clock only tells the time and lets time pass; it schedules nothing. The
:class:`~lifecycle.simulate.fleet.Fleet` owns its timetable (a heap of due task steps and
periodic jobs) and asks the clock what time it is. That keeps one clock
shareable by several fleets and keeps the clock trivial to fake.

A :class:`VirtualClock` moves only when told (:meth:`VirtualClock.advance`), so a
test that simulates an hour of cloud time runs in microseconds and is
deterministic. It tells its listeners (the fleets using it) after each move, so
``fleet.clock.advance(30)`` followed by a plain read of any server is already
up to date. A :class:`WallClock` follows :func:`time.monotonic`, optionally sped
up, for a fake HTTP API that clients poll in real time; fleets on it catch up
lazily on every fleet call (:meth:`lifecycle.simulate.fleet.Fleet.tick`).
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from lifecycle.errors import ArgumentTypeError, ArgumentValueError

__all__ = ["Clock", "VirtualClock", "WallClock"]


def finite(value: float, what: str) -> float:
    """``value`` as a float, refusing NaN and infinity: one of them would poison every later time.

    Raises:
        ArgumentTypeError: ``value`` is not a number (a TypeError).
        ArgumentValueError: ``value`` is NaN or infinite (a ValueError); the message names ``what``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentTypeError(what, value, "a number of seconds")
    if not math.isfinite(value):
        raise ArgumentValueError(what, value, "a finite number of seconds")
    return float(value)


@runtime_checkable
class Clock(Protocol):
    """What a fleet needs from a clock: the time in seconds, and a way to let time pass."""

    def now(self) -> float:
        """Seconds since the clock's origin (monotonic, never goes back)."""
        ...  # pragma: no cover

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass (a virtual clock advances; a wall clock blocks)."""
        ...  # pragma: no cover


class VirtualClock:
    """Time that moves only when :meth:`advance` is called: no sleeping, fully deterministic.

    Args:
        start: the time the clock shows at first (seconds).

    Listeners registered with :meth:`subscribe` are called with the new time
    after every move, in the thread that moved the clock. They are held weakly,
    so a fleet that is dropped does not stay alive through its clock.
    """

    __slots__ = ("__weakref__", "_listeners", "_lock", "_now")

    def __init__(self, start: float = 0.0) -> None:
        self._now = finite(start, "a clock's start")
        self._lock = threading.RLock()
        self._listeners: list[weakref.WeakMethod[Callable[[float], None]]] = []

    def now(self) -> float:
        """The current virtual time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` and let listeners catch up; returns the new time.

        Raises:
            ValueError: ``seconds`` is negative (time never goes back), NaN or infinite.
        """
        finite(seconds, f"advance({seconds!r}): seconds")
        if seconds < 0:
            raise ArgumentValueError(f"a clock cannot go back: advance({seconds!r}): seconds", seconds, "a value >= 0")
        with self._lock:
            self._now += seconds
            now = self._now
            listeners = list(self._listeners)
        for ref in listeners:
            listener = ref()
            if listener is not None:
                listener(now)
        return now

    def advance_to(self, when: float) -> float:
        """Move time forward to ``when`` (no-op if it is already later); returns the new time."""
        return self.advance(max(0.0, finite(when, f"advance_to({when!r}): the time") - self._now))

    def sleep(self, seconds: float) -> None:
        """Same as :meth:`advance`: code written against :class:`Clock` runs instantly on virtual time."""
        self.advance(max(0.0, finite(seconds, f"sleep({seconds!r}): seconds")))

    def subscribe(self, listener: Callable[[float], None]) -> None:
        """Call the bound method ``listener(now)`` after every :meth:`advance` (held weakly)."""
        with self._lock:
            self._listeners = [r for r in self._listeners if r() is not None]
            self._listeners.append(weakref.WeakMethod(listener))

    def unsubscribe(self, listener: Callable[[float], None]) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            self._listeners = [r for r in self._listeners if r() not in (None, listener)]

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now!r})"


class WallClock:
    """Real elapsed time (``time.monotonic``) from the moment it is made, optionally sped up.

    Args:
        speed: simulated seconds per real second. ``speed=60`` makes a 60 s
            resize take one real second, which keeps a fake API realistic in
            shape while a test suite stays quick.
    """

    __slots__ = ("_origin", "speed")

    def __init__(self, speed: float = 1.0) -> None:
        if finite(speed, "speed") <= 0:
            raise ArgumentValueError("speed", speed, "a finite number > 0")
        self.speed = float(speed)
        self._origin = time.monotonic()

    def now(self) -> float:
        """Simulated seconds since the clock was made."""
        return (time.monotonic() - self._origin) * self.speed

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` of simulated time (``seconds / speed`` real seconds)."""
        if finite(seconds, f"sleep({seconds!r}): seconds") > 0:
            time.sleep(seconds / self.speed)

    def wait_for(self, predicate: Callable[[], bool], timeout: float, poll: float = 0.05) -> bool:
        """Poll ``predicate`` every ``poll`` simulated seconds until it holds or ``timeout`` passes.

        Returns:
            Whether the predicate held before the timeout.
        """
        deadline = self.now() + timeout
        while True:
            if predicate():
                return True
            remaining = deadline - self.now()
            if remaining <= 0:
                return False
            self.sleep(min(poll, remaining))

    def __repr__(self) -> str:
        return f"WallClock(speed={self.speed!r}, now={self.now():.3f})"
