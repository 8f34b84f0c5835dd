"""Seeded random job-shop instances in Taillard's style: uniform integer durations and a
random machine order per job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.core.generation import SetGenerator, seeded_set
from schedrl.envs.core.instances import size_range
from schedrl.envs.jobshop.instance import MAX_TOTAL_DURATION, JobShopInstance
from schedrl.errors import ConfigError

SizeSpec = int | tuple[int, int] | list[int]


@dataclass(frozen=True)
class JobShopGenerator:
    """Sizes are an int or an inclusive [low, high] range drawn per instance."""

    kind: ClassVar[str] = "job-shop"
    num_jobs: SizeSpec = 10
    num_machines: SizeSpec = 10
    min_duration: int = 1
    max_duration: int = 99

    def __post_init__(self) -> None:
        size_range("num_jobs", self.num_jobs)
        size_range("num_machines", self.num_machines)
        bounds = (self.min_duration, self.max_duration)
        if not all(isinstance(b, (int, np.integer)) and not isinstance(b, bool) for b in bounds):
            raise ConfigError(f"durations: min_duration and max_duration must be integers, got {bounds}")
        if not 1 <= self.min_duration <= self.max_duration:
            raise ConfigError(
                f"durations: need 1 <= min_duration <= max_duration, got {self.min_duration}, {self.max_duration}"
            )
        jobs, machines = self.max_shape
        if jobs * machines * int(self.max_duration) > MAX_TOTAL_DURATION:  # every draw must be a valid instance
            raise ConfigError(
                f"durations: max_duration {self.max_duration} over {jobs}x{machines} operations could exceed an "
                f"instance's total work limit 2**40 = {MAX_TOTAL_DURATION} (MAX_TOTAL_DURATION)"
            )

    @property
    def max_shape(self) -> tuple[int, int]:
        return size_range("num_jobs", self.num_jobs)[1], size_range("num_machines", self.num_machines)[1]

    def sample(self, rng: np.random.Generator, name: str = "generated") -> JobShopInstance:
        jobs_low, jobs_high = size_range("num_jobs", self.num_jobs)
        machines_low, machines_high = size_range("num_machines", self.num_machines)
        n = int(rng.integers(jobs_low, jobs_high + 1))
        m = int(rng.integers(machines_low, machines_high + 1))
        durations = rng.integers(self.min_duration, self.max_duration + 1, size=(n, m))
        machines = rng.permuted(np.tile(np.arange(m), (n, 1)), axis=1)
        return JobShopInstance(name=name, machines=machines, durations=durations, group=f"generated_{n}x{m}")

    def sample_set(self, count: int, seed: int) -> list[JobShopInstance]:
        return seeded_set(self.sample, count, seed)


generate_set = SetGenerator(JobShopGenerator)
