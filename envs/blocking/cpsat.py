"""OR-Tools CP-SAT for the deterministic blocking job shop with swaps: the exact / anytime reference."""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.cpsat import check_options, run_model
from schedrl.errors import ConfigError


class BlockingCPSatSolver:
    """Minimise the makespan of the blocking job shop with swaps (BWS) with CP-SAT.

    Each operation holds its machine from its start until the job's next operation starts
    (the last one until it finishes). The holds of one machine may touch but not overlap:
    touching is a handover, and a cycle of handovers at one instant is a swap, so the model is
    exactly blocking with swaps. A zero-duration operation still holds its machine for an
    instant, as in the env. The model knows neither shutdowns nor a ban on swaps, so it applies
    to instances with shutdown_prob 0 and swap true only (`applies_to`); `solve` refuses others.

    The best schedule and the objective bound found within `time_limit` give an anytime upper
    and lower bound. Blocking is much harder to prove than the classical job shop: ft06 is
    proven in well under a second, but on la01-la05 (10x5) two workers reach or approach the
    known optima (proven by other CP solvers) in 30 s while the bound stays at the classical
    optimum (status FEASIBLE).

    Evaluation runs the same p = 0 routes under several disruption seeds, which change nothing
    when no machine ever shuts down: results are cached per solver object by the routes and
    durations, so each distinct problem is solved once and later calls return the same result.
    """

    def __init__(self, time_limit: float = 10.0, workers: int = 2, seed: int = 0) -> None:
        self.time_limit, self.workers, self.seed = check_options(time_limit, workers, seed)
        self._results: dict[tuple[tuple[int, int], bytes, bytes], SolverResult] = {}

    @staticmethod
    def applies_to(instance: Any) -> bool:
        """Deterministic (shutdown_prob 0) and swaps allowed: the problem this model states."""
        return isinstance(instance, BlockingJobShopInstance) and instance.shutdown_prob == 0 and instance.swap

    def solve(self, instance: BlockingJobShopInstance) -> SolverResult:
        """The best schedule found as the family's solution record, cached by the instance's content."""
        if not self.applies_to(instance):
            scenario = (
                f"shutdown_prob={instance.shutdown_prob}, swap={instance.swap}"
                if isinstance(instance, BlockingJobShopInstance)
                else f"a {type(instance).__name__}"
            )
            raise ConfigError(
                "CP-SAT models the deterministic blocking job shop with swaps only (shutdown_prob=0, swap=True); "
                f"{getattr(instance, 'name', instance)!r} has {scenario}: compare such instances against the rules "
                "or a trained policy instead"
            )
        key = (instance.shape, instance.machines.tobytes(), instance.durations.tobytes())
        if key not in self._results:
            self._results[key] = self._solve(instance)
        return self._results[key]

    def _solve(self, instance: BlockingJobShopInstance) -> SolverResult:
        began = time.perf_counter()
        n, m = instance.shape
        durations = instance.durations.tolist()
        machines = instance.machines.tolist()
        horizon = int(instance.durations.sum())  # one job after another is a blocking schedule

        model = cp_model.CpModel()
        starts = [
            [model.new_int_var(0, horizon - durations[j][k], f"start_{j}_{k}") for k in range(m)] for j in range(n)
        ]
        holds: list[list[cp_model.IntervalVar]] = [[] for _ in range(m)]
        for j in range(n):
            for k in range(m - 1):
                # The hold lasts at least the processing: this is also the job's precedence.
                length = model.new_int_var(durations[j][k], horizon, f"hold_{j}_{k}")
                hold = model.new_interval_var(starts[j][k], length, starts[j][k + 1], f"op_{j}_{k}")
                holds[machines[j][k]].append(hold)
            last = model.new_fixed_size_interval_var(starts[j][m - 1], durations[j][m - 1], f"op_{j}_{m - 1}")
            holds[machines[j][m - 1]].append(last)
        for on_machine in holds:
            model.add_no_overlap(on_machine)  # zero-length holds may touch others, never lie inside them
        # The classical job shop's lower bound holds under blocking too: blocking only removes schedules.
        lowest = max(instance.trivial_lower_bound, instance.lower_bound or 0)
        makespan = model.new_int_var(lowest, horizon, "makespan")
        model.add_max_equality(makespan, [starts[j][m - 1] + durations[j][m - 1] for j in range(n)])
        model.minimize(makespan)

        solver, status = run_model(model, instance.name, self.time_limit, self.workers, self.seed)
        start = [[int(solver.value(s)) for s in row] for row in starts]
        return SolverResult(
            objective=solver.value(makespan),
            solution=solution_record(instance, start),
            proven_optimal=status == cp_model.OPTIMAL,
            lower_bound=solver.best_objective_bound,
            status=solver.status_name(status),
            wall_time=time.perf_counter() - began,
        )


def solution_record(instance: BlockingJobShopInstance, start: list[list[int]]) -> dict[str, Any]:
    """The family's record of a schedule without shutdowns, given when each job enters each machine."""
    entered = np.asarray(start, dtype=np.int64)
    finished = entered + instance.durations
    left = np.concatenate([entered[:, 1:], finished[:, -1:]], axis=1)  # each job moves on as its next op starts
    finish, leave = finished.tolist(), left.tolist()
    events = swap_events(instance.machines.tolist(), start, leave)
    return {
        "makespan": int(left.max()),
        "start": start,
        "finish": finish,
        "leave": leave,
        "downtime": [[] for _ in range(instance.num_machines)],  # shutdown_prob 0: no machine ever goes down
        "swap_events": events,
        "swaps": len(events),
        "blocking_time": int((left - finished).sum()),
        "interruptions": 0,
    }


def swap_events(machines: list[list[int]], start: list[list[int]], leave: list[list[int]]) -> list[dict[str, Any]]:
    """The cycles of handovers of a valid schedule: {"time", "jobs"}, by time, in cycle order.

    A move is job j leaving its k-th machine for its (k+1)-th at leave[j][k]. It points to the
    move that vacates that next machine for it at the same instant: the move of the previous
    hold there, when that hold ends as j's begins. Each move points to at most one move and is
    pointed to by at most one, so the moves split into chains and cycles; each cycle is a swap,
    listed from its earliest move (by time, job, operation) so that jobs[i] enters the machine
    jobs[i + 1] leaves.
    """
    n, m = len(machines), len(machines[0])
    by_machine: list[list[tuple[int, int, int, int]]] = [[] for _ in range(m)]
    for j in range(n):
        for k in range(m):
            by_machine[machines[j][k]].append((start[j][k], leave[j][k], j, k))
    vacates: dict[tuple[int, int], tuple[int, int]] = {}  # move (j, k) -> the move that frees its next machine
    for holds in by_machine:
        holds.sort()  # a zero-length hold at t sorts after the one ending at t and before the one starting at t
        for (_, freed, holder, held_op), (taken, _, job, op) in itertools.pairwise(holds):
            if freed == taken and held_op + 1 < m and op > 0:  # a handover from one move to another
                vacates[job, op - 1] = (holder, held_op)
    events, seen = [], set()
    for move in sorted(vacates, key=lambda move: (leave[move[0]][move[1]], move)):
        if move in seen:
            continue
        cycle, current = [], move
        while current in vacates and current not in seen:
            seen.add(current)
            cycle.append(current)
            current = vacates[current]
        if current == move:
            # A job passing through a zero-duration operation makes two moves of one cycle: once.
            events.append({"time": leave[move[0]][move[1]], "jobs": list(dict.fromkeys(job for job, _ in cycle))})
    return events
