"""Broken copies of a valid blocking job-shop record, one per constraint the validator checks.

The family contract test feeds each copy to the validator and expects a rejection, so a check
that stopped working would fail a test instead of passing bad schedules silently.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from schedrl.envs.blocking.instance import BlockingJobShopInstance


def perturbations(instance: BlockingJobShopInstance, record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(constraint, broken record) pairs; needs at least 2 jobs and 2 machines.

    Those that need an op with positive duration, or a shutdown before the makespan, are left
    out where the instance or the record has none.
    """
    machines, m = instance.machines, instance.num_machines
    start, finish, leave, makespan = record["start"], record["finish"], record["leave"], record["makespan"]

    def edited(**changes: tuple[int, int, int]) -> dict[str, Any]:
        broken = copy.deepcopy(record)
        for key, (j, k, value) in changes.items():
            broken[key][j][k] = value
        return broken

    fake_event = {"time": makespan + 1, "jobs": [0, 1]}  # nothing moves after the makespan
    late_down = [[*record["downtime"][0], [makespan, makespan + 1]], *record["downtime"][1:]]
    broken = [
        ("leave-start link", edited(start=(0, 1, leave[0][0] + 1))),
        ("last op leaves at its finish", edited(leave=(0, m - 1, finish[0][m - 1] + 1))),
        ("negative start", edited(start=(0, 0, -1))),
        ("reported makespan", {**record, "makespan": makespan + 1}),
        ("blocking_time", {**record, "blocking_time": record["blocking_time"] + 1}),
        ("interruptions", {**record, "interruptions": record["interruptions"] + 1}),
        ("swaps count", {**record, "swaps": record["swaps"] + 1}),
        ("fake swap event", {**record, "swap_events": [*record["swap_events"], fake_event]}),
        ("downtime", {**record, "downtime": late_down}),
        ("one row per job", {**record, "start": start[:-1]}),
    ]
    positive = np.argwhere(instance.durations > 0)
    if len(positive):
        j, k = map(int, positive[0])
        other = 1 if j == 0 else 0
        other_op = int(np.flatnonzero(machines[other] == machines[j, k])[0])
        stay = {key: (other, other_op, record[key][j][k]) for key in ("start", "finish", "leave")}
        broken.append(("finish too early", edited(finish=(j, k, finish[j][k] - 1))))
        broken.append(("machine capacity", edited(**stay)))  # the other job's op takes this one's time slot
    down = [(i, begin, end) for i, intervals in enumerate(record["downtime"]) for begin, end in intervals]
    if down:
        i, begin, _ = down[0]
        broken.append(("enter a down machine", edited(start=(0, int(np.flatnonzero(machines[0] == i)[0]), begin))))
    interrupted = [
        (j, k)
        for j, k in np.ndindex(*instance.shape)
        if any(start[j][k] < begin < finish[j][k] for begin, _ in record["downtime"][machines[j, k]])
    ]
    if interrupted:
        j, k = interrupted[0]
        no_downtime = start[j][k] + int(instance.durations[j, k])  # as if it were processed through the shutdown
        broken.append(("processing during downtime", edited(finish=(j, k, no_downtime))))
    return broken
