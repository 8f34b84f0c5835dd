"""The SoC family's whole-DAG solvers (HEFT, CPOP, CP-SAT) and its timeline picture, pinned on the
canonical DAG of Topcuoglu, Hariri & Wu (IEEE TPDS 2002, Fig. 2) built here from the paper's numbers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from schedrl.envs.soc.cpsat import SoCCPSatSolver
from schedrl.envs.soc.instance import UNSUPPORTED, Application, Platform, SoCInstance
from schedrl.envs.soc.listsched import (
    CpopSolver,
    HeftSolver,
    cpop_priority,
    critical_path,
    critical_pe,
    job_statistics,
)
from schedrl.envs.soc.render import DPI, figure_size, render_rgb, save_timeline
from schedrl.envs.soc.validate import RECORD_KEYS, validate_trace
from schedrl.errors import ConfigError

# Execution costs on P1, P2, P3 and edge costs (0-based tasks) of the paper's example.
COSTS = [(14, 16, 9), (13, 19, 18), (11, 13, 19), (13, 8, 17), (12, 13, 10),
         (13, 16, 9), (7, 15, 11), (5, 11, 14), (18, 12, 20), (21, 7, 16)]  # fmt: skip
EDGES = [(0, 1, 18), (0, 2, 12), (0, 3, 9), (0, 4, 11), (0, 5, 14), (1, 7, 19), (1, 8, 16), (2, 6, 23),
         (3, 7, 27), (3, 8, 23), (4, 8, 13), (5, 7, 15), (6, 9, 17), (7, 9, 11), (8, 9, 13)]  # fmt: skip
# The paper's HEFT schedule (Fig. 3a), as (pe, start, finish) per task.
PAPER_HEFT = [(2, 0, 9), (0, 27, 40), (2, 9, 28), (1, 18, 26), (2, 28, 38),
              (1, 26, 42), (2, 38, 49), (0, 57, 62), (1, 56, 68), (1, 73, 80)]  # fmt: skip
CP_OPTIMUM = 73  # found and proven by CP-SAT in about 0.02 s on one worker
SOLVERS = [HeftSolver(), CpopSolver(), SoCCPSatSolver(time_limit=20.0, workers=1)]


def canonical(costs: Sequence[tuple[int, ...]] = COSTS, **scenario: Any) -> SoCInstance:
    """Three CPUs, one type each; bandwidth 1 between distinct CPUs (edge cost = volume), 10000 on one CPU (free)."""
    types = tuple(f"t{i + 1}" for i in range(len(costs)))
    platform = Platform(
        name="three_cpus",
        type_names=("P1", "P2", "P3"),
        pe_names=("cpu1", "cpu2", "cpu3"),
        pe_type=(0, 1, 2),
        exec_table=dict(zip(types, costs, strict=True)),
        bandwidth=tuple(tuple(10000 if p == q else 1 for q in range(3)) for p in range(3)),
    )
    return SoCInstance("heft_paper", platform, (Application("heft_paper", types, tuple(EDGES)),), **scenario)


def check_schedule(instance: SoCInstance, record: dict) -> None:
    """Written here, apart from the family's validator: every task once on a PE that runs it for its
    duration, no two tasks at once on a PE, each task after its predecessors' data arrive."""
    platform, app = instance.platform, instance.applications[0]
    rows = {task: (pe, start, finish) for job, task, pe, start, finish in record["trace"] if job == 0}
    assert len(record["trace"]) == len(rows) == app.num_tasks
    for task, (pe, start, finish) in rows.items():
        duration = int(platform.pe_times(app.task_types[task])[pe])
        assert duration != UNSUPPORTED and start >= 0 and finish - start == duration
    for pe in range(platform.num_pes):
        spans = sorted((start, finish) for p, start, finish in rows.values() if p == pe and finish > start)
        assert all(end <= begin for (_, end), (begin, _) in itertools.pairwise(spans))
    for src, dst, volume in app.edges:
        (src_pe, _, src_finish), (dst_pe, dst_start, _) = rows[src], rows[dst]
        assert dst_start >= src_finish + platform.comm_time(volume, src_pe, dst_pe)
    makespan = max(finish for _, _, finish in rows.values())
    assert record["makespan"] == makespan and record["average_latency"] == makespan
    assert record["arrivals"] == [0] and record["applications"] == [0] and record["completed_jobs"] == 1
    assert record["throughput"] == pytest.approx(1000 / makespan)


def test_upward_ranks_are_the_papers() -> None:
    ranks = job_statistics(canonical()).upward_rank
    paper = [108.0, 77.0, 80.0, 80.0, 69.0, 63.333, 42.667, 35.667, 44.333, 14.667]
    assert ranks.tolist() == pytest.approx(paper, abs=1e-3)


def test_heft_reproduces_the_papers_schedule() -> None:
    result = HeftSolver().solve(canonical())
    assert result.objective == 80 and result.solution["makespan"] == 80 and not result.proven_optimal
    assert {row[1]: tuple(row[2:]) for row in result.solution["trace"]} == dict(enumerate(PAPER_HEFT))


def test_cpop_critical_path_and_makespan() -> None:
    instance = canonical()
    priority = cpop_priority(instance)
    assert priority[0] == pytest.approx(108.0)
    path = critical_path(instance, priority)
    assert path == [0, 1, 8, 9]  # n1, n2, n9, n10
    assert critical_pe(instance, path) == 1  # P2: 16 + 19 + 12 + 7 = 54, the least
    record = CpopSolver().solve(instance).solution
    assert record["makespan"] == 86
    assert all(row[2] == 1 for row in record["trace"] if row[1] in path)


def test_cpsat_proves_the_optimum_below_heft() -> None:
    result = SoCCPSatSolver(time_limit=20.0, workers=1).solve(canonical())
    assert result.proven_optimal and result.status == "OPTIMAL"
    assert result.objective == result.lower_bound == CP_OPTIMUM <= 80
    assert result.wall_time < 20


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_schedules_are_feasible(solver: Any) -> None:
    instance = canonical()
    record = solver.solve(instance).solution
    assert tuple(record) == RECORD_KEYS
    check_schedule(instance, record)
    validate_trace(instance, record)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_unsupported_pes_are_never_used(solver: Any) -> None:
    # Task 0 cannot run on P3, tasks 1 and 9 not on P2: the paper's choices there are gone, and no PE runs the
    # whole critical path.
    costs = list(COSTS)
    costs[0], costs[1], costs[9] = (14, 16, UNSUPPORTED), (13, UNSUPPORTED, 18), (21, UNSUPPORTED, 16)
    instance = canonical(costs)
    record = solver.solve(instance).solution
    check_schedule(instance, record)
    validate_trace(instance, record)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_zero_length_tasks_start_when_their_data_arrive(solver: Any) -> None:
    costs = list(COSTS)
    costs[6] = (0, 0, 0)  # a dummy task: it takes no time on any PE
    instance = canonical(costs)
    record = solver.solve(instance).solution
    check_schedule(instance, record)
    validate_trace(instance, record)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_streams_are_refused(solver: Any) -> None:
    stream = canonical(num_jobs=100, max_jobs_in_parallel=4)
    assert not solver.applies_to(stream)
    with pytest.raises(ConfigError, match="static whole-DAG schedule: instance 'heft_paper' has 100 jobs arriving"):
        solver.solve(stream)
    noisy = canonical(noise=0.1)
    assert not solver.applies_to(noisy)
    with pytest.raises(ConfigError, match=r"noise=0\.1.*heft_rt"):
        solver.solve(noisy)
    assert solver.applies_to(canonical()) and not solver.applies_to("a job shop")


def test_cpsat_refuses_dags_above_max_tasks() -> None:
    solver = SoCCPSatSolver(max_tasks=9)
    assert not solver.applies_to(canonical())
    with pytest.raises(ConfigError, match="max_tasks=9 tasks; instance 'heft_paper' has 10"):
        solver.solve(canonical())
    with pytest.raises(ConfigError, match="max_tasks"):
        SoCCPSatSolver(max_tasks=0)


def test_timeline_png_has_the_expected_size(tmp_path: Path) -> None:
    instance = canonical()
    record = HeftSolver().solve(instance).solution
    path = tmp_path / "heft.png"
    save_timeline(instance, record, path, "HEFT")
    width, height = figure_size(instance)
    image = imread(path)
    assert image.shape[:2] == (round(height * DPI), round(width * DPI))
    rgb = render_rgb(instance, record)
    assert rgb.dtype == np.uint8 and rgb.shape == (*image.shape[:2], 3) and rgb.std() > 0


def test_timeline_of_a_stream_under_way_keeps_its_size() -> None:
    # 100 jobs: 3000 bars when done; here the first two jobs are placed and 20 jobs have arrived.
    instance = canonical(num_jobs=100, max_jobs_in_parallel=4)
    job = HeftSolver().solve(canonical()).solution["trace"]
    trace = [[j, task, pe, start + 100 * j, finish + 100 * j] for j in range(2) for _, task, pe, start, finish in job]
    arrivals = [100 * j if j < 20 else -1 for j in range(100)]
    record = {"arrivals": arrivals, "trace": trace}  # what the env's render passes
    width, height = figure_size(instance)
    assert render_rgb(instance, record).shape == (round(height * DPI), round(width * DPI), 3)


def test_cpsat_lets_a_zero_length_task_sit_inside_another_on_its_pe() -> None:
    # v (7 µs) runs only on c0; w (2 µs) only on a0; zc (0 µs) only on c0 between the two w.
    # The optimum runs v on c0 over [0, 7) and the chain w, zc, w at [0, 2), 2, [2, 4) with zc
    # inside v's interval: makespan 7. An empty interval inside another breaks NoOverlap, so
    # the model must keep zero-length tasks out of it.
    platform = Platform(
        "p", ("A", "C"), ("a0", "c0"), (0, 1), {"w": (2, UNSUPPORTED), "v": (UNSUPPORTED, 7), "zc": (UNSUPPORTED, 0)},
        ((1000, 1000), (1000, 1000)),
    )  # fmt: skip
    instance = SoCInstance("inside", platform, (Application("inside", ("v", "w", "zc", "w"), ((1, 2, 0), (2, 3, 0))),))
    result = SoCCPSatSolver(time_limit=10, workers=1).solve(instance)
    assert result.objective == 7 and result.proven_optimal
    validate_trace(instance, result.solution)
