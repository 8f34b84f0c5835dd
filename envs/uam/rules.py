"""The online baselines, each a `Policy` reading the env's simulation. Ties go to the lower
vertiport index.

- greedy: demand-following with a state-of-charge threshold, the issue's baseline: below
  `charge_below` of the battery, charge when a charger is free; otherwise fly to the
  destination with the most passengers waiting (at least one), else stay;
- greedy_profit: fly where the boarding passengers' fares beat the flight's cost by most,
  else charge below the threshold, else stay: it never flies at a loss;
- random: a uniformly random legal choice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from schedrl.envs.core.policy import Policy, RandomPolicy, SimulationRule
from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation

Choice = int | str
CHARGE_BELOW = 0.6  # share of the battery under which the greedy rules charge


def _charge_low(sim: FleetSimulation) -> bool:
    options = sim.options
    return options.charge and sim.soc[options.aircraft] < CHARGE_BELOW * sim.instance.battery_kwh


def greedy(sim: FleetSimulation) -> Choice:
    if _charge_low(sim):
        return CHARGE
    options = sim.options
    load = np.where(options.fly, options.passengers, 0)
    return int(np.argmax(load)) if load.max() > 0 else STAY


def greedy_profit(sim: FleetSimulation) -> Choice:
    options = sim.options
    profit = np.where(options.fly, options.flight_profit, -np.inf)
    if profit.max() > 0:
        return int(np.argmax(profit))
    return CHARGE if _charge_low(sim) else STAY


def play(instance: UAMInstance, rule: Callable[[FleetSimulation], Choice]) -> FleetSimulation:
    """A whole day of `rule` on `instance`."""
    sim = FleetSimulation(instance)
    while not sim.done:
        sim.apply(rule(sim))
    return sim


def uam_baselines(seed: int = 0) -> dict[str, Policy]:
    rules = (greedy, greedy_profit)
    return {rule.__name__: SimulationRule(rule.__name__, rule) for rule in rules} | {"random": RandomPolicy(seed)}
