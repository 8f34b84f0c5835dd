"""The UAM family's perfect-information references, the time-expanded IP (CP-SAT) and the
genetic algorithm: valid records, never below the greedy rules they start from, the IP's
proof checked against a brute force over every choice sequence written here, and the
small-scenario scope."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import pytest

from schedrl.envs.uam.cpsat import TimeExpandedIP
from schedrl.envs.uam.genetic import GeneticPlanner, greedy_plans
from schedrl.envs.uam.instance import UAMInstance, city_layout
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation
from schedrl.envs.uam.validate import validate_record
from schedrl.errors import ConfigError


def small(seed: int) -> UAMInstance:
    return UAMInstance(vertiports=city_layout(4, 4), num_aircraft=4, num_slots=16, seed=seed)


def tiny(num_aircraft: int, seed: int) -> UAMInstance:
    """The hub and one residential vertiport 22 km away (a flight: 1 slot, 32 kWh, so three
    flights drain the battery to the reserve), 8 off-peak slots (11:00-13:00: one fare per
    route all day, so the env's boarding is the IP's best)."""
    return UAMInstance(
        vertiports=city_layout(2, num_aircraft), num_aircraft=num_aircraft, num_slots=8, start_hour=11.0, seed=seed
    )


def best_greedy(instance: UAMInstance) -> float:
    return max(day.profit for day, _ in greedy_plans(instance).values())


def brute_force(instance: UAMInstance) -> float:
    """The best profit over every sequence of legal choices, by depth-first search over copies
    of the simulation, with the best profit to go remembered per state."""
    known: dict[tuple, float] = {}

    def state(sim: FleetSimulation) -> tuple:
        arrays = (sim.port, sim.ready, sim.soc, sim.waiting, sim.pad_use, sim.charging, sim.inbound, sim.ground)
        return (sim.slot, tuple(sim.turns), *(a.tobytes() for a in arrays))

    def to_go(sim: FleetSimulation) -> float:
        if sim.done:
            return 0.0
        key = state(sim)
        if key not in known:
            choices = [STAY, CHARGE, *range(instance.num_vertiports)]
            best = -math.inf
            for choice in (c for c in choices if sim.legal(c)):
                after = copy.deepcopy(sim, {id(instance): instance, id(sim.day): sim.day})
                best = max(best, after.apply(choice) + to_go(after))
            known[key] = best
        return known[key]

    return to_go(FleetSimulation(instance))


@pytest.mark.parametrize("seed", [0, 1])
def test_both_references_give_valid_records_at_least_the_greedy_rules_profit(seed: int) -> None:
    instance = small(seed)
    floor = best_greedy(instance)
    for solver in (TimeExpandedIP(time_limit=3.0, workers=1), GeneticPlanner(time_limit=2.0)):
        result = solver.solve(instance)
        validate_record(instance, {"profit": result.objective, **result.solution})
        assert result.objective == result.solution["profit"]
        # at least the greedy rules' day (the hint, the seeded plans), and in fact well above it
        assert result.objective >= 1.1 * floor, (type(solver).__name__, floor, result.status)
        assert "perfect information" in result.status


def test_the_ip_bound_bounds_the_profit_from_above() -> None:
    instance = small(0)
    result = TimeExpandedIP(time_limit=2.0, workers=1).solve(instance)
    assert result.lower_bound is not None and result.objective <= result.lower_bound, result.status
    assert not result.proven_optimal and "neighbourhoods" in result.status  # no proof in 2 s: the search went on


@pytest.mark.parametrize(("num_aircraft", "seed", "optimum"), [(1, 0, 426.0), (1, 3, 126.0), (2, 1, 109.0)])
def test_the_ip_proves_tiny_days_optimal_at_the_brute_force_value(num_aircraft: int, seed: int, optimum: float) -> None:
    """(1, 3) delays a take-off; (2, 1) delays one and closes the route for five slots."""
    instance = tiny(num_aircraft, seed)
    best = brute_force(instance)
    assert best == pytest.approx(optimum)
    result = TimeExpandedIP(time_limit=20.0, workers=1).solve(instance)
    assert result.proven_optimal, result.status
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert result.lower_bound == pytest.approx(best, abs=1e-5)  # the bound, in rounded-down cost units
    assert best > best_greedy(instance) + 1.0  # the day is no walk-over for the greedy rules
    validate_record(instance, {"profit": result.objective, **result.solution})


def test_the_genetic_algorithm_is_reproducible_for_a_seed_and_a_generation_cap() -> None:
    instance = small(2)
    runs = [GeneticPlanner(time_limit=60.0, population=8, seed=5, max_generations=3).solve(instance) for _ in range(2)]
    assert runs[0].solution == runs[1].solution
    assert "3 generation(s)" in runs[0].status


def test_applies_to_small_scenarios_only() -> None:
    default = UAMInstance()  # 8 vertiports, 40 aircraft
    for solver in (TimeExpandedIP(), GeneticPlanner()):
        assert solver.applies_to(small(0))
        assert not solver.applies_to(default)
    assert not TimeExpandedIP(max_aircraft=3).applies_to(small(0))
    assert not GeneticPlanner(max_vertiports=3).applies_to(small(0))


@pytest.mark.parametrize(
    "build",
    [
        lambda: TimeExpandedIP(time_limit=0),
        lambda: TimeExpandedIP(workers=0),
        lambda: TimeExpandedIP(max_aircraft=0),
        lambda: GeneticPlanner(population=2),
        lambda: GeneticPlanner(time_limit=-1.0),
        lambda: GeneticPlanner(max_vertiports=True),
    ],
)
def test_bad_options_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ConfigError):
        build()


def test_brute_force_agrees_with_a_hand_worked_day() -> None:
    """One aircraft at the hub, no disruptions, 4 slots; two passengers for res1 at slot 0 and
    one back at slot 2. Best: out at 0 (landing at 1), back at 2 (landing at 3): three fares
    of 75 (20 + 2.5 x 22 km) less two flights of 58 (25 + 1.5 x 22 km), 109."""
    instance = UAMInstance(
        vertiports=city_layout(2, 1), num_aircraft=1, num_slots=4, start_hour=11.0, demand_rate=0.0,
        delay_probability=0.0, closure_rate=0.0, downtime_probability=0.0,
    )  # fmt: skip
    demand = np.zeros((4, 2, 2), dtype=np.int64)
    demand[0, 0, 1], demand[2, 1, 0] = 2, 1
    day = instance.day
    object.__setattr__(day, "demand", demand)
    assert brute_force(instance) == pytest.approx(109.0)
    result = TimeExpandedIP(time_limit=5.0, workers=1).solve(instance)
    assert result.proven_optimal and result.objective == pytest.approx(109.0)
