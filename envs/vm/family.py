"""The VM-rescheduling family record: snapshots, the greedy heuristic, CP-SAT and POP, and
the independent plan validator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schedrl.envs.core.family import Deferred, ProblemFamily, RecordKeys
from schedrl.envs.core.objective import Objective
from schedrl.envs.vm.benchmarks import CATALOG
from schedrl.envs.vm.env import ENV_SETTINGS
from schedrl.envs.vm.instance import VMSnapshot
from schedrl.envs.vm.parser import parse_snapshot
from schedrl.envs.vm.rules import vm_baselines
from schedrl.envs.vm.validate import RECORD_KEYS

METRICS = ("initial_fragment_rate", "migrations_used")


def fit_kwargs(instances: list[VMSnapshot]) -> dict[str, Any]:
    return {"max_pms": max(i.num_pms for i in instances), "max_vms": max(i.num_vms for i in instances)}


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    """reward_scale x (initial FR - final FR)."""
    return float(env_kwargs.get("reward_scale", 1.0)) * (info["initial_fragment_rate"] - info["fragment_rate"])


SOLVERS = {  # OR-Tools loads only when a solver is asked for
    "cpsat": Deferred("schedrl.envs.vm.cpsat:VMCPSatSolver"),
    "pop": Deferred("schedrl.envs.vm.cpsat:VMPopSolver"),
}
VM_RESCHEDULE = ProblemFamily(
    env_id="schedrl/VMReschedule-v0",
    entry_point="schedrl.envs.vm.env:VMRescheduleEnv",
    objective=Objective("fragment_rate", "min"),
    instances=CATALOG,
    baselines=vm_baselines,
    solution_record=RecordKeys(RECORD_KEYS),
    validate=Deferred("schedrl.envs.vm.validate:validate_plan"),
    fit_kwargs=fit_kwargs,
    episode_return=episode_return,
    perturbations=Deferred("schedrl.envs.vm.perturbations:perturbations"),
    test_instances={"kind": "generated", "count": 2, "seed": 3, "num_pms": 8, "mnl": 6},
    metrics=METRICS,
    kwarg_variants=({}, {"auto_single_choice": False}, {"reward_scale": 10.0}),
    parsers={"json": lambda text: parse_snapshot(text, "text")},
    solvers=SOLVERS,
    draw_solution=Deferred("schedrl.envs.vm.render:save_plan_picture"),
    report=Deferred("schedrl.envs.vm.report:improvement_shares"),
    env_settings=ENV_SETTINGS,
)
