"""The benchmark scripts run (a smoke run each, a few seconds in all); their figures are not checked here.

Speed and memory targets are ratios against peers measured in the same run, so
they live in ``benchmarks/`` (see ``benchmarks/README.md``), never in timed
unit tests: these tests only prove that the scripts work and print their ratios.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:  # as when the script runs: its folder first, for the shared _measure
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_check_prints_ratios_to_its_peers(capsys: pytest.CaptureFixture[str]) -> None:
    """check() against the dict walk over states and bare transitions, on a short legal sequence."""
    assert _load("bench_check").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "peer: dict walk over states" in out
    assert "peer: bare transitions" in out
    assert "goal: check() at the dict floor" in out


def test_bench_fleet_prints_ratios_to_simpy(capsys: pytest.CaptureFixture[str]) -> None:
    """Both campaigns against SimPy, and memory per server, on a small fleet."""
    pytest.importorskip("simpy", reason="the bench extra (simpy) is not installed: pip install -e '.[bench]'")
    assert _load("bench_fleet").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "reboot + settle" in out
    assert "resize + confirm" in out
    assert "B/server" in out


def test_bench_cold_start_prints_ratios_to_status(capsys: pytest.CaptureFixture[str]) -> None:
    """Fresh processes of status and check, timed; the ratio line is printed."""
    assert _load("bench_cold_start").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "goal: check and diagram <= 1.5x status" in out
