"""Build envs, MaskablePPO and callbacks from a resolved config; train; keep checkpoints."""

from __future__ import annotations

import signal
import zipfile
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

from schedrl import envs
from schedrl.agents.batched_vec_env import BatchedVecEnv
from schedrl.agents.callbacks import (
    DivergenceGuard,
    LiveProgress,
    ObjectiveLogger,
    ResourceMonitor,
    StopOnSignal,
    ValidationCallback,
    WallClockLimit,
)
from schedrl.agents.checkpoint import GAP_KEY, TRAINER, CheckpointError, recover_checkpoint, verify_checkpoint
from schedrl.agents.config import check_training_config, resolve_device
from schedrl.agents.imitation import demonstrations, imitate, teacher
from schedrl.agents.pretrained import WIDTHS, PretrainedStart, differences, pretrained_start
from schedrl.agents.run_record import provenance, record_result, record_resume, record_start
from schedrl.agents.sb3_policy import GraphActorCriticPolicy
from schedrl.envs.core.folder_lock import lock_folder
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.rollout import rollout
from schedrl.envs.core.vector_env import BatchedVectorEnv
from schedrl.errors import ConfigError


@dataclass(frozen=True)
class RuleBaseline:
    """Mean validation objective of every step-wise baseline; the best one is the bar."""

    means: dict[str, float]
    objective: Objective

    @property
    def name(self) -> str:
        return self.objective.best(self.means, self.means.__getitem__)

    @property
    def mean_objective(self) -> float:
        return self.means[self.name]


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


class SkipDecisionless(gym.Wrapper):
    """Gymnasium has no zero-step episodes, yet an instance whose every choice is forced
    ends at reset: draw another, and refuse a training set that never needs a decision."""

    TRIES = 100

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        core = cast(GraphSchedulingEnv, self.env.unwrapped)
        obs, info = self.env.reset(seed=seed, options=options)
        for _ in range(self.TRIES):
            if not core.done:
                return obs, info
            obs, info = self.env.reset(options=options)  # the same seeded stream draws the next instance
        name = core.episode_instance.name
        raise ConfigError(
            f"{self.TRIES} training episodes in a row (e.g. on {name!r}) ended at reset: every choice was forced, "
            "so there is no decision to learn; train on larger instances, or let the env offer forced choices"
        )


def training_env(env_id: str, env_kwargs: dict[str, Any], pool: list[Any] | None) -> gym.Env:
    """One env as training steps it: on the fixed list when there is one, skipping instances
    that need no decision."""
    env = envs.family(env_id).make_env(**env_kwargs)
    return SkipDecisionless(InstancePool(env, pool) if pool else env)


def make_vec_env(
    env_id: str, env_kwargs: dict[str, Any], n_envs: int, kind: str, seed: int, pool: list[Any] | None = None
) -> VecEnv:
    def factory(rank: int) -> Any:
        def make() -> gym.Env:
            if kind == "subproc":  # Ctrl-C reaches the whole process group: the main process decides
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            env = Monitor(training_env(env_id, env_kwargs, pool))
            env.reset(seed=seed + rank)
            return env

        return make

    if kind == "batched":
        if envs.family(env_id).batched_engine is None or pool:
            raise ConfigError(f"agent.vec_env=batched: {env_id} has no batched engine for this env config")
        vector_env = gym.make_vec(env_id, n_envs, vectorization_mode="vector_entry_point", **env_kwargs)
        batched = BatchedVecEnv(cast(BatchedVectorEnv, vector_env))
        batched.seed(seed)
        return batched
    factories = [factory(rank) for rank in range(n_envs)]
    if kind == "subproc":
        return SubprocVecEnv(factories, start_method="fork")
    return DummyVecEnv(factories)


def rule_baselines(env_id: str, instances: list[Any], fit: dict[str, Any], env_kwargs: dict[str, Any]) -> RuleBaseline:
    """The family's step-wise baselines on the validation set, under the training dynamics."""
    family = envs.family(env_id)
    key = family.objective.key
    means = {}
    for name, policy in family.baselines(0).items():
        objectives = [
            rollout(family.make_env(**{**env_kwargs, **fit, "instance": instance}), policy, seed=0).info[key]
            for instance in instances
        ]
        means[name] = float(np.mean(objectives))
    return RuleBaseline(means, family.objective)


def _device(cfg: dict[str, Any]) -> str:
    return resolve_device(str(cfg.get("device", "cpu")))


def build_model(cfg: dict[str, Any], vec_env: VecEnv, network: dict[str, Any]) -> MaskablePPO:
    agent = cfg["agent"]
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
        device=_device(cfg),
        verbose=0,
    )


def resume_model(run_dir: Path, cfg: dict[str, Any], vec_env: VecEnv) -> tuple[MaskablePPO, float]:
    """The trainer (weights, optimiser, step counter) from checkpoints/last, and the best
    validation gap so far, once a save cut short by a crash is settled and every checksum
    holds. ppo.zip is SB3's pickle-based format: resume only runs you trust."""
    last = recover_checkpoint(run_dir / "checkpoints" / "last")
    if not last.exists():
        raise ConfigError(
            f"cannot resume {run_dir}: it has no checkpoints/last/{TRAINER} (it stopped before its first "
            f"checkpoint, at step eval_every={cfg['eval_every']}); start the run again"
        )
    verify_checkpoint(last)
    if not (last / TRAINER).is_file():
        raise CheckpointError(
            f"cannot resume {run_dir}: {last} has no {TRAINER} (the trainer's state), so training cannot go on "
            "from it; start the run again"
        )
    try:
        model = MaskablePPO.load(last / TRAINER, env=vec_env, device=_device(cfg))
    except (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointError(
            f"cannot resume {run_dir}: {last / TRAINER} is unreadable ({type(error).__name__}: {error}); "
            "start the run again, or evaluate its best/last policy, which do not need it"
        ) from None
    model.set_random_seed(cfg["seed"] + model.num_timesteps)  # new episodes, still reproducible
    best = recover_checkpoint(run_dir / "checkpoints" / "best")
    best_gap = float(verify_checkpoint(best).get(GAP_KEY, float("inf"))) if best.exists() else float("inf")
    return model, best_gap


@dataclass(frozen=True)
class TrainingResult:
    run_dir: Path
    best_gap_percent: float  # greedy validation gap to the best rule (negative: better)
    last_gap_percent: float
    baseline: RuleBaseline
    table: list[tuple[str, float]]  # (method, mean validation objective), best checkpoint first
    steps: int
    stopped_by_signal: int | None  # SIGINT/SIGTERM ended it early: resume with train.py resume=<run dir>


def network_options(network_cfg: dict[str, Any], observation_space: gym.Space) -> dict[str, Any]:
    """The configured network plus the feature sizes of the env's observation."""
    spaces = cast(gym.spaces.Dict, observation_space).spaces

    def width(key: str) -> int:
        return int((spaces[key].shape or (0,))[-1]) if key in spaces else 0

    return {**network_cfg, **{setting: width(key) for setting, key in WIDTHS.items()}}


def _announce(start: PretrainedStart, configured: dict[str, Any]) -> None:
    changed = differences(configured, start.network)
    note = f"; its network replaces the configured one ({', '.join(changed)})" if changed else ""
    print(f"policy starts from the weights of {start.source}{note}", flush=True)


def warm_start(model: MaskablePPO, cfg: dict[str, Any], env: gym.Env) -> None:
    """Fit the new policy to the configured baseline before PPO starts (agents/imitation.py),
    on episodes of `env`, built as the training envs are."""
    agent = cfg["agent"]
    policy = teacher(cfg["env"]["id"], agent["imitation_rule"], cfg["seed"])
    data = demonstrations(env, policy, agent["imitation_decisions"], agent["gamma"], cfg["seed"])
    logs = imitate(
        model, data, agent["imitation_epochs"], agent["batch_size"], agent["imitation_learning_rate"], cfg["seed"]
    )
    for key, value in logs.items():
        model.logger.record(f"imitation/{key}", value)
    model.logger.dump(0)


def train(cfg: dict[str, Any], run_dir: Path, resume: bool = False) -> TrainingResult:
    """`cfg` is the resolved train config (see configs/train.yaml); with `resume`, the run
    in `run_dir` goes on from its last checkpoint to `total_timesteps`, logs continued.
    One process per run folder: a second (a resume of a run still going) is refused."""
    check_training_config(cfg)
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    lock = lock_folder(
        run_dir, "training run", "two processes in one run folder would overwrite each other's checkpoints"
    )
    try:
        return _train(cfg, Path(run_dir), resume)
    finally:
        lock.close()


def _train(cfg: dict[str, Any], run_dir: Path, resume: bool) -> TrainingResult:
    from schedrl.agents.log_outputs import configure_logger

    agent, env_cfg = cfg["agent"], cfg["env"]
    if cfg.get("torch_threads"):
        torch.set_num_threads(int(cfg["torch_threads"]))
    env_id, env_kwargs = env_cfg["id"], dict(env_cfg.get("kwargs") or {})
    family = envs.family(env_id)
    family.check_env_kwargs(env_kwargs, "env.kwargs")
    validation = family.load_instances(env_cfg["validation"], "env.validation")
    fit = family.fit_kwargs(validation)
    baseline = rule_baselines(env_id, validation, fit, env_kwargs)

    pool = (
        family.load_instances(env_cfg["train_instances"], "env.train_instances")
        if env_cfg.get("train_instances")
        else None
    )
    # With a list, the observation envelope must fit every instance of it.
    train_kwargs = {**env_kwargs, **family.fit_kwargs(pool), "instance": pool[0]} if pool else env_kwargs
    vec_env = make_vec_env(env_id, train_kwargs, agent["n_envs"], agent["vec_env"], cfg["seed"], pool)
    code = provenance()
    try:
        if resume:
            model, best_gap = resume_model(run_dir, cfg, vec_env)
            record_resume(run_dir, model.num_timesteps, code)
        else:
            network = network_options(cfg["network"], vec_env.observation_space)
            start = pretrained_start(agent["init_weights"], env_id, network) if agent.get("init_weights") else None
            if start is not None:
                _announce(start, network)
                network = start.network
                cfg = {**cfg, "network": {k: v for k, v in network.items() if k not in WIDTHS}}
            model, best_gap = build_model(cfg, vec_env, network), float("inf")
            if start is not None:
                cast(GraphActorCriticPolicy, model.policy).network.load_state_dict(start.weights)
            record_start(run_dir, cfg, code)
        # Refuse graphs the encoder cannot afford (the transformer's dense attention) before the first rollout.
        nodes = int(cast(gym.spaces.Discrete, vec_env.action_space).n)
        cast(GraphActorCriticPolicy, model.policy).network.check_graph_size(nodes)
    except BaseException:
        vec_env.close()
        raise
    logger, close_logger = configure_logger(run_dir, cfg["logger"], cfg)
    model.set_logger(logger)
    if not resume and agent.get("imitation_rule"):
        warm_start(model, cfg, training_env(env_id, train_kwargs, pool))
    metadata = {
        "env_id": env_id,
        "env_kwargs": env_kwargs,  # an instance given at inference replaces the training distribution
        **code,
        "seed": cfg["seed"],
        "baseline": {"best_rule": baseline.name, "mean_objective": baseline.mean_objective},
    }
    given_start = not resume and bool(agent.get("init_weights") or agent.get("imitation_rule"))
    validator = ValidationCallback(
        cfg["eval_every"], validation, baseline.mean_objective, run_dir, metadata, cfg, best_gap, given_start
    )
    stop = StopOnSignal()
    objective = ObjectiveLogger(family.objective.key)
    callbacks: list[BaseCallback] = [DivergenceGuard(run_dir), objective, ResourceMonitor()]
    if cfg.get("time_limit_minutes"):
        callbacks.append(WallClockLimit(float(cfg["time_limit_minutes"])))
    callbacks += [validator, stop]  # signals stay caught until the final checkpoint is written
    live = LiveProgress(int(cfg["total_timesteps"]), objective, validator, baseline.name)
    if cfg.get("progress_bar", False):
        callbacks.append(live)
    try:
        model.learn(
            total_timesteps=max(cfg["total_timesteps"] - model.num_timesteps, 0),
            callback=CallbackList(callbacks),
            reset_num_timesteps=not resume,
        )
    finally:
        live.progress.stop()  # SB3 skips on_training_end when a callback raises: the terminal back as it was
        vec_env.close()
        close_logger()

    # The best checkpoint's mean objective follows from its gap: no second validation run.
    learned = family.objective.value_at(baseline.mean_objective, validator.best_gap)
    ranked = sorted(baseline.means.items(), key=lambda kv: family.objective.worse_by(kv[1], 0.0))
    result = TrainingResult(
        run_dir=run_dir,
        best_gap_percent=validator.best_gap,
        last_gap_percent=float(validator.last_gap if validator.last_gap is not None else validator.best_gap),
        baseline=baseline,
        table=[("learned (greedy, best checkpoint)", learned), *ranked],
        steps=int(model.num_timesteps),
        stopped_by_signal=stop.received,
    )
    record_result(run_dir, {
        "best_gap_percent": result.best_gap_percent, "last_gap_percent": result.last_gap_percent,
        "best_rule": baseline.name, "best_rule_objective": baseline.mean_objective, "steps": result.steps,
        "stopped_by_signal": result.stopped_by_signal,
    })  # fmt: skip
    return result
