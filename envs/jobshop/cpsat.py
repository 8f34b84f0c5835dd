"""OR-Tools CP-SAT baseline for the job shop: the exact / anytime reference solver."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from schedrl.envs.core.cpsat import solve_reporting
from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.errors import ConfigError


class CPSatSolver:
    """Minimise makespan with CP-SAT, the reference every learned policy is compared to.

    Small instances are solved to proven optimality; on larger ones the best schedule and
    objective bound found within `time_limit` give an anytime upper and lower bound.
    With workers=1 a run that ends before the limit is reproducible for a given seed;
    multi-worker or time-limited runs may differ between runs.
    """

    def __init__(self, time_limit: float = 10.0, workers: int = 2, seed: int = 0) -> None:
        self.time_limit, self.workers, self.seed = check_options(time_limit, workers, seed)

    def solve(self, instance: JobShopInstance, hint_start_times: Any = None) -> SolverResult:
        """Best schedule found; `hint_start_times` (n x m) seeds the search with a known one."""
        began = time.perf_counter()
        n, m = instance.shape
        durations = instance.durations.tolist()
        machines = instance.machines.tolist()
        horizon = int(instance.durations.sum())

        model = cp_model.CpModel()
        starts = [
            [model.new_int_var(0, horizon - durations[j][k], f"start_{j}_{k}") for k in range(m)] for j in range(n)
        ]
        on_machine: list[list[cp_model.IntervalVar]] = [[] for _ in range(m)]
        for j in range(n):
            for k in range(m):
                interval = model.new_fixed_size_interval_var(starts[j][k], durations[j][k], f"op_{j}_{k}")
                on_machine[machines[j][k]].append(interval)
                if k + 1 < m:
                    model.add(starts[j][k + 1] >= starts[j][k] + durations[j][k])
        for intervals in on_machine:
            model.add_no_overlap(intervals)
        makespan = model.new_int_var(instance.trivial_lower_bound, horizon, "makespan")
        model.add_max_equality(makespan, [starts[j][m - 1] + durations[j][m - 1] for j in range(n)])
        model.minimize(makespan)

        if hint_start_times is not None:
            hint = _hint_array(instance, hint_start_times)
            for j in range(n):
                for k in range(m):
                    model.add_hint(starts[j][k], int(hint[j, k]))
            model.add_hint(makespan, int((hint + instance.durations).max()))

        solver, status = run_model(model, instance.name, self.time_limit, self.workers, self.seed)
        return SolverResult(
            objective=solver.value(makespan),
            solution={"start_times": [[int(solver.value(s)) for s in row] for row in starts]},
            proven_optimal=status == cp_model.OPTIMAL,
            lower_bound=solver.best_objective_bound,
            status=solver.status_name(status),
            wall_time=time.perf_counter() - began,
        )


def check_options(time_limit: float, workers: int, seed: int) -> tuple[float, int, int]:
    """(time_limit as a float, workers, seed): the options of every family's CP-SAT solver, checked alike."""
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not math.isfinite(time_limit)
        or time_limit <= 0
    ):
        raise ConfigError(f"time_limit must be a finite number of seconds > 0, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an integer, got {seed!r}")
    return float(time_limit), workers, seed


def run_model(
    model: cp_model.CpModel, name: str, time_limit: float, workers: int, seed: int, measure: str = "makespan"
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Solve `model` (instance `name`, minimising `measure`, the name progress reports give
    its objective); a run that ends without any schedule is an error."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solve_reporting(solver, model, f"CP-SAT {name} {measure}")
    if status == cp_model.UNKNOWN:
        raise ConfigError(
            f"CP-SAT found no feasible schedule for {name!r} within "
            f"time_limit={time_limit}s; the time limit is too short, raise time_limit"
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Every instance has a schedule within its model's horizon and bounds, so this is a model bug.
        raise RuntimeError(f"CP-SAT returned {solver.status_name(status)} for {name!r}")
    return solver, status


def _hint_array(instance: JobShopInstance, hint_start_times: Any) -> np.ndarray:
    """The hint as an int64 n x m array; a hint need not be feasible, only well-formed."""
    hint = np.asarray(hint_start_times)
    horizon = int(instance.durations.sum())
    # Range-checked before the cast: a uint64 or float beyond int64 would wrap or turn to garbage.
    if (
        hint.shape != instance.shape
        or hint.dtype.kind not in "iuf"
        or not np.all(np.isfinite(hint))
        or not np.all(hint == np.round(hint))
        or not np.all((hint >= 0) & (hint <= horizon))
    ):
        raise ConfigError(
            f"hint_start_times must be an {instance.shape} array of integers in 0..{horizon} (the sum of all "
            f"durations) for {instance.name!r}, got shape {hint.shape} and dtype {hint.dtype}"
        )
    return hint.astype(np.int64)
