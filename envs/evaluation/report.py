"""Tables and plots of evaluation results: per group and method, mean ± std of the gap and
of the objective, time per instance and per decision; a line plot over a numeric scenario
parameter. Every printed number has four significant digits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schedrl.envs.core.objective import Objective
from schedrl.envs.evaluation.store import ResultRow

ALL = "all"
# A scenario group: '<base group>/<label><number>', as `scenario_grid` names them.
SCENARIO_GROUP = re.compile(r"^(?P<base>.+)/(?P<label>[A-Za-z_]*)(?P<value>-?\d+(?:\.\d*)?(?:[eE]-?\d+)?)$")


def number(value: float | None) -> str:
    """Four significant digits: a fragment rate of 0.2963 stays 0.2963, a length of 1234 stays 1234."""
    return "-" if value is None else f"{value:.4g}"


@dataclass(frozen=True)
class Statistic:
    mean: float
    std: float

    @classmethod
    def of(cls, values: list[float]) -> Statistic | None:
        return cls(float(np.mean(values)), float(np.std(values))) if values else None

    def __str__(self) -> str:
        return f"{number(self.mean)} ± {number(self.std)}"


@dataclass(frozen=True)
class Cell:
    gap: Statistic | None  # None where no instance of the group has a reference value
    objective: Statistic
    time_s: Statistic
    ms_per_decision: Statistic | None  # None for whole-instance solvers
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
            per_decision = [1000 * r.wall_time_s / r.decisions for r in chosen if r.decisions]
            cells[(group, method)] = Cell(
                gap=Statistic.of([r.gap_percent for r in chosen if r.gap_percent is not None]),
                objective=Statistic.of([r.objective for r in chosen]),  # type: ignore[arg-type]
                time_s=Statistic.of([r.wall_time_s for r in chosen]),  # type: ignore[arg-type]
                ms_per_decision=Statistic.of(per_decision),
                count=len(chosen),
            )
    return [*groups, ALL] if len(groups) > 1 else groups, methods, cells


def best_methods(cells: dict[tuple[str, str], Cell], group: str, methods: list[str], objective: Objective) -> set[str]:
    """The methods with the best mean gap in a group (or best mean objective where no gap is
    known), among those that ran on all of the group's instances (a solver that models only
    some of them is not compared on the others' means)."""
    present = {m: cells[(group, m)] for m in methods if (group, m) in cells}
    most = max((c.count for c in present.values()), default=0)
    present = {m: c for m, c in present.items() if c.count == most}
    gaps = {m: c.gap.mean for m, c in present.items() if c.gap is not None}
    if gaps:
        best = min(gaps.values())
        return {m for m, gap in gaps.items() if gap == best}
    if not present:
        return set()
    best_method = objective.best(present, lambda m: present[m].objective.mean)
    return {m for m, c in present.items() if c.objective.mean == present[best_method].objective.mean}


def markdown_summary(rows: Iterable[ResultRow], objective: Objective) -> str:
    groups, methods, cells = summarize(rows)
    header = "| group | instances | " + " | ".join(methods) + " |"
    rule = "|---|---:|" + "---:|" * len(methods)

    def table(value: Callable[[Cell], object], bold_best: bool = False) -> list[str]:
        lines = [header, rule]
        for group in groups:
            count = max(cells[(group, m)].count for m in methods if (group, m) in cells)
            best = best_methods(cells, group, methods, objective) if bold_best else set()
            texts = []
            for method in methods:
                cell = cells.get((group, method))
                text = "-" if cell is None or value(cell) is None else str(value(cell))
                texts.append(f"**{text}**" if method in best else text)
            lines.append(f"| {group} | {count} | " + " | ".join(texts) + " |")
        return lines

    key = objective.key
    gaps = [cell.gap is not None for cell in cells.values()]
    # Without any best-known value (generated instances, VM snapshots) a table of dashes says
    # nothing: the objective's own table marks the best instead.
    gap_section = [
        f"## Gap to the best-known {key} (%), mean ± std",
        "",
        f"Positive is worse ({key}: {objective.wording}); bold: best in the group.",
        "",
        *table(lambda cell: cell.gap, bold_best=True),
        "",
        *([f"`-`: no best-known {key} for these instances (see the next table).", ""] if not all(gaps) else []),
    ] if any(gaps) else []  # fmt: skip
    return "\n".join([
        *gap_section,
        f"## {key} ({objective.wording}), mean ± std",
        "",
        *([] if any(gaps) else [f"There is no best-known {key} for these instances; bold: best mean.", ""]),
        *table(lambda cell: cell.objective, bold_best=not any(gaps)),
        "",
        "## Wall time per instance (s), mean ± std",
        "",
        *table(lambda cell: cell.time_s),
        "",
        "## Time per decision (ms), mean ± std (step-wise methods)",
        "",
        *table(lambda cell: cell.ms_per_decision),
        "",
    ])  # fmt: skip


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_gap_bars(rows: Iterable[ResultRow], path: Path, objective: Objective) -> bool:
    """Grouped bar chart of mean gap per group and method; False when no gaps are known."""
    plt = _pyplot()
    groups, methods, cells = summarize(rows)

    def gap(group: str, method: str) -> float | None:
        cell = cells.get((group, method))
        return None if cell is None or cell.gap is None else cell.gap.mean

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
    axes.set_ylabel(f"mean gap to best-known {objective.key} (%, positive is worse)")
    axes.legend(fontsize="small", ncols=min(len(methods), 5))
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def plot_objective_by_parameter(rows: Iterable[ResultRow], path: Path, objective: Objective) -> bool:
    """Mean objective against a numeric scenario parameter (groups such as
    'bench_15x15/p0.05'): a panel per base group, a line per method; False without such groups."""
    points: dict[tuple[str, str], dict[float, list[float]]] = {}
    label = ""
    for row in rows:
        match = SCENARIO_GROUP.match(row.group)
        if match is None:
            continue
        label = match["label"]
        line = points.setdefault((match["base"], row.policy), {})
        line.setdefault(float(match["value"]), []).append(row.objective)
    if not points:
        return False
    plt = _pyplot()
    bases = list(dict.fromkeys(base for base, _ in points))  # one panel per base group
    figure, panels = plt.subplots(1, len(bases), figsize=(6.5 * len(bases), 4.5), dpi=100, squeeze=False)
    methods = list(dict.fromkeys(method for _, method in points))
    colours = plt.get_cmap("tab20").colors  # one colour per method in every panel (tab10 repeats past 10)
    for base, axes in zip(bases, panels[0], strict=True):
        for (line_base, method), values in points.items():
            if line_base == base:
                xs = sorted(values)
                index = methods.index(method)
                axes.plot(xs, [np.mean(values[x]) for x in xs], marker="os^D"[index // 20 % 4], label=method,
                          color=colours[(2 * index) % 20 + (index // 10) % 2])  # fmt: skip
        axes.set_title(base)
        axes.set_xlabel(label or "scenario parameter")
        axes.set_ylabel(f"mean {objective.key} ({objective.wording})")
        axes.legend(fontsize="small")
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True
