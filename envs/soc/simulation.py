"""The discrete-event stream of jobs on a SoC, between scheduling decisions.

A task is ready once every predecessor has finished (DS3's ready queue). The scheduler
assigns each ready task to a PE; the task then starts as soon as the PE is free and every
predecessor's data has arrived over the PE-to-PE link, and runs without preemption, in
assignment order on its PE (no insertion into idle gaps, as in DS3). Its duration, noise
included, is fixed from the instance's seed, so it is known once the task is placed. When no
task is ready the clock runs to the next completion or injection.
"""

from __future__ import annotations

import heapq

import numpy as np

from schedrl.envs.soc.instance import SoCInstance
from schedrl.envs.soc.ranks import TaskStatistics, task_statistics


class SoCSimulation:
    """State of one episode: per job j and task i (arrays [J, T], T = the largest job's
    tasks), the PEs' free times, the ready queue in the order tasks became ready, and the
    job slots of the observation (a job in the system holds one of `max_jobs_in_parallel`)."""

    def __init__(self, instance: SoCInstance):
        self.instance = instance
        platform = instance.platform
        draw = instance.realisation()
        self.job_application = draw.applications
        self.gaps = draw.gaps
        self.bandwidth = np.asarray(platform.bandwidth, dtype=np.int64)
        self.stats: list[TaskStatistics] = [task_statistics(platform, app) for app in instance.applications]
        jobs, tasks = instance.num_jobs, instance.max_tasks
        self.job_tasks = np.array([instance.applications[a].num_tasks for a in self.job_application], dtype=np.int64)
        self.arrival = np.full(jobs, -1, dtype=np.int64)
        self.completion = np.full(jobs, -1, dtype=np.int64)
        self.unfinished = self.job_tasks.copy()
        self.pe = np.full((jobs, tasks), -1, dtype=np.int64)
        self.start = np.full((jobs, tasks), -1, dtype=np.int64)
        self.finish = np.full((jobs, tasks), -1, dtype=np.int64)
        self.ready_time = np.full((jobs, tasks), -1, dtype=np.int64)
        self.finished = np.zeros((jobs, tasks), dtype=bool)
        self.waiting_for = np.zeros((jobs, tasks), dtype=np.int64)  # predecessors not yet finished
        self.pe_free = np.zeros(platform.num_pes, dtype=np.int64)
        self.epoch_load = np.zeros(platform.num_pes, dtype=np.int64)  # tasks placed at the current decision time
        self.slot_job = np.full(instance.max_jobs_in_parallel, -1, dtype=np.int64)
        self.job_slot = np.full(jobs, -1, dtype=np.int64)
        self.ready: list[tuple[int, int]] = []
        self._events: list[tuple[int, int, int]] = []  # (finish, job, task) of placed tasks
        self.now = 0
        self.next_job = 0
        self.in_system = 0
        self.completed = 0
        self.time_in_system = 0  # Σ over jobs of time spent in the system so far (µs)
        for _ in range(instance.initial_jobs):
            self._inject()

    @property
    def done(self) -> bool:
        return self.completed == self.instance.num_jobs

    def application(self, job: int) -> int:
        return int(self.job_application[job])

    def data_ready(self, job: int, tasks: np.ndarray) -> np.ndarray:
        """[R, P] when all input data of each of the job's `tasks` can be on each PE (the
        job's arrival for an entry task)."""
        start, source, volume = self.instance.applications[self.application(job)].predecessor_arrays
        first, count = start[tasks], start[tasks + 1] - start[tasks]
        offset = np.cumsum(count) - count  # where each task's edges begin in the gathered list
        edge = np.arange(count.sum()) - np.repeat(offset, count) + np.repeat(first, count)
        ready = np.full((tasks.size, self.pe_free.size), self.arrival[job], dtype=np.int64)
        if edge.size:
            preds = source[edge]
            arrive = self.finish[job, preds][:, None] + volume[edge][:, None] // self.bandwidth[self.pe[job, preds]]
            has = count > 0  # the segments of tasks with predecessors, consecutive in `arrive`
            ready[has] = np.maximum(ready[has], np.maximum.reduceat(arrive, offset[has], axis=0))
        return ready

    def estimated_finish(self, job: int, tasks: np.ndarray, ready: np.ndarray | None = None) -> np.ndarray:
        """[R, P] finish time of each of the job's `tasks` on each PE with the table's mean
        execution time (inf where the PE cannot run it): what EFT, ETF and the EFT action
        mode compare. `ready`: their `data_ready`, if the caller has it already."""
        stats = self.stats[self.application(job)]
        start = np.maximum(self.pe_free, self.data_ready(job, tasks) if ready is None else ready)
        return np.where(stats.supported[tasks], start + stats.times[tasks], np.inf)

    def eft_pe(self, job: int, task: int) -> int:
        """The PE of earliest estimated finish (the lower index on a tie)."""
        return int(np.argmin(self.estimated_finish(job, np.array([task]))[0]))

    def ready_estimates(self) -> np.ndarray:
        """[R, P] `estimated_finish` of every ready task, in ready-queue order."""
        jobs = np.array([job for job, _ in self.ready], dtype=np.int64)
        tasks = np.array([task for _, task in self.ready], dtype=np.int64)
        estimates = np.empty((jobs.size, self.pe_free.size))
        for job in np.unique(jobs):
            rows = jobs == job
            estimates[rows] = self.estimated_finish(int(job), tasks[rows])
        return estimates

    def assign(self, job: int, task: int, pe: int | None = None) -> None:
        """Place a ready task on a PE that can run it (the caller checks both), or, with no
        PE given, on its PE of earliest estimated finish (`eft_pe`)."""
        tasks = np.array([task])
        ready = self.data_ready(job, tasks)
        if pe is None:
            pe = int(np.argmin(self.estimated_finish(job, tasks, ready)[0]))
        self.ready.remove((job, task))
        start = max(int(self.pe_free[pe]), int(ready[0, pe]))
        finish = start + self.instance.duration(job, task, pe)
        self.pe[job, task], self.start[job, task], self.finish[job, task] = pe, start, finish
        self.pe_free[pe] = finish
        self.epoch_load[pe] += 1
        heapq.heappush(self._events, (finish, job, task))

    def advance(self) -> int:
        """Run the clock until a task is ready or every job has completed; return the time
        jobs spent in the system meanwhile (µs summed over jobs)."""
        before = self.time_in_system
        self.epoch_load.fill(0)
        while not self.ready and not self.done:
            next_arrival = self._next_arrival()
            finish = self._events[0][0] if self._events else None
            if finish is None and next_arrival is None:
                raise RuntimeError("the stream stalled: no task running and no job to inject")
            t = min(t for t in (finish, next_arrival) if t is not None)
            self.time_in_system += self.in_system * (t - self.now)
            self.now = t
            while self._events and self._events[0][0] == t:
                self._finish(*heapq.heappop(self._events)[1:])
            while (arrival := self._next_arrival()) is not None and arrival <= t:
                self._inject()
        return self.time_in_system - before

    def _next_arrival(self) -> int | None:
        """When the next job is injected if nothing completes first (None: all injected, or
        the system is full and it waits for a completion)."""
        if self.next_job >= self.instance.num_jobs or self.in_system >= self.instance.max_jobs_in_parallel:
            return None
        earliest = int(self.arrival[self.next_job - 1] + self.gaps[self.next_job - 1])
        return max(earliest, self.now)

    def _inject(self) -> None:
        job = self.next_job
        self.next_job += 1
        self.arrival[job] = self.now
        slot = int(np.flatnonzero(self.slot_job < 0)[0])
        self.slot_job[slot], self.job_slot[job] = job, slot
        self.in_system += 1
        app = self.instance.applications[self.application(job)]
        for task, preds in enumerate(app.predecessors):
            self.waiting_for[job, task] = len(preds)
            if not preds:
                self._make_ready(job, task)

    def _make_ready(self, job: int, task: int) -> None:
        self.ready_time[job, task] = self.now
        self.ready.append((job, task))

    def _finish(self, job: int, task: int) -> None:
        self.finished[job, task] = True
        app = self.instance.applications[self.application(job)]
        for succ, _ in app.successors[task]:
            self.waiting_for[job, succ] -= 1
            if self.waiting_for[job, succ] == 0:
                self._make_ready(job, succ)
        self.unfinished[job] -= 1
        if self.unfinished[job] == 0:
            self.completion[job] = self.now
            self.slot_job[self.job_slot[job]] = -1
            self.in_system -= 1
            self.completed += 1

    def trace(self) -> list[list[int]]:
        """[job, task, pe, start, finish] for every placed task, by start time."""
        jobs, tasks = np.nonzero(self.pe >= 0)
        rows = [
            [int(j), int(i), int(self.pe[j, i]), int(self.start[j, i]), int(self.finish[j, i])]
            for j, i in zip(jobs, tasks, strict=True)
        ]
        return sorted(rows, key=lambda row: (row[3], row[0], row[1]))
