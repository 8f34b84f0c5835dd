"""A clairvoyant step-wise reference: each choice is the one whose next `horizon` slots, played
out by the profit greedy on the day's real future (requests, delays, closures, downtime),
earn the most. It sees what no online policy can, so it serves two purposes only: a reference
for how much a better choice now is worth, and a teacher to imitate (as CapTAIN-GAIL imitates
the genetic algorithm's perfect-information plans); the learned policy that imitates it sees
only the observation."""

from __future__ import annotations

import copy
import time

import numpy as np

from schedrl.envs.core.policy import SimulationRule
from schedrl.envs.core.solver import SolverResult
from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.rules import Choice, greedy_profit
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation


def fork(sim: FleetSimulation) -> FleetSimulation:
    """An independent copy of the day's state (the instance and its draws are shared, read-only)."""
    copied = copy.copy(sim)
    for key, value in vars(sim).items():
        if isinstance(value, np.ndarray):
            setattr(copied, key, value.copy())
        elif isinstance(value, list):
            setattr(copied, key, [list(v) if isinstance(v, list) else v for v in value])
    return copied


class Lookahead(SimulationRule):
    """A `Policy` over the env's nodes (reading its simulation); `solve` plays a whole day
    with it."""

    def __init__(self, horizon: int = 4, max_aircraft: int = 12):
        super().__init__("lookahead", self.best_choice)
        self.horizon = horizon
        self.max_aircraft = max_aircraft

    def applies_to(self, instance: UAMInstance) -> bool:
        """A reference for the small scenarios, like the planners: it replays the greedy for every
        option of every choice (about 40 ms a choice at 40 aircraft, 90 s a day)."""
        return instance.num_aircraft <= self.max_aircraft

    def best_choice(self, sim: FleetSimulation) -> Choice:
        options = sim.options
        choices: list[Choice] = [STAY, *([CHARGE] if options.charge else []), *np.flatnonzero(options.fly).tolist()]
        if len(choices) == 1:
            return STAY
        end = min(sim.slot + self.horizon, sim.instance.num_slots)
        values = []
        for choice in choices:
            future = fork(sim)
            future.apply(choice)
            while not future.done and future.slot < end:
                future.apply(greedy_profit(future))
            values.append(future.profit)
        return choices[int(np.argmax(values))]  # ties: stay, then charge, then the lower vertiport

    def solve(self, instance: UAMInstance) -> SolverResult:
        started = time.perf_counter()
        sim = FleetSimulation(instance)
        decisions = 0
        while not sim.done:
            sim.apply(self.best_choice(sim))
            decisions += 1
        record = episode_metrics(sim)
        return SolverResult(
            objective=record["profit"],
            solution=record,
            proven_optimal=False,
            status=f"clairvoyant {self.horizon}-slot look-ahead over the profit greedy",
            wall_time=time.perf_counter() - started,
            decisions=decisions,
        )
