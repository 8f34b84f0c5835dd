"""Seeded SoC streams: a named workload (platform and application mix) under a scenario
(injection scale, execution-time noise, job count), with the seed of its stream."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.core.generation import check_drawn, draw_value, drawn_values, seeded_set
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.soc.instance import SoCInstance
from schedrl.envs.soc.workloads import WORKLOADS, load_workload
from schedrl.errors import ConfigError, InstanceFormatError, UnknownNameError

# Settings of every value a list field may hold, and of the single-valued fields.
_DRAWN = {
    "scale": Setting("scale", float, 0.0, low_open=True),
    "noise": Setting("noise", float, 0.0, 1.0),
    "max_jobs_in_parallel": Setting("max_jobs_in_parallel", int, 1),
}
_FIXED = {
    "num_jobs": Setting("num_jobs", int, 1),
    "warmup_jobs": Setting("warmup_jobs", int, 0),
    "pseudo_steady_state": Setting("pseudo_steady_state", bool),
}


@dataclass(frozen=True)
class StreamGenerator:
    """`workload`, `scale` (mean µs between injections), `noise` (std of an execution
    time as a fraction of its mean) and `max_jobs_in_parallel` are one value or a list
    drawn from per instance. With `pseudo_steady_state` (DS3Gym's default)
    `max_jobs_in_parallel` jobs (at most `num_jobs`) are in flight at t = 0; otherwise the
    stream starts with one. Instances are named after their group (workload and noise), so
    sets of several workloads from one seed stay apart."""

    kind: ClassVar[str] = "SoC stream"
    workload: str | list[str] = "canonical"
    scale: float | list[float] = 50.0
    noise: float | list[float] = 0.0
    num_jobs: int = 20
    max_jobs_in_parallel: int | list[int] = 3
    warmup_jobs: int = 0
    pseudo_steady_state: bool = True

    def __post_init__(self) -> None:
        for name in drawn_values("workload", self.workload):
            if not isinstance(name, str) or name not in WORKLOADS:
                raise UnknownNameError("SoC workload", str(name), WORKLOADS)
        check_settings({key: getattr(self, key) for key in _FIXED}, _FIXED.values(), prefix="generator")
        check_drawn(self, _DRAWN.values())
        # The instance checks what spans fields (warm-up below the job count, noise below 1):
        # one per listed value, so that a bad value late in a list fails here and not when an
        # episode draws it.
        workload = drawn_values("workload", self.workload)[0]
        for key, keyword in (("scale", "scale"), ("noise", "noise"), ("max_jobs_in_parallel", "cap")):
            for value in drawn_values(key, getattr(self, key)):
                try:
                    self.build("generated", workload, 0, **{keyword: value})
                except InstanceFormatError as error:
                    raise ConfigError(f"generator: {error}") from None

    def build(
        self,
        name: str,
        workload: str,
        seed: int,
        scale: float | None = None,
        noise: float | None = None,
        cap: int | None = None,
    ) -> SoCInstance:
        """An instance of `workload`; a scenario value not given is the first of its list."""
        platform, applications, probabilities = load_workload(workload)
        noise = float(drawn_values("noise", self.noise)[0] if noise is None else noise)
        cap = int(drawn_values("max_jobs_in_parallel", self.max_jobs_in_parallel)[0] if cap is None else cap)
        return SoCInstance(
            name=name,
            platform=platform,
            applications=applications,
            probabilities=probabilities,
            num_jobs=self.num_jobs,
            scale=float(drawn_values("scale", self.scale)[0] if scale is None else scale),
            max_jobs_in_parallel=cap,
            warmup_jobs=self.warmup_jobs,
            initial_jobs=min(cap, self.num_jobs) if self.pseudo_steady_state else 1,
            noise=noise,
            seed=seed,
            group=workload + (f"_noise{noise:g}" if noise else ""),
            workload=workload,
        )

    def sample(self, rng: np.random.Generator, name: str) -> SoCInstance:
        keys = ("workload", "scale", "noise", "max_jobs_in_parallel")
        workload, scale, noise, cap = (draw_value(rng, key, getattr(self, key)) for key in keys)
        instance = self.build(name, workload, int(rng.integers(2**31)), scale, noise, cap)
        return dataclasses.replace(instance, name=f"{instance.group}_{name}")

    def sample_set(self, count: int, seed: int) -> list[SoCInstance]:
        return seeded_set(self.sample, count, seed)

    def largest(self) -> list[SoCInstance]:
        """One instance per workload it draws from: together they size the env's envelope."""
        caps = drawn_values("max_jobs_in_parallel", self.max_jobs_in_parallel)
        return [self.build(name, name, 0, cap=max(caps)) for name in drawn_values("workload", self.workload)]
