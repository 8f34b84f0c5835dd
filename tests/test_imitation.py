"""The PPO warm start (agents/imitation.py): demonstrations are whole episodes of the rule
with their discounted returns, and fitting to them makes the policy choose as the rule does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_agents import train_config

from schedrl import envs
from schedrl.agents.imitation import demonstrations, teacher
from schedrl.agents.training import train
from schedrl.errors import UnknownNameError

UAM = "schedrl/UAMFleet-v0"
SHORT_DAYS = {"generator": {"num_vertiports": 3, "num_aircraft": 4, "num_slots": 10}}


def test_demonstrations_carry_the_rules_choices_and_discounted_returns() -> None:
    env = envs.family(UAM).make_env(**SHORT_DAYS)
    data = demonstrations(env, teacher(UAM, "greedy_profit", 0), 50, gamma=0.5, seed=0)
    count = data.actions.size
    assert count >= 50 and data.masks.shape[0] == count and data.returns.shape == (count,)
    assert all(data.masks[np.arange(count), data.actions])  # every choice was legal
    assert {key: value.shape[0] for key, value in data.observations.items()} == dict.fromkeys(data.observations, count)
    # G_t = r_t + 0.5 G_{t+1} inside an episode: rebuild the first episode's rewards and check.
    rewards = data.returns[:-1] - 0.5 * data.returns[1:]
    assert np.isfinite(rewards).all()
    with pytest.raises(UnknownNameError, match="greedy_profit"):
        teacher(UAM, "greedy_proft", 0)


def test_a_stepwise_solver_may_teach_but_a_whole_day_planner_may_not() -> None:
    env = envs.family(UAM).make_env(**SHORT_DAYS)
    taught = demonstrations(env, teacher(UAM, "lookahead", 1), 20, gamma=0.9, seed=1)
    assert taught.actions.size >= 20
    with pytest.raises(UnknownNameError, match="step-wise baseline or solver"):
        teacher(UAM, "ip", 1)


def test_warm_start_matches_the_rule_before_ppo_starts(tmp_path: Path) -> None:
    """With PPO's learning rate near zero, the validation right after the warm start shows the
    imitated policy: at the rule's level, far above an untrained one."""
    overrides = (
        "env=uam",
        "~env.validation",
        "+env.validation={kind:generated,num_vertiports:3,num_aircraft:4,num_slots:10,count:2,seed:5}",
        "env.kwargs.generator.num_vertiports=3",
        "env.kwargs.generator.num_aircraft=4",
        "+env.kwargs.generator.num_slots=10",
        "env.kwargs.max_vertiports=3",
        "env.kwargs.max_aircraft=4",
        "total_timesteps=64",
        "eval_every=64",
        "agent.n_envs=1",
        "agent.n_steps=64",
        "agent.batch_size=64",
        "agent.learning_rate=1e-9",
        "seed=0",
    )
    cold = train(train_config(*overrides), tmp_path / "cold")
    warm = train(
        train_config(
            *overrides,
            "agent.imitation_rule=greedy_profit",
            "agent.imitation_decisions=3000",
            "agent.imitation_epochs=8",
            "agent.batch_size=64",
        ),
        tmp_path / "warm",
    )
    assert warm.best_gap_percent < 5.0 < cold.best_gap_percent, (warm.best_gap_percent, cold.best_gap_percent)


def test_warm_start_plays_the_training_list(tmp_path: Path) -> None:
    """With env.train_instances the demonstrations come from that list, in the training env's
    envelope, not from the env config's generator (which here would not fit it)."""
    cfg = train_config(
        "env=uam",
        "~env.validation",
        "+env.validation={kind:generated,num_vertiports:3,num_aircraft:4,num_slots:10,count:1,seed:5}",
        "env.train_instances={kind:generated,num_vertiports:3,num_aircraft:4,num_slots:10,count:2,seed:9}",
        "~env.kwargs.max_vertiports",
        "~env.kwargs.max_aircraft",
        "~env.kwargs.generator",
        "total_timesteps=64",
        "eval_every=64",
        "agent.n_envs=1",
        "agent.n_steps=64",
        "agent.batch_size=64",
        "agent.imitation_rule=greedy",
        "agent.imitation_decisions=100",
        "agent.imitation_epochs=1",
    )
    result = train(cfg, tmp_path)
    assert result.steps >= 64
