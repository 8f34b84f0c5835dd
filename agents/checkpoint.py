"""Checkpoint folders that load without running code from the file.

    policy.safetensors  network weights (no pickle)
    config.yaml         the resolved training config (what produced the weights)
    ppo.zip             optional: SB3's full model with optimizer state, to resume training
                        (pickle-based: only ever loaded from your own runs)
    metadata.json       network config, env id and kwargs, versions, git commit, steps,
                        validation score, the SHA-256 of each file above, and the SHA-256
                        of its own canonical JSON (`metadata_sha256`): an edited env_kwargs
                        would silently change how the policy is evaluated

Saving `<name>` writes `<name>.partial` (metadata.json last, so a partial folder whose
metadata verifies is complete), renames `<name>` to `<name>.previous`, renames the partial
folder to `<name>` and removes `<name>.previous`. A crash at any point leaves a state that
`recover_checkpoint` settles on the next read or save: `<name>` if it exists, else a
`.partial` that verifies, else `<name>.previous`, renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from schedrl.errors import SchedRLError
from schedrl.networks import GraphPolicyNetwork, NetworkConfig

#: 2: GIN and transformer encoders read edge features (encoder option edge_input).
#: 3: metadata.json records the checksums of config.yaml and ppo.zip and its own digest,
#:    and is written last.
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
SHIPPED = Path(__file__).resolve().parent / "zoo"  # the shipped checkpoints, all sealed
WEIGHTS, CONFIG, METADATA, TRAINER = "policy.safetensors", "config.yaml", "metadata.json", "ppo.zip"
PARTIAL, PREVIOUS = ".partial", ".previous"  # suffixes of the folders a save passes through
GAP_KEY = "validation_gap_to_best_rule_percent"  # in metadata.json
DIGEST_KEY = "metadata_sha256"
CHECKSUM_KEYS = {WEIGHTS: "weights_sha256", CONFIG: "config_sha256", TRAINER: "trainer_sha256"}
# The fields a reader relies on, with their JSON types (required, then optional).
REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format_version": int, "env_id": str, "network": dict, "weights_sha256": str,
}  # fmt: skip
OPTIONAL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "env_kwargs": dict, "training_steps": int, GAP_KEY: (int, float),
    "config_sha256": str, "trainer_sha256": str, DIGEST_KEY: str,
}  # fmt: skip
_TYPE_WORDS = {dict: "a JSON object", str: "a string", int: "an integer", (int, float): "a number"}
_RESTORE = "restore the checkpoint from a copy"


class CheckpointWarning(UserWarning):
    """A checkpoint loads, but a guarantee does not hold for it (an unsealed old format)."""


class CheckpointError(SchedRLError):
    """A checkpoint folder is missing, corrupt, for another format version, or unsafe."""


@dataclass(frozen=True)
class Checkpoint:
    network: GraphPolicyNetwork
    metadata: dict[str, Any]
    config: dict[str, Any]
    path: Path


def _sibling(folder: Path, suffix: str) -> Path:
    return folder.with_name(folder.name + suffix)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CheckpointError(
            f"cannot read {path}: {error.strerror or error}; check its permissions, or {_RESTORE}"
        ) from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(_read(path)).hexdigest()


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def metadata_digest(metadata: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `metadata` without its own digest field."""
    body = {key: value for key, value in metadata.items() if key != DIGEST_KEY}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def seal_metadata(metadata: dict[str, Any], folder: Path) -> dict[str, Any]:
    """`metadata` as JSON will store it, with the checksum of each file present in `folder`
    and then its own digest: what `save_checkpoint` writes as metadata.json."""
    sealed = json.loads(json.dumps(metadata, default=str))
    for name, key in CHECKSUM_KEYS.items():
        if (folder / name).is_file():
            sealed[key] = _sha256(folder / name)
    sealed[DIGEST_KEY] = metadata_digest(sealed)
    return sealed


def _flush_to_disk(folder: Path) -> None:
    """fsync the files of `folder` and the folder itself, so a rename never outlives its
    contents after a power loss (a killed process loses nothing the kernel holds)."""
    for path in folder.iterdir():
        if path.is_file():
            with path.open("rb") as file:
                os.fsync(file.fileno())
    if os.name == "posix":  # directories cannot be opened for fsync elsewhere
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def save_checkpoint(
    folder: Path,
    network: GraphPolicyNetwork,
    metadata: dict[str, Any],
    config: dict[str, Any],
    trainer_saver: Any = None,
) -> Path:
    """Write so that a crash at any step leaves the old or the new checkpoint (module
    docstring); `trainer_saver(path)` (e.g. `model.save`) adds ppo.zip."""
    folder = Path(folder)
    partial, previous = _sibling(folder, PARTIAL), _sibling(folder, PREVIOUS)
    full = {**metadata, "format_version": FORMAT_VERSION, "network": network.config.to_dict()}
    try:
        recover_checkpoint(folder)  # an earlier save cut short: settle it before touching anything
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in network.state_dict().items()}, str(partial / WEIGHTS))
        (partial / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        if trainer_saver is not None:
            trainer_saver(partial / TRAINER)
        sealed = seal_metadata(full, partial)
        problem = _field_problem(sealed)
        if problem:  # refused now rather than written unreadable
            raise CheckpointError(f"cannot write checkpoint {folder}: its metadata {problem}")
        (partial / METADATA).write_text(json.dumps(sealed, indent=2) + "\n", encoding="utf-8")  # last: see above
        _flush_to_disk(partial)
        if folder.exists():
            if previous.exists():
                shutil.rmtree(previous)
            os.replace(folder, previous)
        try:
            os.replace(partial, folder)
        except FileNotFoundError:  # a reader's recovery moved the complete copy into place first
            if not _is_complete(folder):
                raise
        _flush_to_disk(folder.parent)
        if previous.exists():
            shutil.rmtree(previous)
    except OSError as error:
        raise CheckpointError(
            f"cannot write checkpoint {folder}: {error.strerror or error} (disk full or no permission?); "
            "the previous checkpoint, if any, is untouched"
        ) from None
    return folder


def _is_complete(partial: Path) -> bool:
    """Whether an interrupted save finished writing `partial`: from format 3 on, metadata.json
    is written last, so it verifies only once every file it records (ppo.zip too) is whole."""
    if not partial.is_dir():
        return False
    try:
        return bool(verify_checkpoint(partial)["format_version"] >= 3)
    except CheckpointError:
        return False


def recover_checkpoint(folder: Path) -> Path:
    """`folder` after settling a save that a crash cut short: if `folder` is gone, its
    `.partial` (when complete) or else its `.previous` is renamed into place, so every
    reader sees a normal layout. Returns `folder`, which exists if any checkpoint does."""
    folder = Path(folder)
    if folder.exists():
        return folder  # leftovers beside it are the next save's to remove
    partial, previous = _sibling(folder, PARTIAL), _sibling(folder, PREVIOUS)
    source = partial if _is_complete(partial) else previous if previous.is_dir() else None
    if source is not None:
        try:
            os.replace(source, folder)
        except OSError as error:
            raise CheckpointError(
                f"checkpoint {folder} was cut short while saving; {source} holds a complete copy but cannot be "
                f"renamed into place ({error.strerror or error}): rename it to {folder.name} by hand"
            ) from None
    return folder


def _field_problem(metadata: dict[str, Any]) -> str | None:
    """What is wrong with the fields a reader relies on, if anything."""
    missing = sorted(REQUIRED_FIELDS.keys() - metadata.keys())
    if missing:
        return f"lacks the field {missing[0]!r}"
    for key, kind in (REQUIRED_FIELDS | OPTIONAL_FIELDS).items():
        value = metadata.get(key)
        if key in metadata and (not isinstance(value, kind) or isinstance(value, bool)):
            return f"has {key!r} of the wrong type: expected {_TYPE_WORDS[kind]}, found {_shown(value)}"
    return None


def _read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA
    try:
        metadata = json.loads(_read(path).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is corrupt: {error}; {_RESTORE}") from None
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{path} is corrupt: expected a JSON object, found {_shown(metadata)}; {_RESTORE}")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version not in READABLE_VERSIONS:
        readable = ", ".join(map(str, READABLE_VERSIONS[:-1])) + f" or {READABLE_VERSIONS[-1]}"
        raise CheckpointError(
            f"checkpoint {folder} has format version {version!r}; this schedrl reads version {readable}: "
            "load it with the schedrl version that wrote it"
        )
    problem = _field_problem(metadata)
    if problem:
        raise CheckpointError(f"{path} {problem}: the file is corrupt or was edited; {_RESTORE}")
    if DIGEST_KEY not in metadata and version < 3:  # formats 1 and 2 had no digest
        if SHIPPED in folder.resolve().parents:
            raise CheckpointError(f"{path} lacks its {DIGEST_KEY}: every shipped checkpoint is sealed; {_RESTORE}")
        warnings.warn(
            f"{path} has no {DIGEST_KEY} (format {version}, written before checkpoints were sealed): an edit to it "
            "cannot be detected; re-save it with this schedrl to seal it",
            CheckpointWarning,
            stacklevel=3,
        )
    elif metadata.get(DIGEST_KEY) != metadata_digest(metadata):
        raise CheckpointError(
            f"{path} was altered after it was saved (its content no longer matches its {DIGEST_KEY}): an edited "
            f"env_kwargs or network changes what the policy does; {_RESTORE}"
        )
    return metadata


def verify_checkpoint(folder: Path) -> dict[str, Any]:
    """The metadata of `folder`, once it and every file whose checksum it records are
    exactly as saved; CheckpointError naming the file otherwise."""
    folder = Path(folder)
    partial = _sibling(folder, PARTIAL)
    if folder.exists() and not folder.is_dir():
        raise CheckpointError(
            f"{folder} is a file, not a checkpoint folder; pass the folder that holds it ({folder.parent})"
        )
    if not folder.exists() and partial.is_dir():
        raise CheckpointError(
            f"no checkpoint at {folder}: only {partial.name} is there, from a save killed before it completed; "
            "train again to write one"
        )
    if not folder.is_dir():
        raise CheckpointError(f"no checkpoint folder at {folder}")
    missing = [name for name in (WEIGHTS, METADATA) if not (folder / name).exists()]
    if missing:
        raise CheckpointError(f"checkpoint {folder} lacks {', '.join(missing)}: not a schedrl checkpoint folder")
    metadata = _read_metadata(folder)
    for name, key in CHECKSUM_KEYS.items():
        if key not in metadata:
            continue
        if not (folder / name).exists():
            raise CheckpointError(
                f"checkpoint {folder} lacks {name}, whose checksum its {METADATA} records: the folder is "
                f"incomplete; {_RESTORE}"
            )
        if _sha256(folder / name) != metadata[key]:
            raise CheckpointError(
                f"{folder / name} does not match its checksum: the file is corrupt or was altered; {_RESTORE}"
            )
    return metadata


def read_saved_config(path: Path, error: type[SchedRLError]) -> dict[str, Any]:
    """A config.yaml this package wrote (plain YAML, a mapping); `error` is raised, naming
    the file, for anything else (invalid YAML, Python tags, non-UTF-8, not a mapping)."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}; check its permissions") from None
    except UnicodeDecodeError as problem:
        raise error(f"{path} is not UTF-8 text ({problem}): it is not a config this package wrote") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        detail = getattr(problem, "problem", None) or problem
        raise error(
            f"{path} is not a plain YAML config: {where}{detail}; it is not a config this package wrote"
        ) from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise error(
            f"{path}: expected a mapping of config keys, found {_shown(config)}: it is not a config this package wrote"
        )
    return config


def _upgraded_network(network: dict[str, Any], version: int) -> dict[str, Any]:
    """Version 1 GIN and transformer encoders ignored edge features: rebuild them so."""
    if version == 1 and network.get("encoder", NetworkConfig.encoder) in ("gin", "transformer"):
        return {**network, "encoder_options": {**network.get("encoder_options", {}), "edge_input": False}}
    return network


def read_checkpoint(folder: Path, device: str | torch.device = "cpu") -> Checkpoint:
    """The network (in eval mode), metadata and config of a verified checkpoint folder."""
    folder = recover_checkpoint(Path(folder))
    metadata = verify_checkpoint(folder)
    try:
        network_config = NetworkConfig(**_upgraded_network(metadata["network"], metadata["format_version"]))
        network = GraphPolicyNetwork(network_config)
    except (TypeError, ValueError, KeyError, RuntimeError) as error:  # ConfigError, UnknownNameError among them
        raise CheckpointError(
            f"{folder / METADATA}: its 'network' entry does not build a network of this schedrl ({error}); "
            "load it with the schedrl version that wrote it"
        ) from None
    try:
        weights = load_file(str(folder / WEIGHTS))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(
            f"{folder / WEIGHTS} is not a readable safetensors file ({error}) although it matches its checksum: "
            f"it was saved damaged; {_RESTORE}"
        ) from None
    try:
        network.load_state_dict(weights)
    except RuntimeError as error:
        raise CheckpointError(f"checkpoint {folder} does not fit this schedrl's networks: {error}") from None
    network.to(device).eval()
    saved = read_saved_config(folder / CONFIG, CheckpointError) if (folder / CONFIG).exists() else {}
    return Checkpoint(network=network, metadata=metadata, config=saved, path=folder)
