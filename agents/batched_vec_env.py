"""SB3's VecEnv interface over a family's batched engine (`agent.vec_env=batched`): all
episodes step in one numpy call, with masks from the same state and automatic resets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn


class BatchedVecEnv(VecEnv):
    def __init__(self, engine: Any, sample: Callable[[np.random.Generator, int], list[Any]], seed: int = 0):
        self.engine = engine  # before VecEnv.__init__, which asks get_attr for the render mode
        super().__init__(engine.B, engine.envelope.space(), spaces.Discrete(engine.N))
        self.sample = sample
        self.rng = np.random.default_rng(seed)
        self.returns = np.zeros(engine.B)
        self.lengths = np.zeros(engine.B, dtype=np.int64)
        self.actions = np.zeros(engine.B, dtype=np.int64)

    def reset(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        self.returns[:] = 0
        self.lengths[:] = 0
        return self.engine.reset(self.sample(self.rng, self.num_envs))

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self) -> VecEnvStepReturn:
        observations, rewards, dones, finals = self.engine.step(self.actions)  # every episode is running
        self.returns += rewards
        self.lengths += 1
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        ended = np.flatnonzero(dones)
        for row in ended:
            terminal = {key: value[row] for key, value in observations.items()}
            episode = {"r": float(self.returns[row]), "l": int(self.lengths[row])}
            infos[row] = {**finals[row], "episode": episode, "terminal_observation": terminal}
        if ended.size:
            self.engine.reset_rows(ended, self.sample(self.rng, ended.size))
            self.returns[ended] = 0
            self.lengths[ended] = 0
            observations = self.engine.observation()
        return observations, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        return None

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else list(indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        known = {"action_masks": self.engine.action_masks, "render_mode": None}
        if attr_name not in known:
            raise AttributeError(f"the batched engine has no per-episode attribute {attr_name!r}")
        return [known[attr_name] for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError(f"the batched engine has no settable attribute {attr_name!r}")

    def env_method(self, method_name: str, *args: Any, indices: VecEnvIndices = None, **kwargs: Any) -> list[Any]:
        if method_name != "action_masks":
            raise AttributeError(f"the batched engine has no per-episode method {method_name!r}")
        masks = self.engine.action_masks()
        return [masks[row] for row in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]
