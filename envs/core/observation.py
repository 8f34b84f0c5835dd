"""The padded graph observation every schedrl env emits (see docs/DESIGN.md).

Envs own one `GraphObservation` and update its arrays in place, one small slice per
step; `snapshot()` hands the agent a copy so later steps never mutate what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from schedrl.errors import EnvelopeError

#: Padded edge slots hold this index and are switched off by `edge_mask`.
PAD_INDEX = 0
#: Features are normalised by each env; the bounds are finite only so checkers can verify them.
FEATURE_BOUND = 1e6


@dataclass(frozen=True)
class GraphEnvelope:
    """Fixed observation sizes: stable-baselines3 needs one shape for every instance."""

    max_nodes: int
    max_edges: int
    node_features: int
    edge_features: int = 0
    global_features: int = 0
    #: K: node indices whose embeddings join the policy's context (e.g. the VM chosen in
    #: stage 1 when stage 2 picks its destination); -1 where there is none.
    context_nodes: int = 0

    def __post_init__(self) -> None:
        for field in ("max_nodes", "node_features"):
            if getattr(self, field) < 1:
                raise EnvelopeError(f"{field} must be >= 1, got {getattr(self, field)}")
        for field in ("max_edges", "edge_features", "global_features", "context_nodes"):
            if getattr(self, field) < 0:
                raise EnvelopeError(f"{field} must be >= 0, got {getattr(self, field)}")

    def check_fits(self, what: str, nodes: int, edges: int) -> None:
        if nodes > self.max_nodes or edges > self.max_edges:
            raise EnvelopeError(
                f"{what} needs {nodes} nodes and {edges} edges, but the env was built for at "
                f"most {self.max_nodes} nodes and {self.max_edges} edges; build the env with "
                "this instance (or a larger envelope) instead"
            )

    def space(self) -> spaces.Dict:
        index_dtype = np.int32  # SB3 stores observations at this dtype for every step
        entries: dict[str, spaces.Space] = {
            "node_features": spaces.Box(
                -FEATURE_BOUND, FEATURE_BOUND, (self.max_nodes, self.node_features), np.float32
            ),
            "edge_index": spaces.Box(0, self.max_nodes - 1, (2, self.max_edges), index_dtype),
            "node_mask": spaces.Box(0, 1, (self.max_nodes,), np.int8),
            "edge_mask": spaces.Box(0, 1, (self.max_edges,), np.int8),
        }
        if self.edge_features:
            entries["edge_attr"] = spaces.Box(
                -FEATURE_BOUND, FEATURE_BOUND, (self.max_edges, self.edge_features), np.float32
            )
        if self.global_features:
            entries["global_features"] = spaces.Box(-FEATURE_BOUND, FEATURE_BOUND, (self.global_features,), np.float32)
        if self.context_nodes:
            entries["context_nodes"] = spaces.Box(-1, self.max_nodes - 1, (self.context_nodes,), index_dtype)
        return spaces.Dict(entries)


class GraphObservation:
    """Preallocated observation arrays, mutated in place by the env that owns them."""

    def __init__(self, envelope: GraphEnvelope):
        self.envelope = envelope
        self.space = envelope.space()
        self.arrays: dict[str, np.ndarray] = {
            key: np.zeros(box.shape or (), box.dtype) for key, box in self.space.spaces.items()
        }
        self.node_features = self.arrays["node_features"]
        self.edge_index = self.arrays["edge_index"]
        self.node_mask = self.arrays["node_mask"]
        self.edge_mask = self.arrays["edge_mask"]
        self.edge_attr = self.arrays.get("edge_attr")
        self.global_features = self.arrays.get("global_features")
        self.context_nodes = self.arrays.get("context_nodes")

    def clear(self) -> None:
        for array in self.arrays.values():
            array.fill(0)
        self.edge_index.fill(PAD_INDEX)
        if self.context_nodes is not None:
            self.context_nodes.fill(-1)

    def snapshot(self) -> dict[str, np.ndarray]:
        return {key: array.copy() for key, array in self.arrays.items()}
