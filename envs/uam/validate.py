"""Independent trace checker of UAM fleet records.

It shares no code with the env's simulation: it recomputes the network's tables (distances,
routes, flight times and energies, costs, fares, prices, where each aircraft starts) from the
instance's scalar fields and vertiport coordinates with its own formulas, takes only the day's
draws (`instance.day`) as given, replays each aircraft's flights and charges in slot order to
check where it is, when it lands and what its battery holds, and counts parking, pads and
chargers per slot over the whole record at once (the env books them incrementally), so a bug
in the env's bookkeeping cannot produce a record that the same bookkeeping then accepts.
"""

from __future__ import annotations

import itertools
import math
import reprlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from schedrl.envs.core.records import record_shape_problems, reported_metrics, whole_number
from schedrl.envs.uam.instance import Day, UAMInstance, Vertiport
from schedrl.errors import InvalidScheduleError

RECORD_KEYS = (
    "flights",
    "boardings",
    "charges",
    "profit",
    "revenue",
    "operating_cost",
    "electricity_cost",
    "served",
    "spilled",
    "empty_flights",
    "energy_kwh",
    "flights_flown",
)
#: The record's integer and money metrics.
COUNTS = ("served", "spilled", "empty_flights", "energy_kwh", "flights_flown")
MONEY = ("profit", "revenue", "operating_cost", "electricity_cost")
#: How far a reported money metric may be from the recomputed one (the env rounds to 6 decimals).
REL_TOL = 1e-9
ABS_TOL = 1e-5


class Flight(NamedTuple):
    """`aircraft` takes off in `slot` from `origin` for `destination`, lands in `arrival`."""

    aircraft: int
    slot: int
    origin: int
    destination: int
    arrival: int
    passengers: int
    kwh: int


class Boarding(NamedTuple):
    """`passengers` of the requests made in `request_slot` board flights[`flight`]."""

    flight: int
    request_slot: int
    passengers: int


class Charge(NamedTuple):
    """`aircraft` charges `kwh` at `vertiport` in `slot`."""

    aircraft: int
    slot: int
    vertiport: int
    kwh: int


class Network(NamedTuple):
    """The instance's derived tables, by this module's formulas; indexed [origin][destination],
    [slot] or [slot][origin][destination]."""

    distances: list[list[float]]  # km, straight line
    routes: list[list[bool]]  # two distinct vertiports within max_route_km
    flight_slots: list[list[int]]  # cruise plus turnaround, whole slots rounded up, at least one
    flight_kwh: list[list[int]]  # take-off and landing plus cruise, whole kWh rounded up
    flight_costs: list[list[float]]  # dollars a flight costs to operate
    peak: list[bool]  # the slot's hour lies in a peak window
    fares: list[list[list[float]]]  # dollars per passenger by take-off slot, to the cent
    prices: list[float]  # dollars per kWh charged in the slot
    reserve_kwh: int  # what a flight must leave in the battery
    charge_per_slot: int  # kWh a charger adds in a slot
    start_ports: list[int]  # each aircraft's vertiport at slot 0


def network(instance: UAMInstance) -> Network:
    """The derived tables, from the scalar fields and the vertiport coordinates alone."""
    ports, pairs = instance.vertiports, range(instance.num_vertiports)
    distances = [[_distance(p, q) for q in ports] for p in ports]
    minutes = [[d / instance.cruise_kmh * 60 + instance.turnaround_minutes for d in row] for row in distances]
    energy = [[instance.takeoff_landing_kwh + instance.kwh_per_km * d for d in row] for row in distances]
    hours = [instance.start_hour + t * instance.slot_minutes / 60 for t in range(instance.num_slots)]
    peak = [any(start <= hour < end for start, end in instance.peak_hours) for hour in hours]
    base = [[instance.fare_base + instance.fare_per_km * d for d in row] for row in distances]
    fares = []
    for busy in peak:
        multiplier = instance.peak_fare_multiplier if busy else 1.0
        fares.append([[_cents(multiplier * fare) for fare in row] for row in base])
    return Network(
        distances=distances,
        routes=[[u != k and distances[u][k] <= instance.max_route_km for k in pairs] for u in pairs],
        flight_slots=[
            [max(1, _up(minutes[u][k] / instance.slot_minutes)) if u != k else 0 for k in pairs] for u in pairs
        ],
        flight_kwh=[[_up(energy[u][k]) if u != k else 0 for k in pairs] for u in pairs],
        flight_costs=[[instance.flight_cost + instance.cost_per_km * d for d in row] for row in distances],
        peak=peak,
        fares=fares,
        prices=[instance.peak_electricity_price if busy else instance.electricity_price for busy in peak],
        reserve_kwh=_up(instance.reserve * instance.battery_kwh),
        charge_per_slot=int(instance.charger_kw * instance.slot_minutes / 60 + 1e-9),
        start_ports=list(instance.initial) if instance.initial is not None else _spread(instance),
    )


def record_violations(instance: UAMInstance, record: Any) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the record is valid."""
    shape = record_shape_problems(record, RECORD_KEYS)
    if shape:
        return shape
    problems: list[str] = []
    flight_rows = _entries("flights", record["flights"], Flight._fields, problems)
    boarding_rows = _entries("boardings", record["boardings"], Boarding._fields, problems)
    charge_rows = _entries("charges", record["charges"], Charge._fields, problems)
    metrics = reported_metrics(record, COUNTS, MONEY, problems)
    if flight_rows is None or boarding_rows is None or charge_rows is None:
        return problems  # nothing below can be checked without them
    flights, charges = [Flight(*row) for row in flight_rows], [Charge(*row) for row in charge_rows]
    boardings = [Boarding(*row) for row in boarding_rows]
    indices = _index_violations(instance, flights, charges)
    if indices:
        return problems + indices  # the checks below index the day's tables with them
    net, day = network(instance), instance.day
    # Each flight's landing slot by the instance: what the record's must be, and what the checks use.
    arrivals = [
        f.slot + net.flight_slots[f.origin][f.destination] + int(day.delays[f.aircraft, f.slot]) for f in flights
    ]
    for j, flight in enumerate(flights):
        problems += _flight_violations(instance, net, day, j, flight, arrivals[j])
    added, chain = _replay(instance, net, day, flights, charges, arrivals)
    problems += chain
    problems += _capacity_violations(instance, net, flights, charges, arrivals)
    problems += _boarding_violations(instance, day, flights, boardings)
    problems += _metric_violations(net, day, metrics, flights, charges, added)
    return problems


def validate_record(instance: UAMInstance, record: Any) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = record_violations(instance, record)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def occupancy(instance: UAMInstance, start_ports: list[int], flights: list[Flight]) -> list[list[list[int]]]:
    """[V][T] the aircraft that count against each vertiport's parking in each slot: those on
    the ground there at the slot's start (one leaving in the slot still counts) and those flying
    there. Along its flights in slot order, an aircraft counts at its start from slot 0 to its
    first take-off, then at each destination from the take-off there to the next take-off."""
    slots = instance.num_slots
    counted: list[list[list[int]]] = [[[] for _ in range(slots)] for _ in range(instance.num_vertiports)]
    for aircraft, own in enumerate(_by_aircraft(instance, flights)):
        places = [start_ports[aircraft], *(flight.destination for flight in own)]
        bounds = [0, *(flight.slot for flight in own), slots - 1]
        for place, (first, last) in zip(places, itertools.pairwise(bounds), strict=True):
            for slot in range(first, last + 1):
                counted[place][slot].append(aircraft)
    return counted


def flight_name(j: int, flight: Flight) -> str:
    return f"flights[{j}] (aircraft {flight.aircraft}, slot {flight.slot})"


def charge_name(c: int, charge: Charge) -> str:
    return f"charges[{c}] (aircraft {charge.aircraft}, slot {charge.slot})"


def _distance(p: Vertiport, q: Vertiport) -> float:
    dx, dy = p.x_km - q.x_km, p.y_km - q.y_km
    return math.sqrt(dx * dx + dy * dy)


def _up(value: float) -> int:
    """Rounded up to a whole number, forgiving float noise just above one."""
    return math.ceil(value - 1e-9)


def _cents(dollars: float) -> float:
    """To the cent, half a cent to the even one."""
    return round(dollars * 100) / 100


def _spread(instance: UAMInstance) -> list[int]:
    """The vertiports in turn, hub first, skipping full ones: pass k visits every vertiport
    with more than k parking spots, and the aircraft take the first visits."""
    parking = [port.parking for port in instance.vertiports]
    visits = [v for rank in range(max(parking)) for v, spots in enumerate(parking) if rank < spots]
    return visits[: instance.num_aircraft]


def _entries(key: str, value: Any, fields: tuple[str, ...], problems: list[str]) -> list[list[int]] | None:
    """A list of integer rows of the named fields, or None after adding why it is not."""
    layout = f"[{', '.join(fields)}]"
    if not isinstance(value, list | tuple):
        problems.append(f"{key} must be a list of {layout} entries, got {reprlib.repr(value)}")
        return None
    before = len(problems)
    rows = []
    for j, entry in enumerate(value):
        numbers = (
            [whole_number(v) for v in entry] if isinstance(entry, list | tuple) and len(entry) == len(fields) else None
        )
        if numbers is None or None in numbers:
            problems.append(f"{key}[{j}] must be {len(fields)} integers {layout}, got {reprlib.repr(entry)}")
            continue
        rows.append(numbers)
    return rows if len(problems) == before else None  # type: ignore[return-value]  # no None left


def _index_violations(instance: UAMInstance, flights: list[Flight], charges: list[Charge]) -> list[str]:
    """Aircraft, slots and vertiports the instance has."""
    ports = instance.num_vertiports
    limits = {"aircraft": instance.num_aircraft, "slot": instance.num_slots}
    limits |= {"origin": ports, "destination": ports, "vertiport": ports}
    groups: tuple[tuple[str, Sequence[Flight | Charge]], ...] = (("flights", flights), ("charges", charges))
    problems = []
    for key, entries in groups:
        for j, entry in enumerate(entries):
            for field, value in entry._asdict().items():
                if field in limits and not 0 <= value < limits[field]:
                    problems.append(f"{key}[{j}]: {field} {value} is not in 0..{limits[field] - 1}")
    return problems


def _flight_violations(
    instance: UAMInstance, net: Network, day: Day, j: int, flight: Flight, arrival: int
) -> list[str]:
    """What a flight must be on its own: a route, open and landing in the day, its energy and
    landing slot as the instance gives them, and a load the aircraft seats."""
    name, slot, u, k = flight_name(j, flight), flight.slot, flight.origin, flight.destination
    slots, kwh = net.flight_slots[u][k], net.flight_kwh[u][k]
    problems = []
    if u == k:
        problems.append(f"{name}: flies from vertiport {u} to itself: there is no such route")
    elif not net.routes[u][k]:
        problems.append(
            f"{name}: no air route from vertiport {u} to {k}: they are {net.distances[u][k]:.3f} km apart, "
            f"beyond max_route_km {instance.max_route_km}"
        )
    if slot + slots > instance.num_slots:
        problems.append(
            f"{name}: lands in slot {slot + slots} as scheduled (slot {slot} + {slots} flight slots), after the "
            f"day's {instance.num_slots} slots"
        )
    closed = [s for s in range(slot, min(slot + slots, instance.num_slots)) if day.closed[s, u, k]]
    if closed:
        problems.append(f"{name}: the route {u} -> {k} is closed by weather in slot(s) {closed} of its flight")
    if flight.kwh != kwh:
        problems.append(f"{name}: uses {flight.kwh} kWh, but a flight {u} -> {k} takes {kwh} kWh")
    if flight.arrival != arrival:
        delay = arrival - slot - slots
        problems.append(
            f"{name}: lands in slot {flight.arrival}, but slot {slot} + {slots} flight slots + a delay of {delay} "
            f"gives {arrival}"
        )
    if not 0 <= flight.passengers <= instance.seats:
        problems.append(f"{name}: carries {flight.passengers} passengers, the aircraft seats {instance.seats}")
    return problems


def _by_aircraft(instance: UAMInstance, flights: list[Flight]) -> list[list[Flight]]:
    """Each aircraft's flights in slot order."""
    own: list[list[Flight]] = [[] for _ in range(instance.num_aircraft)]
    for flight in sorted(flights, key=lambda f: f.slot):
        own[flight.aircraft].append(flight)
    return own


def _replay(
    instance: UAMInstance,
    net: Network,
    day: Day,
    flights: list[Flight],
    charges: list[Charge],
    arrivals: list[int],
) -> tuple[list[int], list[str]]:
    """Walk every aircraft's flights and charges in slot order from its start, checking one
    choice per slot, made on the ground where it is and outside downtime. Returns the kWh each
    charge adds by the instance, and the problems."""
    events: list[list[tuple[int, int, bool]]] = [[] for _ in range(instance.num_aircraft)]
    for j, flight in enumerate(flights):
        events[flight.aircraft].append((flight.slot, j, True))
    for c, charge in enumerate(charges):
        events[charge.aircraft].append((charge.slot, c, False))
    added = [0] * len(charges)
    problems = []
    for aircraft, own in enumerate(events):
        state = _Aircraft(instance, net, aircraft)
        for slot, index, flies in sorted(own, key=lambda event: event[0]):
            name = flight_name(index, flights[index]) if flies else charge_name(index, charges[index])
            if slot == state.last_slot:
                problems.append(f"{name}: aircraft {aircraft} already chose in slot {slot} ({state.last_choice})")
            if slot < state.ready:
                problems.append(
                    f"{name}: aircraft {aircraft} is in the air until slot {state.ready} ({state.landing} lands then)"
                )
            if day.down[aircraft, slot]:
                problems.append(f"{name}: aircraft {aircraft} is down for maintenance in slot {slot}")
            if flies:
                problems += state.fly(name, flights[index], arrivals[index])
            else:
                added[index], more = state.charge(name, charges[index])
                problems += more
            state.last_slot, state.last_choice = slot, name
    return added, problems


class _Aircraft:
    """One aircraft along its choices: where it is (or is flying to), its battery, and the slot
    it is on the ground from; it starts full, on the ground at its start port."""

    def __init__(self, instance: UAMInstance, net: Network, aircraft: int):
        self.net, self.aircraft, self.battery = net, aircraft, instance.battery_kwh
        self.where, self.soc, self.ready = net.start_ports[aircraft], instance.battery_kwh, 0
        self.landing = self.last_choice = ""  # the flight it flew last; the choice it made last
        self.last_slot = -1

    def fly(self, name: str, flight: Flight, arrival: int) -> list[str]:
        """Take off from where it is, leaving at least the reserve."""
        kwh, reserve, soc = self.net.flight_kwh[flight.origin][flight.destination], self.net.reserve_kwh, self.soc
        problems = []
        if flight.origin != self.where:
            problems.append(
                f"{name}: takes off from vertiport {flight.origin}, but the aircraft is at vertiport {self.where}"
            )
        if soc - kwh < reserve:
            problems.append(
                f"{name}: leaves {soc - kwh} kWh in the battery ({soc} - {kwh}), below the reserve of {reserve} kWh"
            )
        self.where, self.soc, self.ready, self.landing = flight.destination, soc - kwh, arrival, name
        return problems

    def charge(self, name: str, charge: Charge) -> tuple[int, list[str]]:
        """Charge where it is, a battery not full, by min(a slot's charge, what the battery lacks)."""
        per_slot, battery, soc = self.net.charge_per_slot, self.battery, self.soc
        added = max(0, min(per_slot, battery - soc))
        problems = []
        if charge.vertiport != self.where:
            problems.append(
                f"{name}: charges at vertiport {charge.vertiport}, but the aircraft is at vertiport {self.where}"
            )
        if added == 0:
            problems.append(f"{name}: charges a full battery ({soc} of {battery} kWh)")
        elif charge.kwh != added:
            problems.append(
                f"{name}: adds {charge.kwh} kWh, but a slot's charge from {soc} kWh adds "
                f"min({per_slot}, {battery} - {soc}) = {added}"
            )
        self.soc += added
        return added, problems


def _capacity_violations(
    instance: UAMInstance, net: Network, flights: list[Flight], charges: list[Charge], arrivals: list[int]
) -> list[str]:
    """Parking, pad movements (landings past the day at their slot too) and chargers, per slot."""
    ports = instance.vertiports
    movements: dict[tuple[int, int], list[str]] = defaultdict(list)  # (slot, vertiport) -> take-offs and landings
    for j, flight in enumerate(flights):
        movements[flight.slot, flight.origin].append(f"take-off flights[{j}]")
        movements[arrivals[j], flight.destination].append(f"landing flights[{j}]")
    charging: dict[tuple[int, int], list[str]] = defaultdict(list)
    for c, charge in enumerate(charges):
        charging[charge.slot, charge.vertiport].append(f"charges[{c}]")
    counted = occupancy(instance, net.start_ports, flights)
    problems = []
    for slot in range(instance.num_slots):
        for v, port in enumerate(ports):
            if len(counted[v][slot]) > port.parking:
                problems.append(
                    f"parking at vertiport {v} ({port.name!r}) in slot {slot}: {len(counted[v][slot])} aircraft on the "
                    f"ground there or flying there (aircraft {counted[v][slot]}), but it parks {port.parking}"
                )
    for (slot, v), moves in sorted(movements.items()):
        port = ports[v]
        if len(moves) > port.pads * instance.pad_movements:
            problems.append(
                f"pads at vertiport {v} ({port.name!r}) in slot {slot}: {len(moves)} take-offs and landings "
                f"({', '.join(moves)}), but its {port.pads} pad(s) serve {port.pads} x {instance.pad_movements}"
            )
    for (slot, v), users in sorted(charging.items()):
        port = ports[v]
        if len(users) > port.chargers:
            problems.append(
                f"chargers at vertiport {v} ({port.name!r}) in slot {slot}: {len(users)} aircraft charge "
                f"({', '.join(users)}), but it has {port.chargers} charger(s)"
            )
    return problems


def _boarding_violations(
    instance: UAMInstance, day: Day, flights: list[Flight], boardings: list[Boarding]
) -> list[str]:
    """Each boarding on a real flight, from requests within its waiting window; per request
    cohort (origin, destination, request slot) no more boarding than were made; per flight the
    boardings add up to its passengers."""
    wait = instance.max_wait_slots
    boarded = [0] * len(flights)
    cohorts: dict[tuple[int, int, int], list[int]] = defaultdict(list)  # -> the boardings from it
    problems = []
    for b, boarding in enumerate(boardings):
        j, request, count = boarding
        if not 0 <= j < len(flights):
            problems.append(f"boardings[{b}]: flight {j} is not in flights (the record has {len(flights)})")
            continue
        flight = flights[j]
        name = f"boardings[{b}] (flights[{j}], slot {flight.slot})"
        boarded[j] += count
        if count < 0:
            problems.append(f"{name}: boards {count} passengers")
        if not max(0, flight.slot - wait) <= request <= flight.slot:
            problems.append(
                f"{name}: requests of slot {request} cannot board: a flight in slot {flight.slot} takes those of "
                f"slots {max(0, flight.slot - wait)}..{flight.slot} (max_wait_slots {wait})"
            )
            continue
        cohorts[flight.origin, flight.destination, request].append(b)
    for (u, k, request), members in sorted(cohorts.items()):
        total, made = sum(boardings[b].passengers for b in members), int(day.demand[request, u, k])
        if total > made:
            names = ", ".join(f"boardings[{b}]" for b in members)
            problems.append(
                f"requests {u} -> {k} of slot {request}: {names} board {total} passengers, but the day has {made}"
            )
    for j, flight in enumerate(flights):
        if boarded[j] != flight.passengers:
            name = flight_name(j, flight)
            problems.append(f"{name}: carries {flight.passengers} passengers, but its boardings board {boarded[j]}")
    return problems


def _metric_violations(
    net: Network,
    day: Day,
    reported: dict[str, float | int | None],
    flights: list[Flight],
    charges: list[Charge],
    added: list[int],
) -> list[str]:
    """The reported metrics against the ones recomputed from the flights, the charges (the kWh
    the instance gives them) and the day."""
    served = sum(flight.passengers for flight in flights)
    revenue = sum(net.fares[f.slot][f.origin][f.destination] * f.passengers for f in flights)
    operating = sum(net.flight_costs[f.origin][f.destination] for f in flights)
    electricity = sum(net.prices[charge.slot] * kwh for charge, kwh in zip(charges, added, strict=True))
    expected: dict[str, float | int] = {
        "served": served,
        "spilled": int(day.demand.sum()) - served,
        "empty_flights": sum(1 for flight in flights if flight.passengers == 0),
        "energy_kwh": sum(added),
        "flights_flown": len(flights),
        "profit": revenue - operating - electricity,
        "revenue": revenue,
        "operating_cost": operating,
        "electricity_cost": electricity,
    }
    problems = []
    for key, wanted in expected.items():
        value = reported[key]
        if value is None:
            continue  # reported_metrics has said why
        wrong = value != wanted if key in COUNTS else not math.isclose(value, wanted, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        if wrong:
            problems.append(f"{key} is reported as {value!r}, but the record and the day give {wanted!r}")
    return problems
