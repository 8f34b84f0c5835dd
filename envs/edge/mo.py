"""The edge env with a vector reward, MO-Gymnasium's convention: `step` returns
-[delay / delay_unit, energy / energy_unit] of the step's decision and the wrapper has a
`reward_space`, so MORL libraries (MO-Gymnasium's LinearReward, morl-baselines) can drive it
without the package being installed here. The observation still carries the instance's
preference; a MORL agent that supplies its own weights can ignore it."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class MultiObjectiveReward(gym.Wrapper):
    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.reward_space = spaces.Box(-np.inf, 0.0, (2,), np.float32)
        self.reward_dim = 2

    def step(self, action: Any) -> tuple[Any, np.ndarray, bool, bool, dict[str, Any]]:  # type: ignore[override]
        observation, _scalar, terminated, truncated, info = self.env.step(action)
        edge_env: Any = self.env.unwrapped
        instance = edge_env.episode_instance
        units = np.array([instance.delay_unit, instance.energy_unit])
        return observation, (-info["objectives"] / units).astype(np.float32), terminated, truncated, info


def scalarised(vector: np.ndarray, preference: float) -> SupportsFloat:
    """The env's scalar reward (reward_scale 1, no cap, no relative_reward) from the vector under w."""
    return float(preference * vector[0] + (1 - preference) * vector[1])
