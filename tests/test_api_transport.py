"""The fake's HTTP transport: keep-alive HTTP/1.1, Nova's body cap, timeouts and a bounded worker pool.

Every socket is on 127.0.0.1 with an ephemeral port; every wait is bounded by a
socket timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from lifecycle.api import serve_in_thread
from lifecycle.api.httpd import MAX_BODY, Limits
from lifecycle.api.images import CIRROS_ID
from lifecycle.api.serve import FakeCompute

HEAD = "OpenStack-API-Version: compute 2.100\r\nHost: 127.0.0.1\r\n"
VERSION = {"OpenStack-API-Version": "compute 2.100"}


@pytest.fixture
def tight() -> Iterator[FakeCompute]:
    """One worker, short timeouts: a connection that holds the worker blocks everyone else."""
    limits = Limits(read_timeout=0.5, body_timeout=0.5, idle_timeout=0.5, workers=1, queue=2)
    with serve_in_thread(limits=limits) as fake:
        yield fake


def _connect(fake: FakeCompute) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", fake.port), timeout=5)
    return sock


def _reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response (status, headers, body) from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _get_ok(fake: FakeCompute) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        conn.request("GET", "/v2.1/servers")
        return conn.getresponse().status
    finally:
        conn.close()


def test_connections_are_kept_alive_over_http_1_1() -> None:
    """Several requests share one connection; the replies are HTTP/1.1 and carry no 'Connection: close'."""
    with serve_in_thread() as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        statuses = []
        for _ in range(3):
            conn.request("GET", "/v2.1/servers")
            reply = conn.getresponse()
            reply.read()
            statuses.append((reply.status, reply.version, reply.getheader("Connection")))
            sock = conn.sock
        conn.request("GET", "/v2.1")
        conn.getresponse().read()
        assert conn.sock is sock  # the same socket served every request
        conn.close()
    assert statuses == [(200, 11, None)] * 3


def test_tcp_nodelay_is_set_on_served_connections() -> None:
    """Without TCP_NODELAY a keep-alive reply can wait ~40 ms for the client's delayed ACK."""
    from lifecycle.api import httpd

    seen: list[int] = []
    original = httpd._Handler.setup

    def spy(self: httpd._Handler) -> None:
        original(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    httpd._Handler.setup = spy  # type: ignore[method-assign]
    try:
        with serve_in_thread() as fake:
            assert _get_ok(fake) == 200
    finally:
        httpd._Handler.setup = original  # type: ignore[method-assign]
    assert seen
    assert all(seen)


def test_body_over_novas_cap_is_413_before_it_is_read(tight: FakeCompute) -> None:
    """Content-Length 10**12 with no body sent: 413 overLimit at once, not a 500 or a wait for the body."""
    sock = _connect(tight)
    sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Content-Type: application/json\r\n".encode())
    sock.sendall(f"Content-Length: {10**12}\r\n\r\n".encode())
    status, headers, body = _reply(sock)
    sock.close()
    assert status == 413
    assert json.loads(body) == {"overLimit": {"code": 413, "message": "Request is too large."}}
    assert headers["connection"] == "close"
    assert _get_ok(tight) == 200  # the one worker is free again


def test_expect_100_continue_gets_413_not_continue_for_a_body_over_the_cap(tight: FakeCompute) -> None:
    """curl sends ``Expect: 100-continue`` for big bodies: it must hear 413 instead of an invitation to send."""
    sock = _connect(tight)
    sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Expect: 100-continue\r\n".encode())
    sock.sendall(f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode())
    status, _, _ = _reply(sock)
    sock.close()
    assert status == 413
    small = _connect(tight)
    small.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n".encode())
    status, _, _ = _reply(small)
    assert status == 100  # go ahead
    small.sendall(b"{}")
    status, _, _ = _reply(small)
    small.close()
    assert status == 400  # an empty create body is Nova's 400, read as usual


@pytest.mark.parametrize(("size", "expected"), [(MAX_BODY, 400), (MAX_BODY + 1, 413)])
def test_the_cap_is_novas_112_kib(size: int, expected: int) -> None:
    """112 KiB of (malformed) JSON is read and refused as a bad body; one byte more is 413 (oslo sizelimit)."""
    assert MAX_BODY == 112 * 1024
    with serve_in_thread() as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        try:
            conn.request("POST", "/v2.1/servers", body=b"x" * size, headers={"Content-Type": "application/json"})
            assert conn.getresponse().status == expected
        except (BrokenPipeError, ConnectionResetError):
            assert expected == 413  # the server may close before the client finishes sending
        finally:
            conn.close()


def test_a_content_length_larger_than_the_body_times_out_with_408(tight: FakeCompute) -> None:
    """The body never completes: 408 after body_timeout, and the only worker serves the next client."""
    sock = _connect(tight)
    sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Content-Length: 100\r\n\r\n{{".encode())
    status, _, _ = _reply(sock)
    sock.close()
    assert status == 408
    assert _get_ok(tight) == 200


def test_headers_dripping_in_are_cut_off_at_header_timeout_and_not_run() -> None:
    """Each byte within read_timeout, the whole head never: the worker is freed and the request never runs."""
    limits = Limits(read_timeout=1.0, header_timeout=0.6, workers=1)
    with serve_in_thread(limits=limits) as fake:
        server_id = fake.cloud.seed("active", name="keep-me")
        sock = _connect(fake)
        sock.sendall(f"DELETE /v2.1/servers/{server_id} HTTP/1.1\r\n".encode())
        closed = False
        for _ in range(40):  # bounded: 40 x 0.1 s of dripping, far past header_timeout
            try:
                sock.sendall(b"X")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
        sock.close()
        assert closed
        assert _get_ok(fake) == 200  # the one worker is free
        assert fake.cloud.server(server_id).vm_state.value == "active"  # the cut request was not run


def test_chunked_bodies_are_read_and_capped() -> None:
    body = json.dumps({"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}})
    with serve_in_thread() as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        parts = iter([body[:10].encode(), body[10:].encode()])
        conn.request("POST", "/v2.1/servers", body=parts, headers=VERSION, encode_chunked=True)
        assert conn.getresponse().status == 202
        conn.close()
        sock = _connect(fake)
        sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Transfer-Encoding: chunked\r\n\r\n".encode())
        sock.sendall(f"{MAX_BODY + 1:x}\r\n".encode())  # announced over the cap: refused before it is sent
        status, headers, _ = _reply(sock)
        sock.close()
        assert (status, headers["connection"]) == (413, "close")
        sock = _connect(fake)
        sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n".encode())
        status, _, _ = _reply(sock)
        sock.close()
        assert status == 400
        assert len(fake.cloud) == 1


@pytest.mark.parametrize("length", ["-1", "abc", "١٢", "5, 6"])
def test_a_malformed_content_length_is_400(tight: FakeCompute, length: str) -> None:
    sock = _connect(tight)
    sock.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Content-Length: {length}\r\n\r\n".encode())
    status, _, _ = _reply(sock)
    sock.close()
    assert status == 400


def test_an_idle_connection_is_closed_and_frees_its_worker(tight: FakeCompute) -> None:
    """A client that connects and sends nothing holds the single worker only until idle_timeout."""
    idle = _connect(tight)
    time.sleep(0.1)  # the worker takes the idle connection first
    assert _get_ok(tight) == 200  # served once the idle one is dropped
    assert idle.recv(1) == b""  # the server closed it
    idle.close()


def test_a_kept_alive_connection_idles_out_between_requests(tight: FakeCompute) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", tight.port, timeout=5)
    conn.request("GET", "/v2.1")
    conn.getresponse().read()
    assert conn.sock is not None
    conn.sock.settimeout(5)
    assert conn.sock.recv(1) == b""  # closed by the server after idle_timeout, not by the client
    conn.close()


def test_the_worker_pool_is_bounded_and_refuses_with_503_when_full() -> None:
    """workers=1, queue=1: one connection busy (its body trickling in), one waiting, the third answered 503 at once."""
    limits = Limits(body_timeout=3.0, workers=1, queue=1)
    with serve_in_thread(limits=limits) as fake:
        busy = _connect(fake)
        busy.sendall(f"POST /v2.1/servers HTTP/1.1\r\n{HEAD}Content-Length: 10\r\n\r\n{{".encode())
        for _ in range(100):  # until the worker is inside that request
            if fake._server._open and fake._server._jobs.empty():
                break
            time.sleep(0.01)
        waiting = _connect(fake)
        for _ in range(100):
            if not fake._server._jobs.empty():
                break
            time.sleep(0.01)
        third = _connect(fake)
        status, _, body = _reply(third)
        third.close()
        busy.close()
        waiting.close()
        assert status == 503
        assert json.loads(body)["serviceUnavailable"]["code"] == 503
        assert fake._server.busy_refusals == 1
        assert sum(t.name.startswith("fake-http-") for t in threading.enumerate()) >= 1


def test_an_idle_keep_alive_connection_yields_its_worker_to_a_waiting_one() -> None:
    """With every worker held by idle keep-alive clients, a new client is served long before idle_timeout."""
    limits = Limits(idle_timeout=60.0, workers=1)
    with serve_in_thread(limits=limits) as fake:
        idle = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        idle.request("GET", "/v2.1")
        idle.getresponse().read()  # kept alive: the only worker now waits on it
        started = time.monotonic()
        assert _get_ok(fake) == 200  # the 5 s socket timeout would fail this if it waited for idle_timeout
        assert time.monotonic() - started < 30
        assert idle.sock is not None
        assert idle.sock.recv(1) == b""  # the idle one was closed to make room
        idle.close()


def test_http_1_0_clients_get_their_connection_closed() -> None:
    with serve_in_thread() as fake:
        sock = _connect(fake)
        sock.sendall(b"GET /v2.1 HTTP/1.0\r\n\r\n")
        status, headers, _ = _reply(sock)
        assert status == 200
        assert headers["connection"] == "close"
        assert sock.recv(1) == b""
        sock.close()


@pytest.mark.parametrize(
    "limits",
    [
        {"workers": 0},
        {"max_body": -1},
        {"idle_timeout": float("nan")},
        {"read_timeout": float("inf")},
        {"body_timeout": 0},
        {"queue": True},
    ],
)
def test_limits_refuse_values_that_would_unbound_them(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(limits))):
        Limits(**limits)  # type: ignore[arg-type]
