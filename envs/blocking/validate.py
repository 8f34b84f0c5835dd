"""Independent blocking job-shop schedule checker.

Like the job-shop checker it shares no code with the environment: it reads the instance's
fields and shutdown intervals (instance data, the same for every method that schedules it)
and recomputes every finish, count and swap from the record alone, so a bug in the env's
event logic cannot produce a schedule that the same logic then accepts. All arithmetic is
on Python ints, so no time can wrap around.
"""

from __future__ import annotations

import reprlib
from collections import defaultdict
from typing import Any, NamedTuple

import numpy as np

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.core.records import record_shape_problems, whole_number
from schedrl.errors import InvalidScheduleError

_GRIDS = ("start", "finish", "leave")
_COUNTS = ("makespan", "swaps", "blocking_time", "interruptions")
#: The keys of a solution record (see the family's docs for their meaning).
RECORD_KEYS = (*_COUNTS, *_GRIDS, "downtime", "swap_events")
#: Times beyond +-2**62 could not travel through int64 anywhere else in schedrl.
_LIMIT = 2**62
#: Reading a machine's shutdowns up to time T draws about shutdown_prob * T intervals; beyond
#: this many for all machines together the checker would hang rather than answer.
_MAX_SHUTDOWN_DRAWS = 2**24


class _Stay(NamedTuple):
    """An op holding its machine over [start, leave)."""

    start: int
    leave: int
    job: int
    op: int
    machine: int


def schedule_violations(instance: BlockingJobShopInstance, record: Any) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the record is valid."""
    shape = record_shape_problems(record, RECORD_KEYS)
    if shape:
        return shape
    problems: list[str] = []
    start, finish, leave = (_grid(record[key], key, instance.shape, problems) for key in _GRIDS)
    counts = {key: whole_number(record[key]) for key in _COUNTS}
    problems += [f"{key} must be an integer, got {record[key]!r}" for key, count in counts.items() if count is None]
    events = _events(record["swap_events"], instance.num_jobs, problems)
    if problems or start is None or finish is None or leave is None or events is None:
        return problems
    n, m = instance.shape
    horizon = max(max(map(max, grid)) for grid in (start, finish, leave))
    if instance.shutdown_prob * max(horizon, 0) * m > _MAX_SHUTDOWN_DRAWS:
        return [
            f"the latest time {horizon} is too far ahead for this checker to read the machines' shutdowns "
            f"(shutdown_prob * time * machines must stay within 2**24)"
        ]
    down = [instance.shutdowns.intervals(i, horizon) for i in range(m)]
    machines = instance.machines.tolist()
    makespan = max(map(max, leave))
    every_stay = [_Stay(start[j][k], leave[j][k], j, k, machines[j][k]) for j, k in np.ndindex(n, m)]
    stays = [stay for stay in every_stay if stay.start < stay.leave]
    # A zero-duration operation passes through its machine in no time: it must find the
    # machine free (capacity), but at an instant where one does, several handovers on one
    # machine leave the order of moves open, so swap cycles are traced at other instants only.
    passing = {stay.start for stay in every_stay if stay.start == stay.leave}
    cycles = {cycle for cycle in _handover_cycles(stays) if cycle[0] not in passing}
    unchecked = sum(event[0] in passing for event in events)
    events = [event for event in events if event[0] not in passing]
    problems += _op_violations(instance, (start, finish, leave), down, horizon)
    problems += _capacity_violations(every_stay)
    problems += _downtime_violations(record["downtime"], down, makespan)
    problems += _swap_violations(cycles, events, instance.swap)
    recomputed = {
        "makespan": makespan,
        "swaps": len(cycles) + unchecked if instance.swap else 0,
        "blocking_time": sum(leave[j][k] - finish[j][k] for j, k in np.ndindex(n, m)),
        "interruptions": sum(
            start[j][k] < begin < finish[j][k] for j, k in np.ndindex(n, m) for begin, _ in down[machines[j][k]]
        ),
    }
    problems += [
        f"{key} is reported as {counts[key]}, but the schedule's is {value}"
        for key, value in recomputed.items()
        if counts[key] != value
    ]
    return problems


def validate_schedule(instance: BlockingJobShopInstance, record: Any) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = schedule_violations(instance, record)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def _op_violations(instance: BlockingJobShopInstance, times: tuple, down: list, horizon: int) -> list[str]:
    """Each op's time order, its link to the job's next op, its entry on an up machine, its processing."""
    start, finish, leave = times
    problems = []
    for j, k in np.ndindex(*instance.shape):
        s, f, out = start[j][k], finish[j][k], leave[j][k]
        i, d = int(instance.machines[j, k]), int(instance.durations[j, k])
        op = f"job {j} op {k}"
        if s < 0:
            problems.append(f"{op}: start {s} is negative")
        if not s <= f <= out:
            problems.append(f"{op}: start {s}, finish {f}, leave {out} must satisfy start <= finish <= leave")
        if k + 1 < instance.num_machines and out != start[j][k + 1]:
            problems.append(
                f"{op} leaves machine {i} at {out}, but op {k + 1} enters machine {instance.machines[j, k + 1]} "
                f"at {start[j][k + 1]} (without buffers a job moves straight on)"
            )
        if k + 1 == instance.num_machines and out != f:
            problems.append(f"{op}, its last, leaves at {out} instead of at its finish {f}")
        hit = next(((b, e) for b, e in down[i] if b <= s < e), None)
        if hit is not None:
            problems.append(f"{op} enters machine {i} at {s}, while it is down on [{hit[0]}, {hit[1]})")
        expected = _finish(down[i], s, d, instance.restart)
        if f != expected:
            ends = f"ends at {expected}" if expected <= horizon else f"ends after {horizon}"
            mode = instance.interrupt_mode
            problems.append(f"{op} on machine {i}: finish {f}, but processing {d} from start {s} in {mode} mode {ends}")
    return problems


def _finish(down: list[tuple[int, int]], start: int, duration: int, restart: bool) -> int:
    """When an op entering at `start` finishes, given the machine's shutdowns (sorted, maximal).

    Resume: the up time since the start reaches the duration. Restart: the first window of
    `duration` up time that begins at the start or at a repair. Exact as long as the result is
    at most the time up to which `down` was read: later shutdowns could only delay it further.
    """
    if duration == 0:
        return start
    time, left = start, duration
    for begin, end in down:
        if end <= time:
            continue
        if begin >= time + left:
            break
        left = duration if restart else left - max(begin - time, 0)
        time = end
    return time + left


def _downtime_violations(downtime: Any, down: list[list[tuple[int, int]]], makespan: int) -> list[str]:
    """The reported downtime must be each machine's shutdowns that begin before the makespan."""
    if not _is_list(downtime, len(down)):
        return [f"downtime must list {len(down)} machines' [begin, end] intervals, got {reprlib.repr(downtime)}"]
    problems = []
    for i, reported in enumerate(downtime):
        expected = [[begin, end] for begin, end in down[i] if begin < makespan]
        if _plain(reported) != expected:
            problems.append(
                f"downtime of machine {i} is {reprlib.repr(reported)}, but its shutdowns that begin before "
                f"the makespan {makespan} are {expected}"
            )
    return problems


def _capacity_violations(stays: list[_Stay]) -> list[str]:
    """Stays that overlap on a machine (touching is a handover, not an overlap; a stay of no
    length overlaps only a stay it falls strictly inside)."""
    problems, holder = [], None  # holder: the stay seen on this machine that leaves last
    for stay in sorted(stays, key=lambda stay: (stay.machine, stay.start, stay.leave)):
        if holder is not None and holder.machine == stay.machine and stay.start < holder.leave:
            problems.append(
                f"machine {stay.machine}: job {holder.job} op {holder.op} [{holder.start}, {holder.leave}) overlaps "
                f"job {stay.job} op {stay.op} [{stay.start}, {stay.leave})"
            )
        if holder is None or holder.machine != stay.machine or stay.leave > holder.leave:
            holder = stay
    return problems


def _handover_cycles(stays: list[_Stay]) -> set[tuple[int, tuple[int, ...]]]:
    """(time, jobs) of each cycle of handovers: each job enters the machine the next one leaves then."""
    leaving = {(stay.leave, stay.machine): stay.job for stay in stays}
    successors: dict[int, dict[int, int]] = defaultdict(dict)  # time -> job -> the job whose machine it enters
    for stay in stays:
        if (stay.start, stay.machine) in leaving:
            successors[stay.start][stay.job] = leaving[stay.start, stay.machine]
    cycles = set()
    for time, successor in successors.items():
        for first in successor:
            path = [first]
            while (after := successor.get(path[-1])) is not None and after not in path:
                path.append(after)
            if successor.get(path[-1]) == first:
                cycles.add((time, _rotated(path)))
    return cycles


def _swap_violations(cycles: set, events: list[tuple[int, tuple[int, ...]]], swap: bool) -> list[str]:
    """Each cycle is a recorded swap event and each event such a cycle (none at all without swaps)."""
    problems = [
        f"swap event at time {t} with jobs {list(jobs)} is recorded twice"
        for t, jobs in sorted(set(events))
        if events.count((t, jobs)) > 1
    ]
    if not swap and events:
        problems.append(f"swap_events must be empty when the instance's swap is False, got {len(events)} event(s)")
    for time, jobs in sorted(cycles):
        cycle = " -> ".join(map(str, [*jobs, jobs[0]]))
        if not swap:
            problems.append(f"at time {time} jobs {cycle} swap machines in a cycle, but the instance's swap is False")
        elif (time, jobs) not in events:
            problems.append(f"at time {time} jobs {cycle} swap machines in a cycle that swap_events does not record")
    if swap:
        problems += [
            f"swap event at time {t} with jobs {list(jobs)} is no cycle of handovers at that time "
            f"(each job must enter the machine the next one leaves)"
            for t, jobs in sorted(set(events) - cycles)
        ]
    return problems


def _grid(value: Any, key: str, shape: tuple[int, int], problems: list[str]) -> list[list[int]] | None:
    """An n x m record field as Python ints, or None after adding the reasons it is not one."""
    n, m = shape
    if not (_is_list(value, n) and all(_is_list(row, m) for row in value)):
        problems.append(
            f"{key} must be {n} lists (one per job) of {m} integers (one per op), got {reprlib.repr(value)}"
        )
        return None
    before = len(problems)
    for j, row in enumerate(value):
        for k, v in enumerate(row):
            number = whole_number(v)
            if number is None or abs(number) > _LIMIT:
                problems.append(f"{key} of job {j} op {k} is {v!r}, not an integer within +-2**62")
    return [[int(v) for v in row] for row in value] if len(problems) == before else None


def _events(value: Any, num_jobs: int, problems: list[str]) -> list[tuple[int, tuple[int, ...]]] | None:
    """The recorded swap events as (time, jobs rotated to start at the smallest), or None if malformed."""
    if not isinstance(value, list | tuple):
        problems.append(f"swap_events must be a list of {{'time': int, 'jobs': [int, ...]}}, got {reprlib.repr(value)}")
        return None
    events = []
    for index, event in enumerate(value):
        time = whole_number(event.get("time")) if isinstance(event, dict) else None
        jobs = event.get("jobs") if isinstance(event, dict) else None
        jobs = [whole_number(job) for job in jobs] if isinstance(jobs, list | tuple) else [None]
        if time is None or not len(jobs) == len(set(jobs)) >= 2 or not set(jobs) <= set(range(num_jobs)):
            problems.append(
                f"swap_events[{index}] must be {{'time': int, 'jobs': [2 or more distinct jobs in "
                f"0..{num_jobs - 1}]}}, got {reprlib.repr(event)}"
            )
        else:
            events.append((time, _rotated(jobs)))
    return events if len(events) == len(value) else None


def _is_list(value: Any, length: int) -> bool:
    return isinstance(value, list | tuple) and len(value) == length


def _rotated(jobs: list[int]) -> tuple[int, ...]:
    """The cycle written from its smallest job, so that rotations of one cycle compare equal."""
    first = jobs.index(min(jobs))
    return tuple(jobs[first:] + jobs[:first])


def _plain(value: Any) -> Any:
    """Nested lists or tuples of integers as nested lists of ints; None if any leaf is no integer."""
    if isinstance(value, list | tuple):
        items = [_plain(item) for item in value]
        return None if None in items else items
    return whole_number(value)
