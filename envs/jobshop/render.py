"""Gantt charts of (partial) job-shop schedules, for render() and evaluation reports."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from schedrl.envs.jobshop.instance import JobShopInstance


def gantt_figure(instance: JobShopInstance, start_times: np.ndarray | list, title: str | None = None) -> Figure:
    """One row per machine, one colour per job; unscheduled operations (start -1) are left out."""
    starts = np.asarray(start_times)
    n, m = instance.shape
    figure, axes = plt.subplots(figsize=(min(4 + 0.08 * n * m, 16), 1 + 0.35 * m), dpi=100)
    colours = plt.get_cmap("tab20")(np.arange(n) % 20)
    scheduled = starts >= 0
    for job in range(n):
        done = scheduled[job]
        axes.barh(
            instance.machines[job, done],
            instance.durations[job, done],
            left=starts[job, done],
            color=colours[job],
            edgecolor="black",
            linewidth=0.3,
            label=f"job {job}" if n <= 20 else None,
        )
    makespan = int((starts + instance.durations)[scheduled].max(initial=0))
    axes.set_yticks(range(m), [f"M{i}" for i in range(m)])
    axes.invert_yaxis()
    axes.set_xlabel("time")
    axes.set_title(title or f"{instance.name}: makespan {makespan}")
    if n <= 20:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small")
    figure.tight_layout()
    return figure


def gantt_rgb(instance: JobShopInstance, start_times: np.ndarray | list) -> np.ndarray:
    figure = gantt_figure(instance, start_times)
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()  # type: ignore[attr-defined]  # Agg canvas
    plt.close(figure)
    return image


def save_gantt(instance: JobShopInstance, start_times: np.ndarray | list, path: Path, title: str | None = None) -> None:
    figure = gantt_figure(instance, start_times, title)
    figure.savefig(path)
    plt.close(figure)
