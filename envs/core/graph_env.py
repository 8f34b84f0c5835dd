"""Shared Gymnasium plumbing for every schedrl env: padded observation, action mask,
action checking and automatic forced moves. Families implement only their dynamics."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, SupportsInt

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from schedrl.envs.core.instances import InstanceCatalog
from schedrl.envs.core.observation import GraphEnvelope, GraphObservation
from schedrl.envs.core.settings import check_reset_options
from schedrl.errors import IllegalActionError


class LegalNodeSpace(spaces.Discrete):
    """`Discrete(max_nodes)` whose `sample()` draws a node that is legal now.

    Random agents and the Gymnasium/SB3 env checkers sample actions from the space;
    with a plain Discrete they would pick masked nodes, which the env rejects.
    """

    def __init__(self, legal: np.ndarray):
        super().__init__(legal.size)
        self._legal = legal

    def sample(self, mask: np.ndarray | None = None, probability: np.ndarray | None = None) -> np.int64:
        if mask is None and probability is None and self._legal.any():
            mask = self._legal.astype(np.int8)
        return super().sample(mask=mask, probability=probability)


def node_index(action: object) -> int:
    """An action as a node index: Python and numpy integers (also in a one-element integer
    array, as agents return them), nothing else. Coercing 6.9 or "12" would schedule a node
    the caller did not name."""
    value = action
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.integer):
        value = value.reshape(()).item()
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    kind = f"an array of dtype {action.dtype}" if isinstance(action, np.ndarray) else type(action).__name__
    raise IllegalActionError(f"action must be a node index (an integer), got {action!r} ({kind})")


class GraphSchedulingEnv(gym.Env[dict[str, np.ndarray], np.int64], ABC):
    """Base class: a scheduling episode as a sequence of node choices.

    Every env takes `instance=` (an instance object, a bundled benchmark name or a file
    path, resolved by the family's `catalog`) at construction, or
    `reset(options={"instance": ...})` within its envelope; with neither it draws one from
    its generator with the env's seeded `np_random`. Randomness that is part of the
    problem (breakdowns, arrivals, noise) comes from the instance's own seed, never from
    `reset(seed)`, so every method meets the same realisation.

    Subclasses keep `self.mask` (bool, one entry per node slot) and `self.graph` up to
    date in `_start_episode` and `_apply`, and report the episode's end in `_done` (with
    `_truncated` where it ends at a horizon rather than by completing the instance).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 1}  # noqa: RUF012 (Gymnasium's convention)
    catalog: ClassVar[InstanceCatalog]

    def __init__(
        self, envelope: GraphEnvelope, *, instance: Any = None, auto_single_choice: bool, render_mode: str | None
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.auto_single_choice = auto_single_choice
        self.graph = GraphObservation(envelope)
        self.observation_space = self.graph.space  # type: ignore[assignment]
        self.mask = np.zeros(envelope.max_nodes, dtype=bool)
        self.action_space = LegalNodeSpace(self.mask)
        self._done = True
        self._truncated = False
        self._carried_reward = 0.0
        self.instance = None if instance is None else self.catalog.as_instance(instance)
        if self.instance is not None:
            self._check_fits(self.instance)
        self.episode_instance: Any = None
        self.decision_bound = 0  # of the current episode; set at reset

    # -- the subclass's part -------------------------------------------------------------
    def _sample_instance(self, rng: np.random.Generator) -> Any:
        """An instance when none is given: the catalog's generator at its defaults."""
        return self.catalog.generate({}, 1, int(rng.integers(2**31)))[0]

    @abstractmethod
    def _check_fits(self, instance: Any) -> None:
        """Raise EnvelopeError when `instance` does not fit the observation envelope."""

    @abstractmethod
    def _max_decisions(self, instance: Any) -> int:
        """The most agent decisions an episode on `instance` can take (documented bound)."""

    @abstractmethod
    def _start_episode(self, instance: Any) -> None:
        """Fill state, mask and observation for a new episode on `instance`."""

    @abstractmethod
    def _apply(self, node: int) -> float:
        """Carry out a legal choice; return its reward."""

    def _sync_observation(self) -> None:
        """Bring what only the agent reads (mask, derived features) up to date, once per
        agent step rather than once per applied choice (forced choices apply several)."""

    def _step_info(self) -> dict[str, Any]:
        """What every step reports (a multi-objective env's objective vector of the step)."""
        return {}

    @abstractmethod
    def _final_info(self) -> dict[str, Any]:
        """Objective(s) and full solution, reported once the episode ends."""

    # -- Gymnasium API ---------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        # Ended until the new episode is fully set up: after a failed reset (an instance that
        # does not fit, say) the env says "call reset()" instead of offering a stale state.
        self._done, self._truncated = True, False
        self.mask.fill(False)  # the last episode's instance may have had more nodes
        check_reset_options(options, ("instance",))
        options = options or {}
        if "instance" in options:
            instance = self.catalog.as_instance(options["instance"])
            self._check_fits(instance)
        elif self.instance is not None:
            instance = self.instance
        else:
            instance = self._sample_instance(self.np_random)
            self._check_fits(instance)
        self.episode_instance = instance
        self.decision_bound = self._max_decisions(instance)
        self._done = False
        try:
            self._start_episode(instance)
        except BaseException:
            self._done = True
            raise
        # Reset returns no reward: what forced choices earn before the first decision joins
        # the first step's, so an episode's rewards still add up to its documented return.
        self._carried_reward = self._take_forced_choices()
        self._sync_observation()
        return self.graph.snapshot(), self._final_info() if self._done else {}

    def step(self, action: SupportsInt) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        node = self._check_action(action)
        reward = self._carried_reward + self._apply(node) + self._take_forced_choices()
        self._carried_reward = 0.0
        self._sync_observation()
        info = self._step_info() | (self._final_info() if self._done else {})
        truncated = self._done and self._truncated
        return self.graph.snapshot(), reward, self._done and not truncated, truncated, info

    @property
    def done(self) -> bool:
        """The episode has ended, by completion or at its horizon (possibly already at reset,
        when every choice was forced)."""
        return self._done

    def action_masks(self) -> np.ndarray:
        """Nodes that may be chosen now (sb3-contrib's MaskablePPO calls this)."""
        return self.mask.copy()

    # -- shared mechanics ------------------------------------------------------------------
    def _check_action(self, action: SupportsInt) -> int:
        if self._done:
            raise IllegalActionError(
                "step() called after the episode ended (or after a reset that failed); call reset() first"
            )
        node = node_index(action)
        if not 0 <= node < self.mask.size:
            raise IllegalActionError(f"action {node} is out of range: node indices run from 0 to {self.mask.size - 1}")
        if not self.mask[node]:
            legal = np.flatnonzero(self.mask)
            raise IllegalActionError(
                f"action {node} is masked out: it cannot be chosen now; legal nodes are "
                f"{legal[:10].tolist()}{' ...' if legal.size > 10 else ''} (see action_masks())"
            )
        return node

    def _single_choice(self) -> int | None:
        """The only legal node, if exactly one is legal (subclasses may answer faster)."""
        nodes = np.flatnonzero(self.mask)
        return int(nodes[0]) if nodes.size == 1 else None

    def _take_forced_choices(self) -> float:
        """Apply choices that have a single candidate, so the agent only sees real decisions."""
        reward = 0.0
        while self.auto_single_choice and not self._done:
            node = self._single_choice()
            if node is None:
                break
            reward += self._apply(node)
        return reward
