"""SB3's VecEnv interface over a family's Gymnasium vector env (`agent.vec_env=batched`):
all episodes step in one numpy call, and the masks MaskablePPO asks for are the ones the
step already returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from schedrl.envs.core.vector_env import BatchedVectorEnv


class BatchedVecEnv(VecEnv):
    def __init__(self, vector_env: BatchedVectorEnv):
        self.vector_env = vector_env
        super().__init__(vector_env.num_envs, vector_env.single_observation_space, vector_env.single_action_space)
        self.masks = np.zeros((self.num_envs, vector_env.single_action_space.n), dtype=bool)  # type: ignore[attr-defined]
        self.returns = np.zeros(self.num_envs)
        self.lengths = np.zeros(self.num_envs, dtype=np.int64)
        self.actions = np.zeros(self.num_envs, dtype=np.int64)

    def reset(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        observations, info = self.vector_env.reset(seed=self._seeds[0])
        self._reset_seeds()
        self.masks = info["action_mask"]
        self.returns[:] = 0
        self.lengths[:] = 0
        return observations

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self) -> VecEnvStepReturn:
        observations, rewards, dones, _, info = self.vector_env.step(self.actions)
        self.masks = info.pop("action_mask")
        self.returns += rewards
        self.lengths += 1
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for row in np.flatnonzero(dones):
            final = {key: value[row] for key, value in info["final_info"].items() if not key.startswith("_")}
            episode = {"r": float(self.returns[row]), "l": int(self.lengths[row])}
            infos[row] = {**final, "episode": episode, "terminal_observation": info["final_obs"][row]}
        self.returns[dones] = 0
        self.lengths[dones] = 0
        return observations, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        self.vector_env.close()

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else list(indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        known = {"action_masks": self.vector_env.engine.action_masks, "render_mode": None}  # sb3-contrib probes both
        if attr_name not in known:
            raise AttributeError(f"the batched engine has no per-episode attribute {attr_name!r}")
        return [known[attr_name] for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError(f"the batched engine has no settable attribute {attr_name!r}")

    def env_method(self, method_name: str, *args: Any, indices: VecEnvIndices = None, **kwargs: Any) -> list[Any]:
        if method_name != "action_masks":
            raise AttributeError(f"the batched engine has no per-episode method {method_name!r}")
        return [self.masks[row] for row in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]
