"""The edge-offloading family record: preference-conditioned offloading to a cloud and edge
servers, the MEC baselines, the independent validator and the Pareto/hypervolume report."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from schedrl.envs.core.family import Deferred, ProblemFamily, RecordKeys
from schedrl.envs.core.objective import Objective
from schedrl.envs.edge.benchmarks import CATALOG
from schedrl.envs.edge.env import ENV_SETTINGS, envelope_sizes
from schedrl.envs.edge.parser import parse_scenario
from schedrl.envs.edge.rules import edge_baselines
from schedrl.envs.edge.validate import RECORD_KEYS

METRICS = ("avg_delay", "avg_energy", "preference", "num_edges", "decided")


def episode_return(env_kwargs: Mapping[str, Any], info: dict[str, Any]) -> float:
    """-reward_scale x the decided tasks' objective terms over the episode's reward unit (1, or
    the weighted greedy's mean term with relative_reward), each capped at reward_cap."""
    cap, unit = env_kwargs.get("reward_cap") or math.inf, info["reward_unit"]
    return -float(env_kwargs.get("reward_scale", 1.0)) * sum(min(cost / unit, cap) for cost in info["costs"])


EDGE_OFFLOAD = ProblemFamily(
    env_id="schedrl/EdgeOffload-v0",
    entry_point="schedrl.envs.edge.env:EdgeOffloadEnv",
    objective=Objective("weighted_cost", "min"),
    instances=CATALOG,
    baselines=edge_baselines,
    solution_record=RecordKeys(RECORD_KEYS),
    validate=Deferred("schedrl.envs.edge.validate:validate_record"),
    fit_kwargs=envelope_sizes,
    episode_return=episode_return,
    perturbations=Deferred("schedrl.envs.edge.perturbations:perturbations"),
    test_instances={
        "kind": "union",
        "sets": [
            {"kind": "generated", "count": 1, "seed": 3, "num_edges": 3, "preference": 0.3, "horizon": 12},
            {
                "kind": "generated",
                "count": 1,
                "seed": 4,
                "num_edges": 2,
                "local_freq": 1e9,
                "fading": "step",
                "horizon": 12,
            },
        ],
    },
    metrics=METRICS,
    kwarg_variants=(
        {},
        {"reward_scale": 0.1, "reward_cap": 2.0},
        {"relative_reward": True, "reward_cap": 5.0},
        {"auto_single_choice": False},
    ),
    parsers={"wiopt": parse_scenario},
    solvers={"clairvoyant": Deferred("schedrl.envs.edge.search:ClairvoyantSearch")},  # sees the whole episode
    draw_solution=Deferred("schedrl.envs.edge.render:save_timeline"),
    report=Deferred("schedrl.envs.edge.report:pareto_report"),
    env_settings=ENV_SETTINGS,
)
