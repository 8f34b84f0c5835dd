"""The training config's values, declared with their types and ranges, and the device
choice: checked once before a run builds anything."""

from __future__ import annotations

from typing import Any

import torch

from schedrl.envs.core.settings import Setting, check_settings
from schedrl.errors import ConfigError
from schedrl.networks import ENCODERS

VEC_ENVS = ("dummy", "subproc", "batched")
DEVICES = ("cpu", "cuda", "auto")

TRAINING_SETTINGS = (
    Setting("seed", int, 0, 2**32 - 1),
    Setting("total_timesteps", int, 1),
    Setting("eval_every", int, 1),
    Setting("time_limit_minutes", float, 0, low_open=True, optional=True),
    Setting("device", str, choices=DEVICES),
    Setting("torch_threads", int, 1, optional=True),
    Setting("progress_bar", bool),
    Setting("env.id", str),
    Setting("env.kwargs", dict),  # null would drop the configured generator for the env's default
    Setting("agent.n_envs", int, 1),
    Setting("agent.vec_env", str, choices=VEC_ENVS),
    Setting("agent.learning_rate", float, 0, low_open=True),
    Setting("agent.n_steps", int, 1),
    Setting("agent.batch_size", int, 2),  # advantages are normalised per minibatch: one sample gives NaN
    Setting("agent.n_epochs", int, 1),
    Setting("agent.gamma", float, 0, 1, low_open=True),
    Setting("agent.gae_lambda", float, 0, 1),
    Setting("agent.clip_range", float, 0, low_open=True),
    Setting("agent.ent_coef", float, 0),
    Setting("agent.vf_coef", float, 0),
    Setting("agent.max_grad_norm", float, 0, low_open=True),  # a negative norm flips the gradient
    Setting("agent.target_kl", float, 0, low_open=True, optional=True),
    Setting("agent.imitation_rule", str, optional=True),
    Setting("agent.init_weights", str, optional=True),
    Setting("agent.imitation_decisions", int, 1),
    Setting("agent.imitation_epochs", int, 1),
    Setting("agent.imitation_learning_rate", float, 0, low_open=True),
    Setting("network.encoder", str, choices=tuple(ENCODERS)),
    Setting("network.hidden", int, 1),
    Setting("network.layers", int, 1),
    Setting("network.head_hidden", int, 1),
    Setting("network.encoder_options.heads", int, 1),
    Setting("network.encoder_options.edge_bias", bool),
    Setting("network.encoder_options.edge_input", bool),
    Setting("network.encoder_options.max_nodes", int, 1),
    Setting("logger.outputs", list, item=str),
)


def check_training_config(cfg: dict[str, Any]) -> None:
    check_settings(cfg, TRAINING_SETTINGS)
    agent = cfg["agent"]
    if agent.get("init_weights") and agent.get("imitation_rule"):
        raise ConfigError(
            "agent.init_weights and agent.imitation_rule both choose the starting policy: set one of them"
        )
    resolve_device(str(cfg.get("device", "cpu")))


def resolve_device(name: str, key: str = "device") -> str:
    """'auto' takes CUDA where torch sees a device; 'cuda' without one is refused up front
    instead of failing inside torch once the run has started."""
    if name not in DEVICES:
        raise ConfigError(f"{key} must be one of {', '.join(DEVICES)}, got {name!r}")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"{key}=cuda, but this torch ({torch.__version__}) sees no CUDA device; use {key}=cpu or {key}=auto"
        )
    return name
