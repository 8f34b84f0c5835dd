"""The independent validator accepts feasible schedules and names every kind of violation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedrl.envs.jobshop.benchmarks import load_benchmark
from schedrl.envs.jobshop.cpsat import CPSatSolver
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.validate import schedule_violations, validate_schedule
from schedrl.errors import InvalidScheduleError


def serial_schedule(instance: JobShopInstance, job_order: list[int] | None = None) -> list[list[int]]:
    """One operation at a time, in `job_order` (each job listed m times; default job by job)."""
    n, m = instance.shape
    order = job_order if job_order is not None else [j for j in range(n) for _ in range(m)]
    starts = [[0] * m for _ in range(n)]
    next_op = [0] * n
    clock = 0
    for j in order:
        k = next_op[j]
        starts[j][k] = clock
        clock += int(instance.durations[j, k])
        next_op[j] += 1
    return starts


def makespan_of(instance: JobShopInstance, starts: list[list[int]]) -> int:
    return int((np.asarray(starts) + instance.durations).max())


@pytest.fixture(scope="module")
def ft06() -> JobShopInstance:
    return load_benchmark("ft06")


@pytest.fixture
def two_jobs() -> JobShopInstance:
    """Both jobs start on machine 0, so a schedule can overlap there without other faults."""
    return JobShopInstance("two_jobs", np.array([[0, 1], [0, 1]]), np.array([[3, 2], [4, 1]]))


def test_serial_schedule_is_valid(ft06: JobShopInstance) -> None:
    starts = serial_schedule(ft06)
    assert schedule_violations(ft06, starts, makespan_of(ft06, starts)) == []
    validate_schedule(ft06, np.asarray(starts, dtype=float))  # integral floats are accepted


def test_cpsat_solution_is_valid(ft06: JobShopInstance) -> None:
    result = CPSatSolver(time_limit=30).solve(ft06)
    validate_schedule(ft06, result.solution["start_times"], result.objective)


def test_precedence_violation(ft06: JobShopInstance) -> None:
    starts = serial_schedule(ft06)
    starts[0][1] = starts[0][0]
    violations = schedule_violations(ft06, starts)
    assert len(violations) == 1
    assert violations[0] == "job 0 op 1 starts at 0, before op 0 [0, 1) ends (job precedence)"


def test_machine_overlap(two_jobs: JobShopInstance) -> None:
    assert schedule_violations(two_jobs, [[0, 3], [1, 5]]) == [
        "machine 0: job 0 op 0 [0, 3) overlaps job 1 op 0 [1, 5)"
    ]
    assert schedule_violations(two_jobs, [[0, 3], [3, 7]]) == []  # touching is not overlapping


def test_wrong_makespan(ft06: JobShopInstance) -> None:
    starts = serial_schedule(ft06)
    violations = schedule_violations(ft06, starts, makespan_of(ft06, starts) - 1)
    assert len(violations) == 1 and "makespan" in violations[0]
    assert schedule_violations(ft06, starts, math.nan)  # NaN equals nothing


@pytest.mark.parametrize(
    "starts",
    [[[0, 3]], [[0, 3], [3, 7], [9, 9]], [[0, 3, 5], [3, 7, 9]], [[0, 3], [3]], [np.zeros((2, 2)), np.zeros((2, 3))]],
    ids=["too-few-jobs", "too-many-jobs", "too-many-ops", "ragged", "irregular"],
)
def test_wrong_shape(two_jobs: JobShopInstance, starts: list) -> None:
    violations = schedule_violations(two_jobs, starts)
    assert len(violations) == 1 and "shape" in violations[0]


def test_negative_start(two_jobs: JobShopInstance) -> None:
    assert schedule_violations(two_jobs, [[-1, 3], [3, 7]]) == ["job 0 op 0: start -1 is negative"]


@pytest.mark.parametrize("bad", [2.5, math.nan, math.inf, True, np.bool_(False), "3", None])
def test_non_integer_start(two_jobs: JobShopInstance, bad: object) -> None:
    violations = schedule_violations(two_jobs, [[0, 3], [bad, 7]])
    assert violations == [f"job 1 op 0: start {bad!r} is not an integer"]


def test_validate_schedule_raises_with_every_violation(two_jobs: JobShopInstance) -> None:
    with pytest.raises(InvalidScheduleError, match="two_jobs") as caught:
        validate_schedule(two_jobs, [[0, 1], [1, 5]], makespan=7)
    assert len(caught.value.violations) == 3  # precedence, overlap, makespan


@st.composite
def instances(draw: st.DrawFn) -> JobShopInstance:
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 5))
    machines = [draw(st.permutations(range(m))) for _ in range(n)]
    durations = draw(st.lists(st.lists(st.integers(1, 20), min_size=m, max_size=m), min_size=n, max_size=n))
    return JobShopInstance("random", np.array(machines), np.array(durations))


def has_conflict(instance: JobShopInstance, starts: list[list[int]]) -> bool:
    """Brute-force reference: any job-order or same-machine pair of operations overlaps."""
    n, m = instance.shape
    d, machine = instance.durations, instance.machines
    ops = [(j, k) for j in range(n) for k in range(m)]
    for j, k in ops:
        if k > 0 and starts[j][k] < starts[j][k - 1] + d[j, k - 1]:
            return True
    for a, (j1, k1) in enumerate(ops):
        for j2, k2 in ops[a + 1 :]:
            if machine[j1, k1] == machine[j2, k2] and (
                starts[j1][k1] < starts[j2][k2] + d[j2, k2] and starts[j2][k2] < starts[j1][k1] + d[j1, k1]
            ):
                return True
    return False


@settings(max_examples=50, deadline=None)
@given(instance=instances(), data=st.data())
def test_serial_schedules_are_valid_and_shifts_are_caught(instance: JobShopInstance, data: st.DataObject) -> None:
    n, m = instance.shape
    order = data.draw(st.permutations([j for j in range(n) for _ in range(m)]), label="job order")
    starts = serial_schedule(instance, order)
    assert schedule_violations(instance, starts, makespan_of(instance, starts)) == []

    movable = [(j, k) for j in range(n) for k in range(m) if starts[j][k] > 0]
    if not movable:  # a single operation starts at 0 and cannot move earlier
        return
    j, k = data.draw(st.sampled_from(movable), label="shifted op")
    starts[j][k] -= data.draw(st.integers(1, starts[j][k]), label="shift")
    assert bool(schedule_violations(instance, starts)) == has_conflict(instance, starts)


def test_wrapped_durations_are_caught_whatever_the_instance_let_through(two_jobs: JobShopInstance) -> None:
    # What a uint64 duration of 2**64 - 5 became after an unchecked cast: -5. Forced past the
    # instance's own checks, it must still not make an overlapping schedule look valid.
    object.__setattr__(two_jobs, "durations", np.array([[-5, 2], [4, 1]]))
    assert schedule_violations(two_jobs, [[0, 0], [0, 4]]) == ["job 0 op 0: duration -5 is not an integer in 0..2**62"]
    object.__setattr__(two_jobs, "durations", np.array([[2**64 - 5, 2], [4, 1]], dtype=np.uint64))
    assert schedule_violations(two_jobs, [[0, 0], [0, 4]]) == [
        "job 0 op 0: duration 18446744073709551611 is not an integer in 0..2**62"
    ]


@pytest.mark.parametrize("huge", [2**63 - 2, np.int64(2**62 + 1), np.uint64(2**64 - 1), 2**70, -(2**63), 1e300])
def test_starts_beyond_the_checkers_range_are_reported_not_wrapped(two_jobs: JobShopInstance, huge: object) -> None:
    # 2**63 - 2 + 3 wraps to a negative end in int64: op 0 would seem to end before it starts,
    # occupy no time, and let job 1 overlap it unnoticed.
    violations = schedule_violations(two_jobs, [[huge, 3], [0, 4]])
    assert len(violations) == 1 and violations[0].startswith("job 0 op 0: start ")
    assert violations[0].endswith("is outside +-2**62, beyond any schedule this checker can verify")


def test_the_largest_starts_it_checks_are_checked_exactly(two_jobs: JobShopInstance) -> None:
    late = 2**62 - 5
    assert schedule_violations(two_jobs, [[late, late + 3], [0, 4]], 2**62) == []
    assert schedule_violations(two_jobs, [[late, late + 2], [0, 4]]) == [
        f"job 0 op 1 starts at {late + 2}, before op 0 [{late}, {late + 3}) ends (job precedence)"
    ]


@pytest.mark.parametrize(
    ("makespan", "message"),
    [
        (True, "makespan True is not an integer"),  # True == 1 in Python, the right makespan here
        (1.5, "makespan 1.5 is not an integer"),
        (math.nan, "makespan nan is not an integer"),
        (1.0, None),
        (np.int64(1), None),
        (np.uint64(1), None),
        (2**64 + 1, "makespan 18446744073709551617 does not equal the latest operation end 1 (job 0 op 0)"),
    ],
)
def test_reported_makespan_must_be_that_integer(makespan: object, message: str | None) -> None:
    unit = JobShopInstance("unit", np.array([[0]]), np.array([[1]]))
    assert schedule_violations(unit, [[0]], makespan) == ([] if message is None else [message])


def test_zero_duration_operations_occupy_no_machine_time() -> None:
    # orb07 has a zero-duration operation. Job 1's takes no time on machine 0, so it may
    # sit at time 2, inside job 0's [0, 5) there, and at 0 or 5, at either end.
    instance = JobShopInstance("zero", np.array([[0], [0]]), np.array([[5], [0]]))
    for start in (0, 2, 5):
        assert schedule_violations(instance, [[0], [start]], 5) == []
