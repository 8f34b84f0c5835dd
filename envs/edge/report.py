"""The edge family's report: how much of the (delay, energy) plane each method's preference sweep
covers, per number of edge servers E.

For one E and one method, the rows at preference w are averaged over the instances (seeds) into
one point (mean avg_delay s, mean avg_energy J); the sweep's points are divided by the fixed
constants HV_NORMALISATION, so that every E and every evaluation is measured in the same units,
and the hypervolume (both objectives minimised) of the non-dominated ones is taken against the
fixed reference point HV_REFERENCE. A point beyond the reference in either coordinate encloses
no area with it and so contributes nothing; a method whose every point lies there scores 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import moocore
import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from schedrl.envs.edge.instance import EdgeInstance

# (delay in s, energy in J) that count as 1: the objective's default delay_unit and
# energy_unit, which put the weighted greedy's two ends on the default scenario on one scale.
HV_NORMALISATION: tuple[float, float] = (EdgeInstance.delay_unit, EdgeInstance.energy_unit)
# The reference point in normalised units (500 s, 0.5 J): beyond the 20-seed means of
# greedy_delay and greedy_energy at E = 1, 5 and 10 on 100 training seeds (generator seed
# 2024; the worst was (1.20, 4.03), at E = 1, where a user in a deep fade to the only edge
# pays joules per task).
HV_REFERENCE: tuple[float, float] = (5.0, 5.0)
BASELINE = "weighted_greedy"  # the method the others are compared with, when the rows hold it
FILE_NAME = "hypervolume.md"
REQUIRED = ("avg_delay", "avg_energy", "preference", "num_edges")
DPI = 100


class FrontPoint(NamedTuple):
    """One method's mean result at one preference, in s and J."""

    preference: float
    delay: float
    energy: float
    instances: int  # how many rows (seeds) the means are over


# num_edges -> method -> points in increasing preference
Fronts = dict[int, dict[str, list[FrontPoint]]]


def hypervolume(points: Iterable[Iterable[float]], reference: Iterable[float]) -> float:
    """Area dominated by `points` (minimised, 2-D) and bounded by `reference`. Dominated points and
    points beyond the reference add nothing; no points gives 0."""
    array = np.asarray([list(point) for point in points], dtype=float).reshape(-1, 2)
    if not len(array):
        return 0.0
    return float(moocore.hypervolume(array, ref=np.asarray(list(reference), dtype=float)))


def nondominated(points: np.ndarray) -> np.ndarray:
    """Mask of the rows (minimised) that no other row dominates; of duplicates, the first."""
    if not len(points):
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(points), dtype=bool)


def pareto_points(rows: Iterable[Any]) -> Fronts:
    """Every (E, method)'s preference sweep: the rows' avg_delay and avg_energy averaged over the
    instances at each preference. Rows missing any of those metrics are skipped."""
    sums: dict[tuple[int, str, float], list[float]] = {}  # delay sum, energy sum, count
    for row in rows:
        values = [row.metrics.get(key) for key in REQUIRED]
        if any(value is None or not math.isfinite(value) for value in values):
            continue
        delay, energy, preference, edges = (float(value) for value in values)
        total = sums.setdefault((int(edges), row.policy, preference), [0.0, 0.0, 0.0])
        total[0] += delay
        total[1] += energy
        total[2] += 1
    fronts: Fronts = {}
    for (edges, method, preference), (delay, energy, count) in sorted(sums.items()):
        point = FrontPoint(preference, delay / count, energy / count, int(count))
        fronts.setdefault(edges, {}).setdefault(method, []).append(point)
    return fronts


def seed_hypervolumes(rows: Iterable[Any]) -> dict[int, dict[str, dict[str, float]]]:
    """E -> method -> realisation -> the hypervolume of that realisation's own sweep (its rows
    at every preference: a scenario grid puts the preference's tag, the last part of the
    group, into the instance's name), for the spread over seeds and a paired comparison."""
    sweeps: dict[tuple[int, str, str], list[FrontPoint]] = {}
    for row in rows:
        values = [row.metrics.get(key) for key in REQUIRED]
        if any(value is None or not math.isfinite(value) for value in values):
            continue
        delay, energy, preference, edges = (float(value) for value in values)
        tag = row.group.rsplit("/", 1)[-1]
        realisation = "/".join(part for part in row.instance.split("/") if part != tag)
        sweeps.setdefault((int(edges), row.policy, realisation), []).append(FrontPoint(preference, delay, energy, 1))
    table: dict[int, dict[str, dict[str, float]]] = {}
    for (edges, method, realisation), points in sweeps.items():
        table.setdefault(edges, {}).setdefault(method, {})[realisation] = front_hypervolume(points)
    return table


def normalised(points: list[FrontPoint]) -> np.ndarray:
    """(delay, energy) rows over HV_NORMALISATION."""
    scale = np.asarray(HV_NORMALISATION, dtype=float)
    return np.asarray([(point.delay, point.energy) for point in points], dtype=float).reshape(-1, 2) / scale


def front_hypervolume(points: list[FrontPoint]) -> float:
    """The sweep's hypervolume in normalised units against HV_REFERENCE."""
    values = normalised(points)
    return hypervolume(values[nondominated(values)], HV_REFERENCE)


def pareto_report(rows: Iterable[Any], folder: Path) -> list[str]:
    """Writes `hypervolume.md` (each method's hypervolume per E and its change against
    weighted_greedy) and `pareto_e{E}.png` per E; returns their names ([] without usable rows)."""
    rows = list(rows)
    fronts = pareto_points(rows)
    if not fronts:
        return []
    table = {edges: {method: front_hypervolume(points) for method, points in methods.items()}
             for edges, methods in fronts.items()}  # fmt: skip
    text = hypervolume_markdown(table) + "\n" + seed_markdown(seed_hypervolumes(rows))
    (folder / FILE_NAME).write_text(text, encoding="utf-8")
    names = [FILE_NAME]
    for edges, methods in fronts.items():
        name = f"pareto_e{edges}.png"
        front_figure(edges, methods).savefig(folder / name)
        names.append(name)
    return names


def _change(method: str, value: float, baseline: float | None) -> str:
    """The change against the baseline's value, as " (+x.y %)"; empty for the baseline itself or without one."""
    if method == BASELINE or baseline is None or baseline <= 0:
        return ""
    return f" ({100 * (value - baseline) / baseline:+.1f} %)"


def hypervolume_markdown(table: dict[int, dict[str, float]]) -> str:
    """One row per method, one column per E and their mean (over all E; "-" for a method missing
    one), each with its change against the baseline; then, per E, the methods above the baseline."""
    edges = sorted(table)
    methods = sorted({method for column in table.values() for method in column})
    means = {method: float(np.mean([table[e][method] for e in edges]))
             for method in methods if all(method in table[e] for e in edges)}  # fmt: skip
    has_baseline = any(BASELINE in column for column in table.values())
    delay_scale, energy_scale = HV_NORMALISATION
    lines = [
        "## Hypervolume of each method's preference sweep, per number of edge servers E (higher is better)",
        "",
        f"Per preference w, avg_delay and avg_energy are averaged over the instances; delay is divided by "
        f"{delay_scale:g} s and energy by {energy_scale:g} J, and the non-dominated points' hypervolume is taken "
        f"against the reference ({HV_REFERENCE[0]:g}, {HV_REFERENCE[1]:g}). Points beyond the reference "
        "contribute nothing." + (f" In brackets: the change against {BASELINE}." if has_baseline else ""),
        "",
        "| method | " + " | ".join(f"E={e}" for e in edges) + " | mean |",
        "|---|" + "---:|" * (len(edges) + 1),
    ]
    for method in sorted(methods, key=lambda name: (-means.get(name, -math.inf), name)):
        cells = []
        for e in edges:
            value = table[e].get(method)
            cells.append("-" if value is None else f"{value:.4f}{_change(method, value, table[e].get(BASELINE))}")
        mean = means.get(method)
        cells.append("-" if mean is None else f"{mean:.4f}{_change(method, mean, means.get(BASELINE))}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    if has_baseline:
        lines.append("")
        for e in edges:
            if BASELINE not in table[e]:
                continue
            above = [method for method in methods if table[e].get(method, -math.inf) > table[e][BASELINE]]
            lines.append(f"- E={e}: above {BASELINE}: {', '.join(above) if above else 'none'}")
    return "\n".join([*lines, ""])


def front_figure(edges: int, methods: dict[str, list[FrontPoint]]) -> Figure:
    """Each method's sweep in normalised units, joined in increasing w; filled markers are its
    non-dominated points, hollow ones dominated; the reference point is a black cross. The view
    is the box the reference spans with the origin, zoomed onto the points inside it: methods
    wholly beyond it (orders of magnitude out, under the physical rate) are named, not drawn."""
    figure = Figure(figsize=(6.5, 4.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    palette = colormaps["tab10"]
    inside, beyond = [], []
    for index, (method, points) in enumerate(sorted(methods.items())):
        values = normalised(points)
        within = (values < np.asarray(HV_REFERENCE)).all(axis=1)
        if not within.any():
            beyond.append(method)
            continue
        inside.append(values[within])
        kept = nondominated(values)
        colour = palette(index % 10)
        axes.plot(values[:, 0], values[:, 1], "-", color=colour, linewidth=1.2, label=method)
        axes.plot(values[kept, 0], values[kept, 1], "o", color=colour, markersize=5)
        axes.plot(values[~kept, 0], values[~kept, 1], "o", markerfacecolor="none", color=colour, markersize=5)
    axes.plot(*HV_REFERENCE, "x", color="black", markersize=9, markeredgewidth=2, label="reference")
    if inside:
        shown = np.vstack(inside)
        low, high = shown.min(axis=0), shown.max(axis=0)
        margin = 0.08 * np.maximum(high - low, 1e-3)
        axes.set_xlim(max(low[0] - margin[0], 0.0), high[0] + margin[0])
        axes.set_ylim(max(low[1] - margin[1], 0.0), high[1] + margin[1])
    for method in beyond:  # named in the legend, not drawn
        axes.plot([], [], " ", label=f"{method}: beyond the reference")
    delay_scale, energy_scale = HV_NORMALISATION
    axes.set_xlabel(f"avg delay / {delay_scale:g} s (normalised)")
    axes.set_ylabel(f"avg energy / {energy_scale:g} J (normalised)")
    axes.set_title(f"E = {edges}: mean point per preference w, joined in increasing w", fontsize="medium")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small", frameon=False)
    axes.grid(alpha=0.3)
    return figure


def seed_markdown(table: dict[int, dict[str, dict[str, float]]]) -> str:
    """Per E and method: the mean ± std over realisations of each one's own sweep's hypervolume,
    and on how many the method's is above the baseline's on the same realisation."""
    edges = sorted(table)
    methods = sorted({method for column in table.values() for method in column})
    has_baseline = any(BASELINE in column for column in table.values())
    lines = [
        "## Hypervolume of each realisation's own sweep (mean ± std over realisations)",
        "",
        "The same normalisation and reference"
        + (
            f"; in brackets, on how many realisations the method's hypervolume is above {BASELINE}'s on the same one."
            if has_baseline
            else "."
        ),
        "",
        "| method | " + " | ".join(f"E={e}" for e in edges) + " |",
        "|---|" + "---:|" * len(edges),
    ]
    for method in methods:
        cells = []
        for e in edges:
            values = table[e].get(method)
            if not values:
                cells.append("-")
                continue
            baseline = table[e].get(BASELINE, {})
            paired = [key for key in values if key in baseline]
            above = sum(values[key] > baseline[key] for key in paired)
            wins = f" ({above}/{len(paired)})" if paired and method != BASELINE else ""
            cells.append(f"{np.mean(list(values.values())):.4f} ± {np.std(list(values.values())):.4f}{wins}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, ""])
