"""Gantt charts of (partial) job-shop schedules, for render() and evaluation reports.

The figure pieces (size, job colours, machine rows, RGB conversion, saving) are public so that
every job-shop variant draws its chart the same way.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from schedrl.envs.jobshop.instance import JobShopInstance


def job_colours(num_jobs: int) -> np.ndarray:
    """RGBA rows, one per job: the same job has the same colour in every chart."""
    return plt.get_cmap("tab20")(np.arange(num_jobs) % 20)


def machine_axes(instance: JobShopInstance) -> tuple[Figure, Axes]:
    """A figure sized to the instance, one row per machine."""
    n, m = instance.shape
    return plt.subplots(figsize=(min(4 + 0.08 * n * m, 16), 1 + 0.35 * m), dpi=100)


def finish_machine_axes(figure: Figure, axes: Axes, instance: JobShopInstance, title: str) -> None:
    """Machine labels top to bottom, the title, and a legend while it stays readable."""
    n, m = instance.shape
    axes.set_yticks(range(m), [f"M{i}" for i in range(m)])
    axes.invert_yaxis()
    axes.set_xlabel("time")
    axes.set_title(title)
    if n <= 20:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small")
    figure.tight_layout()


def figure_rgb(figure: Figure) -> np.ndarray:
    """The figure as an H x W x 3 uint8 array; closes it (render() is called once per step)."""
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()  # type: ignore[attr-defined]  # Agg canvas
    plt.close(figure)
    return image


def save_figure(figure: Figure, path: Path) -> None:
    """Writes the figure (format from the suffix) and closes it."""
    figure.savefig(path)
    plt.close(figure)


def gantt_figure(instance: JobShopInstance, start_times: np.ndarray | list, title: str | None = None) -> Figure:
    """One row per machine, one colour per job; unscheduled operations (start -1) are left out."""
    starts = np.asarray(start_times)
    n = instance.num_jobs
    figure, axes = machine_axes(instance)
    colours = job_colours(n)
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
    finish_machine_axes(figure, axes, instance, title or f"{instance.name}: makespan {makespan}")
    return figure


def gantt_rgb(instance: JobShopInstance, start_times: np.ndarray | list) -> np.ndarray:
    return figure_rgb(gantt_figure(instance, start_times))


def save_gantt(instance: JobShopInstance, start_times: np.ndarray | list, path: Path, title: str | None = None) -> None:
    save_figure(gantt_figure(instance, start_times, title), path)
