"""Build envs, MaskablePPO and callbacks from a resolved config; train; keep checkpoints."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

import envs
from agents.batched_vec_env import BatchedVecEnv
from agents.checkpoint import save_checkpoint
from agents.inference import LearnedPolicy
from agents.sb3_policy import GraphActorCriticPolicy
from envs.core.errors import ConfigError, SchedRLError
from envs.core.rollout import rollout
from networks import GraphPolicyNetwork

VEC_ENVS = ("dummy", "subproc", "batched")


@dataclass(frozen=True)
class RuleBaseline:
    """Mean validation objective of every step-wise baseline; the best one is the bar."""

    means: dict[str, float]

    @property
    def name(self) -> str:
        return min(self.means, key=self.means.__getitem__)

    @property
    def mean_objective(self) -> float:
        return self.means[self.name]


def git_commit() -> str | None:
    """HEAD of the checkout, with '-dirty' when tracked files differ; None outside git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if head is None or not re.fullmatch(r"[0-9a-f]{40}", head):
        return None
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def versions() -> dict[str, str]:
    import gymnasium
    import sb3_contrib
    import stable_baselines3
    import torch_geometric

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "stable_baselines3": stable_baselines3.__version__,
        "sb3_contrib": sb3_contrib.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": np.__version__,
    }


def check_training_config(agent: dict[str, Any]) -> None:
    """Catch values SB3 would accept and then fail on, or silently misuse."""
    checks = {
        "agent.learning_rate": agent["learning_rate"] > 0,
        "agent.n_envs": agent["n_envs"] >= 1,
        "agent.n_steps": agent["n_steps"] >= 1,
        "agent.batch_size": agent["batch_size"] >= 1,
        "agent.n_epochs": agent["n_epochs"] >= 1,
        "agent.gamma": 0 < agent["gamma"] <= 1,
        "agent.clip_range": agent["clip_range"] > 0,
    }
    for key, ok in checks.items():
        if not ok:
            raise ConfigError(f"{key} is out of range: got {agent[key.split('.')[1]]}")
    if agent["vec_env"] not in VEC_ENVS:
        raise ConfigError(f"agent.vec_env must be one of {VEC_ENVS}, got {agent['vec_env']!r}")


class InstancePool(gym.Wrapper):
    """Trains on a fixed list: each episode schedules an instance drawn from the list by a
    generator seeded on reset(seed=...) (unless reset names an instance)."""

    def __init__(self, env: gym.Env, instances: list[Any]):
        super().__init__(env)
        self.instances = instances
        self.rng = np.random.default_rng()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        options = dict(options or {})
        if "instance" not in options:
            options["instance"] = self.instances[int(self.rng.integers(len(self.instances)))]
        return self.env.reset(seed=seed, options=options)


def make_vec_env(
    env_id: str, env_kwargs: dict[str, Any], n_envs: int, kind: str, seed: int, pool: list[Any] | None = None
) -> VecEnv:
    def factory(rank: int) -> Any:
        def make() -> gym.Env:
            env = gym.make(env_id, **env_kwargs)
            env = Monitor(InstancePool(env, pool) if pool else env)
            env.reset(seed=seed + rank)
            return env

        return make

    factories = [factory(rank) for rank in range(n_envs)]
    if kind == "subproc":
        return SubprocVecEnv(factories, start_method="fork")
    return DummyVecEnv(factories)


def rule_baselines(env_id: str, instances: list[Any], fit: dict[str, Any], env_kwargs: dict[str, Any]) -> RuleBaseline:
    """The family's step-wise baselines on the validation set, under the training dynamics."""
    family = envs.family(env_id)
    means = {}
    for name, policy in family.baselines(0).items():
        objectives = [
            rollout(gym.make(env_id, **{**env_kwargs, **fit, "instance": i}), policy, seed=0).info[family.objective]
            for i in instances
        ]
        means[name] = float(np.mean(objectives))
    return RuleBaseline(means)


class ObjectiveLogger(BaseCallback):
    """Logs the mean episode objective (e.g. makespan) of each rollout."""

    def __init__(self, objective: str):
        super().__init__()
        self.objective = objective
        self.values: list[float] = []

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
            if done and self.objective in info:
                self.values.append(float(info[self.objective]))
        return True

    def _on_rollout_end(self) -> None:
        if self.values:
            self.logger.record(f"rollout/{self.objective}_mean", float(np.mean(self.values)))
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
        losses = {key: value for key, value in self.logger.name_to_value.items() if key.startswith("train/")}
        bad_loss = [key for key, value in losses.items() if not np.isfinite(value)]
        bad_parameter = [name for name, p in self.model.policy.named_parameters() if not torch.isfinite(p).all()]
        if bad_loss or bad_parameter:
            last = self.run_dir / "checkpoints" / "last"
            kept = f"the last good checkpoint is {last}" if last.exists() else "no checkpoint had been written yet"
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


class ValidationCallback(BaseCallback):
    """Greedy validation every `every` steps; keeps `best/` and `last/` checkpoints."""

    def __init__(
        self,
        every: int,
        instances: list[Any],
        baseline: RuleBaseline,
        run_dir: Path,
        metadata: dict[str, Any],
        config: dict[str, Any],
    ):
        super().__init__()
        self.every = every
        self.instances = instances
        self.baseline = baseline
        self.run_dir = run_dir
        self.metadata = metadata
        self.config = config
        self.best_gap = float("inf")
        self.last_gap: float | None = None
        self._validated_at = -1
        self._next = every

    @property
    def network(self) -> GraphPolicyNetwork:
        return cast(GraphActorCriticPolicy, self.model.policy).network

    def validate(self) -> float:
        learned = LearnedPolicy(self.network, self.metadata["env_id"], self.metadata["env_kwargs"])
        was_training = learned.network.training
        learned.network.eval()
        infos = learned.rollouts(self.instances, greedy=True)
        learned.network.train(was_training)
        mean = float(np.mean([info[learned.family.objective] for info in infos]))
        gap = 100.0 * (mean - self.baseline.mean_objective) / self.baseline.mean_objective
        self.logger.record(f"validation/{learned.family.objective}_mean", mean)
        self.logger.record("validation/gap_to_best_rule_percent", gap)
        return gap

    def save(self, name: str, gap: float, with_trainer: bool) -> None:
        metadata = {
            **self.metadata,
            "training_steps": int(self.num_timesteps),
            "validation_gap_to_best_rule_percent": gap,
        }
        saver = self.model.save if with_trainer else None
        save_checkpoint(self.run_dir / "checkpoints" / name, self.network, metadata, self.config, saver)

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self._next += self.every
            self.checkpoint()
        return True

    def checkpoint(self) -> None:
        self._validated_at = self.num_timesteps
        gap = self.validate()
        self.last_gap = gap
        if gap < self.best_gap:
            self.best_gap = gap
            self.save("best", gap, with_trainer=False)
        self.save("last", gap, with_trainer=True)

    def _on_training_end(self) -> None:
        if self._validated_at != self.num_timesteps:  # the last periodic check may be at this step
            self.checkpoint()


def build_model(cfg: dict[str, Any], vec_env: VecEnv, network: dict[str, Any]) -> MaskablePPO:
    agent = cfg["agent"]
    device = cfg.get("device", "cpu")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return MaskablePPO(
        GraphActorCriticPolicy,
        vec_env,
        learning_rate=agent["learning_rate"],
        n_steps=agent["n_steps"],
        batch_size=agent["batch_size"],
        n_epochs=agent["n_epochs"],
        gamma=agent["gamma"],
        gae_lambda=agent["gae_lambda"],
        clip_range=agent["clip_range"],
        ent_coef=agent["ent_coef"],
        vf_coef=agent["vf_coef"],
        max_grad_norm=agent["max_grad_norm"],
        target_kl=agent.get("target_kl"),
        policy_kwargs={"network": network},
        seed=cfg["seed"],
        device=device,
        verbose=0,
    )


@dataclass(frozen=True)
class TrainingResult:
    run_dir: Path
    best_gap_percent: float  # greedy validation gap to the best rule (negative: better)
    last_gap_percent: float
    baseline: RuleBaseline
    table: list[tuple[str, float]]  # (method, mean validation objective), best checkpoint first


def network_options(network_cfg: dict[str, Any], observation_space: gym.Space) -> dict[str, Any]:
    """The configured network plus the feature sizes of the env's observation."""
    spaces = cast(gym.spaces.Dict, observation_space).spaces

    def width(key: str) -> int:
        return int((spaces[key].shape or (0,))[-1]) if key in spaces else 0

    return {**network_cfg, "node_features": width("node_features"), "edge_features": width("edge_attr"),
            "global_features": width("global_features")}  # fmt: skip


def train(cfg: dict[str, Any], run_dir: Path) -> TrainingResult:
    """`cfg` is the resolved train config (see configs/train.yaml)."""
    from agents.log_outputs import configure_logger

    agent, env_cfg = cfg["agent"], cfg["env"]
    check_training_config(agent)
    for key in ("total_timesteps", "eval_every"):
        if cfg[key] < 1:
            raise ConfigError(f"{key} must be >= 1, got {cfg[key]}")
    env_id, env_kwargs = env_cfg["id"], dict(env_cfg.get("kwargs") or {})
    family = envs.family(env_id)
    validation = family.load_instances(env_cfg["validation"])
    fit = family.fit_kwargs(validation)
    baseline = rule_baselines(env_id, validation, fit, env_kwargs)

    pool = family.load_instances(env_cfg["train_instances"]) if env_cfg.get("train_instances") else None
    # With a list, the observation envelope must fit every instance of it.
    train_kwargs = {**env_kwargs, **family.fit_kwargs(pool), "instance": pool[0]} if pool else env_kwargs
    if agent["vec_env"] == "batched":
        if family.batched_engine is None or pool:
            raise ConfigError(f"agent.vec_env=batched: {env_id} has no batched engine for this env config")
        vec_env: VecEnv = BatchedVecEnv(*family.batched_engine(agent["n_envs"], env_kwargs), seed=cfg["seed"])
    else:
        vec_env = make_vec_env(env_id, train_kwargs, agent["n_envs"], agent["vec_env"], cfg["seed"], pool)
    network = network_options(cfg["network"], vec_env.observation_space)
    model = build_model(cfg, vec_env, network)
    logger, close_logger = configure_logger(run_dir, cfg["logger"], cfg)
    model.set_logger(logger)
    metadata = {
        "env_id": env_id,
        "env_kwargs": env_kwargs,  # an instance given at inference replaces the training distribution
        "versions": versions(),
        "git_commit": git_commit(),
        "seed": cfg["seed"],
        "baseline": {"best_rule": baseline.name, "mean_objective": baseline.mean_objective},
    }
    validator = ValidationCallback(cfg["eval_every"], validation, baseline, run_dir, metadata, cfg)
    callbacks: list[BaseCallback] = [
        DivergenceGuard(run_dir),
        ObjectiveLogger(family.objective),
        ResourceMonitor(),
        validator,
    ]
    if cfg.get("time_limit_minutes"):
        callbacks.append(WallClockLimit(float(cfg["time_limit_minutes"])))
    try:
        model.learn(
            total_timesteps=cfg["total_timesteps"],
            callback=CallbackList(callbacks),
            progress_bar=bool(cfg.get("progress_bar", False)),
        )
    finally:
        vec_env.close()
        close_logger()

    # The best checkpoint's mean objective follows from its gap: no second validation run.
    learned = baseline.mean_objective * (1.0 + validator.best_gap / 100.0)
    return TrainingResult(
        run_dir=run_dir,
        best_gap_percent=validator.best_gap,
        last_gap_percent=float(validator.last_gap if validator.last_gap is not None else validator.best_gap),
        baseline=baseline,
        table=[("learned (greedy, best checkpoint)", learned), *sorted(baseline.means.items(), key=lambda kv: kv[1])],
    )
