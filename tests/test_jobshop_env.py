"""The job-shop env: checkers, determinism, masks, rewards, and observation correctness."""

from __future__ import annotations

import itertools
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from stepping import until_done

from schedrl import envs
from schedrl.envs.jobshop import JobShopEnv, JobShopGenerator, load_benchmark
from schedrl.envs.jobshop.env import NODE_FEATURES
from schedrl.envs.jobshop.validate import validate_schedule

F = {name: index for index, name in enumerate(NODE_FEATURES)}


def random_episode(env: gym.Env, seed: int, **reset_kwargs):
    """Random legal actions; returns (obs list, rewards, final info)."""
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed, **reset_kwargs)
    observations, rewards = [obs], []
    for _ in until_done(env):
        mask = env.unwrapped.action_masks()
        assert mask.any(), "mask empty before the episode ended"
        obs, reward, _, truncated, info = env.step(rng.choice(np.flatnonzero(mask)))
        assert not truncated
        observations.append(obs)
        rewards.append(reward)
    return observations, rewards, info


@pytest.mark.parametrize(
    "kwargs",
    [{"instance": "ft06"}, {"instance": "ta01"}, {}, {"generator": {"num_jobs": [3, 6], "num_machines": [2, 5]}}],
)
def test_sb3_env_checker(dynamics: str, kwargs: dict) -> None:
    sb3_check_env(gym.make("schedrl/JobShop-v0", dynamics=dynamics, **kwargs))


@pytest.mark.parametrize("kwargs", [{"instance": "ft06"}, {}])
def test_gymnasium_env_checker(kwargs: dict) -> None:
    # Gymnasium's step-determinism check samples its action *before* the reset it tests,
    # from the previous state's legal set. Under non_delay every legal set right after a
    # reset is within the legal set at reset, so the check applies. The other schemes can
    # make a job's second operation legal after one step (the check then fails at random
    # with an IllegalActionError); they are covered by SB3's checker and the determinism
    # test below.
    gym_check_env(gym.make("schedrl/JobShop-v0", render_mode="rgb_array", **kwargs).unwrapped)


@pytest.mark.parametrize("kwargs", [{"instance": "la01"}, {"generator": {"num_jobs": [4, 8], "num_machines": [3, 6]}}])
def test_seeded_episodes_are_identical(dynamics: str, kwargs: dict) -> None:
    first = random_episode(gym.make("schedrl/JobShop-v0", dynamics=dynamics, **kwargs), seed=7)
    second = random_episode(gym.make("schedrl/JobShop-v0", dynamics=dynamics, **kwargs), seed=7)
    assert first[1] == second[1]
    assert first[2] == second[2]
    for a, b in zip(first[0], second[0], strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_returned_observations_are_not_mutated_later() -> None:
    env = JobShopEnv("ft06")
    obs, _ = env.reset(seed=0)
    kept = {key: value.copy() for key, value in obs.items()}
    env.step(env.action_space.sample())
    for key in kept:
        np.testing.assert_array_equal(obs[key], kept[key])


def test_pickled_env_continues_identically(dynamics: str) -> None:
    env = JobShopEnv("la01", dynamics=dynamics)
    env.reset(seed=3)
    for _ in range(5):
        env.step(int(np.flatnonzero(env.action_masks())[0]))
    clone = pickle.loads(pickle.dumps(env))
    for _ in until_done(env):
        action = int(np.flatnonzero(env.action_masks())[-1])
        a, b = env.step(action), clone.step(action)
        assert a[1] == b[1] and a[2] == b[2]
    assert a[4]["makespan"] == b[4]["makespan"]


@pytest.mark.parametrize("name", ["ft06", "la16", "ta01", "swv01"])
def test_random_rollouts_give_valid_schedules_and_reward_identity(dynamics: str, name: str) -> None:
    for reward, normalize in (("dense", True), ("dense", False), ("sparse", True), ("sparse", False)):
        env = JobShopEnv(name, dynamics=dynamics, reward=reward, normalize_reward=normalize)
        _, rewards, info = random_episode(env, seed=1)
        instance = load_benchmark(name)
        validate_schedule(instance, info["start_times"], info["makespan"])
        assert len(rewards) <= instance.num_jobs * instance.num_machines
        unit = info["time_scale"] if normalize else 1.0
        if reward == "dense":  # rewards sum to initial lower bound minus makespan
            assert sum(rewards) * unit == pytest.approx(info["initial_lower_bound"] - info["makespan"])
        else:
            assert rewards[-1] * unit == pytest.approx(-info["makespan"]) and not any(rewards[:-1])


def test_auto_single_choice_only_skips_forced_moves(dynamics: str) -> None:
    manual = JobShopEnv("la01", dynamics=dynamics, auto_single_choice=False)
    _, rewards, _ = random_episode(manual, seed=0)
    assert len(rewards) == 50  # la01 is 10x5: one step per operation
    automatic = JobShopEnv("la01", dynamics=dynamics)
    automatic.reset(seed=0)
    steps = 0
    for _ in until_done(automatic):
        assert automatic.action_masks().sum() >= 2
        automatic.step(automatic.action_space.sample())
        steps += 1
    assert steps < 50


def _expected_features(env: JobShopEnv) -> dict[str, np.ndarray]:
    """Node features recomputed from scratch from the schedule so far (start times only)."""
    instance = env.state.instance
    n, m = instance.shape
    durations = instance.durations.ravel()
    machines = instance.machines.ravel()
    start = env.state.start
    scheduled = start >= 0
    remaining = np.where(scheduled, 0, durations)
    lb = np.zeros(n * m)
    for j in range(n):
        ready = 0
        for k in range(m):
            node = j * m + k
            lb[node] = start[node] + durations[node] if scheduled[node] else ready + durations[node]
            ready = lb[node]
    scale = instance.trivial_lower_bound
    machine_left = np.bincount(machines, remaining, m)
    return {
        "duration": durations / durations.max(),
        "completion_lower_bound": lb / scale,
        "scheduled": scheduled.astype(float),
        "eligible": env.action_masks()[: n * m].astype(float),
        "job_remaining_work": np.repeat(remaining.reshape(n, m).sum(axis=1), m) / scale,
        "machine_remaining_work": machine_left[machines] / scale,
        "job_remaining_ops": np.repeat((~scheduled).reshape(n, m).sum(axis=1), m) / m,
    }


def _expected_edges(env: JobShopEnv) -> set[tuple[int, int, int]]:
    instance = env.state.instance
    n, m = instance.shape
    start = env.state.start
    edges = {(j * m + k, j * m + k + 1, 0) for j in range(n) for k in range(m - 1)}
    for machine in range(m):
        nodes = [node for node in np.flatnonzero(instance.machines.ravel() == machine) if start[node] >= 0]
        nodes.sort(key=lambda node: start[node])
        edges |= {(a, b, 1) for a, b in itertools.pairwise(nodes)}
    return edges


@pytest.mark.parametrize("name", ["ft06", "la06"])
def test_incremental_observation_matches_a_rebuild(dynamics: str, name: str) -> None:
    env = JobShopEnv(name, dynamics=dynamics, max_jobs=20, max_machines=10)  # padded envelope
    rng = np.random.default_rng(5)
    obs, _ = env.reset(seed=5)
    while True:
        n, m = env.state.instance.shape
        for feature, expected in _expected_features(env).items():
            np.testing.assert_allclose(obs["node_features"][: n * m, F[feature]], expected, rtol=1e-6, err_msg=feature)
        assert not obs["node_features"][n * m :].any() and not obs["node_mask"][n * m :].any()
        real = obs["edge_mask"].astype(bool)
        got = set(
            zip(
                obs["edge_index"][0, real].tolist(),
                obs["edge_index"][1, real].tolist(),
                obs["edge_attr"][real, 0].astype(int).tolist(),
                strict=True,
            )
        )
        assert got == _expected_edges(env)
        if env.done:
            break
        obs, *_ = env.step(rng.choice(np.flatnonzero(env.action_masks())))


def test_illegal_actions_raise_clear_errors() -> None:
    env = JobShopEnv("ft06")
    env.reset(seed=0)
    masked = int(np.flatnonzero(~env.action_masks()[:36])[0])
    with pytest.raises(envs.IllegalActionError, match=f"action {masked} is masked out"):
        env.step(masked)
    with pytest.raises(envs.IllegalActionError, match="out of range"):
        env.step(36)
    with pytest.raises(envs.IllegalActionError, match="out of range"):
        env.step(-1)
    with pytest.raises(envs.IllegalActionError, match="node index"):
        env.step("first")
    for _ in until_done(env):
        env.step(env.action_space.sample())
    with pytest.raises(envs.IllegalActionError, match="reset"):
        env.step(0)


def test_envelope_and_instance_options() -> None:
    env = gym.make("schedrl/JobShop-v0", instance="ta01")
    assert env.observation_space["node_features"].shape == (225, len(NODE_FEATURES))
    obs, _ = env.reset(options={"instance": "ft06"})  # smaller instance, same envelope
    assert obs["node_mask"].sum() == 36
    with pytest.raises(envs.EnvelopeError, match=r"ta41.*at most 225 nodes"):
        env.reset(options={"instance": "ta41"})
    with pytest.raises(envs.UnknownNameError, match="Did you mean 'ta01'"):
        gym.make("schedrl/JobShop-v0", instance="ta001")
    with pytest.raises(envs.ConfigError, match=r"dynamics must be one of .*Did you mean 'non_delay'"):
        JobShopEnv("ft06", dynamics="nondelay")


def test_generator_draws_from_env_seed() -> None:
    env = JobShopEnv(generator=JobShopGenerator(num_jobs=[3, 8], num_machines=[2, 6]))
    assert env.observation_space["node_features"].shape[0] == 48
    env.reset(seed=11)
    first = env.state.instance
    env.reset(seed=11)
    np.testing.assert_array_equal(first.durations, env.state.instance.durations)
    shapes = set()
    for seed in range(20):
        env.reset(seed=seed)
        shapes.add(env.state.instance.shape)
    assert len(shapes) > 3


def test_render_returns_gantt_image() -> None:
    env = JobShopEnv("ft06", render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(5):
        env.step(env.action_space.sample())
    image = env.render()
    assert image.ndim == 3 and image.shape[2] == 3 and image.shape[0] > 100 and image.std() > 0


def test_zero_durations_schedule_validly(dynamics: str) -> None:
    # orb07 has a zero-duration operation; an all-zero instance is legal input too.
    from schedrl.envs.jobshop import JobShopInstance

    for durations in ([[0, 0], [0, 0]], [[3, 0], [0, 2]]):
        instance = JobShopInstance("zeros", machines=np.array([[0, 1], [1, 0]]), durations=np.array(durations))
        _, _, info = random_episode(JobShopEnv(instance, dynamics=dynamics, auto_single_choice=False), seed=0)
        validate_schedule(instance, info["start_times"], info["makespan"])


def test_insertion_fills_an_idle_gap_that_fits_exactly() -> None:
    from schedrl.envs.jobshop import JobShopInstance

    # Job 0: machine 1 for 4, then machine 0 for 2. Job 1: machine 0 for 4, then machine 1 for 1.
    # Dispatch job 0 fully first: machine 1 [0, 4), machine 0 [4, 6), leaving machine 0 idle
    # in [0, 4). Job 1's first operation takes exactly 4, so it fits that gap: start 0 (not 6).
    # Its second operation then waits for machine 1 until 4: [4, 5). Makespan 6 (not 11).
    instance = JobShopInstance("gap", np.array([[1, 0], [0, 1]]), np.array([[4, 2], [4, 1]]))
    env = JobShopEnv(instance, dynamics="insertion", auto_single_choice=False)
    env.reset(seed=0)
    for node in (0, 1, 2, 3):
        *_, info = env.step(node)
    assert info["start_times"] == [[0, 4], [0, 4]] and info["makespan"] == 6
    validate_schedule(instance, info["start_times"], info["makespan"])


def test_durations_at_the_limit_schedule_validly(dynamics: str) -> None:
    # The largest work an instance may hold (2**40 in all); before the limit, durations near
    # the state's sentinel gave an IndexError or, under insertion, an overlapping schedule.
    from schedrl.envs.jobshop import JobShopInstance
    from schedrl.envs.jobshop.instance import MAX_TOTAL_DURATION

    quarter = MAX_TOTAL_DURATION // 4
    instance = JobShopInstance(
        "huge", np.array([[0, 1], [1, 0]]), np.array([[quarter, quarter - 7], [quarter + 3, quarter + 4]])
    )
    for seed in range(3):
        _, rewards, info = random_episode(JobShopEnv(instance, dynamics=dynamics, auto_single_choice=False), seed)
        validate_schedule(instance, info["start_times"], info["makespan"])
        assert sum(rewards) * info["time_scale"] == pytest.approx(info["initial_lower_bound"] - info["makespan"])


def test_active_conflict_set_is_strict() -> None:
    from schedrl.envs.jobshop import JobShopInstance

    # Job 0: machine 0 for 3, then machine 1 for 1. Job 1: machine 1 for 3, then machine 0 for 2.
    # At reset both first operations could end at 3; the tie goes to job 0 (machine 0), whose
    # conflict set holds only itself: node 0 is the one choice. It runs [0, 3). Then job 1's
    # first operation can end first (at 3, machine 1); job 0's op 1 also needs machine 1 but
    # cannot start before 3, which is not < 3: Giffler-Thompson leaves it out (choosing it
    # would delay an operation that could have finished by then: not an active schedule).
    instance = JobShopInstance("conflict", np.array([[0, 1], [1, 0]]), np.array([[3, 1], [3, 2]]))
    env = JobShopEnv(instance, dynamics="active", auto_single_choice=False)
    env.reset(seed=0)
    assert np.flatnonzero(env.action_masks()).tolist() == [0]
    env.step(0)
    assert np.flatnonzero(env.action_masks()).tolist() == [2]
