"""Checkpoints under faults: a save killed at any filesystem step leaves the old or the new
checkpoint, which loads and from which training resumes; an edited file is detected."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from sb3_contrib import MaskablePPO

import schedrl.agents.checkpoint as checkpoint
from schedrl import agents
from schedrl.agents.checkpoint import CheckpointError, read_checkpoint, save_checkpoint, verify_checkpoint
from schedrl.agents.inference import ZOO
from schedrl.agents.run_record import resume_config
from schedrl.agents.training import train
from schedrl.envs.jobshop import load_benchmark
from schedrl.networks import GraphPolicyNetwork, NetworkConfig

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "schedrl/JobShop-v0"


class SimulatedCrash(BaseException):
    """A kill: not an Exception, so no handler in the code under test stops it."""


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


class Crasher:
    """Counts the filesystem steps of a save (file writes, mkdir, rename, rmtree) and kills
    the process at step `at`: before the step, or (`midway`) with it half done: half a
    file written, one entry of a tree removed. A rename is atomic: it has no midway."""

    def __init__(self, at: int, midway: bool):
        self.at, self.midway = at, midway
        self.steps: list[str] = []

    @property
    def crashed(self) -> bool:
        return len(self.steps) >= self.at

    def _counted(self, real: Callable[..., Any], name: Callable[..., str], half: Callable[..., Any] | None) -> Any:
        """`real` as a step named `name(*args)`; `half(*args)` does what a kill midway leaves."""

        def step(*args: Any, **kwargs: Any) -> Any:
            self.steps.append(name(*args))
            if len(self.steps) != self.at:
                return real(*args, **kwargs)
            if self.midway and half is not None:
                half(*args, **kwargs)
            raise SimulatedCrash(f"killed {'midway' if self.midway else 'before'} step {self.at}: {self.steps[-1]}")

        return step

    def save(self, folder: Path, *args: Any, trainer_saver: Callable[[Path], Any]) -> None:
        """`save_checkpoint(folder, *args, trainer_saver)`, killed at step `at` if it gets that far."""
        write_text, save_file, rmtree = Path.write_text, checkpoint.save_file, shutil.rmtree

        def remove_one(path: str | Path, *_: Any, **__: Any) -> None:
            for entry in sorted(Path(path).iterdir())[:1]:
                if entry.is_dir():
                    rmtree(entry)
                else:
                    entry.unlink()

        steps: list[tuple[Any, str, Callable[..., str], Callable[..., Any] | None]] = [
            (Path, "write_text", lambda path, *_: f"write {path.name}",
             lambda path, data, *a, **k: write_text(path, data[: len(data) // 2], *a, **k)),
            (checkpoint, "save_file", lambda _, name: f"write {Path(name).name}",
             lambda tensors, name: (save_file(tensors, name), _truncate(Path(name)))),
            (Path, "mkdir", lambda path, *_: f"mkdir {path.name}", None),
            (os, "replace", lambda source, target: f"rename {Path(source).name} -> {Path(target).name}", None),
            (shutil, "rmtree", lambda path, *_: f"remove {Path(path).name}", remove_one),
        ]  # fmt: skip
        with pytest.MonkeyPatch.context() as patch:
            for owner, attribute, name, half in steps:
                patch.setattr(owner, attribute, self._counted(getattr(owner, attribute), name, half))
            saver = self._counted(
                trainer_saver, lambda path: f"write {path.name}", lambda path: (trainer_saver(path), _truncate(path))
            )
            save_checkpoint(folder, *args, trainer_saver=saver)


# The filesystem steps of a save of `last` over an existing one, with the trainer's state.
SAVE_STEPS = [
    "mkdir last.partial", "write policy.safetensors", "write config.yaml", "write ppo.zip", "write metadata.json",
    "rename last -> last.previous", "rename last.partial -> last", "remove last.previous",
]  # fmt: skip


def expected_versions(old: object, new: object) -> list[object]:
    """What loads after each crash point: the old checkpoint until it is renamed away, then
    the new one (a complete .partial beats .previous), and the new one after a whole save."""
    moved = SAVE_STEPS.index("rename last -> last.previous") + 1
    return [old] * 2 * moved + [new] * (2 * (len(SAVE_STEPS) - moved) + 1)


def crash_points() -> Iterator[Crasher]:
    """Crashers for step 1, 2, ... (before, then midway); the caller stops once one runs
    through a whole save without crashing."""
    for at in count(1):
        for midway in (False, True):
            yield Crasher(at, midway)


# Version i of a checkpoint: its own weights, steps, config and trainer bytes, so a mix shows.
NETWORKS = [GraphPolicyNetwork(NetworkConfig(hidden=8, layers=1, global_features=3, edge_features=1)) for _ in range(3)]


def trainer_bytes(version: int) -> bytes:
    return f"trainer state of version {version}\n".encode() * 200


def save_version(folder: Path, version: int, crasher: Crasher | None = None) -> None:
    args = (NETWORKS[version], {"env_id": ENV_ID, "training_steps": version}, {"version": version})
    saver = lambda path: path.write_bytes(trainer_bytes(version))  # noqa: E731
    if crasher is None:
        save_checkpoint(folder, *args, trainer_saver=saver)
        return
    with contextlib.suppress(SimulatedCrash):
        crasher.save(folder, *args, trainer_saver=saver)


def loaded_version(folder: Path, via_load: bool = False) -> int:
    """Which version `folder` loads as, checking that every file belongs to that version;
    `via_load`: `agents.load` meets the folder first (and settles an interrupted save)."""
    networks = [agents.load(folder).network] if via_load else []
    loaded = read_checkpoint(folder)
    version = loaded.metadata["training_steps"]
    assert loaded.config == {"version": version}
    assert (folder / "ppo.zip").read_bytes() == trainer_bytes(version)
    for network in [*networks, loaded.network]:
        for name, tensor in NETWORKS[version].state_dict().items():
            torch.testing.assert_close(network.state_dict()[name], tensor)
    return int(version)


def test_a_save_killed_at_any_step_leaves_the_old_or_the_new_checkpoint(tmp_path: Path) -> None:
    versions: list[int] = []
    for crasher in crash_points():
        folder = tmp_path / f"{crasher.at}-{crasher.midway}" / "last"
        save_version(folder, 0)
        save_version(folder, 1, crasher)
        copy = shutil.copytree(folder.parent, tmp_path / f"{crasher.at}-{crasher.midway}-load") / "last"
        versions.append(loaded_version(folder))
        assert loaded_version(copy, via_load=True) == versions[-1]
        save_version(folder, 2)  # the layout recovery leaves takes the next save
        assert loaded_version(folder) == 2 and not folder.with_name("last.previous").exists()
        if not crasher.crashed:
            break
    assert crasher.steps == SAVE_STEPS and len(versions) == 2 * len(SAVE_STEPS) + 1
    assert versions == expected_versions(0, 1)


def test_a_save_killed_while_settling_an_earlier_killed_save(tmp_path: Path) -> None:
    """The second save meets whatever the first left (stale .partial, .previous, no folder)."""
    for first in crash_points():
        start = tmp_path / f"{first.at}-{first.midway}"
        save_version(start / "last", 0)
        save_version(start / "last", 1, first)
        shutil.copytree(start, start.with_name(start.name + "-read"))
        expected = loaded_version(start.with_name(start.name + "-read") / "last")
        seen: list[int] = []
        for second in crash_points():
            folder = tmp_path / "second" / f"{first.at}-{first.midway}-{second.at}-{second.midway}"
            shutil.copytree(start, folder)
            save_version(folder / "last", 2, second)
            seen.append(loaded_version(folder / "last"))
            assert seen[-1] in (expected, 2)
            if not second.crashed:
                break
        assert seen == sorted(seen) and seen[-1] == 2
        if not first.crashed:
            break


def train_config(*overrides: str) -> dict[str, Any]:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=["logger=none", "progress_bar=false", *overrides])
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run on ft06: checkpoints at steps 32 and 64."""
    run = tmp_path_factory.mktemp("run")
    cfg = train_config(
        "+env.kwargs.instance=ft06", "~env.kwargs.generator", "~env.validation",
        "+env.validation={kind:benchmark,names:[ft06]}", "total_timesteps=64", "eval_every=32", "agent.n_envs=1",
        "agent.n_steps=32", "agent.batch_size=32", "agent.n_epochs=1", "network.hidden=8", "network.layers=1",
        "network.head_hidden=8", "seed=0",
    )  # fmt: skip
    train(cfg, run)
    return run


def test_training_resumes_after_a_kill_at_any_step_of_its_last_save(trained_run: Path, tmp_path: Path) -> None:
    last = trained_run / "checkpoints" / "last"
    assert verify_checkpoint(last)["training_steps"] == 64
    model = MaskablePPO.load(last / "ppo.zip")
    model.num_timesteps += 32  # the next periodic save, as the validator would write it
    metadata = {**json.loads((last / "metadata.json").read_text()), "training_steps": model.num_timesteps}
    config = resume_config(trained_run, {})
    resumed_from: list[int] = []
    for crasher in crash_points():
        run = tmp_path / f"{crasher.at}-{crasher.midway}"
        shutil.copytree(trained_run, run)
        with contextlib.suppress(SimulatedCrash):
            crasher.save(run / "checkpoints" / "last", model.policy.network, metadata, config, trainer_saver=model.save)
        result = train(resume_config(run, {"total_timesteps": 128}), run, resume=True)
        resumed_from.append(json.loads((run / "run_info.json").read_text())["resumes"][-1]["from_step"])
        assert result.steps >= 128 and verify_checkpoint(run / "checkpoints" / "last")["training_steps"] == result.steps
        if not crasher.crashed:
            break
    assert crasher.steps == SAVE_STEPS and resumed_from == expected_versions(64, 96)


def test_an_edited_shipped_checkpoint_is_refused(tmp_path: Path) -> None:
    assert agents.load("jssp_10x10").solve(load_benchmark("ft06")).objective == 59
    folder = shutil.copytree(ZOO / "jssp_10x10", tmp_path / "jssp_10x10")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["env_kwargs"]["dynamics"] = "active"
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    with pytest.raises(CheckpointError, match=r"jssp_10x10/metadata\.json was altered after it was saved"):
        agents.load(folder)


def test_an_unreadable_file_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file whatever its mode: the refusal is simulated."""
    save_version(tmp_path / "ckpt", 0)
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "policy.safetensors":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(CheckpointError, match=r"cannot read .*ckpt/policy\.safetensors: Permission denied"):
        agents.load(tmp_path / "ckpt")
