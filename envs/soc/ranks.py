"""Per-task statistics of an application on a platform, as the list-scheduling literature
defines them (Topcuoglu et al., IEEE TPDS 2002): mean execution cost over the PEs that can
run a task, mean communication cost over distinct PE pairs, and the upward and downward
ranks built on them. HEFT, CPOP, HEFT_RT and the env's features all read them from here."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from schedrl.envs.soc.instance import UNSUPPORTED, Application, Platform


@dataclass(frozen=True)
class TaskStatistics:
    """Arrays over an application's tasks (P = the platform's PEs)."""

    times: np.ndarray  # [T, P] mean execution time, UNSUPPORTED where the PE cannot run it
    supported: np.ndarray  # [T, P] bool
    mean_exec: np.ndarray  # [T] over the supporting PEs
    min_exec: np.ndarray  # [T]
    upward_rank: np.ndarray  # [T] mean_exec + max over successors of (mean comm + their rank)
    downward_rank: np.ndarray  # [T] longest mean-cost path from an entry task to the task's start


def mean_comm_cost(platform: Platform, volume: int) -> float:
    """int(volume / bandwidth) averaged over ordered pairs of distinct PEs (the one PE's self
    link on a one-PE platform): the cost of an edge before its ends are placed."""
    bandwidth = np.asarray(platform.bandwidth, dtype=np.int64)
    if platform.num_pes == 1:
        return float(volume // bandwidth[0, 0])
    off_diagonal = bandwidth[~np.eye(platform.num_pes, dtype=bool)]
    return float(np.mean(volume // off_diagonal))


@functools.lru_cache(maxsize=256)
def task_statistics(platform: Platform, application: Application) -> TaskStatistics:
    times = np.stack([platform.pe_times(task_type) for task_type in application.task_types])
    supported = times != UNSUPPORTED
    masked = np.where(supported, times, 0).astype(float)
    mean_exec = masked.sum(axis=1) / supported.sum(axis=1)
    min_exec = np.where(supported, times, np.iinfo(np.int64).max).min(axis=1).astype(float)
    comm = {(src, dst): mean_comm_cost(platform, volume) for src, dst, volume in application.edges}
    upward = np.zeros(application.num_tasks)
    for task in reversed(application.topological_order):
        tail = max((comm[task, succ] + upward[succ] for succ, _ in application.successors[task]), default=0.0)
        upward[task] = mean_exec[task] + tail
    downward = np.zeros(application.num_tasks)
    for task in application.topological_order:
        downward[task] = max(
            (downward[pred] + mean_exec[pred] + comm[pred, task] for pred, _ in application.predecessors[task]),
            default=0.0,
        )
    for array in (times, supported, mean_exec, min_exec, upward, downward):
        array.flags.writeable = False
    return TaskStatistics(times, supported, mean_exec, min_exec, upward, downward)
