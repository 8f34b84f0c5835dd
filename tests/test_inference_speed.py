"""Incremental inference (networks/incremental.py): the exact mode gives the schedules and
logits of a full encoder pass per decision while recomputing a fraction of the rows; the
approximate mode (`reencode_every=k`) gives valid schedules. No timing: work is counted."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from schedrl import envs
from schedrl.agents import load
from schedrl.agents.inference import LearnedPolicy
from schedrl.envs.jobshop import load_benchmark
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.envs.jobshop.validate import validate_schedule
from schedrl.errors import ConfigError
from schedrl.networks import GraphPolicyNetwork, NetworkConfig
from schedrl.networks.encoders import GINEncoder
from schedrl.networks.incremental import IncrementalEncoding

ENV = "schedrl/JobShop-v0"


def schedules(policy: LearnedPolicy, instances: list[Any], greedy: bool = True, seed: int = 0) -> list[list[int]]:
    return [info["start_times"] for info in policy.rollouts(instances, greedy=greedy, seed=seed)]


def shipped(dynamics: str, reencode_every: int) -> LearnedPolicy:
    policy = load("jssp_10x10", reencode_every=reencode_every)
    policy.env_kwargs["dynamics"] = dynamics
    return policy


@pytest.mark.parametrize("dynamics", ["non_delay", "active", "insertion"])
def test_exact_incremental_greedy_gives_the_full_pass_schedules(dynamics: str) -> None:
    """`insertion` rewrites machine-order edges mid-sequence: the edge-change path."""
    generated = JobShopGenerator(num_jobs=12, num_machines=6).sample(np.random.default_rng(3))
    for instance in ("ft06", "la01", "ta01", generated):
        resolved = load_benchmark(instance) if isinstance(instance, str) else instance
        incremental, full = shipped(dynamics, 0), shipped(dynamics, 1)
        assert schedules(incremental, [resolved]) == schedules(full, [resolved])


def test_exact_incremental_logits_match_a_full_forward_pass_at_every_decision() -> None:
    policy = load("jssp_10x10")
    env = policy.make_env(load_benchmark("ta01")).unwrapped
    obs, _ = env.reset(seed=0)
    encoding = IncrementalEncoding(policy.network)
    while not env.done:
        mask = env.action_masks()[None]
        stacked = {key: value[None] for key, value in obs.items()}
        ours = encoding.logits(stacked, mask)
        with torch.no_grad():
            reference, _ = policy.network({k: torch.from_numpy(v) for k, v in stacked.items()}, torch.from_numpy(mask))
        torch.testing.assert_close(ours, reference, rtol=0, atol=1e-5)
        obs, *_ = env.step(int(ours.argmax()))


def test_batched_and_sampled_rollouts_match_chunked_full_passes() -> None:
    """Episodes of different sizes in one padded batch, some ending before others, sampled."""
    torch.manual_seed(0)
    network = GraphPolicyNetwork(NetworkConfig(encoder="gin", edge_features=1, global_features=3, hidden=16, layers=2))
    instances = [load_benchmark(name) for name in ("ft06", "la01", "la06", "ft06")]
    incremental = LearnedPolicy(network, ENV, {})
    chunked = LearnedPolicy(network, ENV, {}, reencode_every=1, forward_nodes=150)
    assert schedules(incremental, instances) == schedules(chunked, instances)
    assert schedules(incremental, instances, greedy=False, seed=4) == schedules(
        chunked, instances, greedy=False, seed=4
    )


def test_plain_gin_without_edge_input_is_exact_too() -> None:
    torch.manual_seed(1)
    config = NetworkConfig(
        edge_features=1, global_features=3, hidden=16, layers=3, encoder_options={"edge_input": False}
    )
    network = GraphPolicyNetwork(config)
    instance = load_benchmark("la01")
    assert schedules(LearnedPolicy(network, ENV, {}), [instance]) == schedules(
        LearnedPolicy(network, ENV, {}, reencode_every=1), [instance]
    )


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_every_family_gets_the_full_pass_solutions(env_id: str) -> None:
    """Each family's features, edges and context nodes change in their own way between decisions."""
    family = envs.family(env_id)
    instance = family.load_instances(family.test_instances)[0]
    space = family.make_env(instance=instance).observation_space
    sizes = {key: space[key].shape[-1] for key in ("edge_attr", "global_features", "context_nodes") if key in space}
    config = NetworkConfig(
        node_features=space["node_features"].shape[-1],
        edge_features=sizes.get("edge_attr", 0),
        global_features=sizes.get("global_features", 0),
        context_nodes=sizes.get("context_nodes", 0),
        hidden=16,
    )
    torch.manual_seed(0)
    network = GraphPolicyNetwork(config)
    incremental, full = LearnedPolicy(network, env_id, {}), LearnedPolicy(network, env_id, {}, reencode_every=1)
    assert repr(incremental.rollouts([instance], greedy=True)) == repr(full.rollouts([instance], greedy=True))
    if not instance.stochastic:
        sampled = [policy.rollouts([instance] * 3, greedy=False, seed=1) for policy in (incremental, full)]
        assert repr(sampled[0]) == repr(sampled[1])


def rows_per_decision(policy: LearnedPolicy, instance: Any, monkeypatch: pytest.MonkeyPatch) -> float:
    counted: list[int] = []
    original = GINEncoder.layer_rows

    def counting(self: GINEncoder, index: int, h: torch.Tensor, rows: torch.Tensor, *edges: Any) -> torch.Tensor:
        counted.append(rows.shape[0])
        return original(self, index, h, rows, *edges)

    monkeypatch.setattr(GINEncoder, "layer_rows", counting)
    decisions = policy.rollouts([instance], greedy=True)[0]["decisions"]
    monkeypatch.undo()
    return sum(counted) / decisions


def test_incremental_modes_recompute_a_fraction_of_the_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """On 30x20 (600 nodes, 3 layers) a full pass per decision recomputes 1,800 rows."""
    instance = load_benchmark("ta41")
    full = 3 * instance.num_jobs * instance.num_machines
    exact = rows_per_decision(load("jssp_10x10"), instance, monkeypatch)
    approximate = rows_per_decision(load("jssp_10x10", reencode_every=1000), instance, monkeypatch)
    assert exact < 0.8 * full
    assert approximate < 0.25 * full


@pytest.mark.parametrize("every", [2, 16])
def test_approximate_mode_schedules_are_valid(every: int) -> None:
    for name in ("la01", "ta01"):
        instance = load_benchmark(name)
        result = load("jssp_10x10", reencode_every=every).solve(instance)
        validate_schedule(instance, result.solution["start_times"], result.objective)


def test_reencode_every_is_checked() -> None:
    network = GraphPolicyNetwork(NetworkConfig(encoder="gat", edge_features=1, global_features=3, hidden=16, layers=2))
    with pytest.raises(ConfigError, match="reencode_every"):
        LearnedPolicy(network, ENV, {}, reencode_every=4)
    with pytest.raises(ConfigError, match="reencode_every"):
        load("jssp_10x10", reencode_every=-1)
    instance = load_benchmark("ft06")  # encoders without in-place updates run full passes, exactly
    assert LearnedPolicy(network, ENV, {}).solve(instance).objective == (
        LearnedPolicy(network, ENV, {}, reencode_every=1).solve(instance).objective
    )
