"""The SB3 side: MaskablePPO's actor-critic policy, backed by a `GraphPolicyNetwork`.

MaskablePPO is used as is; only the policy's four entry points are redirected to the
graph network, whose per-node logits replace SB3's flat action head.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from sb3_contrib.common.maskable.distributions import MaskableDistribution
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.type_aliases import PyTorchObs, Schedule

from schedrl.networks import GraphPolicyNetwork, NetworkConfig


class ObservationPassThrough(BaseFeaturesExtractor):
    """SB3 insists on a features extractor; the graph network does the extraction."""

    def __init__(self, observation_space: spaces.Dict):
        super().__init__(observation_space, features_dim=1)

    def forward(self, observations: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:  # type: ignore[override]
        return observations


class GraphActorCriticPolicy(MaskableActorCriticPolicy):
    def __init__(
        self,
        observation_space: spaces.Dict,
        action_space: spaces.Discrete,
        lr_schedule: Schedule,
        network: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        self.network_config = NetworkConfig(**(network or {}))
        kwargs.setdefault("features_extractor_class", ObservationPassThrough)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _build(self, lr_schedule: Schedule) -> None:
        self.network = GraphPolicyNetwork(self.network_config)
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)  # type: ignore[call-arg]

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data["network"] = self.network_config.to_dict()
        return data

    def _distribution(
        self, logits: torch.Tensor, action_masks: np.ndarray | torch.Tensor | None
    ) -> MaskableDistribution:
        # Padded slots carry -inf; the mask sets every illegal logit to a large negative.
        distribution = self.action_dist.proba_distribution(action_logits=logits.clamp_min(-1e8))
        if action_masks is not None:
            distribution.apply_masking(action_masks)
        return distribution

    def _evaluate(
        self, obs: PyTorchObs, action_masks: np.ndarray | torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and values; with the masks, only legal nodes are scored (see the network)."""
        features = self.extract_features(obs)  # type: ignore[arg-type]
        if action_masks is None:
            return self.network(features)
        masks = torch.as_tensor(action_masks, device=self.device).reshape(-1, self.action_space.n)  # type: ignore[attr-defined]
        return self.network(features, action_mask=masks)

    def forward(
        self, obs: torch.Tensor, deterministic: bool = False, action_masks: np.ndarray | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, values = self._evaluate(obs, action_masks)
        distribution = self._distribution(logits, action_masks)
        actions = distribution.get_actions(deterministic=deterministic)
        return actions, values.unsqueeze(-1), distribution.log_prob(actions)

    def evaluate_actions(
        self, obs: torch.Tensor, actions: torch.Tensor, action_masks: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        logits, values = self._evaluate(obs, action_masks)
        distribution = self._distribution(logits, action_masks)
        return values.unsqueeze(-1), distribution.log_prob(actions), distribution.entropy()

    def get_distribution(self, obs: PyTorchObs, action_masks: np.ndarray | None = None) -> MaskableDistribution:
        return self._distribution(self._evaluate(obs, action_masks)[0], action_masks)

    def predict_values(self, obs: PyTorchObs) -> torch.Tensor:
        return self._evaluate(obs)[1].unsqueeze(-1)
