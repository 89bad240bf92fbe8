"""Every committed ``.mmd`` renders with the real Mermaid renderer, not only parses in our own reader.

``scripts/_setup_browser`` installs ``@mermaid-js/mermaid-cli`` from npm into the
ignored ``.cache/node`` and Debian's chromium. Two checks share that install:

- every ``.mmd`` goes through the ``mermaid`` library mermaid-cli ships (the
  renderer ``mmdc`` loads), in one Chromium page: ``mmdc`` opens a fresh page and
  reloads Mermaid for each diagram (about 1.5 s each), too slow for ~50 files in CI;
- ``mmdc`` itself renders a batch of diagrams (a Markdown file with several
  mermaid blocks, one process), so the command-line path users run works too.
  ``LIFECYCLE_MMDC_ALL=1`` makes that batch every file (about 1.5 s a diagram).

Each SVG must hold one state per ``%% node`` line of the source and one arrow
per ``-->``: a diagram Mermaid silently drops parts of fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _helpers import CHROMIUM, CHROMIUM_FLAGS

from lifecycle.diagrams import docset

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = Path(os.environ.get("LIFECYCLE_NODE_DIR", ROOT / ".cache" / "node"))
MMDC = NODE_DIR / "node_modules" / ".bin" / "mmdc"
MERMAID_JS = NODE_DIR / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CLI_BATCH = ("nova/overview.mmd", "huawei-ecs/overview.mmd", "nova/operations/resize.mmd")

pytestmark = pytest.mark.skipif(
    not (MMDC.exists() and MERMAID_JS.exists() and Path(CHROMIUM).is_file()),
    reason=f"needs mermaid-cli in {NODE_DIR} and Chromium at {CHROMIUM}: run `. scripts/_setup_browser` (npm, apt)",
)


def sources() -> dict[str, str]:
    """Every Mermaid file of the documentation set, as ``lifecycle docs`` generates it now."""
    return {rel: data.decode() for rel, data in sorted(docset.build().text.items()) if rel.endswith(".mmd")}


def check_svg(rel: str, source: str, svg: str) -> None:
    assert svg.lstrip().startswith("<svg"), rel
    assert "Syntax error" not in svg, rel
    wanted = set(re.findall(r"^    %% node (\S+) = ", source, re.M))
    drawn = set(re.findall(r'<g class="node[^"]*" id="[\w-]*?-state-(\S+?)-\d+"', svg))
    assert wanted <= drawn, (rel, sorted(wanted - drawn))
    arrows = len(re.findall(r"^    \S+ --> \S+", source, re.M))
    assert len(re.findall(r'<path [^>]*class="[^"]*\btransition\b', svg)) == arrows, rel


def test_every_mmd_renders_with_mermaids_renderer(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    files = sources()
    assert len(files) > 40
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        page = context.new_page()
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.add_script_tag(path=str(MERMAID_JS))
        rendered: list[dict[str, Any]] = page.evaluate(
            """async (sources) => {
                mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
                const out = [];
                for (const [i, text] of sources.entries()) {
                    try { out.push({ svg: (await mermaid.render("d" + i, text)).svg }); }
                    catch (e) { out.push({ error: String(e && e.message || e) }); }
                }
                return out;
            }""",
            list(files.values()),
        )
        context.close()
    errors = {rel: r["error"] for rel, r in zip(files, rendered, strict=True) if "error" in r}
    assert errors == {}
    for (rel, source), result in zip(files.items(), rendered, strict=True):
        check_svg(rel, source, result["svg"])


def test_mmdc_renders_a_batch_in_one_process(tmp_path: Path) -> None:
    files = sources()
    batch = list(files) if os.environ.get("LIFECYCLE_MMDC_ALL") == "1" else list(CLI_BATCH)
    blocks = [f"## {rel}\n\n```mermaid\n{files[rel]}```\n" for rel in batch]
    (tmp_path / "batch.md").write_text("\n".join(blocks))
    config = {"executablePath": CHROMIUM, "args": CHROMIUM_FLAGS}
    (tmp_path / "puppeteer.json").write_text(json.dumps(config))
    run = subprocess.run(
        [str(MMDC), "--quiet", "-p", "puppeteer.json", "-i", "batch.md", "-o", "out.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    assert run.returncode == 0, run.stderr
    for index, rel in enumerate(batch, start=1):
        check_svg(rel, files[rel], (tmp_path / f"out-{index}.svg").read_text())
    assert "![diagram](./out-1.svg)" in (tmp_path / "out.md").read_text()
