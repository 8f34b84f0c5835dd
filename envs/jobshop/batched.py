"""Many job-shop episodes of one size stepped together: every transition is a numpy
expression over the batch, with no Python loop over episodes.

Same semantics as `JobShopEnv` with the `non_delay` scheme (the default): the same
instance and actions give the same observations, rewards and schedules (tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.core.errors import ConfigError, IllegalActionError
from envs.jobshop.env import (
    _COMPLETION_LB,
    _DURATION,
    _ELIGIBLE,
    _JOB_REMAINING_OPS,
    _JOB_REMAINING_WORK,
    _MACHINE_REMAINING_WORK,
    _SCHEDULED,
    envelope_for,
)
from envs.jobshop.instance import JobShopInstance
from envs.jobshop.state import NEVER


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

    def reset(self, instances: list[JobShopInstance]) -> dict[str, np.ndarray]:
        if len(instances) != self.B or any(i.shape != (self.n, self.m) for i in instances):
            raise ConfigError(f"reset needs {self.B} instances of size {self.n}x{self.m}")
        B, n, m, N = self.B, self.n, self.m, self.N
        self.instances = list(instances)
        self.machine = np.stack([i.machines.ravel() for i in instances])
        self.duration = np.stack([i.durations.ravel() for i in instances])
        self.ops_on_machine = np.argsort(self.machine, axis=1, kind="stable").reshape(B, m, n)
        work_through = np.cumsum(self.duration.reshape(B, n, m), axis=2).reshape(B, N)
        self.lb = work_through.copy()
        self.start = np.full((B, N), -1, dtype=np.int64)
        self.job_ready = np.zeros((B, n), dtype=np.int64)
        self.machine_ready = np.zeros((B, m + 1), dtype=np.int64)
        self.machine_ready[:, m] = NEVER
        self.next_node = np.tile(np.arange(n) * m, (B, 1))
        self.next_machine = self.machine[:, ::m].copy()
        self.job_work = self.duration.reshape(B, n, m).sum(axis=2)
        self.machine_work = np.stack(
            [np.bincount(r, d, m) for r, d in zip(self.machine, self.duration, strict=True)]
        ).astype(np.int64)
        self.machine_count = np.zeros((B, m), dtype=np.int64)
        self.machine_last = np.full((B, m), -1, dtype=np.int64)
        self.scheduled = np.zeros(B, dtype=np.int64)
        self.time = np.zeros(B, dtype=np.int64)
        self.candidates = np.zeros((B, n), dtype=bool)
        scale = np.array([max(i.trivial_lower_bound, 1) for i in instances], dtype=np.float64)
        self.inverse = 1.0 / scale
        self.unit = self.inverse if self.normalize_reward else np.ones(B)
        self.initial_lb = self.lb.max(axis=1)
        self.makespan_lb = self.initial_lb.copy()
        for array in self.arrays.values():
            array.fill(0)
        f = self.features
        f[:, :, _DURATION] = self.duration / np.maximum(self.duration.max(axis=1, keepdims=True), 1)
        f[:, :, _COMPLETION_LB] = self.lb * self.inverse[:, None]
        f[:, :, _JOB_REMAINING_WORK] = np.repeat(self.job_work, m, axis=1) * self.inverse[:, None]
        f[:, :, _MACHINE_REMAINING_WORK] = (
            np.take_along_axis(self.machine_work, self.machine, 1) * self.inverse[:, None]
        )
        f[:, :, _JOB_REMAINING_OPS] = 1.0
        self.arrays["node_mask"][:] = 1
        jobs = np.arange(N).reshape(n, m)
        self.conjunctive = n * (m - 1)
        self.arrays["edge_index"][:, 0, : self.conjunctive] = jobs[:, :-1].ravel()
        self.arrays["edge_index"][:, 1, : self.conjunctive] = jobs[:, 1:].ravel()
        self.arrays["edge_mask"][:, : self.conjunctive] = 1
        self._advance_clock(np.arange(B))
        self.rewards = np.zeros(B)
        self._forced()
        self._sync()
        return self.observation()

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
        self.mask.fill(False)
        rows, jobs = np.nonzero(self.candidates)
        self.mask[rows, self.next_node[rows, jobs]] = True
        self.features[:, :, _ELIGIBLE] = self.mask
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
        infos = [self._final_info(b) if self.done[b] else {} for b in rows]
        return self.observation(), self.rewards.copy(), self.done.copy(), infos

    def _final_info(self, row: int) -> dict[str, Any]:
        """What JobShopEnv reports at the end, for the episodes that ended this step."""
        return {
            "makespan": int((self.start[row] + self.duration[row]).max()),
            "start_times": self.start[row].reshape(self.n, self.m).tolist(),
        }

    def action_masks(self) -> np.ndarray:
        return self.mask.copy()
