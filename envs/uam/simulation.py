"""The fleet's operating day, one aircraft's choice at a time: the state between decisions,
each choice's legality and what it earns, and the slot-to-slot events (landings, new
requests, lost passengers).

Within a slot, the aircraft on the ground and not grounded by downtime choose in index order:
fly to a vertiport (carrying up to `seats` of the passengers waiting for it, longest waiting
first), stay, or charge. When every one has chosen, the slot ends: requests that have waited
`max_wait_slots` slots are lost, the next slot's requests arrive, and aircraft due land.

Capacities, as the validator checks them:
- parking: at every slot, the aircraft on the ground at a vertiport at the slot's start plus
  those flying to it stay within its `parking` (a flight reserves its spot from take-off; an
  aircraft leaving in the slot still counts at its origin in that slot, so the order of the
  choices within a slot does not matter);
- pads: take-offs plus landings at a vertiport in a slot stay within `pads` x `pad_movements`;
- chargers: aircraft charging at a vertiport in a slot stay within its `chargers`.
A flight leaves at least the reserve in the battery, flies an open route (open over its
scheduled slots) and is scheduled to land by the end of the day; a delayed take-off
(`Day.delays`) lands that much later, with the same energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedrl.envs.uam.instance import UAMInstance

STAY, CHARGE = "stay", "charge"


@dataclass
class Options:
    """What the deciding aircraft can do now, computed once per decision."""

    aircraft: int
    origin: int
    fly: np.ndarray  # [V] bool: a flight there is legal (False at the origin)
    passengers: np.ndarray  # [V] who would board
    flight_profit: np.ndarray  # [V] fares of those passengers minus the flight's cost
    charge: bool  # a charger is free and the battery is not full
    charge_kwh: int  # what a slot's charge would add
    charge_cost: float


class FleetSimulation:
    """The day's state. `options` describes the aircraft whose turn it is; `apply` carries out
    its choice ("stay", "charge" or a destination vertiport index)."""

    def __init__(self, instance: UAMInstance):
        self.instance = instance
        self.day = instance.day
        fleet, ports, slots = instance.num_aircraft, instance.num_vertiports, instance.num_slots
        self.parking = np.array([port.parking for port in instance.vertiports])
        self.pad_capacity = np.array([port.pads for port in instance.vertiports]) * instance.pad_movements
        self.chargers = np.array([port.chargers for port in instance.vertiports])
        self.window = instance.max_wait_slots + 1
        self.slot = 0
        self.port = instance.start_ports.copy()  # on the ground there, or flying there
        self.ready = np.zeros(fleet, dtype=np.int64)  # the slot the aircraft is on the ground from
        self.flying = np.zeros(fleet, dtype=bool)
        self.soc = np.full(fleet, instance.battery_kwh, dtype=np.int64)
        longest = int(instance.flight_slots.max()) + instance.delay_slots
        self.pad_use = np.zeros((slots + longest + 1, ports), dtype=np.int64)
        self.charging = np.zeros(ports, dtype=np.int64)
        self.ground = np.zeros(ports, dtype=np.int64)
        self.inbound = np.zeros(ports, dtype=np.int64)
        self.waiting = np.zeros((self.window, ports, ports), dtype=np.int64)  # by request slot mod window
        self.flights: list[list[int]] = []  # [aircraft, slot, origin, destination, arrival, passengers, kwh]
        self.boardings: list[list[int]] = []  # [flight, request slot, passengers]
        self.charges: list[list[int]] = []  # [aircraft, slot, vertiport, kwh]
        self.decided_this_slot = np.zeros(fleet, dtype=bool)
        self.revenue = self.operating_cost = self.electricity_cost = 0.0
        self.served = self.spilled = 0
        self.turns: list[int] = []
        self._options: Options | None = None
        self._open_slot()
        self._next_turn()

    # -- whose turn ------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.slot >= self.instance.num_slots

    @property
    def aircraft(self) -> int:
        """The aircraft whose turn it is."""
        return self.turns[0]

    @property
    def options(self) -> Options:
        if self._options is None:
            self._options = self._work_out_options()
        return self._options

    def waiting_from(self, origin: int) -> np.ndarray:
        """[V] passengers waiting at `origin` for each destination."""
        return self.waiting[:, origin, :].sum(0)

    def _next_turn(self) -> None:
        self._options = None
        while not self.turns and not self.done:
            self._close_slot()
            if not self.done:
                self._open_slot()

    def _open_slot(self) -> None:
        slot = self.slot
        self.waiting[slot % self.window] = self.day.demand[slot]
        landed = self.flying & (self.ready == slot)
        np.subtract.at(self.inbound, self.port[landed], 1)
        self.flying[landed] = False
        on_ground = self.ready <= slot
        self.ground = np.bincount(self.port[on_ground], minlength=self.instance.num_vertiports)
        self.charging.fill(0)
        self.decided_this_slot.fill(False)
        self.turns = np.flatnonzero(on_ground & ~self.day.down[:, slot]).tolist()

    def _close_slot(self) -> None:
        expiring = (self.slot + 1) % self.window  # the oldest requests, which cannot wait longer
        self.spilled += int(self.waiting[expiring].sum())
        self.waiting[expiring] = 0
        self.slot += 1
        if self.done:
            self.spilled += int(self.waiting.sum())
            self.waiting.fill(0)

    # -- a choice --------------------------------------------------------------------------
    def _work_out_options(self) -> Options:
        instance, slot, aircraft = self.instance, self.slot, self.aircraft
        origin = int(self.port[aircraft])
        arrival = slot + instance.flight_slots[origin] + self.day.delays[aircraft, slot]
        fly = (
            instance.routes[origin]
            & (self.soc[aircraft] - instance.flight_kwh[origin] >= instance.reserve_kwh)
            & (slot + instance.flight_slots[origin] <= instance.num_slots)
            & (self.ground + self.inbound < self.parking)
            & (self.pad_use[arrival, np.arange(arrival.size)] < self.pad_capacity)
        )
        fly &= self.pad_use[slot, origin] < self.pad_capacity[origin]
        for destination in np.flatnonzero(fly):
            end = slot + int(instance.flight_slots[origin, destination])
            fly[destination] = not self.day.closed[slot:end, origin, destination].any()
        passengers = np.minimum(self.waiting_from(origin), instance.seats)
        flight_profit = instance.fares[slot, origin] * passengers - instance.flight_costs[origin]
        charge_kwh = int(min(instance.charge_per_slot, instance.battery_kwh - self.soc[aircraft]))
        return Options(
            aircraft=aircraft,
            origin=origin,
            fly=fly,
            passengers=passengers,
            flight_profit=np.where(fly, flight_profit, 0.0),
            charge=bool(self.charging[origin] < self.chargers[origin] and charge_kwh > 0),
            charge_kwh=charge_kwh,
            charge_cost=float(instance.prices[slot] * charge_kwh),
        )

    def legal(self, choice: int | str) -> bool:
        options = self.options
        if choice == STAY:
            return True
        if choice == CHARGE:
            return options.charge
        return isinstance(choice, (int, np.integer)) and 0 <= choice < options.fly.size and bool(options.fly[choice])

    def apply(self, choice: int | str) -> float:
        """Carry out the deciding aircraft's choice; return the profit it makes."""
        if not self.legal(choice):
            raise ValueError(f"aircraft {self.aircraft} cannot {choice!r} in slot {self.slot}")
        options, aircraft, slot = self.options, self.aircraft, self.slot
        profit = 0.0
        if choice == CHARGE:
            self.soc[aircraft] += options.charge_kwh
            self.charging[options.origin] += 1
            self.charges.append([aircraft, slot, options.origin, options.charge_kwh])
            self.electricity_cost += options.charge_cost
            profit = -options.charge_cost
        elif choice != STAY:
            profit = self._fly(options, int(choice))
        self.decided_this_slot[aircraft] = True
        self.turns.pop(0)
        self._next_turn()
        return profit

    def _fly(self, options: Options, destination: int) -> float:
        instance, aircraft, slot, origin = self.instance, options.aircraft, self.slot, options.origin
        arrival = slot + int(instance.flight_slots[origin, destination]) + int(self.day.delays[aircraft, slot])
        kwh = int(instance.flight_kwh[origin, destination])
        flight = len(self.flights)
        seats = int(options.passengers[destination])
        for age in range(self.window - 1, -1, -1):  # longest waiting first
            request = slot - age
            if seats == 0 or request < 0:
                continue
            cohort = self.waiting[request % self.window, origin, destination]
            boarding = int(min(cohort, seats))
            if boarding:
                self.waiting[request % self.window, origin, destination] -= boarding
                self.boardings.append([flight, request, boarding])
                seats -= boarding
        carried = int(options.passengers[destination])
        self.flights.append([aircraft, slot, origin, destination, arrival, carried, kwh])
        self.pad_use[slot, origin] += 1
        self.pad_use[arrival, destination] += 1
        self.inbound[destination] += 1
        self.port[aircraft] = destination
        self.flying[aircraft] = True
        self.ready[aircraft] = arrival
        self.soc[aircraft] -= kwh
        fares = float(instance.fares[slot, origin, destination]) * carried
        cost = float(instance.flight_costs[origin, destination])
        self.revenue += fares
        self.operating_cost += cost
        self.served += carried
        return fares - cost

    @property
    def profit(self) -> float:
        return self.revenue - self.operating_cost - self.electricity_cost
