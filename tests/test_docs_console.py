"""The ``console`` blocks of the docs show what the CLI prints today.

Each ``$ lifecycle status|ops|check|plan ...`` line followed by output in a
```` ```console ```` block of README.md or docs/*.md is run and its stdout
compared line by line; a following ``$ echo $?`` is compared with the exit
code. Commands without output shown, or that read files or stdin, are not run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from lifecycle.cli import main

ROOT = Path(__file__).resolve().parent.parent
PURE = ("status", "ops", "check", "plan")  # need no file, no network


def _examples() -> list[tuple[str, str, list[str], int | None]]:
    """(file, command, expected stdout lines, expected exit code or None)."""
    found: list[tuple[str, str, list[str], int | None]] = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"^```console\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S):
            entries: list[tuple[str, list[str]]] = []
            for line in block.splitlines():
                if line.startswith("$ "):
                    entries.append((line[2:], []))
                elif entries:
                    entries[-1][1].append(line)
            for i, (command, output) in enumerate(entries):
                words = shlex.split(command, comments=True)
                if not output or words[:1] != ["lifecycle"] or words[1:2] not in ([p] for p in PURE):
                    continue
                if any(w in ("<", "|", "-") for w in words):
                    continue
                code = None
                if i + 1 < len(entries) and entries[i + 1][0].strip() == "echo $?":
                    code = int(entries[i + 1][1][0])
                found.append((path.name, command, output, code))
    return found


EXAMPLES = _examples()


def test_the_docs_have_examples_to_check() -> None:
    assert any(c == "lifecycle ops VERIFY_RESIZE" for _, c, _, _ in EXAMPLES)
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("doc", "command", "output", "code"), EXAMPLES, ids=[f"{d}: {c}" for d, c, _, _ in EXAMPLES])
def test_console_example_prints_what_the_docs_show(
    doc: str, command: str, output: list[str], code: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(shlex.split(command, comments=True)[1:])
    assert capsys.readouterr().out.splitlines() == output, f"{doc}: update the example of `{command}`"
    if code is not None:
        assert rc == code
