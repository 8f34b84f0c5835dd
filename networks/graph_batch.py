"""Padded observation batches as tensors, and their flattening for message passing."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from schedrl.errors import ConfigError


@dataclass(frozen=True)
class GraphBatch:
    """A batch of padded graphs. Padded node slots stay in place (isolated, masked), so
    node i of graph b is row b * N + i of the flat view: no gather or scatter needed."""

    node_features: torch.Tensor  # [B, N, F] float
    edge_index: torch.Tensor  # [B, 2, E] long
    edge_mask: torch.Tensor  # [B, E] bool
    node_mask: torch.Tensor  # [B, N] bool
    edge_attr: torch.Tensor | None  # [B, E, D] float
    global_features: torch.Tensor | None  # [B, G] float
    context_nodes: torch.Tensor | None  # [B, K] long, -1 where none

    @classmethod
    def from_observation(cls, obs: dict[str, torch.Tensor]) -> GraphBatch:
        """Accepts SB3's preprocessed observations (every key cast to float) or raw ones."""
        edge_attr = obs.get("edge_attr")
        global_features = obs.get("global_features")
        context_nodes = obs.get("context_nodes")
        return cls(
            node_features=obs["node_features"].float(),
            edge_index=obs["edge_index"].long(),
            edge_mask=obs["edge_mask"] > 0.5,
            node_mask=obs["node_mask"] > 0.5,
            edge_attr=None if edge_attr is None else edge_attr.float(),
            global_features=None if global_features is None else global_features.float(),
            context_nodes=None if context_nodes is None else context_nodes.round().long(),
        )

    @property
    def batch_size(self) -> int:
        return int(self.node_features.shape[0])

    @property
    def max_nodes(self) -> int:
        return int(self.node_features.shape[1])

    def flat_edges(self, bidirectional: bool) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """(edge_index [2, E'] into the flat node view, edge_attr [E', D] or None, is_reverse [E'])."""
        batch, _, edges = self.edge_index.shape
        offsets = torch.arange(batch, device=self.edge_index.device).view(batch, 1, 1) * self.max_nodes
        flat = (self.edge_index + offsets).permute(1, 0, 2).reshape(2, batch * edges)
        keep = self.edge_mask.reshape(-1)
        flat = flat[:, keep]
        attr = None if self.edge_attr is None else self.edge_attr.reshape(batch * edges, self.edge_attr.shape[-1])[keep]
        reverse = torch.zeros(flat.shape[1], dtype=torch.bool, device=flat.device)
        if bidirectional:
            flat = torch.cat([flat, flat.flip(0)], dim=1)
            attr = None if attr is None else torch.cat([attr, attr], dim=0)
            reverse = torch.cat([reverse, ~reverse])
        return flat, attr, reverse

    def masked_mean(self, nodes: torch.Tensor) -> torch.Tensor:
        """Mean of [B, N, d] node embeddings over real nodes -> [B, d]."""
        weights = self.node_mask.unsqueeze(-1).to(nodes.dtype)
        return (nodes * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)

    def gather_context(self, nodes: torch.Tensor, count: int) -> torch.Tensor:
        """The embeddings of the `count` context nodes of each graph, concatenated -> [B, K * d];
        zeros where the index is -1, so 'nothing chosen yet' is one fixed input."""
        index = self.context_nodes
        if index is None or index.shape[1] != count:
            found = 0 if index is None else index.shape[1]
            raise ConfigError(
                f"network.context_nodes is {count} but the observation has {found} context nodes; "
                "build the network with the env's context_nodes"
            )
        picked = nodes.gather(1, index.clamp_min(0).unsqueeze(-1).expand(-1, -1, nodes.shape[-1]))
        return (picked * (index >= 0).unsqueeze(-1).to(nodes.dtype)).flatten(1)
