"""A job-shop instance: n jobs, each visiting every one of m machines once in its own order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from schedrl.errors import InstanceFormatError

#: The most work an instance may hold: every duration, and the sum of all durations, is at
#: most 2**40 (about 1.1e12; the largest bundled benchmark holds about 1e5). In every
#: schedule the env and the solvers build, a start is the end of an earlier operation, so
#: every time is below 2 * 2**40: exact in float64 (rewards, features, results.csv hold times
#: as floats, exact below 2**53), never near the state's sentinel `NEVER` (about 2**61), and
#: `NEVER` plus a duration cannot overflow int64.
MAX_TOTAL_DURATION = 2**40


@dataclass(frozen=True, eq=False)
class JobShopInstance:
    """`machines[j, k]` and `durations[j, k]` describe job j's k-th operation.

    Bounds are the best-known makespan bounds where the instance is a published benchmark.
    Durations are non-negative integers (any integer dtype, checked before conversion to
    int64); each one and their sum are at most `MAX_TOTAL_DURATION` (2**40), so that no
    schedule time can overflow or reach a sentinel.
    """

    name: str
    machines: np.ndarray
    durations: np.ndarray
    lower_bound: int | None = None
    upper_bound: int | None = None
    group: str = "custom"
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        machines = np.asarray(self.machines)
        durations = np.asarray(self.durations)
        problem = find_problem(machines, durations)
        if problem is not None:
            job, detail = problem
            prefix = f"job {job}: " if job is not None else ""
            raise InstanceFormatError(prefix + detail, source=self.source or self.name)
        object.__setattr__(self, "machines", machines.astype(np.int64, copy=True))
        object.__setattr__(self, "durations", durations.astype(np.int64, copy=True))
        self.machines.setflags(write=False)
        self.durations.setflags(write=False)

    @property
    def num_jobs(self) -> int:
        return int(self.machines.shape[0])

    @property
    def num_machines(self) -> int:
        return int(self.machines.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return self.num_jobs, self.num_machines

    @property
    def trivial_lower_bound(self) -> int:
        """max(longest job, most loaded machine): a makespan no schedule can beat."""
        machine_load = np.bincount(self.machines.ravel(), self.durations.ravel(), self.num_machines)
        return int(max(self.durations.sum(axis=1).max(), machine_load.max()))

    @property
    def best_known(self) -> int | None:
        """Reference for gaps: the best-known upper bound (the optimum where proven)."""
        return self.upper_bound

    @property
    def stochastic(self) -> bool:
        """Deterministic: durations are known, so best-of-K sampling is fair."""
        return False

    def __repr__(self) -> str:
        return f"JobShopInstance({self.name!r}, {self.num_jobs}x{self.num_machines}, group={self.group!r})"


def find_problem(machines: np.ndarray, durations: np.ndarray) -> tuple[int | None, str] | None:
    """First structural problem of the arrays as (job index or None, description).

    Every check runs on the arrays as given, before any conversion to int64 could wrap a
    large unsigned value into a negative one.
    """
    if machines.ndim != 2 or machines.shape != durations.shape or machines.size == 0:
        return None, (
            f"machines and durations must be non-empty n x m arrays of one shape, got "
            f"{machines.shape} and {durations.shape}"
        )
    for label, array in (("machine ids", machines), ("durations", durations)):
        if not np.issubdtype(array.dtype, np.integer):
            hint = (
                " (numbers beyond 64 bits, or mixed values, make numpy store objects)" if array.dtype == object else ""
            )
            return None, f"{label} must be integers, got dtype {array.dtype}{hint}"
    m = machines.shape[1]
    bad = np.argwhere(durations < 0)  # zero occurs in published benchmarks (orb07)
    if bad.size:
        j, k = bad[0]
        return int(j), f"operation {k}: duration must be a non-negative integer, got {durations[j, k]}"
    bad = np.argwhere(durations > MAX_TOTAL_DURATION)
    if bad.size:
        j, k = bad[0]
        return int(j), (
            f"operation {k}: duration {durations[j, k]} is above the maximum 2**40 = {MAX_TOTAL_DURATION} "
            "(MAX_TOTAL_DURATION)"
        )
    # Exact in int64: partial sums grow by at most 2**40 a step, so the first one above the
    # bound is below 2**41, and no sum before it can have overflowed.
    running = np.cumsum(durations.astype(np.int64).ravel())
    over = np.flatnonzero(running > MAX_TOTAL_DURATION)
    if over.size:
        j, k = divmod(int(over[0]), m)
        return j, (
            f"operation {k}: the durations up to here sum to {running[over[0]]}, above the maximum total "
            f"2**40 = {MAX_TOTAL_DURATION} (MAX_TOTAL_DURATION)"
        )
    bad = np.argwhere((machines < 0) | (machines >= m))
    if bad.size:
        j, k = bad[0]
        return int(j), f"operation {k}: machine id {machines[j, k]} is out of range 0..{m - 1}"
    route_sorted = np.sort(machines, axis=1)
    repeated = np.flatnonzero((route_sorted[:, 1:] == route_sorted[:, :-1]).any(axis=1))
    if repeated.size:
        j = int(repeated[0])
        return j, (
            f"visits a machine more than once (route {machines[j].tolist()}); in a job shop each "
            "job visits every machine exactly once"
        )
    return None
