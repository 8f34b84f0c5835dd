"""OR-Tools CP-SAT for one SoC job: the exact makespan of a single DAG on heterogeneous PEs.

Each task has a start and an end, and one optional interval per PE that can run it, exactly one
present; each PE's intervals do not overlap. An edge k -> i of volume v holds
start_i >= end_k + int(v / bandwidth[p][q]) when k runs on p and i on q: the smallest such delay
over the PE pairs holds always, each larger one is enforced only when both placements are
chosen (the pairwise formulation). The HEFT schedule is the hint and its makespan the horizon,
so the search starts from a feasible schedule and never looks above it.

A zero-length task may sit anywhere, even inside another task on its PE (the family's rule, and
the validator's), but CP-SAT's NoOverlap would forbid an empty interval strictly inside another:
zero-length tasks only choose their PE and stay out of the PEs' NoOverlap.
"""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.cpsat import check_options, run_model
from schedrl.envs.soc.instance import UNSUPPORTED, SoCInstance
from schedrl.envs.soc.listsched import heft, job_application, job_record, job_statistics, static_refusal
from schedrl.errors import ConfigError


class SoCCPSatSolver:
    """Minimise a single job's makespan (= its latency) with CP-SAT: the exact reference for a
    single-DAG instance without noise of at most `max_tasks` tasks (`applies_to`).

    Small DAGs are proven optimal; otherwise the best schedule and bound found within
    `time_limit` give an anytime upper and lower bound. With workers=1 a run that ends before
    the limit is reproducible for a given seed.
    """

    def __init__(self, time_limit: float = 10.0, workers: int = 2, max_tasks: int = 60, seed: int = 0) -> None:
        self.time_limit, self.workers, self.seed = check_options(time_limit, workers, seed)
        if isinstance(max_tasks, bool) or not isinstance(max_tasks, int) or max_tasks < 1:
            raise ConfigError(f"max_tasks must be an integer >= 1, got {max_tasks!r}")
        self.max_tasks = max_tasks

    def refusal(self, instance: Any) -> str | None:
        """Why the model does not apply to `instance` (None when it does)."""
        reason = static_refusal(instance, "CP-SAT")
        if reason is None and job_application(instance).num_tasks > self.max_tasks:
            tasks = job_application(instance).num_tasks
            reason = (
                f"CP-SAT is given DAGs of at most max_tasks={self.max_tasks} tasks; instance {instance.name!r} has "
                f"{tasks}: raise max_tasks (and time_limit) to try it"
            )
        return reason

    def applies_to(self, instance: Any) -> bool:
        return self.refusal(instance) is None

    def solve(self, instance: SoCInstance) -> SolverResult:
        """The best schedule found, as the family's solution record."""
        reason = self.refusal(instance)
        if reason is not None:
            raise ConfigError(reason)
        began = time.perf_counter()
        app = job_application(instance)
        platform = instance.platform
        times = job_statistics(instance).times.tolist()  # no noise: the durations
        hint = heft(instance)
        horizon = max(row[4] for row in hint)

        model = cp_model.CpModel()
        starts = [model.new_int_var(0, horizon, f"start_{i}") for i in range(app.num_tasks)]
        ends = [model.new_int_var(0, horizon, f"end_{i}") for i in range(app.num_tasks)]
        chosen: list[dict[int, cp_model.IntVar]] = []
        on_pe: list[list[cp_model.IntervalVar]] = [[] for _ in range(platform.num_pes)]
        for task, row in enumerate(times):
            chosen.append({})
            for pe, duration in enumerate(row):
                if duration == UNSUPPORTED:
                    continue
                present = model.new_bool_var(f"x_{task}_{pe}")
                if duration:
                    on_pe[pe].append(
                        model.new_optional_interval_var(starts[task], duration, ends[task], present, f"run_{task}_{pe}")
                    )
                else:
                    model.add(ends[task] == starts[task]).only_enforce_if(present)
                chosen[task][pe] = present
            model.add_exactly_one(chosen[task].values())
        for intervals in on_pe:
            model.add_no_overlap(intervals)
        for src, dst, volume in app.edges:
            delays = {(p, q): platform.comm_time(volume, p, q) for p in chosen[src] for q in chosen[dst]}
            least = min(delays.values())
            model.add(starts[dst] >= ends[src] + least)
            for (p, q), delay in delays.items():
                if delay > least:
                    model.add(starts[dst] >= ends[src] + delay).only_enforce_if(chosen[src][p], chosen[dst][q])
        makespan = model.new_int_var(0, horizon, "makespan")
        model.add_max_equality(makespan, ends)
        model.minimize(makespan)

        for _, task, pe, start, finish in hint:
            model.add_hint(starts[task], start)
            model.add_hint(ends[task], finish)
            for option, present in chosen[task].items():
                model.add_hint(present, option == pe)
        model.add_hint(makespan, horizon)

        solver, status = run_model(model, instance.name, self.time_limit, self.workers, self.seed)
        trace = [
            [
                0,
                task,
                next(pe for pe, x in chosen[task].items() if solver.boolean_value(x)),
                solver.value(s),
                solver.value(e),
            ]
            for task, (s, e) in enumerate(zip(starts, ends, strict=True))
        ]
        record = job_record(instance, trace)
        return SolverResult(
            objective=record["average_latency"],
            solution=record,
            proven_optimal=status == cp_model.OPTIMAL,
            lower_bound=solver.best_objective_bound,
            status=solver.status_name(status),
            wall_time=time.perf_counter() - began,
        )
