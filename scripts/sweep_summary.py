"""A multirun folder (Hydra -m: seeds, grids or an Optuna study) as a table and a plot of
the objective against each hyperparameter that varies across its runs.

    python scripts/sweep_summary.py multirun/train/<time>                  # table on stdout
    python scripts/sweep_summary.py multirun/train/<time> --plot sweep.png --markdown sweep.md
    python scripts/sweep_summary.py multirun/a multirun/b ...             # an ablation: one folder per variant

With several folders (one per variant of an ablation, each over seeds), the variants are
compared on the validation objective itself: the gap of each run is to the best rule under
that run's own settings (a variant that changes the env, the scheme say, changes the rules'
results too), so gaps of different variants do not compare, and objectives do.

Reads each run's .hydra/overrides.yaml and result.json (written by train.py); runs that
have no result.json (failed or still running) are listed as such. Rows that differ only
in `seed` are also summarised as mean and standard deviation over the seeds.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any

import yaml

OBJECTIVE = "best_gap_percent"


def read_runs(folder: Path) -> list[dict[str, Any]]:
    runs = []
    for overrides_file in sorted(folder.glob("*/.hydra/overrides.yaml"), key=lambda p: _job_number(p.parents[1])):
        run_dir = overrides_file.parents[1]
        overrides = yaml.safe_load(overrides_file.read_text(encoding="utf-8")) or []
        params = dict(item.lstrip("+~").split("=", 1) for item in overrides if "=" in item)
        result_file = run_dir / "result.json"
        result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else None
        runs.append({"run": run_dir.name, "params": params, "result": result})
    return runs


def _job_number(run_dir: Path) -> float:
    return int(run_dir.name) if run_dir.name.isdigit() else math.inf


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _cell(text: str) -> str:
    number = _number(text)
    return f"{number:.4g}" if number is not None and not text.lstrip("-").isdigit() else text


def best_objective(run_dir: Path, result: dict[str, Any]) -> float:
    """The best checkpoint's mean validation objective, from its gap to the run's best rule."""
    from schedrl import envs

    env_id = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))["env"]["id"]
    return float(envs.family(env_id).objective.value_at(result["best_rule_objective"], result[OBJECTIVE]))


def variants_table(folders: list[Path]) -> str:
    """Per folder: the mean and spread over its seeds of the best validation objective, and the
    best rule's objective under its settings."""
    header = ["variant", "seeds", "mean best objective", "std", "best rule (its objective)", "mean gap to it %"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for folder in folders:
        done = [(folder / run["run"], run["result"]) for run in read_runs(folder) if run["result"]]
        if not done:
            lines.append(f"| {folder.name} | 0 | no result (failed or running) | | | |")
            continue
        objectives = [best_objective(run_dir, result) for run_dir, result in done]
        rules = sorted({f"{result['best_rule']} ({result['best_rule_objective']:.4g})" for _, result in done})
        spread = statistics.stdev(objectives) if len(objectives) > 1 else 0.0
        gap = statistics.mean(result[OBJECTIVE] for _, result in done)
        cells = [folder.name, str(len(done)), f"{statistics.mean(objectives):.4g}", f"{spread:.3g}", ", ".join(rules),
                 f"{gap:+.2f}"]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def varying_keys(runs: list[dict[str, Any]]) -> list[str]:
    keys = sorted({key for run in runs for key in run["params"]})
    return [key for key in keys if len({run["params"].get(key) for run in runs}) > 1]


def table(runs: list[dict[str, Any]], keys: list[str]) -> str:
    header = ["run", *keys, "best gap %", "last gap %", "steps"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ranked = sorted(runs, key=lambda run: run["result"][OBJECTIVE] if run["result"] else math.inf)
    for run in ranked:
        result = run["result"]
        scores = (
            [f"{result[OBJECTIVE]:+.2f}", f"{result['last_gap_percent']:+.2f}", str(result["steps"])]
            if result
            else ["no result (failed or running)", "", ""]
        )
        cells = [run["run"], *(_cell(run["params"].get(k, "")) for k in keys), *scores]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def seed_table(runs: list[dict[str, Any]], keys: list[str]) -> str | None:
    """Mean and spread over seeds of each configuration, when runs differ in seed."""
    if "seed" not in keys:
        return None
    others = [key for key in keys if key != "seed"]
    groups: dict[tuple[str, ...], list[float]] = {}
    for run in runs:
        if run["result"]:
            config = tuple(_cell(run["params"].get(k, "")) for k in others)
            groups.setdefault(config, []).append(run["result"][OBJECTIVE])
    header = [*others, "seeds", "mean best gap %", "std"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for config, values in sorted(groups.items(), key=lambda kv: statistics.mean(kv[1])):
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        lines.append(
            "| " + " | ".join([*config, str(len(values)), f"{statistics.mean(values):+.2f}", f"{spread:.2f}"]) + " |"
        )
    return "\n".join(lines)


def plot(runs: list[dict[str, Any]], keys: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [run for run in runs if run["result"]]
    keys = keys or ["run"]
    figure, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 3.2), squeeze=False)
    for axis, key in zip(axes[0], keys, strict=True):
        values = [run["params"].get(key, run["run"]) if key != "run" else run["run"] for run in done]
        objectives = [run["result"][OBJECTIVE] for run in done]
        numbers = [_number(value) for value in values]
        if all(number is not None for number in numbers):
            axis.scatter(numbers, objectives)
            positive = [n for n in numbers if n is not None and n > 0]
            if len(positive) == len(numbers) and max(positive) / min(positive) > 20:
                axis.set_xscale("log")
        else:
            categories = sorted(set(values))
            axis.scatter([categories.index(v) for v in values], objectives)
            axis.set_xticks(range(len(categories)), categories)
        axis.set_xlabel(key)
        axis.set_ylabel("validation gap to best rule (%)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", type=Path, nargs="+", help="a multirun folder (multirun/train/<time>), or several")
    parser.add_argument("--plot", type=Path, help="write the objective-vs-hyperparameter plot here")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    for folder in args.folders:
        if not read_runs(folder):
            raise SystemExit(f"error: {folder} holds no Hydra runs (no */.hydra/overrides.yaml)")
    if len(args.folders) > 1:
        text = variants_table(args.folders)
        print(text)
        if args.markdown:
            args.markdown.write_text(text + "\n", encoding="utf-8")
        return
    folder = args.folders[0]
    runs = read_runs(folder)
    keys = varying_keys(runs)
    text = table(runs, keys)
    per_seed = seed_table(runs, keys)
    if per_seed:
        text += "\n\nOver seeds:\n\n" + per_seed
    study = folder / "optimization_results.yaml"
    if study.exists():
        text += "\n\nOptuna: " + json.dumps(yaml.safe_load(study.read_text(encoding="utf-8")))
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    if args.plot:
        plot(runs, keys, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
