"""The UAM fleet family record: profit over an operating day, the online baselines, the
perfect-information references (integer program, genetic algorithm) and the trace checker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schedrl.envs.core.family import Deferred, ProblemFamily, RecordKeys
from schedrl.envs.core.objective import Objective
from schedrl.envs.uam.benchmarks import CATALOG
from schedrl.envs.uam.env import ENV_SETTINGS, envelope_sizes
from schedrl.envs.uam.parser import parse_scenario
from schedrl.envs.uam.rules import uam_baselines
from schedrl.envs.uam.validate import RECORD_KEYS

METRICS = ("served", "spilled", "empty_flights", "energy_kwh")
_SHORT_DAYS = {"num_vertiports": [3, 4], "num_aircraft": [4, 6], "num_slots": 12, "closure_rate": 3.0}


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    return float(env_kwargs.get("reward_scale", 0.01)) * info["profit"]


UAM_FLEET = ProblemFamily(
    env_id="schedrl/UAMFleet-v0",
    entry_point="schedrl.envs.uam.env:UAMFleetEnv",
    objective=Objective("profit", "max"),
    instances=CATALOG,
    baselines=uam_baselines,
    solution_record=RecordKeys(RECORD_KEYS),
    validate=Deferred("schedrl.envs.uam.validate:validate_record"),
    fit_kwargs=envelope_sizes,
    episode_return=episode_return,
    perturbations=Deferred("schedrl.envs.uam.perturbations:perturbations"),
    test_instances={
        "kind": "union",
        "sets": [
            {"kind": "generated", "count": 1, "seed": 3, "num_vertiports": 3, "num_aircraft": 4, "num_slots": 10},
            {
                "kind": "generated",
                "count": 1,
                "seed": 4,
                "layout": "random",
                "num_vertiports": 4,
                "num_aircraft": 5,
                "num_slots": 12,
                "closure_rate": 3.0,
                "downtime_probability": 0.5,
            },
        ],
    },
    metrics=METRICS,
    # Short days: the default (8 vertiports, 40 aircraft, 64 slots) takes ~2,000 decisions an episode.
    kwarg_variants=(
        {"generator": _SHORT_DAYS},
        {"generator": _SHORT_DAYS | {"layout": "random"}, "reward_scale": 1.0},
        {"generator": _SHORT_DAYS, "auto_single_choice": False},
    ),
    parsers={"json": parse_scenario},
    solvers={
        # Both see the whole day (demand, delays, closures, downtime): references, not online methods.
        "ip": Deferred("schedrl.envs.uam.cpsat:TimeExpandedIP"),
        "ga": Deferred("schedrl.envs.uam.genetic:GeneticPlanner"),
        # Step by step, each choice judged on the real future: a reference and the shipped policy's teacher.
        "lookahead": Deferred("schedrl.envs.uam.lookahead:Lookahead"),
    },
    draw_solution=Deferred("schedrl.envs.uam.render:save_day"),
    report=Deferred("schedrl.envs.uam.report:uam_table"),
    env_settings=ENV_SETTINGS,
)
