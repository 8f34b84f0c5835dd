"""The event simulation of one blocking job-shop episode: jobs entering, blocking and
leaving machines, shutdowns, swaps, and the deadlock-avoiding mask of the no-swap variant.

Job j's k-th operation is node `j * m + k`. Dispatching rules read the fields they share
with the classical job shop's state (`duration`, `work_through`, `job_remaining_work`,
`job_remaining_ops`, `job_ready`, `num_machines`); only the env writes the state.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.errors import SchedRLError

# Where a job is: before its first machine, on a machine being processed, on a machine
# finished and waiting for the next one (blocking it), or through its route.
NOT_STARTED, PROCESSING, BLOCKED, DONE = range(4)
#: "No event pending" for a job's processing end.
NEVER = np.iinfo(np.int64).max // 4


class BlockingState:
    """Everything that changes during an episode, in flat arrays and Python lists (the
    simulation takes one small step at a time, where lists beat numpy)."""

    def __init__(self, instance: BlockingJobShopInstance):
        n, m = instance.shape
        self.instance = instance
        self.num_jobs, self.num_machines = n, m
        self.swap, self.restart = instance.swap, instance.restart
        self.shutdowns = instance.shutdowns
        self.duration = instance.durations.ravel().copy()
        self.machine = instance.machines.ravel().copy()
        self.work_through = np.cumsum(instance.durations, axis=1).ravel()
        self.job_remaining_work = instance.durations.sum(axis=1)  # of operations not yet entered
        self.job_remaining_ops = np.full(n, m, dtype=np.int64)
        self.job_ready = np.zeros(n, dtype=np.int64)  # when the job became free to move on
        self.phase = [NOT_STARTED] * n
        self.current = [-1] * n  # position of the operation the job is on
        self.ends_processing = [NEVER] * n
        self.holder = [-1] * m  # job on each machine
        self.routes = instance.machines.tolist()
        self.durations = instance.durations.tolist()
        # Machines each job still has to enter after its current one, as bitmasks (no-swap safety).
        self.route_ahead = [[_bits(route[k + 1 :]) for k in range(m)] for route in self.routes]
        self.waiting: list[set[int]] = [set() for _ in range(m)]  # jobs free to enter each machine
        for job, route in enumerate(self.routes):
            self.waiting[route[0]].add(job)
        self.start = np.full(n * m, -1, dtype=np.int64)
        self.finish = np.full(n * m, -1, dtype=np.int64)
        self.leave = np.full(n * m, -1, dtype=np.int64)
        self.machine_sequence: list[list[int]] = [[] for _ in range(m)]  # nodes in entry order
        # No swaps: steps (job ids) after which the machines are empty; see `_safe`.
        self.plan: list[int] = []
        self._plans: dict[int, list[int]] = {}  # the plan each safe candidate would leave
        self.swap_events: list[dict[str, object]] = []
        self.interruptions = 0
        self.entered = 0
        self.jobs_done = 0
        self.blocked = 0  # jobs processed and waiting on their machine
        self.cycle_repairs: list[int] = []  # repairs that swap cycles found by `swap_cycles` wait for
        self.time = 0

    @property
    def done(self) -> bool:
        return self.jobs_done == self.num_jobs

    def makespan(self) -> int:
        return int(self.leave.max(initial=0))

    # -- moves -----------------------------------------------------------------------------
    def next_machine(self, job: int) -> int:
        return self.routes[job][self.current[job] + 1]

    def enter(self, job: int) -> int:
        """Move `job` into the machine of its next operation now; returns the operation's node."""
        position = self.current[job] + 1
        machine = self.routes[job][position]
        self.waiting[machine].discard(job)
        if not self.swap:
            self.plan = self._plans[job]
        self._leave_current(job)
        self._occupy(job, position, machine)
        return job * self.num_machines + position

    def _leave_current(self, job: int) -> None:
        position = self.current[job]
        if position >= 0:
            self.leave[job * self.num_machines + position] = self.time
            self.holder[self.routes[job][position]] = -1  # a swap re-occupies it after every job has left

    def _occupy(self, job: int, position: int, machine: int) -> None:
        node = job * self.num_machines + position
        duration = self.durations[job][position]
        try:
            finish, interruptions = self.shutdowns.run(machine, self.time, duration, self.restart)
        except SchedRLError as error:  # say which instance and operation
            raise SchedRLError(f"{self.instance.name}: job {job} op {position} on {error}") from None
        self.holder[machine] = job
        self.current[job] = position
        if self.phase[job] == BLOCKED:
            self.blocked -= 1
        self.phase[job] = PROCESSING
        self.ends_processing[job] = finish
        self.start[node] = self.time
        self.finish[node] = finish
        self.interruptions += interruptions
        self.job_remaining_work[job] -= duration
        self.job_remaining_ops[job] -= 1
        self.machine_sequence[machine].append(node)
        self.entered += 1

    def _complete(self, job: int) -> None:
        """The job's current operation is processed: it leaves (last operation) or blocks."""
        self.ends_processing[job] = NEVER
        self.job_ready[job] = self.time
        if self.current[job] + 1 == self.num_machines:
            self._leave_current(job)
            self.phase[job] = DONE
            self.jobs_done += 1
            self.plan = [j for j in self.plan if j != job]
        else:
            self.phase[job] = BLOCKED
            self.blocked += 1
            self.waiting[self.next_machine(job)].add(job)

    # -- what may happen now ---------------------------------------------------------------
    def is_up(self, machine: int) -> bool:
        return self.shutdowns.repair_time(machine, self.time) is None

    def candidates(self) -> list[list[int]]:
        """Per machine, the jobs that may enter it now: it is free and up; without swaps,
        only moves after which every job on a machine can still finish (see `_safe`)."""
        result: list[list[int]] = [[] for _ in range(self.num_machines)]
        self._plans.clear()
        for machine, jobs in enumerate(self.waiting):
            if jobs and self.holder[machine] < 0 and self.is_up(machine):
                ordered = sorted(jobs)
                result[machine] = ordered if self.swap else [job for job in ordered if self._safe(job, machine)]
        return result

    def _safe(self, job: int, machine: int) -> bool:
        """Could every job on a machine still finish, with `job` moved into `machine` and
        no new job entering? Proved by a plan: an order of single steps (a job entering
        its next machine when that is free, or leaving after its last) that empties the
        machines. The plan found is kept for the move if it is taken; the current plan's
        first step is always safe, so from every state some job can move on and no episode
        deadlocks. A plan keeps cyclic waits, the deadlocks of the no-swap variant, from
        forming."""
        if self.plan[:1] == [job]:
            self._plans[job] = self.plan[1:]
            return True
        position = {j: self.current[j] for j, phase in enumerate(self.phase) if phase in (PROCESSING, BLOCKED)}
        position[job] = self.current[job] + 1
        plan = self._greedy_plan(dict(position)) or self._drain_plan(position)
        if plan is not None:
            self._plans[job] = plan
        return plan is not None

    def _greedy_plan(self, position: dict[int, int]) -> list[int] | None:
        """Every job steps on as soon as its next machine is free, in job order."""
        routes, last = self.routes, self.num_machines - 1
        holder = {routes[j][k]: j for j, k in position.items()}
        plan: list[int] = []
        moved = True
        while position and moved:
            moved = False
            for j, k in list(position.items()):
                if k < last and routes[j][k + 1] in holder:
                    continue
                del holder[routes[j][k]]
                if k < last:
                    holder[routes[j][k + 1]] = j
                    position[j] = k + 1
                else:
                    del position[j]
                plan.append(j)
                moved = True
        return None if position else plan

    def _drain_plan(self, position: dict[int, int]) -> list[int] | None:
        """Each job in turn runs through its whole remaining route while the others wait
        (a banker's check, machines as resources)."""
        held = {j: self.routes[j][k] for j, k in position.items()}
        occupied = _bits(held.values())
        plan: list[int] = []
        while held:
            movable = next(
                (j for j in held if self.route_ahead[j][position[j]] & occupied & ~(1 << held[j]) == 0), None
            )
            if movable is None:
                return None
            occupied &= ~(1 << held.pop(movable))
            plan += [movable] * (self.num_machines - position[movable])
        return plan

    def swap_cycles(self) -> list[list[int]]:
        """Cycles of blocked jobs, each waiting for the machine the next one holds, whose
        machines are all up: they move at once."""
        cycles: list[list[int]] = []
        self.cycle_repairs.clear()
        if self.blocked < 2:
            return cycles
        seen: set[int] = set()
        for first in range(self.num_jobs):
            path: list[int] = []
            job = first
            while job >= 0 and job not in seen and self.phase[job] == BLOCKED:
                seen.add(job)
                path.append(job)
                job = self.holder[self.next_machine(job)]
            if job in path:
                cycle = path[path.index(job) :]
                repairs = [self.shutdowns.repair_time(self.next_machine(j), self.time) for j in cycle]
                if all(repair is None for repair in repairs):
                    cycles.append(cycle)
                else:  # it waits for its machines to be up: those repairs are events
                    self.cycle_repairs += [repair for repair in repairs if repair is not None]
        return cycles

    def rotate(self, cycle: list[int]) -> None:
        """Each job of the cycle enters the machine the next one leaves, at one instant."""
        moves = [(job, self.current[job] + 1, self.next_machine(job)) for job in cycle]
        for job in cycle:
            self.waiting[self.next_machine(job)].discard(job)
            self._leave_current(job)
        for job, position, machine in moves:
            self._occupy(job, position, machine)
        self.swap_events.append({"time": self.time, "jobs": list(cycle)})

    def complete_due(self) -> None:
        for job in range(self.num_jobs):
            if self.ends_processing[job] <= self.time:
                self._complete(job)

    def next_event(self) -> int:
        """The next time anything can change: a processing end, the repair of a free machine
        some job waits for, or of a machine a swap cycle waits for. Raises if there is none
        before the instance is done."""
        soonest = min(self.ends_processing, default=NEVER)
        if self.cycle_repairs:
            soonest = min(soonest, *self.cycle_repairs)
        for machine, jobs in enumerate(self.waiting):
            if jobs and self.holder[machine] < 0:
                repaired = self.shutdowns.repair_time(machine, self.time)
                if repaired is not None:
                    soonest = min(soonest, repaired)
        if soonest >= NEVER:
            blocked = [j for j, phase in enumerate(self.phase) if phase == BLOCKED]
            raise SchedRLError(
                f"{self.instance.name}: deadlock at time {self.time}: jobs {blocked} wait for each other's machines"
            )
        return soonest


def _bits(machines: Iterable[int]) -> int:
    mask = 0
    for machine in machines:
        mask |= 1 << machine
    return mask
