"""Servers that take time: the uses of the model that change state.

``server`` (one server on the machine), ``fleet`` (many, on a clock) with its parts:
``timetable`` (when each step is due), ``faults`` (injected failures), ``periodic``
(Nova's periodic jobs), ``events`` (the event log and listeners); ``clock``,
``durations``, and ``jobs`` (Huawei's asynchronous jobs). See docs/simulation.md.
"""

from __future__ import annotations
