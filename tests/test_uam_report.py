"""The UAM report's table: per scenario and method, profit, the paired change against greedy,
passengers and decision time, from evaluation rows."""

from __future__ import annotations

from pathlib import Path

from schedrl.envs.evaluation.store import ResultRow
from schedrl.envs.uam.report import FILE_NAME, uam_table


def row(instance: str, policy: str, profit: float, decisions: int | None, wall: float) -> ResultRow:
    metrics = {"served": 10.0, "spilled": 2.0, "empty_flights": 1.0, "energy_kwh": 50.0}
    return ResultRow(instance, "v4a8", policy, profit, None, None, False, wall, metrics, decisions=decisions)


def test_table_pairs_days_against_greedy(tmp_path: Path) -> None:
    rows = [
        row("d0", "greedy", 100.0, 50, 0.05),
        row("d1", "greedy", 200.0, 50, 0.05),
        row("d0", "learned", 112.0, 50, 0.10),  # +12 %
        row("d1", "learned", 190.0, 50, 0.10),  # -5 %
        row("d0", "ip", 150.0, None, 60.0),
        row("d1", "ip", 250.0, None, 40.0),
    ]
    assert uam_table(rows, tmp_path) == [FILE_NAME]
    lines = (tmp_path / FILE_NAME).read_text().splitlines()
    table = {line.split(" | ")[1]: line for line in lines if line.startswith("| v4a8")}
    assert list(table) == ["ip", "learned", "greedy"]  # by mean profit
    assert "| 151 ± 39 | +3.50 % | 1/2 |" in table["learned"]
    assert table["learned"].endswith("| 2.00 ms/decision |")
    assert table["ip"].endswith("| 50.0 s/day |") and "| 2/2 |" in table["ip"]
    assert "| - | - |" in table["greedy"]
    assert uam_table([], tmp_path) == []
