"""The SoC family record: streams of application DAGs on a heterogeneous SoC, DS3's
step-wise rules, the whole-DAG list schedulers and CP-SAT, and the independent trace
validator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schedrl.envs.core.family import Deferred, ProblemFamily, RecordKeys
from schedrl.envs.core.objective import Objective
from schedrl.envs.soc.benchmarks import CATALOG
from schedrl.envs.soc.env import ENV_SETTINGS, envelope_sizes
from schedrl.envs.soc.parser import parse_application, parse_platform
from schedrl.envs.soc.rules import soc_baselines
from schedrl.envs.soc.validate import RECORD_KEYS

METRICS = ("makespan", "completed_jobs", "throughput")


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    """-reward_scale x the total latency of every job, warm-up included."""
    completion: dict[int, int] = {}
    for job, _task, _pe, _start, finish in info["trace"]:
        completion[job] = max(completion.get(job, finish), finish)
    total = sum(completion[job] - arrival for job, arrival in enumerate(info["arrivals"]))
    return -float(env_kwargs.get("reward_scale", 0.001)) * total


SOC = ProblemFamily(
    env_id="schedrl/SoC-v0",
    entry_point="schedrl.envs.soc.env:SoCEnv",
    objective=Objective("average_latency", "min"),
    instances=CATALOG,
    baselines=soc_baselines,
    solution_record=RecordKeys(RECORD_KEYS),
    validate=Deferred("schedrl.envs.soc.validate:validate_trace"),
    fit_kwargs=envelope_sizes,
    episode_return=episode_return,
    perturbations=Deferred("schedrl.envs.soc.perturbations:perturbations"),
    # A stream for the rules and one DAG at t = 0 for the whole-DAG solvers.
    test_instances={
        "kind": "union",
        "sets": [
            {"kind": "generated", "count": 1, "seed": 3, "num_jobs": 4, "scale": 20.0, "noise": 0.2},
            {"kind": "benchmark", "names": ["canonical"]},
        ],
    },
    metrics=METRICS,
    kwarg_variants=({}, {"action_mode": "eft"}, {"auto_single_choice": False}, {"reward_scale": 1.0}),
    parsers={
        "ds3_job": lambda text: parse_application(text, "text"),
        "ds3_soc": lambda text: parse_platform(text, "text"),
    },
    solvers={  # OR-Tools loads only when a solver is asked for
        "heft": Deferred("schedrl.envs.soc.listsched:HeftSolver"),
        "cpop": Deferred("schedrl.envs.soc.listsched:CpopSolver"),
        "cpsat": Deferred("schedrl.envs.soc.cpsat:SoCCPSatSolver"),
    },
    draw_solution=Deferred("schedrl.envs.soc.render:save_timeline"),
    env_settings=ENV_SETTINGS,
)
