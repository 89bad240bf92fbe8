"""Diagrams and tables are checked against the machine they are drawn from."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle.cli import main
from lifecycle.diagrams import docset, model, tables
from lifecycle.diagrams.dot import to_dot
from lifecycle.diagrams.mermaid import mermaid_id, to_mermaid
from lifecycle.diagrams.render import GraphvizMissingError, render
from lifecycle.model import dialects
from lifecycle.model.blueprint import ADVANCE, FAIL, NEW, blueprint, pair_name, profiles
from lifecycle.model.machine import machine_for
from lifecycle.model.states import VmState
from lifecycle.model.table import table_for

DIALECTS = ("nova", "huawei-ecs")
ROOT = Path(__file__).resolve().parent.parent

_ID = r'"(?:[^"\\]|\\.)*"|[\w]+'
_EDGE = re.compile(rf"^\s*({_ID}) -> ({_ID}) \[(.*)\]$")
_NODE = re.compile(rf"^\s*({_ID}) \[(.*)\]$")
_TOOLTIP = re.compile(r'tooltip=(?:"((?:[^"\\]|\\.)*)"|([^\s\]"]+))')


def _unquote(ident: str) -> str:
    return ident[1:-1].replace('\\"', '"') if ident.startswith('"') else ident


def parse_dot(text: str) -> tuple[dict[str, set[str]], list[tuple[str, str, set[str]]]]:
    """Nodes ``{id: states it stands for}`` and edges ``(tail, head, triggers)`` read back from DOT text."""
    nodes: dict[str, set[str]] = {}
    edges: list[tuple[str, str, set[str]]] = []
    for line in text.splitlines():
        if m := _EDGE.match(line):
            tip = _TOOLTIP.search(m.group(3))
            assert tip is not None, line
            edges.append((_unquote(m.group(1)), _unquote(m.group(2)), set((tip.group(1) or tip.group(2)).split(" | "))))
        elif (m := _NODE.match(line)) and (tip := _TOOLTIP.search(m.group(2))):
            nodes[_unquote(m.group(1))] = set((tip.group(1) or tip.group(2)).split(","))
    return nodes, edges


def parse_mermaid(text: str) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Nodes ``{mermaid id: states}`` (from the ``%% node`` lines) and arrows ``(tail, head, label)``."""
    nodes = {m[1]: set(m[2].split(",")) for m in re.finditer(r"^    %% node (\S+) = (\S+)$", text, re.M)}
    arrows = [(m[1], m[2], m[3] or "") for m in re.finditer(r"^    (\S+) --> (\S+)(?: : (.*))?$", text, re.M)]
    return nodes, arrows


def machine_transitions(dialect: str) -> Iterator[tuple[str, str, str]]:
    """``(source, dest, trigger)`` for every transition of the runtime machine (default settings)."""
    machine = machine_for(dialect)
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                yield source, transition.dest, name


@pytest.mark.parametrize("dialect", DIALECTS)
def test_full_dot_has_every_state_and_transition(dialect: str) -> None:
    """Every state and every transition of the machine is an element of the full DOT, and nothing else is."""
    nodes, edges = parse_dot(to_dot(model.full(dialect)))
    machine = machine_for(dialect)
    drawn_states = {state for states in nodes.values() for state in states}
    assert set(machine.states) <= drawn_states
    drawn = {
        (src, dst, trig) for tail, head, trigs in edges for src in nodes[tail] for dst in nodes[head] for trig in trigs
    }
    expected = set(machine_transitions(dialect))
    assert expected - drawn == set()
    # An "any" node stands for all its states; an arrow from it exists from each of them.
    assert drawn - expected == set()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_overview_matches_the_compiled_table(dialect: str) -> None:
    """Each operation a resting server accepts is drawn to the vm_state the machine settles in (default settings)."""
    diagram = model.overview(dialect)
    nodes, edges = parse_dot(to_dot(diagram))
    mmd_nodes, arrows = parse_mermaid(to_mermaid(diagram))
    notes = {n.id: " ".join(n.notes) for n in diagram.nodes}
    table = table_for(dialect)
    bp = blueprint(dialect)
    for vm in bp.dialect.vm_states:
        if (vm, None) not in bp.pairs:
            continue
        assert vm.value in nodes
        assert mermaid_id(vm.value) in mmd_nodes
        for trigger, landed in table.settle_row(table.node_for((vm, None))).items():
            if trigger in (ADVANCE, FAIL):
                continue
            dest = table.nodes[landed][0]
            assert dest is not None
            if dest is vm:
                assert re.search(rf"\b{trigger}\b", notes[vm.value]), (vm, trigger)
                continue
            via = {head for tail, head, trigs in edges if vm.value in nodes[tail] and trigger in trigs}
            assert dest.value in via or any((tail, dest.value) in {(t, h) for t, h, _ in edges} for tail in via), (
                vm,
                trigger,
                dest,
            )
            assert any(
                vm.value in mmd_nodes.get(t, ()) and re.search(rf"\b{trigger}\b", label) for t, _, label in arrows
            ), (vm, trigger)


def test_overview_labels_guards_and_settings() -> None:
    """Guards and settings conditions are written on the arrows (``confirm_resize [powered off]``)."""
    text = to_dot(model.overview("nova"))
    assert "confirm_resize [powered off]" in text
    assert "confirm_resize [not powered off]" in text
    assert "reclaim_instance_interval != 0" in text  # SOFT_DELETED only with soft delete configured
    mermaid = to_mermaid(model.overview("nova"))
    assert "confirm_resize [powered off]" in mermaid
    assert "[*] --> s_building : create" in mermaid


@pytest.mark.parametrize("dialect", DIALECTS)
def test_operation_diagrams_hold_each_operation_edge(dialect: str) -> None:
    """Every request edge from a resting state, and every step it takes, is in that operation's DOT and Mermaid."""
    for op in dialects.get(dialect).operations:
        diagram = model.operation(dialect, op.name)
        nodes, edges = parse_dot(to_dot(diagram))
        drawn = {(s, d, t) for tail, head, trigs in edges for s in nodes[tail] for d in nodes[head] for t in trigs}
        mmd_nodes, arrows = parse_mermaid(to_mermaid(diagram))
        mmd = {(s, d) for t, h, _ in arrows for s in mmd_nodes.get(t, {NEW}) for d in mmd_nodes[h]}
        for settings in profiles():
            for edge in blueprint(dialect, settings).edges:
                if edge.trigger == op.name and edge.source[1] is None:
                    key = (pair_name(edge.source), pair_name(edge.dest))
                    assert (*key, op.name) in drawn, (op.name, key, settings)
                    assert key in mmd, (op.name, key)


def test_resize_diagram_shows_statuses_and_what_follows() -> None:
    """resize walks its four tasks showing RESIZE, ends VERIFY_RESIZE, then confirm/revert lead back."""
    diagram = model.operation("nova", "resize")
    titles = {n.id: n.title for n in diagram.nodes}
    assert titles["active.resize_prep"] == "RESIZE"
    assert titles["resized"] == "VERIFY_RESIZE"
    followups = {t for link in diagram.links if link.kind == "followup" for t in link.triggers}
    assert followups == {"confirm_resize", "revert_resize"}


def test_output_is_deterministic_across_processes() -> None:
    """A fresh interpreter with another hash seed writes the same DOT and Mermaid bytes."""
    code = (
        "import sys; from lifecycle.diagrams import model, dot, mermaid; "
        "sys.stdout.write(dot.to_dot(model.full('nova')) + mermaid.to_mermaid(model.overview('huawei-ecs')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out == to_dot(model.full("nova")) + to_mermaid(model.overview("huawei-ecs"))


def test_legality_table_follows_the_model() -> None:
    """The matrix says pause is not accepted from SHUTOFF (Nova's hand-drawn doc says it is; the code says no)."""
    legal = tables.legality(dialects.get("nova"))
    assert VmState.STOPPED not in legal["pause"]
    assert legal["pause"] == {VmState.ACTIVE}
    row = next(line for line in tables.legality_table(dialects.get("nova")) if line.startswith("| `pause` |"))
    assert row.count("✓") == 1


def test_difference_table_lists_status_and_operation_differences() -> None:
    """nova vs huawei-ecs: PAUSED is UNKNOWN on Huawei; pause is Nova's only, reinstall_os Huawei's, resize differs."""
    text = "\n".join(tables.differences(dialects.get("nova"), dialects.get("huawei-ecs")))
    assert "| `paused` | — | PAUSED | UNKNOWN |" in text
    assert "| `pause` | yes | no |  |  |" in text
    assert "| `reinstall_os` | no | yes |  |  |" in text
    assert "| `resize` | yes | yes | active |  |" in text


def _write_text_only(out: Path, ds: docset.DocSet) -> None:
    for rel, data in ds.text.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    for rel in ds.images:
        (out / rel).write_bytes(b"image")  # image bytes are not compared


def test_docs_check_catches_changed_missing_and_extra_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``lifecycle docs --check`` exits 0 on a current set and 1 naming each stale file."""
    _write_text_only(tmp_path, docset.build(["nova"]))
    args = ["docs", "--check", "--out", str(tmp_path), "--dialect", "nova"]
    assert main(args) == 0
    (tmp_path / "nova/overview.dot").write_text("digraph changed {}\n")
    (tmp_path / "nova/operations/resize.svg").unlink()
    (tmp_path / "nova/operations/gone.mmd").write_text("old")
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "nova/overview.dot: changed" in err
    assert "nova/operations/resize.svg: missing" in err
    assert "nova/operations/gone.mmd: not generated" in err


def test_committed_diagrams_are_current() -> None:
    """The repository's diagrams/ matches the model (the same check CI runs)."""
    assert docset.check(ROOT / "diagrams", docset.build()) == []


def test_without_dot_svg_fails_with_one_line_and_text_formats_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no Graphviz on PATH, svg says how to install it (exit 2, no traceback); dot and mermaid still work."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissingError, match="install Graphviz"):
        render(model.overview("nova"), "svg")
    assert main(["diagram", "--format", "png", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "apt-get install graphviz" in err
    assert main(["diagram", "--kind", "operation", "--operation", "resize", "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("---\ntitle:")


def test_cli_writes_svg_and_rejects_bad_requests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``lifecycle diagram`` infers the format from -o, and names the valid choices on bad input."""
    out = tmp_path / "resize.svg"
    assert main(["diagram", "--operation", "resize", "-o", str(out)]) == 0
    assert out.read_bytes().lstrip().startswith(b"<?xml")
    assert main(["diagram", "--operation", "resise", "--format", "dot"]) == 2
    assert "Did you mean 'resize'" in capsys.readouterr().err
    assert main(["diagram", "--kind", "full", "--format", "mermaid"]) == 2
    assert main(["diagram", "--kind", "operation", "--format", "dot"]) == 2


def test_a_partial_set_leaves_the_other_dialects_alone(tmp_path: Path) -> None:
    """`docs --dialect nova` writes and checks nova's folder only: huawei-ecs files and the index survive."""
    assert main(["docs", "--out", str(tmp_path / "d"), "--dialect", "nova", "--dialect", "huawei-ecs"]) == 0
    _write_text_only(tmp_path / "full", docset.build())
    before = sorted(p.relative_to(tmp_path / "full").as_posix() for p in (tmp_path / "full").rglob("*"))
    assert main(["docs", "--check", "--out", str(tmp_path / "full"), "--dialect", "nova"]) == 0
    docset.write(tmp_path / "full", docset.build(["nova"]))
    after = sorted(p.relative_to(tmp_path / "full").as_posix() for p in (tmp_path / "full").rglob("*"))
    assert [p for p in before if p.startswith("huawei-ecs/")] == [p for p in after if p.startswith("huawei-ecs/")]
    assert "README.md" in after


def test_docs_bad_out_paths_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming a file, or a missing set under --check, is a one-line error, not a traceback."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["docs", "--out", str(afile)]) == 2
    assert main(["docs", "--check", "--out", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "is not a directory" in err
    assert "has no documentation set" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "x.jpg"],
        ["--format", "svg", "-o", "y.png"],
        ["--kind", "full", "--operation", "resize"],
        ["--operation", ""],
    ],
    ids=str,
)
def test_diagram_option_conflicts_are_refused(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name that contradicts the format, or options that contradict each other, exit 2."""
    monkeypatch.chdir(tmp_path)
    assert main(["diagram", *args]) == 2
