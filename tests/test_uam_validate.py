"""The UAM validator: every record the env produces passes, every perturbation is rejected for
the constraint it names, and a hand-worked day whose every number is worked out in the comments
(not taken from the env) passes, while hand-made violations are named."""

from __future__ import annotations

import copy
import re
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import schedrl.envs as envs
from schedrl.envs.uam.generator import DayGenerator
from schedrl.envs.uam.instance import Day, UAMInstance, Vertiport, city_layout
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.perturbations import perturbations
from schedrl.envs.uam.rules import greedy, greedy_profit, play
from schedrl.envs.uam.simulation import FleetSimulation
from schedrl.envs.uam.validate import RECORD_KEYS, network, record_violations, validate_record
from schedrl.errors import InvalidScheduleError

Record = dict[str, Any]
ENV_ID = "schedrl/UAMFleet-v0"

# What the validator must say about each perturbation: the check it is named after, not only
# some side effect of the change.
EXPECTED = {
    "missing key": r"the record lacks charges",
    "non-finite profit": r"profit must be a finite number",
    "malformed boarding": r"boardings\[\d+\] must be 3 integers",
    "boarding of a nonexistent flight": r"boardings\[\d+\]: flight \d+ is not in flights",
    **{key: rf"^{key} is reported as" for key in ("served", "spilled", "empty_flights", "energy_kwh", "flights_flown")},
    **{key: rf"^{key} is reported as" for key in ("profit", "revenue", "operating_cost", "electricity_cost")},
    "charger overflow": r"^chargers at vertiport \d+ .* in slot \d+: \d+ aircraft charge",
    "parking overflow": r"^parking at vertiport \d+ .* in slot \d+: \d+ aircraft",
    "pad overflow": r"^pads at vertiport \d+ .* in slot \d+: \d+ take-offs and landings",
    "charge while full": r"charges a full battery",
    "malformed flight": r"flights\[0\] must be 7 integers",
    "aircraft index": r"flights\[0\]: aircraft \d+ is not in",
    "slot beyond the day": r"flights\[0\]: slot \d+ is not in",
    "flight from the wrong vertiport": r"flights\[0\] .*: takes off from vertiport \d+, but the aircraft is at",
    "flight to its own vertiport": r"flights\[0\] .*: flies from vertiport \d+ to itself",
    "wrong flight kWh": r"flights\[0\] .*: uses \d+ kWh, but a flight",
    "wrong arrival": r"flights\[0\] .*: lands in slot \d+, but slot",
    "passengers over seats": r"flights\[0\] .*: carries \d+ passengers, the aircraft seats",
    "two choices in one slot": r"already chose in slot",
    "boarding total differs": r"passengers, but its boardings board",
    "flight before landing": r"flights\[\d+\] .*: aircraft \d+ is in the air until slot",
    "charge in the air": r"charges\[\d+\] .*: aircraft \d+ is in the air until slot",
    "charge at the wrong vertiport": r"charges\[0\] .*: charges at vertiport \d+, but the aircraft is at",
    "wrong charge kWh": r"charges\[0\] .*: adds \d+ kWh, but a slot's charge",
    "boarding after the flight": r"boardings\[0\] .*: requests of slot \d+ cannot board",
    "boarding before the window": r"boardings\[\d+\] .*: requests of slot \d+ cannot board",
    "boarding more than demand": r"^requests \d+ -> \d+ of slot \d+: .* passengers, but the day has",
    "charge during downtime": r"charges\[\d+\] .*: aircraft \d+ is down for maintenance",
    "flight during downtime": r"flights\[\d+\] .*: aircraft \d+ is down for maintenance",
    "closed route": r"flights\[\d+\] .*: the route \d+ -> \d+ is closed by weather",
    "landing after the day": r"flights\[\d+\] .*: lands in slot \d+ as scheduled .* after the day's",
    "route beyond max_route_km": r"flights\[\d+\] .*: no air route from vertiport",
    "battery below reserve": r"flights\[\d+\] .*: leaves -?\d+ kWh in the battery .* below the reserve",
}


def assert_every_perturbation_named(instance: UAMInstance, valid: Record) -> set[str]:
    kept = copy.deepcopy(valid)
    broken = perturbations(instance, valid)
    assert valid == kept  # the valid record is left as it was
    for name, bad in broken:
        violations = record_violations(instance, bad)
        assert any(re.search(EXPECTED[name], line) for line in violations), (name, violations)
    return {name for name, _ in broken}


# -- records of the env ------------------------------------------------------------------------
def instances() -> list[UAMInstance]:
    city = [UAMInstance(name=f"city{s}", vertiports=city_layout(4, 8), num_aircraft=8, seed=s) for s in range(2)]
    # Without a route between the residential spokes (38 km apart).
    city.append(UAMInstance(name="short", vertiports=city_layout(4, 8), num_aircraft=8, seed=2, max_route_km=30.0))
    stormy = DayGenerator(
        layout="random",
        num_vertiports=5,
        num_aircraft=8,
        num_slots=40,
        radius_km=40.0,  # some pairs beyond the 60 km routes, some flights of 3 slots
        delay_probability=0.4,
        closure_rate=8.0,
        downtime_probability=0.6,
    )
    small = DayGenerator(num_vertiports=3, num_aircraft=4, num_slots=10)
    return [*city, *(stormy.build(f"stormy{s}", s, 5, 8, 0.5) for s in range(2)), small.build("small", 3, 3, 4, 0.35)]


INSTANCES = instances()


def env_records(instance: UAMInstance) -> list[Record]:
    records = [episode_metrics(play(instance, rule)) for rule in (greedy, greedy_profit)]
    env = gym.make(ENV_ID, instance=instance)
    info = envs.rollout(env, envs.RandomPolicy(seed=1), seed=1).info
    return [*records, {key: info[key] for key in RECORD_KEYS}]


RECORDS = {instance.name: env_records(instance) for instance in INSTANCES}


@pytest.mark.parametrize("instance", INSTANCES, ids=lambda instance: instance.name)
def test_env_records_are_valid(instance: UAMInstance) -> None:
    for record in RECORDS[instance.name]:
        assert record["flights_flown"] > 0
        validate_record(instance, record)


@pytest.mark.parametrize("instance", INSTANCES, ids=lambda instance: instance.name)
def test_derived_tables_agree_with_the_instance(instance: UAMInstance) -> None:
    # The validator's own formulas against the instance's cached tables (the env's).
    net = network(instance)
    for mine, theirs in [
        (net.distances, instance.distances),
        (net.routes, instance.routes),
        (net.flight_slots, instance.flight_slots),
        (net.flight_kwh, instance.flight_kwh),
        (net.flight_costs, instance.flight_costs),
        (net.peak, instance.peak),
        (net.fares, instance.fares),
        (net.prices, instance.prices),
        (net.start_ports, instance.start_ports),
    ]:
        np.testing.assert_array_equal(np.array(mine), theirs)
    assert (net.reserve_kwh, net.charge_per_slot) == (instance.reserve_kwh, instance.charge_per_slot)


def test_every_perturbation_of_env_records_is_rejected_for_its_constraint() -> None:
    names: set[str] = set()
    for instance in INSTANCES:
        for record in RECORDS[instance.name]:
            names |= assert_every_perturbation_named(instance, record)
    assert names == set(EXPECTED)  # every perturbation is made on some record


# -- a hand-worked day -------------------------------------------------------------------------
# Three vertiports on a line: A (0, 0), C (6, 8) and B (18, 24), so A-C is 10 km, C-B 20 km and
# A-B 30 km (3-4-5 triangles). At 150 km/h plus 5 minutes' turnaround in 15-minute slots:
#   A-B: 12 + 5 = 17 min -> 2 slots;  C-B: 8 + 5 = 13 min -> 1 slot;  A-C: 4 + 5 = 9 min -> 1 slot.
# Energy 10 kWh + 1 kWh/km: A-B 40, C-B 30, A-C 20 kWh. Battery 60 kWh, reserve 25% = 15 kWh;
# an 80 kW charger adds 80 x 15 / 60 = 20 kWh a slot.
# The day starts at 07:00 and has 6 slots; the only peak within it is 07:00-07:30 (slots 0 and 1).
# Fares 20 + 2.5 $/km: A-B 95 $ (x 1.2 = 114 $ in a peak), B-C 70 $. Costs 25 + 1.5 $/km: A-B
# 70 $, B-C 55 $. Electricity 0.20 $/kWh off-peak, 0.50 $/kWh in a peak.
PORTS = (
    Vertiport("A", 0.0, 0.0, "hub", pads=1, parking=2, chargers=1),
    Vertiport("B", 18.0, 24.0, "commercial", pads=1, parking=2, chargers=2),
    Vertiport("C", 6.0, 8.0, "residential", pads=1, parking=1, chargers=1),
)
A, B, C = 0, 1, 2


def tiny(ports: tuple[Vertiport, ...] = PORTS, **fields: Any) -> UAMInstance:
    """Two aircraft at A, the hand-set day below written where `day` caches its draw."""
    scenario: dict[str, Any] = {
        "name": "tiny",
        "vertiports": ports,
        "num_aircraft": 2,
        "initial": (A, A),
        "seats": 4,
        "battery_kwh": 60,
        "reserve": 0.25,
        "kwh_per_km": 1.0,
        "takeoff_landing_kwh": 10.0,
        "charger_kw": 80.0,
        "cruise_kmh": 150.0,
        "turnaround_minutes": 5.0,
        "pad_movements": 2,
        "slot_minutes": 15.0,
        "start_hour": 7.0,
        "num_slots": 6,
        "peak_hours": ((7.0, 7.5), (20.0, 21.0)),
        "max_wait_slots": 2,
        "fare_base": 20.0,
        "fare_per_km": 2.5,
        "peak_fare_multiplier": 1.2,
        "flight_cost": 25.0,
        "cost_per_km": 1.5,
        "electricity_price": 0.2,
        "peak_electricity_price": 0.5,
    }
    instance = UAMInstance(**(scenario | fields))
    demand = np.zeros((6, 3, 3), dtype=np.int64)
    demand[0, A, B] = 5  # slot 0: five want A -> B
    demand[2, B, C] = 1
    demand[4, B, C] = 2
    demand[1, C, A] = 2  # nobody is at C then: spilled
    delays = np.zeros((2, 6), dtype=np.int64)
    delays[0, 4] = 1  # aircraft 0's take-off in slot 4 waits a slot
    closed = np.zeros((6, 3, 3), dtype=bool)
    closed[5, B, C] = closed[5, C, B] = True
    down = np.zeros((2, 6), dtype=bool)
    down[1, 3:5] = True  # aircraft 1 is down in slots 3 and 4
    vars(instance)["day"] = Day(demand=demand, delays=delays, closed=closed, down=down)
    return instance


# Slot 0: both aircraft fly A -> B (2 slots, land in slot 2), 40 kWh each: 60 -> 20 kWh. Aircraft
#   0 boards 4 of the 5 requests, aircraft 1 the fifth, at the peak fare 114 $: 456 $ + 114 $.
#   A's one pad serves 2 movements: both take-offs fit; A parks 2 (both, leaving, still count),
#   and both count at B from their take-off: B parks 2.
# Slot 2: both land at B (2 landings on its pad) and charge (2 chargers): 20 -> 40 kWh, 20 kWh
#   at 0.20 $ (07:30 is off-peak): 4 $ each.
# Slot 3: aircraft 0 charges again: 40 -> 60 kWh, 4 $ (flying B -> C now would leave 40 - 30 = 10
#   kWh, below the 15 kWh reserve). Aircraft 1 is down.
# Slot 4: aircraft 0 flies B -> C (1 slot) with a delay of 1: lands in 4 + 1 + 1 = 6, past the
#   day; 60 -> 30 kWh. It boards the request of slot 2 (the oldest a slot-4 flight may take with
#   max_wait_slots 2) and the two of slot 4, at 70 $: 210 $. It counts at C from slot 4: C parks 1.
#   The route closes in slot 5, while the flight is delayed in the air: only the scheduled slot
#   [4, 5) must be open.
# Slot 5: aircraft 1 (up again) charges at B: 40 -> 60 kWh, 4 $.
# Revenue 456 + 114 + 210 = 780 $; operating cost 70 + 70 + 55 = 195 $; electricity 4 x 4 = 16 $;
# profit 780 - 195 - 16 = 569 $. Served 4 + 1 + 3 = 8 of 5 + 1 + 2 + 2 = 10: 2 spilled.
HAND: Record = {
    "flights": [[0, 0, A, B, 2, 4, 40], [1, 0, A, B, 2, 1, 40], [0, 4, B, C, 6, 3, 30]],
    "boardings": [[0, 0, 4], [1, 0, 1], [2, 2, 1], [2, 4, 2]],
    "charges": [[0, 2, B, 20], [1, 2, B, 20], [0, 3, B, 20], [1, 5, B, 20]],
    "profit": 569.0,
    "revenue": 780.0,
    "operating_cost": 195.0,
    "electricity_cost": 16.0,
    "served": 8,
    "spilled": 2,
    "empty_flights": 0,
    "energy_kwh": 80,
    "flights_flown": 3,
}
# The choices that make it: (slot, aircraft) -> destination or "charge"; the rest stay.
CHOICES: dict[tuple[int, int], int | str] = {
    (0, 0): B,
    (0, 1): B,
    (2, 0): "charge",
    (2, 1): "charge",
    (3, 0): "charge",
    (4, 0): C,
    (5, 1): "charge",
}


def hand(**changes: Any) -> Record:
    return {**copy.deepcopy(HAND), **changes}


def with_port(index: int, **fields: Any) -> tuple[Vertiport, ...]:
    return tuple(Vertiport(**(vars(port) | fields)) if v == index else port for v, port in enumerate(PORTS))


def test_hand_worked_record_is_valid() -> None:
    validate_record(tiny(), HAND)


def test_hand_worked_tables() -> None:
    net = network(tiny())
    assert net.distances[A][B] == 30.0 and net.distances[A][C] == 10.0 and net.distances[C][B] == 20.0
    assert net.flight_slots[A][B] == 2 and net.flight_slots[B][C] == 1 and net.flight_slots[A][C] == 1
    assert net.flight_kwh[A][B] == 40 and net.flight_kwh[B][C] == 30 and net.flight_kwh[A][C] == 20
    assert (net.reserve_kwh, net.charge_per_slot) == (15, 20)
    assert net.peak == [True, True, False, False, False, False]
    assert net.fares[0][A][B] == 114.0 and net.fares[4][B][C] == 70.0
    assert net.flight_costs[A][B] == 70.0 and net.flight_costs[B][C] == 55.0
    assert net.prices == [0.5, 0.5, 0.2, 0.2, 0.2, 0.2]


def test_the_env_makes_the_hand_worked_record() -> None:
    instance = tiny()
    sim = FleetSimulation(instance)
    while not sim.done:
        sim.apply(CHOICES.get((sim.slot, sim.aircraft), "stay"))
    made = episode_metrics(sim)
    for key in ("flights", "boardings", "charges", "served", "spilled", "empty_flights", "energy_kwh"):
        assert made[key] == HAND[key], key
    for key in ("profit", "revenue", "operating_cost", "electricity_cost"):
        assert made[key] == pytest.approx(HAND[key]), key


@pytest.mark.parametrize(
    ("instance", "record", "message"),
    [
        (
            tiny(with_port(B, parking=1)),
            HAND,
            r"parking at vertiport 1 \('B'\) in slot 0: 2 aircraft on the ground there or flying there "
            r"\(aircraft \[0, 1\]\), but it parks 1",
        ),
        (
            tiny(pad_movements=1),
            HAND,
            r"pads at vertiport 0 \('A'\) in slot 0: 2 take-offs and landings \(take-off flights\[0\], take-off "
            r"flights\[1\]\), but its 1 pad\(s\) serve 1 x 1",
        ),
        (
            tiny(pad_movements=1),
            HAND,
            r"pads at vertiport 1 \('B'\) in slot 2: 2 take-offs and landings \(landing flights\[0\], landing "
            r"flights\[1\]\)",
        ),
        (
            tiny(with_port(B, chargers=1)),
            HAND,
            r"chargers at vertiport 1 \('B'\) in slot 2: 2 aircraft charge \(charges\[0\], charges\[1\]\), "
            r"but it has 1",
        ),
        (
            tiny(max_wait_slots=1),
            HAND,
            r"boardings\[2\] \(flights\[2\], slot 4\): requests of slot 2 cannot board: a flight in slot 4 takes "
            r"those of slots 3..4 \(max_wait_slots 1\)",
        ),
        (tiny(seats=3), HAND, r"flights\[0\] \(aircraft 0, slot 0\): carries 4 passengers, the aircraft seats 3"),
        (
            tiny(reserve=0.5),  # 30 kWh: the first flights leave 20
            HAND,
            r"flights\[0\] \(aircraft 0, slot 0\): leaves 20 kWh in the battery \(60 - 40\), below the reserve of 30",
        ),
    ],
    ids=["parking-B", "pads-take-offs", "pads-landings", "chargers", "window", "seats", "reserve"],
)
def test_tightened_instances_reject_the_hand_worked_record(instance: UAMInstance, record: Record, message: str) -> None:
    with pytest.raises(InvalidScheduleError, match=message):
        validate_record(instance, record)


def test_an_aircraft_leaving_still_counts_where_it_leaves() -> None:
    # Aircraft 1 starts at C and A parks 1. Aircraft 0 leaves A for B in slot 0 (2 slots, 40
    # kWh, 70 $) and aircraft 1 flies C -> A (1 slot, 20 kWh, 25 + 1.5 x 10 = 40 $), empty.
    # Leaving in slot 1 it lands in 2: in slot 1 aircraft 0 is in the air to B, so A holds 1.
    # Leaving in slot 0, it counts at A from its take-off while aircraft 0, leaving, still does.
    instance = tiny(with_port(A, parking=1), initial=(A, C))
    record = hand(
        flights=[[0, 0, A, B, 2, 0, 40], [1, 1, C, A, 2, 0, 20]],
        boardings=[],
        charges=[],
        profit=-110.0,
        revenue=0.0,
        operating_cost=110.0,
        electricity_cost=0.0,
        served=0,
        spilled=10,
        empty_flights=2,
        energy_kwh=0,
        flights_flown=2,
    )
    validate_record(instance, record)
    record["flights"][1] = [1, 0, C, A, 1, 0, 20]
    assert record_violations(instance, record) == [
        "parking at vertiport 0 ('A') in slot 0: 2 aircraft on the ground there or flying there (aircraft [0, 1]), "
        "but it parks 1"
    ]


def test_flying_below_the_reserve_is_the_only_violation() -> None:
    # Without aircraft 0's charge in slot 3 it takes off in slot 4 with 40 kWh: 40 - 30 = 10 < 15.
    # The metrics are worked out again: 60 kWh charged, 12 $ of electricity, profit 573 $.
    record = hand(
        charges=[[0, 2, B, 20], [1, 2, B, 20], [1, 5, B, 20]], energy_kwh=60, electricity_cost=12.0, profit=573.0
    )
    assert record_violations(tiny(), record) == [
        "flights[2] (aircraft 0, slot 4): leaves 10 kWh in the battery (40 - 30), below the reserve of 15 kWh"
    ]


def test_charging_during_downtime_is_the_only_violation() -> None:
    # Aircraft 1 charges in slot 3 instead of 5: the same 20 kWh at the same off-peak price.
    record = hand(charges=[[0, 2, B, 20], [1, 2, B, 20], [0, 3, B, 20], [1, 3, B, 20]])
    assert record_violations(tiny(), record) == [
        "charges[3] (aircraft 1, slot 3): aircraft 1 is down for maintenance in slot 3"
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # Aircraft 0 leaves B in slot 5 instead of 4: the route is closed then.
        (
            {"flights": [[0, 0, A, B, 2, 4, 40], [1, 0, A, B, 2, 1, 40], [0, 5, B, C, 6, 3, 30]]},
            r"flights\[2\] \(aircraft 0, slot 5\): the route 1 -> 2 is closed by weather in slot\(s\) \[5\]",
        ),
        # Aircraft 1 flies B -> A (2 slots) in slot 5: it would land in slot 7 of a 6-slot day.
        (
            {"flights": [*HAND["flights"], [1, 5, B, A, 7, 0, 40]]},
            r"flights\[3\] \(aircraft 1, slot 5\): lands in slot 7 as scheduled \(slot 5 \+ 2 flight slots\), after "
            r"the day's 6 slots",
        ),
        # Aircraft 1 flies on from B in slot 1, while still in the air until slot 2.
        (
            {"flights": [*HAND["flights"], [1, 1, B, C, 2, 0, 30]]},
            r"flights\[3\] \(aircraft 1, slot 1\): aircraft 1 is in the air until slot 2 "
            r"\(flights\[1\] \(aircraft 1, slot 0\) lands then\)",
        ),
        # Aircraft 0 charges at A in slot 3, while it is at B.
        (
            {"charges": [[0, 2, B, 20], [1, 2, B, 20], [0, 3, A, 20], [1, 5, B, 20]]},
            r"charges\[2\] \(aircraft 0, slot 3\): charges at vertiport 0, but the aircraft is at vertiport 1",
        ),
        # Aircraft 0 charges at C in slot 5, while its delayed flight there is in the air.
        (
            {"charges": [*HAND["charges"], [0, 5, C, 20]]},
            r"charges\[4\] .*: aircraft 0 is in the air until slot 6",
        ),
        (
            {"flights": [[0, 0, A, B, 3, 4, 40], *HAND["flights"][1:]]},
            r"flights\[0\] \(aircraft 0, slot 0\): lands in slot 3, but slot 0 \+ 2 flight slots \+ a delay of 0 "
            r"gives 2",
        ),
        (
            {"flights": [*HAND["flights"][:2], [0, 4, B, C, 5, 3, 30]]},
            r"lands in slot 5, but slot 4 \+ 1 flight slots \+ a delay of 1 gives 6",
        ),
        (
            {"flights": [[0, 0, A, B, 2, 4, 39], *HAND["flights"][1:]]},
            r"flights\[0\] \(aircraft 0, slot 0\): uses 39 kWh, but a flight 0 -> 1 takes 40 kWh",
        ),
        # Three board from the single request of slot 2.
        (
            {"boardings": [[0, 0, 4], [1, 0, 1], [2, 2, 3]]},
            r"requests 1 -> 2 of slot 2: boardings\[2\] board 3 passengers, but the day has 1",
        ),
        (
            {"boardings": [[0, 0, 4], [1, 0, 1], [2, 2, 1], [2, 4, 1]]},
            r"flights\[2\] \(aircraft 0, slot 4\): carries 3 passengers, but its boardings board 2",
        ),
        ({"profit": 570.0}, r"profit is reported as 570.0, but the record and the day give 569.0"),
        ({"spilled": 3}, r"spilled is reported as 3, but the record and the day give 2"),
    ],
    ids=[
        "closed",
        "after-the-day",
        "in-the-air",
        "charge-elsewhere",
        "charge-in-the-air",
        "arrival",
        "delay",
        "kwh",
        "demand",
        "total",
        "profit",
        "spilled",
    ],
)
def test_hand_made_violations_are_named(changes: Record, message: str) -> None:
    with pytest.raises(InvalidScheduleError, match=message):
        validate_record(tiny(), hand(**changes))


def test_a_charge_adds_what_the_battery_lacks_at_most() -> None:
    # A 100 kW charger adds 25 kWh a slot: each aircraft lands with 20 kWh, charges 20 -> 45 in
    # slot 2, and its second charge adds min(25, 60 - 45) = 15: again 80 kWh in all, 16 $.
    charges = [[0, 2, B, 25], [1, 2, B, 25], [0, 3, B, 15], [1, 5, B, 15]]
    validate_record(tiny(charger_kw=100.0), hand(charges=charges))
    with pytest.raises(
        InvalidScheduleError,
        match=r"charges\[3\] .*: adds 25 kWh, but a slot's charge from 45 kWh adds min\(25, 60 - 45\) = 15",
    ):
        validate_record(tiny(charger_kw=100.0), hand(charges=[*charges[:3], [1, 5, B, 25]]))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "the record must be a dict"),
        ({k: v for k, v in HAND.items() if k != "boardings"}, "the record lacks boardings"),
        (hand(flights="x"), "flights must be a list of"),
        (hand(flights=[[0, 0, A, B, 2, 4.5, 40]]), r"flights\[0\] must be 7 integers"),
        (hand(charges=[[0, 2, B]]), r"charges\[0\] must be 4 integers"),
        (hand(flights=[[2, 0, A, B, 2, 4, 40]]), r"flights\[0\]: aircraft 2 is not in 0..1"),
        (hand(charges=[[0, 6, B, 20]]), r"charges\[0\]: slot 6 is not in 0..5"),
        (hand(flights=[[0, 0, A, 3, 2, 4, 40]]), r"flights\[0\]: destination 3 is not in 0..2"),
        (hand(profit="569"), "profit must be a finite number"),
        (hand(served=True), "served must be an integer"),
    ],
)
def test_malformed_records_are_refused_without_crashing(bad: Any, message: str) -> None:
    assert any(re.search(message, line) for line in record_violations(tiny(), bad))


def test_numpy_scalars_and_whole_floats_are_read() -> None:
    flights = [[np.int64(v) for v in row] for row in HAND["flights"]]
    validate_record(tiny(), hand(flights=flights, served=8.0, profit=np.float64(569.0)))


def test_every_perturbation_of_the_hand_worked_record_is_rejected() -> None:
    names = assert_every_perturbation_named(tiny(), HAND)
    assert {"flight before landing", "closed route", "charge during downtime", "pad overflow"} <= names
