"""Encoders and heads: masking, size independence, edge and context inputs, the
transformer's node limit, and the vectorised graph flattening."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from schedrl.agents import load
from schedrl.agents.checkpoint import CheckpointWarning, read_checkpoint, save_checkpoint
from schedrl.envs.core.observation import GraphEnvelope, GraphObservation
from schedrl.envs.jobshop import JobShopEnv, load_benchmark
from schedrl.envs.jobshop.env import NODE_FEATURES
from schedrl.errors import ConfigError, EnvelopeError, UnknownNameError
from schedrl.networks import ENCODERS, GraphPolicyNetwork, NetworkConfig
from schedrl.networks.graph_batch import GraphBatch


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


def encoder_outputs(network: GraphPolicyNetwork, obs: dict[str, torch.Tensor]) -> torch.Tensor:
    with torch.no_grad():
        return network.encoder(GraphBatch.from_observation(obs))


@pytest.mark.parametrize("encoder", ["gin", "transformer"])
def test_edge_attributes_reach_the_nodes_unless_edge_input_is_off(encoder: str) -> None:
    obs = observations("la01", count=2)
    flipped = {**obs, "edge_attr": 1.0 - obs["edge_attr"]}  # every edge changes type
    for edge_input in (True, False):
        torch.manual_seed(0)
        base = config(encoder)
        network = GraphPolicyNetwork(
            NetworkConfig(**{**base.to_dict(), "encoder_options": {**base.encoder_options, "edge_input": edge_input}})
        ).eval()
        real = obs["node_mask"].bool()
        same = torch.allclose(encoder_outputs(network, obs)[real], encoder_outputs(network, flipped)[real])
        assert same is not edge_input


def test_gin_without_edge_input_keeps_the_plain_gin_parameters() -> None:
    """Weights trained before GIN read edges (format 1) must load: no new parameter names."""
    plain = GraphPolicyNetwork(NetworkConfig(edge_features=1, encoder_options={"edge_input": False}))
    assert not any(".lin." in name for name in plain.state_dict())
    gine = GraphPolicyNetwork(NetworkConfig(edge_features=1))
    assert {name for name in gine.state_dict() if ".lin." not in name} == set(plain.state_dict())


@pytest.mark.parametrize("encoder", sorted(ENCODERS))
def test_the_context_node_changes_the_logits_and_minus_one_means_none(encoder: str) -> None:
    torch.manual_seed(0)
    network = GraphPolicyNetwork(NetworkConfig(**{**config(encoder).to_dict(), "context_nodes": 1})).eval()
    obs = observations("la01", count=2)
    real = obs["node_mask"].bool()

    def logits(index: int) -> torch.Tensor:
        context = torch.full((2, 1), index, dtype=torch.int32)
        with torch.no_grad():
            return network({**obs, "context_nodes": context})[0][real]

    first, second, none = logits(3), logits(7), logits(-1)
    assert torch.isfinite(none).all()
    assert not torch.allclose(first, second) and not torch.allclose(first, none)
    as_sb3_passes_it = {**obs, "context_nodes": torch.full((2, 1), 3.0)}
    with torch.no_grad():
        torch.testing.assert_close(network(as_sb3_passes_it)[0][real], first)
    with pytest.raises(ConfigError, match=r"network\.context_nodes is 1 but the observation has 0 context nodes"):
        network(obs)


def test_the_envelope_declares_context_nodes_and_clears_them_to_minus_one() -> None:
    envelope = GraphEnvelope(max_nodes=5, max_edges=4, node_features=2, context_nodes=2)
    box = envelope.space()["context_nodes"]
    assert box.shape == (2,) and box.dtype == np.int32 and box.low.min() == -1 and box.high.max() == 4
    graph = GraphObservation(envelope)
    graph.clear()
    assert graph.context_nodes is not None and (graph.context_nodes == -1).all()
    assert box.contains(graph.snapshot()["context_nodes"])
    assert "context_nodes" not in GraphEnvelope(max_nodes=5, max_edges=4, node_features=2).space().spaces
    with pytest.raises(EnvelopeError, match="context_nodes must be >= 0"):
        GraphEnvelope(max_nodes=5, max_edges=4, node_features=2, context_nodes=-1)


@pytest.mark.parametrize("encoder", sorted(ENCODERS))
def test_no_parameter_depends_on_the_number_of_nodes(encoder: str) -> None:
    """Every option on, including K context nodes and the transformer's node limit: the
    parameters are fixed at construction and unchanged by graphs of any size."""
    base = config(encoder)
    options = {**base.encoder_options, "edge_input": True}
    shapes = []
    for max_nodes in (100, 4096):
        extra = {"max_nodes": max_nodes} if encoder == "transformer" else {}
        network = GraphPolicyNetwork(
            NetworkConfig(**{**base.to_dict(), "context_nodes": 2, "encoder_options": {**options, **extra}})
        )
        before = {name: tuple(p.shape) for name, p in network.named_parameters()}
        for instance in ("la01", "ft06"):
            obs = observations(instance, count=2)
            network({**obs, "context_nodes": torch.tensor([[0, -1], [1, 2]])})
        assert {name: tuple(p.shape) for name, p in network.named_parameters()} == before
        shapes.append(before)
    assert shapes[0] == shapes[1]


def test_the_transformer_scores_the_same_in_inference_as_in_training() -> None:
    """torch's inference fast path (eval, no grad) reads a float attention mask as a boolean
    one; rollouts and greedy decoding run there, so the encoder must not take it."""
    torch.manual_seed(0)
    network = GraphPolicyNetwork(config("transformer")).eval()
    with torch.no_grad():
        network.encoder.edge_bias.normal_()  # learned biases are nonzero
    obs = observations("la01", count=2)
    real = obs["node_mask"].bool()
    with torch.no_grad():
        inference = network(obs)[0][real]
    torch.testing.assert_close(inference, network(obs)[0][real].detach())


def test_the_transformer_refuses_graphs_above_its_node_limit() -> None:
    options = {"heads": 2, "max_nodes": 50}
    network = GraphPolicyNetwork(NetworkConfig(**{**config("transformer").to_dict(), "encoder_options": options}))
    obs = observations("la01", count=1)  # 50 operations, padded to 72 node slots
    message = r"72 nodes, above its limit of 50 nodes: .* about [\d.,]+ MB per graph .* network=gin or network=gat"
    with pytest.raises(ConfigError, match=message):
        network(obs)
    with pytest.raises(ConfigError, match=message):
        network.check_graph_size(72)
    network.check_graph_size(50)
    GraphPolicyNetwork(config("gin")).check_graph_size(10**6)  # no limit


@pytest.mark.parametrize("encoder", ["gin", "transformer"])
def test_format_1_checkpoints_are_rebuilt_without_edge_input(encoder: str, tmp_path: Path) -> None:
    """Format 1 GIN and transformer encoders ignored edge features: their weights lack
    the edge-input layers and must be rebuilt so, with the same outputs."""
    base = config(encoder)
    old = NetworkConfig(**{**base.to_dict(), "encoder_options": {**base.encoder_options, "edge_input": False}})
    network = GraphPolicyNetwork(old).eval()
    folder = save_checkpoint(tmp_path / "ckpt", network, {"env_id": "schedrl/JobShop-v0"}, {})
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["network"]["encoder_options"].pop("edge_input")  # as format 1 wrote it
    metadata.pop("metadata_sha256")  # format 1 had no digest
    (folder / "metadata.json").write_text(json.dumps({**metadata, "format_version": 1}))
    with pytest.warns(CheckpointWarning, match="has no metadata_sha256 .*an edit to it cannot be detected"):
        loaded = read_checkpoint(folder).network
    assert loaded.config.encoder_options["edge_input"] is False
    obs = observations("la01", count=2)
    torch.testing.assert_close(loaded(obs)[0], network(obs)[0])


def test_a_format_1_checkpoint_loads_and_its_greedy_makespans_do_not_move() -> None:
    policy = load("jssp_10x10")  # format_version 1: GIN trained without edge input
    assert not policy.network.encoder.edge_input
    # The shipped policy's greedy makespans, measured before encoders read edge features:
    # they must not move.
    makespans = [policy.solve(load_benchmark(name)).objective for name in ("ft06", "ft10", "ta01", "ta11")]
    assert makespans == [59.0, 1036.0, 1390.0, 1651.0]
