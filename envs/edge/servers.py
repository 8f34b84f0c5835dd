"""Processor sharing on one server, event by event: `n` tasks present each get speed / n.
A server keeps its state at a checkpoint time (remaining work of the tasks executing, the
uploads still to join) and projects completion times forward with no further arrivals, which
is exact until the next task is assigned to it: the marginal delay of a task is two such
projections apart."""

from __future__ import annotations

import bisect
import math

import numpy as np

# Work left below this many bits counts as done: ties between tasks that finish together.
_DONE_BITS = 1e-6


class ProcessorSharingServer:
    def __init__(self, speed: float):
        self.speed = speed  # bits per second
        self.time = 0.0
        self.ids: list[int] = []  # executing tasks
        self.remaining = np.zeros(0)  # their work left, bits
        self.joins: list[tuple[float, int, float]] = []  # (join time, task, bits), sorted
        self.completions: dict[int, float] = {}  # tasks finished by `time`
        self.projected: dict[int, float] = {}  # completion of every assigned, unfinished task
        self.projected_total = 0.0

    def advance(self, until: float) -> None:
        """Run the checkpoint forward to `until`, recording the tasks that finish."""
        self.time, self.ids, self.remaining, done = _run(
            self.time, self.ids, self.remaining, list(self.joins), self.speed, until
        )
        self.joins = [join for join in self.joins if join[0] > until]
        for task, finish in done:
            self.completions[task] = finish
            self.projected_total -= self.projected.pop(task)

    def backlog(self) -> float:
        """Seconds to finish the work assigned here (executing and uploading) with nothing new."""
        return (float(self.remaining.sum()) + sum(bits for _, _, bits in self.joins)) / self.speed

    def project(self, join_time: float, task: int, bits: float) -> dict[int, float]:
        """Completion times of every unfinished task were `task` to join at `join_time`."""
        joins = list(self.joins)
        bisect.insort(joins, (join_time, task, bits))
        _, _, _, done = _run(self.time, self.ids, self.remaining, joins, self.speed, math.inf)
        return dict(done)

    def marginal_delay(self, projection: dict[int, float]) -> float:
        """How much the server's total completion time grows, from its clock, under `projection`
        (from `project`): the new task's own response time plus the slowdown of the others."""
        return sum(projection.values()) - self.projected_total - self.time

    def add(self, join_time: float, task: int, bits: float, projection: dict[int, float] | None = None) -> float:
        """Assign a task (with its `project`ion when the caller has it: no second run); returns
        its projected completion time."""
        self.projected = self.project(join_time, task, bits) if projection is None else projection
        bisect.insort(self.joins, (join_time, task, bits))
        self.projected_total = sum(self.projected.values())
        return self.projected[task]


def completion_times(joins: list[tuple[float, int, float]], speed: float) -> dict[int, float]:
    """Completion of every task of a server whose (join time, task, bits) are all known."""
    _, _, _, done = _run(0.0, [], np.zeros(0), sorted(joins), speed, math.inf)
    return dict(done)


def _run(
    time: float,
    ids: list[int],
    remaining: np.ndarray,
    joins: list[tuple[float, int, float]],
    speed: float,
    until: float,
) -> tuple[float, list[int], np.ndarray, list[tuple[int, float]]]:
    """Processor sharing from `time` to `until` (or until empty): the state there and the
    (task, finish time) of every task that finished, in finishing order."""
    ids, remaining = list(ids), remaining.copy()
    done: list[tuple[int, float]] = []
    position = 0
    while True:
        next_join = joins[position][0] if position < len(joins) else math.inf
        if ids:
            least = float(remaining.min())
            finish = time + least * len(ids) / speed
        else:
            finish = math.inf
        target = min(finish, next_join, until)
        if math.isinf(target):
            break
        if ids:  # the task that finishes gets exactly zero left
            remaining = remaining - (least if target == finish else (target - time) * speed / len(ids))
        time = max(time, target)
        if ids and target == finish:
            over = remaining <= _DONE_BITS
            done.extend((ids[k], time) for k in np.flatnonzero(over))
            ids = [task for task, gone in zip(ids, over, strict=True) if not gone]
            remaining = remaining[~over]
        while position < len(joins) and joins[position][0] <= time:
            _, task, bits = joins[position]
            ids.append(task)
            remaining = np.append(remaining, bits)
            position += 1
        if time >= until:
            break
    return time, ids, remaining, done
