"""The mutable state of one job-shop episode, as flat numpy arrays.

Operation (job j, position k) is node `j * m + k`. Dispatching rules read this state
(`env.unwrapped.state`); only the env and its dynamics write it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedrl.envs.jobshop.instance import JobShopInstance

#: Marks "no next start" in the machine timelines and "never ready" for finished jobs. Safe
#: because instances hold at most MAX_TOTAL_DURATION = 2**40 of work: every schedule time is
#: below 2**41, far below NEVER (about 2**61), and NEVER plus any duration still fits int64.
NEVER = np.iinfo(np.int64).max // 4


@dataclass(eq=False)
class JobShopState:
    instance: JobShopInstance
    num_jobs: int
    num_machines: int
    duration: np.ndarray  # [N] processing time of each operation
    machine: np.ndarray  # [N] machine of each operation
    work_through: np.ndarray  # [N] job work up to and including the operation
    ops_on_machine: np.ndarray  # [m, n] the nodes each machine processes
    next_op: np.ndarray  # [n] position of each job's next unscheduled operation (m: done)
    next_node: np.ndarray  # [n] node of that operation (-1: done)
    next_machine: np.ndarray  # [n] its machine (m, a sentinel that is never ready: done)
    job_ready: np.ndarray  # [n] end of the job's last scheduled operation
    machine_ready: np.ndarray  # [m+1] end of each machine's last operation; [m] = NEVER
    start: np.ndarray  # [N] start time (-1: not scheduled)
    completion_lb: np.ndarray  # [N] lower bound of completion (exact once scheduled)
    job_remaining_work: np.ndarray  # [n]
    job_remaining_ops: np.ndarray  # [n]
    machine_remaining_work: np.ndarray  # [m]
    machine_count: np.ndarray  # [m] operations scheduled on each machine
    machine_sequence: np.ndarray  # [m, n] scheduled nodes per machine in start order
    timeline_start: np.ndarray  # [m, n+1] their starts, NEVER after the last
    timeline_end: np.ndarray  # [m, n+1] 0 then their ends
    candidate_jobs: np.ndarray  # [n] bool: the job's next operation may be chosen now
    time: int = 0
    scheduled: int = 0

    @classmethod
    def initial(cls, instance: JobShopInstance) -> JobShopState:
        n, m = instance.shape
        duration = instance.durations.ravel().copy()
        machine = instance.machines.ravel().copy()
        work_through = np.cumsum(instance.durations, axis=1).ravel()
        timeline_start = np.full((m, n + 1), NEVER, dtype=np.int64)
        return cls(
            instance=instance,
            num_jobs=n,
            num_machines=m,
            duration=duration,
            machine=machine,
            work_through=work_through,
            ops_on_machine=np.argsort(machine, kind="stable").reshape(m, n),
            next_op=np.zeros(n, dtype=np.int64),
            next_node=np.arange(n, dtype=np.int64) * m,
            next_machine=instance.machines[:, 0].copy(),
            job_ready=np.zeros(n, dtype=np.int64),
            machine_ready=np.append(np.zeros(m, dtype=np.int64), NEVER),
            start=np.full(n * m, -1, dtype=np.int64),
            completion_lb=work_through.copy(),
            job_remaining_work=instance.durations.sum(axis=1),
            job_remaining_ops=np.full(n, m, dtype=np.int64),
            machine_remaining_work=np.bincount(machine, duration, m).astype(np.int64),
            machine_count=np.zeros(m, dtype=np.int64),
            machine_sequence=np.full((m, n), -1, dtype=np.int64),
            timeline_start=timeline_start,
            timeline_end=np.zeros((m, n + 1), dtype=np.int64),
            candidate_jobs=np.zeros(n, dtype=bool),
        )

    @property
    def done(self) -> bool:
        return self.scheduled == self.duration.size

    def earliest_starts(self) -> np.ndarray:
        """Earliest start of each job's next operation (NEVER for finished jobs)."""
        return np.maximum(self.job_ready, self.machine_ready[self.next_machine])

    def start_times(self) -> np.ndarray:
        """[n, m] start times in the instance's operation order (-1: not scheduled)."""
        return self.start.reshape(self.instance.shape)

    def makespan(self) -> int:
        return int((self.start + self.duration)[self.start >= 0].max(initial=0))
