"""A clairvoyant anytime reference: local search over whole assignments, seeing every
future task, channel and size of the episode. No online policy can know this much, so its
cost shows how much room the weighted greedy leaves, not a target a policy must reach.

It rests on the delay's telescoping: a server's tasks' marginal delays add up to their total
response time (completion - decision time), so the episode's total cost is a sum over
servers of w / delay_unit x total response time + (1 - w) / energy_unit x energy, and moving
one task changes only its old and its new server's terms."""

from __future__ import annotations

import time

import numpy as np

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.metrics import episode_metrics
from schedrl.envs.edge.rules import play, weighted_greedy
from schedrl.envs.edge.servers import completion_times
from schedrl.envs.edge.simulation import transfer_costs


class ClairvoyantSearch:
    """From the weighted greedy's assignment, move single tasks to the server that lowers the
    total cost most, pass after pass over the tasks in a seeded random order, until a pass
    improves nothing or `time_limit` seconds have passed."""

    def __init__(self, time_limit: float = 2.0, seed: int = 0):
        self.time_limit = time_limit
        self.seed = seed

    def solve(self, instance: EdgeInstance) -> SolverResult:
        started = time.perf_counter()
        sim = play(instance, weighted_greedy)
        if not sim.decisions:  # nothing to decide: the greedy's empty record is the answer
            record = episode_metrics(sim)
            return SolverResult(record["weighted_cost"], record, True, status="no task decided")
        assignment = [server for _, _, server in sim.decisions]
        greedy_cost = episode_metrics(sim)["weighted_cost"]
        problem = _Problem(instance, [step for _, step, _ in sim.decisions])
        passes, rng = 0, np.random.default_rng(self.seed)
        while time.perf_counter() - started < self.time_limit:
            passes += 1
            if not problem.improve(assignment, rng, started + self.time_limit):
                break
        final = play(instance, lambda sim: assignment[len(sim.decisions)])
        record = episode_metrics(final)
        gain = 100 * (greedy_cost - record["weighted_cost"]) / greedy_cost if greedy_cost else 0.0
        return SolverResult(
            objective=record["weighted_cost"],
            solution=record,
            proven_optimal=False,
            status=f"clairvoyant local search: {passes} pass(es), {gain:.2f} % below the weighted greedy",
            wall_time=time.perf_counter() - started,
        )


class _Problem:
    """The episode's tasks with each server's upload time and energy, and the cost of a
    server's task set."""

    def __init__(self, instance: EdgeInstance, steps: list[int]):
        self.instance = instance
        draws = instance.realisation
        self.now = np.asarray(steps, dtype=float) * instance.step_seconds
        self.sizes = draws.sizes[: len(steps)]
        self.users = draws.users[: len(steps)]
        costs = [
            transfer_costs(instance, step, int(user), float(size))
            for step, user, size in zip(steps, self.users, self.sizes, strict=True)
        ]
        self.upload = np.array([upload for _, upload, _ in costs]).reshape(len(steps), -1)
        self.energy = np.array([energy for _, _, energy in costs]).reshape(len(steps), -1)
        speeds = draws.server_freqs / instance.cycles_per_bit
        self.speeds = [*speeds, instance.local_freq / instance.cycles_per_bit]
        self.choices = np.flatnonzero(np.isfinite(self.energy[0])) if len(steps) else np.zeros(0, int)

    def key(self, task: int, server: int) -> tuple[int, int]:
        """The queue a task joins: (server, -1), or (local, its user) for its user's own device."""
        return (server, int(self.users[task])) if server == self.instance.local_server else (server, -1)

    def cost(self, server: int, tasks: list[int]) -> float:
        joins = [(self.now[k] + self.upload[k, server], k, float(self.sizes[k])) for k in tasks]
        finish = completion_times(joins, self.speeds[server])
        response = sum(finish[k] - self.now[k] for k in tasks)
        return float(self.instance.objective_terms(np.array(response), self.energy[tasks, server].sum()))

    def improve(self, assignment: list[int], rng: np.random.Generator, deadline: float) -> bool:
        """One pass of single-task moves; whether any improved the cost."""
        queues: dict[tuple[int, int], list[int]] = {}
        for task, server in enumerate(assignment):
            queues.setdefault(self.key(task, server), []).append(task)
        costs = {key: self.cost(key[0], tasks) for key, tasks in queues.items()}
        improved = False
        for task in map(int, rng.permutation(len(assignment))):
            if time.perf_counter() > deadline:
                break
            source = assignment[task]
            old = self.key(task, source)
            without = [k for k in queues[old] if k != task]
            base = costs[old] - self.cost(source, without)  # what the task adds where it is
            best, best_gain = source, 1e-12
            for server in map(int, self.choices):
                new = self.key(task, server)
                if new == old:
                    continue
                tasks = sorted([*queues.get(new, []), task])
                added = self.cost(server, tasks) - costs.get(new, 0.0)
                if base - added > best_gain:
                    best, best_gain = server, base - added
            if best != source:
                new = self.key(task, best)
                queues[old] = without
                costs[old] = self.cost(source, without)
                queues[new] = sorted([*queues.get(new, []), task])
                costs[new] = self.cost(best, queues[new])
                assignment[task] = best
                improved = True
        return improved
