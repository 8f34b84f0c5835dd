"""PE timelines (Gantt charts) of an SoC schedule, for render() and evaluation reports.

One row per PE, one bar per task run, coloured by job (20 colours, cycled); job arrivals are
ticks on the time axis. All bars are one artist, so a stream of 100 jobs x 30 tasks draws
about as fast as one DAG; bars carry their task index only while there are few of them.
Figures are made without pyplot, so drawing leaves no global state behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKUP, MarkerStyle
from matplotlib.patches import Patch

from schedrl.envs.jobshop.render import figure_rgb
from schedrl.envs.soc.instance import SoCInstance

DPI = 100
LEGEND_JOBS = 20  # jobs named in the legend up to this many
TEXT_BARS = 60  # bars labelled with their task (job.task in a stream) up to this many
EDGE_BARS = 300  # bars outlined up to this many; beyond, outlines would hide the colours
ARRIVAL = MarkerStyle(TICKUP)


def figure_size(instance: SoCInstance) -> tuple[float, float]:
    """Inches: wider with more tasks in the stream, up to a page; a row per PE. The size depends
    on the instance only, so an episode's frames all have one size."""
    return min(7 + 0.01 * instance.total_tasks, 16), 1.6 + 0.35 * instance.platform.num_pes


def timeline_figure(instance: SoCInstance, record: dict[str, Any], title: str | None = None) -> Figure:
    """The record's trace rows [job, task, pe, start, finish] on one row per PE, with its arrivals
    (the jobs' applications are the instance's stream).

    A record of an episode under way (fewer rows than tasks, -1 for jobs not yet arrived) draws
    what has happened so far; its metrics are left out of the title."""
    platform = instance.platform
    figure = Figure(figsize=figure_size(instance), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    trace = np.asarray(record["trace"], dtype=np.int64).reshape(-1, 5)
    jobs, _, pes, starts, finishes = trace.T
    palette = colormaps["tab20"]
    axes.barh(pes, finishes - starts, left=starts, height=0.8, color=palette(jobs % 20),
              edgecolor="none" if len(trace) > EDGE_BARS else "black", linewidth=0.3)  # fmt: skip
    if len(trace) <= TEXT_BARS:
        for job, task, pe, start, finish in trace.tolist():
            label = f"{job}.{task}" if instance.num_jobs > 1 else str(task)
            axes.text((start + finish) / 2, pe, label, ha="center", va="center", fontsize="x-small")
    arrived = [(job, time) for job, time in enumerate(record["arrivals"]) if time >= 0]
    times = [time for _, time in arrived]
    axes.plot(times, np.zeros(len(times)), linestyle="none", marker=ARRIVAL, markersize=8, color="black",
              clip_on=False, transform=axes.get_xaxis_transform())  # fmt: skip

    handles: list[Any] = [Line2D([], [], linestyle="none", marker=ARRIVAL, color="black", label="arrival")]
    if instance.num_jobs <= LEGEND_JOBS:
        names = [instance.applications[app].name for app in instance.realisation().applications.tolist()]
        handles += [Patch(color=palette(job % 20), label=f"job {job}: {names[job]}") for job, _ in arrived]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small", frameon=False)
    axes.set_yticks(range(platform.num_pes), [f"{name} ({platform.type_names[platform.pe_type[pe]]})"
                                              for pe, name in enumerate(platform.pe_names)])  # fmt: skip
    axes.set_ylim(platform.num_pes - 0.5, -0.5)
    now = max(int(finishes.max(initial=0)), *times, 1)
    axes.set_xlim(0, now)
    axes.set_xlabel("time (µs)")
    heading = title or instance.name
    if len(trace) == instance.total_tasks:
        heading += (
            f": {instance.num_jobs} job(s), average latency {record['average_latency']:.1f} µs, "
            f"makespan {record['makespan']} µs"
        )
    else:
        heading += f": {len(trace)} of {instance.total_tasks} tasks placed, up to {now} µs"
    axes.set_title(heading, fontsize="medium")
    return figure


def render_rgb(instance: SoCInstance, record: dict[str, Any]) -> np.ndarray:
    """The timeline as an (H, W, 3) uint8 array (the env's `render`)."""
    return figure_rgb(timeline_figure(instance, record))


def save_timeline(instance: SoCInstance, record: dict[str, Any], path: Path, title: str | None = None) -> None:
    """Writes the timeline (format from the suffix)."""
    timeline_figure(instance, record, title).savefig(path)
