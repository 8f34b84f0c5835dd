"""The CP-SAT baseline proves known optima and returns schedules the validator accepts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.benchmarks import load_benchmark
from schedrl.envs.jobshop.cpsat import CPSatSolver
from schedrl.envs.jobshop.validate import validate_schedule
from schedrl.errors import ConfigError


@pytest.fixture(scope="module")
def ft06_result() -> SolverResult:
    return CPSatSolver(time_limit=30).solve(load_benchmark("ft06"))


def test_ft06_is_proven_optimal(ft06_result: SolverResult) -> None:
    assert ft06_result.objective == 55
    assert ft06_result.proven_optimal
    assert ft06_result.status == "OPTIMAL"
    assert ft06_result.lower_bound == 55
    assert ft06_result.wall_time > 0


def test_ft06_solution_is_valid(ft06_result: SolverResult) -> None:
    starts = ft06_result.solution["start_times"]
    assert all(type(start) is int for row in starts for start in row)
    validate_schedule(load_benchmark("ft06"), starts, ft06_result.objective)


def test_hint_is_accepted_and_checked(ft06_result: SolverResult) -> None:
    instance = load_benchmark("ft06")
    hinted = CPSatSolver(time_limit=30).solve(instance, hint_start_times=ft06_result.solution["start_times"])
    assert hinted.objective == 55 and hinted.proven_optimal
    for bad in (np.zeros((6, 5), dtype=int), np.full((6, 6), 0.5), np.zeros((6, 6), dtype=bool)):
        with pytest.raises(ConfigError, match="hint_start_times"):
            CPSatSolver().solve(instance, hint_start_times=bad)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": -1.0}, "time_limit"),
        ({"time_limit": math.nan}, "time_limit"),
        ({"time_limit": "10"}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"workers": 1.5}, "workers"),
        ({"workers": True}, "workers"),
        ({"seed": 0.5}, "seed"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        CPSatSolver(**kwargs)


def test_too_short_time_limit_is_explained() -> None:
    with pytest.raises(ConfigError, match=r"'ta01'.*time_limit=1e-09s.*too short"):
        CPSatSolver(time_limit=1e-9).solve(load_benchmark("ta01"))


@pytest.mark.slow
def test_ft10_is_proven_optimal() -> None:
    instance = load_benchmark("ft10")
    # 23-93 s measured on 2 cores (more when xdist shares them); the limit only caps a slow machine.
    result = CPSatSolver(time_limit=300, workers=2).solve(instance)
    assert result.objective == 930 and result.proven_optimal
    validate_schedule(instance, result.solution["start_times"], result.objective)


def test_a_run_stopped_before_its_proof_says_so() -> None:
    # ta41 (30x20) is far from solvable in half a second: the run ends with a schedule but
    # without a proof. A rule's schedule as the hint makes finding some schedule certain.
    from schedrl.envs.core.rollout import rollout
    from schedrl.envs.jobshop import JobShopEnv
    from schedrl.envs.jobshop.rules import RULES

    instance = load_benchmark("ta41")
    hint = rollout(JobShopEnv(instance), RULES["mwkr"], seed=0).info["start_times"]
    result = CPSatSolver(time_limit=0.5, workers=1).solve(instance, hint_start_times=hint)
    validate_schedule(instance, result.solution["start_times"], result.objective)
    assert result.status == "FEASIBLE" and not result.proven_optimal
    assert result.lower_bound < result.objective


def test_hints_outside_the_horizon_are_refused_before_any_cast() -> None:
    instance = load_benchmark("ft06")  # durations sum to 197
    for bad in (
        np.full((6, 6), 2**64 - 1, dtype=np.uint64),
        np.full((6, 6), 1e30),
        np.full((6, 6), -1),
        np.full((6, 6), 198),
    ):
        with pytest.raises(ConfigError, match=r"hint_start_times must be an \(6, 6\) array of integers in 0\.\.197"):
            CPSatSolver().solve(instance, hint_start_times=bad)
