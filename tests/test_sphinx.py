"""``lifecycle.sphinx`` in a tiny Sphinx project built in a temporary folder."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from sphinx.application import Sphinx

CONF = 'extensions = ["lifecycle.sphinx"]\ngraphviz_output_format = "svg"\n'
INDEX = """\
Servers
=======

.. lifecycle-diagram::
   :dialect: nova

.. lifecycle-diagram::
   :dialect: huawei-ecs
   :kind: full
   :caption: Every state of an ECS

.. lifecycle-operation:: resize

.. lifecycle-status-table::
   :dialect: nova
"""


def build(tmp_path: Path, index: str) -> tuple[str, str]:
    """Build ``index`` to HTML; the page and the warnings."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(index)
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "html", status=None, warning=warnings)
    app.build()
    return (out / "index.html").read_text(encoding="utf-8"), warnings.getvalue()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' renders them (scripts/_setup installs it)")
def test_directives_render_diagrams_and_a_status_table(tmp_path: Path) -> None:
    html, warnings = build(tmp_path, INDEX)
    assert warnings == ""
    images = re.findall(r'<object data="(_images/graphviz-[0-9a-f]+\.svg)"', html)
    assert len(images) == 3
    svgs = [(tmp_path / "out" / image).read_text() for image in images]
    assert all("<svg" in svg for svg in svgs)
    # the operation diagram shows resize's task states (nova/compute/task_states.py, manager.py:_resize_instance)
    assert "resize_migrating" in svgs[2]
    assert "VERIFY_RESIZE" in svgs[2]
    assert "Every state of an ECS" in html
    # rows of Nova's _STATE_MAP (nova/api/openstack/common.py): rebooting shows REBOOT, a resized server VERIFY_RESIZE
    cells = re.findall(r"<tr[^>]*>\s*<td><p>([^<]*)</p></td>\s*<td><p>([^<]*)</p></td>\s*<td><p>([^<]*)</p></td>", html)
    assert ("active", "rebooting", "REBOOT") in cells
    assert ("resized", "—", "VERIFY_RESIZE") in cells
    assert ("stopped", "powering-on", "SHUTOFF") in cells
    assert len(cells) > 100


def test_a_bad_name_is_an_error_naming_the_choices(tmp_path: Path) -> None:
    index = "Bad\n===\n\n.. lifecycle-operation:: rezise\n\n.. lifecycle-status-table::\n   :dialect: aws\n"
    html, warnings = build(tmp_path, index)
    assert "lifecycle-operation" in warnings
    assert "'rezise'" in warnings
    assert "resize" in warnings.split("'rezise'", 1)[1]
    assert "'aws'" in warnings
    assert "huawei-ecs" in warnings
    assert "<table" not in html
