"""The job-shop family record: ties env, rules, CP-SAT, instance sets and validator together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from schedrl.envs.core.family import Deferred, ProblemFamily
from schedrl.envs.core.objective import Objective
from schedrl.envs.jobshop.benchmarks import CATALOG
from schedrl.envs.jobshop.dynamics import DYNAMICS
from schedrl.envs.jobshop.env import ENV_SETTINGS
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.parser import FORMATS, parse_instance
from schedrl.envs.jobshop.rules import job_shop_baselines


def _solution_record(info: dict[str, Any]) -> dict[str, Any]:
    return {"makespan": info["makespan"], "start_times": info["start_times"]}


def _validate(instance: JobShopInstance, record: dict[str, Any]) -> None:
    from schedrl.envs.jobshop.validate import validate_schedule

    validate_schedule(instance, record["start_times"], record["makespan"])


def _draw(instance: JobShopInstance, record: dict[str, Any], path: Path, title: str) -> None:
    from schedrl.envs.jobshop.render import save_gantt

    save_gantt(instance, record["start_times"], path, f"{title}: makespan {record['makespan']}")


def fit_kwargs(instances: list[JobShopInstance]) -> dict[str, Any]:
    return {"max_jobs": max(i.num_jobs for i in instances), "max_machines": max(i.num_machines for i in instances)}


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    """Dense: initial lower bound minus makespan; sparse: minus makespan; optionally / time scale."""
    unit = 1.0 / info["time_scale"] if env_kwargs.get("normalize_reward", True) else 1.0
    if env_kwargs.get("reward", "dense") == "dense":
        return (info["initial_lower_bound"] - info["makespan"]) * unit
    return -info["makespan"] * unit


def _perturbations(instance: JobShopInstance, record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """One broken copy of a valid record per constraint the validator checks."""
    starts = np.asarray(record["start_times"], dtype=np.int64)
    durations, machines = instance.durations, instance.machines
    job, op = map(int, np.argwhere(durations[:, :-1] > 0)[0])  # an operation that takes time
    machine = machines[job, op]
    other = next(j for j in range(instance.num_jobs) if j != job)
    other_op = int(np.flatnonzero(machines[other] == machine)[0])

    def changed(change: Any) -> dict[str, Any]:
        broken = starts.copy()
        change(broken)
        return {**record, "start_times": broken.tolist()}

    def precedence(s: np.ndarray) -> None:
        s[job, op + 1] = s[job, op]  # the next operation starts before this one ends

    def overlap(s: np.ndarray) -> None:
        s[other, other_op] = s[job, op]  # two operations on one machine at once

    def negative(s: np.ndarray) -> None:
        s -= s.min() + 1

    return [
        ("job precedence", changed(precedence)),
        ("machine capacity", changed(overlap)),
        ("negative start", changed(negative)),
        ("reported makespan", {**record, "makespan": record["makespan"] + 1}),
        ("one start per operation", {**record, "start_times": starts[:-1].tolist()}),
    ]


def _parser(fmt: str) -> Callable[[str], JobShopInstance]:
    return lambda text: parse_instance(text, "text", fmt=fmt)


def _proven_optimal(instance: JobShopInstance, makespan: float) -> bool:
    return instance.lower_bound is not None and makespan <= instance.lower_bound


JOB_SHOP = ProblemFamily(
    env_id="schedrl/JobShop-v0",
    entry_point="schedrl.envs.jobshop.env:JobShopEnv",
    objective=Objective("makespan", "min"),
    instances=CATALOG,
    baselines=job_shop_baselines,
    solution_record=_solution_record,
    validate=_validate,
    fit_kwargs=fit_kwargs,
    episode_return=episode_return,
    perturbations=_perturbations,
    test_instances={"kind": "benchmark", "names": ["ft06", "la01"]},
    kwarg_variants=tuple(
        {"dynamics": dynamics, "reward": reward} for dynamics in DYNAMICS for reward in ("dense", "sparse")
    ),
    parsers={fmt: _parser(fmt) for fmt in FORMATS},
    solvers={"cpsat": Deferred("schedrl.envs.jobshop.cpsat:CPSatSolver")},  # OR-Tools loads when asked for
    draw_solution=_draw,
    batched_engine=Deferred("schedrl.envs.jobshop.batched:batched_engine"),
    proven_optimal=_proven_optimal,
    env_settings=ENV_SETTINGS,
)
