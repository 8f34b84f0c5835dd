"""Pictures of a VM-rescheduling plan: every NUMA node's free cpu before and after it.

Free cpu is split into whole 16-vCPU blocks, which a 16-vCPU VM can use, and the fragment
(free mod 16) that the objective counts; the plan's migrations are marked where VMs leave and
where they land. Nodes are steps along one axis, PM by PM, drawn as one artist per colour, so
a 1176-PM cluster draws about as fast as a small one. Figures are made without pyplot, so
drawing leaves no global state behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from schedrl.envs.jobshop.render import figure_rgb
from schedrl.envs.vm.instance import FRAGMENT_BLOCK, VMSnapshot
from schedrl.envs.vm.validate import Cluster, Location, initial_locations, placement_locations

DPI = 100
BLOCK_COLOUR, FRAGMENT_COLOUR, MOVE_COLOUR = "tab:blue", "tab:orange", "black"
HEADROOM = 1.25  # the y range over the fullest free node, leaving room for the migration marks


def figure_size(instance: VMSnapshot) -> tuple[float, float]:
    """Inches: wider with more PMs, up to a page."""
    return min(6 + 0.02 * instance.num_pms, 16), 5.0


def draw_plan(ax_before: Axes, ax_after: Axes, instance: VMSnapshot, record: dict[str, Any]) -> None:
    """Free cpu per NUMA node before the plan (the snapshot) and after it (the record's placement)."""
    before = initial_locations(instance)
    after = placement_locations(instance, record["placement"])
    moved = [vm for vm, (then, now) in enumerate(zip(before, after, strict=True)) if then != now]
    top = 1.0
    for axes, locations, mark, label in ((ax_before, before, "^", "a VM leaves"), (ax_after, after, "v", "a VM lands")):
        free = np.array(Cluster(instance, locations).free_cpu())
        top = max(top, float(free.max(initial=0)))
        _draw_free_cpu(axes, free)
        if moved:
            x = [_centre(instance, vm, locations[vm]) for vm in moved]
            axes.plot(x, np.full(len(x), 1 / HEADROOM + 0.04), mark, color=MOVE_COLOUR, markersize=4, label=label,
                      transform=axes.get_xaxis_transform(), linestyle="none")  # fmt: skip
        axes.set_ylabel("free vCPU")
    handles = [*ax_before.get_legend_handles_labels()[0], *ax_after.get_legend_handles_labels()[0][2:]]
    ax_before.legend(handles=handles, loc="lower right", bbox_to_anchor=(1, 1), ncols=4, fontsize="x-small",
                     frameon=False)  # fmt: skip
    ax_before.set_title("before", fontsize="small", loc="left")
    ax_after.set_title("after", fontsize="small", loc="left")
    ax_after.set_xlabel("PM (two NUMA nodes each)")
    ax_after.set_xlim(0, instance.num_pms)
    ax_after.set_ylim(0, top * HEADROOM)


def plan_figure(instance: VMSnapshot, record: dict[str, Any], title: str) -> Figure:
    figure = Figure(figsize=figure_size(instance), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax_before, ax_after = figure.subplots(2, 1, sharex=True, sharey=True)
    draw_plan(ax_before, ax_after, instance, record)
    figure.suptitle(
        f"{title}: fragment rate {record['initial_fragment_rate']:.4f} -> {record['fragment_rate']:.4f}, "
        f"{len(record['migrations'])} migration(s)"
    )
    return figure


def plan_rgb(instance: VMSnapshot, record: dict[str, Any]) -> np.ndarray:
    """The picture as an RGB array (the env's `render`)."""
    return figure_rgb(plan_figure(instance, record, instance.name))


def save_plan_picture(instance: VMSnapshot, record: dict[str, Any], path: Path, title: str) -> None:
    """Writes the picture (format from the suffix)."""
    plan_figure(instance, record, title).savefig(path)


def _draw_free_cpu(axes: Axes, free: np.ndarray) -> None:
    """Node k of the flat PM-by-PM list spans [k / 2, (k + 1) / 2) on the PM axis."""
    edges = np.arange(len(free) + 1) / 2
    blocks = free - free % FRAGMENT_BLOCK
    axes.stairs(blocks, edges, fill=True, color=BLOCK_COLOUR, label="16-vCPU blocks")
    axes.stairs(free, edges, baseline=blocks, fill=True, color=FRAGMENT_COLOUR, label="fragment (free mod 16)")


def _centre(instance: VMSnapshot, vm: int, location: Location) -> float:
    """Where a VM sits on the PM axis: its node's middle, or its PM's for a double-NUMA VM."""
    pm, numa = location
    return pm + 0.5 if instance.vm_double[vm] else pm + (numa + 0.5) / 2
