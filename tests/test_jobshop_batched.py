"""The batched job-shop engine matches the single env step for step."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedrl import envs
from schedrl.envs.jobshop import JobShopEnv, JobShopGenerator, JobShopInstance, load_benchmark
from schedrl.envs.jobshop.batched import BatchedJobShop
from schedrl.envs.jobshop.validate import validate_schedule


@pytest.mark.parametrize("auto", [True, False])
@pytest.mark.parametrize("reward", ["dense", "sparse"])
@pytest.mark.parametrize("names", [["la01", "la02", "la03", "la04", "la05"], None])
def test_batched_matches_the_single_env(reward: str, names: list[str] | None, auto: bool) -> None:
    instances = [load_benchmark(n) for n in names] if names else JobShopGenerator(6, 4).sample_set(6, seed=2)
    n, m = instances[0].shape
    batch = BatchedJobShop(len(instances), n, m, reward=reward, auto_single_choice=auto)
    obs = batch.reset(instances)
    singles = [JobShopEnv(instance, reward=reward, auto_single_choice=auto) for instance in instances]
    single_obs = [env.reset(seed=0)[0] for env in singles]
    rng = np.random.default_rng(1)
    finals: dict[int, dict] = {}
    while True:
        for b, env in enumerate(singles):
            for key in obs:
                np.testing.assert_array_equal(obs[key][b], single_obs[b][key], err_msg=f"episode {b} {key}")
            np.testing.assert_array_equal(batch.action_masks()[b], env.action_masks())
        if batch.done.all():
            break
        actions = np.array([rng.choice(np.flatnonzero(row)) if row.any() else 0 for row in batch.action_masks()])
        running = [b for b, env in enumerate(singles) if not env.done]
        obs, rewards, _, infos = batch.step(actions)
        for b, info in zip(running, infos, strict=True):
            single_obs[b], reward_value, _, _, single_info = singles[b].step(actions[b])
            assert rewards[b] == pytest.approx(reward_value)
            if info:
                finals[b] = info
                assert info["makespan"] == single_info["makespan"]
    for b, instance in enumerate(instances):
        validate_schedule(instance, finals[b]["start_times"], finals[b]["makespan"])


def _instances(rng: np.random.Generator, count: int, n: int, m: int) -> list[JobShopInstance]:
    """Random instances with some zero durations (as in orb07): ties make long forced chains."""
    instances = []
    for instance in JobShopGenerator(n, m).sample_set(count, seed=int(rng.integers(2**31))):
        durations = np.where(rng.random(instance.durations.shape) < 0.3, 0, instance.durations)
        instances.append(JobShopInstance(machines=instance.machines, durations=durations, name="zeros"))
    return instances


@given(seed=st.integers(0, 2**31 - 1), reward=st.sampled_from(["dense", "sparse"]))
def test_forced_chains_across_the_batch_match_taking_each_forced_move_as_a_step(seed: int, reward: str) -> None:
    """Each row of the automatic batch against its own engine without automatic moves, which
    takes the forced moves one step each: same observations at every decision, rewards per
    decision equal to the sum over the moves it took, same schedules; finished rows restart."""
    rng = np.random.default_rng(seed)
    n, m, rows = int(rng.integers(1, 7)), int(rng.integers(1, 6)), int(rng.integers(2, 9))
    batch = BatchedJobShop(rows, n, m, reward=reward)
    singles = [BatchedJobShop(1, n, m, reward=reward, auto_single_choice=False) for _ in range(rows)]

    def forced_moves(b: int) -> float:
        """Take row b's forced moves in its own engine; returns their reward."""
        total = 0.0
        while not singles[b].done[0] and singles[b].action_masks()[0].sum() == 1:
            total += singles[b].step(singles[b].action_masks()[0].argmax(keepdims=True))[1][0]
        return total

    def start(new_rows: np.ndarray) -> None:
        instances = _instances(rng, new_rows.size, n, m)
        batch.reset_rows(new_rows, instances)
        for b, instance in zip(new_rows, instances, strict=True):
            singles[b].reset([instance])
            forced_moves(b)  # forced at reset: no reward, as in JobShopEnv

    start(np.arange(rows))
    obs, restarts = batch.observation(), 0
    for _ in range(4 * n * m):  # three episodes per row at most
        for b, single in enumerate(singles):
            for key, value in single.observation().items():
                np.testing.assert_array_equal(obs[key][b], value[0], err_msg=f"row {b} {key}")
            np.testing.assert_array_equal(batch.action_masks()[b], single.action_masks()[0])
        if batch.done.all():
            break
        actions = (rng.random((rows, batch.N)) * batch.action_masks()).argmax(axis=1)
        running = np.flatnonzero(~batch.done)
        obs, rewards, done, infos = batch.step(actions)
        for row, info in zip(running.tolist(), infos, strict=True):
            single_reward = singles[row].step(actions[row : row + 1])[1][0] + forced_moves(row)
            assert rewards[row] == pytest.approx(single_reward)
            assert done[row] == singles[row].done[0]
            if info:
                assert info["start_times"] == singles[row].start[0].reshape(n, m).tolist()
        ended = running[done[running]]
        if ended.size and restarts < 2:
            start(ended)
            obs, restarts = batch.observation(), restarts + 1
    assert batch.done.all()


def test_batched_rejects_illegal_actions_and_wrong_sizes() -> None:
    batch = BatchedJobShop(2, 10, 5)
    with pytest.raises(envs.ConfigError, match="2 instances of size 10x5"):
        batch.reset([load_benchmark("la01")])
    batch.reset([load_benchmark("la01"), load_benchmark("la02")])
    actions = np.flatnonzero(batch.action_masks()[0])[:1].repeat(2)
    actions[1] = int(np.flatnonzero(~batch.action_masks()[1])[0])
    with pytest.raises(envs.IllegalActionError, match="episode 1: action"):
        batch.step(actions)


def test_batched_vec_env_resets_finished_episodes_and_reports_them() -> None:
    from schedrl.agents.batched_vec_env import BatchedVecEnv

    vector_env = gym.make_vec("schedrl/JobShop-v0", 8, generator={"num_jobs": 5, "num_machines": 4})
    vec_env = BatchedVecEnv(vector_env)
    vec_env.seed(3)
    engine = vector_env.engine
    obs = vec_env.reset()
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(60):
        masks = np.stack(vec_env.env_method("action_masks"))
        assert masks.any(axis=1).all()  # every episode is always running
        instances = list(engine.instances)
        obs, _, dones, infos = vec_env.step((rng.random(masks.shape) * masks).argmax(axis=1))
        assert vec_env.observation_space.contains({key: value[0] for key, value in obs.items()})
        for row in np.flatnonzero(dones):
            info = infos[row]
            validate_schedule(instances[row], info["start_times"], info["makespan"])
            assert info["episode"]["l"] >= 1 and "terminal_observation" in info
            finished += 1
    assert finished >= 8


def test_batched_engine_refuses_configs_it_does_not_implement() -> None:
    from schedrl.envs.jobshop.batched import batched_engine

    with pytest.raises(envs.ConfigError, match=r"non_delay scheme .* got dynamics='insertion'"):
        batched_engine(4, {"dynamics": "insertion"})
    with pytest.raises(envs.ConfigError, match="one instance size"):
        batched_engine(4, {"generator": {"num_jobs": [5, 8], "num_machines": 4}})


def test_make_vec_steps_all_episodes_with_masks_and_same_step_resets() -> None:
    vector_env = gym.make_vec("schedrl/JobShop-v0", 6, generator={"num_jobs": 4, "num_machines": 3})
    assert vector_env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    obs, info = vector_env.reset(seed=7)
    again, _ = gym.make_vec("schedrl/JobShop-v0", 6, generator={"num_jobs": 4, "num_machines": 3}).reset(seed=7)
    for key in obs:
        np.testing.assert_array_equal(obs[key], again[key])  # the seed fixes the sampled instances
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(40):
        masks = info["action_mask"]
        assert masks.shape == (6, 12) and masks.any(axis=1).all()
        instances = list(vector_env.unwrapped.engine.instances)
        obs, _, terminated, truncated, info = vector_env.step((rng.random(masks.shape) * masks).argmax(axis=1))
        assert vector_env.observation_space.contains(obs) and not truncated.any()
        for row in np.flatnonzero(terminated):
            final = info["final_info"]
            validate_schedule(instances[row], final["start_times"][row], final["makespan"][row])
            assert vector_env.single_observation_space.contains(info["final_obs"][row])
            finished += 1
    assert finished >= 6


def test_make_vec_on_one_instance_runs_its_episodes_side_by_side() -> None:
    instance = load_benchmark("ft06")
    vector_env = gym.make_vec("schedrl/JobShop-v0", 3, instance=instance)
    _, info = vector_env.reset(seed=0)
    single = gym.make("schedrl/JobShop-v0", instance=instance)
    _, _ = single.reset(seed=0)
    np.testing.assert_array_equal(info["action_mask"][0], single.unwrapped.action_masks())
    with pytest.raises(envs.ConfigError, match="vectorization_mode='sync'"):
        gym.make_vec("schedrl/JobShop-v0", 3, instance=instance, dynamics="active")
    sync = gym.make_vec("schedrl/JobShop-v0", 2, vectorization_mode="sync", instance=instance, dynamics="active")
    assert sync.reset(seed=0)[0]["node_features"].shape[0] == 2
