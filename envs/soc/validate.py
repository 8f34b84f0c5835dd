"""Independent checker of SoC stream schedules.

It shares no code with the env's simulation: from the instance model alone (the realised
stream, the durations with their noise, the bandwidths, the application DAGs) it checks the
record's trace task by task, recomputes each job's completion, replays the injection rule
to check every arrival, and recomputes the metrics, so a bug in the env's event logic cannot
produce a schedule that the same logic then accepts.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any, NamedTuple

import numpy as np

from schedrl.envs.core.records import record_shape_problems, reported_metrics, whole_number
from schedrl.envs.soc.instance import LARGEST, UNSUPPORTED, Application, SoCInstance
from schedrl.errors import InvalidScheduleError

#: The keys of a solution record (see the family's docs for their meaning).
RECORD_KEYS = ("applications", "arrivals", "trace", "average_latency", "makespan", "completed_jobs", "throughput")
#: How far a reported float metric may be from the recomputed one, relatively.
TOLERANCE = 1e-9


class Row(NamedTuple):
    """One trace row: job `job`'s task `task` runs on PE `pe` over [start, finish)."""

    job: int
    task: int
    pe: int
    start: int
    finish: int


def trace_violations(instance: SoCInstance, record: Any) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the record is valid."""
    shape = record_shape_problems(record, RECORD_KEYS)
    if shape:
        return shape
    problems: list[str] = []
    jobs = job_applications(instance)
    problems += _application_problems(instance, record["applications"])
    arrivals = _arrivals(record["arrivals"], instance.num_jobs, problems)
    rows = _rows(instance, record["trace"], problems)
    metrics = reported_metrics(record, ("makespan", "completed_jobs"), ("average_latency", "throughput"), problems)
    if rows is None or arrivals is None:
        return problems  # nothing below can be checked without them
    problems += _row_violations(instance, rows, arrivals)
    problems += _overlaps(instance, rows)
    placed = _placed(jobs, rows, problems)
    if placed is None:
        return problems  # precedence, completions and metrics need every task exactly once
    problems += _precedence_violations(instance, jobs, placed)
    completions = [max(row.finish for row in job) for job in placed]
    problems += _arrival_violations(instance, arrivals, completions)
    problems += _metric_violations(instance, metrics, arrivals, completions)
    return problems


def validate_trace(instance: SoCInstance, record: Any) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = trace_violations(instance, record)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def job_applications(instance: SoCInstance) -> list[Application]:
    """Each job's application, as the instance's seed draws them."""
    return [instance.applications[a] for a in instance.realisation().applications.tolist()]


def trace_rows(instance: SoCInstance, trace: Any) -> list[Row]:
    """A record's trace as rows of Python ints; InvalidScheduleError if malformed."""
    problems: list[str] = []
    rows = _rows(instance, trace, problems)
    if rows is None:
        raise InvalidScheduleError(instance.name, problems)
    return rows


def _rows(instance: SoCInstance, trace: Any, problems: list[str]) -> list[Row] | None:
    """The trace as rows of Python ints, or None after adding why it is not one: each row holds
    five whole numbers, a job, one of its tasks and a PE in range, and times in 0..2**62."""
    if not isinstance(trace, list | tuple):
        problems.append(f"trace must be a list of [job, task, pe, start, finish] rows, got {reprlib.repr(trace)}")
        return None
    sizes = [app.num_tasks for app in job_applications(instance)]
    before = len(problems)
    rows = []
    for index, entry in enumerate(trace):
        values = [whole_number(v) for v in entry] if isinstance(entry, list | tuple) and len(entry) == 5 else None
        if values is None or None in values:
            problems.append(
                f"trace[{index}] must be 5 integers [job, task, pe, start, finish], got {reprlib.repr(entry)}"
            )
            continue
        row = Row(*values)  # type: ignore[arg-type]  # no None left
        if not 0 <= row.job < instance.num_jobs:
            problems.append(f"trace[{index}]: job {row.job} is not a job index (0..{instance.num_jobs - 1})")
        elif not 0 <= row.task < sizes[row.job]:
            problems.append(f"trace[{index}]: job {row.job} has tasks 0..{sizes[row.job] - 1}, not task {row.task}")
        if not 0 <= row.pe < instance.platform.num_pes:
            problems.append(f"trace[{index}]: PE {row.pe} is not a PE index (0..{instance.platform.num_pes - 1})")
        if not (0 <= row.start <= LARGEST and 0 <= row.finish <= LARGEST):
            problems.append(f"trace[{index}]: times [{row.start}, {row.finish}) must lie in 0..2**62")
        rows.append(row)
    return rows if len(problems) == before else None


def _application_problems(instance: SoCInstance, value: Any) -> list[str]:
    """The recorded applications must be the ones the instance's seed draws."""
    drawn = instance.realisation().applications.tolist()
    if not (isinstance(value, list | tuple) and len(value) == len(drawn)):
        return [f"applications must list {len(drawn)} application indices (one per job), got {reprlib.repr(value)}"]
    return [
        f"applications[{j}] is {reprlib.repr(reported)}, but the instance's stream draws application {expected} "
        f"({instance.applications[expected].name!r}) for job {j}"
        for j, (reported, expected) in enumerate(zip(value, drawn, strict=True))
        if whole_number(reported) != expected
    ]


def _arrivals(value: Any, num_jobs: int, problems: list[str]) -> list[int] | None:
    numbers = [whole_number(v) for v in value] if isinstance(value, list | tuple) and len(value) == num_jobs else None
    if numbers is None or any(n is None or abs(n) > LARGEST for n in numbers):
        problems.append(f"arrivals must list {num_jobs} integer times (one per job), got {reprlib.repr(value)}")
        return None
    return numbers  # type: ignore[return-value]  # no None left


def _row_violations(instance: SoCInstance, rows: list[Row], arrivals: list[int]) -> list[str]:
    """Each row's PE can run its task, for exactly the task's (noisy) duration there, after its job arrives."""
    platform, jobs = instance.platform, job_applications(instance)
    problems = []
    for row in rows:
        task_type = jobs[row.job].task_types[row.task]
        where = f"job {row.job} task {row.task} ({task_type}) on PE {row.pe} ({platform.pe_names[row.pe]})"
        duration = instance.duration(row.job, row.task, row.pe)
        if duration == UNSUPPORTED:
            pe_type = platform.type_names[platform.pe_type[row.pe]]
            problems.append(f"{where}: PE type {pe_type} cannot run {task_type}")
        elif row.finish - row.start != duration:
            problems.append(
                f"{where} runs [{row.start}, {row.finish}) for {row.finish - row.start} µs, "
                f"but its duration there is {duration} µs"
            )
        if row.start < arrivals[row.job]:
            problems.append(f"{where} starts at {row.start}, before its job arrives at {arrivals[row.job]}")
    return problems


def _overlaps(instance: SoCInstance, rows: list[Row]) -> list[str]:
    """Rows of positive length that overlap on a PE (touching is no overlap)."""
    busy = [row for row in rows if row.start < row.finish]
    table = np.array([(row.pe, row.start, row.finish) for row in busy], dtype=np.int64).reshape(-1, 3)
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0])).tolist()
    problems, holder = [], None  # holder: the row seen on this PE that finishes last
    for row in (busy[i] for i in order):
        if holder is not None and holder.pe == row.pe and row.start < holder.finish:
            problems.append(
                f"PE {row.pe} ({instance.platform.pe_names[row.pe]}): job {holder.job} task {holder.task} "
                f"[{holder.start}, {holder.finish}) overlaps job {row.job} task {row.task} [{row.start}, {row.finish})"
            )
        if holder is None or holder.pe != row.pe or row.finish > holder.finish:
            holder = row
    return problems


def _placed(jobs: list[Application], rows: list[Row], problems: list[str]) -> list[list[Row]] | None:
    """Per job, its rows by task index; None after naming the tasks missing or repeated."""
    placed: list[list[list[Row]]] = [[[] for _ in range(app.num_tasks)] for app in jobs]
    for row in rows:
        placed[row.job][row.task].append(row)
    before = len(problems)
    for j, tasks in enumerate(placed):
        missing = [i for i, found in enumerate(tasks) if not found]
        if missing:
            problems.append(f"job {j} lacks task(s) {reprlib.repr(missing)} in the trace")
        problems += [
            f"job {j} task {i} appears {len(found)} times in the trace"
            for i, found in enumerate(tasks)
            if len(found) > 1
        ]
    return [[found[0] for found in tasks] for tasks in placed] if len(problems) == before else None


def _precedence_violations(instance: SoCInstance, jobs: list[Application], placed: list[list[Row]]) -> list[str]:
    """A task starts once each predecessor has finished and its data has crossed from the predecessor's PE."""
    platform = instance.platform
    problems = []
    for j, (app, rows) in enumerate(zip(jobs, placed, strict=True)):
        for src, dst, volume in app.edges:
            before, after = rows[src], rows[dst]
            transfer = platform.comm_time(volume, before.pe, after.pe)
            if after.start < before.finish + transfer:
                problems.append(
                    f"job {j} task {dst} starts at {after.start} on PE {after.pe}, before the data of task {src} "
                    f"arrives at {before.finish + transfer} (finish {before.finish} on PE {before.pe} "
                    f"+ {transfer} µs for volume {volume})"
                )
    return problems


def _expected_arrival(instance: SoCInstance, job: int, arrivals: list[int], completions: list[int]) -> tuple[int, str]:
    """Job `job`'s injection time by the stream's rule, given the earlier jobs' arrivals and
    completions, and the reason for it."""
    if job < instance.initial_jobs:
        return 0, f"it is one of the {instance.initial_jobs} initial job(s), injected at 0"
    gap = int(instance.realisation().gaps[job - 1])
    earliest = arrivals[job - 1] + gap
    earlier = list(zip(arrivals[:job], completions[:job], strict=True))
    cap = instance.max_jobs_in_parallel

    def in_system(t: int) -> int:
        return sum(since <= t < until for since, until in earlier)

    reason = f"earliest {earliest} = job {job - 1}'s arrival {arrivals[job - 1]} + gap {gap}"
    if in_system(earliest) < cap:
        return earliest, reason
    # After the last completion no earlier job is in the system, so a freeing time exists.
    freeing = next(c for c in sorted(set(completions[:job])) if c >= earliest and in_system(c) < cap)
    return freeing, f"{reason}, when {cap} job(s) are in the system; a slot frees at {freeing}"


def _arrival_violations(instance: SoCInstance, arrivals: list[int], completions: list[int]) -> list[str]:
    """Each arrival is where the injection rule puts it, judged from the earlier jobs' records."""
    problems = []
    for j, arrival in enumerate(arrivals):
        expected, reason = _expected_arrival(instance, j, arrivals, completions)
        if arrival != expected:
            problems.append(f"job {j} arrives at {arrival}, but the injection rule gives {expected} ({reason})")
    return problems


def _metric_violations(
    instance: SoCInstance, reported: dict[str, float | int | None], arrivals: list[int], completions: list[int]
) -> list[str]:
    """The reported metrics against the ones recomputed from the completions (floats within TOLERANCE)."""
    latencies = [
        c - a for c, a in zip(completions[instance.warmup_jobs :], arrivals[instance.warmup_jobs :], strict=True)
    ]
    makespan = max(completions)
    counts = {"makespan": makespan, "completed_jobs": instance.num_jobs}
    rates = {
        "average_latency": sum(latencies) / len(latencies),
        "throughput": 1000 * instance.num_jobs / makespan if makespan else 0.0,
    }
    wrong = [key for key, value in counts.items() if reported[key] is not None and reported[key] != value]
    wrong += [
        key
        for key, value in rates.items()
        if reported[key] is not None and not math.isclose(reported[key], value, rel_tol=TOLERANCE)  # type: ignore[arg-type]
    ]
    recomputed = {**counts, **rates}
    return [f"{key} is reported as {reported[key]!r}, but the trace's is {recomputed[key]!r}" for key in wrong]
