"""Encoders: padded graph batch -> node embeddings [B, N, d].

gin          Graph Isomorphism Network ('Learning to Dispatch'), with separate
             aggregation along and against edge direction; GINE messages carry edge features.
gat          GATv2 attention over neighbours, edge features and direction as edge input.
transformer  full self-attention over the real nodes, optionally biased by graph edges and
             their features; cost grows with N^2, so it refuses graphs above `max_nodes`.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from schedrl.errors import ConfigError, UnknownNameError
from schedrl.networks.graph_batch import GraphBatch


@dataclass(frozen=True)
class RowEdges:
    """The edges into some rows of the flat node view, in the flat edge order: the row each
    message comes from, the position among those rows it goes to, and the edge's features."""

    source: torch.Tensor  # [E'] long
    slot: torch.Tensor  # [E'] long
    attr: torch.Tensor | None  # [E', D] float


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU, final_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index, (inputs, outputs) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(inputs, outputs))
        if index < len(sizes) - 2 or final_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


def run_mlp(sequence: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """`sequence(x)` for an `mlp`, without the module calls' overhead (per-decision inference on a few rows)."""
    for layer in sequence:
        if isinstance(layer, nn.Linear):
            x = F.linear(x, layer.weight, layer.bias)
        else:
            x = torch.relu(x) if isinstance(layer, nn.ReLU) else layer(x)
    return x


def required(edge_attr: torch.Tensor | None) -> torch.Tensor:
    """Encoders built with edge input need the observation's edge_attr."""
    if edge_attr is None:
        raise ConfigError(
            "the network was built with edge_features > 0 but the observation has no edge_attr; "
            "build it with the env's edge_features, or set network.encoder_options.edge_input=false"
        )
    return edge_attr


class Encoder(nn.Module):
    """Base of every encoder, so callers can ask about size limits without knowing which one."""

    def check_graph_size(self, nodes: int) -> None:
        """Raise ConfigError if padded graphs of `nodes` nodes would not fit; by default any size does."""


class GINEncoder(Encoder):
    """GIN sums neighbours, separately along and against edge direction. With `edge_input`
    (and edge features), GINE messages relu(h_j + W e_ji) let edge types reach the nodes;
    without, plain GIN with the same parameter names, so weights trained without it load."""

    def __init__(
        self, node_features: int, edge_features: int, hidden: int = 64, layers: int = 3, edge_input: bool = True
    ):
        super().__init__()
        from torch_geometric.nn import GINConv, GINEConv

        self.edge_input = edge_input and edge_features > 0

        def conv() -> nn.Module:
            if self.edge_input:
                return GINEConv(mlp([hidden, hidden, hidden]), train_eps=True, edge_dim=edge_features)
            return GINConv(mlp([hidden, hidden, hidden]), train_eps=True)

        self.embed = nn.Linear(node_features, hidden)
        self.forward_convs = nn.ModuleList(conv() for _ in range(layers))
        self.reverse_convs = nn.ModuleList(conv() for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        edges, attr, reverse = batch.flat_edges(bidirectional=True)
        along: tuple[torch.Tensor, ...] = (edges[:, ~reverse],)
        against: tuple[torch.Tensor, ...] = (edges[:, reverse],)
        if self.edge_input:
            attr = required(attr)
            along, against = (*along, attr[~reverse]), (*against, attr[reverse])
        h = self.embed(batch.node_features).reshape(-1, self.embed.out_features)
        for forward_conv, reverse_conv, norm in zip(self.forward_convs, self.reverse_convs, self.norms, strict=True):
            h = norm(h + torch.relu(forward_conv(h, *along) + reverse_conv(h, *against)))
        return h.view(batch.batch_size, batch.max_nodes, -1)

    def layer_rows(
        self, index: int, h: torch.Tensor, rows: torch.Tensor, along: RowEdges, against: RowEdges
    ) -> torch.Tensor:
        """Layer `index`'s output at the flat node `rows`, from the previous layer's output
        `h` at every node and the edges into those rows (along and against each edge's
        direction): what `forward` computes there, for inference that recomputes only the
        rows whose inputs changed (networks/incremental.py)."""
        own = h.index_select(0, rows)
        forward = self._conv_rows(self.forward_convs[index], h, own, along)
        reverse = self._conv_rows(self.reverse_convs[index], h, own, against)
        return self.norms[index](own + torch.relu(forward + reverse))

    def _conv_rows(self, conv: Any, h: torch.Tensor, own: torch.Tensor, edges: RowEdges) -> torch.Tensor:
        """GIN(E)Conv at the rows, summing the messages in the edges' order as its scatter does."""
        messages = h.index_select(0, edges.source)  # a new tensor: the in-place steps below are safe
        if self.edge_input:
            messages.add_(F.linear(required(edges.attr), conv.lin.weight, conv.lin.bias)).relu_()
        summed = own.new_zeros(own.shape).index_add_(0, edges.slot, messages)
        return run_mlp(conv.nn, summed.add_((1 + conv.eps) * own))


class GATEncoder(Encoder):
    """`edge_input=False` drops the edge features but keeps the direction flag."""

    def __init__(
        self,
        node_features: int,
        edge_features: int,
        hidden: int = 64,
        layers: int = 3,
        heads: int = 4,
        edge_input: bool = True,
    ):
        super().__init__()
        from torch_geometric.nn import GATv2Conv

        if hidden % heads:
            raise ConfigError(f"network.hidden ({hidden}) must be divisible by network.encoder_options.heads ({heads})")
        self.edge_input = edge_input and edge_features > 0
        self.embed = nn.Linear(node_features, hidden)
        edge_dim = (edge_features if self.edge_input else 0) + 1  # + direction flag
        self.convs = nn.ModuleList(
            GATv2Conv(hidden, hidden // heads, heads=heads, edge_dim=edge_dim, add_self_loops=True, fill_value=0.0)
            for _ in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        edges, attr, reverse = batch.flat_edges(bidirectional=True)
        direction = reverse.unsqueeze(-1).float()
        edge_input = torch.cat([required(attr), direction], dim=-1) if self.edge_input else direction
        h = self.embed(batch.node_features).reshape(-1, self.embed.out_features)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = norm(h + torch.relu(conv(h, edges, edge_input)))
        return h.view(batch.batch_size, batch.max_nodes, -1)


def attention_bytes_per_graph(nodes: int, heads: int, layers: int) -> float:
    """Estimated memory of one padded graph's attention bias in a training pass: float32
    [heads, N, N], about 2.2 + 1.1 * layers copies alive at the peak (fitted on CPU with
    scripts/bench_transformer_memory.py, see docs/PERFORMANCE.md)."""
    return 4.0 * heads * nodes**2 * (2.2 + 1.1 * layers)


class PreNormLayer(nn.TransformerEncoderLayer):
    """A pre-norm `nn.TransformerEncoderLayer` that never takes torch's inference fast path:
    in eval mode without grad that path reads a float attention mask as a boolean one, so
    every nonzero edge bias would mask its edge out (pytorch/pytorch#118628). Same
    parameters and names, so weights are unchanged."""

    def forward(  # type: ignore[override]
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        src_key_padding_mask: torch.Tensor | None = None,
        is_causal: bool = False,
    ) -> torch.Tensor:
        src = src + self._sa_block(self.norm1(src), src_mask, src_key_padding_mask, is_causal=is_causal)
        return src + self._ff_block(self.norm2(src))


class TransformerEncoder(Encoder):
    """Edges enter as attention biases: a learned one per head and direction (`edge_bias`)
    and, with `edge_input`, one computed from the edge features. The dense bias makes
    memory quadratic in the padded node count (time is, bias or not), so graphs above
    `max_nodes` are refused up front instead of exhausting memory mid-training."""

    def __init__(
        self,
        node_features: int,
        edge_features: int,
        hidden: int = 64,
        layers: int = 3,
        heads: int = 4,
        edge_bias: bool = True,
        edge_input: bool = True,
        max_nodes: int = 2048,
    ):
        super().__init__()
        if hidden % heads:
            raise ConfigError(f"network.hidden ({hidden}) must be divisible by network.encoder_options.heads ({heads})")
        if max_nodes < 1:
            raise ConfigError(f"network.encoder_options.max_nodes must be >= 1, got {max_nodes}")
        self.embed = nn.Linear(node_features, hidden)
        layer = PreNormLayer(hidden, heads, 2 * hidden, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.heads, self.layers, self.max_nodes = heads, layers, max_nodes
        # One learned attention bias per head for each edge direction (0: along, 1: against).
        self.edge_bias = nn.Parameter(torch.zeros(2, heads)) if edge_bias else None
        # The same, computed from each edge's features: [along heads, against heads].
        self.edge_attr_bias = nn.Linear(edge_features, 2 * heads) if edge_input and edge_features > 0 else None

    def check_graph_size(self, nodes: int) -> None:
        if nodes <= self.max_nodes:
            return
        if self.edge_bias is not None or self.edge_attr_bias is not None:
            per_graph = attention_bytes_per_graph(nodes, self.heads, self.layers) / 2**20
            cost = f"its attention bias needs about {per_graph:,.1f} MB per graph to train"
        else:
            cost = "its attention time grows with N^2"
        raise ConfigError(
            f"the transformer encoder got graphs of {nodes} nodes, above its limit of {self.max_nodes} nodes: "
            f"{cost} ({self.layers} layers, {self.heads} heads); use network=gin or network=gat, or raise "
            "network.encoder_options.max_nodes knowingly"
        )

    def _edge_biases(self, batch: GraphBatch, keep: torch.Tensor) -> torch.Tensor:
        """Per kept edge, the bias per direction and head: [E or 1, 2, heads]."""
        bias = torch.zeros(1, 2, self.heads, device=batch.node_features.device)
        if self.edge_bias is not None:
            bias = bias + self.edge_bias
        if self.edge_attr_bias is not None:
            bias = bias + self.edge_attr_bias(required(batch.edge_attr)[keep]).unflatten(-1, (2, self.heads))
        return bias

    def _attention_bias(self, batch: GraphBatch) -> torch.Tensor:
        size, nodes = batch.batch_size, batch.max_nodes
        bias = torch.zeros(size, self.heads, nodes, nodes, device=batch.node_features.device)
        graph = torch.arange(size, device=bias.device).view(size, 1).expand(size, batch.edge_index.shape[2])
        keep = batch.edge_mask
        source, target, graph = batch.edge_index[:, 0][keep], batch.edge_index[:, 1][keep], graph[keep]
        edge_biases = self._edge_biases(batch, keep)
        for direction, (rows, cols) in enumerate(((target, source), (source, target))):
            bias[graph, :, rows, cols] += edge_biases[:, direction]
        padding = (~batch.node_mask).view(size, 1, 1, nodes)
        bias = bias.masked_fill(padding, float("-inf"))
        return bias.view(size * self.heads, nodes, nodes)

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        self.check_graph_size(batch.max_nodes)
        h = self.embed(batch.node_features)
        if self.edge_bias is not None or self.edge_attr_bias is not None:
            return self.encoder(h, mask=self._attention_bias(batch))
        return self.encoder(h, src_key_padding_mask=~batch.node_mask)


ENCODERS: dict[str, Callable[..., Encoder]] = {
    "gin": GINEncoder,
    "gat": GATEncoder,
    "transformer": TransformerEncoder,
}


def build_encoder(name: str, node_features: int, edge_features: int, **options: object) -> Encoder:
    if name not in ENCODERS:
        raise UnknownNameError("network encoder", name, ENCODERS)
    accepted = inspect.signature(ENCODERS[name]).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        allowed = sorted(set(accepted) - {"node_features", "edge_features"})
        raise ConfigError(f"network.{unknown[0]} is not an option of the {name!r} encoder; its options: {allowed}")
    return ENCODERS[name](node_features=node_features, edge_features=edge_features, **options)
