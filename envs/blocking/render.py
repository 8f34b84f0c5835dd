"""Gantt charts of (partial) blocking job-shop schedules, for render() and evaluation reports.

Drawn like the job shop's chart (its figure pieces are reused), plus what blocking adds: the
time a finished job holds its machine, the machines' shutdowns and the swaps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.jobshop.render import figure_rgb, finish_machine_axes, job_colours, machine_axes, save_figure

LABEL_INCHES = 0.2  # a processing bar gets its job index when it is at least this wide on the page


def bar_ends(record: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per op: entered?, end of processing, end of blocking; and the chart's right edge.

    In a partial record (one with "time"), -1 means "not yet": an op still processing is drawn
    up to the current time, and so is a finished job that has not left its machine.
    """
    start, finish, leave = (np.asarray(record[key], dtype=np.int64) for key in ("start", "finish", "leave"))
    now = int(record["time"]) if "time" in record else int(record.get("makespan", leave.max(initial=0)))
    processed = np.where(finish >= 0, finish, now)
    left = np.where(finish < 0, processed, np.where(leave >= 0, leave, now))
    return start >= 0, processed, left, now


def gantt_figure(instance: BlockingJobShopInstance, record: dict, title: str | None = None) -> Figure:
    """One row per machine: processing in the job's colour, blocking hatched and lighter, shutdowns in grey."""
    n = instance.num_jobs
    start = np.asarray(record["start"], dtype=np.int64)
    entered, processed, left, now = bar_ends(record)
    partial = "time" in record
    figure, axes = machine_axes(instance)
    colours = job_colours(n)
    min_label_width = max(now, 1) * LABEL_INCHES / figure.get_figwidth()
    for job in range(n):
        ops = entered[job]
        rows, begins, widths = instance.machines[job, ops], start[job, ops], processed[job, ops] - start[job, ops]
        axes.barh(
            rows,
            widths,
            left=begins,
            color=colours[job],
            edgecolor="black",
            linewidth=0.3,
            label=f"job {job}" if n <= 20 else None,
        )
        for row, begin, width in zip(rows, begins, widths, strict=True):
            if width >= min_label_width:
                axes.text(begin + width / 2, row, str(job), ha="center", va="center", fontsize="x-small")

    blocking = entered & (left > processed)
    if blocking.any():
        owners = np.nonzero(blocking)[0]
        lighter = colours[owners].copy()
        lighter[:, :3] = 0.5 + 0.5 * lighter[:, :3]
        axes.barh(
            instance.machines[blocking],
            (left - processed)[blocking],
            left=processed[blocking],
            color=lighter,
            edgecolor=colours[owners],
            hatch="///",
            linewidth=0,
            label="blocked",
        )

    # A partial chart shows a shutdown only as far as it has happened.
    down = [(i, b, min(e, now) if partial else e) for i, spans in enumerate(record["downtime"]) for b, e in spans]
    if down:
        rows, begins, ends = np.array(down).T
        axes.barh(
            rows, ends - begins, left=begins, height=1.0, color="grey", alpha=0.45, linewidth=0, zorder=3, label="down"
        )

    leave = np.asarray(record["leave"], dtype=np.int64)
    swaps = [
        (event["time"], instance.machines[job, k])
        for event in record.get("swap_events", [])
        for job in event["jobs"]
        for k in np.flatnonzero(leave[job] == event["time"])
    ]
    if swaps:
        times, rows = np.array(swaps).T
        axes.scatter(times, rows, marker="D", s=12, color="black", zorder=4, label="swap")

    if partial:
        axes.axvline(now, color="black", linestyle="--", linewidth=0.8)
    axes.set_xlim(0, max(now, 1))
    heading = f"time {now}" if partial else f"makespan {now}"
    finish_machine_axes(figure, axes, instance, title or f"{instance.name}: {heading}")
    return figure


def gantt_rgb(instance: BlockingJobShopInstance, record: dict) -> np.ndarray:
    return figure_rgb(gantt_figure(instance, record))


def save_gantt(instance: BlockingJobShopInstance, record: dict, path: Path, title: str | None = None) -> None:
    save_figure(gantt_figure(instance, record, title), path)
