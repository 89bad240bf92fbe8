"""Throughput of the fake Compute API with 32 concurrent clients, against a canned baseline.

Two clients:
* raw HTTP (``http.client``, one connection per request, as ``wsgiref`` closes them):
  measures the fake's own cost per request;
* openstacksdk ``get_server`` (each thread its own Connection): what a test suite sees.

The baseline is a canned WSGI app (fixed JSON, no model) on the same threading
server, measured in the same run, so the ratio isolates the fake's work. The
in-process figure calls the WSGI app directly (no socket) single-threaded.

Run: ``PYTHONPATH=. python benchmarks/bench_api.py [--clients 32] [--raw 100] [--sdk 20]``.
Every loop is bounded by a count and by ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.util import setup_testing_defaults

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.serve import make


class CannedApp:
    """The cheapest WSGI app that still satisfies the clients: a version doc and one fixed server body."""

    def __init__(self, server_body: bytes, doc: bytes) -> None:
        self.server_body, self.doc = server_body, doc
        self.cloud = Cloud(pace="manual")  # serve.make() expects the app's control handle

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        body = self.doc if path.rstrip("/") == "/v2.1" else self.server_body
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("OpenStack-API-Version", "compute 2.100"),
            ],
        )
        return [body]


def run_clients(clients: int, per_client: int, max_seconds: float, work: Callable[[int], Callable[[], None]]) -> float:
    """Requests per second of ``clients`` threads doing ``per_client`` calls each (bounded by ``max_seconds``)."""
    barrier = threading.Barrier(clients + 1)
    done = [0] * clients
    deadline = [0.0]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        call = work(i)
        barrier.wait()
        try:
            for _ in range(per_client):
                if time.perf_counter() > deadline[0]:
                    break
                call()
                done[i] += 1
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    deadline[0] = start + max_seconds
    barrier.wait()
    for t in threads:
        t.join(max_seconds + 30)
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client errors, first: {errors[0]!r}")
    return sum(done) / elapsed


def raw_get(port: int, path: str) -> Callable[[], None]:
    def call() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"OpenStack-API-Version": "compute 2.100"})
        reply = conn.getresponse()
        reply.read()
        conn.close()
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
        conn.compute.get_server(server_id)  # discovery happens once, outside the timing

    def call() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            conn.compute.get_server(server_id)

    return call


def in_process_us(app: Any, path: str, count: int) -> float:
    """Microseconds per request calling the WSGI app directly."""

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        pass

    start = time.perf_counter()
    for _ in range(count):
        environ: dict[str, Any] = {"PATH_INFO": path, "wsgi.input": io.BytesIO(b"")}
        environ["HTTP_OPENSTACK_API_VERSION"] = "compute 2.100"
        setup_testing_defaults(environ)
        b"".join(app(environ, start_response))
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--raw", type=int, default=100, help="raw HTTP requests per client")
    parser.add_argument("--sdk", type=int, default=20, help="openstacksdk calls per client")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="cap of each timed phase")
    args = parser.parse_args()

    cloud = Cloud(pace="manual")  # reads change nothing: every run measures the same work
    ids = [cloud.seed("active", name=f"vm-{i}", networks="auto") for i in range(args.clients)]
    app = ComputeApp(cloud)
    one = ids[0]
    fake = make(app).start()
    probe = raw_get(fake.port, f"/v2.1/servers/{one}")
    probe()
    conn = http.client.HTTPConnection("127.0.0.1", fake.port)
    conn.request("GET", f"/v2.1/servers/{one}", headers={"OpenStack-API-Version": "compute 2.100"})
    server_body = conn.getresponse().read()
    conn.close()
    canned_app = CannedApp(server_body, json.dumps({"version": {"id": "v2.1", "links": []}}).encode())
    canned = make(canned_app).start()  # type: ignore[arg-type]
    # The canned doc needs a real self link for the SDK: copy the fake's, re-pointed.
    fake_doc = json.loads(_get_body(fake.port, "/v2.1"))
    fake_doc["version"]["links"][0]["href"] = f"{canned.url}/"
    canned_app.doc = json.dumps(fake_doc).encode()

    try:
        print(f"clients: {args.clients}; server body {len(server_body)} bytes")
        fake_us = in_process_us(app, f"/v2.1/servers/{one}", 2000)
        canned_us = in_process_us(canned_app, f"/v2.1/servers/{one}", 2000)
        print(f"in-process WSGI GET /servers/{{id}}: fake {fake_us:.1f} us, canned {canned_us:.1f} us")

        raw_fake = run_clients(
            args.clients, args.raw, args.max_seconds, lambda i: raw_get(fake.port, f"/v2.1/servers/{ids[i]}")
        )
        raw_canned = run_clients(
            args.clients, args.raw, args.max_seconds, lambda i: raw_get(canned.port, f"/v2.1/servers/{ids[i]}")
        )
        overhead_ms = (1 / raw_fake - 1 / raw_canned) * 1000
        print(
            f"raw HTTP GET /servers/{{id}}:   fake {raw_fake:7.1f} req/s, canned {raw_canned:7.1f} req/s, "
            f"ratio {raw_fake / raw_canned:.2f}; fake's own cost {overhead_ms:.3f} ms/request"
        )
        detail = run_clients(
            args.clients, max(1, args.raw // 4), args.max_seconds, lambda i: raw_get(fake.port, "/v2.1/servers/detail")
        )
        print(f"raw HTTP GET /servers/detail ({args.clients} servers): fake {detail:7.1f} req/s")

        try:
            import openstack  # noqa: F401
        except ImportError:
            print("openstacksdk not installed: SDK phase skipped")
            return
        sdk_fake = run_clients(args.clients, args.sdk, args.max_seconds, lambda i: sdk_get(fake.url, ids[i]))
        sdk_canned = run_clients(args.clients, args.sdk, args.max_seconds, lambda i: sdk_get(canned.url, ids[i]))
        print(
            f"openstacksdk get_server:      fake {sdk_fake:7.1f} req/s, canned {sdk_canned:7.1f} req/s, "
            f"ratio {sdk_fake / sdk_canned:.2f}"
        )
    finally:
        fake.stop()
        canned.stop()


def _get_body(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


if __name__ == "__main__":
    main()
