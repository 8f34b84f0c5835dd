"""SB3 callbacks of a training run: logging, guards, budgets, signals, validation and checkpoints."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, cast

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from stable_baselines3.common.callbacks import BaseCallback

from schedrl.agents.checkpoint import GAP_KEY, save_checkpoint
from schedrl.agents.inference import LearnedPolicy
from schedrl.agents.sb3_policy import GraphActorCriticPolicy
from schedrl.errors import SchedRLError
from schedrl.networks import GraphPolicyNetwork


class ObjectiveLogger(BaseCallback):
    """Logs the mean episode objective of each rollout."""

    def __init__(self, objective: str):
        super().__init__()
        self.objective = objective
        self.values: list[float] = []
        self.latest: float | None = None  # the last rollout's mean, for the live display

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
            if done and self.objective in info:
                self.values.append(float(info[self.objective]))
        return True

    def _on_rollout_end(self) -> None:
        if self.values:
            self.latest = float(np.mean(self.values))
            self.logger.record(f"rollout/{self.objective}_mean", self.latest)
            self.values = []


class TrainingDivergedError(SchedRLError):
    """The policy's parameters or losses became NaN or infinite."""


class DivergenceGuard(BaseCallback):
    """Stops at the first non-finite parameter or loss, before anything is validated or
    checkpointed with it: the last checkpoint on disk stays the last good one."""

    def __init__(self, run_dir: Path):
        super().__init__()
        self.run_dir = run_dir

    def _on_step(self) -> bool:
        return True

    def _on_rollout_start(self) -> None:  # right after each PPO update
        # Losses only: explained_variance is NaN, harmlessly, whenever the returns are all equal.
        losses = {k: v for k, v in self.logger.name_to_value.items() if k.startswith("train/") and "loss" in k}
        bad_loss = [key for key, value in losses.items() if not np.isfinite(value)]
        bad_parameter = [name for name, p in self.model.policy.named_parameters() if not torch.isfinite(p).all()]
        if bad_loss or bad_parameter:
            last = self.run_dir / "checkpoints" / "last"
            saved = any(last.parent.glob(f"{last.name}*"))  # also a save cut short, which loading recovers
            kept = f"the last good checkpoint is {last}" if saved else "no checkpoint had been written yet"
            raise TrainingDivergedError(
                f"training diverged at step {self.num_timesteps}: non-finite "
                f"{', '.join(bad_loss + bad_parameter[:3])}; stopped, {kept}. Lower agent.learning_rate or "
                "agent.max_grad_norm, or check the reward scale"
            )


class ResourceMonitor(BaseCallback):
    """Logs this process's resident memory, open files and the temp-dir entry count each
    rollout, so long runs show leaks as trends in the logs."""

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        import psutil

        process = psutil.Process()
        self.logger.record("system/rss_mb", process.memory_info().rss / 2**20)
        self.logger.record("system/open_files", len(process.open_files()))
        self.logger.record("system/tmp_entries", len(os.listdir(tempfile.gettempdir())))


class WallClockLimit(BaseCallback):
    """Stops training after `minutes` (a compute budget); the final checkpoint is still written."""

    def __init__(self, minutes: float):
        super().__init__()
        self.seconds = 60.0 * minutes
        self.started = 0.0

    def _on_training_start(self) -> None:
        self.started = time.monotonic()

    def _on_step(self) -> bool:
        return time.monotonic() - self.started < self.seconds


class StopOnSignal(BaseCallback):
    """SIGINT or SIGTERM (Ctrl-C, `kill`, a cluster's preemption notice) ends training at
    the next step; the final checkpoint is then written as at any end, so nothing is lost.
    A second signal interrupts at once (the checkpoint on disk stays the previous one)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        super().__init__()
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signum

    def _on_training_start(self) -> None:
        if threading.current_thread() is threading.main_thread():  # Python delivers signals there only
            self._previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}

    def _on_step(self) -> bool:
        return self.received is None

    def _on_training_end(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class ValidationCallback(BaseCallback):
    """Greedy validation every `every` steps; keeps `best/` and `last/` checkpoints. With
    `validate_at_start`, a new run's starting policy (fine-tuned or warm-started) is validated
    at step 0 too: its curve starts where it began, and `best/` is the start if PPO only makes
    it worse."""

    def __init__(
        self,
        every: int,
        instances: list[Any],
        best_rule_objective: float,
        run_dir: Path,
        metadata: dict[str, Any],
        config: dict[str, Any],
        best_gap: float = float("inf"),  # a resumed run's best so far
        validate_at_start: bool = False,
    ):
        super().__init__()
        self.every = every
        self.instances = instances
        self.best_rule_objective = best_rule_objective
        self.run_dir = run_dir
        self.metadata = metadata
        self.config = config
        self.best_gap = best_gap
        self.last_gap: float | None = None
        self.validated_at = -1  # the step of the last validation
        self._next = every
        self.validate_at_start = validate_at_start

    @property
    def network(self) -> GraphPolicyNetwork:
        return cast(GraphActorCriticPolicy, self.model.policy).network

    def validate(self) -> float:
        learned = LearnedPolicy(self.network, self.metadata["env_id"], self.metadata["env_kwargs"])
        was_training = learned.network.training
        learned.network.eval()
        infos = learned.rollouts(self.instances, greedy=True)  # the same reset seed as the rules'
        learned.network.train(was_training)
        objective = learned.family.objective
        mean = float(np.mean([info[objective.key] for info in infos]))
        gap = objective.relative(mean, self.best_rule_objective)
        self.logger.record(f"validation/{objective.key}_mean", mean)
        self.logger.record("validation/gap_to_best_rule_percent", gap)
        return gap

    def save(self, name: str, gap: float, with_trainer: bool) -> None:
        metadata = {
            **self.metadata,
            "training_steps": int(self.num_timesteps),
            GAP_KEY: gap,
        }
        saver = self.model.save if with_trainer else None
        save_checkpoint(self.run_dir / "checkpoints" / name, self.network, metadata, self.config, saver)

    def _on_training_start(self) -> None:
        # On the same grid of steps as before an interruption; the resumed step was just checkpointed.
        self._next = (self.num_timesteps // self.every + 1) * self.every
        self.validated_at = self.num_timesteps if self.num_timesteps else -1
        if self.validate_at_start and self.num_timesteps == 0:
            self.checkpoint()
            self.logger.record("time/total_timesteps", 0)
            self.logger.dump(step=0)

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self._next += self.every
            self.checkpoint()
        return True

    def checkpoint(self) -> None:
        self.validated_at = self.num_timesteps
        gap = self.validate()
        self.last_gap = gap
        if gap < self.best_gap:
            self.best_gap = gap
            self.save("best", gap, with_trainer=False)
        self.save("last", gap, with_trainer=True)

    def _on_training_end(self) -> None:
        if self.validated_at != self.num_timesteps:  # the last periodic check may be at this step
            self.checkpoint()


class LiveProgress(BaseCallback):
    """A progress bar with the live rollout objective and validation gap, and one printed line
    per validation, so a long run shows whether it learns without opening TensorBoard (on a
    terminal that is not interactive, a log file say, only the lines are printed)."""

    def __init__(self, total_timesteps: int, objective: ObjectiveLogger, validator: ValidationCallback, rule: str):
        super().__init__()
        self.total_timesteps = total_timesteps
        self.objective, self.validator, self.rule = objective, validator, rule
        console = Console()
        self.progress = Progress(
            TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(), TextColumn("<"), TimeRemainingColumn(), console=console,
            disable=not console.is_terminal,  # a log file gets the lines, not a bar's last frame
        )  # fmt: skip
        self.task = self.progress.add_task("training", total=total_timesteps, status="")
        self._reported_at = -1

    def status(self) -> str:
        parts = []
        if self.objective.latest is not None:
            parts.append(f"{self.objective.objective} {self.objective.latest:.4g}")
        if self.validator.last_gap is not None:
            parts.append(f"gap {self.validator.last_gap:+.2f}% (best {self.validator.best_gap:+.2f}%)")
        return ", ".join(parts)

    def _on_training_start(self) -> None:
        self.progress.update(self.task, completed=self.num_timesteps)
        self.progress.start()

    def _on_step(self) -> bool:
        self.progress.update(self.task, completed=self.num_timesteps, status=self.status())
        self._print_validation()
        return True

    def _print_validation(self) -> None:
        validated_at = self.validator.validated_at
        if validated_at > self._reported_at and self.validator.last_gap is not None:
            self._reported_at = validated_at
            line = f"step {validated_at:,}: validation gap to {self.rule} {self.validator.last_gap:+.2f}%"
            line += f" (best {self.validator.best_gap:+.2f}%)"
            if self.objective.latest is not None:
                line += f"; last rollouts' mean {self.objective.objective} {self.objective.latest:.4g}"
            self.progress.console.print(line, soft_wrap=True)

    def _on_training_end(self) -> None:
        self._print_validation()  # the final validation runs at the end of training
        self.progress.update(self.task, completed=self.num_timesteps, status=self.status())
        self.progress.stop()
