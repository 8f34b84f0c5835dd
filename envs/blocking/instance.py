"""A blocking job-shop instance: a job-shop instance plus the scenario of its disruptions.

The paper this family follows (Wong et al., 2023/2024) does not publish its parameters, so
these are our choices, each a field: how shutdowns are drawn (`shutdown_prob` per time unit,
repairs uniform in [`min_repair`, `max_repair`]), what an interruption does
(`interrupt_mode`), and whether cyclic waits resolve by swapping (`swap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from schedrl.envs.blocking.shutdowns import ShutdownSchedule
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.errors import InstanceFormatError

INTERRUPT_MODES = ("resume", "restart")


@dataclass(frozen=True, eq=False)
class BlockingJobShopInstance(JobShopInstance):
    """Routes and durations as in the job shop; no buffers between machines.

    `lower_bound` and `upper_bound` keep the classical job shop's bounds where the routes are
    a published benchmark: the classical optimum is only a lower bound of the blocking
    makespan, so `best_known` is None and no gap is computed against it.

    Scenario fields (our choices; the paper's are not public):
    - `shutdown_prob`: probability, at each time unit a machine is up, that it shuts down
      (0 <= p < 1; p > 0 makes the instance stochastic);
    - `min_repair`, `max_repair`: a shutdown lasts a uniform integer number of time units
      in this range;
    - `interrupt_mode`: "resume" (continue with the work left) or "restart" (start over);
    - `swap`: blocked jobs in a cyclic wait all move at once (True) or the env keeps cycles
      from forming (False);
    - `seed`: the shutdowns' randomness.
    """

    shutdown_prob: float = 0.0
    min_repair: int = 1
    max_repair: int = 10
    interrupt_mode: str = "resume"
    swap: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        where = self.source or self.name
        p = self.shutdown_prob
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise InstanceFormatError(f"shutdown_prob must be a number in [0, 1), got {p!r}", source=where)
        for field_name in ("min_repair", "max_repair", "seed"):
            value = getattr(self, field_name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if field_name == "seed" else 1):
                low = 0 if field_name == "seed" else 1
                raise InstanceFormatError(f"{field_name} must be an integer >= {low}, got {value!r}", source=where)
        if self.max_repair < self.min_repair:
            raise InstanceFormatError(
                f"max_repair ({self.max_repair}) must be >= min_repair ({self.min_repair})", source=where
            )
        if self.interrupt_mode not in INTERRUPT_MODES:
            raise InstanceFormatError(
                f"interrupt_mode must be one of {INTERRUPT_MODES}, got {self.interrupt_mode!r}", source=where
            )
        if not isinstance(self.swap, bool):
            raise InstanceFormatError(f"swap must be true or false, got {self.swap!r}", source=where)
        object.__setattr__(self, "shutdown_prob", float(p))

    @property
    def best_known(self) -> None:
        """No reference: a classical job-shop bound is only a lower bound here."""
        return None

    @property
    def stochastic(self) -> bool:
        """Shutdowns come from the seed: best-of-K sampling would keep the luckiest future."""
        return self.shutdown_prob > 0

    @property
    def restart(self) -> bool:
        return self.interrupt_mode == "restart"

    @cached_property
    def shutdowns(self) -> ShutdownSchedule:
        """The instance's shutdowns, the same for every method that schedules it."""
        return ShutdownSchedule(self.seed, self.num_machines, self.shutdown_prob, self.min_repair, self.max_repair)

    @classmethod
    def from_job_shop(cls, instance: JobShopInstance, **scenario: object) -> BlockingJobShopInstance:
        """The same routes and durations under blocking, with the given scenario fields."""
        return cls(
            name=instance.name,
            machines=instance.machines,
            durations=instance.durations,
            lower_bound=instance.lower_bound,
            upper_bound=instance.upper_bound,
            group=instance.group,
            source=instance.source,
            **scenario,  # type: ignore[arg-type]
        )

    def __repr__(self) -> str:
        return (
            f"BlockingJobShopInstance({self.name!r}, {self.num_jobs}x{self.num_machines}, group={self.group!r}, "
            f"p={self.shutdown_prob}, {self.interrupt_mode}, swap={self.swap}, seed={self.seed})"
        )
