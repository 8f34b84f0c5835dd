"""Broken copies of a valid UAM fleet record, one per constraint the validator checks.

The family contract test feeds each copy to the validator and expects a rejection, so a check
that stopped working would fail a test instead of passing bad records silently. A copy changes
one thing (an entry's field, or an appended flight, charge or boarding) and leaves the metrics
as they were, so it may break more than the constraint it is named after, never less. Appended
flights and charges go to an aircraft that is idle on the ground at the right vertiport and
slot where the record has one, so that the constraint named is, where it can be, the only one
that fails.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.validate import COUNTS, MONEY, Boarding, Charge, Flight, network, occupancy

Record = dict[str, Any]


def perturbations(instance: UAMInstance, record: Record) -> list[tuple[str, Record]]:
    """(constraint, broken record) pairs. Those that need something the record or the day may
    lack are left out where it does: a flight, a charge, a boarding, two flights of one aircraft,
    a flight of two slots or more, a downtime, a closure, a route of two slots or more, a pair
    of vertiports without a route, an aircraft left with time to fly down to its reserve."""
    fleet = _Fleet(instance, record)
    flights, charges = fleet.flights, fleet.charges
    boardings = [Boarding(*entry) for entry in record["boardings"]]
    net, slots, last = fleet.net, instance.num_slots, instance.num_slots - 1

    def edited(**changes: Any) -> Record:
        """A deep copy of the record (the valid one stays as it was) with `changes`."""
        return {**copy.deepcopy(record), **changes}

    def flight(j: int, **fields: int) -> Record:
        return edited(flights=_replaced(record["flights"], j, list(flights[j]._replace(**fields))))

    def charge(c: int, **fields: int) -> Record:
        return edited(charges=_replaced(record["charges"], c, list(charges[c]._replace(**fields))))

    def appended(flown: Iterable[list[int]] = (), charged: Iterable[list[int]] = ()) -> Record:
        return edited(flights=[*record["flights"], *flown], charges=[*record["charges"], *charged])

    def off(value: Any) -> float:
        """A number the tolerance cannot absorb, relatively or near zero."""
        return float(value) * (1 + 1e-4) + 1e-3

    broken = [
        ("missing key", {key: value for key, value in record.items() if key != "charges"}),
        ("non-finite profit", edited(profit=float("nan"))),
        ("malformed boarding", edited(boardings=[*record["boardings"], [0, 0]])),
        ("boarding of a nonexistent flight", edited(boardings=[*record["boardings"], [len(flights), 0, 1]])),
        *((key, edited(**{key: record[key] + 1})) for key in COUNTS),
        *((key, edited(**{key: off(record[key])})) for key in MONEY),
        ("charger overflow", appended(charged=fleet.crowded_chargers())),
        ("parking overflow", appended(fleet.crowded_parking())),
    ]
    full = fleet.first(lambda a, t: fleet.idle(a, t) and fleet.soc[a][t] == instance.battery_kwh)
    if full is not None:
        a, t = full
        broken.append(("charge while full", appended(charged=[[a, t, fleet.place[a][t], net.charge_per_slot]])))
    pads = fleet.crowded_pads()
    if pads:
        broken.append(("pad overflow", appended(pads)))
    if flights:
        first = flights[0]
        others = [v for v in range(instance.num_vertiports) if v not in (first.origin, first.destination)]
        elsewhere = others[0] if others else first.destination
        broken += [
            ("malformed flight", edited(flights=_replaced(record["flights"], 0, list(first)[:6]))),
            ("aircraft index", flight(0, aircraft=instance.num_aircraft)),
            ("slot beyond the day", flight(0, slot=slots)),
            ("flight from the wrong vertiport", flight(0, origin=elsewhere)),
            ("flight to its own vertiport", flight(0, destination=first.origin)),
            ("wrong flight kWh", flight(0, kwh=first.kwh + 1)),
            ("wrong arrival", flight(0, arrival=first.arrival + 1)),
            ("passengers over seats", flight(0, passengers=instance.seats + 1)),
            ("two choices in one slot", appended(charged=[[first.aircraft, first.slot, first.origin, 1]])),
        ]
        loaded = next((j for j, f in enumerate(flights) if f.passengers > 0), None)
        if loaded is None:
            broken.append(("boarding total differs", flight(0, passengers=1)))
        else:
            broken.append(("boarding total differs", flight(loaded, passengers=flights[loaded].passengers - 1)))
    pair = fleet.consecutive_flights()
    if pair is not None:
        earlier, later = pair
        broken.append(("flight before landing", flight(later, slot=flights[earlier].arrival - 1)))
    long = next((f for f in flights if f.arrival - f.slot >= 2), None)
    if long is not None:
        broken.append(("charge in the air", appended(charged=[[long.aircraft, long.slot + 1, long.destination, 1]])))
    if charges:
        broken += [
            (
                "charge at the wrong vertiport",
                charge(0, vertiport=(charges[0].vertiport + 1) % instance.num_vertiports),
            ),
            ("wrong charge kWh", charge(0, kwh=charges[0].kwh + 1)),
        ]
    if boardings:
        j, request, count = boardings[0]
        boarded = flights[j]
        cohort = [b for b in boardings if flights[b.flight][2:4] == boarded[2:4] and b.request_slot == request]
        made = int(instance.day.demand[request, boarded.origin, boarded.destination])
        extra = made - sum(b.passengers for b in cohort) + 1
        more = _replaced(record["boardings"], 0, [j, request, count + extra])
        after = _replaced(record["boardings"], 0, [j, boarded.slot + 1, count])
        broken += [
            ("boarding after the flight", edited(boardings=after)),
            ("boarding more than demand", {**flight(j, passengers=boarded.passengers + extra), "boardings": more}),
        ]
        wait = instance.max_wait_slots
        b = next((b for b, entry in enumerate(boardings) if flights[entry.flight].slot > wait), None)
        if b is not None:
            j, _, count = boardings[b]
            early = _replaced(record["boardings"], b, [j, flights[j].slot - wait - 1, count])
            broken.append(("boarding before the window", edited(boardings=early)))
    down = fleet.first(lambda a, t: fleet.ground[a][t] and not fleet.busy[a][t] and fleet.down(a, t))
    down = down or fleet.first(fleet.down)
    if down is not None:
        a, t = down
        where = fleet.place[a][t]
        broken.append(("charge during downtime", appended(charged=[[a, t, where, net.charge_per_slot]])))
        target = next((k for k in range(instance.num_vertiports) if net.routes[where][k]), None)
        if target is not None:
            broken.append(("flight during downtime", appended([fleet.flight_entry(a, t, where, target)])))
    closures = instance.day.closed.nonzero()
    closed = [(int(s), int(u), int(k)) for s, u, k in zip(*closures, strict=True) if net.routes[u][k]]
    if closed:
        broken.append(("closed route", appended([fleet.placed_flight(closed)])))
    late = [(s, u, k) for u, k in fleet.route_pairs() for s in range(slots - net.flight_slots[u][k] + 1, slots)]
    if late:
        broken.append(("landing after the day", appended([fleet.placed_flight(late)])))
    ports = range(instance.num_vertiports)
    apart = [(last, u, k) for u in ports for k in ports if u != k and not net.routes[u][k]]
    if apart:
        broken.append(("route beyond max_route_km", appended([fleet.placed_flight(apart)])))
    drained = fleet.drained()
    if drained:
        broken.append(("battery below reserve", appended(drained)))
    return broken


class _Fleet:
    """Each aircraft along the valid record, slot by slot: where it is or is flying to, its
    battery at the slot's start, whether it is on the ground, and the slots it chooses in."""

    def __init__(self, instance: UAMInstance, record: Record):
        self.instance, self.net, self.day = instance, network(instance), instance.day
        self.flights = [Flight(*entry) for entry in record["flights"]]
        self.charges = [Charge(*entry) for entry in record["charges"]]
        fleet, slots = instance.num_aircraft, instance.num_slots
        self.place = [[0] * (slots + 1) for _ in range(fleet)]
        self.soc = [[0] * (slots + 1) for _ in range(fleet)]
        self.ground = [[False] * (slots + 1) for _ in range(fleet)]
        self.busy = [[False] * (slots + 1) for _ in range(fleet)]
        events: dict[tuple[int, int], Flight | Charge] = {(e.aircraft, e.slot): e for e in self.flights + self.charges}
        for a in range(fleet):
            where, soc, ready = self.net.start_ports[a], instance.battery_kwh, 0
            for t in range(slots + 1):  # slot T: after the day
                self.place[a][t], self.soc[a][t], self.ground[a][t] = where, soc, ready <= t
                event = events.get((a, t))
                self.busy[a][t] = event is not None
                if isinstance(event, Flight):
                    where, soc, ready = event.destination, soc - event.kwh, event.arrival
                elif isinstance(event, Charge):
                    soc += event.kwh

    def down(self, a: int, t: int) -> bool:
        return bool(self.day.down[a, t])

    def idle(self, a: int, t: int) -> bool:
        """On the ground in slot t, not down, and choosing nothing in the record."""
        return self.ground[a][t] and not self.busy[a][t] and not self.down(a, t)

    def first(self, wanted: Callable[[int, int], bool]) -> tuple[int, int] | None:
        """The first (aircraft, slot), by slot, for which `wanted(aircraft, slot)` holds."""
        slots, fleet = range(self.instance.num_slots), range(self.instance.num_aircraft)
        return next(((a, t) for t in slots for a in fleet if wanted(a, t)), None)

    def flight_entry(self, a: int, t: int, u: int, k: int) -> list[int]:
        """A flight entry as the instance gives it, empty."""
        arrival = t + self.net.flight_slots[u][k] + int(self.day.delays[a, t])
        return [a, t, u, k, arrival, 0, self.net.flight_kwh[u][k]]

    def route_pairs(self) -> list[tuple[int, int]]:
        ports = range(self.instance.num_vertiports)
        return [(u, k) for u in ports for k in ports if self.net.routes[u][k]]

    def placed_flight(self, options: list[tuple[int, int, int]]) -> list[int]:
        """A flight at the first (slot, origin, destination) of `options` that an idle aircraft
        at the origin can take; failing that, aircraft 0 at the first option."""
        for s, u, k in options:
            for a in range(self.instance.num_aircraft):
                if self.idle(a, s) and self.place[a][s] == u:
                    return self.flight_entry(a, s, u, k)
        s, u, k = options[0]
        return self.flight_entry(0, s, u, k)

    def consecutive_flights(self) -> tuple[int, int] | None:
        """Two flights of one aircraft, one after the other: their indices."""
        previous: dict[int, int] = {}
        for j in sorted(range(len(self.flights)), key=lambda j: self.flights[j].slot):
            a = self.flights[j].aircraft
            if a in previous:
                return previous[a], j
            previous[a] = j
        return None

    def crowded_chargers(self) -> list[list[int]]:
        """Charges at one vertiport in one slot, one more than its chargers: by idle aircraft
        there with room in the battery where a slot has enough of them, else by any."""
        instance, per_slot = self.instance, self.net.charge_per_slot
        used = Counter((c.slot, c.vertiport) for c in self.charges)
        for t in range(instance.num_slots):
            for v, port in enumerate(instance.vertiports):
                need = port.chargers + 1 - used[t, v]
                able = [
                    a
                    for a in range(instance.num_aircraft)
                    if self.idle(a, t) and self.place[a][t] == v and self.soc[a][t] < instance.battery_kwh
                ]
                if len(able) >= need:
                    return [[a, t, v, min(per_slot, instance.battery_kwh - self.soc[a][t])] for a in able[:need]]
        need = instance.vertiports[0].chargers + 1 - used[0, 0]
        return [[a % instance.num_aircraft, 0, 0, per_slot] for a in range(need)]

    def crowded_parking(self) -> list[list[int]]:
        """Flights into the vertiport with the least room left in the last slot, one more than
        that room, in the last slot (from idle aircraft elsewhere first)."""
        instance, last = self.instance, self.instance.num_slots - 1
        counted = occupancy(instance, self.net.start_ports, self.flights)
        room = [port.parking - len(counted[v][last]) for v, port in enumerate(instance.vertiports)]
        target = min(range(instance.num_vertiports), key=lambda v: room[v])
        fleet = sorted(range(instance.num_aircraft), key=lambda a: not self.idle(a, last))
        entries = []
        for n in range(room[target] + 1):
            a = fleet[n % len(fleet)]
            origin = self.place[a][last] if self.place[a][last] != target else (target + 1) % instance.num_vertiports
            entries.append(self.flight_entry(a, last, origin, target))
        return entries

    def crowded_pads(self) -> list[list[int]]:
        """Take-offs from the vertiport and slot of the most movements, one more than its pads
        serve (by idle aircraft there first); none if no vertiport has a route."""
        instance = self.instance
        moves = Counter((f.slot, f.origin) for f in self.flights)
        moves.update((f.arrival, f.destination) for f in self.flights)
        served = [v for v in range(instance.num_vertiports) if any(self.net.routes[v])]
        if not served:
            return []
        slot, v = max(((t, v) for t in range(instance.num_slots) for v in served), key=lambda p: moves[p])
        target = self.net.routes[v].index(True)
        need = instance.vertiports[v].pads * instance.pad_movements + 1 - moves[slot, v]
        fleet = sorted(
            range(instance.num_aircraft), key=lambda a: not (self.idle(a, slot) and self.place[a][slot] == v)
        )
        return [self.flight_entry(fleet[n % len(fleet)], slot, v, target) for n in range(need)]

    def drained(self) -> list[list[int]]:
        """Flights back and forth on one route from an aircraft's place after its last choice,
        each leaving when the last lands (or its downtime ends), until one leaves less than the
        reserve; none if no aircraft has the time left."""
        instance, net, slots = self.instance, self.net, self.instance.num_slots
        for a in range(instance.num_aircraft):
            free = [self.ground[a][t] and not self.busy[a][t] for t in range(slots)]
            start = next((t for t in range(slots) if all(free[t:])), slots)
            home = self.place[a][start]
            for away in (k for k in range(instance.num_vertiports) if net.routes[home][k]):
                entries, where, soc, t = [], home, self.soc[a][start], start
                while t < slots:
                    if self.down(a, t):
                        t += 1
                        continue
                    target = away if where == home else home
                    entries.append(self.flight_entry(a, t, where, target))
                    if soc - net.flight_kwh[where][target] < net.reserve_kwh:
                        return entries
                    soc, where, t = soc - net.flight_kwh[where][target], target, max(entries[-1][4], t + 1)
        return []


def _replaced(values: list[Any], index: int, value: Any) -> list[Any]:
    return [value if i == index else v for i, v in enumerate(values)]
