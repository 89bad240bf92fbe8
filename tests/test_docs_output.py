"""``lifecycle docs --out`` and ``diagram -o`` never destroy what they did not write.

Every path here is inside pytest's ``tmp_path``. Rendering is replaced by fixed
bytes (``pipe_many``) where only the file bookkeeping is under test.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from lifecycle.cli import main
from lifecycle.diagrams import docset
from lifecycle.diagrams.output import OutputRefusedError


@pytest.fixture(autouse=True)
def fast_render(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(jobs: Iterable[tuple[str, str]]) -> list[bytes]:
        return [f"<{fmt}>".encode() for _, fmt in jobs]

    monkeypatch.setattr(docset, "pipe_many", fake)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_folder_that_is_not_a_set_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out .`` in a clone deleted 159 files; now a non-empty folder without a manifest is refused."""
    clone = tmp_path / "clone"
    (clone / "docs").mkdir(parents=True)
    (clone / "README.md").write_text("# my project\n")
    (clone / "docs" / "guide.md").write_text("guide\n")
    (clone / "docs" / "figure.svg").write_text("<svg/>")
    (clone / "setup.py").write_text("")
    before = _tree(clone)
    assert main(["docs", "--out", str(clone)]) == 2
    err = capsys.readouterr().err
    assert "is not a documentation set" in err
    assert "Traceback" not in err
    assert _tree(clone) == before


def test_only_files_the_manifest_lists_are_deleted(tmp_path: Path) -> None:
    out = tmp_path / "set"
    ds = docset.build(["nova"])
    docset.write(out, ds)
    manifest = json.loads((out / docset.MANIFEST).read_text())
    assert manifest["files"] == sorted(ds.paths)
    # an operation that left the model (listed in the manifest) and a user's own files (not listed)
    (out / "nova/operations/gone.svg").write_text("old")
    manifest["files"].append("nova/operations/gone.svg")
    (out / docset.MANIFEST).write_text(json.dumps(manifest))
    (out / "nova/operations/mine.svg").write_text("mine")
    (out / "nova/notes.md").write_text("mine")
    docset.write(out, ds)
    assert not (out / "nova/operations/gone.svg").exists()
    assert (out / "nova/operations/mine.svg").read_text() == "mine"
    assert (out / "nova/notes.md").read_text() == "mine"
    assert "nova/operations/gone.svg" not in json.loads((out / docset.MANIFEST).read_text())["files"]


def test_a_set_written_before_manifests_is_adopted(tmp_path: Path) -> None:
    """A folder holding only files the set writes (the committed diagrams/ before this change) is recognised."""
    out = tmp_path / "legacy"
    ds = docset.build()
    for rel in ds.paths[:20]:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(b"old")
    docset.write(out, ds)
    assert (out / docset.MANIFEST).is_file()
    assert docset.check(out, ds) == []


def test_a_manifest_cannot_point_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "set"
    out.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_text("keep")
    (out / docset.MANIFEST).write_text(json.dumps({"files": ["../victim.md"]}))
    with pytest.raises(OutputRefusedError, match="not a manifest"):
        docset.write(out, docset.build(["nova"]))
    assert victim.read_text() == "keep"


def test_nothing_is_written_through_a_symbolic_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "overview.dot").write_text("precious")
    out = tmp_path / "set"
    docset.write(out, docset.build(["nova"]))
    shutil.rmtree(out / "nova")
    (out / "nova").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputRefusedError, match="symbolic link"):
        docset.write(out, docset.build(["nova"]))
    assert _tree(elsewhere) == {"overview.dot": b"precious"}

    out2 = tmp_path / "set2"
    docset.write(out2, docset.build(["nova"]))
    target = tmp_path / "outside.md"
    target.write_text("precious")
    (out2 / "nova/status.md").unlink()
    (out2 / "nova/status.md").symlink_to(target)
    with pytest.raises(OutputRefusedError, match="symbolic link"):
        docset.write(out2, docset.build(["nova"]))
    assert target.read_text() == "precious"

    linked = tmp_path / "linked"
    linked.symlink_to(out2, target_is_directory=True)
    assert main(["docs", "--out", str(linked), "--dialect", "nova"]) == 2


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while replacing a file leaves the old file whole and no temporary file behind."""
    out = tmp_path / "set"
    docset.write(out, docset.build(["nova"]))
    (out / "nova/status.md").write_text("old contents")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        docset.write(out, docset.build(["nova"]))
    assert (out / "nova/status.md").read_text() == "old contents"
    assert not [p for p in out.rglob("*.tmp")]


def test_diagram_output_refuses_non_regular_files_and_says_when_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("precious")
    link = tmp_path / "link.dot"
    link.symlink_to(target)
    assert main(["diagram", "--format", "dot", "-o", str(link)]) == 2
    assert target.read_text() == "precious"
    assert "symbolic link" in capsys.readouterr().err

    folder = tmp_path / "folder.dot"
    folder.mkdir()
    assert main(["diagram", "--format", "dot", "-o", str(folder)]) == 2
    assert "a directory" in capsys.readouterr().err

    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.dot"
        os.mkfifo(fifo)
        assert main(["diagram", "--format", "dot", "-o", str(fifo)]) == 2  # refused, not blocked on open
        assert "a FIFO" in capsys.readouterr().err

    out = tmp_path / "overview.dot"
    assert main(["diagram", "-o", str(out)]) == 0
    assert "replaced" not in capsys.readouterr().err
    assert main(["diagram", "-o", str(out)]) == 0
    assert f"replaced the existing file {out}" in capsys.readouterr().err
    assert out.read_text().startswith("digraph")
