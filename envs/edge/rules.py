"""The offloading baselines of the MEC literature, each a `Policy` reading the env's
simulation. Ties go to the lower server index (the cloud first). Candidates are the cloud,
the edges and, where the instance enables it, local execution, except for all_cloud and
round_robin, which offload.

- all_cloud: every task to the cloud;
- round_robin: cloud, edge 1, ..., edge E in turn, by decision count;
- least_loaded: the server whose assigned work (executing and uploading) would take it the
  least time alone;
- greedy_delay / greedy_energy: the least marginal delay / energy for the task;
- weighted_greedy: the least w delay / delay_unit + (1 - w) energy / energy_unit, the task's
  own term of the objective: the one-step optimum of the reward;
- random: a uniformly random legal server.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from schedrl.envs.core.policy import Policy, RandomPolicy, SimulationRule
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.simulation import OffloadSimulation


def all_cloud(sim: OffloadSimulation) -> int:
    return 0


def round_robin(sim: OffloadSimulation) -> int:
    return len(sim.decisions) % sim.instance.num_servers


def least_loaded(sim: OffloadSimulation) -> int:
    return min(sim.candidates(), key=lambda index: sim.server(index).backlog())


def greedy_delay(sim: OffloadSimulation) -> int:
    return int(np.argmin(sim.options.delay))


def greedy_energy(sim: OffloadSimulation) -> int:
    return int(np.argmin(sim.options.energy))


def weighted_greedy(sim: OffloadSimulation) -> int:
    return int(np.argmin(sim.options.cost(sim.instance)))


def play(instance: EdgeInstance, rule: Callable[[OffloadSimulation], int]) -> OffloadSimulation:
    """A whole episode of `rule` on `instance`."""
    sim = OffloadSimulation(instance)
    while not sim.done:
        sim.assign(rule(sim))
    return sim


def edge_baselines(seed: int = 0) -> dict[str, Policy]:
    rules = (all_cloud, round_robin, least_loaded, greedy_delay, greedy_energy, weighted_greedy)
    return {rule.__name__: SimulationRule(rule.__name__, rule) for rule in rules} | {"random": RandomPolicy(seed)}
