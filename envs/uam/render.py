"""A picture of one UAM operating day, for render() and evaluation reports, from the instance
and the solution record alone.

Left: the vertiport network (km), one marker shape and colour per kind, marker area by
parking, each vertiport named; an arrow per directed pair flown with passengers, as wide and
as dark as the passengers carried on it over the day, and a dashed grey one per pair flown
empty (repositioning), as wide as its empty flights and bent further. The two directions of
a pair bend to opposite sides. Right: every aircraft's state of charge over the day, a thin
line each and the fleet's mean in bold, with the reserve dashed and the peak windows shaded.
The charge falls by a flight's kWh over its take-off slot and rises by a charge's kWh over
its slot. The figure is made without pyplot, so drawing leaves no global state behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from schedrl.envs.jobshop.render import figure_rgb

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from schedrl.envs.uam.instance import UAMInstance

DPI = 100
SIZE = (14.0, 6.0)  # inches: one size for every instance, so an episode's frames all match
STYLE = {"hub": ("s", "tab:red"), "commercial": ("o", "tab:blue"), "residential": ("^", "tab:green")}
AREA_PER_SPOT = 12.0  # marker area (points^2) per parking spot
MAX_WIDTH = 6.0  # points: the busiest pair's arrow, over a 0.3-point floor
FLOWS = colormaps["viridis_r"]
BEND = 0.15  # arc of an arrow, so that the two directions of a pair stay apart (twice that for empty flights)


def route_flows(instance: UAMInstance, record: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """([V, V] passengers carried, [V, V] empty flights) per directed pair over the record's flights."""
    ports = instance.num_vertiports
    flights = np.asarray(record["flights"], dtype=np.int64).reshape(-1, 7)
    origin, destination, passengers = flights[:, 2], flights[:, 3], flights[:, 5]
    carried = np.zeros((ports, ports), dtype=np.int64)
    empty = np.zeros((ports, ports), dtype=np.int64)
    np.add.at(carried, (origin, destination), passengers)
    np.add.at(empty, (origin, destination), passengers == 0)
    return carried, empty


def charge_levels(instance: UAMInstance, record: dict[str, Any]) -> np.ndarray:
    """[A, T + 1] kWh in each aircraft's battery at each slot boundary: full at 0, then less
    the flights taking off and plus the charges made in each slot."""
    change = np.zeros((instance.num_aircraft, instance.num_slots), dtype=np.int64)
    flights = np.asarray(record["flights"], dtype=np.int64).reshape(-1, 7)
    charges = np.asarray(record["charges"], dtype=np.int64).reshape(-1, 4)
    np.subtract.at(change, (flights[:, 0], flights[:, 1]), flights[:, 6])
    np.add.at(change, (charges[:, 0], charges[:, 1]), charges[:, 3])
    start = np.full((instance.num_aircraft, 1), instance.battery_kwh, dtype=np.int64)
    return np.concatenate([start, start + np.cumsum(change, axis=1)], axis=1)


def _draw_network(axes: Axes, instance: UAMInstance, record: dict[str, Any]) -> None:
    xy = np.array([[port.x_km, port.y_km] for port in instance.vertiports])
    carried, empty = route_flows(instance, record)
    shade = Normalize(0, max(int(carried.max(initial=0)), 1))
    most_empty = max(int(empty.max(initial=0)), 1)
    for origin, destination in zip(*np.nonzero(empty), strict=True):
        width = 0.5 + 2.5 * empty[origin, destination] / most_empty
        _arrow(axes, xy[origin], xy[destination], width, 2 * BEND, color="grey", alpha=0.8, linestyle="--")
    pairs = np.argwhere(carried > 0)
    for origin, destination in pairs[np.argsort(carried[carried > 0], kind="stable")]:  # the busiest on top
        count = carried[origin, destination]
        _arrow(axes, xy[origin], xy[destination], 0.3 + MAX_WIDTH * shade(count), BEND, color=FLOWS(shade(count)))
    for kind, (marker, colour) in STYLE.items():
        ports = [k for k, port in enumerate(instance.vertiports) if port.kind == kind]
        if ports:
            areas = [min(max(AREA_PER_SPOT * instance.vertiports[k].parking, 20.0), 600.0) for k in ports]
            axes.scatter(xy[ports, 0], xy[ports, 1], s=areas, marker=marker, color=colour, edgecolors="black",
                         linewidths=0.5, zorder=3, label=kind)  # fmt: skip
    for port, (x, y) in zip(instance.vertiports, xy, strict=True):
        axes.annotate(port.name, (x, y), xytext=(5, 5), textcoords="offset points", fontsize="x-small", zorder=4)
    handles, _ = axes.get_legend_handles_labels()
    if empty.any():
        label = f"flown empty (widest: {most_empty})"
        handles.append(Line2D([], [], color="grey", linestyle="--", linewidth=3.0, label=label))
    axes.legend(handles=handles, loc="upper left", fontsize="x-small", title="marker area: parking",
                title_fontsize="x-small")  # fmt: skip
    colour_bar = axes.figure.colorbar(ScalarMappable(shade, FLOWS), ax=axes, shrink=0.7, pad=0.01)
    colour_bar.set_label("passengers carried on the route (arrow width too)", fontsize="small")
    axes.set_aspect("equal", adjustable="datalim")
    axes.margins(0.1)
    axes.set_xlabel("x (km)")
    axes.set_ylabel("y (km)")
    axes.set_title("the day's flights per route", fontsize="medium")


def _arrow(axes: Axes, start: np.ndarray, end: np.ndarray, width: float, bend: float, **style: Any) -> None:
    arrow = FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=5 + 1.5 * width,
                            linewidth=width, connectionstyle=f"arc3,rad={bend}", shrinkA=7, shrinkB=7, zorder=2,
                            **style)  # fmt: skip
    axes.add_patch(arrow)


def _draw_charge(axes: Axes, instance: UAMInstance, record: dict[str, Any]) -> None:
    levels = charge_levels(instance, record)
    hours = instance.hour(np.arange(instance.num_slots + 1))
    for window in instance.peak_hours:
        axes.axvspan(*window, color="orange", alpha=0.1, linewidth=0)
    lines = np.stack([np.broadcast_to(hours, levels.shape), levels], axis=-1)
    fade = min(0.5, 4 / instance.num_aircraft)  # a large fleet's lines would hide the mean
    axes.add_collection(LineCollection(list(lines), colors="tab:blue", linewidths=0.7, alpha=fade))
    axes.plot(hours, levels.mean(0), color="black", linewidth=2.5)
    axes.axhline(instance.reserve_kwh, color="tab:red", linestyle="--", linewidth=1.2)
    handles = [
        Line2D([], [], color="tab:blue", linewidth=0.7, label="an aircraft"),
        Line2D([], [], color="black", linewidth=2.5, label="fleet mean"),
        Line2D([], [], color="tab:red", linestyle="--", linewidth=1.2, label=f"reserve ({instance.reserve_kwh} kWh)"),
    ]
    axes.legend(handles=handles, loc="lower left", fontsize="x-small")
    axes.set_xlim(hours[0], hours[-1])
    axes.set_ylim(0, instance.battery_kwh * 1.02)
    axes.set_xlabel("hour of day (peaks shaded)")
    axes.set_ylabel(f"state of charge (kWh of {instance.battery_kwh})")
    axes.set_title(f"state of charge, {instance.num_aircraft} aircraft", fontsize="medium")


def day_figure(instance: UAMInstance, record: dict[str, Any], title: str | None = None) -> Figure:
    """The network map with the day's flows (left) and the fleet's state of charge (right). The
    heading carries the profit, passengers served and spilled, and flights when the record has
    them (a final record does)."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    network, charge = figure.subplots(1, 2, width_ratios=(1.1, 1.0))
    _draw_network(network, instance, record)
    _draw_charge(charge, instance, record)
    heading = title or instance.name
    heading += f": {instance.num_vertiports} vertiports, {len(record['flights'])} flights"
    if "profit" in record:
        heading += f", profit ${record['profit']:,.0f}, {record['served']} served, {record['spilled']} spilled"
        heading += f", {record['empty_flights']} empty flights"
    figure.suptitle(heading, fontsize="medium")
    return figure


def render_rgb(instance: UAMInstance, record: dict[str, Any]) -> np.ndarray:
    """The day's picture as an (H, W, 3) uint8 array (the env's `render`)."""
    return figure_rgb(day_figure(instance, record))


def save_day(instance: UAMInstance, record: dict[str, Any], path: Path, title: str | None = None) -> None:
    """Writes the day's picture (format from the suffix)."""
    day_figure(instance, record, title).savefig(path)
