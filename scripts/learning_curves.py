"""Learning curves of train.py runs: the greedy validation objective against environment
steps, one line per run, from each run's logs/progress.csv (resumed runs included).

    python scripts/learning_curves.py outputs/train/<run> [label=outputs/train/<run> ...] \
        --plot curves.png [--every 100000]

With `--gap-target G` (e.g. -2.42), also the first validation whose gap to the best rule
is G % or lower: its step and SB3's time/time_elapsed there (seconds since the process's
learning began; a resumed run counts from its resume).

Prints, per run, the validation objective every `--every` steps (the validation nearest each
mark; validations fall where a rollout ends) and the best one with its step, as a Markdown
table.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

STEP = "time/total_timesteps"
GAP = "validation/gap_to_best_rule_percent"
ELAPSED = "time/time_elapsed"


def validation_column(header: list[str]) -> str | None:
    """The family's validation objective (`validation/<objective>_mean`); None before the first validation."""
    found = [key for key in header if key.startswith("validation/") and key.endswith("_mean")]
    if len(found) > 1:
        raise SystemExit(f"expected one validation/<objective>_mean column, found {found}")
    return found[0] if found else None


def read_rows(run: Path) -> list[dict[str, str]]:
    """The rows of a run's logs/progress.csv."""
    log = run / "logs" / "progress.csv"
    if not log.is_file():
        raise SystemExit(f"{run}: no logs/progress.csv (is it a train.py run folder?)")
    with log.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def curve_of(rows: list[dict[str, str]]) -> tuple[str | None, list[tuple[int, float]]]:
    """(objective column, [(step, validation objective)]) in step order."""
    column = validation_column(list(rows[0]) if rows else [])
    if column is None:
        return None, []
    points = {int(float(row[STEP])): float(row[column]) for row in rows if row.get(column)}
    return column, sorted(points.items())


def first_reaching(rows: list[dict[str, str]], target: float) -> tuple[int, float] | None:
    """(step, seconds) of the first validation with a gap to the best rule of `target` % or lower."""
    for row in rows:
        if row.get(GAP) and float(row[GAP]) <= target:
            return int(float(row[STEP])), float(row.get(ELAPSED) or "nan")
    return None


def at_marks(curve: list[tuple[int, float]], every: int) -> dict[int, float]:
    """The validation nearest each multiple of `every` (the later one on a tie)."""
    marks: dict[int, float] = {}
    for step, value in curve:
        marks[round(step / every) * every] = value
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run folders, optionally as label=folder")
    parser.add_argument("--plot", type=Path, help="write the curves to this picture")
    parser.add_argument("--every", type=int, default=100_000, help="table rows every N steps")
    parser.add_argument("--gap-target", type=float, help="report when each run's validation gap first reached it (%%)")
    args = parser.parse_args()
    curves: dict[str, list[tuple[int, float]]] = {}
    logs: dict[str, list[dict[str, str]]] = {}
    column = "validation/objective_mean"
    for spec in args.runs:
        label, _, folder = spec.rpartition("=") if "=" in spec else (Path(spec).name, "", spec)
        logs[label] = read_rows(Path(folder))
        found, curves[label] = curve_of(logs[label])
        column = found or column
    marks = sorted({mark for curve in curves.values() for mark in at_marks(curve, args.every)})
    name = column.removeprefix("validation/")
    print(f"| steps | {' | '.join(curves)} |")
    print(f"|---:|{'---:|' * len(curves)}")
    for mark in marks:
        values = [at_marks(curve, args.every).get(mark) for curve in curves.values()]
        print(f"| {mark:,} | " + " | ".join("" if v is None else f"{v:.1f}" for v in values) + " |")
    for label, curve in curves.items():
        if not curve:
            print(f"{label}: no validation yet")
            continue
        step, best = min(curve, key=lambda point: point[1])
        print(f"{label}: best validation {name} {best:.1f} at step {step:,} ({len(curve)} validations)")
        if args.gap_target is not None:
            reached = first_reaching(logs[label], args.gap_target)
            where = f"at step {reached[0]:,}, {reached[1]:.0f} s" if reached else "never"
            print(f"{label}: validation gap {args.gap_target:+.2f}% or lower reached {where}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(7, 4))
        for label, curve in curves.items():
            axis.plot([s for s, _ in curve], [v for _, v in curve], marker=".", label=label)
        axis.set_xlabel("environment steps")
        axis.set_ylabel(f"greedy validation {name}")
        axis.grid(alpha=0.3)
        axis.legend()
        figure.tight_layout()
        figure.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
