"""Many job-shop episodes of one size stepped together: every transition is a numpy
expression over the batch, with no Python loop over episodes.

Forced choices (`auto_single_choice`) come in chains of several moves. They are taken in
waves over the rows the last wave moved, each wave updating only what decides the next
choice (`_move`); bounds, features, edges and rewards follow once per step (`_settle`).

Same semantics as `JobShopEnv` with the `non_delay` scheme (the default): the same
instance and actions give the same observations, rewards and schedules (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from schedrl.envs.jobshop.env import (
    _COMPLETION_LB,
    _DURATION,
    _ELIGIBLE,
    _JOB_REMAINING_OPS,
    _JOB_REMAINING_WORK,
    _MACHINE_REMAINING_WORK,
    _SCHEDULED,
    envelope_for,
)
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.state import NEVER
from schedrl.errors import ConfigError, IllegalActionError


class BatchedJobShop:
    """B episodes; `reset(instances)` starts all, `step(actions)` takes one node per
    unfinished episode and returns (observations, rewards, done flags, final infos of the
    episodes that were running). Masks come with the state: `action_masks()` [B, N]."""

    def __init__(self, num_envs: int, num_jobs: int, num_machines: int, *, reward: str = "dense",
                 normalize_reward: bool = True, auto_single_choice: bool = True):  # fmt: skip
        if num_envs < 1:
            raise ConfigError(f"num_envs must be >= 1, got {num_envs}")
        self.B, self.n, self.m = num_envs, num_jobs, num_machines
        self.N = num_jobs * num_machines
        self.reward_kind, self.normalize_reward, self.auto = reward, normalize_reward, auto_single_choice
        self.envelope = envelope_for(num_jobs, num_machines)
        spaces = self.envelope.space().spaces
        self.arrays = {key: np.zeros((num_envs, *(box.shape or ())), box.dtype) for key, box in spaces.items()}
        self.features = self.arrays["node_features"]
        self.by_node = self.features.reshape(num_envs * self.N, -1)  # views: a node's or a job's features
        self.by_job = self.features.reshape(num_envs * num_jobs, num_machines, -1)  # in one fast slice
        self.positions = np.arange(num_machines)
        self.mask = np.zeros((num_envs, self.N), dtype=bool)
        self.eligible = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # (rows, nodes) in the mask
        self.conjunctive = num_jobs * (num_machines - 1)
        B, n, m, N = num_envs, num_jobs, num_machines, self.N

        def integers(*shape: int) -> np.ndarray:
            return np.zeros(shape, dtype=np.int64)

        self.machine, self.duration, self.lb, self.start = (integers(B, N) for _ in range(4))
        self.lb_by_job = self.lb.reshape(B * n, m)
        self.job_ready, self.next_node, self.next_machine, self.job_work = (integers(B, n) for _ in range(4))
        self.machine_work, self.machine_count, self.machine_last = (integers(B, m) for _ in range(3))
        self.machine_ready = integers(B, m + 1)
        self.ops_on_machine = integers(B, m, n)
        self.scheduled, self.time, self.initial_lb, self.makespan_lb = (integers(B) for _ in range(4))
        self.candidates = np.zeros((B, n), dtype=bool)
        self.inverse, self.unit, self.rewards = np.ones(B), np.ones(B), np.zeros(B)
        self.instances: list[JobShopInstance | None] = [None] * B  # what each row schedules
        self.moves: list[tuple[np.ndarray, ...]] = []  # (rows, nodes, machines, ends) moved since the last `_settle`

    def reset(self, instances: list[JobShopInstance]) -> dict[str, np.ndarray]:
        """Start all B episodes."""
        self.reset_rows(np.arange(self.B), instances)
        return self.observation()

    def reset_rows(self, rows: np.ndarray, instances: list[JobShopInstance]) -> None:
        """Start new episodes in `rows` (the others keep running): for automatic resets."""
        if len(instances) != len(rows) or any(i.shape != (self.n, self.m) for i in instances):
            raise ConfigError(f"reset needs {len(rows)} instances of size {self.n}x{self.m}")
        k, n, m, N = len(rows), self.n, self.m, self.N
        for row, instance in zip(rows, instances, strict=True):
            self.instances[row] = instance
        machine = np.stack([i.machines.ravel() for i in instances])
        duration = np.stack([i.durations.ravel() for i in instances])
        self.machine[rows], self.duration[rows] = machine, duration
        self.ops_on_machine[rows] = np.argsort(machine, axis=1, kind="stable").reshape(k, m, n)
        self.lb[rows] = np.cumsum(duration.reshape(k, n, m), axis=2).reshape(k, N)
        self.start[rows] = -1
        self.job_ready[rows] = 0
        self.machine_ready[rows, :m] = 0
        self.machine_ready[rows, m] = NEVER
        self.next_node[rows] = np.arange(n) * m
        self.next_machine[rows] = machine[:, ::m]
        self.job_work[rows] = duration.reshape(k, n, m).sum(axis=2)
        machine_work = np.zeros((k, m), dtype=np.int64)
        np.add.at(machine_work, (np.arange(k)[:, None], machine), duration)
        self.machine_work[rows] = machine_work
        self.machine_count[rows] = 0
        self.machine_last[rows] = -1
        self.scheduled[rows] = 0
        self.time[rows] = 0
        self.candidates[rows] = False
        inverse = 1.0 / np.array([max(i.trivial_lower_bound, 1) for i in instances], dtype=np.float64)
        self.inverse[rows] = inverse
        self.unit[rows] = inverse if self.normalize_reward else 1.0
        self.initial_lb[rows] = self.lb[rows].max(axis=1)
        self.makespan_lb[rows] = self.initial_lb[rows]
        for array in self.arrays.values():
            array[rows] = 0
        f = self.features
        f[rows, :, _DURATION] = duration / np.maximum(duration.max(axis=1, keepdims=True), 1)
        f[rows, :, _COMPLETION_LB] = self.lb[rows] * inverse[:, None]
        f[rows, :, _JOB_REMAINING_WORK] = np.repeat(self.job_work[rows], m, axis=1) * inverse[:, None]
        f[rows, :, _MACHINE_REMAINING_WORK] = np.take_along_axis(machine_work, machine, 1) * inverse[:, None]
        f[rows, :, _JOB_REMAINING_OPS] = 1.0
        self.arrays["node_mask"][rows] = 1
        jobs = np.arange(N).reshape(n, m)
        self.arrays["edge_index"][rows, 0, : self.conjunctive] = jobs[:, :-1].ravel()
        self.arrays["edge_index"][rows, 1, : self.conjunctive] = jobs[:, 1:].ravel()
        self.arrays["edge_mask"][rows, : self.conjunctive] = 1
        self._advance_clock(rows)
        self._forced(rows)
        self._settle()
        self.rewards[rows] = 0.0  # as JobShopEnv.reset: moves forced at reset carry no reward
        self._sync()

    def observation(self) -> dict[str, np.ndarray]:
        return {key: value.copy() for key, value in self.arrays.items()}

    @property
    def done(self) -> np.ndarray:
        return self.scheduled == self.N

    def _advance_clock(self, rows: np.ndarray) -> np.ndarray:
        """Move the rows' clocks to their earliest start; returns (and stores) their candidates."""
        waiting_for = self.next_machine.take(rows, axis=0) + (rows * (self.m + 1))[:, None]  # flat machine slots
        est = np.maximum(self.job_ready.take(rows, axis=0), self.machine_ready.ravel()[waiting_for])
        self.time[rows] = time = est.min(axis=1)
        self.candidates[rows] = candidates = est == time[:, None]
        return candidates

    def _move(self, rows: np.ndarray, jobs: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        """Schedule one node per row and update only what decides the next choices (the rest
        waits for `_settle`, once per step, however long the forced chains); returns the machines.
        Indexes flat views: on a few rows, 1-D indexing costs a fraction of 2-D indexing."""
        job, node = rows * self.n + jobs, rows * self.N + nodes
        machines = self.machine.ravel()[node]
        machine = rows * (self.m + 1) + machines
        ends = np.maximum(self.job_ready.ravel()[job], self.machine_ready.ravel()[machine])
        self.start.ravel()[node] = ends
        ends += self.duration.ravel()[node]
        self.job_ready.ravel()[job] = ends
        self.machine_ready.ravel()[machine] = ends  # non-negative durations: never earlier than before
        last = (nodes + 1) % self.m == 0
        self.next_node.ravel()[job] = np.where(last, -1, nodes + 1)
        self.next_machine.ravel()[job] = np.where(last, self.m, self.machine.ravel().take(node + 1, mode="clip"))
        self.scheduled[rows] += 1
        self.moves.append((rows, nodes, machines, ends))
        return machines

    def _forced(self, rows: np.ndarray) -> None:
        """Take the single-candidate moves of `rows` (the only rows that moved: the others sit at a
        fixpoint), wave after wave over the rows the last wave moved, until each has a choice or is done."""
        if not self.auto:
            return
        candidates = self.candidates.take(rows, axis=0)
        while True:
            single = candidates.sum(axis=1) == 1
            if not single.any():
                return
            rows = rows[single]
            jobs = candidates[single].argmax(axis=1)
            slots = rows * self.n + jobs  # in the flat [B, n] arrays
            self._move(rows, jobs, self.next_node.ravel()[slots])
            self.candidates.ravel()[slots] = False  # a sole candidate leaves none: the clock moves on
            rows = rows[self.scheduled.take(rows) < self.N]
            candidates = self._advance_clock(rows)

    def _settle(self) -> None:
        """Bring lower bounds, features, machine edges and rewards up to date with the moves since
        the last call, all at once: the same values as updating them move by move."""
        if not self.moves:
            return
        distinct = len(self.moves) == 1  # one move per row: nothing to put in order
        rows, nodes, machines, ends = (np.concatenate(parts) for parts in zip(*self.moves, strict=True))
        self.moves.clear()
        m, lb = self.m, self.lb.ravel()
        positions = nodes % m
        job, node = rows * self.n + nodes // m, rows * self.N + nodes  # slots in the flat views, as in `_move`
        durations = self.duration.ravel()[node]
        # the job's completion bound right after each move: its end plus the job's work after it
        self._bound_makespan(rows, ends + lb[node - positions + m - 1] - lb[node], distinct)
        self.by_node[node, _SCHEDULED] = 1.0
        self._settle_machines(rows, nodes, machines, durations, distinct)
        np.subtract.at(self.job_work.ravel(), job, durations)
        # a job's last move here shifts the bounds of the rest of the job
        last = slice(None) if distinct else (positions == m - 1) | (self.next_node.ravel()[job] == nodes + 1)
        r, j, p = rows[last], job[last], positions[last]
        shift = ends[last] - lb[node[last]]
        lb[node] = ends
        bounds = self.lb_by_job[j]  # [r, m]
        bounds += np.where(self.positions > p[:, None], shift[:, None], 0)
        self.lb_by_job[j] = bounds
        inverse = self.inverse[r]
        self.by_job[j, :, _COMPLETION_LB] = bounds * inverse[:, None]
        self.by_job[j, :, _JOB_REMAINING_WORK] = (self.job_work.ravel()[j] * inverse)[:, None]
        self.by_job[j, :, _JOB_REMAINING_OPS] = ((m - p - 1) / m)[:, None]

    def _bound_makespan(self, rows: np.ndarray, bounds: np.ndarray, distinct: bool) -> None:
        """Raise each row's makespan bound through its moves in order, and pay the rewards: dense,
        each move's rise in turn (summed in move order); sparse, the makespan at the end."""
        previous = self.makespan_lb[rows]
        last: slice | np.ndarray = slice(None)
        if distinct:
            running, before = np.maximum(bounds, previous), previous
        else:  # a row may have moved several times: take its moves in order
            order, first, last = _grouped(rows)
            rows, bounds, previous = rows[order], bounds[order], previous[order]
            group = np.cumsum(first) * (int(bounds.max()) + 1)  # offsets keep each running max in its row
            running = np.maximum(np.maximum.accumulate(bounds + group) - group, previous)
            before = np.where(first, previous, running[np.arange(rows.size) - 1])
        self.makespan_lb[rows[last]] = running[last]
        if self.reward_kind == "dense":
            np.add.at(self.rewards, rows, (before - running) * self.unit[rows])
        else:
            finished = rows[last][self.scheduled[rows[last]] == self.N]
            makespans = (self.start[finished] + self.duration[finished]).max(axis=1)
            self.rewards[finished] += -makespans * self.unit[finished]

    def _settle_machines(
        self, rows: np.ndarray, nodes: np.ndarray, machines: np.ndarray, durations: np.ndarray, distinct: bool
    ) -> None:
        """The machines' side of `_settle`: remaining work, and the disjunctive edges the moves fix
        (each node follows the node before it on its machine)."""
        slots = rows * self.m + machines  # in the flat [B, m] arrays
        np.subtract.at(self.machine_work.ravel(), slots, durations)
        before = self.machine_last.ravel()[slots]
        count = self.machine_count.ravel()[slots]
        last: slice | np.ndarray = slice(None)
        if not distinct:  # a machine may take several moves of a row: rank them in order
            order, first, last = _grouped(slots)
            rows, nodes, machines, slots, before, count = (
                a[order] for a in (rows, nodes, machines, slots, before, count)
            )
            index = np.arange(rows.size)
            start = np.maximum.accumulate(np.where(first, index, 0))
            before = np.where(first, before, nodes[index - 1])
            count = count + index - start
        linked = before >= 0
        edges = self.conjunctive + machines * (self.n - 1) + count - 1
        r, s = rows[linked], edges[linked]
        self.arrays["edge_index"][r, 0, s] = before[linked]
        self.arrays["edge_index"][r, 1, s] = nodes[linked]
        self.arrays["edge_mask"][r, s] = 1
        self.arrays["edge_attr"][r, s, 0] = 1.0
        r, used = rows[last], slots[last]
        self.machine_last.ravel()[used] = nodes[last]
        self.machine_count.ravel()[used] = count[last] + 1
        on_machine = (r * self.N)[:, None] + self.ops_on_machine.reshape(-1, self.n)[used]  # [r, n]
        work = self.machine_work.ravel()[used] * self.inverse[r]
        self.by_node[on_machine, _MACHINE_REMAINING_WORK] = work[:, None]

    def _sync(self) -> None:
        """Mask and eligibility feature move only between the old and new candidates (B x n, not B x N)."""
        old_rows, old_nodes = self.eligible
        self.mask[old_rows, old_nodes] = False
        self.features[old_rows, old_nodes, _ELIGIBLE] = 0.0
        rows, jobs = np.nonzero(self.candidates)
        nodes = self.next_node[rows, jobs]
        self.mask[rows, nodes] = True
        self.features[rows, nodes, _ELIGIBLE] = 1.0
        self.eligible = (rows, nodes)
        g = self.arrays["global_features"]
        g[:, 0] = self.makespan_lb * self.inverse
        g[:, 1] = self.scheduled / self.N
        g[:, 2] = self.time * self.inverse

    def step(self, actions: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """One node per unfinished episode (ignored for finished ones)."""
        actions = np.asarray(actions, dtype=np.int64)
        rows = np.flatnonzero(~self.done)
        chosen = actions[rows]
        legal = (chosen >= 0) & (chosen < self.N)
        legal[legal] = self.mask[rows[legal], chosen[legal]]
        if not legal.all():
            bad = int(rows[~legal][0])
            raise IllegalActionError(f"episode {bad}: action {int(actions[bad])} is not legal now (see action_masks())")
        self.rewards = np.zeros(self.B)
        if rows.size:
            jobs = chosen // self.m
            machines = self._move(rows, jobs, chosen)
            candidates = self.candidates[rows]
            candidates[np.arange(rows.size), jobs] = False
            candidates &= self.next_machine[rows] != machines[:, None]  # the machine is busy now
            self.candidates[rows] = candidates
            waiting = ~candidates.any(axis=1) & (self.scheduled[rows] < self.N)
            if waiting.any():
                self._advance_clock(rows[waiting])
            self._forced(rows)
        self._settle()
        self._sync()
        infos: list[dict[str, Any]] = [{} for _ in rows]
        for index in np.flatnonzero(self.done[rows]):
            infos[index] = self._final_info(int(rows[index]))
        return self.observation(), self.rewards.copy(), self.done.copy(), infos

    def _final_info(self, row: int) -> dict[str, Any]:
        """What JobShopEnv reports at the end, for the episodes that ended this step."""
        return {
            "makespan": int((self.start[row] + self.duration[row]).max()),
            "start_times": self.start[row].reshape(self.n, self.m).tolist(),
        }

    def action_masks(self) -> np.ndarray:
        return self.mask.copy()


def _grouped(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order that brings equal keys together, keeping their order of arrival, and where each group
    starts and ends in it."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    change = ordered[1:] != ordered[:-1]
    first, last = np.ones(keys.size, dtype=bool), np.ones(keys.size, dtype=bool)
    first[1:], last[:-1] = change, change
    return order, first, last


BATCHED_OPTIONS = ("instance", "generator", "dynamics", "reward", "normalize_reward", "auto_single_choice")


def batched_engine(
    num_envs: int, env_kwargs: dict[str, Any]
) -> tuple[BatchedJobShop, Callable[[np.random.Generator, int], list[JobShopInstance]]]:
    """The engine and its instance sampler for the env kwargs it supports (the family hook
    behind `gym.make_vec` and `agent.vec_env=batched`): the non_delay scheme, on one
    instance or on generated instances of one size."""
    unsupported = sorted(set(env_kwargs) - set(BATCHED_OPTIONS))
    if unsupported or env_kwargs.get("dynamics", "non_delay") != "non_delay":
        raise ConfigError(
            "the batched job-shop engine supports the non_delay scheme on one instance or generated instances; "
            f"got dynamics={env_kwargs.get('dynamics', 'non_delay')!r}"
            + (f" and env kwargs {unsupported}" if unsupported else "")
            + "; vectorise single envs instead (agent.vec_env=dummy|subproc, or vectorization_mode='sync')"
        )
    instance = env_kwargs.get("instance")
    if instance is not None:
        shape, sample = instance.shape, (lambda rng, count: [instance] * count)
    else:
        generator = JobShopGenerator(**(env_kwargs.get("generator") or {}))
        shape = (generator.num_jobs, generator.num_machines)
        if not all(isinstance(size, int) for size in shape):
            raise ConfigError("the batched job-shop engine needs one instance size: num_jobs and num_machines as ints")
        sample = lambda rng, count: [generator.sample(rng) for _ in range(count)]  # noqa: E731
    engine = BatchedJobShop(
        num_envs,
        *shape,
        reward=env_kwargs.get("reward", "dense"),
        normalize_reward=env_kwargs.get("normalize_reward", True),
        auto_single_choice=env_kwargs.get("auto_single_choice", True),
    )
    return engine, sample
