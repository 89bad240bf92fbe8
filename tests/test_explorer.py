"""The explorer's data (``model.json``) says what ``lifecycle ops`` says, and the page is self-contained."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lifecycle import Server
from lifecycle.cli import main
from lifecycle.diagrams import docset, explorer, export
from lifecycle.model.blueprint import profiles
from lifecycle.model.settings import Settings
from lifecycle.model.states import VmState
from lifecycle.model.table import table_for

DIALECTS = ("nova", "huawei-ecs")


def walk(data: dict[str, Any], variant: dict[str, Any], node: int, trigger: str, *, follow: bool = False) -> list[int]:
    """The nodes a request walks in the exported data, as the page does (request, then ``advance`` to the end).

    With ``follow``, the cloud's own follow-up requests (``then``) are walked too, each to its end.
    """
    names = [t["name"] for t in data["triggers"]]

    def row(n: int) -> dict[str, int]:
        r = variant["rows"][n]
        return {names[r[i]]: r[i + 1] for i in range(0, len(r), 2)}

    def settle(path: list[int]) -> list[int]:
        while "advance" in row(path[-1]):
            path.append(row(path[-1])["advance"])
        return path

    path = settle([row(node)[trigger]])
    then = next(t for t in data["triggers"] if t["name"] == trigger).get("then", []) if follow else []
    for name in then:
        if name not in row(path[-1]):
            break
        path = settle([*path, row(path[-1])[name]])
    return path


def describe(data: dict[str, Any], variant: dict[str, Any], node: int) -> dict[str, Any]:
    pair, power, launched = variant["nodes"][node]
    vm, task, status = data["pairs"][pair]
    return {"status": status, "vm_state": vm, "task_state": task, "power_state": power, "launched": bool(launched)}


def ops_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["ops", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_seeded_state_lists_what_lifecycle_ops_lists(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = export.export(dialect)
    variant = data["variants"][0]
    assert variant["when"] == {"settings": "default"}
    then = {t["name"] for t in data["triggers"] if t.get("then")}
    checked = composite = 0
    for pair_id, seed in enumerate(variant["seeds"]):
        vm, task, _ = data["pairs"][pair_id]
        if seed < 0 or vm is None:
            continue
        cli = ops_json(capsys, "--dialect", dialect, vm, *([task] if task else []))
        assert describe(data, variant, seed) == cli["state"]
        names = [t["name"] for t in data["triggers"]]
        row = variant["rows"][seed]
        here = [names[row[i]] for i in range(0, len(row), 2)]
        assert here == [op["operation"] for op in cli["operations"]], (vm, task)
        for op in cli["operations"]:
            composite += op["operation"] in then
            path = walk(data, variant, seed, op["operation"], follow=True)
            assert describe(data, variant, path[-1]) == op["leads_to"], (vm, task, op["operation"])
            via: list[str] = []
            for node in path[:-1]:
                shown = describe(data, variant, node)["status"]
                if not via or via[-1] != shown:
                    via.append(shown)
            assert via == op["via"]
            checked += 1
    assert checked > (100 if dialect == "nova" else 30)
    assert composite > (0 if then else -1)  # composites are compared too, not skipped


def test_composite_requests_settle_where_the_checker_says() -> None:
    """Huawei's withStopServer resize stops the ECS, resizes it and starts it again after success (the
    reference's "stops it, resizes, then starts it after success"): the data chains the follow-ups to ACTIVE."""
    data = export.export("huawei-ecs")
    variant = data["variants"][0]
    op = next(t for t in data["triggers"] if t["name"] == "resize_with_stop")
    names = [t["name"] for t in data["triggers"]]
    active = next(i for i, p in enumerate(data["pairs"]) if p[:2] == ["active", None])
    node = walk(data, variant, variant["seeds"][active], "resize_with_stop")[-1]
    for follow in op["then"]:
        assert follow in [names[i] for i in variant["rows"][node][::2]], follow
        node = walk(data, variant, node, follow)[-1]
    assert describe(data, variant, node)["status"] == "ACTIVE"
    table = table_for("huawei-ecs")
    end = table.settle_row(table.node_for((VmState.ACTIVE, None)))["resize_with_stop"]
    assert describe(data, variant, node)["vm_state"] == table.nodes[end][0]


def test_resize_from_active_walks_novas_task_states() -> None:
    """nova/compute/api.py:API.resize sets resize_prep; manager.py walks resize_migrating, resize_migrated,
    resize_finish, then finish_resize sets vm_state resized (VERIFY_RESIZE, api/openstack/common.py _STATE_MAP)."""
    data = export.export("nova")
    variant = data["variants"][0]
    active = next(i for i, p in enumerate(data["pairs"]) if p[:2] == ["active", None])
    steps = [describe(data, variant, n) for n in walk(data, variant, variant["seeds"][active], "resize")]
    assert [(s["vm_state"], s["task_state"], s["status"]) for s in steps] == [
        ("active", "resize_prep", "RESIZE"),
        ("active", "resize_migrating", "RESIZE"),
        ("active", "resize_migrated", "RESIZE"),
        ("active", "resize_finish", "RESIZE"),
        ("resized", None, "VERIFY_RESIZE"),
    ]


def test_settings_are_a_dimension_with_one_variant_per_profile() -> None:
    data = export.export("nova")
    (dimension,) = data["dimensions"]
    assert dimension["name"] == "settings"
    ids = [c["id"] for c in dimension["choices"]]
    assert ids[0] == "default"
    assert len(ids) == len(set(ids)) == len(profiles())
    assert [v["when"] for v in data["variants"]] == [{"settings": i} for i in ids]
    # delete is a soft delete when reclaim_instance_interval > 0 (nova/compute/api.py:API.delete -> _do_soft_delete)
    soft = data["variants"][ids.index("reclaim_instance_interval=3600")]
    active = next(i for i, p in enumerate(data["pairs"]) if p[:2] == ["active", None])
    end = walk(data, soft, soft["seeds"][active], "delete")[-1]
    assert describe(data, soft, end)["status"] == "SOFT_DELETED"
    hard = data["variants"][0]
    assert describe(data, hard, walk(data, hard, hard["seeds"][active], "delete")[-1])["status"] == "DELETED"


def test_failure_edges_are_where_the_server_goes_when_the_task_fails() -> None:
    data = export.export("nova")
    variant = data["variants"][0]
    names = [t["name"] for t in data["triggers"]]
    assert {t["name"]: t["kind"] for t in data["triggers"]}["fail"] == "failure"
    active = next(i for i, p in enumerate(data["pairs"]) if p[:2] == ["active", None])
    for node in walk(data, variant, variant["seeds"][active], "reboot")[:-1]:
        row = variant["rows"][node]
        failed = dict(zip(row[::2], row[1::2], strict=True))[names.index("fail")]
        srv = Server("active")
        srv.reboot()
        while srv.task_state and srv.task_state.value != describe(data, variant, node)["task_state"]:
            srv.advance()
        srv.fail()
        assert describe(data, variant, failed)["vm_state"] == srv.vm_state.value


def test_export_does_not_depend_on_what_the_shared_table_was_asked_before() -> None:
    first = export.to_json(export.export("nova", [Settings(volume_backed=True)]))
    table = table_for("nova", Settings(volume_backed=True))
    table.explore([table.node_for((None, None))], settled=True)
    assert export.to_json(export.export("nova", [Settings(volume_backed=True)])) == first


def test_the_page_is_self_contained_small_and_carries_every_dialect() -> None:
    ds = docset.build()
    html = ds.text["explorer.html"].decode()
    assert len(html) < 500_000 * len(DIALECTS)
    assert re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) is None  # no CDN, nothing fetched
    assert "<link" not in html
    assert "@import" not in html
    for name in DIALECTS:
        block = re.search(rf'<script type="application/json" data-dialect="{name}">\n(.*?)</script>', html, re.S)
        assert block is not None
        assert json.loads(block.group(1)) == json.loads(ds.text[f"{name}/model.json"])


def test_json_inside_the_page_cannot_close_its_script_element() -> None:
    data = {"dialect": {"name": "x", "title": "</script><script>alert(1)</script>"}}
    html = explorer.page({"x": data})
    block = html.split('data-dialect="x">\n', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["dialect"]["title"] == data["dialect"]["title"]
