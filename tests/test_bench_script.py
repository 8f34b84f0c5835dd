"""Smoke tests of scripts/bench_env.py: it runs, prints a table, and skips missing peers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_env.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_env", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_prints_a_row_per_env_with_positive_throughput() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--instances", "ft06", "--seconds", "0.2", "--no-peers", "--batch", "8"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in result.stdout.splitlines()]
    rows = [row for row in rows if len(row) == 6]
    header, body = rows[0], rows[2:]  # rows[1] is the Markdown separator
    column = header.index("episodes/s")
    ft06 = [row for row in body if row[0] == "ft06"]
    assert {row[1] for row in ft06} == {"schedrl (gym.make)", "schedrl (unwrapped)", "schedrl batched x8"}
    assert all(float(row[column].replace(",", "")) > 0 for row in ft06)
    assert "--no-peers" in result.stdout


def test_a_missing_peer_is_skipped_with_the_install_hint() -> None:
    bench = load_script()
    missing = bench.Peer("not-a-peer", "no_such_module_for_bench_test", bench.jssenv_episode)
    usable, notes = bench.installed_peers((missing,))
    assert usable == []
    assert len(notes) == 1 and "skipped" in notes[0] and "scripts/setup.sh dev,wandb,bench" in notes[0]
