"""The paper's offline reference: a genetic algorithm over the day's dispatch plan, with
perfect information (it sees the whole day: demand, delays, closures, downtime). No online
method can know this much; its profit shows how much the online rules leave on the table.

Also the plan helpers both perfect-information references share (`TimeExpandedIP` in
`cpsat.py` reads them from here, so that the GA does not load OR-Tools): a plan is a choice
per (aircraft, slot), played through the simulation by `replay`."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.rules import Choice, greedy, greedy_profit, play
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation
from schedrl.errors import ConfigError

Plan = dict[tuple[int, int], Choice]  # (aircraft, slot) -> "stay", "charge" or a destination
# Where the plan says nothing or its choice is illegal when its turn comes.
Fallback = Callable[[FleetSimulation], Choice]


def check_scope(max_aircraft: int, max_vertiports: int) -> tuple[int, int]:
    """The size limits of the perfect-information references, checked alike."""
    for name, value in (("max_aircraft", max_aircraft), ("max_vertiports", max_vertiports)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return max_aircraft, max_vertiports


def within(instance: UAMInstance, max_aircraft: int, max_vertiports: int) -> bool:
    """Whether `instance` is a small scenario these references are meant for."""
    return instance.num_aircraft <= max_aircraft and instance.num_vertiports <= max_vertiports


def play_planned(instance: UAMInstance, rule: Fallback) -> tuple[FleetSimulation, Plan]:
    """A whole day of `rule`, with every choice it made as a plan."""
    plan: Plan = {}

    def choose(sim: FleetSimulation) -> Choice:
        plan[sim.aircraft, sim.slot] = choice = rule(sim)
        return choice

    return play(instance, choose), plan


def greedy_plans(instance: UAMInstance) -> dict[str, tuple[FleetSimulation, Plan]]:
    """Both greedy rules' days and plans, by rule name, the more profitable first
    (greedy_profit among equals)."""
    days = {rule.__name__: play_planned(instance, rule) for rule in (greedy_profit, greedy)}
    return dict(sorted(days.items(), key=lambda named: -named[1][0].profit))


def replay(
    instance: UAMInstance, planned: Callable[[FleetSimulation], Choice | None], fallback: Fallback
) -> tuple[FleetSimulation, int]:
    """The day played by `planned(sim)`, the choice for the aircraft whose turn it is; None
    means `fallback`'s choice. A planned choice that is illegal when its turn comes gives way
    to `fallback`'s too; returns the played day and how many planned choices gave way."""
    sim = FleetSimulation(instance)
    gave_way = 0
    while not sim.done:
        choice = planned(sim)
        if choice is None:
            choice = fallback(sim)
        elif not sim.legal(choice):
            choice = fallback(sim)
            gave_way += 1
        sim.apply(choice)
    return sim, gave_way


class GeneticPlanner:
    """A genetic algorithm over dispatch plans, with perfect information.

    Chromosome: an [aircraft, slot] array of genes, each a destination vertiport (0..V-1),
    stay (V), charge (V + 1) or "follow the rule" (V + 2). Decoding plays the day through
    `FleetSimulation`: each aircraft, at its turn, takes its gene's choice where legal and
    otherwise greedy_profit's (genes of slots where an aircraft is flying or grounded are
    never read). Fitness is the day's profit. `time_limit` is 3 s by default, for quick use and
    tests; the results table gives it 30 s (configs/family/uam.yaml).

    The first population holds both greedy rules' plans (greedy_profit: every gene "follow";
    greedy: its choices where it chose, "follow" elsewhere) and mutants of them; each
    generation keeps the `elite` best, then breeds by 3-way tournaments, crossing over by
    aircraft blocks (whole rows from either parent) or by a time window (columns from the
    second parent), and mutates: a few of the choices the first parent's day made, each to
    another choice that was legal there or to "follow the rule" (a random gene would mostly
    land where the aircraft is flying, or on an illegal flight, and change nothing), or one
    aircraft's time window to stay or "follow the rule". It stops after `time_limit` seconds
    or `max_generations` generations. Given `seed` the run is deterministic up to the
    generation it stops at, which the time limit may move: set a generous `time_limit` and a
    `max_generations` for reproducible results.

    `applies_to`: small scenarios only (`max_aircraft`, `max_vertiports`)."""

    def __init__(
        self,
        time_limit: float = 3.0,
        population: int = 24,
        seed: int = 0,
        max_aircraft: int = 12,
        max_vertiports: int = 6,
        max_generations: int = 100_000,
        elite: int = 2,
    ) -> None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
            raise ConfigError(f"time_limit must be a number of seconds > 0, got {time_limit!r}")
        for name, value, low in (("population", population, 4), ("max_generations", max_generations, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
        if isinstance(elite, bool) or not isinstance(elite, int) or not 1 <= elite < population:
            raise ConfigError(f"elite must be an integer in 1..population - 1 ({population - 1}), got {elite!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed must be an integer, got {seed!r}")
        self.time_limit = float(time_limit)
        self.population = population
        self.seed = seed
        self.max_aircraft, self.max_vertiports = check_scope(max_aircraft, max_vertiports)
        self.max_generations = max_generations
        self.elite = elite

    def applies_to(self, instance: UAMInstance) -> bool:
        return within(instance, self.max_aircraft, self.max_vertiports)

    def solve(self, instance: UAMInstance) -> SolverResult:
        began = time.perf_counter()
        deadline = began + self.time_limit
        search = _Search(instance, np.random.default_rng(self.seed))
        plans = greedy_plans(instance)
        rule, (rule_day, _) = next(iter(plans.items()))
        seeds = [search.follow(), search.genes_of(plans["greedy"][1])]
        population = [search.score(genes) for genes in seeds]
        while len(population) < self.population and time.perf_counter() < deadline:
            _, genes, turns = population[len(population) % len(seeds)]
            population.append(search.score(search.mutate(genes, turns)))
        generations = 0
        while generations < self.max_generations and time.perf_counter() < deadline:
            population.sort(key=lambda scored: -scored[0])
            children = population[: self.elite]
            while len(children) < self.population and time.perf_counter() < deadline:
                first, second = search.pick(population), search.pick(population)
                children.append(search.score(search.mutate(search.cross(first[1], second[1]), first[2])))
            population = children
            generations += 1
        sim, _ = search.decode(max(population, key=lambda scored: scored[0])[1])
        record = episode_metrics(sim)
        baseline = rule_day.profit
        gain = record["profit"] - baseline
        return SolverResult(
            objective=record["profit"],
            solution=record,
            proven_optimal=False,
            status=(
                f"genetic algorithm, perfect information (sees the whole day): {generations} generation(s), "
                f"{search.evaluations} evaluations ({len(search.cache)} distinct plans); "
                f"{gain:+.2f} over the better greedy rule ({rule}, {baseline:.2f})"
            ),
            wall_time=time.perf_counter() - began,
        )


# (profit, genes, turns): turns lists the decoded day's choices as [aircraft, slot, legal genes
# as a bit mask], one row per choice made.
Scored = tuple[float, np.ndarray, np.ndarray]


class _Search:
    """Chromosomes of one instance: decoding, scoring (cached by genes), selection and
    variation."""

    def __init__(self, instance: UAMInstance, rng: np.random.Generator):
        self.instance = instance
        self.rng = rng
        ports = instance.num_vertiports
        self.stay, self.charge, self.follow_gene = ports, ports + 1, ports + 2
        self.shape = (instance.num_aircraft, instance.num_slots)
        self.cache: dict[bytes, Scored] = {}
        self.evaluations = 0

    def follow(self) -> np.ndarray:
        return np.full(self.shape, self.follow_gene, dtype=np.int64)

    def genes_of(self, plan: Plan) -> np.ndarray:
        """The plan's choices, "follow the rule" where it has none."""
        genes = self.follow()
        for (aircraft, slot), choice in plan.items():
            genes[aircraft, slot] = self.stay if choice == STAY else self.charge if choice == CHARGE else choice
        return genes

    def choice(self, gene: int) -> Choice | None:
        if gene == self.follow_gene:
            return None
        return STAY if gene == self.stay else CHARGE if gene == self.charge else gene

    def decode(self, genes: np.ndarray) -> tuple[FleetSimulation, np.ndarray]:
        """The day the genes play, and its turns (see `Scored`)."""
        table = [[self.choice(int(gene)) for gene in row] for row in genes]
        turns = []

        def planned(sim: FleetSimulation) -> Choice | None:
            options = sim.options
            legal = 1 << self.stay | (1 << self.charge if options.charge else 0)
            for destination in np.flatnonzero(options.fly):
                legal |= 1 << int(destination)
            turns.append((sim.aircraft, sim.slot, legal))
            return table[sim.aircraft][sim.slot]

        sim, _ = replay(self.instance, planned, greedy_profit)
        return sim, np.array(turns, dtype=np.int64).reshape(-1, 3)

    def score(self, genes: np.ndarray) -> Scored:
        key = genes.tobytes()
        self.evaluations += 1
        if key not in self.cache:
            sim, turns = self.decode(genes)
            self.cache[key] = (sim.profit, genes, turns)
        return self.cache[key]

    def pick(self, population: list[Scored]) -> Scored:
        """The best of 3 drawn at random."""
        drawn = self.rng.choice(len(population), size=min(3, len(population)), replace=False)
        return max((population[int(k)] for k in drawn), key=lambda scored: scored[0])

    def cross(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        child = first.copy()
        fleet, slots = self.shape
        if self.rng.random() < 0.5:
            rows = self.rng.random(fleet) < 0.5
            child[rows] = second[rows]
        else:
            start = int(self.rng.integers(slots))
            end = int(self.rng.integers(start + 1, slots + 1))
            child[:, start:end] = second[:, start:end]
        return child

    def mutate(self, genes: np.ndarray, turns: np.ndarray) -> np.ndarray:
        """A few of the choices `turns` made (a parent's) changed to other legal ones or to
        "follow the rule", or one aircraft's time window set to stay or follow the rule."""
        child = genes.copy()
        fleet, slots = self.shape
        if len(turns) and self.rng.random() < 0.8:
            for aircraft, slot, legal in turns[self.rng.integers(len(turns), size=1 + int(self.rng.geometric(0.5)))]:
                options = [gene for gene in range(self.follow_gene) if legal >> gene & 1] + [self.follow_gene]
                child[aircraft, slot] = options[int(self.rng.integers(len(options)))]
        else:
            aircraft, start = int(self.rng.integers(fleet)), int(self.rng.integers(slots))
            end = min(slots, start + 1 + int(self.rng.integers(8)))
            child[aircraft, start:end] = self.rng.choice([self.stay, self.follow_gene])
        return child
