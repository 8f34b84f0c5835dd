"""An urban-air-mobility operating day: vertiports, an eVTOL fleet, and the day's demand and
disruptions, after the CapTAIN setting ('Graph Learning-based Fleet Scheduling for Urban Air
Mobility under Operational Constraints, Varying Demand & Uncertainties'). The paper's exact
numbers are not all public: every value here is a field, and the defaults marked
"assumption" are ours.

Time runs in slots of `slot_minutes` from `start_hour`. Energies are whole kWh and money is
in dollars. Everything random in a day (passenger requests, take-off delays, route closures,
aircraft downtime) is drawn from the instance's `seed`, so every method meets the same day.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from schedrl.envs.core.settings import Setting, check_settings
from schedrl.errors import ConfigError, InstanceFormatError

KINDS = ("hub", "commercial", "residential")
_COUNT = {"low": 0}
_POSITIVE = {"low": 0.0, "low_open": True}
VERTIPORT_SETTINGS = (
    Setting("name", str),
    Setting("x_km", float),
    Setting("y_km", float),
    Setting("kind", str, choices=KINDS),
    Setting("pads", int, 1),
    Setting("parking", int, 1),
    Setting("chargers", int, **_COUNT),
)
FIELD_SETTINGS = (
    Setting("num_aircraft", int, 1),
    Setting("seats", int, 1),
    Setting("battery_kwh", int, 1),
    Setting("reserve", float, 0.0, 0.99),
    Setting("kwh_per_km", float, 0.0),
    Setting("takeoff_landing_kwh", float, 0.0),
    Setting("charger_kw", float, **_POSITIVE),
    Setting("cruise_kmh", float, **_POSITIVE),
    Setting("turnaround_minutes", float, 0.0),
    Setting("max_route_km", float, **_POSITIVE),
    Setting("pad_movements", int, 1),
    Setting("slot_minutes", float, **_POSITIVE),
    Setting("start_hour", float, 0.0, 24.0),
    Setting("num_slots", int, 1),
    Setting("demand_rate", float, 0.0),
    Setting("peak_demand_multiplier", float, 0.0),
    Setting("max_wait_slots", int, 0),
    Setting("lookahead_slots", int, 1),
    Setting("fare_base", float, 0.0),
    Setting("fare_per_km", float, 0.0),
    Setting("peak_fare_multiplier", float, 0.0),
    Setting("flight_cost", float, 0.0),
    Setting("cost_per_km", float, 0.0),
    Setting("electricity_price", float, 0.0),
    Setting("peak_electricity_price", float, 0.0),
    Setting("delay_probability", float, 0.0, 1.0),
    Setting("closure_rate", float, 0.0),
    Setting("downtime_probability", float, 0.0, 1.0),
    Setting("seed", int, 0, 2**63 - 1),
)
_SLOT_RANGES = ("closure_slots", "downtime_slots")


@dataclass(frozen=True)
class Vertiport:
    """A vertiport: where it is (km), what it serves, and what it holds. `pads` landing pads
    serve `pad_movements` take-offs or landings per slot each; `parking` counts every
    aircraft on the ground there or flying there; `chargers` charge one aircraft each."""

    name: str
    x_km: float
    y_km: float
    kind: str = "commercial"
    pads: int = 2
    parking: int = 6
    chargers: int = 2

    def problems(self) -> str | None:
        values = {setting.key: getattr(self, setting.key) for setting in VERTIPORT_SETTINGS}
        try:
            check_settings(values, VERTIPORT_SETTINGS)
        except ConfigError as error:
            return str(error)
        return None


def city_layout(count: int, num_aircraft: int) -> tuple[Vertiport, ...]:
    """A hub-and-spoke city (assumption): a downtown hub, then commercial vertiports on an
    inner ring (8 km) and residential ones on an outer ring (22 km), spread around the
    centre; half the spokes rounded down are commercial (8 vertiports: the hub, 3 commercial
    and 4 residential). Capacities grow with the fleet (`sized`)."""
    if count < 2:
        raise ConfigError(f"a city layout needs at least 2 vertiports, got {count}")
    spokes = count - 1
    kinds = _interleave(spokes, spokes // 2)
    points = [(0.0, 0.0)]
    for k, kind in enumerate(kinds):
        angle, radius = 2 * math.pi * k / spokes, 8.0 if kind == "commercial" else 22.0
        points.append((radius * math.cos(angle), radius * math.sin(angle)))
    return sized(["hub", *kinds], points, num_aircraft)


def random_layout(rng: np.random.Generator, count: int, num_aircraft: int, radius_km: float) -> tuple[Vertiport, ...]:
    """A hub at the centre and `count - 1` vertiports uniform over a disc, each commercial or
    residential with equal odds; capacities as `sized`."""
    if count < 2:
        raise ConfigError(f"a random layout needs at least 2 vertiports, got {count}")
    kinds = ["hub", *rng.choice(["commercial", "residential"], count - 1).tolist()]
    radii = radius_km * np.sqrt(rng.random(count - 1))
    angles = rng.uniform(0, 2 * math.pi, count - 1)
    points = [(0.0, 0.0), *zip(radii * np.cos(angles), radii * np.sin(angles), strict=True)]
    return sized(kinds, points, num_aircraft)


def sized(kinds: list[str], points: list[tuple[float, float]], num_aircraft: int) -> tuple[Vertiport, ...]:
    """Vertiports whose pads, parking and chargers grow with the fleet per vertiport d: the hub
    parks 2.4 d with 0.8 d pads and chargers, a spoke parks 1.2 d with 0.4 d pads and 0.6 d
    (commercial) or 0.4 d (residential) chargers, rounded up (assumption; at 40 aircraft over
    8 vertiports: 12 / 4 / 4 at the hub, 6 / 2 / 3 or 2 at a spoke)."""
    density = num_aircraft / len(kinds)
    shares = {"hub": (0.8, 2.4, 0.8), "commercial": (0.4, 1.2, 0.6), "residential": (0.4, 1.2, 0.4)}
    counters = dict.fromkeys(KINDS, 0)
    ports = []
    for kind, (x, y) in zip(kinds, points, strict=True):
        counters[kind] += 1
        pads, parking, chargers = (_up(share * density) for share in shares[kind])
        name = "hub" if kind == "hub" and counters[kind] == 1 else f"{kind[:3]}{counters[kind]}"
        ports.append(Vertiport(name, round(float(x), 3), round(float(y), 3), kind, pads, parking, chargers))
    return tuple(ports)


def _up(value: float) -> int:
    return max(1, math.ceil(value - 1e-9))


def _interleave(spokes: int, commercial: int) -> list[str]:
    """`commercial` commercial spokes spread evenly among residential ones."""
    marks = {round(k * spokes / commercial) for k in range(commercial)} if commercial else set()
    return ["commercial" if k in marks else "residential" for k in range(spokes)]


@dataclass(frozen=True)
class Day:
    """One operating day's draws. Slots run 0..T-1; vertiports are indexed as listed."""

    demand: np.ndarray  # [T, V, V] passengers requesting origin -> destination in each slot
    delays: np.ndarray  # [A, T] extra slots a take-off in that slot waits (ground hold)
    closed: np.ndarray  # [T, V, V] bool: the route is closed by weather in that slot
    down: np.ndarray  # [A, T] bool: the aircraft is grounded for maintenance in that slot


@dataclass(frozen=True)
class UAMInstance:
    """A UAM scenario (network, fleet, demand profile, prices, disruption rates) plus the
    `seed` of its day. Defaults: the 8-vertiport city and 40 four-seat aircraft of the
    CapTAIN setting; the energy, price and rate values are our assumptions."""

    name: str = "uam"
    group: str = "v8a40"
    seed: int = 0
    vertiports: tuple[Vertiport, ...] = field(default_factory=lambda: city_layout(8, 40))
    num_aircraft: int = 40
    initial: tuple[int, ...] | None = None  # each aircraft's vertiport at the start; None: spread
    seats: int = 4
    battery_kwh: int = 120  # assumption
    reserve: float = 0.2  # share of the battery a flight must leave
    kwh_per_km: float = 1.0  # assumption
    takeoff_landing_kwh: float = 10.0  # assumption: vertical phases of a flight
    charger_kw: float = 200.0  # assumption: 50 kWh per 15-minute slot
    cruise_kmh: float = 150.0
    turnaround_minutes: float = 5.0  # boarding, take-off and landing, added to cruise time
    max_route_km: float = 60.0  # vertiport pairs farther apart have no air route
    pad_movements: int = 3  # take-offs or landings a pad serves per slot
    slot_minutes: float = 15.0
    start_hour: float = 6.0
    num_slots: int = 64  # 06:00-22:00
    demand_rate: float = 0.35  # expected requests per origin-destination pair per slot, off-peak
    # Fixed requests [slot, origin, destination, passengers] (a recorded day) instead of the
    # Poisson draws; the disruptions are still drawn from the seed.
    requests: tuple[tuple[int, int, int, int], ...] | None = None
    peak_hours: tuple[tuple[float, float], tuple[float, float]] = ((7.0, 10.0), (16.0, 19.0))
    peak_demand_multiplier: float = 3.0  # homes to work in the morning peak, back in the evening
    max_wait_slots: int = 2  # a request not boarded within this many slots is lost
    lookahead_slots: int = 4  # how far ahead the observation shows expected demand
    fare_base: float = 20.0  # dollars per passenger
    fare_per_km: float = 2.5
    peak_fare_multiplier: float = 1.3
    flight_cost: float = 25.0  # dollars per flight: crew, landing fees, maintenance
    cost_per_km: float = 1.5
    electricity_price: float = 0.20  # dollars per kWh off-peak
    peak_electricity_price: float = 0.35
    delay_probability: float = 0.1  # a take-off waits `delay_slots` slot(s)
    delay_slots: int = 1
    closure_rate: float = 2.0  # expected weather closures of a route per day
    closure_slots: tuple[int, int] = (2, 6)  # a closure lasts this many slots (uniform)
    downtime_probability: float = 0.1  # an aircraft is grounded once in the day
    downtime_slots: tuple[int, int] = (4, 12)
    best_known: float | None = None

    def __post_init__(self) -> None:
        where = f"UAM instance {self.name!r}"
        values = {setting.key: getattr(self, setting.key) for setting in FIELD_SETTINGS}
        try:
            check_settings(values, FIELD_SETTINGS)
            check_settings({"delay_slots": self.delay_slots}, (Setting("delay_slots", int, 0),))
        except ConfigError as error:
            raise InstanceFormatError(f"{where}: {error}") from None
        self._check_tuples(where)
        if len(self.vertiports) < 2:
            raise InstanceFormatError(f"{where}: vertiports must list at least 2, got {len(self.vertiports)}")
        for index, port in enumerate(self.vertiports):
            if not isinstance(port, Vertiport):
                raise InstanceFormatError(f"{where}: vertiports[{index}] is not a Vertiport, got {port!r}")
            problem = port.problems()
            if problem:
                raise InstanceFormatError(f"{where}: vertiports[{index}] ({port.name!r}): {problem}")
        names = [port.name for port in self.vertiports]
        if len(set(names)) < len(names):
            raise InstanceFormatError(
                f"{where}: vertiport names repeat: {sorted(n for n in names if names.count(n) > 1)}"
            )
        self._check_initial(where)
        self._check_requests(where)

    def _check_tuples(self, where: str) -> None:
        for key in _SLOT_RANGES:
            value = getattr(self, key)
            if isinstance(value, list):
                value = tuple(value)
                object.__setattr__(self, key, value)
            if not (
                isinstance(value, tuple)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and 1 <= value[0] <= value[1]
            ):
                raise InstanceFormatError(
                    f"{where}: {key} must be a pair [low, high] of slots, 1 <= low <= high, got {value!r}"
                )
        peaks = self.peak_hours
        if isinstance(peaks, list):
            peaks = tuple(tuple(p) if isinstance(p, list) else p for p in peaks)
            object.__setattr__(self, "peak_hours", peaks)
        if not (
            isinstance(peaks, tuple)
            and len(peaks) == 2
            and all(
                isinstance(p, tuple) and len(p) == 2 and all(isinstance(h, (int, float)) for h in p) and p[0] <= p[1]
                for p in peaks
            )
        ):
            raise InstanceFormatError(
                f"{where}: peak_hours must be two [from, to] hour pairs (morning, evening), got {peaks!r}"
            )
        if isinstance(self.vertiports, list):
            object.__setattr__(self, "vertiports", tuple(self.vertiports))
        if isinstance(self.initial, list):
            object.__setattr__(self, "initial", tuple(self.initial))
        if isinstance(self.requests, list):
            object.__setattr__(self, "requests", tuple(tuple(r) if isinstance(r, list) else r for r in self.requests))

    def _check_initial(self, where: str) -> None:
        if self.initial is None:
            if self.num_aircraft > sum(port.parking for port in self.vertiports):
                raise InstanceFormatError(
                    f"{where}: {self.num_aircraft} aircraft do not fit the vertiports' "
                    f"{sum(port.parking for port in self.vertiports)} parking spots"
                )
            return
        if len(self.initial) != self.num_aircraft:
            raise InstanceFormatError(
                f"{where}: initial lists {len(self.initial)} vertiports for {self.num_aircraft} aircraft"
            )
        for aircraft, port in enumerate(self.initial):
            if not (isinstance(port, int) and not isinstance(port, bool) and 0 <= port < self.num_vertiports):
                raise InstanceFormatError(
                    f"{where}: initial[{aircraft}] must be a vertiport index in "
                    f"0..{self.num_vertiports - 1}, got {port!r}"
                )
        counts = np.bincount(np.asarray(self.initial, dtype=int), minlength=self.num_vertiports)
        for vertiport, count in zip(self.vertiports, counts, strict=True):
            if count > vertiport.parking:
                raise InstanceFormatError(
                    f"{where}: initial puts {count} aircraft at {vertiport.name!r}, which parks {vertiport.parking}"
                )

    def _check_requests(self, where: str) -> None:
        if self.requests is None:
            return
        limits = (self.num_slots, self.num_vertiports, self.num_vertiports)
        for index, request in enumerate(self.requests):
            if not (
                isinstance(request, tuple)
                and len(request) == 4
                and all(isinstance(v, int) and not isinstance(v, bool) for v in request)
                and all(0 <= v < limit for v, limit in zip(request, limits, strict=False))
                and request[3] >= 0
                and request[1] != request[2]
            ):
                raise InstanceFormatError(
                    f"{where}: requests[{index}] must be [slot, origin, destination, passengers] with a slot in "
                    f"0..{self.num_slots - 1}, two different vertiports in 0..{self.num_vertiports - 1} and "
                    f"passengers >= 0, got {request!r}"
                )
            if not self.distances[request[1], request[2]] <= self.max_route_km:
                raise InstanceFormatError(f"{where}: requests[{index}] asks for a pair no air route joins: {request!r}")

    # -- the network ------------------------------------------------------------------------
    @property
    def stochastic(self) -> bool:
        return True

    @property
    def num_vertiports(self) -> int:
        return len(self.vertiports)

    @functools.cached_property
    def distances(self) -> np.ndarray:
        """[V, V] km, straight line."""
        xy = np.array([[port.x_km, port.y_km] for port in self.vertiports])
        return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))

    @functools.cached_property
    def routes(self) -> np.ndarray:
        """[V, V] bool: an air route joins the pair."""
        routes = self.distances <= self.max_route_km
        np.fill_diagonal(routes, False)
        return routes

    @functools.cached_property
    def flight_slots(self) -> np.ndarray:
        """[V, V] int: slots a flight takes, cruise plus turnaround, rounded up, at least one (so an
        aircraft lands in a later slot than it leaves; 0 on the diagonal)."""
        minutes = self.distances / self.cruise_kmh * 60 + self.turnaround_minutes
        slots = np.maximum(np.ceil(minutes / self.slot_minutes - 1e-9), 1).astype(np.int64)
        np.fill_diagonal(slots, 0)
        return slots

    @functools.cached_property
    def flight_kwh(self) -> np.ndarray:
        """[V, V] int: energy a flight uses, rounded up to whole kWh (0 on the diagonal)."""
        kwh = np.ceil(self.takeoff_landing_kwh + self.kwh_per_km * self.distances - 1e-9).astype(np.int64)
        np.fill_diagonal(kwh, 0)
        return kwh

    @property
    def reserve_kwh(self) -> int:
        """The charge a flight must leave, whole kWh rounded up."""
        return math.ceil(self.reserve * self.battery_kwh - 1e-9)

    @property
    def charge_per_slot(self) -> int:
        """kWh one charger adds in a slot (whole kWh, rounded down)."""
        return int(self.charger_kw * self.slot_minutes / 60 + 1e-9)

    @functools.cached_property
    def flight_costs(self) -> np.ndarray:
        """[V, V] dollars a flight costs to operate."""
        return self.flight_cost + self.cost_per_km * self.distances

    def hour(self, slot: int | np.ndarray) -> np.ndarray:
        return self.start_hour + np.asarray(slot) * self.slot_minutes / 60

    def _in_window(self, slots: np.ndarray, window: tuple[float, float]) -> np.ndarray:
        hours = self.hour(slots)
        return (hours >= window[0]) & (hours < window[1])

    @functools.cached_property
    def peak(self) -> np.ndarray:
        """[T] bool: the slot lies in a peak window."""
        slots = np.arange(self.num_slots)
        return self._in_window(slots, self.peak_hours[0]) | self._in_window(slots, self.peak_hours[1])

    @functools.cached_property
    def fares(self) -> np.ndarray:
        """[T, V, V] dollars per passenger by departure slot: base plus distance, higher in a peak."""
        base = self.fare_base + self.fare_per_km * self.distances
        multiplier = np.where(self.peak, self.peak_fare_multiplier, 1.0)
        return np.round(multiplier[:, None, None] * base[None], 2)

    @functools.cached_property
    def prices(self) -> np.ndarray:
        """[T] dollars per kWh charged in the slot."""
        return np.where(self.peak, self.peak_electricity_price, self.electricity_price)

    @functools.cached_property
    def demand_rates(self) -> np.ndarray:
        """[T, V, V] expected requests: `demand_rate` on every route, times the peak multiplier
        from residential to hub/commercial vertiports in the morning window and back in the
        evening one (assumption, after the paper's commercial vs residential profiles). This
        profile is public to every method; only the day's draws are not."""
        slots = np.arange(self.num_slots)
        residential = np.array([port.kind == "residential" for port in self.vertiports])
        to_work = residential[:, None] & ~residential[None, :]
        morning = self._in_window(slots, self.peak_hours[0])[:, None, None] & to_work[None]
        evening = self._in_window(slots, self.peak_hours[1])[:, None, None] & to_work.T[None]
        rates = np.full((self.num_slots, self.num_vertiports, self.num_vertiports), self.demand_rate)
        rates[morning | evening] *= self.peak_demand_multiplier
        return rates * self.routes[None]

    @functools.cached_property
    def start_ports(self) -> np.ndarray:
        """[A] each aircraft's vertiport at the start: `initial`, or spread over the vertiports
        in turn (the hub first), skipping full ones."""
        if self.initial is not None:
            return np.asarray(self.initial, dtype=np.int64)
        free = np.array([port.parking for port in self.vertiports])
        ports, port = [], 0
        for _ in range(self.num_aircraft):
            while free[port] == 0:
                port = (port + 1) % self.num_vertiports
            ports.append(port)
            free[port] -= 1
            port = (port + 1) % self.num_vertiports
        return np.asarray(ports, dtype=np.int64)

    # -- the day ---------------------------------------------------------------------------
    @functools.cached_property
    def day(self) -> Day:
        """Draws in a fixed order from `default_rng(seed)`: Poisson requests of every slot and
        pair (drawn even where `requests` replaces them, so the disruptions stay the same),
        each aircraft's delayed take-off slots, the closures (Poisson count; a route, both
        ways, a start slot and a length each), then each aircraft's downtime (whether, start,
        length)."""
        rng = np.random.default_rng(self.seed)
        slots, ports, fleet = self.num_slots, self.num_vertiports, self.num_aircraft
        demand = rng.poisson(self.demand_rates).astype(np.int64)
        if self.requests is not None:
            demand[:] = 0
            for slot, origin, destination, passengers in self.requests:
                demand[slot, origin, destination] += passengers
        delays = (rng.random((fleet, slots)) < self.delay_probability).astype(np.int64) * self.delay_slots
        closed = np.zeros((slots, ports, ports), dtype=bool)
        pairs = np.argwhere(np.triu(self.routes))
        for _ in range(int(rng.poisson(self.closure_rate)) if pairs.size else 0):
            u, v = pairs[rng.integers(len(pairs))]
            start = int(rng.integers(slots))
            length = int(rng.integers(self.closure_slots[0], self.closure_slots[1] + 1))
            closed[start : start + length, u, v] = closed[start : start + length, v, u] = True
        down = np.zeros((fleet, slots), dtype=bool)
        grounded = rng.random(fleet) < self.downtime_probability
        starts = rng.integers(0, slots, fleet)
        lengths = rng.integers(self.downtime_slots[0], self.downtime_slots[1] + 1, fleet)
        for aircraft in np.flatnonzero(grounded):
            down[aircraft, starts[aircraft] : starts[aircraft] + lengths[aircraft]] = True
        return Day(demand=demand, delays=delays, closed=closed, down=down)

    def route_open(self, origin: int, destination: int, slot: int) -> bool:
        """The route is open for a flight leaving in `slot`, over every slot it is scheduled in
        the air (slots past the day count as open)."""
        end = slot + int(self.flight_slots[origin, destination])
        return not bool(self.day.closed[slot:end, origin, destination].any())
