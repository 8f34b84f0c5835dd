"""Seeded random job-shop instances in Taillard's style: uniform integer durations and a
random machine order per job."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from schedrl.envs.jobshop.instance import JobShopInstance

from schedrl.errors import ConfigError

SizeSpec = int | tuple[int, int] | list[int]


def _size_range(key: str, value: SizeSpec) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        low = high = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        low, high = int(value[0]), int(value[1])
    else:
        raise ConfigError(f"{key}: expected an int or a [low, high] pair of ints, got {value!r}")
    if not 1 <= low <= high:
        raise ConfigError(f"{key}: need 1 <= low <= high, got {value!r}")
    return low, high


@dataclass(frozen=True)
class JobShopGenerator:
    """Sizes are an int or an inclusive [low, high] range drawn per instance."""

    num_jobs: SizeSpec = 10
    num_machines: SizeSpec = 10
    min_duration: int = 1
    max_duration: int = 99

    def __post_init__(self) -> None:
        _size_range("num_jobs", self.num_jobs)
        _size_range("num_machines", self.num_machines)
        if not 1 <= self.min_duration <= self.max_duration:
            raise ConfigError(
                f"durations: need 1 <= min_duration <= max_duration, got {self.min_duration}, {self.max_duration}"
            )

    @property
    def max_shape(self) -> tuple[int, int]:
        return _size_range("num_jobs", self.num_jobs)[1], _size_range("num_machines", self.num_machines)[1]

    def sample(self, rng: np.random.Generator, name: str = "generated") -> JobShopInstance:
        jobs_low, jobs_high = _size_range("num_jobs", self.num_jobs)
        machines_low, machines_high = _size_range("num_machines", self.num_machines)
        n = int(rng.integers(jobs_low, jobs_high + 1))
        m = int(rng.integers(machines_low, machines_high + 1))
        durations = rng.integers(self.min_duration, self.max_duration + 1, size=(n, m))
        machines = rng.permuted(np.tile(np.arange(m), (n, 1)), axis=1)
        return JobShopInstance(name=name, machines=machines, durations=durations, group=f"generated_{n}x{m}")

    def sample_set(self, count: int, seed: int) -> list[JobShopInstance]:
        """A reproducible evaluation set: the same (generator, count, seed) gives the same list."""
        if count < 1:
            raise ConfigError(f"count must be >= 1, got {count}")
        rng = np.random.default_rng(seed)
        return [self.sample(rng, name=f"gen_s{seed}_{index:04d}") for index in range(count)]
