"""Property-based tests every registered env and every registered parser inherits."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedrl import envs
from schedrl.errors import InstanceFormatError

ENV_IDS = envs.env_ids()
PARSERS = [(env_id, name) for env_id in ENV_IDS for name in envs.family(env_id).parsers]


@pytest.mark.parametrize("env_id", ENV_IDS)
@given(data=st.data(), seed=st.integers(0, 2**31 - 1), reward=st.sampled_from(["dense", "sparse"]))
def test_any_legal_action_sequence_ends_in_a_valid_solution(
    env_id: str, data: st.DataObject, seed: int, reward: str
) -> None:
    family = envs.family(env_id)
    kwargs = {"reward": reward}
    env = gym.make(env_id, **kwargs)
    core = env.unwrapped
    obs, info = env.reset(seed=seed)
    total, decisions = 0.0, 0
    while not core.done:
        legal = np.flatnonzero(core.action_masks())
        assert legal.size > 0, "mask empty before the episode ended"
        obs, reward_value, terminated, truncated, info = env.step(int(data.draw(st.sampled_from(legal.tolist()))))
        total += reward_value
        decisions += 1
        assert not truncated and terminated == core.done
        assert env.observation_space.contains(obs)
    assert decisions <= env.action_space.n  # documented bound: one decision per node at most
    family.validate(core.episode_instance, family.solution_record(info))
    assert total == pytest.approx(family.episode_return(kwargs, info), abs=1e-6)
    again, _ = env.reset(seed=seed)
    first, _ = gym.make(env_id, **kwargs).reset(seed=seed)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])


integer_lines = st.lists(
    st.lists(st.integers(-3, 12).map(str) | st.sampled_from(["x", "1.5", "", "Times", "#"]), max_size=14).map(" ".join),
    max_size=12,
).map("\n".join)


@pytest.mark.parametrize(("env_id", "parser"), PARSERS)
@given(text=st.text(max_size=200) | integer_lines)
def test_parsers_raise_only_documented_errors(env_id: str, parser: str, text: str) -> None:
    try:
        instance = envs.family(env_id).parsers[parser](text)
    except InstanceFormatError:
        return
    assert instance.name  # parsed: a complete instance came out
