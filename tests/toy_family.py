"""A toy family breaking every job-shop assumption, registered only in the tests: it maximises a
profit that can be negative; items and bins as node types, a two-stage action (an item, then its
bin); stochastic instances (prices shocked per round from the instance's seed, volatility a
scenario parameter); more decisions than nodes; it ends at a horizon."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from schedrl.envs import core
from schedrl.errors import ConfigError, InvalidScheduleError


@dataclass(frozen=True, eq=False)
class ToyInstance:
    name: str
    values: tuple[float, ...]  # per item; a negative item loses money wherever it goes
    prices: tuple[float, ...]  # per bin, before each round's shock
    rounds: int  # one item is placed per round, each item at most once
    volatility: float = 0.0  # scenario parameter: std of the relative price shocks
    seed: int = 0
    group: str = "toy"
    best_known = None

    @property
    def stochastic(self) -> bool:
        return self.volatility > 0

    @cached_property
    def price(self) -> np.ndarray:  # [rounds, bins], from the instance's own seed
        shocks = np.random.default_rng(self.seed).normal(0.0, self.volatility, (self.rounds, len(self.prices)))
        return np.asarray(self.prices) * (1.0 + shocks)


def generate(spec: dict[str, Any], count: int, seed: int) -> list[ToyInstance]:
    rng, vol = np.random.default_rng(seed), float(spec.get("volatility", 0.3))
    draws = [(rng.uniform(-1, 3, 4), rng.uniform(0.5, 2, 2), rng.integers(1 << 30)) for _ in range(count)]
    return [ToyInstance(f"toy{seed}_{i}", tuple(v), tuple(p), 4, vol, int(s)) for i, (v, p, s) in enumerate(draws)]


class ToyEnv(core.GraphSchedulingEnv):
    """Stage 0 picks an unused item (nodes 0..I-1), stage 1 its bin (nodes I, I+1); reward: profit."""

    catalog = core.InstanceCatalog("toy instance", ToyInstance, generate)

    def __init__(self, instance: Any = None, *, max_items: int = 4, reward_scale: float = 1.0, render_mode: Any = None):
        self.items, self.reward_scale = max_items, reward_scale
        envelope = core.GraphEnvelope(max_items + 2, max_items * 2, 4, global_features=2, context_nodes=1)
        super().__init__(envelope, instance=instance, auto_single_choice=False, render_mode=render_mode)

    def _check_fits(self, instance: ToyInstance) -> None:
        if len(instance.values) > self.items or len(instance.prices) != 2:
            raise ConfigError(f"{instance.name}: the env has room for {self.items} items and 2 bins")

    def _max_decisions(self, instance: ToyInstance) -> int:
        return 2 * instance.rounds

    def _start_episode(self, instance: ToyInstance) -> None:
        self.round, self.chosen, self.profit, self.assignment = 0, -1, 0.0, []
        self.used = np.zeros(len(instance.values), dtype=bool)
        graph, items, count = self.graph, self.items, len(instance.values)
        graph.clear()
        graph.node_mask[:count] = graph.node_mask[items:] = 1
        graph.node_features[:count, 0], graph.node_features[:count, 2] = 1.0, instance.values  # item, value
        graph.node_features[items:, 1] = 1.0  # bin
        graph.edge_index[:, : 2 * count] = np.array([(i, items + b) for i in range(count) for b in (0, 1)]).T
        graph.edge_mask[: 2 * count] = 1
        self._show()

    def _show(self) -> None:
        instance, graph = self.episode_instance, self.graph
        self.mask[self.items :] = self.chosen >= 0
        self.mask[: len(instance.values)] = ~self.used & (self.chosen < 0)
        graph.node_features[self.items :, 2] = instance.price[min(self.round, instance.rounds - 1)]
        graph.global_features[:] = (float(self.chosen >= 0), self.round / instance.rounds)
        graph.context_nodes[0] = self.chosen  # stage 1 sees the item chosen in stage 0

    def _apply(self, node: int) -> float:
        gain = 0.0
        if self.chosen < 0:
            self.chosen, self.used[node], self.graph.node_features[node, 3] = node, True, 1.0
        else:
            bin_ = node - self.items
            gain = self.episode_instance.values[self.chosen] * self.episode_instance.price[self.round, bin_]
            self.assignment.append([self.chosen, bin_])
            self.profit, self.round, self.chosen = self.profit + gain, self.round + 1, -1
            self._done = self._truncated = self.round == self.episode_instance.rounds  # the horizon
        self._show()
        return gain * self.reward_scale

    def _final_info(self) -> dict[str, Any]:
        return {"profit": self.profit, "assignment": self.assignment, "rounds": self.round}


class Greedy:
    """The best (item, bin) pair at this round's prices: online, never looking ahead."""

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        toy = env.unwrapped
        gains = np.outer(toy.episode_instance.values, toy.episode_instance.price[toy.round])
        if toy.chosen >= 0:
            return toy.items + int(np.argmax(gains[toy.chosen]))
        legal = np.flatnonzero(action_mask)
        return int(legal[np.argmax(gains[legal].max(axis=1))])


class BruteForce:
    """Clairvoyant optimum: every order of items over the rounds, the best bin per round."""

    def solve(self, instance: ToyInstance) -> core.SolverResult:
        best, plan = -math.inf, []
        for items in itertools.permutations(range(len(instance.values)), instance.rounds):
            gains = np.asarray(instance.values)[list(items), None] * instance.price
            if gains.max(axis=1).sum() > best:
                best, plan = gains.max(axis=1).sum(), [[i, int(b)] for i, b in zip(items, gains.argmax(1), strict=True)]
        record = {"assignment": plan, "rounds": instance.rounds}
        return core.SolverResult(float(best), record, proven_optimal=True, lower_bound=float(best), status="OPTIMAL")


def validate(instance: ToyInstance, record: dict[str, Any]) -> None:
    """Recomputes the profit from the assignment alone."""
    pairs, problems = record["assignment"], []
    if len(pairs) != instance.rounds or len({i for i, _ in pairs}) < len(pairs):
        problems.append(f"{instance.rounds} distinct items expected, one per round, got {pairs}")
    if not all(0 <= i < len(instance.values) and 0 <= b < len(instance.prices) for i, b in pairs):
        problems.append(f"item or bin out of range in {pairs}")
    if not problems:
        profit = sum(instance.values[i] * instance.price[r, b] for r, (i, b) in enumerate(pairs))
        if not math.isclose(profit, record["profit"], abs_tol=1e-9):
            problems.append(f"reported profit {record['profit']} but the assignment earns {profit}")
    if problems:
        raise InvalidScheduleError(instance.name, problems)


def perturbations(instance: ToyInstance, record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pairs = record["assignment"]
    return [
        ("item used once", {**record, "assignment": [pairs[0], *pairs[:-1]]}),
        ("bin in range", {**record, "assignment": [[pairs[0][0], 9], *pairs[1:]]}),
        ("one item per round", {**record, "assignment": pairs[:-1]}),
        ("reported profit", {**record, "profit": record["profit"] + 1.0}),
    ]


TOY = core.ProblemFamily(
    env_id="schedrl-test/Toy-v0", entry_point="toy_family:ToyEnv", objective=core.Objective("profit", "max"),
    instances=ToyEnv.catalog, baselines=lambda seed: {"greedy": Greedy(), "random": core.RandomPolicy(seed)},
    solution_record=lambda info: {key: info[key] for key in ("profit", "assignment", "rounds")},
    validate=validate, perturbations=perturbations, metrics=("rounds",), solvers={"brute": BruteForce},
    fit_kwargs=lambda instances: {"max_items": max(len(i.values) for i in instances)},
    episode_return=lambda kwargs, info: info["profit"] * kwargs.get("reward_scale", 1.0),
    test_instances={"kind": "generated", "count": 2, "seed": 3}, kwarg_variants=({}, {"reward_scale": 0.5}),
)  # fmt: skip
core.register_family(TOY)
