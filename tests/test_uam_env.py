"""UAMFleet-v0: hand-worked days, the masks' rules one at a time, and golden rule outcomes."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest

import schedrl  # noqa: F401  (registers the envs)
from schedrl.envs.uam.env import UAMFleetEnv
from schedrl.envs.uam.generator import DayGenerator
from schedrl.envs.uam.instance import UAMInstance, Vertiport, city_layout
from schedrl.envs.uam.lookahead import Lookahead
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.rules import Choice, greedy, greedy_profit, play
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation
from schedrl.envs.uam.validate import validate_record
from schedrl.errors import ConfigError, EnvelopeError, InstanceFormatError

QUIET = {"delay_probability": 0.0, "closure_rate": 0.0, "downtime_probability": 0.0}


def two_ports(**fields: object) -> UAMInstance:
    """Vertiports a (0, 0) and b (20, 0): 20 km, 20 / 150 h = 8 min + 5 turnaround = 13 min,
    one 15-minute slot; 10 + 1 x 20 = 30 kWh a flight; fare 20 + 2.5 x 20 = $70 off-peak;
    flight cost 25 + 1.5 x 20 = $55; battery 100 kWh, reserve 20; 200 kW x 15 min = 50 kWh a
    charge at $0.20. Four slots from 06:00, all off-peak."""
    defaults: dict[str, object] = {
        "vertiports": (
            Vertiport("a", 0.0, 0.0, "hub", pads=1, parking=2, chargers=1),
            Vertiport("b", 20.0, 0.0, "residential", pads=1, parking=1, chargers=1),
        ),
        "num_aircraft": 1,
        "initial": (0,),
        "battery_kwh": 100,
        "num_slots": 4,
        "pad_movements": 1,
        "max_wait_slots": 1,
        "requests": ((0, 0, 1, 3), (1, 1, 0, 5)),
        **QUIET,
    }
    return UAMInstance(**(defaults | fields))  # type: ignore[arg-type]


def test_derived_tables_match_the_hand_worked_numbers() -> None:
    instance = two_ports()
    assert instance.flight_slots[0, 1] == 1
    assert instance.flight_kwh[0, 1] == 30
    assert instance.reserve_kwh == 20
    assert instance.charge_per_slot == 50
    assert instance.fares[0, 0, 1] == pytest.approx(70.0)
    assert instance.flight_costs[0, 1] == pytest.approx(55.0)
    assert not instance.peak[:4].any()


def test_greedy_day_worked_by_hand() -> None:
    # slot 0: at a, 100 kWh, 3 waiting for b: fly, 3 x 70 - 55 = 155; 70 kWh left; it lands in
    #         slot 1, which spends b's one pad movement of that slot.
    # slot 1: at b, 5 waiting for a, but b's pad is taken by the landing: no take-off; 70 kWh is
    #         above 0.6 x 100: stay.
    # slot 2: fly to a with 4 of the 5 (requested in slot 1, a window of 1 slot): 4 x 70 - 55 =
    #         225; 40 kWh left; the fifth passenger is lost at the end of slot 2.
    # slot 3: at a, 40 < 60: charge min(50, 60) = 50 kWh for $10. Profit 155 + 225 - 10 = 370.
    sim = play(two_ports(), greedy)
    record = episode_metrics(sim)
    assert record["flights"] == [[0, 0, 0, 1, 1, 3, 30], [0, 2, 1, 0, 3, 4, 30]]
    assert record["boardings"] == [[0, 0, 3], [1, 1, 4]]
    assert record["charges"] == [[0, 3, 0, 50]]
    assert record["profit"] == pytest.approx(370.0)
    assert (record["served"], record["spilled"], record["empty_flights"], record["energy_kwh"]) == (7, 1, 0, 50)
    validate_record(two_ports(), record)


def test_env_rewards_sum_to_the_profit_and_masks_follow_the_rules() -> None:
    env = UAMFleetEnv(instance=two_ports(), auto_single_choice=False)
    obs, _ = env.reset(seed=0)
    charger_a, charger_b = env.charger_node(0), env.charger_node(1)
    # slot 0 at a with a full battery: stay (a) or fly (b); no charge when full.
    assert np.flatnonzero(env.action_masks()).tolist() == [0, 1]
    assert obs["context_nodes"].tolist() == [env.aircraft_node(0)]
    total = 0.0
    # Fly to b (70 kWh left); charge at b in slot 1 (30 kWh, $6; the 5 passengers for a wait);
    # fly to a in slot 2 with 4 of them; charge at a in slot 3 (30 kWh, $6).
    for node in (1, charger_b, 0, charger_a):
        assert env.action_masks()[node]
        _, reward, terminated, _, info = env.step(node)
        total += reward
    assert terminated
    # 155 - 6 + 225 - 6 = 368 dollars, in hundreds.
    assert total == pytest.approx(3.68)
    assert info["profit"] == pytest.approx(368.0)
    validate_record(two_ports(), info)


def test_masks_reserve_parking_pads_and_end_of_day() -> None:
    # Two aircraft at a. Aircraft 0 flies to b; b parks 1, so b is full for aircraft 1, and a's
    # one pad movement is spent too.
    sim = FleetSimulation(two_ports(num_aircraft=2, initial=(0, 0)))
    sim.apply(1)
    assert sim.aircraft == 1 and not sim.options.fly.any()
    assert sim.legal(STAY) and not sim.legal(1)
    # 40 kWh cannot fly 30 and keep the 20 reserve.
    low = FleetSimulation(two_ports())
    low.soc[0] = 40
    low._options = None
    assert not low.options.fly[1] and low.legal(CHARGE)
    # In the last slot a one-slot flight still lands by the end of the day; with 3 slots left
    # for a two-slot flight it would not.
    late = two_ports(cruise_kmh=60.0)  # 20 min + 5 = 25 min: two slots
    sim = FleetSimulation(late)
    for _ in range(3):
        sim.apply(STAY)
    assert sim.slot == 3 and not sim.options.fly.any()


def test_downtime_and_closures_and_delays() -> None:
    # Pin the disruptions by search over seeds with high rates, then check what each does.
    instance = two_ports(num_slots=12, downtime_probability=1.0, downtime_slots=(3, 3), requests=None)
    down = instance.day.down[0]
    sim = FleetSimulation(instance)
    seen = []
    while not sim.done:
        seen.append(sim.slot)
        sim.apply(STAY)
    assert sorted(set(range(12)) - set(seen)) == np.flatnonzero(down).tolist()
    closed = two_ports(num_slots=12, closure_rate=30.0, requests=None)
    blocked = np.flatnonzero(closed.day.closed[:, 0, 1])
    assert blocked.size
    sim = FleetSimulation(closed)
    while sim.slot < blocked[0]:
        sim.apply(STAY)
    assert not sim.options.fly[1]
    delayed = two_ports(num_slots=12, delay_probability=1.0, requests=None)
    sim = FleetSimulation(delayed)
    sim.apply(1)
    assert sim.flights[0][4] == 2  # one slot of flight, one of delay


def test_envelope_and_settings_errors() -> None:
    with pytest.raises(EnvelopeError, match="vertiports"):
        env = UAMFleetEnv(instance=two_ports())
        env.reset(options={"instance": UAMInstance(seed=1)})
    with pytest.raises(ConfigError, match="max_aircraft"):
        UAMFleetEnv(generator={"num_aircraft": 40}, max_aircraft=8)
    with pytest.raises(ConfigError, match="max_aircraft"):  # the default generator's 40 aircraft
        UAMFleetEnv(max_aircraft=8)
    with pytest.raises(InstanceFormatError, match="parking"):
        UAMInstance(vertiports=city_layout(2, 2), num_aircraft=30)
    with pytest.raises(InstanceFormatError, match="requests"):
        two_ports(requests=((0, 0, 0, 1),))


def test_generator_groups_and_sizes() -> None:
    days = DayGenerator(num_vertiports=[4, 8], num_aircraft=[8, 40], layout="random").sample_set(6, seed=1)
    assert {day.group for day in days} <= {"v4a8_random", "v4a40_random", "v8a8_random", "v8a40_random"}
    assert DayGenerator(num_vertiports=[4, 8], num_aircraft=[8, 40]).largest()[0].num_aircraft == 40


# Golden outcomes of the rules on seeded days (pinned when the rules were written): a change
# to the simulation or to a rule that moves them must be deliberate.
@pytest.mark.parametrize(
    ("rule", "instance", "expected"),
    [
        (greedy, UAMInstance(vertiports=city_layout(4, 8), num_aircraft=8, seed=11), (9219.92, 203, 95, 134)),
        (greedy_profit, UAMInstance(vertiports=city_layout(4, 8), num_aircraft=8, seed=11), (9156.0, 207, 91, 140)),
        (greedy, UAMInstance(seed=12), (58246.04, 1271, 310, 770)),
        (greedy_profit, UAMInstance(seed=12), (55955.52, 1242, 339, 762)),
    ],
    ids=["greedy-4x8", "greedy_profit-4x8", "greedy-8x40", "greedy_profit-8x40"],
)
def test_golden_rule_outcomes(
    rule: Callable[[FleetSimulation], Choice], instance: UAMInstance, expected: tuple
) -> None:
    record = episode_metrics(play(instance, rule))
    validate_record(instance, record)
    figures = (round(record["profit"], 2), record["served"], record["spilled"], record["flights_flown"])
    assert figures == expected


def test_gym_make_default_runs_a_day() -> None:
    env = gym.make("schedrl/UAMFleet-v0", generator={"num_vertiports": 3, "num_aircraft": 4, "num_slots": 6})
    env.reset(seed=3)
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        done = terminated or truncated
    assert info["flights_flown"] == len(info["flights"])


def test_lookahead_sees_a_future_request_the_greedy_misses() -> None:
    # One aircraft at a, nothing waiting in slot 0; 4 passengers ask for a -> b in slot 1 and
    # 4 for b -> a in slot 2 (window 0: they must leave in the slot they ask). Staying is what
    # the greedy does (nothing to carry) and it earns 4 x 70 - 55 = 225 in slot 1, then the
    # aircraft is at b in slot 2: 225 more. The look-ahead sees the same, so both make 450;
    # but with the slot-1 request at b instead, the greedy stays at a and carries nobody,
    # while the look-ahead flies empty to b in slot 0 (-55) and carries b -> a in slot 1 (225).
    day = {"max_wait_slots": 0, "num_slots": 3, "pad_movements": 2}  # a landing leaves a take-off
    same = two_ports(requests=((1, 0, 1, 4), (2, 1, 0, 4)), **day)
    assert episode_metrics(play(same, greedy_profit))["profit"] == pytest.approx(450.0)
    assert Lookahead().solve(same).objective == pytest.approx(450.0)
    elsewhere = two_ports(requests=((1, 1, 0, 4),), **day)
    assert episode_metrics(play(elsewhere, greedy_profit))["profit"] == pytest.approx(0.0)
    result = Lookahead().solve(elsewhere)
    assert result.objective == pytest.approx(170.0)
    assert result.solution["flights"] == [[0, 0, 0, 1, 1, 0, 30], [0, 1, 1, 0, 2, 4, 30]]
    validate_record(elsewhere, result.solution)
