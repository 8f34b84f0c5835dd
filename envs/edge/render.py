"""Server timelines of an edge-offloading episode, for render() and evaluation reports.

One lane per server: the cloud, each edge and, when the instance has local execution, one lane
for the users' own devices. Each decided task is a light segment while it uploads (decision to
decision + upload time) and a solid one while it is served (join to completion). Servers share
their processor among the tasks present, so a lane's spans overlap: they are stacked in thin
sub-rows, one per task in service at once, up to MAX_STACK (beyond, sub-rows are reused and the
bars drawn translucent). Bars are coloured by user (10 colours, cycled); the local lane holds
every user's own device, so its overlaps are between devices, not shares of one processor.
All bars of a kind are one artist, and the figure is made without pyplot, so drawing leaves no
global state behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from schedrl.envs.jobshop.render import figure_rgb

if TYPE_CHECKING:
    from schedrl.envs.edge.instance import EdgeInstance

DPI = 100
LANE = 0.8  # height of a server's lane; its tasks share it
MAX_STACK = 16  # sub-rows per lane at most
UPLOAD_ALPHA = 0.3
LEGEND_USERS = 10  # users named in the legend up to this many (10 colours, cycled)


def lane_names(instance: EdgeInstance) -> list[str]:
    """Top to bottom: cloud, edge 1..E, then the users' devices when tasks may run locally."""
    freqs = instance.realisation.server_freqs
    names = [f"cloud ({freqs[0] / 1e9:.2f} GHz)"]
    names += [f"edge {s} ({freqs[s] / 1e9:.2f} GHz)" for s in range(1, instance.num_edges + 1)]
    if instance.local_freq > 0:
        names.append(f"local ({instance.local_freq / 1e9:.2f} GHz)")
    return names


def stack_slots(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per interval, the lowest sub-row free at its start (intervals in increasing start): the
    fewest sub-rows that keep overlapping intervals apart."""
    slots = np.zeros(len(starts), dtype=np.int64)
    free_at: list[float] = []  # per sub-row, when its last interval ends
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        slot = next((row for row, until in enumerate(free_at) if until <= start), len(free_at))
        if slot == len(free_at):
            free_at.append(end)
        else:
            free_at[slot] = end
        slots[index] = slot
    return slots


def figure_size(instance: EdgeInstance, lanes: int) -> tuple[float, float]:
    """Inches: wider with a longer horizon, up to a page; the size depends on the instance only,
    so an episode's frames all have one size."""
    return min(7 + 0.05 * instance.horizon, 16), 1.6 + 0.6 * lanes


def timeline_figure(instance: EdgeInstance, record: dict[str, Any], title: str | None = None) -> Figure:
    """The record's decisions [task, step, server] with their `upload_times` and `completions`
    (absolute s) on one lane per server. The title carries w, and avg delay and avg energy when
    the record has them (a final record does)."""
    names = lane_names(instance)
    figure = Figure(figsize=figure_size(instance, len(names)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    decisions = np.asarray(record["assignments"], dtype=np.int64).reshape(-1, 3)
    tasks, steps, servers = decisions.T
    decided = steps * instance.step_seconds
    joined = decided + np.asarray(record["upload_times"], dtype=float)
    completed = np.asarray(record["completions"], dtype=float)
    users = np.asarray(instance.realisation.users, dtype=np.int64)[tasks]
    palette = colormaps["tab10"]
    colours = palette(users % 10)

    slots, heights = np.zeros(len(tasks), dtype=np.int64), np.ones(len(tasks))
    crowded = False
    for server in np.unique(servers).tolist():
        on = servers == server
        lane_slots = stack_slots(decided[on], completed[on])
        rows = int(lane_slots.max()) + 1
        crowded |= rows > MAX_STACK
        slots[on], heights[on] = lane_slots % MAX_STACK, LANE / min(rows, MAX_STACK)
    centres = servers - LANE / 2 + (slots + 0.5) * heights
    alpha = 0.6 if crowded else 1.0
    axes.barh(centres, joined - decided, left=decided, height=0.9 * heights, color=colours,
              alpha=UPLOAD_ALPHA * alpha, edgecolor="none")  # fmt: skip
    axes.barh(centres, completed - joined, left=joined, height=0.9 * heights, color=colours, alpha=alpha,
              edgecolor="none")  # fmt: skip

    handles: list[Any] = [Patch(color="grey", alpha=UPLOAD_ALPHA, label="upload"), Patch(color="grey", label="service")]
    if instance.num_users <= LEGEND_USERS:
        handles += [Patch(color=palette(user % 10), label=f"user {user}") for user in sorted(set(users.tolist()))]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small", frameon=False)
    axes.set_yticks(range(len(names)), names)
    axes.set_ylim(len(names) - 0.5, -0.5)
    axes.set_xlim(0, max(float(completed.max(initial=0.0)), instance.horizon * instance.step_seconds))
    axes.set_xlabel("time (s)")
    heading = f"{title or instance.name}: w = {record.get('preference', instance.preference):.2f}"
    heading += f", {len(tasks)} tasks decided"
    if "avg_delay" in record:
        heading += f", avg delay {record['avg_delay']:.3f} s, avg energy {record['avg_energy']:.4g} J"
    axes.set_title(heading, fontsize="medium")
    return figure


def render_rgb(instance: EdgeInstance, record: dict[str, Any]) -> np.ndarray:
    """The timeline as an (H, W, 3) uint8 array (the env's `render`)."""
    return figure_rgb(timeline_figure(instance, record))


def save_timeline(instance: EdgeInstance, record: dict[str, Any], path: Path, title: str | None = None) -> None:
    """Writes the timeline (format from the suffix)."""
    timeline_figure(instance, record, title).savefig(path)
