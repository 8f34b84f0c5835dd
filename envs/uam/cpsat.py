"""An integer program on the time-expanded network of the whole day, solved with OR-Tools
CP-SAT: a perfect-information reference (it sees the day's demand, delays, closures and
downtime), for small scenarios.

Model. Per aircraft a:
- an action per (slot t, vertiport v) where a can be on the ground: stay, charge (v has
  chargers) and fly to k, only for flights legal by construction (a route, open over its
  scheduled slots, nominal landing by the end of the day; arrival t + flight slots + a's
  delay at t); while a is down, only stay. The actions at (t, v) sum to a's presence on the
  ground there: 1 at its start port at slot 0, then the stays and charges of (t - 1, v) plus
  the flights landing at v at t (flow conservation);
- its battery at the start of every slot and at the day's end (whole kWh, in [reserve,
  battery]: a flight must leave the reserve): a flight's energy leaves at take-off, a charge
  adds exactly min(charge_per_slot, battery - soc) (AddMinEquality, enforced by the charge)
  and needs soc < battery, as in the env.
Per (vertiport, slot), as the spec counts them: parking (on the ground at the slot's start,
those leaving in it included, plus those flying there), pad movements (take-offs plus
landings, landings past the day at their slot) and chargers.
Passengers: boarded[o, d, r, b] for the requests of slot r boarding at b in r..r + max_wait,
within the requests and within seats x flights o -> d at b. The IP chooses whom to board;
the env always boards the most, longest waiting first, so the IP relaxes the env: every
played day is a solution of the IP with at least its profit, and the IP's bound bounds the
day's best profit from above.
Objective: fares - flight costs - electricity, in micro-dollars: fares exactly (whole cents),
costs rounded down, so the model never undervalues a day and its bound stays a bound.

Measured choices (LP relaxation by GLOP, 4 vertiports, 4 aircraft, 16 slots, seed 0): a
flight carries at most min(seats, the requests it could board) and a cohort's share at most
the cohort, per flight, not only seats x flights: the LP bound drops from 8322 to 6479. The
battery stated per action instead of per slot (so that one fraction of an aircraft cannot
charge while another flies on the same charge) tightens it only to 6305, with 70 % more
variables and no better search in our runs; it is not used.

Search. The whole-day model, hinted with the better greedy rule's day, runs first for
`WHOLE_DAY_SHARE` of the time limit (LP at linearization level 2): it gives the bound and, on
small days, the proof. Alone, one worker gains at most 0.2 % over the hint on a 64-slot day
(4 vertiports, 8 aircraft, seed 0) in 120 s, and CP-SAT's own neighbourhood search needs more
workers. So the rest of the time goes to large-neighbourhood search over the same model: free
the actions of a few aircraft over a window of slots (aircraft and window drawn from `seed`),
fix every other action, and the batteries those set, to the best solution's, and solve from
the best solution for up to `NEIGHBOURHOOD_SECONDS` per unit of size; a better solution
replaces the best. The sizes (`neighbourhoods`: one aircraft over 3/8 of the day, two, every
aircraft over 1/8, which lets them swap roles, then one, two and four over 3/4) grow after as
many failures in a row as there are aircraft and fall back to the smallest on a success; past
the largest, the whole-day model runs again from the best solution for the rest of the time.
On that day, one worker: 18,109 in 60 s, 18,145 in 120 s (bound 22,646; the greedy rules
13,461; the GA 15,959 in 60 s).

Replay. The solution becomes a choice per (aircraft, slot), replayed through
`FleetSimulation` (which boards the most): the record and the objective are the replay's. A
planned choice that is illegal in the replay (none should be) falls back to stay, counted in
the status. Should the replay earn less than the hint, the greedy day is returned (said in
the status).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from schedrl.envs.core import progress
from schedrl.envs.core.cpsat import progress_line, solve_reporting
from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.cpsat import check_options
from schedrl.envs.uam.genetic import Plan, check_scope, greedy_plans, replay, within
from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.rules import Choice
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation

MICRO = 1_000_000  # model money units per dollar
WHOLE_DAY_SHARE = 0.2  # of the time limit, for the whole-day model (the bound); the rest for neighbourhoods
NEIGHBOURHOOD_SECONDS = 0.5  # most search time for one neighbourhood of the smallest size


@dataclass(frozen=True)
class Flight:
    aircraft: int
    slot: int
    origin: int
    destination: int
    arrival: int


@dataclass
class _Model:
    instance: UAMInstance
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    # per (aircraft, slot, vertiport) where the aircraft may be on the ground, per choice there
    actions: dict[tuple[int, int, int], dict[Choice, cp_model.IntVar]] = field(default_factory=dict)
    soc: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (a, t): at slot t's start
    charged: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # kWh a charge adds
    headroom: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # min(a slot's charge, room)
    flights: dict[Flight, cp_model.IntVar] = field(default_factory=dict)
    boarded: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (o, d, r, b)

    def profit(self, values: Sequence[int]) -> float:
        """A solution's profit in dollars, computed exactly (not in the model's rounded units);
        `values` by variable index."""
        instance = self.instance
        fares = sum(float(instance.fares[b, o, d]) * values[x.index] for (o, d, _, b), x in self.boarded.items())
        costs = sum(
            float(instance.flight_costs[f.origin, f.destination]) * values[x.index] for f, x in self.flights.items()
        )
        energy = sum(float(instance.prices[t]) * values[e.index] for (_, t, _), e in self.charged.items())
        return fares - costs - energy

    def plan(self, values: Sequence[int]) -> Plan:
        return {
            (a, t): choice
            for (a, t, _), actions in self.actions.items()
            for choice, x in actions.items()
            if choice != STAY and values[x.index]
        }


@dataclass
class _Uses:
    """What the aircraft's actions ask of each vertiport and route, for the capacity and
    passenger constraints."""

    parking: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    pads: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    chargers: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    seats: dict[tuple[int, int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))


def build_model(instance: UAMInstance) -> _Model:
    """The time-expanded IP of the whole day (see the module docstring)."""
    built, uses = _Model(instance), _Uses()
    model = built.model
    open_routes = _open_routes(instance)
    for aircraft in range(instance.num_aircraft):
        _aircraft(built, uses, aircraft, open_routes)
    for kind, used in (("parking", uses.parking), ("pads", uses.pads), ("chargers", uses.chargers)):
        for (v, _), xs in used.items():
            port = instance.vertiports[v]
            limit = port.pads * instance.pad_movements if kind == "pads" else getattr(port, kind)
            if len(xs) > limit:
                model.add(sum(xs) <= limit)
    costs = [[math.floor(float(c) * MICRO) for c in row] for row in instance.flight_costs]
    prices = [math.floor(float(p) * MICRO) for p in instance.prices]
    objective = [(x, -costs[f.origin][f.destination]) for f, x in built.flights.items()]
    objective += [(e, -prices[t]) for (_, t, _), e in built.charged.items()]
    objective += _passengers(built, uses.seats)
    model.maximize(cp_model.LinearExpr.weighted_sum([x for x, _ in objective], [c for _, c in objective]))
    return built


def _aircraft(built: _Model, uses: _Uses, a: int, open_routes: list[list[list[int]]]) -> None:
    """Aircraft a's actions, its flow from slot to slot and its battery."""
    instance, model, day = built.instance, built.model, built.instance.day
    slots, battery = instance.num_slots, instance.battery_kwh
    start = int(instance.start_ports[a])
    inflow: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)  # stays, charges, landings at (t, v)
    inflow[0, start] = []
    soc = built.soc[a, 0] = model.new_constant(battery)
    for t in range(slots):
        spent: list[cp_model.LinearExpr] = []
        charging: list[tuple[cp_model.IntVar, cp_model.IntVar]] = []
        for v in sorted(v for s, v in inflow if s == t):
            actions = {STAY: model.new_bool_var(f"stay_{a}_{t}_{v}")}
            if not day.down[a, t] and instance.vertiports[v].chargers > 0:
                x = actions[CHARGE] = model.new_bool_var(f"charge_{a}_{t}_{v}")
                added = built.charged[a, t, v] = model.new_int_var(0, instance.charge_per_slot, f"charged_{a}_{t}_{v}")
                model.add(added <= instance.charge_per_slot * x)
                model.add(soc <= battery - 1).only_enforce_if(x)
                charging.append((x, added))
                uses.chargers[v, t].append(x)
            for k in [] if day.down[a, t] else open_routes[t][v]:
                arrival = t + int(instance.flight_slots[v, k]) + int(day.delays[a, t])
                x = actions[k] = built.flights[Flight(a, t, v, k, arrival)] = model.new_bool_var(f"fly_{a}_{t}_{v}_{k}")
                spent.append(x * int(instance.flight_kwh[v, k]))
                uses.pads[v, t].append(x)
                uses.pads[k, arrival].append(x)
                uses.seats[v, k, t].append(x)
                for s in range(t, min(arrival, slots)):  # flying there
                    uses.parking[k, s].append(x)
                if arrival < slots:
                    inflow[arrival, k].append(x)
            model.add(sum(actions.values()) == sum(inflow.pop((t, v))) + int((t, v) == (0, start)))
            uses.parking[v, t] += actions.values()
            if t + 1 < slots:
                inflow[t + 1, v] += [x for choice, x in actions.items() if choice in (STAY, CHARGE)]
            built.actions[a, t, v] = actions
        if charging:
            _charge_exactly(built, a, t, charging)
        after = built.soc[a, t + 1] = model.new_int_var(instance.reserve_kwh, battery, f"soc_{a}_{t + 1}")
        model.add(after == soc - cp_model.LinearExpr.sum(spent) + sum(added for _, added in charging))
        soc = after


def _charge_exactly(built: _Model, a: int, t: int, charging: list[tuple[cp_model.IntVar, cp_model.IntVar]]) -> None:
    """A charge adds exactly min(charge_per_slot, battery - soc), as in the env."""
    model, instance = built.model, built.instance
    headroom = built.headroom[a, t] = model.new_int_var(0, instance.charge_per_slot, f"headroom_{a}_{t}")
    model.add_min_equality(headroom, [instance.charge_per_slot, instance.battery_kwh - built.soc[a, t]])
    for charges, added in charging:
        model.add(added == headroom).only_enforce_if(charges)


def _open_routes(instance: UAMInstance) -> list[list[list[int]]]:
    """[slot][origin]: the destinations of flights legal by construction (a route, open over
    its scheduled slots, nominal landing by the end of the day)."""
    slots, ports = instance.num_slots, instance.num_vertiports
    return [
        [
            [
                k
                for k in range(ports)
                if instance.routes[v, k] and t + instance.flight_slots[v, k] <= slots and instance.route_open(v, k, t)
            ]
            for v in range(ports)
        ]
        for t in range(slots)
    ]


def _passengers(
    built: _Model, seats: dict[tuple[int, int, int], list[cp_model.IntVar]]
) -> list[tuple[cp_model.IntVar, int]]:
    """Boarding variables within the requests and the flights' seats, with their fares; per
    flight at most min(seats, the requests it could board), and a cohort at most itself (see
    the module docstring)."""
    model, instance = built.model, built.instance
    demand, wait = instance.day.demand, instance.max_wait_slots
    fares = []
    cohorts: dict[tuple[int, int, int], list[cp_model.IntVar]] = defaultdict(list)  # (o, d, r)
    for (o, d, b), flights in seats.items():
        requests = {r: int(demand[r, o, d]) for r in range(max(0, b - wait), b + 1) if demand[r, o, d]}
        full = min(instance.seats, sum(requests.values()))
        if not full:
            continue
        boarding = []
        for r, cohort in requests.items():
            x = model.new_int_var(0, min(cohort, instance.seats * len(flights)), f"board_{o}_{d}_{r}_{b}")
            built.boarded[o, d, r, b] = x
            boarding.append(x)
            cohorts[o, d, r].append(x)
            fares.append((x, round(float(instance.fares[b, o, d]) * 100) * (MICRO // 100)))
            if cohort < full:
                model.add(x <= cohort * sum(flights))
        model.add(sum(boarding) <= full * sum(flights))
    for (o, d, r), xs in cohorts.items():
        if len(xs) > 1:
            model.add(sum(xs) <= int(demand[r, o, d]))
    return fares


def _hint(built: _Model, sim: FleetSimulation) -> None:
    """Hint every variable with a played day."""
    model, instance = built.model, built.instance
    flights = {(a, t): (destination, arrival, kwh) for a, t, _, destination, arrival, _, kwh in sim.flights}
    charges = {(a, t): kwh for a, t, _, kwh in sim.charges}
    chosen: dict[tuple[int, int, int], Choice] = {}
    for a in range(instance.num_aircraft):
        port, ready, soc = int(instance.start_ports[a]), 0, instance.battery_kwh
        for t in range(instance.num_slots):
            if (a, t) in built.headroom:
                model.add_hint(built.headroom[a, t], min(instance.charge_per_slot, instance.battery_kwh - soc))
            if ready <= t:
                chosen[a, t, port] = flights[a, t][0] if (a, t) in flights else CHARGE if (a, t) in charges else STAY
            if (a, t) in flights:
                port, ready = flights[a, t][:2]
            soc += charges.get((a, t), 0) - flights.get((a, t), (0, 0, 0))[2]
            model.add_hint(built.soc[a, t + 1], soc)
    for key, actions in built.actions.items():
        for choice, x in actions.items():
            model.add_hint(x, int(chosen.get(key) == choice))
        if key in built.charged:
            model.add_hint(built.charged[key], charges.get(key[:2], 0) if chosen.get(key) == CHARGE else 0)
    boarded: dict[tuple[int, int, int, int], int] = defaultdict(int)
    for flight, request, passengers in sim.boardings:
        _, slot, origin, destination, *_ = sim.flights[flight]
        boarded[origin, destination, request, slot] += passengers
    for cohort, x in built.boarded.items():
        model.add_hint(x, boarded[cohort])


@dataclass
class _Search:
    """The best solution so far (values by variable index), the best bound, and what the
    search did."""

    values: list[int]
    objective: float  # in model units, as the bound
    bound: float
    optimal: bool
    runs: list[str] = field(default_factory=list)  # the whole-day model's
    neighbourhoods: int = 0
    improved: int = 0
    largest: int = 0  # index into `neighbourhoods` of the largest size tried


def _whole_day(built: _Model, search: _Search | None, seconds: float, workers: int, seed: int) -> _Search | None:
    """The whole-day model, from the best solution so far if any (else from the model's hint),
    with the LP at linearization level 2; None if it finds no solution."""
    model = built.model
    if search is not None:
        model = built.model.clone()
        model.clear_hints()
        model.proto.solution_hint.vars.extend(range(len(search.values)))
        model.proto.solution_hint.values.extend(search.values)
    label = f"IP {built.instance.name} profit"
    solver, status = _solve(model, seconds, workers, seed, linearization=2, label=label)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return search
    bound = solver.best_objective_bound
    run = f"{solver.status_name(status)} in {solver.wall_time:.1f} s, bound {bound / MICRO:.2f}"
    if search is None:
        search = _Search(list(solver.response_proto.solution), solver.objective_value, bound, False)
    elif solver.objective_value > search.objective:
        search.values, search.objective = list(solver.response_proto.solution), solver.objective_value
    search.bound, search.optimal = min(search.bound, bound), status == cp_model.OPTIMAL
    search.runs.append(run)
    return search


def _solve(
    model: cp_model.CpModel, seconds: float, workers: int, seed: int, linearization: int = 1, label: str = ""
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """A CP-SAT run; one with a `label` reports its incumbent and bound (a neighbourhood's
    bound holds only for it, so those runs report nothing)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = linearization
    if label:
        return solver, solve_reporting(solver, model, label, scale=lambda value: value / MICRO)
    return solver, solver.solve(model)


def neighbourhoods(fleet: int, slots: int) -> list[tuple[int, int, float]]:
    """(aircraft, slots, seconds): the sizes of neighbourhood, smallest first, with the most
    search time for one of each; the last is the whole day, for the rest of the time."""
    width = min(slots, max(8, 3 * slots // 8))
    sizes = [(1, width), (2, width), (fleet, max(1, width // 3)), *((n, 2 * width) for n in (1, 2, 4)), (fleet, slots)]
    sizes = [(min(n, fleet), min(w, slots)) for n, w in sizes]
    return [(n, w, NEIGHBOURHOOD_SECONDS * n * w / width) for n, w in dict.fromkeys(sizes)]


def _improve(built: _Model, search: _Search, deadline: float, workers: int, rng: np.random.Generator) -> None:
    """Large-neighbourhood search until `deadline`, ending with the whole day if every smaller
    size got stuck (module docstring)."""
    fleet, slots = built.instance.num_aircraft, built.instance.num_slots
    sizes = neighbourhoods(fleet, slots)
    level = failures = 0
    while (left := deadline - time.perf_counter()) > 0.05:
        count, width, seconds = sizes[level]
        search.largest = max(search.largest, level)
        if (count, width) == (fleet, slots):
            _whole_day(built, search, left, workers, int(rng.integers(2**31)))
            return
        free = set(rng.choice(fleet, size=count, replace=False).tolist())
        first = int(rng.integers(0, slots - width + 1))
        model = built.model.clone()
        model.clear_hints()
        model.proto.solution_hint.vars.extend(range(len(search.values)))
        model.proto.solution_hint.values.extend(search.values)
        fixed = [x for (a, t, _), actions in built.actions.items() if a not in free or not first <= t < first + width
                 for x in actions.values()]  # fmt: skip
        fixed += [x for (a, _), x in built.soc.items() if a not in free]  # set by the fixed actions
        fixed += [x for (a, *_), x in (*built.charged.items(), *built.headroom.items()) if a not in free]
        for x in fixed:
            domain = model.proto.variables[x.index].domain
            domain[0] = domain[len(domain) - 1] = search.values[x.index]
        solver, status = _solve(model, min(seconds, left), workers, int(rng.integers(2**31)))
        search.neighbourhoods += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value > search.objective:
            search.values, search.objective = list(solver.response_proto.solution), solver.objective_value
            search.improved += 1
            progress.report(progress_line(f"IP {built.instance.name} profit", search.objective / MICRO,
                                          search.bound / MICRO, f"{search.neighbourhoods} neighbourhoods"))  # fmt: skip
            level = failures = 0
        elif (failures := failures + 1) >= fleet:  # stuck at this size: the next larger one
            level, failures = level + 1, 0


class TimeExpandedIP:
    """The time-expanded integer program of the day (module docstring), solved by CP-SAT: a
    perfect-information reference for small scenarios (`applies_to`: at most `max_aircraft`
    aircraft and `max_vertiports` vertiports).

    `time_limit` is the search time, whole-day model and neighbourhoods together (5 s by
    default, for quick use and tests; the results table gives it 60 s, configs/family/uam.yaml);
    building
    the model, the greedy hint and the replay come on top and count in `wall_time`. Runs
    stopped by the time limit differ from run to run; a proof within it does not.

    `lower_bound` is the IP's best bound on the profit (of its whole-day runs). For this max
    problem it bounds the best profit from above: `SolverResult.lower_bound` holds a solver's
    proven bound in the objective's own sense (the family contract test checks that the
    objective is not better than it, and equal to it when proven optimal; evaluation stores it
    as is), and the IP relaxes the env (boarding, costs rounded down), so the bound holds for
    the env's day too. `proven_optimal`: CP-SAT proved the whole-day model optimal and the
    replay earns the IP's profit."""

    def __init__(
        self, time_limit: float = 5.0, workers: int = 2, max_aircraft: int = 12, max_vertiports: int = 6, seed: int = 0
    ) -> None:
        self.time_limit, self.workers, self.seed = check_options(time_limit, workers, seed)
        self.max_aircraft, self.max_vertiports = check_scope(max_aircraft, max_vertiports)

    def applies_to(self, instance: UAMInstance) -> bool:
        return within(instance, self.max_aircraft, self.max_vertiports)

    def solve(self, instance: UAMInstance) -> SolverResult:
        began = time.perf_counter()
        rule, (greedy_day, _) = next(iter(greedy_plans(instance).items()))
        built = build_model(instance)
        _hint(built, greedy_day)
        proto = built.model.proto
        head = (
            f"time-expanded IP, perfect information (sees the whole day), {len(proto.variables)} variables, "
            f"{len(proto.constraints)} constraints"
        )
        deadline = time.perf_counter() + self.time_limit
        search = _whole_day(built, None, WHOLE_DAY_SHARE * self.time_limit, self.workers, self.seed)
        if search is None:
            return _result(greedy_day, f"{head}: no solution, the {rule} rule's day", began, None, False)
        if not search.optimal:
            _improve(built, search, deadline, self.workers, np.random.default_rng(self.seed))
        head += f": {'OPTIMAL' if search.optimal else 'FEASIBLE'}, bound {search.bound / MICRO:.2f}; "
        head += f"whole-day model {search.runs[0]}"
        if search.neighbourhoods:
            count, width, _ = neighbourhoods(instance.num_aircraft, instance.num_slots)[search.largest]
            head += (
                f"; {search.neighbourhoods} neighbourhoods (up to {count} aircraft x {width} slots), "
                f"{search.improved} improved"
            )
        if len(search.runs) > 1:
            head += f"; the whole day again from the best: {search.runs[1]}"
        planned, value = built.plan(search.values), built.profit(search.values)
        sim, gave_way = replay(instance, lambda sim: planned.get((sim.aircraft, sim.slot), STAY), lambda _: STAY)
        text = f"{head}; IP profit {value:.2f}, replayed {sim.profit:.2f}"
        if gave_way:
            text += f", {gave_way} planned choice(s) illegal in the replay (stayed)"
        if sim.profit < greedy_day.profit:
            text += f"; below the {rule} rule's {greedy_day.profit:.2f}: its day"
            sim = greedy_day
        proven = search.optimal and not gave_way and abs(sim.profit - value) <= 1e-6
        # lower_bound: the bound in the objective's own sense, here from above (class docstring)
        return _result(sim, text, began, search.bound / MICRO, proven)


def _result(sim: FleetSimulation, status: str, began: float, bound: float | None, proven: bool) -> SolverResult:
    record = episode_metrics(sim)
    return SolverResult(
        objective=record["profit"],
        solution=record,
        proven_optimal=proven,
        lower_bound=bound,
        status=status,
        wall_time=time.perf_counter() - began,
    )
