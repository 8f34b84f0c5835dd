"""The VM-rescheduling family record: snapshots, the greedy heuristic, CP-SAT and POP, and
the independent plan validator."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedrl.envs.core.family import ProblemFamily
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.solver import Solver
from schedrl.envs.vm.benchmarks import CATALOG
from schedrl.envs.vm.env import ENV_SETTINGS
from schedrl.envs.vm.instance import VMSnapshot
from schedrl.envs.vm.parser import parse_snapshot
from schedrl.envs.vm.rules import vm_baselines
from schedrl.envs.vm.validate import RECORD_KEYS

METRICS = ("initial_fragment_rate", "migrations_used")


def _cpsat(**options: Any) -> Solver:
    from schedrl.envs.vm.cpsat import VMCPSatSolver  # OR-Tools loads only when asked for

    return VMCPSatSolver(**options)


def _pop(**options: Any) -> Solver:
    from schedrl.envs.vm.cpsat import VMPopSolver

    return VMPopSolver(**options)


def _solution_record(info: dict[str, Any]) -> dict[str, Any]:
    return {key: info[key] for key in RECORD_KEYS}


def _validate(instance: VMSnapshot, record: dict[str, Any]) -> None:
    from schedrl.envs.vm.validate import validate_plan

    validate_plan(instance, record)


def _perturbations(instance: VMSnapshot, record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    from schedrl.envs.vm.perturbations import perturbations

    return perturbations(instance, record)


def _draw(instance: VMSnapshot, record: dict[str, Any], path: Path, title: str) -> None:
    from schedrl.envs.vm.render import save_plan_picture

    save_plan_picture(instance, record, path, title)


def _report(rows: list[Any], folder: Path) -> list[str]:
    from schedrl.envs.vm.report import improvement_shares

    return improvement_shares(rows, folder)


def fit_kwargs(instances: list[VMSnapshot]) -> dict[str, Any]:
    return {"max_pms": max(i.num_pms for i in instances), "max_vms": max(i.num_vms for i in instances)}


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    """reward_scale x (initial FR - final FR)."""
    return float(env_kwargs.get("reward_scale", 1.0)) * (info["initial_fragment_rate"] - info["fragment_rate"])


SOLVERS = {"cpsat": _cpsat, "pop": _pop}
VM_RESCHEDULE = ProblemFamily(
    env_id="schedrl/VMReschedule-v0",
    entry_point="schedrl.envs.vm.env:VMRescheduleEnv",
    objective=Objective("fragment_rate", "min"),
    instances=CATALOG,
    baselines=vm_baselines,
    solution_record=_solution_record,
    validate=_validate,
    fit_kwargs=fit_kwargs,
    episode_return=episode_return,
    perturbations=_perturbations,
    test_instances={"kind": "generated", "count": 2, "seed": 3, "num_pms": 8, "mnl": 6},
    metrics=METRICS,
    kwarg_variants=({}, {"auto_single_choice": False}, {"reward_scale": 10.0}),
    parsers={"json": lambda text: parse_snapshot(text, "text")},
    solvers=SOLVERS,
    draw_solution=_draw,
    report=_report,
    env_settings=ENV_SETTINGS,
)
