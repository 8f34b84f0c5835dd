"""Seeded random blocking instances: Taillard-style routes and durations (the job shop's
generator) under a scenario drawn per instance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.blocking.instance import INTERRUPT_MODES, BlockingJobShopInstance
from schedrl.envs.core.generation import SetGenerator
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.errors import ConfigError, InstanceFormatError

ProbabilitySpec = float | list[float] | tuple[float, ...]


@dataclass(frozen=True)
class BlockingGenerator(JobShopGenerator):
    """The job shop's size and duration fields, plus the scenario. `shutdown_prob` is one
    value or a list drawn from uniformly per instance (training over a range of p); each
    instance gets its own shutdown seed from the generator's stream."""

    kind: ClassVar[str] = "blocking job-shop"
    shutdown_prob: ProbabilitySpec = 0.0
    min_repair: int = 1
    max_repair: int = 10
    interrupt_mode: str = "resume"
    swap: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        values = self.probabilities
        if not values or not all(
            isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p < 1 for p in values
        ):
            raise ConfigError(
                f"shutdown_prob: expected a number in [0, 1) or a list of them, got {self.shutdown_prob!r}"
            )
        if self.interrupt_mode not in INTERRUPT_MODES:
            raise ConfigError(f"interrupt_mode: expected one of {INTERRUPT_MODES}, got {self.interrupt_mode!r}")
        self._scenario(0.0, 0)  # the instance's own checks (repair range, swap), named by field

    @property
    def probabilities(self) -> list[float]:
        value = self.shutdown_prob
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def _scenario(self, p: float, seed: int) -> dict[str, object]:
        scenario = {
            "shutdown_prob": float(p),
            "min_repair": self.min_repair,
            "max_repair": self.max_repair,
            "interrupt_mode": self.interrupt_mode,
            "swap": self.swap,
            "seed": seed,
        }
        probe = np.zeros((1, 1), dtype=np.int64)
        try:
            BlockingJobShopInstance(name="generator", machines=probe, durations=probe, **scenario)  # type: ignore[arg-type]
        except InstanceFormatError as error:
            raise ConfigError(str(error)) from None
        return scenario

    def sample(self, rng: np.random.Generator, name: str = "generated") -> BlockingJobShopInstance:
        shop = super().sample(rng, name)
        p = self.probabilities[int(rng.integers(len(self.probabilities)))]
        return BlockingJobShopInstance.from_job_shop(
            shop, shutdown_prob=float(p), min_repair=self.min_repair, max_repair=self.max_repair,
            interrupt_mode=self.interrupt_mode, swap=self.swap, seed=int(rng.integers(2**31)),
        )  # fmt: skip


generate_set = SetGenerator(BlockingGenerator)
