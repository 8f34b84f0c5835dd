"""The VM family's report: per group (one migration limit), each method's mean fragment
rate, its share of the best improvement found on each snapshot, and its wall time. The
share, (FR0 - FR) / (FR0 - FR_best) with FR_best the lowest FR any method reached on that
snapshot, is how VMR2L states how close a method comes to the solver."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

FILE_NAME = "improvement_share.md"


def improvement_shares(rows: Iterable[Any], folder: Path) -> list[str]:
    by_group: dict[str, dict[str, dict[str, Any]]] = {}  # group -> instance -> method -> row
    for row in rows:
        by_group.setdefault(row.group, {}).setdefault(row.instance, {})[row.policy] = row
    if not by_group:
        return []
    lines = [
        "## Share of the best improvement, per group (mean ± std over snapshots)",
        "",
        "share = (FR0 - FR) / (FR0 - FR_best), FR_best the lowest FR any method reached on the snapshot.",
        "",
        "| group | method | snapshots | FR | share of best improvement | wall time (s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for group, instances in sorted(by_group.items()):
        shares: dict[str, list[float]] = {}
        values: dict[str, list[float]] = {}
        times: dict[str, list[float]] = {}
        for methods in instances.values():
            best = min(row.objective for row in methods.values())
            for name, row in methods.items():
                initial = row.metrics.get("initial_fragment_rate")
                values.setdefault(name, []).append(row.objective)
                times.setdefault(name, []).append(row.wall_time_s)
                if initial is not None and initial > best:
                    shares.setdefault(name, []).append((initial - row.objective) / (initial - best))
        for name in sorted(values, key=lambda name: float(np.mean(values[name]))):
            share = shares.get(name)
            shown = f"{100 * np.mean(share):.1f} % ± {100 * np.std(share):.1f}" if share else "-"
            lines.append(
                f"| {group} | {name} | {len(values[name])} | {np.mean(values[name]):.4f} ± {np.std(values[name]):.4f}"
                f" | {shown} | {np.mean(times[name]):.2f} |"
            )
    (folder / FILE_NAME).write_text("\n".join([*lines, ""]), encoding="utf-8")
    return [FILE_NAME]
