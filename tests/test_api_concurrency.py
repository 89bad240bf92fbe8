"""Many HTTP clients at once against one fake: Nova's compare-and-swap semantics, nothing lost."""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from typing import Any

import pytest

from lifecycle.api import serve_in_thread
from lifecycle.api.images import CIRROS_ID
from lifecycle.api.serve import FakeCompute

CLIENTS = 32


def request(fake: FakeCompute, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json", "OpenStack-API-Version": "compute 2.100"}
        conn.request(method, f"/v2.1{path}", body=payload, headers=headers)
        reply = conn.getresponse()
        raw = reply.read()
        return reply.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def run_all(target: Any, count: int = CLIENTS) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:3]
    return results


@pytest.mark.parametrize("pace", ["instant", "manual"])
def test_exactly_one_of_concurrent_reboots_wins(pace: str) -> None:
    """32 clients reboot one server at the same instant, at either virtual pace: one 202, 31 Nova 409s."""
    with serve_in_thread(pace=pace) as fake:
        sid = fake.cloud.seed("active")
        results = run_all(lambda i: request(fake, "POST", f"/servers/{sid}/action", {"reboot": {"type": "SOFT"}}))
        codes = Counter(code for code, _ in results)
        assert codes == {202: 1, 409: CLIENTS - 1}
        messages = {body["conflictingRequest"]["message"] for code, body in results if code == 409}
        assert messages == {f"Cannot 'reboot' instance {sid} while it is in task_state rebooting"}
        assert fake.cloud.server(sid).task_state == "rebooting"


def test_many_clients_lose_no_server_and_corrupt_no_state() -> None:
    """32 clients each boot a server and drive it while listing: all servers end in legal, consistent states."""
    actions = [{"os-stop": None}, {"os-start": None}, {"reboot": {"type": "HARD"}}, {"pause": None}, {"unpause": None}]

    def client(i: int) -> tuple[str, Counter[int]]:
        codes: Counter[int] = Counter()
        body = {"server": {"name": f"vm-{i}", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}}
        code, created = request(fake, "POST", "/servers", body)
        codes[code] += 1
        sid = created["server"]["id"]
        for n in range(8):
            code, _ = request(fake, "GET", f"/servers/{sid}")
            codes[code] += 1
            code, _ = request(fake, "POST", f"/servers/{sid}/action", actions[n % len(actions)])
            codes[code] += 1
            if n % 5 == 0:
                code, _ = request(fake, "GET", "/servers/detail")
                codes[code] += 1
        return sid, codes

    # 32 servers: past Nova's default quota of 10 a project
    with serve_in_thread(quotas={"instances": -1, "cores": -1, "ram": -1}) as fake:
        results = run_all(client)
        total: Counter[int] = sum((codes for _, codes in results), Counter())
        assert set(total) <= {200, 202, 409}
        assert total[202] >= CLIENTS  # every create at least
        fake.cloud.settle()
        code, listing = request(fake, "GET", "/servers/detail")
        assert code == 200
        assert sorted(s["id"] for s in listing["servers"]) == sorted(sid for sid, _ in results)
        for server in listing["servers"]:
            model = fake.cloud.server(server["id"])
            assert server["OS-EXT-STS:task_state"] is None
            assert server["status"] == model.dialect.status(model.vm_state, None).value
