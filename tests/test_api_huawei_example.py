"""The copyable pytest example of docs/huawei-ecs.md passes when run as a user would run it."""

from __future__ import annotations

import importlib.util
import pathlib
import re

import pytest
from _helpers import run_pytest_in

ROOT = pathlib.Path(__file__).parent.parent
DOC = ROOT / "docs" / "huawei-ecs.md"
MARK = "<!-- ecs-pytest-example"


def example() -> str:
    """The ```python block right after the marker comment."""
    text = DOC.read_text()
    start = text.index(MARK)
    found = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert found is not None, f"no python block after {MARK!r} in {DOC}"
    return found.group(1)


def test_doc_example_passes(tmp_path: pathlib.Path) -> None:
    if importlib.util.find_spec("huaweicloudsdkecs") is None:
        pytest.skip("Huawei's SDK is not installed: pip install 'server-lifecycle[huawei]'")
    (tmp_path / "test_ecs_example.py").write_text(example())
    done = run_pytest_in(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout
