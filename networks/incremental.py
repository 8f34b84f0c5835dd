"""Node embeddings carried through an episode, for fast inference.

A decision changes the features of a few nodes and a few edges; a full encoder pass per
decision recomputes every node (quadratic in the episode). Here each layer recomputes only
the rows whose inputs changed: with `reencode_every=0` the changed nodes, grown by one hop
per layer (exactly the rows a full pass would change, so the same logits); with
`reencode_every=k` only the changed nodes themselves (their neighbours' embeddings stay
stale) and a full pass every k decisions: faster, approximate.
"""

from __future__ import annotations

import numpy as np
import torch

from schedrl.networks.encoders import GINEncoder, RowEdges
from schedrl.networks.graph_batch import GraphBatch
from schedrl.networks.policy_net import GraphPolicyNetwork

EDGE_KEYS = ("edge_index", "edge_mask", "edge_attr")


def supports(network: GraphPolicyNetwork) -> bool:
    """Encoders that can recompute a subset of rows (`layer_rows`)."""
    return isinstance(network.encoder, GINEncoder)


class IncrementalEncoding:
    """The logits of a fixed batch of B graphs, one call per decision of their episodes.
    Graphs whose episodes ended keep their last observation: nothing of theirs is recomputed."""

    def __init__(self, network: GraphPolicyNetwork, reencode_every: int = 0):
        if not supports(network):
            raise TypeError(f"{type(network.encoder).__name__} cannot update its embeddings in place")
        self.network = network
        self.encoder: GINEncoder = network.encoder  # type: ignore[assignment]
        self.reencode_every = reencode_every
        self.device = next(network.parameters()).device
        self._previous: dict[str, np.ndarray] = {}
        self._hidden: list[torch.Tensor] = []  # per layer (0: the embedded features), [B * N, d]
        self._source = self._target = np.zeros(0, dtype=np.int64)  # the real edges, flat node rows
        self._attr: torch.Tensor | None = None
        self._since_full = 0

    @torch.inference_mode()
    def logits(self, observation: dict[str, np.ndarray], action_mask: np.ndarray) -> torch.Tensor:
        """-inf where illegal, [B, N]. `observation` holds the B graphs stacked; it is kept to diff the
        next one against, so its arrays must not change afterwards (env observations are copies)."""
        batch = GraphBatch.from_observation(
            {key: torch.from_numpy(value).to(self.device) for key, value in observation.items()}
        )
        full = not self._hidden or (self.reencode_every > 0 and self._since_full >= self.reencode_every)
        touched = self._touched_by_edges(observation)
        if full or touched is not None:  # the real edges, as the full pass flattens them
            flat, self._attr, _ = batch.flat_edges(bidirectional=False)
            self._source, self._target = flat.cpu().numpy()
        features = batch.node_features.flatten(0, 1)
        if full:
            self._encode_all(features)
        else:
            self._update(observation, features, touched)
        self._previous = observation
        nodes = self._hidden[-1].view(batch.batch_size, batch.max_nodes, -1)
        context = self.network.context(batch, nodes)
        return self.network.node_logits(nodes, context, batch.node_mask, torch.from_numpy(action_mask).to(self.device))

    def _touched_by_edges(self, observation: dict[str, np.ndarray]) -> np.ndarray | None:
        """Flat rows at either end (before or after) of an edge slot that changed; None if none did."""
        if not self._previous:
            return None
        changed = np.zeros(observation["edge_mask"].shape, dtype=bool)  # [B, E]
        for key in EDGE_KEYS:
            if key in observation:
                differs = observation[key] != self._previous[key]
                changed |= differs.any(axis=1) if key == "edge_index" else differs.reshape((*changed.shape, -1)).any(-1)
        if not changed.any():
            return None
        graphs, slots = np.nonzero(changed)
        offset = graphs * observation["node_mask"].shape[1]
        rows = []
        for source in (observation, self._previous):
            alive = source["edge_mask"][graphs, slots] > 0.5
            ends = source["edge_index"][graphs, :, slots][alive] + offset[alive, None]  # [changed, 2]
            rows.append(ends.ravel())
        return np.concatenate(rows)

    def _encode_all(self, features: torch.Tensor) -> None:
        self._hidden = [self.encoder.embed(features)]
        rows, along, against = self._incoming(np.ones(features.shape[0], dtype=bool))
        for index in range(len(self.encoder.norms)):
            self._hidden.append(self.encoder.layer_rows(index, self._hidden[-1], rows, along, against))
        self._since_full = 0

    def _update(self, observation: dict[str, np.ndarray], features: torch.Tensor, touched: np.ndarray | None) -> None:
        self._since_full += 1
        current, previous = observation["node_features"], self._previous["node_features"]
        dirty = (current != previous).any(axis=-1).reshape(-1)
        if dirty.any():
            rows = self._tensor(np.flatnonzero(dirty))
            self._hidden[0][rows] = self.encoder.embed(features[rows])
        if touched is not None:
            dirty[touched] = True
        if not dirty.any():
            return
        exact = self.reencode_every == 0
        incoming = None if exact else self._incoming(dirty)  # approximate: the same rows at every layer
        for index in range(len(self.encoder.norms)):
            if exact or incoming is None:  # what changed at the last layer reaches its neighbours
                grown = dirty.copy()
                grown[self._target[dirty[self._source]]] = True
                grown[self._source[dirty[self._target]]] = True
                dirty = grown
                incoming = self._incoming(dirty)
            rows, along, against = incoming
            self._hidden[index + 1][rows] = self.encoder.layer_rows(index, self._hidden[index], rows, along, against)

    def _incoming(self, dirty: np.ndarray) -> tuple[torch.Tensor, RowEdges, RowEdges]:
        """The dirty rows and the edges into them, along and against the edges' direction."""
        rows = np.flatnonzero(dirty)
        position = np.full(dirty.shape[0], -1, dtype=np.int64)
        position[rows] = np.arange(rows.shape[0])
        along = self._row_edges(position, self._source, self._target)
        against = self._row_edges(position, self._target, self._source)
        return self._tensor(rows), along, against

    def _row_edges(self, position: np.ndarray, source: np.ndarray, target: np.ndarray) -> RowEdges:
        at = position[target]
        pick = np.flatnonzero(at >= 0)
        chosen = self._tensor(pick)
        attr = None if self._attr is None else self._attr.index_select(0, chosen)
        return RowEdges(self._tensor(source[pick]), self._tensor(at[pick]), attr)

    def _tensor(self, index: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(index.astype(np.int64, copy=False)).to(self.device)
