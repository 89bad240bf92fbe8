"""orjson (the ``[fast]`` extra) only ever makes a trace faster: every line reads and is worded as the stdlib reads it.

The expected reading is the stdlib ``json`` module's, run on the same file with
orjson switched off; the lines are those a parser treats differently: NaN,
a byte-order mark, bad UTF-8, integers past 64 bits, deep nesting, typos,
blank lines, arrays, scalars, and a pretty-printed tail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lifecycle.validate import trace
from lifecycle.validate.trace import check_trace

orjson = pytest.importorskip("orjson", reason="orjson (the [fast] extra) is not installed")

BODY = {"id": "a", "status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:task_state": None}
TRICKY = [
    "\ufeff" + json.dumps(BODY),
    json.dumps({**BODY, "status": "REBOOT", "OS-EXT-STS:task_state": "rebooting"}),
    '{"id": "a", "status": "ACTIVE", "OS-EXT-STS:power_state": NaN}',
    '{"id": "b", "status": "ACTIVE", "OS-EXT-STS:power_state": ' + "9" * 30 + "}",
    "[" * 5000 + "]" * 5000,
    '{"id": "c", "status": "ACTIVE",',
    "   ",
    "",
    json.dumps([BODY, {**BODY, "id": "d"}]),
    "42",
    '"SHUTOFF"',
    '{"id": "e", "status": "SHUTOFF", "name": "caf\udce9"}',
    json.dumps({**BODY, "id": "f", "status": "SHUTOFF", "OS-EXT-STS:vm_state": "stopped"}),
]


def _reading(path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool) -> tuple[list[str], int, list[str]]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(trace, "_fast_loads", None)
        report = check_trace(path, keep_explained=False)
    return [str(p) for p in report.problems], report.observations, [str(c) for c in report.unexplained]


@pytest.mark.parametrize("tail", ["", '{\n  "id": "g",\n  "status": "ACTIVE"\n}\n'])
def test_orjson_reads_every_line_as_the_stdlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str) -> None:
    path = tmp_path / "trace.jsonl"
    raw = "\n".join(TRICKY).encode("utf-8", "surrogateescape") + b"\n" + b"\xff\xfe{bad utf-8}\n" + tail.encode()
    path.write_bytes(raw)
    slow = _reading(path, monkeypatch, fast=False)
    fast = _reading(path, monkeypatch, fast=True)
    assert fast == slow
    problems, observations, _ = slow
    assert observations >= 4  # the test reads real bodies, not only problems
    assert len(problems) >= 5


def test_orjson_is_in_use_when_installed() -> None:
    assert trace._fast_loads is orjson.loads
    assert isinstance(orjson.loads("9" * 30), float)  # why lines with huge integers take the stdlib
