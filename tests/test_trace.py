"""check_trace(): polled server states judged against the model, whatever the input looks like."""

from __future__ import annotations

import io
import json
import pathlib

import pytest

from lifecycle import Fleet, TraceReport, check_trace

V, T, P = "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"


def srv(sid: str, status: str, vm: str | None = None, task: str | None = None, power: int | None = None) -> dict:
    """A server object as GET /servers/{id} returns it (only the fields given)."""
    out: dict[str, object] = {"id": sid, "status": status}
    if vm is not None:
        out.update({V: vm, T: task})
    if power is not None:
        out[P] = power
    return out


def test_polled_changes_are_explained_by_the_shortest_operations() -> None:
    """Each change gets its shortest explanation; repeated polls are not changes."""
    report = check_trace(
        [
            srv("a", "ACTIVE", "active"),
            srv("a", "ACTIVE", "active"),
            srv("a", "SHUTOFF", "stopped", power=4),
            srv("a", "RESIZE", "stopped", "resize_migrating"),
            srv("a", "VERIFY_RESIZE", "resized", power=4),
            srv("a", "SHUTOFF", "stopped"),
        ]
    )
    assert report.ok
    assert [(c.line, c.explanation) for c in report.changes] == [
        (3, ("stop",)),
        (4, ("resize",)),
        (5, ()),
        (6, ("confirm_resize",)),
    ]


def test_unexplained_change_is_reported_with_its_line() -> None:
    """SHELVED_OFFLOADED -> RESIZE needs two requests: unexplained with one, explained with any number."""
    trace = [srv("b", "SHELVED_OFFLOADED", "shelved_offloaded"), srv("b", "RESIZE", "active", "resize_prep")]
    report = check_trace(trace)
    assert not report.valid
    assert not report.ok
    (change,) = report.unexplained
    assert change.line == 2
    assert change.previous_line == 1
    assert change.server_id == "b"
    assert "no path" in change.note
    assert "UNEXPLAINED" in str(change)
    assert check_trace(trace, max_operations=None).changes[0].explanation == ("unshelve", "resize")


def test_interleaved_servers_are_judged_separately() -> None:
    """Changes are per id: a's stop does not explain b."""
    report = check_trace(
        [srv("a", "ACTIVE"), srv("b", "SHUTOFF"), srv("a", "SHUTOFF"), srv("b", "BUILD"), srv("b", "SHUTOFF")]
    )
    assert report.servers["a"].ok
    assert not report.servers["b"].ok
    assert [c.line for c in report.unexplained] == [4]


def test_status_only_observations_consider_every_pair() -> None:
    """With only status, any pair showing it is a candidate; a running task is named when it explains the change."""
    report = check_trace([srv("a", "REBOOT"), srv("a", "ACTIVE"), srv("a", "SHUTOFF")])
    first, second = report.changes
    assert first.explanation == ()
    assert first.in_progress == "reboot"
    assert second.explanation == ("stop",)
    assert second.in_progress is None


def test_delete_then_404_is_fine_and_nothing_comes_back() -> None:
    """A 404 body after a delete is the server being gone; a server seen again after that is not explained."""
    gone = {"itemNotFound": {"code": 404, "message": "Instance a could not be found."}}
    assert check_trace([srv("a", "ACTIVE", "active"), gone]).changes[0].explanation == ("delete",)
    assert not check_trace([srv("a", "DELETED", "deleted"), srv("a", "ACTIVE", "active")]).valid


def test_soft_deleted_needs_the_setting() -> None:
    """SOFT_DELETED is no state under default settings; with reclaim_instance_interval it is."""
    trace = [srv("a", "ACTIVE"), srv("a", "SOFT_DELETED")]
    assert "no state of the nova model" in check_trace(trace).unexplained[0].note
    assert check_trace(trace, reclaim_instance_interval=3600).ok


def test_power_state_breaks_ties_but_never_rules_a_state_out() -> None:
    """A resized server powered off confirms to SHUTOFF; seen ACTIVE next, its power came back on its own.

    Nova's power_state moves without a request (the guest, the power-state sync,
    manager.py:_sync_instance_power_state), so it cannot make a change unexplained.
    """
    off = srv("a", "VERIFY_RESIZE", "resized", power=4)
    on = srv("a", "VERIFY_RESIZE", "resized", power=1)
    assert check_trace([on, srv("a", "ACTIVE", "active")]).changes[0].explanation == ("confirm_resize",)
    assert check_trace([off, srv("a", "SHUTOFF", "stopped")]).changes[0].explanation == ("confirm_resize",)
    assert check_trace([off, srv("a", "ACTIVE", "active")]).valid


def test_the_issues_reproduction_validates() -> None:
    """Issue 12: a guest shutdown, then a reboot that fails, left a log the checker rejected."""
    fleet = Fleet(seed=3)
    server = fleet.create("web", vm_state="active")
    fleet.guest_shutdown(server)
    fleet.inject_failure("reboot", server=server)
    server.reboot()
    fleet.run_until_idle()
    report = check_trace(fleet.events.to_jsonl())
    assert report.ok, report.unexplained
    assert [c.explanation for c in report.changes] == [("reboot",), ("fail",)]


def test_a_rescheduled_build_is_explained() -> None:
    """A build that fails on its host goes back to scheduling (manager.py:_do_build_and_run_instance,
    RescheduledException: ``instance.task_state = task_states.SCHEDULING``)."""
    trace = [
        srv("a", "BUILD", "building", "scheduling"),
        srv("a", "BUILD", "building", "spawning"),
        srv("a", "BUILD", "building", "scheduling"),
        srv("a", "BUILD", "building", "networking"),
        srv("a", "ACTIVE", "active"),
    ]
    report = check_trace(trace)
    assert report.ok, report.unexplained
    assert report.changes[1].explanation == ("fail:reschedule",)  # the model's failure kind (issue 11)
    assert not check_trace([srv("a", "ACTIVE", "active"), srv("a", "BUILD", "building", "scheduling")]).valid


def test_resets_are_the_last_resort() -> None:
    """ERROR -> ACTIVE stays a hard reboot (a request) even when resets may explain changes;
    a deleting build seen ACTIVE next is only os-resetState (admin_actions.py:_reset_state)."""
    trace = [srv("a", "ERROR", "error"), srv("a", "ACTIVE", "active")]
    assert check_trace(trace, resets=True).changes[0].explanation == ("hard_reboot",)
    reset = [srv("a", "BUILD", "building", "deleting"), srv("a", "ACTIVE", "active")]
    assert not check_trace(reset).valid
    assert check_trace(reset, resets=True).changes[0].explanation == ("reset_active",)


def _lines(*objs: object) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n"


def test_malformed_lines_are_reported_and_the_rest_is_checked() -> None:
    """Bad JSON, non-objects, missing status, unknown names: each a problem with its line; good lines still count."""
    text = _lines(
        srv("a", "ACTIVE"),
        '{"id": "a", "status": ',
        "42",
        '"ACTIVE"',
        {"id": "a"},
        {"id": "a", "status": 3},
        {"id": "a", "status": "ACTIV"},
        {"id": "a", "status": "ACTIVE", V: "stopped", T: None},
        {"id": "a", "status": "ACTIVE", V: "sleeping", T: None},
        "",
        srv("a", "SHUTOFF"),
    )
    report = check_trace(text)
    lines = {p.line: p.message for p in report.problems}
    assert sorted(lines) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert lines[2].startswith("malformed JSON")
    assert "not a JSON object" in lines[3]
    assert "not a JSON object" in lines[4]
    assert lines[5] == "missing 'status'"
    assert "Did you mean 'ACTIVE'" in lines[7]
    assert "contradicts" in lines[8]
    assert "vm_state" in lines[9]
    assert report.valid
    assert not report.ok
    assert report.changes[0].line == 11
    assert report.changes[0].explanation == ("stop",)


@pytest.mark.parametrize("text", ["", "   \n\n", "[]"])
def test_empty_input_is_a_problem(text: str) -> None:
    """No observations at all is bad input, not a valid trace."""
    report = check_trace(text)
    assert not report.ok
    assert report.problems[0].message.startswith("empty input")


def test_json_array_pretty_stream_bytes_paths_and_files(tmp_path: pathlib.Path) -> None:
    """Arrays, concatenated pretty objects (server show -f json in a loop), bytes, paths and files all read alike."""
    objs = [srv("a", "ACTIVE"), srv("a", "SHUTOFF")]
    pretty = "".join(json.dumps(o, indent=2) + "\n" for o in objs)
    array = json.dumps(objs, indent=2)
    path = tmp_path / "t.json"
    path.write_text(pretty)
    for source in (objs, array, pretty, pretty.encode(), path, io.StringIO(array), _lines(*objs), _lines(objs)):
        report = check_trace(source)  # type: ignore[arg-type]
        assert report.ok, source
        assert report.changes[0].explanation == ("stop",)
    assert [c.line for c in check_trace(pretty).changes] == [5]
    assert [c.line for c in check_trace(array).changes] == [6]


def test_pretty_stream_recovers_after_a_broken_object() -> None:
    """A broken pretty-printed object is one problem; the next object is still read."""
    text = '{\n  "id": "a",\n  "status": \n}\n' + json.dumps(srv("a", "ACTIVE"), indent=2) + "\n"
    report = check_trace(text)
    # one line number: where the parser stopped (the "}" after "status": on line 4), with its column
    assert [str(p) for p in report.problems] == ["line 4: malformed JSON: Expecting value (column 1)"]
    assert report.observations == 1


def test_openstack_client_output_is_understood() -> None:
    """`openstack server show -f json` prints power_state as a name; wrapped {"server": ...} bodies unwrap."""
    show = {"id": "a", "status": "SHUTOFF", V: "stopped", T: None, P: "Shutdown", "updated": "2026-01-01T00:00:02Z"}
    body = {"server": {"id": "a", "status": "ACTIVE", V: "active", T: None, P: 1, "updated": "2026-01-01T00:00:01Z"}}
    report = check_trace([body, show])
    assert report.ok
    change = report.changes[0]
    assert (change.updated_before, change.updated) == ("2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z")
    assert json.loads(json.dumps(report.as_dict()))["servers"][0]["changes"][0]["explanation"] == ["stop"]


def test_ten_megabyte_trace(tmp_path: pathlib.Path) -> None:
    """A 10 MB JSON Lines trace of 200 interleaved servers (with a few bad lines) is checked in full."""
    cycle = [
        srv("", "ACTIVE", "active", None, 1),
        srv("", "ACTIVE", "active", "powering-off", 1),
        srv("", "SHUTOFF", "stopped", None, 4),
        srv("", "SHUTOFF", "stopped", "powering-on", 4),
        srv("", "ACTIVE", "active", None, 1),
        srv("", "REBOOT", "active", "rebooting", 1),
    ]
    padding = "x" * 60
    lines: list[str] = []
    size = 0
    step = 0
    while size < 10_000_000:
        for server in range(200):
            obj = dict(cycle[step % len(cycle)], id=f"server-{server:03d}", name=padding)
            line = json.dumps(obj)
            lines.append(line)
            size += len(line) + 1
        step += 1
    lines[1000] = "{broken"
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size >= 10_000_000
    report: TraceReport = check_trace(path)
    assert report.observations == len(lines) - 1
    assert [p.line for p in report.problems] == [1001]
    assert report.valid
    assert len(report.servers) == 200


def test_deleted_status_with_any_vm_state_is_the_server_deleted() -> None:
    """Nova shows DELETED whenever the instance is deleted, whatever its vm_state (views/servers.py:595-601)."""
    report = check_trace([srv("a", "ERROR", "error"), srv("a", "DELETED", "error")])
    assert report.ok, report.problems
    assert [c.explanation for c in report.changes] == [("delete",)]


def test_unknown_status_is_skipped_and_the_next_observation_compared_with_the_last_known() -> None:
    """A down cell's UNKNOWN carries no state: it is no change, and ACTIVE -> UNKNOWN -> SHUTOFF is a stop."""
    report = check_trace([srv("a", "ACTIVE"), srv("a", "UNKNOWN"), srv("a", "SHUTOFF"), srv("b", "UNKNOWN")])
    assert report.ok, report.unexplained
    assert [(c.line, c.before, c.after, c.explanation) for c in report.changes] == [(3, "ACTIVE", "SHUTOFF", ("stop",))]
    assert report.servers["a"].skipped == 1
    assert report.as_dict()["servers"][0]["skipped"] == 1
    assert report.servers["b"].skipped == 1
    assert report.servers["b"].changes == []


def test_a_single_dict_is_one_observation() -> None:
    """check_trace(one server object) checks that object instead of iterating its keys."""
    report = check_trace({"id": "a", "status": "ACTIVE"})
    assert report.ok, report.problems
    assert report.observations == 1
    assert report.servers["a"].last == "ACTIVE"


def test_a_str_naming_an_existing_file_is_read(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A str that is an existing file's path is read; JSON text still works; a missing file is named."""
    path = tmp_path / "servers.jsonl"
    path.write_text(json.dumps(srv("a", "ACTIVE")) + "\n" + json.dumps(srv("a", "SHUTOFF")) + "\n")
    report = check_trace(str(path))
    assert report.ok, report.problems
    assert [c.explanation for c in report.changes] == [("stop",)]
    monkeypatch.chdir(tmp_path)
    assert check_trace("servers.jsonl").ok
    assert check_trace('  {"id": "a", "status": "ACTIVE"}').ok
    missing = check_trace("nope.jsonl")
    assert [p.message for p in missing.problems] == [
        "malformed JSON, and no file named 'nope.jsonl' exists (pass JSON text or an existing file's path)"
    ]


def test_an_int_task_state_is_reported_like_an_int_vm_state() -> None:
    """task_state 5 is an unknown task_state, with or without a vm_state, as vm_state 5 is an unknown vm_state."""
    report = check_trace(
        [
            {"id": "a", "status": "ACTIVE", T: 5},
            {"id": "b", "status": "ACTIVE", V: "active", T: 5},
            {"id": "c", "status": "ACTIVE", V: 5},
        ]
    )
    assert [(p.line, p.message.split(".")[0]) for p in report.problems] == [
        (1, "unknown task_state 5"),
        (2, "unknown task_state 5"),
        (3, "unknown vm_state 5"),
    ]


@pytest.mark.parametrize("power", [True, False, 1.5, [1]], ids=repr)
def test_a_power_state_that_is_no_integer_code_or_name_is_reported(power: object) -> None:
    """Booleans and non-integral floats are not power_state codes: the message asks for an integer or a name."""
    report = check_trace([{"id": "a", "status": "ACTIVE", P: power}])
    assert [p.message for p in report.problems] == [
        f"'{P}' must be an integer 0-9 or its name (got {json.dumps(power)})"
    ]


def test_an_integral_float_power_state_is_its_code() -> None:
    """power_state 4.0 is SHUTDOWN (4), so it narrows like 4."""
    report = check_trace([srv("a", "ACTIVE", "active"), {"id": "a", "status": "SHUTOFF", P: 4.0}])
    assert report.ok, report.problems


@pytest.mark.parametrize("max_operations", [-1, "x", True, 1.5], ids=repr)
def test_max_operations_must_be_none_or_a_count(max_operations: object) -> None:
    """max_operations outside None / int >= 0 raises a ValueError that is a LifecycleError."""
    from lifecycle import LifecycleError

    with pytest.raises(ValueError, match="max_operations must be None or an int >= 0") as info:
        check_trace([srv("a", "ACTIVE")], max_operations=max_operations)  # type: ignore[arg-type]
    assert isinstance(info.value, LifecycleError)
