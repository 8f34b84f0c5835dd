"""Independent job-shop schedule checker.

It deliberately shares no code with the environment (env.py, state.py, dynamics.py,
rules.py): a bug there could otherwise produce invalid schedules that the same logic
then accepts. Tests run it on the output of every policy and solver, so a reported
makespan is only trusted once the start times behind it have passed these checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.core.records import whole_number
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.errors import InvalidScheduleError

#: The checker's own arithmetic bound, independent of the instance's limits: starts within
#: +-2**62 and durations within 0..2**62 keep every start + duration inside int64 (|x| < 2**63),
#: so numpy cannot wrap an end time around into an earlier one. Anything beyond is reported.
_LIMIT = 2**62


def schedule_violations(instance: JobShopInstance, start_times: Any, makespan: float | None = None) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the schedule is valid.

    `start_times[j][k]` is the start of job j's k-th operation in the instance's order.
    """
    starts, problems = _integer_starts(instance, start_times)
    if starts is None:
        return problems
    durations, problems = _checked_durations(instance)
    if durations is None:
        return problems
    machines = instance.machines
    ends = starts + durations

    for j, k in np.argwhere(starts < 0):
        problems.append(f"job {j} op {k}: start {starts[j, k]} is negative")

    for j, k in np.argwhere(starts[:, 1:] < ends[:, :-1]):
        problems.append(
            f"job {j} op {k + 1} starts at {starts[j, k + 1]}, before op {k} "
            f"[{starts[j, k]}, {ends[j, k]}) ends (job precedence)"
        )

    # Sorted by machine, then start: if any two operations on a machine overlap, some
    # consecutive pair does, so checking consecutive pairs finds every machine in conflict.
    # Zero-duration operations (orb07 has one) occupy no machine time, so cannot overlap.
    flat_machines, flat_starts, flat_ends = machines.ravel(), starts.ravel(), ends.ravel()
    occupied = np.flatnonzero(flat_ends > flat_starts)
    order = occupied[np.lexsort((flat_starts[occupied], flat_machines[occupied]))]
    same_machine = flat_machines[order[1:]] == flat_machines[order[:-1]]
    overlapping = same_machine & (flat_starts[order[1:]] < flat_ends[order[:-1]])
    ops_per_job = instance.num_machines
    for earlier, later in zip(order[:-1][overlapping], order[1:][overlapping], strict=True):
        a, b = divmod(int(earlier), ops_per_job), divmod(int(later), ops_per_job)
        problems.append(
            f"machine {flat_machines[earlier]}: job {a[0]} op {a[1]} "
            f"[{flat_starts[earlier]}, {flat_ends[earlier]}) overlaps job {b[0]} op {b[1]} "
            f"[{flat_starts[later]}, {flat_ends[later]})"
        )

    if makespan is not None:
        actual, reported = int(ends.max()), whole_number(makespan)
        if reported is None:
            problems.append(f"makespan {makespan!r} is not an integer")
        elif reported != actual:
            j, k = np.unravel_index(int(ends.argmax()), ends.shape)
            problems.append(f"makespan {makespan} does not equal the latest operation end {actual} (job {j} op {k})")
    return problems


def validate_schedule(instance: JobShopInstance, start_times: Any, makespan: float | None = None) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = schedule_violations(instance, start_times, makespan)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def _integer_starts(instance: JobShopInstance, start_times: Any) -> tuple[np.ndarray | None, list[str]]:
    """Start times as an int64 n x m array, or None and the reasons they cannot be one."""
    expected = instance.shape
    try:
        raw = np.asarray(start_times, dtype=object)
    except ValueError:  # nesting too irregular for numpy to form any array
        raw = None
    if raw is None or raw.shape != expected:
        found = "an irregular nested sequence" if raw is None else f"shape {raw.shape}"
        return None, [f"start_times must have shape {expected} (jobs x operations per job), got {found}"]
    # Element by element, because numpy would silently turn True into 1 and 2.5 into 2.
    flat = raw.ravel()
    values = [whole_number(value) for value in flat]
    problems = [
        f"job {index // expected[1]} op {index % expected[1]}: start {flat[index]!r} is not an integer"
        for index, value in enumerate(values)
        if value is None
    ]
    problems += [
        f"job {index // expected[1]} op {index % expected[1]}: start {value} is outside +-2**62, "
        "beyond any schedule this checker can verify"
        for index, value in enumerate(values)
        if value is not None and abs(value) > _LIMIT
    ]
    if problems:
        return None, problems
    return np.array(values, dtype=np.int64).reshape(expected), []


def _checked_durations(instance: JobShopInstance) -> tuple[np.ndarray | None, list[str]]:
    """The durations as int64, read as Python ints whatever their dtype, or None and the
    reasons no valid instance could hold them (the instance checks this too; we do not rely on it)."""
    flat = np.asarray(instance.durations).ravel().tolist()
    m = instance.num_machines
    problems = [
        f"job {index // m} op {index % m}: duration {value!r} is not an integer in 0..2**62"
        for index, value in enumerate(flat)
        if (number := whole_number(value)) is None or not 0 <= number <= _LIMIT
    ]
    if problems:
        return None, problems
    return np.array(flat, dtype=np.int64).reshape(instance.shape), []
