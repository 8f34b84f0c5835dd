"""A SoC scheduling instance: a platform of processing elements (PEs), the application DAGs
that may arrive, and the stream scenario (arrival rate, job mix, noise, job count, seed).

Times are integer microseconds, as in DS3. The stream's randomness (which application each
job is, the gaps between injections, the execution-time noise) is drawn from the
instance's `seed` by `realisation()`, so every method meets the same jobs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from schedrl.errors import InstanceFormatError

UNSUPPORTED = -1  # an exec_table entry: the PE type cannot run the task type
#: The largest time, volume or bandwidth schedrl takes: sums of them stay inside int64.
LARGEST = 2**62


@dataclass(frozen=True, eq=False)
class Application:
    """One job DAG. Task i runs functionality `task_types[i]`; `edges` are (src, dst, volume)
    with volume in DS3's units (bits): the transfer takes int(volume / bandwidth) µs."""

    name: str
    task_types: tuple[str, ...]
    edges: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        where = f"application {self.name!r}"
        if not self.task_types:
            raise InstanceFormatError(f"{where}: task_types is empty; a job needs at least one task")
        n = len(self.task_types)
        seen: set[tuple[int, int]] = set()
        for k, (src, dst, volume) in enumerate(self.edges):
            if not (0 <= src < n and 0 <= dst < n):
                raise InstanceFormatError(f"{where}: edges[{k}] = {(src, dst)} names a task outside 0..{n - 1}")
            if src == dst:
                raise InstanceFormatError(f"{where}: edges[{k}] is a self-loop on task {src}")
            if (src, dst) in seen:
                raise InstanceFormatError(f"{where}: edges[{k}] repeats the edge {src} -> {dst}")
            if volume < 0:
                raise InstanceFormatError(f"{where}: edges[{k}] has a negative volume {volume}")
            seen.add((src, dst))
        if len(self.topological_order) < n:
            raise InstanceFormatError(f"{where}: the precedence edges form a cycle")

    @property
    def num_tasks(self) -> int:
        return len(self.task_types)

    @functools.cached_property
    def predecessors(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per task: (predecessor, volume) pairs."""
        preds: list[list[tuple[int, int]]] = [[] for _ in self.task_types]
        for src, dst, volume in self.edges:
            preds[dst].append((src, volume))
        return tuple(tuple(p) for p in preds)

    @functools.cached_property
    def successors(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per task: (successor, volume) pairs."""
        succs: list[list[tuple[int, int]]] = [[] for _ in self.task_types]
        for src, dst, volume in self.edges:
            succs[src].append((dst, volume))
        return tuple(tuple(s) for s in succs)

    @functools.cached_property
    def predecessor_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The edges grouped by their head, for vector code: task i's predecessors are
        `source[start[i]:start[i + 1]]`, with volumes `volume[...]` (CSR layout)."""
        order = sorted(range(len(self.edges)), key=lambda k: self.edges[k][1])
        heads = np.array([self.edges[k][1] for k in order], dtype=np.int64)
        start = np.searchsorted(heads, np.arange(self.num_tasks + 1)).astype(np.int64)
        source = np.array([self.edges[k][0] for k in order], dtype=np.int64)
        volume = np.array([self.edges[k][2] for k in order], dtype=np.int64)
        return start, source, volume

    @functools.cached_property
    def topological_order(self) -> tuple[int, ...]:
        """Kahn's order, smallest index first (shorter than num_tasks on a cycle)."""
        indegree = [len(p) for p in self.predecessors]
        order: list[int] = []
        ready = [i for i, d in enumerate(indegree) if d == 0]
        while ready:
            ready.sort(reverse=True)
            task = ready.pop()
            order.append(task)
            for succ, _ in self.successors[task]:
                indegree[succ] -= 1
                if indegree[succ] == 0:
                    ready.append(succ)
        return tuple(order)


@dataclass(frozen=True, eq=False)
class Platform:
    """PEs (cores, after DS3's expansion of a cluster's capacity) grouped into PE types.

    - `pe_names[p]`, `pe_type[p]`: a PE's name and the index of its type in `type_names`;
    - `exec_table[task_type]`: mean execution time (µs) of that functionality on each PE
      type, `UNSUPPORTED` where the type cannot run it;
    - `bandwidth[p][q]`: PE p to PE q, the diagonal is the self bandwidth; a transfer of
      volume v takes int(v / bandwidth) µs (DS3).
    """

    name: str
    type_names: tuple[str, ...]
    pe_names: tuple[str, ...]
    pe_type: tuple[int, ...]
    exec_table: dict[str, tuple[int, ...]]
    bandwidth: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        where = f"platform {self.name!r}"
        if not self.pe_names:
            raise InstanceFormatError(f"{where}: no processing elements")
        if len(self.pe_type) != len(self.pe_names):
            raise InstanceFormatError(f"{where}: pe_type has {len(self.pe_type)} entries for {self.num_pes} PEs")
        for p, t in enumerate(self.pe_type):
            if not 0 <= t < len(self.type_names):
                raise InstanceFormatError(
                    f"{where}: pe_type[{p}] = {t} is not a type index (0..{len(self.type_names) - 1})"
                )
        for task_type, row in self.exec_table.items():
            if len(row) != len(self.type_names):
                raise InstanceFormatError(
                    f"{where}: exec_table[{task_type!r}] has {len(row)} entries for {len(self.type_names)} PE types"
                )
            if any(t < 0 and t != UNSUPPORTED for t in row):
                raise InstanceFormatError(f"{where}: exec_table[{task_type!r}] has a negative time {row}")
            if all(row[t] == UNSUPPORTED for t in self.pe_type):
                raise InstanceFormatError(f"{where}: no PE runs {task_type!r}")
        if len(self.bandwidth) != self.num_pes or any(len(row) != self.num_pes for row in self.bandwidth):
            raise InstanceFormatError(f"{where}: bandwidth must be {self.num_pes} x {self.num_pes}")
        for p, row in enumerate(self.bandwidth):
            for q, b in enumerate(row):
                if b <= 0:
                    raise InstanceFormatError(f"{where}: bandwidth[{p}][{q}] = {b}; bandwidths must be positive")

    @property
    def num_pes(self) -> int:
        return len(self.pe_names)

    def pe_times(self, task_type: str) -> np.ndarray:
        """[P] mean execution time of `task_type` on each PE (UNSUPPORTED where it cannot run)."""
        return _pe_times(self, task_type)

    def comm_time(self, volume: int, src_pe: int, dst_pe: int) -> int:
        return int(volume / self.bandwidth[src_pe][dst_pe])


@functools.lru_cache(maxsize=4096)
def _pe_times(platform: Platform, task_type: str) -> np.ndarray:
    if task_type not in platform.exec_table:
        raise InstanceFormatError(f"platform {platform.name!r} has no execution times for {task_type!r}")
    times = np.asarray(platform.exec_table[task_type], dtype=np.int64)[np.asarray(platform.pe_type)]
    times.flags.writeable = False
    return times


def noisy_duration(mean: int, noise: float, z: float) -> int:
    """DS3's randomised execution time: max(round(N(mean, noise·mean)), 1), with the standard
    normal draw z pre-sampled per task; a zero-time (dummy) task stays at zero."""
    if mean == 0 or noise == 0.0:
        return mean
    return max(round(mean * (1.0 + noise * z)), 1)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True)
class Realisation:
    """The stream drawn from an instance's seed.

    - `applications[j]`: index of job j's application;
    - `gaps[j]`: µs from job j's injection to the earliest injection of job j + 1
      (DS3's int(expovariate(1 / scale)));
    - `z[j][i]`: the standard normal draw of job j's task i's execution-time noise.
    """

    applications: np.ndarray
    gaps: np.ndarray
    z: np.ndarray


@dataclass(frozen=True, eq=False)
class SoCInstance:
    """Jobs drawn from `applications` with `probabilities` are injected on `platform`.

    The first `initial_jobs` jobs (DS3Gym's pseudo-steady state; at least one) are injected
    at t = 0; job j + 1 is injected `gaps[j]` µs after job j, or, when `max_jobs_in_parallel`
    jobs are then in the system, at the moment one of them completes. The episode ends once
    `num_jobs` jobs have completed; the first `warmup_jobs` are left out of the metrics.
    A single job (`num_jobs` = 1) arrives at t = 0: its latency is its makespan.
    """

    name: str
    platform: Platform
    applications: tuple[Application, ...]
    probabilities: tuple[float, ...] = (1.0,)
    num_jobs: int = 1
    scale: float = 100.0  # mean µs between injections
    max_jobs_in_parallel: int = 1
    warmup_jobs: int = 0
    initial_jobs: int = 1
    noise: float = 0.0  # std of the execution time, as a fraction of its mean
    seed: int = 0
    group: str = ""
    best_known: float | None = None
    workload: str = ""  # the named workload it came from, if any

    def __post_init__(self) -> None:
        where = f"SoC instance {self.name!r}"

        def fail(message: str) -> None:
            raise InstanceFormatError(f"{where}: {message}")

        if not self.applications:
            fail("applications is empty")
        if len(self.probabilities) != len(self.applications):
            fail(f"probabilities has {len(self.probabilities)} entries for {len(self.applications)} applications")
        if any(not p >= 0 for p in self.probabilities) or not abs(sum(self.probabilities) - 1.0) < 1e-6:
            fail(f"probabilities must be >= 0 and sum to 1, got {list(self.probabilities)}")
        for name, value in (("num_jobs", self.num_jobs), ("max_jobs_in_parallel", self.max_jobs_in_parallel)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                fail(f"{name} must be an integer >= 1, got {value!r}")
        cap = self.max_jobs_in_parallel
        if not isinstance(self.initial_jobs, int | np.integer) or not 1 <= self.initial_jobs <= cap:
            fail(f"initial_jobs must be an integer in 1..max_jobs_in_parallel ({cap}), got {self.initial_jobs!r}")
        if not isinstance(self.warmup_jobs, int | np.integer) or not 0 <= self.warmup_jobs < self.num_jobs:
            fail(f"warmup_jobs must be an integer in 0..num_jobs - 1 ({self.num_jobs - 1}), got {self.warmup_jobs!r}")
        if not self.initial_jobs <= self.num_jobs:
            fail(f"initial_jobs ({self.initial_jobs}) cannot exceed num_jobs ({self.num_jobs})")
        if not _is_number(self.scale) or not self.scale > 0 or not np.isfinite(self.scale):
            fail(f"scale (mean µs between injections) must be a positive number, got {self.scale!r}")
        if not _is_number(self.noise) or not 0.0 <= self.noise < 1.0:
            fail(f"noise (std as a fraction of the mean) must be a number in [0, 1), got {self.noise!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) or self.seed < 0:
            fail(f"seed must be an integer >= 0, got {self.seed!r}")
        for app in self.applications:
            for task_type in app.task_types:
                if task_type not in self.platform.exec_table:
                    fail(
                        f"application {app.name!r} has task type {task_type!r}, which platform "
                        f"{self.platform.name!r} does not list"
                    )

    @property
    def stochastic(self) -> bool:
        """Arrivals, the job mix or noise come from the seed."""
        return self.num_jobs > 1 or self.noise > 0.0

    @property
    def max_tasks(self) -> int:
        """Tasks of the largest application: the size of a job slot."""
        return max(app.num_tasks for app in self.applications)

    @property
    def total_tasks(self) -> int:
        """Tasks of every job of the stream: the rows of a complete trace."""
        return sum(self.applications[a].num_tasks for a in self.realisation().applications.tolist())

    def realisation(self) -> Realisation:
        """The stream drawn from `seed`."""
        return self._stream

    @functools.cached_property
    def _stream(self) -> Realisation:
        """Computed once; not a field, so an instance's content (and digest) is the same
        before and after the stream is drawn."""
        rng = np.random.default_rng(self.seed)
        apps = rng.choice(len(self.applications), size=self.num_jobs, p=np.asarray(self.probabilities))
        gaps = np.floor(rng.exponential(self.scale, size=self.num_jobs)).astype(np.int64)
        z = rng.standard_normal((self.num_jobs, self.max_tasks))
        return Realisation(apps.astype(np.int64), gaps, z)

    def duration(self, job: int, task: int, pe: int) -> int:
        """Job `job`'s task `task` on PE `pe`, noise included (UNSUPPORTED where it cannot run)."""
        draw = self.realisation()
        app = self.applications[int(draw.applications[job])]
        mean = int(self.platform.pe_times(app.task_types[task])[pe])
        return UNSUPPORTED if mean == UNSUPPORTED else noisy_duration(mean, self.noise, float(draw.z[job, task]))
