"""The committed ``diagrams/explorer.html`` driven in headless Chromium (Playwright with Debian's chromium).

Each test clicks as a person would and reads what the page shows, then compares
it with ``lifecycle ops`` and the simulator. Screenshots go to a temporary folder
(``LIFECYCLE_SCREENSHOTS=dir`` keeps them there to look at).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import CHROMIUM, CHROMIUM_FLAGS

from lifecycle import Server, pairs_for
from lifecycle.cli import main
from lifecycle.diagrams import docset
from lifecycle.model import dialects

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", *CHROMIUM_FLAGS]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra: pip install '.[test]'")


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The page as ``lifecycle docs`` generates it now, written to a temporary folder and opened from file://."""
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    out.write_bytes(docset.build().text["explorer.html"])
    return out.as_uri()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}; scripts/_setup installs Debian's chromium (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True, viewport={"width": 1300, "height": 900}
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any, page_url: str) -> Iterator[Any]:
    errors: list[str] = []
    tab = browser_context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.base_url = page_url
    yield tab
    tab.close()
    assert errors == [], errors


@pytest.fixture
def shoot(tmp_path: Path) -> Any:
    """Take a full-page screenshot; kept under $LIFECYCLE_SCREENSHOTS when set."""
    keep = os.environ.get("LIFECYCLE_SCREENSHOTS")

    def take(tab: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return take


def ops_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["ops", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def shown_ops(tab: Any) -> list[tuple[str, str]]:
    return [(li.get_attribute("data-op"), li.get_attribute("data-end")) for li in tab.locator("#ops li[data-op]").all()]


def step_to_end(tab: Any) -> list[tuple[str, str]]:
    """Press "step" until it is disabled; the (status, pair) shown at each step, the request's start first."""
    seen = [(tab.locator("#step-status").get_attribute("data-status"), _current_step_pair(tab))]
    while tab.locator("#next").is_enabled():
        tab.click("#next")
        seen.append((tab.locator("#step-status").get_attribute("data-status"), _current_step_pair(tab)))
        assert len(seen) < 30
    return seen


def _current_step_pair(tab: Any) -> str:
    return str(tab.locator("#steps li.current").get_attribute("data-pair"))


def test_pick_shutoff_then_resize_and_step_to_the_end(
    page: Any, shoot: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    page.goto(page.base_url)
    page.click('#statuses [data-status="SHUTOFF"]')
    assert page.text_content("#current-status") == "SHUTOFF"
    assert page.text_content("#current-pair") == "stopped"
    cli = ops_json(capsys, "SHUTOFF")
    assert shown_ops(page) == [(op["operation"], op["leads_to"]["status"]) for op in cli["operations"]]
    # Nova's vm-states.rst says pause is allowed from SHUTOFF; Nova's code (api.py:API.pause) refuses it
    assert "pause" not in [name for name, _ in shown_ops(page)]
    shoot(page, "1-shutoff")

    page.click('#ops li[data-op="resize"]')
    href = page.get_attribute("#op-diagram", "href")
    assert href == "nova/operations/resize.svg"
    assert (ROOT / "diagrams" / href).is_file()
    seen = step_to_end(page)
    shoot(page, "2-shutoff-resize-end")
    srv = Server("stopped")
    srv.resize()
    expected = [("SHUTOFF", "stopped")]
    while True:
        expected.append((srv.status.value, srv.state.replace(".", "/")))
        if srv.task_state is None:
            break
        srv.advance()
    assert seen == expected
    # nova/compute/api.py:API.resize sets task_state resize_prep; finish_resize leaves a stopped server resized
    assert seen[1] == ("RESIZE", "stopped/resize_prep")
    assert seen[-1] == ("VERIFY_RESIZE", "resized")
    resize = next(op for op in cli["operations"] if op["operation"] == "resize")
    assert seen[-1][0] == resize["leads_to"]["status"]
    assert list(dict.fromkeys(s for s, _ in seen[1:-1])) == resize["via"]
    # every step of the task shows where a failure leads; the simulator agrees
    fails = page.locator("#steps li[data-step]").all()
    for index, item in enumerate(fails[1:-1], start=1):
        srv = Server("stopped")
        srv.resize()
        for _ in range(index - 1):
            srv.advance()
        srv.fail()
        assert item.locator(".fails").first.get_attribute("data-fail") == srv.state.replace(".", "/")
    # one failure arrow per failure trigger of each step: fail, and the named kinds (fail:no_valid_host...)
    srv = Server("stopped")
    srv.resize()
    kinds = 0
    for _ in range(len(seen) - 2):
        kinds += sum(1 for t in srv.table.step_row(srv.node) if t == "fail" or t.startswith("fail:"))
        srv.advance()
    assert page.locator("#stepper svg .failed").count() == kinds


READ_EVERY_STATE = """async ([dialect, labels]) => {
    const views = [];
    for (const label of labels) {
        const changed = new Promise((done) => window.addEventListener("hashchange", done, { once: true }));
        location.hash = `dialect=${dialect}&state=${encodeURIComponent(label)}`;
        await changed;  // the page's own hashchange listener has rendered by now
        const attrs = (selector, ...names) =>
            [...document.querySelectorAll(selector)].map((e) => names.map((n) => e.getAttribute(n)));
        views.push({
            label: document.getElementById("current-pair").textContent,
            status: document.getElementById("current-status").textContent,
            legal: attrs("#ops li[data-op]", "data-op", "data-end", "data-via"),
            refused: attrs("#ops [data-refused]", "data-refused", "data-reason"),
        });
    }
    return views;
}"""


@pytest.mark.parametrize("dialect", ["nova", "huawei-ecs"])
def test_every_state_lists_what_lifecycle_ops_all_says(
    page: Any, dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each (vm_state, task_state) of the list, opened by its link: legal operations with where they settle and
    the statuses on the way, refused ones with the cloud's own refusal, exactly as `lifecycle ops --all`."""
    page.goto(f"{page.base_url}#dialect={dialect}")
    labels = [li.get_attribute("data-pair") for li in page.locator("#pairs li:not(.absent)").all()]
    assert len(labels) > (100 if dialect == "nova" else 40)
    assert labels[0] == "new"  # before create, where create starts
    chained = {op.name for op in dialects.get(dialect).operations if op.then}
    views = page.evaluate(READ_EVERY_STATE, [dialect, labels])
    assert [view["label"] for view in views] == labels
    for view in views:
        label = view["label"]
        cli = ops_json(capsys, "--dialect", dialect, "--all", *label.split("/"))
        assert view["status"] == (cli["state"]["status"] or "(not created)")
        legal = [op for op in cli["operations"] if op["legal"]]
        assert [name for name, _, _ in view["legal"]] == [op["operation"] for op in legal], label
        for (name, end, via), op in zip(view["legal"], legal, strict=True):
            if name in chained:
                continue  # the page follows the cloud's own follow-up requests to their end (checked elsewhere)
            assert (end, via) == (op["leads_to"]["status"], ",".join(op["via"])), (label, name)
        refused = [(op["operation"], op["reason"]) for op in cli["operations"] if not op["legal"]]
        assert [tuple(r) for r in view["refused"]] == refused, label


def test_go_there_back_and_a_shared_link_restores_the_view(
    page: Any, browser_context: Any, shoot: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    page.goto(page.base_url)
    page.click('#pairs li[data-pair="active"]')
    page.click('#ops li[data-op="reboot"]')
    page.click("#last")
    page.click("#back")
    status = page.locator("#step-status").get_attribute("data-status")
    link = page.input_value("#link")
    assert "op=reboot" in link
    assert "state=active" in link
    other = browser_context.new_page()
    other.goto(link)
    assert other.locator("#step-status").get_attribute("data-status") == status == "REBOOT"
    assert other.locator("#ops li.selected").get_attribute("data-op") == "reboot"
    shoot(other, "3-shared-link")
    other.close()
    page.click("#goto")
    assert page.text_content("#current-status") == "REBOOT"
    here = page.text_content("#current-pair")
    vm, task = here.split("/")
    cli = ops_json(capsys, vm, task)
    assert shown_ops(page) == [(op["operation"], op["leads_to"]["status"]) for op in cli["operations"]]
    # the task's own events step too: advance runs it to its end, fail shows where a failure leaves it
    page.click('#ops li[data-op="advance"]')
    assert page.text_content("#walk-title").startswith(f"advance from REBOOT ({here}): ")
    assert "null" not in page.text_content("#walk")
    assert step_to_end(page)[-1] == ("ACTIVE", "active")
    page.click('#ops li[data-op="fail"]')
    fail = next(op for op in cli["operations"] if op["operation"] == "fail")
    assert step_to_end(page)[-1] == (fail["leads_to"]["status"], fail["leads_to"]["vm_state"])


def test_settings_and_dialect_pickers_change_the_answers(page: Any, shoot: Any) -> None:
    page.goto(page.base_url + "#state=active")
    assert dict(shown_ops(page))["delete"] == "DELETED"
    # reclaim_instance_interval > 0 makes delete a soft delete (nova/compute/api.py:API.delete)
    page.select_option("#dim-settings", "reclaim_instance_interval=3600")
    assert dict(shown_ops(page))["delete"] == "SOFT_DELETED"
    assert "settings=reclaim_instance_interval%3D3600" in page.url
    shoot(page, "4-soft-delete")
    page.select_option("#dialect", "huawei-ecs")
    assert page.text_content("#current-status") == "ACTIVE"
    ops = dict(shown_ops(page))
    # Huawei's native resize needs a stopped ECS; its withStopServer mode stops, resizes, starts (ecs_02_0208)
    assert "resize" not in ops
    assert ops["resize_with_stop"] == "ACTIVE"
    page.click('#ops li[data-op="resize_with_stop"]')
    seen = step_to_end(page)
    assert [s for s, _ in seen][-1] == "ACTIVE"
    assert "SHUTOFF" in [s for s, _ in seen]
    shoot(page, "5-huawei-resize-with-stop")


def test_search_finds_states_by_status_and_task_name(page: Any, shoot: Any) -> None:
    page.goto(page.base_url)
    page.fill("#search", "resize_mig")
    visible = [li.get_attribute("data-pair") for li in page.locator("#pairs li.match").all()]
    assert visible == [
        "active/resize_migrating",
        "active/resize_migrated",
        "stopped/resize_migrating",
        "stopped/resize_migrated",
    ]
    page.fill("#search", "hard_reboot")
    matches = page.locator("#statuses .chip.match").all()
    assert [c.get_attribute("data-status") for c in matches] == ["HARD_REBOOT"]
    assert "q=hard_reboot" in page.url
    shoot(page, "6-search")


def test_a_status_is_picked_with_the_keyboard_and_its_pairs_are_marked(page: Any) -> None:
    page.goto(page.base_url)
    page.focus('#statuses [data-status="PAUSED"]')
    page.keyboard.press("Enter")
    assert page.text_content("#current-status") == "PAUSED"
    assert page.text_content("#current-pair") == "paused"
    listed = {li.get_attribute("data-pair") for li in page.locator("#pairs li").all()}
    marked = {li.get_attribute("data-pair") for li in page.locator("#pairs li.same").all()}
    expected = {vm.value if task is None else f"{vm.value}/{task.value}" for vm, task in pairs_for("PAUSED")}
    assert marked == expected & listed
    assert "paused" in marked


def test_a_link_with_unknown_names_says_so_and_lists_the_choices(page: Any, shoot: Any) -> None:
    page.goto(page.base_url + "#dialect=aws&settings=fast&state=bogus&op=pause")
    notice = page.text_content("#notice")
    assert 'unknown dialect "aws" (valid: nova, huawei-ecs)' in notice
    assert 'unknown settings "fast"' in notice
    assert "reclaim_instance_interval=3600" in notice
    assert 'unknown state "bogus"' in notice
    assert "SHUTOFF" in notice
    assert page.text_content("#current-status") == "ACTIVE"
    assert page.locator("#walk").is_hidden()  # pause is legal in ACTIVE, but the link asked from another state
    shoot(page, "7-bad-link")
    page.goto(page.base_url + "#state=SHUTOFF&op=pause")  # a status names its resting pair
    assert page.text_content("#current-pair") == "stopped"
    assert 'operation "pause" is not accepted in stopped (accepted: hard_reboot' in page.text_content("#notice")
    page.click('#pairs li[data-pair="paused"]')
    assert page.locator("#notice").is_hidden()
