"""Many job-shop episodes of one size stepped together: every transition is a numpy
expression over the batch, with no Python loop over episodes.

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
        self.positions = np.arange(num_machines)
        self.mask = np.zeros((num_envs, self.N), dtype=bool)
        self.eligible = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # (rows, nodes) in the mask
        self.conjunctive = num_jobs * (num_machines - 1)
        B, n, m, N = num_envs, num_jobs, num_machines, self.N

        def integers(*shape: int) -> np.ndarray:
            return np.zeros(shape, dtype=np.int64)

        self.machine, self.duration, self.lb, self.start = (integers(B, N) for _ in range(4))
        self.job_ready, self.next_node, self.next_machine, self.job_work = (integers(B, n) for _ in range(4))
        self.machine_work, self.machine_count, self.machine_last = (integers(B, m) for _ in range(3))
        self.machine_ready = integers(B, m + 1)
        self.ops_on_machine = integers(B, m, n)
        self.scheduled, self.time, self.initial_lb, self.makespan_lb = (integers(B) for _ in range(4))
        self.candidates = np.zeros((B, n), dtype=bool)
        self.inverse, self.unit, self.rewards = np.ones(B), np.ones(B), np.zeros(B)
        self.instances: list[JobShopInstance | None] = [None] * B  # what each row schedules

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
        self._forced()  # only the new rows can have forced choices: the others are at a fixpoint
        self.rewards[rows] = 0.0  # as JobShopEnv.reset: moves forced at reset carry no reward
        self._sync()

    def observation(self) -> dict[str, np.ndarray]:
        return {key: value.copy() for key, value in self.arrays.items()}

    @property
    def done(self) -> np.ndarray:
        return self.scheduled == self.N

    def _advance_clock(self, rows: np.ndarray) -> None:
        est = np.maximum(self.job_ready[rows], np.take_along_axis(self.machine_ready[rows], self.next_machine[rows], 1))
        self.time[rows] = est.min(axis=1)
        self.candidates[rows] = est == self.time[rows, None]

    def _apply(self, rows: np.ndarray, nodes: np.ndarray) -> None:
        m, f = self.m, self.features
        jobs, positions = np.divmod(nodes, m)
        machines, durations = self.machine[rows, nodes], self.duration[rows, nodes]
        starts = np.maximum(self.job_ready[rows, jobs], self.machine_ready[rows, machines])
        ends = starts + durations
        self.start[rows, nodes] = starts
        job_nodes = jobs[:, None] * m + self.positions  # [r, m]
        later = self.positions >= positions[:, None]
        shift = np.where(later, (ends - self.lb[rows, nodes])[:, None], 0)
        self.lb[rows[:, None], job_nodes] += shift
        f[rows[:, None], job_nodes, _COMPLETION_LB] = self.lb[rows[:, None], job_nodes] * self.inverse[rows, None]
        self.job_ready[rows, jobs] = ends
        self.machine_ready[rows, machines] = np.maximum(self.machine_ready[rows, machines], ends)
        self.job_work[rows, jobs] -= durations
        self.machine_work[rows, machines] -= durations
        alive = positions + 1 < m
        self.next_node[rows, jobs] = np.where(alive, nodes + 1, -1)
        self.next_machine[rows, jobs] = np.where(alive, self.machine[rows, np.minimum(nodes + 1, self.N - 1)], m)
        self.scheduled[rows] += 1
        last, count = self.machine_last[rows, machines], self.machine_count[rows, machines]
        linked = last >= 0
        slots = self.conjunctive + machines * (self.n - 1) + count - 1
        r, s = rows[linked], slots[linked]
        self.arrays["edge_index"][r, 0, s] = last[linked]
        self.arrays["edge_index"][r, 1, s] = nodes[linked]
        self.arrays["edge_mask"][r, s] = 1
        self.arrays["edge_attr"][r, s, 0] = 1.0
        self.machine_last[rows, machines] = nodes
        self.machine_count[rows, machines] = count + 1
        f[rows, nodes, _SCHEDULED] = 1.0
        f[rows[:, None], job_nodes, _JOB_REMAINING_WORK] = (self.job_work[rows, jobs] * self.inverse[rows])[:, None]
        f[rows[:, None], job_nodes, _JOB_REMAINING_OPS] = ((m - positions - 1) / m)[:, None]
        machine_nodes = self.ops_on_machine[rows, machines]
        f[rows[:, None], machine_nodes, _MACHINE_REMAINING_WORK] = (
            self.machine_work[rows, machines] * self.inverse[rows]
        )[:, None]
        previous = self.makespan_lb[rows]
        self.makespan_lb[rows] = np.maximum(previous, self.lb[rows, jobs * m + m - 1])
        finished = self.scheduled[rows] == self.N
        if self.reward_kind == "dense":
            self.rewards[rows] += (previous - self.makespan_lb[rows]) * self.unit[rows]
        else:
            makespans = (self.start[rows] + self.duration[rows]).max(axis=1)
            self.rewards[rows] += np.where(finished, -makespans * self.unit[rows], 0.0)
        self.candidates[rows, jobs] = False
        self.candidates[rows] &= self.next_machine[rows] != machines[:, None]
        empty = rows[~self.candidates[rows].any(axis=1) & ~finished]
        if empty.size:
            self._advance_clock(empty)

    def _forced(self) -> None:
        while self.auto:
            single = np.flatnonzero((self.candidates.sum(axis=1) == 1) & ~self.done)
            if not single.size:
                return
            jobs = self.candidates[single].argmax(axis=1)
            self._apply(single, self.next_node[single, jobs])

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
            self._apply(rows, chosen)
        self._forced()
        self._sync()
        done = self.done
        infos = [self._final_info(int(b)) if done[b] else {} for b in rows]
        return self.observation(), self.rewards.copy(), self.done.copy(), infos

    def _final_info(self, row: int) -> dict[str, Any]:
        """What JobShopEnv reports at the end, for the episodes that ended this step."""
        return {
            "makespan": int((self.start[row] + self.duration[row]).max()),
            "start_times": self.start[row].reshape(self.n, self.m).tolist(),
        }

    def action_masks(self) -> np.ndarray:
        return self.mask.copy()


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
