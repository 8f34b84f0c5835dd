"""Encoders: padded graph batch -> node embeddings [B, N, d].

gin          Graph Isomorphism Network ('Learning to Dispatch'), with separate
             aggregation along and against edge direction.
gat          GATv2 attention over neighbours, edge features and direction as edge input.
transformer  full self-attention over the real nodes, optionally biased by graph edges.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable

import torch
from schedrl.networks.graph_batch import GraphBatch
from torch import nn

from schedrl.errors import ConfigError, UnknownNameError


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU, final_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index, (inputs, outputs) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(inputs, outputs))
        if index < len(sizes) - 2 or final_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


class GINEncoder(nn.Module):
    """Edge features are not used: GIN sums neighbours, separately per direction."""

    def __init__(self, node_features: int, edge_features: int, hidden: int = 64, layers: int = 3):
        super().__init__()
        from torch_geometric.nn import GINConv

        self.embed = nn.Linear(node_features, hidden)
        self.forward_convs = nn.ModuleList(
            GINConv(mlp([hidden, hidden, hidden]), train_eps=True) for _ in range(layers)
        )
        self.reverse_convs = nn.ModuleList(
            GINConv(mlp([hidden, hidden, hidden]), train_eps=True) for _ in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        edges, _, reverse = batch.flat_edges(bidirectional=True)
        along, against = edges[:, ~reverse], edges[:, reverse]
        h = self.embed(batch.node_features).reshape(-1, self.embed.out_features)
        for forward_conv, reverse_conv, norm in zip(self.forward_convs, self.reverse_convs, self.norms, strict=True):
            h = norm(h + torch.relu(forward_conv(h, along) + reverse_conv(h, against)))
        return h.view(batch.batch_size, batch.max_nodes, -1)


class GATEncoder(nn.Module):
    def __init__(self, node_features: int, edge_features: int, hidden: int = 64, layers: int = 3, heads: int = 4):
        super().__init__()
        from torch_geometric.nn import GATv2Conv

        if hidden % heads:
            raise ValueError(f"network.hidden ({hidden}) must be divisible by network.heads ({heads})")
        self.embed = nn.Linear(node_features, hidden)
        edge_dim = edge_features + 1  # + direction flag
        self.convs = nn.ModuleList(
            GATv2Conv(hidden, hidden // heads, heads=heads, edge_dim=edge_dim, add_self_loops=True, fill_value=0.0)
            for _ in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        edges, attr, reverse = batch.flat_edges(bidirectional=True)
        direction = reverse.unsqueeze(-1).float()
        edge_input = direction if attr is None else torch.cat([attr, direction], dim=-1)
        h = self.embed(batch.node_features).reshape(-1, self.embed.out_features)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = norm(h + torch.relu(conv(h, edges, edge_input)))
        return h.view(batch.batch_size, batch.max_nodes, -1)


class TransformerEncoder(nn.Module):
    """Edge features are not used: edges enter as a learned attention bias per direction."""

    def __init__(
        self,
        node_features: int,
        edge_features: int,
        hidden: int = 64,
        layers: int = 3,
        heads: int = 4,
        edge_bias: bool = True,
    ):
        super().__init__()
        if hidden % heads:
            raise ValueError(f"network.hidden ({hidden}) must be divisible by network.heads ({heads})")
        self.embed = nn.Linear(node_features, hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.heads = heads
        # One learned attention bias per head for each edge direction (0: along, 1: against).
        self.edge_bias = nn.Parameter(torch.zeros(2, heads)) if edge_bias else None

    def _attention_bias(self, batch: GraphBatch, edge_bias: torch.Tensor) -> torch.Tensor:
        size, nodes = batch.batch_size, batch.max_nodes
        bias = torch.zeros(size, self.heads, nodes, nodes, device=batch.node_features.device)
        graph = torch.arange(size, device=bias.device).view(size, 1).expand(size, batch.edge_index.shape[2])
        keep = batch.edge_mask
        source, target, graph = batch.edge_index[:, 0][keep], batch.edge_index[:, 1][keep], graph[keep]
        for direction, (rows, cols) in enumerate(((target, source), (source, target))):
            bias[graph, :, rows, cols] += edge_bias[direction]
        padding = (~batch.node_mask).view(size, 1, 1, nodes)
        bias = bias.masked_fill(padding, float("-inf"))
        return bias.view(size * self.heads, nodes, nodes)

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        h = self.embed(batch.node_features)
        if self.edge_bias is not None:
            return self.encoder(h, mask=self._attention_bias(batch, self.edge_bias))
        return self.encoder(h, src_key_padding_mask=~batch.node_mask)


ENCODERS: dict[str, Callable[..., nn.Module]] = {
    "gin": GINEncoder,
    "gat": GATEncoder,
    "transformer": TransformerEncoder,
}


def build_encoder(name: str, node_features: int, edge_features: int, **options: object) -> nn.Module:
    if name not in ENCODERS:
        raise UnknownNameError("network encoder", name, ENCODERS)
    accepted = inspect.signature(ENCODERS[name]).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        allowed = sorted(set(accepted) - {"node_features", "edge_features"})
        raise ConfigError(f"network.{unknown[0]} is not an option of the {name!r} encoder; its options: {allowed}")
    return ENCODERS[name](node_features=node_features, edge_features=edge_features, **options)
