"""Static whole-DAG list schedulers of Topcuoglu, Hariri & Wu (IEEE TPDS 2002): HEFT and CPOP.

They see one job's whole DAG before it runs, so they apply to a single-DAG instance without
noise only (`applies_to`); a stream of jobs arriving over time is the step-wise baselines' job.

Costs and ranks are the paper's, adapted to PEs that cannot run every task (`ranks`): a task's
mean execution cost is over the PEs that can run it, an edge's mean communication cost is
int(volume / bandwidth) over the ordered pairs of distinct PEs (with bandwidth 1 between distinct
PEs, the volume: the paper's edge cost). Ties go to the lowest task index (the next task; ranks
within a relative TIE count as equal) and the lowest PE index (its PE); a task is never placed on
a PE that cannot run it. Both place a task into the earliest idle gap of a PE that holds it
(insertion-based); a zero-length task may touch anything, as the family's rule allows, so it
starts once its data are there and occupies no gap.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.soc.instance import UNSUPPORTED, Application, SoCInstance
from schedrl.envs.soc.metrics import stream_metrics
from schedrl.envs.soc.ranks import TaskStatistics, task_statistics
from schedrl.errors import ConfigError

TraceRow = list[int]  # [job, task, pe, start, finish]
TIE = 1e-9  # ranks this close, relatively, are equal


def job_application(instance: SoCInstance) -> Application:
    """The application of job 0 (the only job of a single-DAG instance)."""
    return instance.applications[int(instance.realisation().applications[0])]


def static_refusal(instance: Any, method: str) -> str | None:
    """Why `method`, a static whole-DAG schedule, does not apply to `instance` (None when it does)."""
    if not isinstance(instance, SoCInstance):
        return f"{method} schedules an SoCInstance, got a {type(instance).__name__}"
    if instance.num_jobs > 1:
        return (
            f"{method} is a static whole-DAG schedule: instance {instance.name!r} has {instance.num_jobs} jobs "
            "arriving over time; use the step-wise heft_rt baseline"
        )
    if instance.noise > 0:
        return (
            f"{method} is a static whole-DAG schedule: instance {instance.name!r} has noisy execution times "
            f"(noise={instance.noise}) that a schedule made in advance cannot know; use the step-wise heft_rt baseline"
        )
    return None


def job_statistics(instance: SoCInstance) -> TaskStatistics:
    """Job 0's task statistics (mean costs, ranks) on the instance's platform."""
    return task_statistics(instance.platform, job_application(instance))


def first_by_priority(candidates: Iterable[int], priority: Sequence[float]) -> int:
    """The candidate of highest priority, the lowest index among those within TIE of it: ranks are
    sums of float means, so equal ranks (the paper's tasks 3 and 4, rank 80) can differ in the last bit."""
    pool = list(candidates)
    best = max(priority[task] for task in pool)
    return min(task for task in pool if priority[task] >= best - TIE * max(1.0, abs(best)))


class _Schedule:
    """Tasks placed so far: each PE's busy intervals (sorted) and each task's (pe, start, finish)."""

    def __init__(self, instance: SoCInstance) -> None:
        self.platform = instance.platform
        self.app = job_application(instance)
        self.times = job_statistics(instance).times.tolist()  # no noise: the durations
        self.busy: list[list[tuple[int, int]]] = [[] for _ in range(self.platform.num_pes)]
        self.placed: dict[int, tuple[int, int, int]] = {}

    def finish_on(self, task: int, pe: int) -> tuple[int, int]:
        """(start, finish) of `task` on `pe` in the earliest idle gap after its data arrive."""
        start = 0
        for pred, volume in self.app.predecessors[task]:
            pred_pe, _, pred_finish = self.placed[pred]
            start = max(start, pred_finish + self.platform.comm_time(volume, pred_pe, pe))
        duration = self.times[task][pe]
        for begin, end in self.busy[pe] if duration else ():
            if start + duration <= begin:
                break
            start = max(start, end)
        return start, start + duration

    def earliest_finish(self, task: int, pes: Iterable[int]) -> tuple[int, int, int]:
        """(pe, start, finish) on the PE of `pes` (those that can run it) where `task` finishes first."""
        options = [(*self.finish_on(task, pe), pe) for pe in pes if self.times[task][pe] != UNSUPPORTED]
        start, finish, pe = min(options, key=lambda option: (option[1], option[2]))
        return pe, start, finish

    def place(self, task: int, pe: int, start: int, finish: int) -> None:
        if finish > start:
            bisect.insort(self.busy[pe], (start, finish))
        self.placed[task] = (pe, start, finish)

    def trace(self) -> list[TraceRow]:
        """[0, task, pe, start, finish] rows by start time, as the env's trace."""
        rows = [[0, task, *self.placed[task]] for task in range(self.app.num_tasks)]
        return sorted(rows, key=lambda row: (row[3], row[1]))


def list_schedule(
    instance: SoCInstance, priority: Sequence[float], choose: Callable[[_Schedule, int], tuple[int, int, int]]
) -> list[TraceRow]:
    """Places the ready task of highest `priority` where `choose` says, until every task is placed."""
    schedule = _Schedule(instance)
    app = schedule.app
    waiting = [len(preds) for preds in app.predecessors]
    ready = [task for task, count in enumerate(waiting) if count == 0]
    while ready:
        task = first_by_priority(ready, priority)
        ready.remove(task)
        schedule.place(task, *choose(schedule, task))
        for succ, _ in app.successors[task]:
            waiting[succ] -= 1
            if waiting[succ] == 0:
                ready.append(succ)
    return schedule.trace()


def heft(instance: SoCInstance) -> list[TraceRow]:
    """HEFT: tasks by decreasing upward rank, each on the PE where it finishes first."""
    all_pes = range(instance.platform.num_pes)
    ranks = job_statistics(instance).upward_rank.tolist()
    return list_schedule(instance, ranks, lambda schedule, task: schedule.earliest_finish(task, all_pes))


def cpop_priority(instance: SoCInstance) -> list[float]:
    """CPOP's priority: upward + downward rank (the length of the longest mean-cost path through the task)."""
    stats = job_statistics(instance)
    return (stats.upward_rank + stats.downward_rank).tolist()


def critical_path(instance: SoCInstance, priority: Sequence[float]) -> list[int]:
    """From the entry task of highest priority |CP|, each time the successor of highest priority (= |CP|)."""
    app = job_application(instance)
    path = [first_by_priority((task for task, preds in enumerate(app.predecessors) if not preds), priority)]
    while app.successors[path[-1]]:
        path.append(first_by_priority((succ for succ, _ in app.successors[path[-1]]), priority))
    return path


def critical_pe(instance: SoCInstance, path: Sequence[int]) -> int:
    """The PE that runs the critical path's tasks at the least total cost; where no PE runs all of
    them, the one that runs the most (the others then go by earliest finish)."""
    times = job_statistics(instance).times

    def cost(pe: int) -> tuple[int, int, int]:
        column = times[list(path), pe]
        return int((column == UNSUPPORTED).sum()), int(column[column != UNSUPPORTED].sum()), pe

    return min(range(instance.platform.num_pes), key=cost)


def cpop(instance: SoCInstance) -> list[TraceRow]:
    """CPOP: tasks by decreasing upward + downward rank; critical-path tasks on the critical PE,
    the others on the PE where they finish first."""
    priority = cpop_priority(instance)
    path = critical_path(instance, priority)
    cp_pe = critical_pe(instance, path)
    all_pes = range(instance.platform.num_pes)

    def choose(schedule: _Schedule, task: int) -> tuple[int, int, int]:
        on_path = task in path and schedule.times[task][cp_pe] != UNSUPPORTED
        return schedule.earliest_finish(task, (cp_pe,) if on_path else all_pes)

    return list_schedule(instance, priority, choose)


def job_record(instance: SoCInstance, trace: list[TraceRow]) -> dict[str, Any]:
    """The solution record of job 0's schedule, which arrives at 0: its latency is its makespan."""
    return stream_metrics(instance, [0], instance.realisation().applications.tolist(), trace)


class _StaticSolver:
    method = ""

    def schedule(self, instance: SoCInstance) -> list[TraceRow]:
        raise NotImplementedError

    def applies_to(self, instance: Any) -> bool:
        """A single job without noise: the case a schedule made in advance can be exact for."""
        return static_refusal(instance, self.method) is None

    def solve(self, instance: SoCInstance) -> SolverResult:
        reason = static_refusal(instance, self.method)
        if reason is not None:
            raise ConfigError(reason)
        began = time.perf_counter()
        record = job_record(instance, self.schedule(instance))
        return SolverResult(
            objective=record["average_latency"],
            solution=record,
            proven_optimal=False,
            status=self.method,
            wall_time=time.perf_counter() - began,
        )


class HeftSolver(_StaticSolver):
    """Insertion-based HEFT on job 0's DAG (see `heft`)."""

    method = "HEFT"

    def schedule(self, instance: SoCInstance) -> list[TraceRow]:
        return heft(instance)


class CpopSolver(_StaticSolver):
    """CPOP on job 0's DAG (see `cpop`)."""

    method = "CPOP"

    def schedule(self, instance: SoCInstance) -> list[TraceRow]:
        return cpop(instance)
