"""The contract every registered family inherits by calling `register_family`: the job shop
and the toy family of tests/toy_family.py (which breaks every job-shop assumption) alike.
Expected answers come from outside the family where they can: bad records the validator
must reject, solver bounds, the documented decision bound, Gymnasium's and SB3's checkers."""

from __future__ import annotations

import pickle
from copy import deepcopy
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils import env_checker
from hypothesis import given
from hypothesis import strategies as st
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from schedrl import envs
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.solver import applies
from schedrl.errors import InstanceFormatError, SchedRLError

ENV_IDS = envs.env_ids()
PARSERS = [(env_id, name) for env_id in ENV_IDS for name in envs.family(env_id).parsers]
VARIANTS = [(env_id, dict(v)) for env_id in ENV_IDS for v in envs.family(env_id).kwarg_variants]


def variant_id(value: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in value.items()) or "defaults" if isinstance(value, dict) else str(value)


def test_both_families_are_registered() -> None:
    assert {"schedrl/JobShop-v0", "schedrl-test/Toy-v0"} <= set(ENV_IDS)


def test_envelope_rejects_nonsense_sizes() -> None:
    with pytest.raises(envs.EnvelopeError, match="max_nodes must be >= 1"):
        GraphEnvelope(max_nodes=0, max_edges=0, node_features=3)


def gymnasium_checks(env: gym.Env) -> None:
    """gymnasium's check_env, with the step check's action drawn after its reset: in a
    two-stage or scheme-dependent action set, an action legal before a reset need not be
    legal after it (check_env samples it before)."""
    env_checker.check_observation_space(env.observation_space)
    env_checker.check_action_space(env.action_space)
    env_checker.check_reset_return_type(env)
    env_checker.check_reset_seed_determinism(env)
    env_checker.check_reset_options(env)
    env_checker.env_reset_passive_checker(env)
    env.reset(seed=123)
    action = int(np.flatnonzero(env.unwrapped.action_masks())[0])
    first = deepcopy(env.step(action))
    env.reset(seed=123)
    second = env.step(action)
    for key in first[0]:
        np.testing.assert_array_equal(first[0][key], second[0][key])
    assert first[1:4] == second[1:4]
    env.reset(seed=0)
    env_checker.env_step_passive_checker(env, int(np.flatnonzero(env.unwrapped.action_masks())[0]))


@pytest.mark.parametrize(("env_id", "kwargs"), VARIANTS, ids=variant_id)
def test_observation_follows_the_contract_and_passes_the_checkers(env_id: str, kwargs: dict) -> None:
    env = gym.make(env_id, **kwargs)
    space = env.observation_space
    assert {"node_features", "edge_index", "node_mask", "edge_mask"} <= set(space.spaces)
    assert space["edge_index"].dtype == np.int32 and space["node_mask"].dtype == np.int8
    assert env.action_space.n == space["node_mask"].shape[0]
    obs, _ = env.reset(seed=0)
    assert space.contains(obs) and env.unwrapped.action_masks().dtype == bool
    gymnasium_checks(env.unwrapped)
    sb3_check_env(gym.make(env_id, **kwargs))


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
        assert 0 < episode.decisions <= env.unwrapped.decision_bound
    assert results[0] == results[1]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickled_env_round_trips(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    env.reset(seed=2)
    clone = pickle.loads(pickle.dumps(env))
    np.testing.assert_array_equal(clone.action_masks(), env.action_masks())


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_validators_reject_every_broken_constraint(env_id: str) -> None:
    family = envs.family(env_id)
    for instance in family.load_instances(family.test_instances):
        policy = next(iter(family.baselines(0).values()))
        record = family.solution_record(envs.rollout(family.make_env(instance=instance), policy, seed=0).info)
        family.validate(instance, record)
        broken = family.perturbations(instance, record)
        assert len(broken) >= 3
        for constraint, bad in broken:
            with pytest.raises(envs.InvalidScheduleError):
                family.validate(instance, bad)
                pytest.fail(f"{env_id}: the validator accepted a record that breaks {constraint}")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_baseline_and_solver_gives_valid_bounded_results(env_id: str) -> None:
    family = envs.family(env_id)
    objective = family.objective
    for instance in family.load_instances(family.test_instances):
        values = {}
        for name, policy in family.baselines(0).items():
            episode = envs.rollout(family.make_env(instance=instance), policy, seed=0)
            record = family.solution_record(episode.info)
            family.validate(instance, record)
            values[name] = record[objective.key]
        for name, factory in family.solvers.items():
            solver = factory()
            if not applies(solver, instance):
                continue
            result = solver.solve(instance)
            family.validate(instance, {objective.key: result.objective, **result.solution})
            if result.lower_bound is not None:  # the solver's proven bound on the objective
                assert not objective.better(result.objective, result.lower_bound), (name, result)
            if result.proven_optimal:
                assert result.lower_bound is None or result.objective == pytest.approx(result.lower_bound)
                assert all(not objective.better(v, result.objective) for v in values.values()), (name, values)


@pytest.mark.parametrize("env_id", [i for i in ENV_IDS if envs.family(i).batched_engine is not None])
def test_batched_and_single_envs_agree_through_automatic_resets(env_id: str) -> None:
    family = envs.family(env_id)
    instance = family.load_instances(family.test_instances)[0]
    vector = gym.make_vec(env_id, 3, vectorization_mode="vector_entry_point", instance=instance.name)
    singles = [family.make_env(instance=instance) for _ in range(3)]
    observations, info = vector.reset(seed=0)
    for single in singles:
        single.reset(seed=0)
    rng, finished = np.random.default_rng(0), 0
    for _ in range(3 * singles[0].unwrapped.decision_bound):
        masks = info["action_mask"]
        actions = np.array([rng.choice(np.flatnonzero(mask)) for mask in masks])
        observations, rewards, terminated, _, info = vector.step(actions)
        for row, single in enumerate(singles):
            assert single.unwrapped.action_masks()[actions[row]]
            obs, reward, done, _, single_info = single.step(int(actions[row]))
            assert reward == pytest.approx(rewards[row]) and done == terminated[row]
            if done:
                finished += 1
                assert info["final_info"][family.objective.key][row] == single_info[family.objective.key]
                obs, _ = single.reset(seed=0)
            np.testing.assert_array_equal(obs["node_features"], observations["node_features"][row])
    assert finished >= 6  # every row restarted automatically at least once


@pytest.mark.parametrize(("env_id", "kwargs"), VARIANTS, ids=variant_id)
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_any_legal_action_sequence_ends_in_a_valid_solution(
    env_id: str, kwargs: dict, data: st.DataObject, seed: int
) -> None:
    family = envs.family(env_id)
    env = gym.make(env_id, **kwargs)
    core = env.unwrapped
    obs, info = env.reset(seed=seed)
    total, decisions = 0.0, 0
    while not core.done:
        assert decisions < core.decision_bound, "past the documented decision bound"
        legal = np.flatnonzero(core.action_masks())
        assert legal.size > 0, "mask empty before the episode ended"
        obs, reward, terminated, truncated, info = env.step(int(data.draw(st.sampled_from(legal.tolist()))))
        total += reward
        decisions += 1
        assert (terminated or truncated) == core.done and not (terminated and truncated)
        assert env.observation_space.contains(obs)
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


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_an_env_past_its_decision_bound_cannot_hang_a_rollout(env_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = gym.make(env_id)
    monkeypatch.setattr(type(env.unwrapped), "_max_decisions", lambda self, instance: 1)
    with pytest.raises(SchedRLError, match="past its documented bound of 1 decisions"):
        envs.rollout(env, envs.RandomPolicy(0), seed=0)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_another_familys_key_fails_clearly(env_id: str) -> None:
    with pytest.raises(envs.ConfigError, match=rf"env\.migration_limit is not an option of {env_id}"):
        envs.family(env_id).make_env(migration_limit=3)
