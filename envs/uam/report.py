"""The UAM family's report, the issue's table: per scenario (group), each method's mean daily
profit ± std over days, its change against the greedy rule on the same days (mean of the
per-day changes, and on how many days it is above), served and spilled passengers, empty
flights, and decision time (per decision for step-wise methods; per day for the solvers,
which plan the whole day at once)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

FILE_NAME = "uam_table.md"
BASELINE = "greedy"


def uam_table(rows: Iterable[Any], folder: Path) -> list[str]:
    by_group: dict[str, dict[str, dict[str, Any]]] = {}  # group -> method -> instance -> row
    for row in rows:
        by_group.setdefault(row.group, {}).setdefault(row.policy, {})[row.instance] = row
    if not by_group:
        return []
    lines = [
        "## Daily profit per scenario (mean ± std over days)",
        "",
        f"vs {BASELINE}: the mean of the per-day changes in profit, and the days above it.",
        "",
        "| scenario | method | days | profit ($) | vs greedy | days above | served | spilled | empty flights | time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group, methods in sorted(by_group.items()):
        baseline = methods.get(BASELINE, {})
        ranked = sorted(methods, key=lambda name: -float(np.mean([r.objective for r in methods[name].values()])))
        for name in ranked:
            days = methods[name]
            profits = np.array([row.objective for row in days.values()])
            paired = [(row.objective, baseline[day].objective) for day, row in days.items() if day in baseline]
            changes = [100 * (value - base) / abs(base) for value, base in paired if base]
            change = f"{np.mean(changes):+.2f} %" if changes and name != BASELINE else "-"
            above = f"{sum(value > base for value, base in paired)}/{len(paired)}" if name != BASELINE else "-"
            lines.append(
                f"| {group} | {name} | {len(days)} | {profits.mean():,.0f} ± {profits.std():,.0f} | {change} | {above} "
                f"| {_mean(days, 'served')} | {_mean(days, 'spilled')} | {_mean(days, 'empty_flights')} "
                f"| {_time(days.values())} |"
            )
    (folder / FILE_NAME).write_text("\n".join([*lines, ""]), encoding="utf-8")
    return [FILE_NAME]


def _mean(days: dict[str, Any], metric: str) -> str:
    values = [row.metrics.get(metric) for row in days.values() if row.metrics.get(metric) is not None]
    return f"{np.mean(values):,.1f}" if values else "-"


def _time(rows: Iterable[Any]) -> str:
    rows = list(rows)
    if all(row.decisions for row in rows):
        return f"{1000 * np.mean([row.wall_time_s / row.decisions for row in rows]):.2f} ms/decision"
    return f"{np.mean([row.wall_time_s for row in rows]):.1f} s/day"
