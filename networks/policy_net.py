"""Encoder + heads: one logit per node slot and a value per graph, for any graph size."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from schedrl.networks.encoders import build_encoder, mlp
from schedrl.networks.graph_batch import GraphBatch


@dataclass(frozen=True)
class NetworkConfig:
    """Everything needed to rebuild the network: stored with every checkpoint."""

    encoder: str = "gin"
    node_features: int = 7
    edge_features: int = 0
    global_features: int = 0
    context_nodes: int = 0  # K: node embeddings that join the context (e.g. the stage-1 choice)
    hidden: int = 64
    layers: int = 3
    head_hidden: int = 64
    encoder_options: dict[str, Any] = field(default_factory=dict)  # heads, edge_bias, ...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GraphPolicyNetwork(nn.Module):
    """Node logits [B, N] (padded slots get -inf) and state values [B]."""

    def __init__(self, config: NetworkConfig):
        super().__init__()
        self.config = config
        self.encoder = build_encoder(
            config.encoder,
            node_features=config.node_features,
            edge_features=config.edge_features,
            hidden=config.hidden,
            layers=config.layers,
            **config.encoder_options,
        )
        # Context: masked mean of the nodes, embedded global features, the K context nodes.
        context = config.hidden * (1 + bool(config.global_features) + config.context_nodes)
        self.global_embed = (
            mlp([config.global_features, config.hidden], final_activation=True) if config.global_features else None
        )
        self.score = mlp([config.hidden + context, config.head_hidden, 1], activation=nn.Tanh)
        self.value = mlp([context, config.head_hidden, 1], activation=nn.Tanh)

    def check_graph_size(self, max_nodes: int) -> None:
        """Raise ConfigError if the encoder cannot take padded graphs of `max_nodes` nodes,
        so training refuses before the first rollout rather than running out of memory."""
        self.encoder.check_graph_size(max_nodes)

    def forward(
        self, obs: dict[str, torch.Tensor], action_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """With `action_mask` [B, N], only the legal nodes are scored (the others get -inf):
        the same distribution at a fraction of the head's cost, since few nodes are legal."""
        batch = GraphBatch.from_observation(obs)
        nodes = self.encoder(batch)  # [B, N, d]
        context = self.context(batch, nodes)
        return self.node_logits(nodes, context, batch.node_mask, action_mask), self.value(context).squeeze(-1)

    def context(self, batch: GraphBatch, nodes: torch.Tensor) -> torch.Tensor:
        """Per graph: masked mean of the node embeddings [B, N, d], embedded global features, the K context nodes."""
        parts = [batch.masked_mean(nodes)]
        if self.global_embed is not None and batch.global_features is not None:
            parts.append(self.global_embed(batch.global_features))
        if self.config.context_nodes:
            parts.append(batch.gather_context(nodes, self.config.context_nodes))
        return torch.cat(parts, dim=-1)

    def node_logits(
        self, nodes: torch.Tensor, context: torch.Tensor, node_mask: torch.Tensor, action_mask: torch.Tensor | None
    ) -> torch.Tensor:
        """Scores [B, N] of the real (and, given `action_mask`, legal) nodes, -inf elsewhere. Inference
        that keeps the embeddings up to date itself (networks/incremental.py) scores with this head too."""
        # The head's first layer acts on [node, context]: its context half is computed once per graph.
        first, rest = self.score[0], self.score[1:]
        node_weight, context_weight = first.weight.split([nodes.shape[-1], context.shape[-1]], dim=1)
        per_graph = F.linear(context, context_weight, first.bias)  # [B, head_hidden]
        selected = node_mask if action_mask is None else action_mask.bool() & node_mask
        graphs, slots = selected.nonzero(as_tuple=True)
        scores = rest(F.linear(nodes[graphs, slots], node_weight) + per_graph[graphs]).squeeze(-1)
        logits = torch.full(selected.shape, float("-inf"), dtype=scores.dtype, device=scores.device)
        return logits.index_put((graphs, slots), scores)
