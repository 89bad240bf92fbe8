"""Bounded fuzzing: random CLI argument lists, library calls, and HTTP requests find no traceback and no 5xx.

Hypothesis runs with a fixed seed (``derandomize``) and no example database, so
CI is reproducible and writes nothing outside the temporary folders made here.
The CLI runs in-process with its working directory in a temporary folder and
only relative paths inside it; the HTTP server listens on 127.0.0.1, port 0.
``LIFECYCLE_FUZZ_EXAMPLES`` multiplies the example counts (default 1) for a
longer local run; each test prints its counts (run with ``-s`` to see them).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle
from lifecycle import LifecycleError
from lifecycle.api import serve_in_thread
from lifecycle.api.httpd import Limits
from lifecycle.api.serve import FakeCompute
from lifecycle.cli import main

SCALE = max(1, int(os.environ.get("LIFECYCLE_FUZZ_EXAMPLES", "1")))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Tally:
    """What a fuzz run tried and found, printed at its end."""

    def __init__(self, name: str) -> None:
        self.name, self.cases, self.server_errors, self.tracebacks = name, 0, 0, 0
        self.notes: dict[str, int] = {}

    def report(self) -> None:
        extra = "".join(f", {n} {what}" for what, n in sorted(self.notes.items()))
        print(f"\nfuzz {self.name}: {self.cases} cases, {self.server_errors} 5xx, {self.tracebacks} tracebacks{extra}")


# -- values of every kind --------------------------------------------------------------------------------
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.sampled_from(["active", "ACTIVE", "reboot", "nova", "huawei-ecs", "stopped", "rebooting", "-1", "²", "srv-ü"]),
    st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.text(max_size=6)), max_size=3),
    st.tuples(st.text(max_size=6)),
)


# -- CLI argv ---------------------------------------------------------------------------------------------
WORDS = [
    *("status", "ops", "check", "plan", "trace", "diagram", "docs", "serve"),
    *("--dialect", "nova", "huawei-ecs", "--json", "--strict", "--all", "--power", "--failures", "--from"),
    *("--kind", "overview", "full", "operation", "--operation", "--format", "svg", "png", "dot", "mermaid"),
    *("-o", "--out", "--check", "--max-ops", "--any-ops", "-q", "--port", "--speed", "--pace", "--seed"),
    *("--reclaim-instance-interval", "--volume-backed", "--shelved-offload-time", "--resize-confirm-window"),
    *("active", "ACTIVE", "stopped", "rebooting", "SHUTOFF", "new", "active/rebooting", "reboot", "resize"),
    *("confirm_resize", "advance", "fail", "-", "0", "-1", "3600", "1e9", "nan", "inf", "²", "\u0663", ""),
    *("out", "out/sub", "x.svg", "x.png", "x.dot", "x.mmd", "x.txt", "deep.json", "bad.json", "good.json"),
    *("missing.json", "link.svg", "manual", "instant", "wall", "--help"),
]
ARGV = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=10).filter(lambda t: ".." not in t)), max_size=8)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with trace files; rendering and serving replaced by stand-ins (they are tested elsewhere)."""
    from lifecycle.api import serve as serve_module
    from lifecycle.diagrams import docset, render

    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    (tmp_path / "bad.json").write_bytes(b'\xff\xfe{"id": \x00 [[[ "status"')
    (tmp_path / "good.json").write_text('{"id": "a", "status": "ACTIVE"}\n{"id": "a", "status": "SHUTOFF"}\n')
    (tmp_path / "x.txt").write_text("keep")
    (tmp_path / "link.svg").symlink_to(tmp_path / "x.txt")
    monkeypatch.setattr(render, "render", lambda diagram, fmt: b"<fake/>")
    monkeypatch.setattr(docset, "pipe_many", lambda jobs: [b"<fake/>" for _ in jobs])
    monkeypatch.setattr(serve_module, "serve_forever", lambda *a, **k: None)
    return tmp_path


def test_cli_argv_fuzz_finds_no_traceback(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally("CLI argv")

    @_settings(250)
    @given(argv=ARGV, stdin=st.binary(max_size=64))
    def run(argv: list[str], stdin: bytes) -> None:
        tally.cases += 1
        old_stdin = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="replace")
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            tally.tracebacks += 1
            raise
        finally:
            sys.stdin = old_stdin
        out, err = capsys.readouterr()
        if "Traceback" in out + err:
            tally.tracebacks += 1
        assert "Traceback" not in out + err, argv
        assert code in (0, 1, 2), (argv, code)

    try:
        run()
    finally:
        with capsys.disabled():
            tally.report()
    assert (sandbox / "x.txt").read_text() == "keep"  # never written through the link
    assert all(
        sandbox in p.resolve().parents or p.resolve() == sandbox for p in sandbox.rglob("*") if not p.is_symlink()
    )


# -- library arguments ------------------------------------------------------------------------------------
def _entry_points() -> dict[str, Callable[[Any], object]]:
    from lifecycle import Durations, Fleet, Server, VirtualClock, WallClock
    from lifecycle.simulate.jobs import Jobs

    def with_server(call: Callable[[Any, Any], object]) -> Callable[[Any], object]:
        def go(value: Any) -> object:
            fleet = Fleet(seed=1)
            return call(fleet, fleet.create("web", vm_state="active"))(value)  # type: ignore[operator]

        return go

    return {
        "status_of(vm)": lambda v: lifecycle.status_of(v),
        "status_of(task)": lambda v: lifecycle.status_of("active", v),
        "status_of(strict)": lambda v: lifecycle.status_of(v, v, strict=True),
        "status_of(dialect)": lambda v: lifecycle.status_of("active", dialect=v),
        "pairs_for": lambda v: lifecycle.pairs_for(v),
        "pairs_for(dialect)": lambda v: lifecycle.pairs_for("ACTIVE", dialect=v),
        "Server(vm)": lambda v: Server(v),
        "Server(task)": lambda v: Server("active", v),
        "Server(power)": lambda v: Server("active", None, v),
        "Server(dialect)": lambda v: Server("active", dialect=v),
        "Server(settings)": lambda v: Server("active", reclaim_instance_interval=v),
        "Server.perform": lambda v: Server("active").perform(v),
        "Server.may": lambda v: Server("active").may(v),
        "Server.fire": lambda v: Server("active").fire(v),
        "Durations": lambda v: Durations(v),
        "Durations(step)": lambda v: Durations({"reboot": v}),
        "Durations(scale)": lambda v: Durations(scale=v),
        "Durations(jitter)": lambda v: Durations(jitter=v),
        "check(ops)": lambda v: lifecycle.check(v),
        "check([op])": lambda v: lifecycle.check([v]),
        "check(start)": lambda v: lifecycle.check(["reboot"], start=v),
        "check(dialect)": lambda v: lifecycle.check(["reboot"], dialect=v),
        "check(max)": lambda v: lifecycle.check(["reboot"], max_operations=v),
        "check_trace": lambda v: lifecycle.check_trace(v),
        "check_trace([obs])": lambda v: lifecycle.check_trace([v]),
        "check_trace(field)": lambda v: lifecycle.check_trace([{"id": "a", "status": v, "vm_state": v}]),
        "check_trace(dialect)": lambda v: lifecycle.check_trace([], dialect=v),
        "plan(from)": lambda v: lifecycle.plan(v, "ACTIVE"),
        "plan(to)": lambda v: lifecycle.plan("SHUTOFF", v),
        "plan(dialect)": lambda v: lifecycle.plan("SHUTOFF", "ACTIVE", dialect=v),
        "reachable": lambda v: lifecycle.reachable(v),
        "Fleet(dialect)": lambda v: Fleet(v),
        "Fleet(durations)": lambda v: Fleet(durations=v),
        "Fleet(sync)": lambda v: Fleet(sync_power_state_interval=v),
        "Fleet(reclaim)": lambda v: Fleet(reclaim_instance_interval=v),
        "Fleet(engine)": lambda v: Fleet(engine=v),
        "Fleet.create(name)": lambda v: Fleet().create(v),
        "Fleet.create(vm)": lambda v: Fleet().create("a", vm_state=v),
        "Fleet.create(power)": lambda v: Fleet().create("a", vm_state="active", power_state=v),
        # a huge count is honoured (it is a count): keep the fuzz to counts a test can afford
        "Fleet.create_many": lambda v: Fleet().create_many(v if not isinstance(v, int) or v < 100 else 3),
        "Fleet.get": lambda v: Fleet().get(v),
        "Fleet.apply(op)": lambda v: Fleet().apply(v, []),
        "Fleet.apply(servers)": lambda v: Fleet().apply("reboot", v),
        "Fleet.perform(op)": with_server(lambda f, s: lambda v: f.perform(s, v)),
        "Fleet.set_state": with_server(lambda f, s: lambda v: f.set_state(s, v)),
        "Fleet.advance": lambda v: Fleet().advance(v),
        "Fleet.run_until_idle": lambda v: Fleet().run_until_idle(limit=v),
        "Fleet.inject_failure": lambda v: Fleet().inject_failure(v),
        "Fleet.inject_failure(step)": lambda v: Fleet().inject_failure("reboot", at_step=v),
        "Fleet.inject_failure(times)": lambda v: Fleet().inject_failure("reboot", times=v),
        "Fleet.inject_failure(p)": lambda v: Fleet().inject_failure("reboot", probability=v),
        "Fleet.servers": lambda v: Fleet().servers(v),
        "VirtualClock": lambda v: VirtualClock(v),
        "VirtualClock.advance": lambda v: VirtualClock().advance(v),
        "WallClock": lambda v: WallClock(v),
        "Jobs": lambda v: Jobs(v),
        "Jobs(init)": lambda v: Jobs(Fleet(), init_seconds=v),
    }


def test_library_argument_fuzz_raises_only_lifecycle_errors() -> None:
    entry = _entry_points()
    tally = Tally(f"library arguments ({len(entry)} entry points)")
    leaks: list[str] = []

    @_settings(600)
    @given(name=st.sampled_from(sorted(entry)), value=JUNK)
    def run(name: str, value: Any) -> None:
        tally.cases += 1
        try:
            entry[name](value)
        except LifecycleError:
            pass
        except TimeoutError:  # run_until_idle(limit=...) with work left: the documented outcome
            pass
        except Exception as exc:
            tally.tracebacks += 1
            leaks.append(f"{name}({value!r}): {type(exc).__name__}: {exc}")
            raise

    try:
        run()
    finally:
        print(*leaks[:5], sep="\n")
        tally.report()


# -- HTTP -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCompute]:
    limits = Limits(read_timeout=2.0, body_timeout=2.0, idle_timeout=2.0, workers=8)
    with serve_in_thread(limits=limits, pace="instant") as running:
        running.cloud.seed("active", server_id="11111111-1111-4111-8111-111111111111", name="vm")
        running.cloud.seed("error", server_id="srv-ü", name="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")
        yield running


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10), st.just("²")),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)
ACTION_KEYS = [
    *("reboot", "resize", "rebuild", "createImage", "createBackup", "changePassword", "rescue", "unrescue"),
    *("evacuate", "os-migrateLive", "migrate", "os-start", "os-stop", "shelve", "unshelve", "lock", "unlock"),
    *("pause", "os-resetState", "trigger_crash_dump", "confirmResize", "revertResize", "forceDelete", "nope"),
]
SERVER_FIELDS = ["name", "imageRef", "flavorRef", "networks", "min_count", "max_count", "metadata", "tags", "adminPass"]
BODIES = st.one_of(
    JSON,
    st.builds(lambda k, v: {k: v}, st.sampled_from(ACTION_KEYS), JSON),
    st.builds(
        lambda fields: {"server": fields},
        st.dictionaries(
            st.sampled_from(SERVER_FIELDS),
            st.one_of(JSON, st.sampled_from(["cirros", "1", "auto", "none", "²", "1" * 30, 101])),
            max_size=6,
        ),
    ),
)
_SERVER_TAILS = (
    *("metadata", "metadata/k", "tags", "tags/t", "ips", "os-server-password", "os-volume_attachments"),
    *("os-instance-actions", "migrations", "migrations/1", "os-interface", "remote-consoles"),
)
PATHS = st.sampled_from(
    [
        *("/", "/v2.1", "/v2.1/servers", "/v2.1/servers/detail", "/v2.1/flavors", "/v2.1/flavors/1"),
        *("/v2.1/servers/11111111-1111-4111-8111-111111111111", "/v2.1/servers/srv-%C3%BC", "/v2.1/servers/%FF"),
        *("/v2.1/servers/11111111-1111-4111-8111-111111111111/action", "/v2.1/servers/srv-%C3%BC/action"),
        *("/compute/v2.1/servers", "/v2.1/servers/../../etc", "/v2.1/servers?limit=%C2%B2", "/nope"),
        *("/v2.1/servers?name=(a%7Caa)%2B%24", "/v2.1/servers/detail?ip=((((", "/v2.1/servers?changes-since=x"),
        # the routes beside servers (metadata, tags, keypairs, groups, quotas, migrations, actions...)
        *("/v2.1/os-keypairs", "/v2.1/os-server-groups", "/v2.1/os-migrations", "/v2.1/limits"),
        *("/v2.1/flavors/1/os-extra_specs", "/v2.1/os-quota-sets/p1", "/v2.1/os-availability-zone/detail"),
        *(f"/v2.1/servers/11111111-1111-4111-8111-111111111111/{tail}" for tail in _SERVER_TAILS),
        # Huawei ECS native API (lifecycle.api.huawei), at the root as its SDK calls it
        *("/v1/p1/cloudservers", "/v1/p1/cloudservers/detail", "/v1/p1/cloudservers/action", "/v1/p1/jobs/j1"),
        *("/v1/p1/cloudservers/delete", "/v1.1/p1/cloudservers/s1/resize", "/v2/p1/cloudservers/s1/changeos"),
        *("/v1/p1/cloudservers/s1/os-reset-password", "/v1/p1/cloudservers/%C3%BC"),
    ]
)
QUERY = st.dictionaries(
    st.sampled_from(
        ["limit", "offset", "marker", "name", "status", "ip", "locked", "tags", "changes-since", "deleted", "minRam"]
    ),
    st.text(max_size=12),
    max_size=3,
)
HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.one_of(
            st.sampled_from(["application/json", "text/plain", "text/xml", "", "application/json; charset=utf-8"]),
            HEADER_VALUES,
        ),
        "OpenStack-API-Version": st.one_of(
            st.sampled_from(["compute 2.1", "compute latest", "compute 2.100", "compute 3.0", "compute 2.²"]),
            HEADER_VALUES,
        ),
        "X-OpenStack-Nova-API-Version": HEADER_VALUES,
        "Accept": HEADER_VALUES,
        "X-Auth-Token": HEADER_VALUES,
    },
)


def _request(port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def test_http_body_and_header_fuzz_finds_no_5xx(fake: FakeCompute) -> None:
    from urllib.parse import urlencode

    tally = Tally("HTTP bodies and headers")

    @_settings(400)
    @given(
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]),
        path=PATHS,
        query=QUERY,
        body=st.one_of(BODIES.map(lambda b: json.dumps(b).encode()), st.binary(max_size=40)),
        headers=HEADERS,
    )
    def run(method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]) -> None:
        tally.cases += 1
        full = f"{path}{'&' if '?' in path else '?'}{urlencode(query)}" if query else path
        status, payload = _request(fake.port, method, full, body, headers)
        if status >= 500:
            tally.server_errors += 1
        assert status < 500, (method, full, body[:200], headers, payload[:300])
        if b"Traceback" in payload:
            tally.tracebacks += 1
        assert b"Traceback" not in payload
        if payload and method != "HEAD":
            json.loads(payload)  # every answer is JSON, errors in Nova's envelope

    try:
        run()
    finally:
        tally.report()


RAW_LINES = st.one_of(
    st.sampled_from(
        [
            b"GET /v2.1 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /v2.1 HTTP/9.9\r\n\r\n",
            b"GARBAGE\r\n\r\n",
            b"POST /v2.1/servers HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"POST /v2.1/servers HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"POST /v2.1/servers HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            b"POST /v2.1/servers HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd",
            b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
            b"GET /v2.1 HTTP/1.1\r\n" + b"X-A: b\r\n" * 150 + b"\r\n",
            b"GET /v2.1/servers/%C3%28 HTTP/1.1\r\n\r\n",
            b"\x00\x01\x02\r\n\r\n",
        ]
    ),
    st.binary(max_size=200).map(lambda b: b + b"\r\n\r\n"),
    st.builds(
        lambda method, path, header: method + b" " + path + b" HTTP/1.1\r\n" + header + b"\r\n\r\n",
        st.sampled_from([b"GET", b"POST", b"PUT", b"\xff"]),
        st.binary(min_size=1, max_size=30),
        st.binary(max_size=60),
    ),
)


def test_raw_http_fuzz_finds_no_5xx_and_no_hang(fake: FakeCompute) -> None:
    """Malformed request lines and headers get a 4xx (or a closed connection), never a 5xx; nothing hangs."""
    tally = Tally("raw HTTP requests")

    @_settings(150)
    @given(data=RAW_LINES)
    def run(data: bytes) -> None:
        tally.cases += 1
        with socket.create_connection(("127.0.0.1", fake.port), timeout=10) as sock:
            with contextlib.suppress(OSError):
                sock.sendall(data)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            reply = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(65536):
                    reply += chunk
        statuses = [int(line.split()[1]) for line in reply.split(b"\r\n") if line.startswith(b"HTTP/1.")]
        for status in statuses:
            key = "505 (HTTP version not supported)" if status == 505 else f"{status // 100}xx"
            tally.notes[key] = tally.notes.get(key, 0) + 1
        if not statuses:
            tally.notes["closed without a status"] = tally.notes.get("closed without a status", 0) + 1
        if any(s >= 500 and s != 505 for s in statuses):  # 505: HTTP Version Not Supported is a protocol answer
            tally.server_errors += 1
        assert all(s < 500 or s == 505 for s in statuses), (data[:200], reply[:300])

    try:
        run()
    finally:
        tally.report()
    assert _request(fake.port, "GET", "/v2.1", b"", {})[0] == 200  # still serving
