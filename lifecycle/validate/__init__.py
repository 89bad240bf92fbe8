"""Judging what happened against the model: the uses of the model that read state.

``sequence`` (``check``: is this list of requests legal), ``paths`` (``plan``,
``reachable``), ``trace`` (``check_trace``: a recorded history), ``stuck`` (tasks
that take too long), ``notifications`` (Nova's notifications in and out) and
``watch`` (auditing a live cloud). See docs/validation.md.
"""

from __future__ import annotations
