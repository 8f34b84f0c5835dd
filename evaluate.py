"""Evaluate policies and solvers on instance sets: per-instance CSV, solution JSONs,
a Markdown summary by group, plots. Rerun into the same folder to resume:

    python evaluate.py                                   # rules on all Taillard groups
    python evaluate.py solvers=[cpsat] instances=benchmark
    python evaluate.py checkpoints=[jssp_10x10] samples=[64] policies=[mwkr]
    python evaluate.py hydra.run.dir=outputs/evaluate/<run>   # resume an interrupted run
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from schedrl.envs.core.family import pick
from schedrl.envs.core.overrides import unknown_override
from schedrl.envs.core.solver import Solver
from schedrl.envs.evaluation.harness import EvaluationPlan, run_evaluation
from schedrl.envs.evaluation.report import markdown_summary, plot_gap_bars, summarize
from schedrl.envs.evaluation.store import ResultRow, ResultStore

from schedrl import envs
from schedrl.errors import ConfigError, user_errors_exit


def as_dict(node: Any) -> dict[str, Any]:
    """A config section as a plain dict (empty for null)."""
    container = OmegaConf.to_container(node, resolve=True) if node is not None else None
    return {str(key): value for key, value in container.items()} if isinstance(container, dict) else {}


def checkpoint_label(reference: str) -> str:
    """A short name for a checkpoint: the shipped name, or '<run>/<checkpoint>' of a path."""
    path = Path(reference)
    if len(path.parts) == 1:
        return reference
    run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    return f"{run.name}/{path.name}"


def learned_solvers(cfg: DictConfig, env_id: str) -> dict[str, Solver]:
    """Trained policies, greedy and with each sample count, as whole-instance solvers:
    each runs on an env with the dynamics it was trained on."""
    from schedrl import agents

    solvers: dict[str, Solver] = {}
    for reference in cfg.checkpoints:
        label = checkpoint_label(str(reference))
        greedy = agents.load(str(reference), seed=int(cfg.seed), device=cfg.device, name=label)  # read once
        if greedy.env_id != env_id:
            raise ConfigError(f"checkpoint {reference!r} was trained on {greedy.env_id}, not env_id={env_id}")
        for samples in [0, *cfg.samples]:
            policy = agents.LearnedPolicy(
                greedy.network, greedy.env_id, greedy.env_kwargs, name=label, samples=int(samples), seed=int(cfg.seed)
            )
            solvers[policy.name] = policy
    return solvers


def make_solver(name: str, factory: Any, options: dict[str, Any]) -> Solver:
    try:
        return factory(**options)
    except TypeError as error:  # an option the solver does not take
        raise ConfigError(f"solver_options.{name}: {error}") from None


def build_plan(cfg: DictConfig, output_dir: Path) -> EvaluationPlan:
    family = envs.family(cfg.env_id)
    options = as_dict(cfg.solver_options)
    solver_factories = pick("solver", family.solvers, list(cfg.solvers))
    return EvaluationPlan(
        family=family,
        instances=family.load_instances(as_dict(cfg.instances)),
        policies=pick("policy", family.baselines(int(cfg.seed)), list(cfg.policies)),
        solvers={
            **learned_solvers(cfg, cfg.env_id),
            **{name: make_solver(name, factory, options.get(name, {})) for name, factory in solver_factories.items()},
        },
        env_kwargs=as_dict(cfg.env),
        seed=int(cfg.seed),
        gantt_dir=output_dir / "gantt" if cfg.gantt else None,
    )


def print_table(console: Console, rows: list[ResultRow], objective: str) -> None:
    groups, methods, cells = summarize(rows)
    table = Table(title=f"mean gap to best-known {objective} (%), by group")
    table.add_column("group")
    table.add_column("n", justify="right")
    for method in methods:
        table.add_column(method, justify="right")
    for group in groups:
        present = [cells[(group, m)] for m in methods if (group, m) in cells]
        gaps = [c.mean_gap for c in present if c.mean_gap is not None]
        best = min(gaps) if gaps else None
        values = []
        for method in methods:
            cell = cells.get((group, method))
            if cell is None or cell.mean_gap is None:
                values.append("-" if cell is None else f"{cell.mean_objective:.0f}*")
            else:
                text = f"{cell.mean_gap:.1f}"
                values.append(f"[bold green]{text}[/]" if cell.mean_gap == best else text)
        table.add_row(group, str(max(c.count for c in present)), *values)
    console.print(table)


@hydra.main(version_base="1.3", config_path="configs", config_name="evaluate")
def main(cfg: DictConfig) -> None:
    with user_errors_exit():
        run(cfg)


def run(cfg: DictConfig) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    output_dir = Path(HydraConfig.get().runtime.output_dir)
    plan = build_plan(cfg, output_dir)
    store = ResultStore(output_dir, plan.family.objective)
    pending = len(plan.pending(store))
    console.print(
        f"{len(plan.instances)} instances x {len(plan.methods)} methods; {pending} to run, "
        f"{len(plan.instances) * len(plan.methods) - pending} already in {output_dir}"
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("evaluating", total=pending)
        for row in run_evaluation(plan, store):
            progress.update(task, advance=1, description=f"{row.instance} {row.policy}")
    rows = [store.rows[(i.name, m)] for i in plan.instances for m in plan.methods]
    objective = plan.family.objective
    print_table(console, rows, objective)
    (output_dir / "summary.md").write_text(markdown_summary(rows, objective), encoding="utf-8")
    written = ["results.csv", "summary.md", "solutions/"]
    if cfg.plots and plot_gap_bars(rows, output_dir / "gap_by_group.png", objective):
        written.append("gap_by_group.png")
    if plan.gantt_dir is not None:
        written.append("gantt/")
    console.print(f"all {len(rows)} solutions validated; wrote {', '.join(written)} in {output_dir}")


if __name__ == "__main__":
    problem = unknown_override(Path(__file__).parent / "configs", "evaluate", sys.argv[1:])
    if problem:
        sys.exit(f"error: {problem}")
    main()
