"""Tables and plots of evaluation results: mean gap per group and method."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from schedrl.envs.evaluation.store import ResultRow

ALL = "all"


@dataclass(frozen=True)
class Cell:
    mean_gap: float | None  # None where no instance of the group has a reference bound
    mean_objective: float
    mean_time_s: float
    count: int


def summarize(rows: Iterable[ResultRow]) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """(groups in first-seen order plus 'all', methods, cell per (group, method))."""
    rows = list(rows)
    groups = list(dict.fromkeys(row.group for row in rows))
    methods = list(dict.fromkeys(row.policy for row in rows))
    cells: dict[tuple[str, str], Cell] = {}
    for group in [*groups, ALL]:
        for method in methods:
            chosen = [r for r in rows if r.policy == method and group in (ALL, r.group)]
            if not chosen:
                continue
            gaps = [r.gap_percent for r in chosen if r.gap_percent is not None]
            cells[(group, method)] = Cell(
                mean_gap=float(np.mean(gaps)) if gaps else None,
                mean_objective=float(np.mean([r.objective for r in chosen])),
                mean_time_s=float(np.mean([r.wall_time_s for r in chosen])),
                count=len(chosen),
            )
    return [*groups, ALL] if len(groups) > 1 else groups, methods, cells


def _gap_text(cell: Cell | None) -> str:
    if cell is None:
        return "-"
    return f"{cell.mean_gap:.1f}" if cell.mean_gap is not None else f"{cell.mean_objective:.1f}*"


def markdown_summary(rows: Iterable[ResultRow], objective: str) -> str:
    groups, methods, cells = summarize(rows)
    header = "| group | instances | " + " | ".join(methods) + " |"
    rule = "|---|---:|" + "---:|" * len(methods)

    def table(value: Callable[[Cell | None], str]) -> list[str]:
        lines = [header, rule]
        for group in groups:
            count = max(cells[(group, m)].count for m in methods if (group, m) in cells)
            lines.append(f"| {group} | {count} | " + " | ".join(value(cells.get((group, m))) for m in methods) + " |")
        return lines

    parts = [
        f"## Mean gap to the best-known {objective} (%)",
        "",
        *table(_gap_text),
        "",
        f"`*`: no best-known bound for these instances; the cell shows the mean {objective} instead.",
        "",
        "## Mean wall time per instance (s)",
        "",
        *table(lambda cell: "-" if cell is None else f"{cell.mean_time_s:.3f}"),
        "",
    ]
    return "\n".join(parts)


def plot_gap_bars(rows: Iterable[ResultRow], path: Path, objective: str) -> bool:
    """Grouped bar chart of mean gap per group and method; False when no gaps are known."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups, methods, cells = summarize(rows)

    def gap(group: str, method: str) -> float | None:
        cell = cells.get((group, method))
        return None if cell is None else cell.mean_gap

    groups = [g for g in groups if any(gap(g, m) is not None for m in methods)]
    if not groups:
        return False
    width = 0.8 / len(methods)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.2 * len(groups) * max(1, len(methods) / 4)), 4.5), dpi=100)
    positions = np.arange(len(groups))
    colours = plt.get_cmap("tab20")(np.arange(len(methods)) % 20)
    for index, method in enumerate(methods):
        values = [gap(g, method) for g in groups]
        axes.bar(
            positions + index * width,
            [np.nan if v is None else v for v in values],
            width,
            label=method,
            color=colours[index],
        )
    axes.set_xticks(positions + width * (len(methods) - 1) / 2, groups, rotation=30, ha="right")
    axes.set_ylabel(f"mean gap to best-known {objective} (%)")
    axes.legend(fontsize="small", ncols=min(len(methods), 5))
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True
