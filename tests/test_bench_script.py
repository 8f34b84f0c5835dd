"""Smoke tests of scripts/bench_env.py: it runs, prints a table, and skips missing peers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

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


VM_SCRIPT = SCRIPT.with_name("bench_vm.py")


def markdown_tables(text: str) -> list[list[dict[str, str]]]:
    """The Markdown tables printed in `text`, each as rows of {column: cell}."""
    tables: list[list[dict[str, str]]] = []  # rows as {column: cell}
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not header:
            header = cells
            tables.append([])
        elif not cells[0].startswith("---"):
            tables[-1].append(dict(zip(header, cells, strict=True)))
    return tables


def test_vm_bench_prints_ratios_and_the_transformer_refusal() -> None:
    result = subprocess.run(
        [sys.executable, str(VM_SCRIPT), "--snapshots", "generated_280pm", "--reference", "ft06", "--seconds", "0.1",
         "--greedy-runs", "1", "--encoders", "gin", "transformer", "--scale-snapshots", "medium_279pm",
         "--decisions", "2", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    env_table, greedy_table, scale_table = markdown_tables(result.stdout)
    env_rows = {row["env"]: row for row in env_table}
    assert env_rows["JobShop-v0"]["ratio"] == "1.00"
    assert float(env_rows["VMReschedule-v0"]["decisions/s"].replace(",", "")) > 0
    assert env_rows["VMReschedule-v0"]["decisions/episode"] == "100"  # never stops early: 50 migrations x 2
    assert int(greedy_table[0]["migrations"]) <= 50
    scale = {row["encoder"]: row for row in scale_table}
    assert float(scale["gin"]["decision ms"]) > 0 and float(scale["gin"]["peak RSS MB"].replace(",", "")) > 0
    assert scale["transformer"]["decision ms"] == "refused" and "max_nodes" in scale["transformer"]["note"]


SOC_SCRIPT = SCRIPT.with_name("bench_soc.py")


def test_soc_bench_prints_ratios_and_latencies() -> None:
    result = subprocess.run(
        [sys.executable, str(SOC_SCRIPT), "--streams", "canonical", "--reference", "ft06", "--seconds", "0.1",
         "--policies", "etf", "gin", "--latency-streams", "canonical", "--decisions", "2", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    env_table, latency_table = markdown_tables(result.stdout)
    assert env_table[0]["env"] == "JobShop-v0" and env_table[0]["ratio"] == "1.00"
    modes = {row["mode"]: row for row in env_table[1:]}
    assert set(modes) == {"eft", "direct"} and all(row["nodes"] == "33" for row in modes.values())  # 3 x 10 + 3
    assert all(float(row["decisions/s"].replace(",", "")) > 0 for row in modes.values())
    latency = {row["policy"]: row for row in latency_table}
    assert set(latency) == {"etf", "gin"} and all(row["timed"] == "2" for row in latency.values())
    assert float(latency["gin"]["decision ms"]) > 0 and float(latency["gin"]["peak RSS MB"].replace(",", "")) > 0


EDGE_SCRIPT = SCRIPT.with_name("bench_edge.py")


def test_edge_bench_prints_ratios_and_latencies() -> None:
    result = subprocess.run(
        [sys.executable, str(EDGE_SCRIPT), "--scenarios", "e5", "--reference", "ft06", "--seconds", "0.1",
         "--policies", "weighted_greedy", "gin", "--latency-scenario", "e5", "--decisions", "2", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    env_table, latency_table = markdown_tables(result.stdout)
    assert env_table[0]["env"] == "JobShop-v0" and env_table[0]["ratio"] == "1.00"
    assert env_table[1]["scenario"] == "e5" and env_table[1]["nodes"] == "7"  # cloud, 5 edges, local
    assert float(env_table[1]["decisions/s"].replace(",", "")) > 0
    latency = {row["policy"]: row for row in latency_table}
    assert set(latency) == {"weighted_greedy", "gin"} and all(row["timed"] == "2" for row in latency.values())
    assert float(latency["weighted_greedy"]["uncached ms"]) > 0 and latency["gin"]["uncached ms"] == "-"


UAM_SCRIPT = SCRIPT.with_name("bench_uam.py")


def test_uam_bench_prints_ratios_latency_and_memory() -> None:
    result = subprocess.run(
        [sys.executable, str(UAM_SCRIPT), "--scenarios", "v4a8", "--reference", "ft06", "--seconds", "0.1",
         "--policies", "gin", "--latency-scenarios", "v4a8", "--memory-scenario", "v4a8", "--decisions", "2",
         "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    env_table, latency_table, memory_table = markdown_tables(result.stdout)
    assert env_table[0]["env"] == "JobShop-v0" and env_table[0]["ratio"] == "1.00"
    assert env_table[1]["scenario"] == "v4a8" and env_table[1]["nodes"] == "16"  # 4 vertiports, 4 chargers, 8 aircraft
    assert float(env_table[1]["decisions/s"].replace(",", "")) > 0
    assert float(latency_table[0]["decision ms"]) > 0
    assert int(memory_table[0]["decisions"]) > 0


def test_auto_compare_measures_forced_choices_on_and_off_in_one_run() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--auto-compare", "--sizes", "6x6", "--batches", "1", "8", "--seconds", "0.2"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    (table,) = markdown_tables(result.stdout)
    assert [row["B"] for row in table] == ["1", "8"]
    for row in table:
        assert float(row["steps/ep off"]) == 36.0  # every operation is a step without forced choices
        assert 0 < float(row["steps/ep on"]) < 36.0  # with them, fewer
        off, on = (float(row[f"episodes/s {mode}"].replace(",", "")) for mode in ("off", "on"))
        assert float(row["on / off"]) == pytest.approx(on / off, abs=0.01)
