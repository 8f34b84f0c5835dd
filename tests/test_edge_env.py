"""Hand-worked episodes of schedrl/EdgeOffload-v0: processor sharing against closed forms, the
upload, energy and marginal delay of a two-server case, the objective vector behind the
reward, the delay's telescoping, golden results of every rule, the FIFO, the env's contract
and the clairvoyant reference. Expected numbers are worked out in the comments, not read off
the env."""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from schedrl import envs
from schedrl.envs.edge.env import EdgeOffloadEnv
from schedrl.envs.edge.generator import ScenarioGenerator
from schedrl.envs.edge.instance import EdgeInstance, Realisation
from schedrl.envs.edge.metrics import episode_metrics
from schedrl.envs.edge.mo import MultiObjectiveReward, scalarised
from schedrl.envs.edge.search import ClairvoyantSearch
from schedrl.envs.edge.servers import ProcessorSharingServer, completion_times
from schedrl.envs.edge.simulation import OffloadSimulation
from schedrl.envs.edge.validate import RECORD_KEYS, validate_record
from schedrl.errors import ConfigError, EnvelopeError

ENV_ID = "schedrl/EdgeOffload-v0"


def run(env: gym.Env, actions: list[int]) -> list[tuple[float, dict[str, Any]]]:
    """Reset, take `actions` in turn; (reward, info) of every step."""
    env.reset(seed=0)
    steps = []
    for action in actions:
        _, reward, _, _, info = env.step(action)
        steps.append((float(reward), info))
    return steps


def play(env: gym.Env, policy: Any, seed: int = 0) -> list[tuple[Any, dict[str, Any], dict[str, np.ndarray]]]:
    """An episode of `policy`; (reward, info, observation before the step) of every step (the
    reward as the env gives it: a vector under the multi-objective wrapper)."""
    obs, _ = env.reset(seed=seed)
    core: Any = env.unwrapped
    steps = []
    while not core.done:
        before = {key: value.copy() for key, value in obs.items()}
        obs, reward, _, _, info = env.step(policy.act(obs, core.action_masks(), env))
        steps.append((reward, info, before))
    return steps


# ----------------------------------------------------------------------------- processor sharing


def test_two_tasks_joining_together_share_until_the_smaller_is_done() -> None:
    """Processor sharing's closed form for simultaneous joins: the smaller of L1 <= L2 leaves
    at 2 L1 / s, the larger at (L1 + L2) / s."""
    speed = 2e9 / 1000  # 2 GHz at 1000 cycles a bit: 2e6 bit/s
    # 4 and 8 Mbit at t = 0 get 1e6 bit/s each: the 4 Mbit task is done at 4e6 / 1e6 = 4 s
    # (= 2 x 4 / 2). The other then has 8 - 4 = 4 Mbit left, alone at 2e6 bit/s: 2 s more, 6 s
    # (= (4 + 8) / 2).
    assert completion_times([(0.0, 0, 4e6), (0.0, 1, 8e6)], speed) == pytest.approx({0: 4.0, 1: 6.0})


@pytest.mark.parametrize("count", [1, 3, 7])
def test_equal_tasks_finish_together(count: int) -> None:
    """n tasks of L bits share evenly from start to end: all leave at n L / speed."""
    done = completion_times([(0.0, task, 2e6) for task in range(count)], 2e6)
    assert done == pytest.approx(dict.fromkeys(range(count), count * 2e6 / 2e6))


def test_a_late_joiner_shares_what_is_left() -> None:
    """A task joining a busy server slows the one there only while both are present."""
    # Speed 2e6 bit/s. Task 0 (4 Mbit) runs alone over [0, 1): 2 Mbit done, 2 left. Task 1 (1 Mbit)
    # joins at 1: 1e6 bit/s each, task 1 leaves at 1 + 1 = 2; task 0 has 2 - 1 = 1 Mbit left,
    # alone: 0.5 s, leaves at 2.5. Task 2 (2 Mbit) joins the idle server at 10, leaves at 11.
    joins = [(0.0, 0, 4e6), (1.0, 1, 1e6), (10.0, 2, 2e6)]
    assert completion_times(joins, 2e6) == pytest.approx({0: 2.5, 1: 2.0, 2: 11.0})


def test_a_server_projects_the_marginal_delay_of_a_new_task() -> None:
    """The delay a decision is charged: its own response time plus the slowdown of the tasks
    already there, from the server's state at the decision time."""
    server = ProcessorSharingServer(2e6)
    assert server.add(0.0, 0, 4e6) == 2.0  # alone: 4e6 / 2e6
    # An 8 Mbit task joining at 0: the two finish at 4 and 6 (first test), 4 + 6 = 10 against
    # 2 without it: 8 = its own 6 s plus the 2 s it costs task 0.
    assert server.marginal_delay(server.project(0.0, 1, 8e6)) == pytest.approx(8.0)
    assert server.add(0.0, 1, 8e6) == pytest.approx(6.0)
    server.advance(5.0)
    # At 5: task 0 left at 4; task 1 has 8 - 4 (shared) - 2 (alone over [4, 5)) = 2 Mbit left.
    assert server.completions == pytest.approx({0: 4.0}) and server.remaining.tolist() == pytest.approx([2e6])
    # A 2 Mbit task joining at 5: both have 2 Mbit, 1e6 bit/s each, both leave at 7. Task 1
    # would have left at 6: delay 7 + 7 - 6 - 5 = 3 = own 2 + task 1's 1.
    assert server.marginal_delay(server.project(5.0, 2, 2e6)) == pytest.approx(3.0)
    # Uploaded until 6 instead, it finds task 1 gone (6.0): alone to 7, delay 7 - 5 = 2, no slowdown.
    assert server.marginal_delay(server.project(6.0, 2, 2e6)) == pytest.approx(2.0)


# ----------------------------------------------------------------------------- a hand-worked episode


def two_servers(preference: float = 0.25, **fields: Any) -> EdgeInstance:
    """A cloud and one edge, one user, round numbers throughout: noise -30 dBm/Hz over 1 MHz is
    1e-6 W/Hz x 1e6 Hz = 1 W and the transmit power is 1 W, so SNR = g and a rate is
    1e6 log2(1 + g) bit/s: the cloud's gain 1 gives 1e6 bit/s, the edge's 15 gives
    1e6 log2(16) = 4e6 bit/s. 1000 cycles a bit: the cloud (2 GHz) runs 2e6 bit/s, the edge
    (1 GHz) 1e6 bit/s. kappa 1e-28: L bits at f Hz cost 1e-28 x 1e3 x L x f^2 J, 0.1 J a Mbit
    on the edge and 0.4 J on the cloud. Units 2 s and 0.5 J.

    The realisation is set by hand: tasks of 2, 1 and 3 Mbit arriving at steps 0, 1 and 2."""
    scenario: dict[str, Any] = {
        "num_edges": 1,
        "num_users": 1,
        "horizon": 3,
        "bandwidth_hz": 1e6,
        "noise_dbm_per_hz": -30.0,
        "transmit_power_w": 1.0,
        "kappa": 1e-28,
        "delay_unit": 2.0,
        "energy_unit": 0.5,
    }
    instance = EdgeInstance(name="two_servers", preference=preference, **(scenario | fields))
    vars(instance)["realisation"] = Realisation(
        server_freqs=np.array([2e9, 1e9]),
        distances=np.array([[1500.0], [100.0]]),
        gains=np.array([[[1.0], [15.0]]]),  # [F = 1, S = 2, U = 1]
        arrival_steps=np.array([0, 1, 2]),
        sizes=np.array([2e6, 1e6, 3e6]),
        users=np.array([0, 0, 0]),
    )
    return instance


# Tasks 0 and 1 to the edge, task 2 to the cloud (w = 0.25: a task costs 0.25 d / 2 + 0.75 e / 0.5
# = d / 8 + 1.5 e).
# Task 0 (2 Mbit, step 0) on the edge: upload 2e6 / 4e6 = 0.5 s, joins at 0.5, alone 2 s: done at
#   2.5, delay 2.5. Energy 1 W x 0.5 s + 0.1 x 2 = 0.7 J. Cost 2.5 / 8 + 1.05 = 1.3625.
# Task 1 (1 Mbit, step 1) on the edge: upload 0.25 s, joins at 1.25, when task 0 has run 0.75 s
#   and has 1.25 Mbit left. Shared at 0.5e6 bit/s: task 1 is done at 1.25 + 2 = 3.25; task 0 did
#   1 Mbit meanwhile, its last 0.25 Mbit alone takes 0.25 s: done at 3.5 instead of 2.5.
#   Delay = own response 3.25 - 1 + task 0's slowdown 3.5 - 2.5 = 3.25. Energy 0.25 + 0.1 =
#   0.35 J. Cost 3.25 / 8 + 0.525 = 0.93125.
#   (On the cloud instead: upload 1 s, 0.5 s of service: delay 1.5, energy 1 + 0.4 = 1.4 J.)
# Task 2 (3 Mbit, step 2) on the cloud: upload 3 s, joins at 5, runs 1.5 s: done at 6.5, delay
#   4.5. Energy 3 + 0.4 x 3 = 4.2 J. Cost 4.5 / 8 + 6.3 = 6.8625.
#   (On the edge instead: upload 0.75 s, joins at 2.75 with tasks 0 and 1 holding 0.5 and
#   0.25 Mbit; three-way sharing ends task 1 at 3.5, then task 0 at 4.0, and task 2 alone at
#   6.5: 3.5 + 4 + 6.5 - (3.25 + 3.5) - 2 = 5.25 s; energy 0.75 + 0.3 = 1.05 J.)
# The edge's delays telescope: 2.5 + 3.25 = (3.5 - 0) + (3.25 - 1).
# weighted_cost (1.3625 + 0.93125 + 6.8625) / 3 = 9.15625 / 3; avg_delay 10.25 / 3; avg_energy 5.25 / 3.
HAND = {
    "assignments": [[0, 0, 1], [1, 1, 1], [2, 2, 0]],
    "upload_times": [0.5, 0.25, 3.0],
    "completions": [3.5, 3.25, 6.5],
    "delays": [2.5, 3.25, 4.5],
    "energies": [0.7, 0.35, 4.2],
    "weighted_cost": 9.15625 / 3,
    "avg_delay": 10.25 / 3,
    "avg_energy": 1.75,
    "preference": 0.25,
    "num_edges": 1,
    "decided": 3,
}
HAND_COSTS = [1.3625, 0.93125, 6.8625]


def test_rates_upload_times_and_options_of_the_two_server_case() -> None:
    """The simulation's per-server options at each decision, against the comment above."""
    instance = two_servers()
    assert instance.noise_w == pytest.approx(1.0)
    assert instance.upload_rates(0, 0) == pytest.approx([1e6, 4e6], rel=1e-12)
    sim = OffloadSimulation(instance)
    sim.assign(1)
    options = sim.options  # task 1 at step 1: [cloud, edge, local (disabled: inf)]
    assert (sim.step, sim.task) == (1, 1)
    assert options.upload_time[:2] == pytest.approx([1.0, 0.25])
    assert options.delay[:2] == pytest.approx([1.5, 3.25])
    assert options.energy[:2] == pytest.approx([1.4, 0.35])
    assert np.isinf(options.energy[2]) and np.isinf(options.cost(instance)[2])
    sim.assign(1)
    assert sim.options.delay[:2] == pytest.approx([4.5, 5.25])
    assert sim.options.energy[:2] == pytest.approx([4.2, 1.05])


def test_the_env_reports_the_hand_worked_episode() -> None:
    """Per step: the reward and [delay, energy]; at the end the record and metrics."""
    instance = two_servers()
    steps = run(EdgeOffloadEnv(instance=instance), [1, 1, 0])  # node 0 the cloud, node 1 the edge
    for (reward, info), delay, energy, cost in zip(steps, HAND["delays"], HAND["energies"], HAND_COSTS, strict=True):
        assert info["objectives"].tolist() == pytest.approx([delay, energy])
        assert reward == pytest.approx(-cost)
    final = steps[-1][1]
    assert final["assignments"] == HAND["assignments"]
    for key in RECORD_KEYS[1:]:
        assert final[key] == pytest.approx(HAND[key]), key
    assert final["costs"] == pytest.approx(HAND_COSTS)  # each decision's term, beside the record
    validate_record(instance, final)


# ----------------------------------------------------------------------------- the reward


@pytest.mark.parametrize("preference", [0.0, 0.3, 1.0])
def test_the_reward_is_the_preference_weighted_objective_vector(preference: float) -> None:
    """Each step's reward is -(w delay / delay_unit + (1 - w) energy / energy_unit) of its
    own [delay, energy]; the MO wrapper's vector, weighted by (w, 1 - w), is the same reward."""
    instance = EdgeInstance(name="w", seed=5, num_edges=3, horizon=15, preference=preference, local_freq=1e9)
    scalar = play(EdgeOffloadEnv(instance=instance), envs.RandomPolicy(seed=1))
    assert len(scalar) > 5
    for reward, info, _ in scalar:
        delay, energy = info["objectives"]
        assert reward == pytest.approx(-(preference * delay / 100.0 + (1 - preference) * energy / 0.1), rel=1e-12)
    vector = play(MultiObjectiveReward(EdgeOffloadEnv(instance=instance)), envs.RandomPolicy(seed=1))
    for (reward, _, _), (rewards, _, _) in zip(scalar, vector, strict=True):
        assert np.asarray(rewards).shape == (2,)
        assert float(np.dot(rewards, [preference, 1 - preference])) == pytest.approx(reward, rel=1e-6)
        assert scalarised(np.asarray(rewards), preference) == pytest.approx(reward, rel=1e-6)


def test_reward_cap_caps_each_term_before_scaling() -> None:
    """reward = -reward_scale x min(term, reward_cap): a task stranded on a deep-faded link
    costs thousands of units, the cap keeps it at the cap."""
    instance = EdgeInstance(name="cap", seed=5, num_edges=3, horizon=15, preference=0.5)
    free = play(EdgeOffloadEnv(instance=instance), envs.RandomPolicy(seed=2))
    capped = play(EdgeOffloadEnv(instance=instance, reward_cap=0.5, reward_scale=2.0), envs.RandomPolicy(seed=2))
    terms = [-reward for reward, _, _ in free]
    assert min(terms) < 0.5 < max(terms)  # some steps capped, some not
    for term, (reward, _, _) in zip(terms, capped, strict=True):
        assert reward == pytest.approx(-2.0 * min(term, 0.5))
    assert capped[-1][1]["weighted_cost"] == free[-1][1]["weighted_cost"]  # the objective is not capped


# ----------------------------------------------------------------------------- telescoping


@pytest.mark.parametrize(
    "generator",
    [{"num_edges": 3}, {"num_edges": [2, 5], "local_freq": 1e9, "fading": "step"}, {"legacy_rate": True}],
    ids=["default", "local-step", "legacy"],
)
def test_a_servers_marginal_delays_add_up_to_its_response_times(generator: dict[str, Any]) -> None:
    """What the clairvoyant search and the documented objective rest on: per server, the
    recorded delays sum to the tasks' total (completion - decision time), the slowdown each
    task caused being charged to it rather than to the tasks it slowed."""
    for instance in ScenarioGenerator(horizon=40, **generator).sample_set(2, 11):
        info = envs.rollout(gym.make(ENV_ID, instance=instance), envs.RandomPolicy(seed=3), seed=3).info
        validate_record(instance, info)
        servers = {server for _, _, server in info["assignments"]}
        assert len(servers) > 1
        for server in servers:
            rows = [j for j, (_, _, s) in enumerate(info["assignments"]) if s == server]
            delays = sum(info["delays"][j] for j in rows)
            step = instance.step_seconds
            responses = sum(info["completions"][j] - info["assignments"][j][1] * step for j in rows)
            assert delays == pytest.approx(responses, rel=1e-9), server


# ----------------------------------------------------------------------------- golden rules

# Seed 13, 3 edges, horizon 8, w = 0.5: servers [4.73, 2.36, 2.31, 1.76] GHz; 11 tasks arrive at
# steps [0, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7], 8 of them are decided. Every greedy choice wins by a
# relative margin of 1 % or more, so rounding cannot flip one.
GOLDEN = {
    "all_cloud": [0, 0, 0, 0, 0, 0, 0, 0],
    "round_robin": [0, 1, 2, 3, 0, 1, 2, 3],  # by decision count, over the cloud and the edges
    # Idle servers tie at no backlog and the lowest index wins: the first four tasks go to
    # 0, 1, 2, 3 in turn (none is done before the next decision).
    "least_loaded": [0, 1, 2, 3, 1, 0, 2, 0],
    "greedy_delay": [3, 1, 1, 1, 2, 3, 1, 1],
    "greedy_energy": [3, 3, 3, 3, 2, 3, 1, 3],
    "weighted_greedy": [3, 3, 1, 3, 2, 1, 1, 3],
}
# Why some of them, with the values of the options the simulation holds (rates are physical):
# Task 0 (32.8 Mbit, user 7, 1.8 km from the cloud): the cloud link gives 6.7 kbit/s, so an upload
# of 4872 s and 48.7 J of transmission; edge 3 (255 m) gives 2.70 Mbit/s: upload 12.2 s (0.12 J),
# and its CPU is the slowest, so kappa C L f^2 = 5e-31 x 1e3 x 32.8e6 x (1.761e9)^2 = 0.051 J is
# the least too. Energy 0.173 J and delay 12.2 + 32.8e6 / 1.761e6 = 30.8 s: the least of both,
# and every greedy rule sends it there.
# Task 1 (8.69 Mbit, user 3, step 1): edge 1 uploads at 42.3 Mbit/s (0.21 s) and runs it alone
# in 8.69 / 2.355 = 3.69 s: delay 3.90 s, against edge 3's 0.45 + 4.94 = 5.38 s: greedy_delay
# takes edge 1. Energies: edge 1 0.0021 + 5e-31 x 1e3 x 8.69e6 x (2.355e9)^2 = 0.0021 + 0.0241 =
# 0.0262 J; edge 3 0.0045 + 0.0135 = 0.0180 J: its slower CPU saves more in f^2 than its slower
# link costs in P u, so greedy_energy takes edge 3. The weighted term d / 200 + 5 e (units 100 s
# and 0.1 J): edge 3 0.0269 + 0.0898 = 0.117 < edge 1 0.0195 + 0.131 = 0.150: edge 3 as well.


def golden_instance() -> EdgeInstance:
    instance = EdgeInstance(name="golden", seed=13, num_edges=3, horizon=8, preference=0.5)
    real = instance.realisation
    assert real.arrival_steps.tolist() == [0, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7]
    assert real.server_freqs == pytest.approx([4.7296e9, 2.3553e9, 2.3110e9, 1.7614e9], rel=1e-4)
    return instance


@pytest.mark.parametrize("rule", sorted(GOLDEN))
def test_rules_give_their_pinned_servers(rule: str) -> None:
    instance = golden_instance()
    policy = envs.baselines(ENV_ID)[rule]
    info = envs.rollout(gym.make(ENV_ID, instance=instance), policy, seed=0).info
    validate_record(instance, info)
    assert [server for _, _, server in info["assignments"]] == GOLDEN[rule]
    assert [step for _, step, _ in info["assignments"]] == list(range(8))


def test_the_greedy_rules_take_the_least_of_their_criterion() -> None:
    """The hand-checked choices of the comment above, from the options the rules read."""
    instance = golden_instance()
    sim = OffloadSimulation(instance)
    options = sim.options
    assert options.rate[0] == pytest.approx(6737, rel=1e-3) and options.upload_time[0] == pytest.approx(4872, rel=1e-3)
    assert np.argmin(options.energy) == np.argmin(options.delay) == 3
    assert options.energy[3] == pytest.approx(0.1726, rel=1e-3) and options.delay[3] == pytest.approx(30.80, rel=1e-3)
    sim.assign(3)
    options = sim.options
    compute = instance.kappa * instance.cycles_per_bit * sim.size * sim.draws.server_freqs**2
    energy = instance.transmit_power_w * options.upload_time[:4] + compute
    assert options.energy[:4] == pytest.approx(energy)
    assert options.delay[[1, 3]] == pytest.approx([3.897, 5.384], rel=1e-3)
    assert options.energy[[1, 3]] == pytest.approx([0.02617, 0.01797], rel=1e-3)
    assert (np.argmin(options.delay), np.argmin(options.energy), np.argmin(options.cost(instance))) == (1, 3, 3)


# ----------------------------------------------------------------------------- the FIFO


def test_steps_without_a_task_are_skipped() -> None:
    """Seed 1: nothing arrives at steps 0 and 5, so the decisions fall on 1, 2, 3, 4, 6, 7, one
    env step each, and the observation's progress (step / horizon) says so."""
    instance = EdgeInstance(name="gaps", seed=1, num_edges=3, horizon=8)
    assert instance.realisation.arrival_steps.tolist() == [1, 2, 3, 4, 6, 7]
    steps = play(EdgeOffloadEnv(instance=instance), envs.RandomPolicy(seed=0))
    info = steps[-1][1]
    assert [step for _, step, _ in info["assignments"]] == [1, 2, 3, 4, 6, 7]
    assert [task for task, _, _ in info["assignments"]] == list(range(6)) and info["decided"] == len(steps) == 6
    assert [obs["global_features"][3] for _, _, obs in steps] == pytest.approx([k / 8 for k in (1, 2, 3, 4, 6, 7)])
    assert [obs["global_features"][2] for _, _, obs in steps] == pytest.approx([0.1] * 6)  # the queue: 1 / 10


def test_tasks_bunching_up_wait_and_the_horizon_leaves_some_undecided() -> None:
    """One decision a step: seed 13's 11 tasks over 8 steps leave the last 3 in the FIFO."""
    instance = golden_instance()
    steps = play(EdgeOffloadEnv(instance=instance), envs.RandomPolicy(seed=0))
    info = steps[-1][1]
    assert info["decided"] == 8 < instance.realisation.sizes.size == 11
    assert [list(row[:2]) for row in info["assignments"]] == [[k, k] for k in range(8)]
    # Queue at each decision = arrived by its step - decided before: step 0: 1 - 0; 1: 2 - 1;
    # 2: 5 - 2; 3: 7 - 3; 4: 8 - 4; 5: 9 - 5; 6: 10 - 6; 7: 11 - 7.
    queues = [round(obs["global_features"][2] * 10) for _, _, obs in steps]
    assert queues == [1, 1, 3, 4, 4, 4, 4, 4]


def test_a_high_arrival_rate_decides_one_task_a_step() -> None:
    """arrival_rate 3 offers about 3 tasks a step: every step decides one, the rest wait."""
    instance = EdgeInstance(name="busy", seed=2, num_edges=2, horizon=20, arrival_rate=3.0)
    arrivals = instance.realisation.arrival_steps
    info = envs.rollout(gym.make(ENV_ID, instance=instance), envs.RandomPolicy(seed=0), seed=0).info
    first = int(arrivals[0])
    assert info["decided"] == 20 - first < arrivals.size
    assert [step for _, step, _ in info["assignments"]] == list(range(first, 20))
    validate_record(instance, info)


# ----------------------------------------------------------------------------- the env's contract


def test_the_default_env_passes_gymnasiums_checker() -> None:
    env = gym.make(ENV_ID)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker has nothing to warn about
        check_env(env.unwrapped)
    info = envs.rollout(env, envs.RandomPolicy(seed=0), seed=0).info
    validate_record(env.unwrapped.episode_instance, info)
    assert info["num_edges"] == 5 and 0 < info["decided"] <= 100  # the generator's defaults


@pytest.mark.parametrize(("num_edges", "local_freq"), [(1, 0.0), (3, 0.0), (3, 1e9), (6, 2e9)])
def test_the_mask_is_the_cloud_the_edges_and_local_when_enabled(num_edges: int, local_freq: float) -> None:
    """Nodes: 0 the cloud, 1..max_edges the edges, the last one local execution."""
    env = EdgeOffloadEnv(instance=EdgeInstance(num_edges=num_edges, local_freq=local_freq, horizon=5), max_edges=6)
    obs, _ = env.reset(seed=0)
    legal = [*range(num_edges + 1), *([7] if local_freq else [])]
    assert env.action_space.n == 8 and np.flatnonzero(env.action_masks()).tolist() == legal
    assert np.flatnonzero(obs["node_mask"]).tolist() == legal
    types = obs["node_features"][legal, :3].argmax(axis=1).tolist()  # cloud, edge, local one-hot
    assert types == [0] + [1] * num_edges + ([2] if local_freq else [])


def test_an_env_accepts_fewer_edges_and_refuses_more() -> None:
    env = EdgeOffloadEnv(max_edges=10)
    for edges in (1, 4, 10):
        env.reset(options={"instance": EdgeInstance(name=f"e{edges}", num_edges=edges, horizon=5)})
        assert env.action_masks().sum() == edges + 1
    with pytest.raises(EnvelopeError, match=r"instance 'e11' has 11 edge servers, this env at most 10"):
        env.reset(options={"instance": EdgeInstance(name="e11", num_edges=11, horizon=5)})
    with pytest.raises(EnvelopeError, match="at most 10"):
        EdgeOffloadEnv(instance=EdgeInstance(num_edges=11), max_edges=10)


@pytest.mark.parametrize("preference", [0.0, 0.37, 1.0])
def test_the_preference_is_the_first_global_feature(preference: float) -> None:
    env = EdgeOffloadEnv(instance=EdgeInstance(preference=preference, horizon=10))
    for _, _, obs in play(env, envs.RandomPolicy(seed=0)):
        assert obs["global_features"][0] == pytest.approx(preference)


def test_legacy_rate_is_far_above_the_physical_rate() -> None:
    """The WiOpt code's SNR P (g / N)^2 / N counts the noise twice: at 1.5 km its cloud link
    is fast, where Shannon's P g / N gives a few kbit/s."""
    # Path loss 35 log10(1.5) + 133.6 + 8 (shadowing) = 147.763 dB: g = 1.674e-15 (no fading).
    # Noise -174 dBm/Hz over 16.6 MHz: 10^-20.4 x 1.66e7 = 6.609e-14 W. P = 0.01 W.
    # Physical: SNR = 0.01 x 1.674e-15 / 6.609e-14 = 2.533e-4 = -35.96 dB; rate
    #   16.6e6 x log2(1 + 2.533e-4) = 6.06 kbit/s.
    # Legacy: g / N = 0.02533, SNR = 0.01 x 0.02533^2 / 6.609e-14 = 9.71e7 = 79.87 dB; rate
    #   16.6e6 x log2(9.71e7) = 440 Mbit/s.
    gain = 10 ** (-(35 * math.log10(1.5) + 133.6 + 8) / 10)
    rates = []
    for legacy in (False, True):
        instance = EdgeInstance(cloud_distance_range=(1500.0, 1500.0), num_users=1, legacy_rate=legacy)
        real = instance.realisation
        assert real.distances[0, 0] == 1500.0
        vars(instance)["realisation"] = dataclasses.replace(real, gains=np.full_like(real.gains, gain))
        rates.append(float(instance.upload_rates(0, 0)[0]))
    snr_db = [10 * math.log10(2 ** (rate / 16.6e6) - 1) for rate in rates]
    assert snr_db == pytest.approx([-35.96, 79.87], abs=0.01)
    assert rates == pytest.approx([6.06e3, 440.4e6], rel=1e-3)


# ----------------------------------------------------------------------------- the clairvoyant search


SEARCHED = [
    {"seed": 1, "preference": 0.5},
    {"seed": 7, "preference": 0.9, "local_freq": 1e9},
    {"seed": 2, "preference": 1.0, "fading": "step"},
]


def weighted_greedy_cost(instance: EdgeInstance) -> float:
    sim = OffloadSimulation(instance)
    while not sim.done:
        sim.assign(int(np.argmin(sim.options.cost(instance))))
    return episode_metrics(sim)["weighted_cost"]


@pytest.mark.parametrize("fields", SEARCHED, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_the_clairvoyant_search_is_valid_and_never_worse_than_the_weighted_greedy(fields: dict[str, Any]) -> None:
    instance = EdgeInstance(name="searched", num_edges=3, horizon=20, **fields)
    result = ClairvoyantSearch(time_limit=10.0, seed=0).solve(instance)
    validate_record(instance, result.solution)
    assert result.objective == result.solution["weighted_cost"]
    assert result.objective <= weighted_greedy_cost(instance) + 1e-12


def test_seed_7_leaves_the_search_room_to_improve() -> None:
    """Under w = 0.9 the greedy's delays are not separable: moving a task off a server it
    slows pays, so the search must find something (7.5 % here), or it is not searching."""
    instance = EdgeInstance(name="room", seed=7, num_edges=3, horizon=20, preference=0.9, local_freq=1e9)
    result = ClairvoyantSearch(time_limit=10.0, seed=0).solve(instance)
    assert result.objective < 0.95 * weighted_greedy_cost(instance)


@pytest.mark.parametrize("seed", [1, 5, 13])
def test_at_w_0_the_weighted_greedy_is_already_optimal(seed: int) -> None:
    """With w = 0 the cost is energy alone, and a task's energy (P u + kappa C L f^2) does not
    depend on where the other tasks go: the total separates per task, so choosing each
    task's least energy, as the greedy does, is optimal and the search can move nothing."""
    instance = EdgeInstance(name="energy", seed=seed, num_edges=3, horizon=20, preference=0.0, local_freq=0.5e9)
    result = ClairvoyantSearch(time_limit=10.0, seed=0).solve(instance)
    assert result.objective == weighted_greedy_cost(instance)
    assert "0.00 % below" in result.status


def test_relative_reward_divides_by_the_weighted_greedys_mean_term() -> None:
    """A per-episode constant: the rewards sum to -(decided terms) / (the greedy's mean term), so
    the weighted greedy itself earns -decided on every instance and preference."""
    instance = EdgeInstance(num_edges=4, preference=0.7, seed=3, horizon=30)
    env = EdgeOffloadEnv(instance=instance, relative_reward=True)
    greedy = envs.baselines("schedrl/EdgeOffload-v0")["weighted_greedy"]
    obs, _ = env.reset()
    total, done, info = 0.0, False, {}
    while not done:
        obs, reward, terminated, truncated, info = env.step(greedy.act(obs, env.action_masks(), env))
        total, done = total + reward, terminated or truncated
    assert info["reward_unit"] == pytest.approx(info["weighted_cost"])
    assert total == pytest.approx(-info["decided"])


def test_a_new_episode_leaves_nothing_of_the_last_in_the_observation() -> None:
    """An episode that ends at reset (no arrival) must not show the previous episode's w."""
    env = EdgeOffloadEnv(max_edges=3)
    env.reset(options={"instance": EdgeInstance(num_edges=3, preference=0.9, seed=1)})
    obs, _ = env.reset(options={"instance": EdgeInstance(num_edges=2, preference=0.1, arrival_rate=0.0)})
    assert env.done and not obs["global_features"].any() and not obs["node_features"][:, 4:].any()  # past type, CPU


def test_an_envelope_below_the_generators_edge_counts_is_refused_at_construction() -> None:
    with pytest.raises(ConfigError, match=r"env.max_edges 5 is below the generator's largest edge count 10"):
        EdgeOffloadEnv(generator={"num_edges": [2, 10]}, max_edges=5)
    with pytest.raises(ConfigError, match=r"generator.preference: the list of values is empty"):
        EdgeOffloadEnv(generator={"preference": []})


def test_the_search_answers_an_episode_with_nothing_to_decide() -> None:
    result = ClairvoyantSearch(0.5).solve(EdgeInstance(num_edges=2, horizon=3, arrival_rate=0.0))
    assert result.solution["decided"] == 0 and result.objective == 0.0


def test_a_deep_fade_validates() -> None:
    """A cloud 200 km away: SNR about 1e-12, where log2(1 + snr) loses every digit and log1p does not."""
    instance = EdgeInstance(num_edges=1, seed=1, horizon=5, cloud_distance_range=(2e5, 2e5))
    sim = OffloadSimulation(instance)
    while not sim.done:
        sim.assign(0)
    validate_record(instance, {key: episode_metrics(sim)[key] for key in RECORD_KEYS})
