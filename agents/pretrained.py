"""Fine-tuning: a new run whose policy starts from a trained checkpoint's weights.

Why: a policy trained on one size is a good start on a range of sizes (a curriculum), and
a second run should not pay again for what the first one learned. Unlike `resume=`, the
new run has its own folder, optimiser, step counter and env settings; only the network's
weights carry over, so the network is the checkpoint's whatever `network.*` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from schedrl.agents.checkpoint import read_checkpoint
from schedrl.agents.inference import resolve
from schedrl.errors import ConfigError

# The network settings the env's observation fixes, with the observation key each is read from.
WIDTHS = {"node_features": "node_features", "edge_features": "edge_attr", "global_features": "global_features",
          "context_nodes": "context_nodes"}  # fmt: skip


@dataclass(frozen=True)
class PretrainedStart:
    network: dict[str, Any]  # the checkpoint's NetworkConfig, as a dict
    weights: dict[str, torch.Tensor]
    source: str


def pretrained_start(name_or_folder: str, env_id: str, env_network: dict[str, Any]) -> PretrainedStart:
    """The weights of `name_or_folder` (a checkpoint folder or shipped name), refused where
    they were trained for another env or the env's observation has other feature widths
    (`env_network`: the run's network options with the env's widths filled in)."""
    key = "agent.init_weights"
    checkpoint = read_checkpoint(resolve(name_or_folder))
    if checkpoint.metadata["env_id"] != env_id:
        raise ConfigError(
            f"{key}={name_or_folder}: that policy was trained on {checkpoint.metadata['env_id']}, "
            f"this run trains {env_id}"
        )
    network = checkpoint.network.config.to_dict()
    for width in WIDTHS:
        if network[width] != env_network[width]:
            raise ConfigError(
                f"{key}={name_or_folder}: its network reads {network[width]} {width.replace('_', ' ')}, "
                f"this run's env gives {env_network[width]} (other env settings than it was trained with?)"
            )
    return PretrainedStart(network=network, weights=checkpoint.network.state_dict(), source=str(name_or_folder))


def differences(configured: dict[str, Any], used: dict[str, Any]) -> list[str]:
    """The network settings a pretrained start overrides, as `key: configured -> used`."""
    changed = {key: value for key, value in used.items() if configured.get(key) != value}
    return [f"{key}: {configured.get(key)!r} -> {value!r}" for key, value in changed.items()]
