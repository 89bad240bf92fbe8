"""Throughput and latency of the fake API over HTTP/1.1 keep-alive, against the previous HTTP/1.0 server.

Both servers serve the same :class:`Gateway` over the same :class:`Cloud`, in
the same run:

* ``keep-alive``: :mod:`lifecycle.api.httpd` (what ``serve_in_thread`` and
  ``lifecycle serve`` use): HTTP/1.1, connections kept, ``TCP_NODELAY``,
  bounded workers;
* ``http/1.0``: ``wsgiref`` with a thread per connection, closing every
  connection, as the fake served before (kept here only for the comparison).

Clients: raw ``http.client`` GETs (one persistent connection per client thread,
which reconnects by itself when the server closes) and openstacksdk
``get_server`` (a ``requests`` session per thread), at 1 and 16 clients. Each
figure is printed with its ratio to the HTTP/1.0 server: req/s ratio > 1 and
latency ratio < 1 mean the keep-alive server is better.

Then the limits: how fast a body over Nova's 112 KiB cap is refused and how
much memory streaming 100 MiB at the server costs it, and how a request fares
while idle keep-alive connections hold workers.

Run: ``PYTHONPATH=. python benchmarks/bench_api.py [--raw 300] [--sdk 60] [--max-seconds 20]``.
Every loop is bounded by a count and by ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import socket
import socketserver
import statistics
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway
from lifecycle.api.httpd import Limits
from lifecycle.api.serve import make

VERSION = {"OpenStack-API-Version": "compute 2.100"}


class _Http10Server(socketserver.ThreadingMixIn, WSGIServer):
    """The previous transport: wsgiref (HTTP/1.0, closes each connection), one thread per connection."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def http10(gateway: Gateway) -> Iterator[int]:
    """Serve ``gateway`` the old way on a free loopback port; yields the port."""
    server = make_server("127.0.0.1", 0, gateway, server_class=_Http10Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def keepalive(app: ComputeApp, limits: Limits | None = None) -> Iterator[int]:
    fake = make(app, limits=limits).start()
    try:
        yield fake.port
    finally:
        fake.stop()


class Run:
    """Requests per second and per-request latencies of one phase."""

    def __init__(self, rate: float, latencies: list[float]) -> None:
        self.rate = rate
        self.latencies = sorted(latencies)

    def pct(self, p: float) -> float:
        """The ``p``-th percentile latency in milliseconds."""
        if not self.latencies:
            return float("nan")
        index = min(len(self.latencies) - 1, max(0, round(p / 100 * len(self.latencies)) - 1))
        return self.latencies[index] * 1000


def run_clients(clients: int, per_client: int, max_seconds: float, work: Callable[[int], Callable[[], None]]) -> Run:
    """``clients`` threads doing ``per_client`` calls each (bounded by ``max_seconds``): rate and latencies."""
    barrier = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    deadline = [0.0]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        call = work(i)
        call()  # warm: connect, discover
        barrier.wait()
        try:
            for _ in range(per_client):
                start = time.perf_counter()
                if start > deadline[0]:
                    break
                call()
                latencies[i].append(time.perf_counter() - start)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    deadline[0] = start + max_seconds + 60
    barrier.wait()
    start = time.perf_counter()
    deadline[0] = start + max_seconds
    for t in threads:
        t.join(max_seconds + 30)
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client errors, first: {errors[0]!r}")
    flat = [x for per in latencies for x in per]
    return Run(len(flat) / elapsed, flat)


def raw_get(port: int, path: str) -> Callable[[], None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call() -> None:
        conn.request("GET", path, headers=VERSION)
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"GET {path}: {reply.status}")

    return call


def sdk_get(url: str, server_id: str) -> Callable[[], None]:
    import openstack

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conn = openstack.connect(
            load_yaml_config=False, load_envvars=False, auth_type="none", compute_endpoint_override=url
        )

    def call() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            conn.compute.get_server(server_id)

    return call


def compare(label: str, new: Run, old: Run) -> None:
    print(
        f"{label:<28} keep-alive {new.rate:8.1f} req/s p50 {new.pct(50):6.2f} ms p99 {new.pct(99):7.2f} ms | "
        f"http/1.0 {old.rate:8.1f} req/s p50 {old.pct(50):6.2f} ms p99 {old.pct(99):7.2f} ms | "
        f"ratio req/s {new.rate / old.rate:5.2f}, p50 {new.pct(50) / old.pct(50):4.2f}, "
        f"p99 {new.pct(99) / old.pct(99):4.2f}"
    )


def limits_phase(app: ComputeApp) -> None:
    """The body cap and idle connections, on the keep-alive server (the old one had neither)."""
    with keepalive(app) as port:
        refusals = []
        for _ in range(20):
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"POST /v2.1/servers HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n")
                reply = sock.recv(4096)
            refusals.append(time.perf_counter() - start)
            assert reply.startswith(b"HTTP/1.1 413"), reply[:40]
        print(f"body cap: Content-Length 10**12 refused 413 in p50 {statistics.median(refusals) * 1000:.2f} ms")

        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        start = time.perf_counter()
        sent = 0
        chunk = b"x" * 65536
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /v2.1/servers HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
            with contextlib.suppress(OSError):
                while sent < 104857600:
                    sock.sendall(chunk)
                    sent += len(chunk)
            with contextlib.suppress(OSError):
                reply = sock.recv(4096)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"body cap: streaming a 100 MiB body: server stopped it after {sent / 2**20:.1f} MiB sent, "
            f"{elapsed * 1000:.1f} ms; peak Python memory +{(peak - base) / 2**10:.0f} KiB (answer {reply[:12]!r})"
        )

        baseline = run_clients(1, 200, 10, lambda i: raw_get(port, "/v2.1"))
        holders = []
        for _ in range(60):  # 60 of the 64 workers held by idle keep-alive connections
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/v2.1")
            conn.getresponse().read()
            holders.append(conn)
        loaded = run_clients(1, 200, 10, lambda i: raw_get(port, "/v2.1"))
        for sock in [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]:
            holders.append(sock)  # and 20 connected-but-silent ones: more than the free workers
        time.sleep(0.3)
        starved = run_clients(1, 200, 10, lambda i: raw_get(port, "/v2.1"))
        for holder in holders:
            holder.close()
        print(
            f"idle connections: GET p50/p99 {baseline.pct(50):.2f}/{baseline.pct(99):.2f} ms alone, "
            f"{loaded.pct(50):.2f}/{loaded.pct(99):.2f} ms with 60 idle keep-alive connections, "
            f"{starved.pct(50):.2f}/{starved.pct(99):.2f} ms with 80 (more than the 64 workers: idle ones yield)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=int, default=300, help="raw HTTP requests per client")
    parser.add_argument("--sdk", type=int, default=60, help="openstacksdk calls per client")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="cap of each timed phase")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()

    cloud = Cloud(pace="manual")  # reads change nothing: every run measures the same work
    ids = [cloud.seed("active", name=f"vm-{i}", networks="auto") for i in range(max(args.clients))]
    app = ComputeApp(cloud)
    gateway = Gateway(app)
    try:
        import openstack  # noqa: F401

        have_sdk = True
    except ImportError:
        have_sdk = False
    with keepalive(app) as new_port, http10(gateway) as old_port:
        for clients in args.clients:
            raw: dict[int, Run] = {}
            for port in (old_port, new_port):
                raw[port] = run_clients(
                    clients, args.raw, args.max_seconds, lambda i, p=port: raw_get(p, f"/v2.1/servers/{ids[i]}")
                )
            compare(f"raw GET, {clients} client(s)", raw[new_port], raw[old_port])
            if not have_sdk:
                continue
            sdk: dict[int, Run] = {}
            for port in (old_port, new_port):
                url = f"http://127.0.0.1:{port}/v2.1"
                sdk[port] = run_clients(clients, args.sdk, args.max_seconds, lambda i, u=url: sdk_get(u, ids[i]))
            compare(f"openstacksdk, {clients} client(s)", sdk[new_port], sdk[old_port])
    if not have_sdk:
        print("openstacksdk not installed: SDK phase skipped")
    limits_phase(app)


if __name__ == "__main__":
    main()
