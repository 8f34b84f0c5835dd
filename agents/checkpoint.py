"""Checkpoint folders that load without running code from the file.

    policy.safetensors  network weights (no pickle)
    config.yaml         the resolved training config (what produced the weights)
    metadata.json       network config, env id and kwargs, versions, git commit, steps,
                        validation score, and the SHA-256 of policy.safetensors
    ppo.zip             optional: SB3's full model with optimizer state, to resume training
                        (pickle-based: only ever loaded from your own runs)

Folders are written to a temporary sibling, then renamed: a crash while saving leaves
the previous checkpoint intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors.torch import load_file, save_file

from schedrl.errors import SchedRLError
from schedrl.networks import GraphPolicyNetwork, NetworkConfig

#: 2: GIN and transformer encoders read edge features (encoder option edge_input).
FORMAT_VERSION = 2
WEIGHTS, CONFIG, METADATA, TRAINER = "policy.safetensors", "config.yaml", "metadata.json", "ppo.zip"
GAP_KEY = "validation_gap_to_best_rule_percent"  # in metadata.json


class CheckpointError(SchedRLError):
    """A checkpoint folder is missing, corrupt, for another format version, or unsafe."""


@dataclass(frozen=True)
class Checkpoint:
    network: GraphPolicyNetwork
    metadata: dict[str, Any]
    config: dict[str, Any]
    path: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(
    folder: Path,
    network: GraphPolicyNetwork,
    metadata: dict[str, Any],
    config: dict[str, Any],
    trainer_saver: Any = None,
) -> Path:
    """Write atomically; `trainer_saver(path)` (e.g. `model.save`) adds ppo.zip."""
    folder = Path(folder)
    temporary = folder.with_name(folder.name + ".partial")
    try:
        if temporary.exists():
            shutil.rmtree(temporary)
        temporary.mkdir(parents=True)
        weights = temporary / WEIGHTS
        save_file({k: v.detach().cpu().contiguous() for k, v in network.state_dict().items()}, str(weights))
        full = {
            **metadata,
            "format_version": FORMAT_VERSION,
            "network": network.config.to_dict(),
            "weights_sha256": _sha256(weights),
        }
        (temporary / METADATA).write_text(json.dumps(full, indent=2, default=str) + "\n", encoding="utf-8")
        (temporary / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        if trainer_saver is not None:
            trainer_saver(temporary / TRAINER)
        previous = folder.with_name(folder.name + ".previous")
        if folder.exists():
            if previous.exists():
                shutil.rmtree(previous)
            os.replace(folder, previous)
        os.replace(temporary, folder)
        if previous.exists():
            shutil.rmtree(previous)
    except OSError as error:
        raise CheckpointError(
            f"cannot write checkpoint {folder}: {error.strerror or error} (disk full or no permission?); "
            "the previous checkpoint, if any, is untouched"
        ) from None
    return folder


def _upgraded_network(network: dict[str, Any], version: int) -> dict[str, Any]:
    """Version 1 GIN and transformer encoders ignored edge features: rebuild them so."""
    if version == 1 and network.get("encoder", NetworkConfig.encoder) in ("gin", "transformer"):
        return {**network, "encoder_options": {**network.get("encoder_options", {}), "edge_input": False}}
    return network


def read_checkpoint(folder: Path, device: str | torch.device = "cpu") -> Checkpoint:
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"no checkpoint folder at {folder}")
    missing = [name for name in (WEIGHTS, METADATA) if not (folder / name).exists()]
    if missing:
        raise CheckpointError(f"checkpoint {folder} lacks {', '.join(missing)}: not a schedrl checkpoint folder")
    try:
        metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{folder / METADATA} is corrupt: {error}") from None
    version = metadata.get("format_version")
    if version not in (1, FORMAT_VERSION):
        raise CheckpointError(
            f"checkpoint {folder} has format version {version!r}; this schedrl reads version 1 or {FORMAT_VERSION}"
        )
    if _sha256(folder / WEIGHTS) != metadata.get("weights_sha256"):
        raise CheckpointError(f"{folder / WEIGHTS} does not match its checksum: the file is corrupt or was altered")
    try:
        network = GraphPolicyNetwork(NetworkConfig(**_upgraded_network(metadata["network"], version)))
        network.load_state_dict(load_file(str(folder / WEIGHTS)))
        network.to(device)
    except (KeyError, TypeError, RuntimeError) as error:
        raise CheckpointError(f"checkpoint {folder} does not fit this schedrl's networks: {error}") from None
    network.eval()
    config_path = folder / CONFIG
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    return Checkpoint(network=network, metadata=metadata, config=config or {}, path=folder)
