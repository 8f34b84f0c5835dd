"""Broken copies of a valid SoC stream record, one per constraint the validator checks.

The family contract test feeds each copy to the validator and expects a rejection, so a check
that stopped working would fail a test instead of passing bad schedules silently. A copy
changes one thing and leaves what follows from it (a later completion, say) as it was, so it
may break more than the constraint it is named after, never less.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.soc.instance import UNSUPPORTED, SoCInstance
from schedrl.envs.soc.validate import Row, job_applications, trace_rows

Record = dict[str, Any]


def perturbations(instance: SoCInstance, record: Record) -> list[tuple[str, Record]]:
    """(constraint, broken record) pairs. Those that need something the instance or the record
    may lack are left out where it does: an edge whose source finishes after 0 (precedence),
    an edge whose data takes time to cross (communication delay), two tasks that take time
    and can share a PE (PE overlap), a PE that cannot run some task (unsupported PE), a job
    injected after the initial ones (early arrival)."""
    rows = trace_rows(instance, record["trace"])
    arrivals, applications = list(record["arrivals"]), list(record["applications"])

    def trace() -> list[list[Any]]:
        return [list(entry) for entry in record["trace"]]

    def edited(key: str, value: Any) -> Record:
        """A copy of the record (its lists copied too, so the valid one stays as it was) with `key` set."""
        fresh = {**record, "applications": list(applications), "arrivals": list(arrivals), "trace": trace()}
        return {**fresh, key: value}

    def moved(k: int, start: int, pe: int | None = None, duration: int | None = None) -> Record:
        """The record with trace row `k` at `start` (on PE `pe`, for `duration`; as it was by default)."""
        row = rows[k]
        pe = row.pe if pe is None else pe
        duration = row.finish - row.start if duration is None else duration
        rows_now = trace()
        rows_now[k] = [row.job, row.task, pe, start, start + duration]
        return edited("trace", rows_now)

    late = max(range(instance.num_jobs), key=lambda j: (arrivals[j], j))
    first_start = min(row.start for row in rows if row.job == late)
    broken = [
        ("duration", moved(0, rows[0].start, duration=rows[0].finish - rows[0].start + 1)),
        ("missing task", edited("trace", trace()[1:])),
        ("duplicated task", edited("trace", [*trace(), list(record["trace"][0])])),
        ("application", edited("applications", _replaced(applications, 0, applications[0] + 1))),
        ("start before arrival", edited("arrivals", _replaced(arrivals, late, first_start + 1))),
        ("average_latency", edited("average_latency", record["average_latency"] * (1 + 1e-6) + 1)),
        ("makespan", edited("makespan", record["makespan"] + 1)),
        ("completed_jobs", edited("completed_jobs", record["completed_jobs"] + 1)),
        ("throughput", edited("throughput", record["throughput"] * (1 + 1e-6) + 1)),
    ]
    if late >= instance.initial_jobs:
        broken.append(("early arrival", edited("arrivals", _replaced(arrivals, late, arrivals[late] - 1))))
    jobs = job_applications(instance)
    at = {(row.job, row.task): k for k, row in enumerate(rows)}
    edges = [(at[j, src], at[j, dst], volume) for j, app in enumerate(jobs) for src, dst, volume in app.edges]
    precedence = next(((k, rows[s].finish - 1) for s, k, _ in edges if rows[s].finish > 0), None)
    if precedence is not None:
        broken.append(("precedence", moved(*precedence)))
    delays = ((k, rows[s].finish, instance.platform.comm_time(v, rows[s].pe, rows[k].pe)) for s, k, v in edges)
    delay = next(((k, finish + transfer - 1) for k, finish, transfer in delays if transfer > 0), None)
    if delay is not None:
        broken.append(("communication delay", moved(*delay)))
    overlap = _overlap(instance, rows)
    if overlap is not None:
        broken.append(("PE overlap", moved(*overlap)))
    for k, row in enumerate(rows):
        cannot = np.flatnonzero(instance.platform.pe_times(jobs[row.job].task_types[row.task]) == UNSUPPORTED)
        if len(cannot):
            broken.append(("unsupported PE", moved(k, row.start, pe=int(cannot[0]))))
            break
    return broken


def _overlap(instance: SoCInstance, rows: list[Row]) -> tuple[int, int, int, int] | None:
    """(row, start, PE, duration): a move of a row that takes time onto the start of another
    such row's PE, where it also takes time, or None if no two tasks can overlap."""
    busy = [k for k, row in enumerate(rows) if row.start < row.finish]
    by_pe: dict[int, int] = {}
    for k in busy:
        other = by_pe.setdefault(rows[k].pe, k)
        if other != k:  # two on one PE: the second moves to the first's start
            return k, rows[other].start, rows[k].pe, rows[k].finish - rows[k].start
    # At most one busy row per PE, so this search is over at most P x P pairs.
    for k in busy:
        for other in busy:
            duration = instance.duration(rows[k].job, rows[k].task, rows[other].pe)
            if other != k and duration > 0:
                return k, rows[other].start, rows[other].pe, duration
    return None


def _replaced(values: list[Any], index: int, value: Any) -> list[Any]:
    return [value if i == index else v for i, v in enumerate(values)]
