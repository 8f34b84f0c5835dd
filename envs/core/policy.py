"""The one call every decision maker answers, so rules, heuristics and learned policies
are interchangeable in evaluation and in user code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np

from schedrl.errors import IllegalActionError


@runtime_checkable
class Policy(Protocol):
    """Chooses a node index among those `action_mask` allows.

    Dispatching rules and heuristics may read the env's state (`env`); learned policies
    read only the observation.
    """

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: gym.Env | None = None) -> int: ...


def legal_nodes(action_mask: np.ndarray) -> np.ndarray:
    nodes = np.flatnonzero(action_mask)
    if nodes.size == 0:
        raise IllegalActionError("the action mask allows no node: the episode has already ended")
    return nodes


class RandomPolicy:
    """Uniform over legal nodes; the floor any policy must beat."""

    def __init__(self, seed: int | None = 0):
        self._rng = np.random.default_rng(seed)

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        return int(self._rng.choice(legal_nodes(action_mask)))


class SimulationRule:
    """A rule over a family's simulation state as a `Policy` over the env's nodes: the env
    offers its state as `sim` and turns the rule's choice into a node with `node_of(choice)`
    (the edge servers' indices, the fleet's "stay" / "charge" / vertiport)."""

    def __init__(self, name: str, choose: Callable[[Any], Any]):
        self.name = name
        self.choose = choose

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        if env is None:
            raise ValueError(f"{self.name} reads the env's simulation: call act(obs, mask, env)")
        state = env.unwrapped
        return int(state.node_of(self.choose(state.sim)))
