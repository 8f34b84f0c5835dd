"""The stream's figures from a trace: what the env reports at the end of an episode and
the whole-DAG solvers report for their schedules (the validator recomputes them on its own)."""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.soc.instance import SoCInstance


def stream_metrics(
    instance: SoCInstance, arrivals: list[int], applications: list[int], trace: list[list[int]]
) -> dict[str, Any]:
    """The solution record: the stream (`applications`, `arrivals`), the `trace` of
    [job, task, pe, start, finish], the mean latency of the jobs after the warm-up, the
    makespan, and the throughput in jobs per millisecond."""
    rows = np.asarray(trace, dtype=np.int64).reshape(-1, 5)
    completion = np.full(instance.num_jobs, -1, dtype=np.int64)
    np.maximum.at(completion, rows[:, 0], rows[:, 4])
    latency = completion - np.asarray(arrivals, dtype=np.int64)
    makespan = int(completion.max())
    return {
        "applications": [int(a) for a in applications],
        "arrivals": [int(a) for a in arrivals],
        "trace": [[int(v) for v in row] for row in trace],
        "average_latency": float(latency[instance.warmup_jobs :].mean()),
        "makespan": makespan,
        "completed_jobs": instance.num_jobs,
        "throughput": 1000.0 * instance.num_jobs / makespan if makespan else 0.0,
    }
