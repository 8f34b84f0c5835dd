"""Evaluate policies and solvers on instance sets: per-instance CSV, solution JSONs, the
env kwargs of each method, a Markdown summary by group, plots, and all of it on one
self-contained page, report.html. Rerun into the same folder to resume:

    python evaluate.py                                   # the default family preset: its rules, its default set
    python evaluate.py family=<family> instances=<family>/<set> solvers=[<solver>]   # configs/family/, instances/
    python evaluate.py checkpoints=[jssp_10x10] samples=[64] policies=[mwkr]
    python evaluate.py solvers=[cpsat_5s,cpsat_60s] +solver_options.cpsat_5s='{solver:cpsat,time_limit:5}' \\
        +solver_options.cpsat_60s='{solver:cpsat,time_limit:60}'      # labelled solver variants
    python evaluate.py hydra.run.dir=outputs/evaluate/<run>   # resume an interrupted run
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from schedrl import envs
from schedrl.agents.config import DEVICES, resolve_device
from schedrl.envs.core import progress
from schedrl.envs.core.family import ProblemFamily, pick
from schedrl.envs.core.instances import unique_labels
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.overrides import run_dir_problem, unknown_override
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.core.solver import Solver
from schedrl.envs.evaluation.harness import EvaluationPlan, run_evaluation
from schedrl.envs.evaluation.html_report import write_html_report
from schedrl.envs.evaluation.report import (
    best_methods,
    markdown_summary,
    plot_gap_bars,
    plot_objective_by_parameter,
    summarize,
)
from schedrl.envs.evaluation.store import ResultRow, ResultStore
from schedrl.errors import ConfigError, user_errors_exit

ENV_KWARGS = "env_kwargs.json"


def as_dict(node: Any) -> dict[str, Any]:
    """A config section as a plain dict (empty for null)."""
    container = OmegaConf.to_container(node, resolve=True) if node is not None else None
    return {str(key): value for key, value in container.items()} if isinstance(container, dict) else {}


def checkpoint_labels(references: list[str]) -> list[str]:
    """Short, distinct names: a shipped name as it is, a folder as '<run>/<checkpoint>',
    longer where two runs share that (run 0/best of two sweeps)."""
    folders = [i for i, r in enumerate(references) if len(Path(r).parts) > 1]
    longer = unique_labels([Path(references[i]) for i in folders], skip=("checkpoints",), min_parts=2)
    labels = list(references)
    for index, label in zip(folders, longer, strict=True):
        labels[index] = label
    return labels


def learned_solvers(cfg: DictConfig, env_id: str, instances: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Trained policies, greedy and with each sample count, as whole-instance solvers (each
    runs on an env with the kwargs it was trained on), and what identifies each result."""
    from schedrl import agents  # type: ignore[attr-defined]  # mypy: package-dir mapping

    references = [str(reference) for reference in cfg.checkpoints]
    same = {str(Path(r).resolve()) if Path(r).exists() else r for r in references}
    if len(same) < len(references):
        raise ConfigError(f"checkpoints lists a checkpoint twice: {references}")
    if cfg.samples and not references:
        raise ConfigError(
            f"samples={list(cfg.samples)} applies to checkpoints, and none is given: add checkpoints=[...]"
        )
    solvers: dict[str, Any] = {}
    identities: dict[str, Any] = {}
    for reference, label in zip(references, checkpoint_labels(references), strict=True):
        greedy = agents.load(reference, seed=int(cfg.seed), device=cfg.device, name=label)  # read once
        if greedy.env_id != env_id:
            raise ConfigError(f"checkpoint {reference!r} was trained on {greedy.env_id}, not env_id={env_id}")
        for samples in [0, *cfg.samples]:
            policy = agents.LearnedPolicy(
                greedy.network, greedy.env_id, greedy.env_kwargs, name=label, samples=int(samples), seed=int(cfg.seed)
            )
            for instance in instances:
                policy.check_sampling(instance)
            solvers[policy.name] = policy
            identities[policy.name] = {
                "checkpoint": greedy.digest, "env_kwargs": envs.family(env_id).effective_kwargs(greedy.env_kwargs),
                "samples": int(samples), "seed": int(cfg.seed),
            }  # fmt: skip
    return solvers, identities


def make_solvers(
    family: ProblemFamily, names: list[str], options: dict[str, Any]
) -> tuple[dict[str, Solver], dict[str, Any]]:
    """Solvers by family name (`cpsat`) or by label (`cpsat_5s`, with
    `solver_options.cpsat_5s.solver: cpsat`), and what identifies each one's results."""
    solvers: dict[str, Solver] = {}
    identities: dict[str, Any] = {}
    for name in names:
        settings = dict(options.get(name) or {})
        kind = str(settings.pop("solver", name))
        factory = pick("solver", family.solvers, [kind])[kind]
        try:
            solvers[name] = factory(**settings)
        except (TypeError, ConfigError) as error:  # an option the solver does not take, or a bad value
            raise ConfigError(f"solver_options.{name}: {error}") from None
        identities[name] = {"solver": kind, "options": settings}
    return solvers, identities


EVALUATE_SETTINGS = (
    Setting("env_id", str),
    Setting("seed", int, 0, 2**32 - 1),
    Setting("checkpoints", list, item=str),
    Setting("samples", list, 1, item=int),
    Setting("solvers", list, item=str),
    Setting("device", str, choices=DEVICES),
    Setting("pictures", bool),
    Setting("plots", bool),
    Setting("report", bool),
)


def check_evaluate_config(cfg: DictConfig) -> None:
    """Every value's type and range, before any instance is loaded or solver built."""
    values = as_dict(cfg)
    check_settings(values, EVALUATE_SETTINGS)
    if values.get("policies") != "all":
        Setting("policies", list, item=str, choices=None).check(values.get("policies"))
    if values.get("checkpoints"):
        resolve_device(str(values["device"]))


def merged(kind: str, *parts: dict[str, Any]) -> dict[str, Any]:
    """One dict of several, refusing a name that two of them use (one would vanish)."""
    result: dict[str, Any] = {}
    for part in parts:
        for name, value in part.items():
            if name in result:
                raise ConfigError(f"two {kind}s are both named {name!r}: give each its own name")
            result[name] = value
    return result


def build_plan(cfg: DictConfig, output_dir: Path) -> EvaluationPlan:
    check_evaluate_config(cfg)
    family = envs.family(cfg.env_id)
    env_kwargs = as_dict(cfg.env)
    if "instance" in env_kwargs:
        raise ConfigError(
            "env.instance: an evaluation takes its instances from `instances` (e.g. instances.names=[ft10])"
        )
    family.check_env_kwargs(env_kwargs)
    instances = family.load_instances(as_dict(cfg.instances))
    baselines = family.baselines(int(cfg.seed))
    names = list(baselines) if cfg.policies == "all" else list(cfg.policies)
    for key, listed in (("policies", names), ("solvers", list(cfg.solvers))):
        if len(set(listed)) < len(listed):
            raise ConfigError(f"{key} lists a name twice: {listed}")
    policies = pick("policy", baselines, names)
    learned, learned_ids = learned_solvers(cfg, cfg.env_id, instances)
    solvers, solver_ids = make_solvers(family, list(cfg.solvers), as_dict(cfg.solver_options))
    policy_ids = {name: {"policy": name, "env_kwargs": family.effective_kwargs(env_kwargs), "seed": int(cfg.seed)}
                  for name in policies}  # fmt: skip
    return EvaluationPlan(
        family=family,
        instances=instances,
        policies=policies,
        solvers=merged("method", learned, solvers),
        env_kwargs=env_kwargs,
        seed=int(cfg.seed),
        picture_dir=output_dir / "pictures" if cfg.pictures else None,
        identities={**policy_ids, **learned_ids, **solver_ids},
    )


def record_env_kwargs(console: Console, plan: EvaluationPlan, output_dir: Path) -> None:
    """env_kwargs.json: the env kwargs each method ran with (null: a solver that runs no env);
    prints where a checkpoint's training kwargs differ from this run's."""
    run_kwargs = dict(plan.env_kwargs)
    used: dict[str, Any] = {name: run_kwargs for name in plan.policies}
    for name, solver in plan.solvers.items():
        kwargs = getattr(solver, "env_kwargs", None)  # a trained policy's; None: the solver runs no env
        used[name] = kwargs
        if kwargs is None:
            continue
        ours, theirs = plan.family.effective_kwargs(run_kwargs), plan.family.effective_kwargs(kwargs)
        differing = sorted(k for k in {*ours, *theirs} if theirs.get(k) != ours.get(k))
        if differing:
            shown = ", ".join(f"{k}={theirs.get(k)!r} (run: {ours.get(k)!r})" for k in differing)
            console.print(f"note: {name} runs with its training env kwargs: {shown}")
    path = output_dir / ENV_KWARGS
    try:
        previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"{path} is damaged ({error}); remove it, or write to a new folder (hydra.run.dir=...)"
        ) from None
    path.write_text(json.dumps({**previous, **used}, indent=2, default=str) + "\n", encoding="utf-8")


def print_table(console: Console, rows: list[ResultRow], objective: Objective) -> None:
    groups, methods, cells = summarize(rows)
    table = Table(title=f"gap to best-known {objective.key} (%; positive is worse), mean ± std by group")
    table.add_column("group")
    table.add_column("n", justify="right")
    for method in methods:
        table.add_column(method, justify="right")
    for group in groups:
        best = best_methods(cells, group, methods, objective)
        values = []
        for method in methods:
            cell = cells.get((group, method))
            if cell is None:
                values.append("-")
                continue
            text = str(cell.gap) if cell.gap is not None else f"{cell.objective}*"
            values.append(f"[bold green]{text}[/]" if method in best else text)
        count = max(cells[(group, m)].count for m in methods if (group, m) in cells)
        table.add_row(group, str(count), *values)
    console.print(table)
    if any(cell.gap is None for cell in cells.values()):
        console.print(f"*: no best-known value; the mean {objective.key} ({objective.wording}) instead")


@hydra.main(version_base="1.3", config_path="configs", config_name="evaluate")
def main(cfg: DictConfig) -> None:
    with user_errors_exit():
        run(cfg)


def evaluate_pending(console: Console, plan: EvaluationPlan, store: ResultStore, output_dir: Path) -> list[ResultRow]:
    """Runs what the folder lacks, with a progress bar on a terminal and a line per result
    elsewhere (a log file); every row of the plan, in plan order."""
    pending, cells = len(plan.pending(store)), plan.cells()
    skipped = len(plan.instances) * len(plan.methods) - len(cells)
    console.print(
        f"{len(plan.instances)} instances x {len(plan.methods)} methods"
        + (f" ({skipped} left empty: solvers that do not model those instances)" if skipped else "")
        + f"; {pending} to run, {len(cells) - pending} already in {output_dir}"
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("evaluating", total=pending)
        # the running method, then what it reports (a solver's incumbent and bound)
        with progress.listening(lambda line: bar.update(task, description=line)):
            for done, row in enumerate(run_evaluation(plan, store), 1):
                bar.advance(task)
                if not console.is_terminal:
                    console.print(f"[{done}/{pending}] {row.instance} {row.policy}: {plan.family.objective.key} "
                                  f"{row.objective:g}, {row.wall_time_s:.2f} s")  # fmt: skip
    return [store.rows[(i.name, m)] for i, m in cells]


def write_reports(cfg: DictConfig, plan: EvaluationPlan, rows: list[ResultRow], store: ResultStore) -> list[str]:
    """summary.md, plots, the family's own report and report.html; the names of what was written."""
    family, output_dir = plan.family, store.directory
    print_table(Console(width=None if sys.stdout.isatty() else 160), rows, family.objective)
    (output_dir / "summary.md").write_text(markdown_summary(rows, family.objective), encoding="utf-8")
    plots = []
    if cfg.plots and plot_gap_bars(rows, output_dir / "gap_by_group.png", family.objective):
        plots.append("gap_by_group.png")
    if cfg.plots and plot_objective_by_parameter(rows, output_dir / "objective_by_parameter.png", family.objective):
        plots.append("objective_by_parameter.png")
    family_outputs = family.report(rows, output_dir) if family.report is not None else []
    written = ["results.csv", "summary.md", ENV_KWARGS, "solutions/", *plots, *family_outputs]
    if plan.picture_dir is not None:
        written.append("pictures/")
    if cfg.report:
        settings = {"instances": as_dict(cfg.instances), "env": as_dict(cfg.env), "seed": int(cfg.seed)}
        written.append(write_html_report(plan, rows, store, settings, plots, family_outputs))
    return written


def run(cfg: DictConfig, output_dir: Path | None = None) -> list[ResultRow]:
    console = Console(width=None if sys.stdout.isatty() else 160)
    output_dir = output_dir or Path(HydraConfig.get().runtime.output_dir)
    plan = build_plan(cfg, output_dir)
    family = plan.family
    with ResultStore(output_dir, family.objective.key, family.metrics) as store:  # one evaluation per folder
        plan.check_resumable(store)
        legacy = store.adopt(plan.fingerprints())
        if legacy:
            console.print(f"note: {legacy} stored rows carried no settings fingerprint (an older schedrl wrote them); "
                          "they are taken as made with this run's settings")  # fmt: skip
        record_env_kwargs(console, plan, output_dir)
        rows = evaluate_pending(console, plan, store, output_dir)
        written = write_reports(cfg, plan, rows, store)
    console.print(f"all {len(rows)} solutions validated; wrote {', '.join(written)} in {output_dir}")
    return rows


if __name__ == "__main__":
    problem = run_dir_problem(sys.argv[1:]) or unknown_override(
        Path(__file__).parent / "configs", "evaluate", sys.argv[1:]
    )
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)  # the exit status of every mistake schedrl reports (README: exit codes)
    main()
