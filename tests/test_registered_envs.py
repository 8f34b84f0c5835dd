"""Contract tests every registered family inherits by calling `register_family`."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from schedrl.envs.core.observation import GraphEnvelope
from stable_baselines3.common.env_checker import check_env

from schedrl import envs

ENV_IDS = envs.env_ids()


def test_the_job_shop_is_registered() -> None:
    assert "schedrl/JobShop-v0" in ENV_IDS and "schedrl/JobShop-v0" in gym.registry


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_observation_follows_the_contract(env_id: str) -> None:
    env = gym.make(env_id)
    space = env.observation_space
    assert {"node_features", "edge_index", "node_mask", "edge_mask"} <= set(space.spaces)
    assert space["edge_index"].dtype == np.int32 and space["node_mask"].dtype == np.int8
    assert env.action_space.n == space["node_mask"].shape[0]
    obs, _ = env.reset(seed=0)
    assert space.contains(obs)
    assert env.unwrapped.action_masks().dtype == bool
    check_env(env)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_random_rollouts_validate_and_are_reproducible(env_id: str) -> None:
    family = envs.family(env_id)
    results = []
    for _ in range(2):
        env = gym.make(env_id)
        episode = envs.rollout(env, envs.RandomPolicy(seed=4), seed=4)
        record = family.solution_record(episode.info)
        family.validate(env.unwrapped.episode_instance, record)
        results.append((episode.total_reward, record))
        assert episode.decisions <= env.action_space.n
    assert results[0] == results[1]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickled_env_round_trips(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    env.reset(seed=2)
    clone = pickle.loads(pickle.dumps(env))
    np.testing.assert_array_equal(clone.action_masks(), env.action_masks())


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_baselines_are_policies(env_id: str) -> None:
    baselines = envs.baselines(env_id)
    assert baselines and all(isinstance(policy, envs.Policy) for policy in baselines.values())


def test_envelope_rejects_nonsense_sizes() -> None:
    with pytest.raises(envs.EnvelopeError, match="max_nodes must be >= 1"):
        GraphEnvelope(max_nodes=0, max_edges=0, node_features=3)
