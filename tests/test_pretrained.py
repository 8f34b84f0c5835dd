"""Fine-tuning (agent.init_weights, agents/pretrained.py): a new run starts from a trained
checkpoint's weights and network, and refuses weights that cannot fit its env."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
import yaml
from test_agents import train_config

from schedrl import agents, envs
from schedrl.agents.checkpoint import read_checkpoint
from schedrl.agents.training import train
from schedrl.errors import ConfigError, UnknownNameError

TINY = ("env.num_jobs=10", "env.num_machines=10", "env.validation.count=2", "total_timesteps=64",
        "eval_every=64", "agent.n_envs=1", "agent.n_steps=64", "agent.batch_size=64", "network.hidden=32")  # fmt: skip


def test_a_fine_tuned_run_starts_from_the_checkpoints_weights_and_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a learning rate near zero the run's checkpoint holds the shipped weights, and its
    config records the shipped network, not the configured hidden=32 it replaced."""
    result = train(train_config(*TINY, "agent.init_weights=jssp_10x10", "agent.learning_rate=1e-12"), tmp_path)
    assert "starts from the weights of jssp_10x10" in capsys.readouterr().out
    shipped = agents.load("jssp_10x10").network.state_dict()
    tuned = read_checkpoint(result.run_dir / "checkpoints" / "last").network.state_dict()
    assert shipped.keys() == tuned.keys()
    for key, value in shipped.items():
        torch.testing.assert_close(tuned[key], value, atol=1e-6, rtol=0, msg=key)
    saved = yaml.safe_load((result.run_dir / "config.yaml").read_text())
    assert saved["network"]["hidden"] == 64
    assert saved["network"]["encoder_options"] == {"edge_input": False}


def test_the_starting_policy_is_validated_at_step_0(tmp_path: Path) -> None:
    """The curve starts at the shipped policy's own validation score (recomputed here from
    the same instances), and a checkpoint of it is kept."""
    cfg = train_config(*TINY, "agent.init_weights=jssp_10x10")
    result = train(cfg, tmp_path)
    with (result.run_dir / "logs" / "progress.csv").open() as handle:
        validations = [row for row in csv.DictReader(handle) if row["validation/makespan_mean"]]
    assert [int(row["time/total_timesteps"]) for row in validations] == [0, 64]
    family = envs.family(cfg["env"]["id"])
    instances = family.load_instances(cfg["env"]["validation"], "env.validation")
    shipped = agents.load("jssp_10x10").rollouts(instances, greedy=True)
    expected = sum(info["makespan"] for info in shipped) / len(shipped)
    assert float(validations[0]["validation/makespan_mean"]) == pytest.approx(expected)


def test_the_replaced_network_settings_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train(train_config(*TINY, "agent.init_weights=jssp_10x10"), tmp_path)
    assert "hidden: 32 -> 64" in capsys.readouterr().out


def test_weights_for_another_env_or_an_unknown_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"agent.init_weights=vm_medium: that policy was trained on schedrl/VM"):
        train(train_config(*TINY, "agent.init_weights=vm_medium"), tmp_path / "vm")
    with pytest.raises(UnknownNameError, match="jssp_10x10"):
        train(train_config(*TINY, "agent.init_weights=jssp_10x1"), tmp_path / "typo")


def test_weights_and_imitation_cannot_both_start_the_policy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"init_weights and agent\.imitation_rule"):
        train(train_config(*TINY, "agent.init_weights=jssp_10x10", "agent.imitation_rule=mwkr"), tmp_path)
