"""Encoders and heads: masking, size independence, and the vectorised graph flattening."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from schedrl.envs.jobshop import JobShopEnv
from schedrl.envs.jobshop.env import NODE_FEATURES
from schedrl.networks import ENCODERS, GraphPolicyNetwork, NetworkConfig
from schedrl.networks.graph_batch import GraphBatch

from schedrl.errors import ConfigError, UnknownNameError


def observations(instance: str, count: int, steps: int = 3) -> dict[str, torch.Tensor]:
    """A batch of `count` distinct mid-episode observations (some padding included)."""
    env = JobShopEnv(instance, max_jobs=12, max_machines=6) if instance == "la01" else JobShopEnv(instance)
    batch = []
    for seed in range(count):
        obs, _ = env.reset(seed=seed)
        for _ in range(steps + seed):
            if env.done:
                break
            obs, *_ = env.step(env.action_space.sample())
        batch.append(obs)
    return {key: torch.from_numpy(np.stack([o[key] for o in batch])) for key in batch[0]}


def config(encoder: str) -> NetworkConfig:
    options = {"heads": 2} if encoder in ("gat", "transformer") else {}
    return NetworkConfig(
        encoder=encoder, edge_features=1, global_features=3, hidden=16, layers=2, encoder_options=options
    )


@pytest.mark.parametrize("encoder", sorted(ENCODERS))
def test_logits_cover_real_nodes_only_and_any_size(encoder: str) -> None:
    torch.manual_seed(0)
    network = GraphPolicyNetwork(config(encoder))
    for instance in ("la01", "ft06", "ta01"):
        obs = observations(instance, count=3)
        logits, values = network(obs)
        real = obs["node_mask"].bool()
        assert logits.shape == real.shape and values.shape == (3,)
        assert torch.isfinite(logits[real]).all() and torch.isinf(logits[~real]).all()
        assert torch.isfinite(values).all()


@pytest.mark.parametrize("encoder", sorted(ENCODERS))
def test_a_graph_scores_the_same_alone_or_in_a_batch(encoder: str) -> None:
    torch.manual_seed(0)
    network = GraphPolicyNetwork(config(encoder)).eval()
    obs = observations("la01", count=4)
    together, _ = network(obs)
    alone, _ = network({key: value[2:3] for key, value in obs.items()})
    real = obs["node_mask"][2].bool()
    torch.testing.assert_close(together[2][real], alone[0][real], rtol=1e-4, atol=1e-5)


def test_scoring_only_legal_nodes_gives_the_full_heads_logits_there() -> None:
    """The head's split first layer and the legal-only scoring are an optimisation: the
    logits must equal the plain head on [node, context] at every legal node."""
    torch.manual_seed(0)
    network = GraphPolicyNetwork(config("gin")).eval()
    obs = observations("la01", count=4)
    legal = obs["node_features"][..., NODE_FEATURES.index("eligible")] > 0.5  # the action mask
    batch = GraphBatch.from_observation(obs)
    nodes = network.encoder(batch)
    context = torch.cat([batch.masked_mean(nodes), network.global_embed(batch.global_features)], dim=-1)
    plain = network.score(torch.cat([nodes, context.unsqueeze(1).expand(-1, nodes.shape[1], -1)], dim=-1))
    masked, values = network(obs, action_mask=legal)
    torch.testing.assert_close(masked[legal], plain.squeeze(-1)[legal], rtol=1e-5, atol=1e-5)
    assert torch.isinf(masked[~legal]).all() and legal.any()
    torch.testing.assert_close(network(obs)[0][legal], masked[legal])
    torch.testing.assert_close(network(obs)[1], values)


def test_flat_edges_match_a_per_graph_loop() -> None:
    obs = observations("la01", count=3)
    batch = GraphBatch.from_observation({key: value.float() for key, value in obs.items()})  # as SB3 passes them
    edges, attr, reverse = batch.flat_edges(bidirectional=True)
    expected = set()
    for graph in range(3):
        for slot in np.flatnonzero(obs["edge_mask"][graph].numpy()):
            source, target = obs["edge_index"][graph, :, slot].tolist()
            kind = float(obs["edge_attr"][graph, slot, 0])
            expected.add((graph * batch.max_nodes + source, graph * batch.max_nodes + target, kind, False))
            expected.add((graph * batch.max_nodes + target, graph * batch.max_nodes + source, kind, True))
    got = {
        (int(s), int(t), float(a), bool(r))
        for (s, t), a, r in zip(edges.T.tolist(), attr[:, 0].tolist(), reverse.tolist(), strict=True)
    }
    assert got == expected


def test_bad_network_config_names_the_key() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'gin'"):
        GraphPolicyNetwork(NetworkConfig(encoder="gim"))
    with pytest.raises(ConfigError, match=r"network\.edge_bias is not an option of the .gin. encoder"):
        GraphPolicyNetwork(NetworkConfig(encoder="gin", encoder_options={"edge_bias": True}))
