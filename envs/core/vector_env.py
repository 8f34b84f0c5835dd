"""Gymnasium's vector API over a family's batched engine: `gym.make_vec(id, num_envs=B)`.

All B episodes advance in one numpy call per step. Finished episodes restart in the same
step (Gymnasium's SAME_STEP autoreset: `info["final_obs"]`, `info["final_info"]`), so every
row is always running, and the action masks of the new state come in `info["action_mask"]`:
a learner needs no extra round-trip per episode to fetch them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.settings import Setting, check_reset_options, check_settings
from schedrl.errors import ConfigError, IllegalActionError

InstanceSampler = Callable[[np.random.Generator, int], list[Any]]


class BatchedEngine(Protocol):
    """What a family implements to get batched stepping: B episodes of one envelope."""

    B: int
    N: int
    envelope: GraphEnvelope
    instances: list[Any]  # what each row schedules now
    done: np.ndarray  # [B] bool: the row's episode has ended

    def reset(self, instances: list[Any]) -> dict[str, np.ndarray]: ...

    def reset_rows(self, rows: np.ndarray, instances: list[Any]) -> None: ...

    def step(self, actions: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """(observations, rewards, done flags, final infos of the rows that were running)."""
        ...

    def observation(self) -> dict[str, np.ndarray]: ...

    def action_masks(self) -> np.ndarray: ...


# (num_envs, env kwargs) -> (engine, instance sampler); raises ConfigError for kwargs it lacks.
EngineFactory = Callable[[int, dict[str, Any]], tuple[BatchedEngine, InstanceSampler]]


class BatchedVectorEnv(VectorEnv):
    """B episodes of a family's env, taking the same keyword arguments as `gym.make`.

    `reset(seed=s)` seeds the instance sampler; `reset(options={"instances": [...]})`
    starts the B episodes on the given instances (later resets sample again).
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}  # noqa: RUF012 (Gymnasium's convention)

    def __init__(
        self,
        env_id: str,
        factory: EngineFactory,
        resolve_instance: Callable[[Any], Any],
        settings: tuple[Setting, ...],
        num_envs: int = 1,
        **env_kwargs: Any,
    ):
        Setting("num_envs", int, 1).check(num_envs)
        check_settings(env_kwargs, settings)  # the options gym.make checks, checked here too
        self.resolve_instance = resolve_instance
        if env_kwargs.get("instance") is not None:  # every form gym.make takes: object, name, path
            env_kwargs["instance"] = resolve_instance(env_kwargs["instance"])
        self.engine, self.sample = factory(num_envs, env_kwargs)
        self.env_id = env_id
        self.num_envs = num_envs
        self.ready = False  # until a reset succeeds: stepping stale or unset episodes is refused
        self.single_observation_space = self.engine.envelope.space()
        self.single_action_space = spaces.Discrete(self.engine.N)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def _node_indices(self, actions: Any) -> np.ndarray:
        """One integer node per env, as the single env takes them: nothing is rounded or parsed."""
        array = np.asarray(actions)
        if not np.issubdtype(array.dtype, np.integer) or array.size != self.num_envs:
            raise IllegalActionError(
                f"actions must be {self.num_envs} integer node indices (one per env), got an array of dtype "
                f"{array.dtype} and shape {array.shape}"
            )
        return array.reshape(self.num_envs)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        self.ready = False
        check_reset_options(options, ("instances",))
        instances = (options or {}).get("instances")
        if instances is None:
            instances = self.sample(self.np_random, self.num_envs)
        elif len(instances) != self.num_envs:
            raise ConfigError(f"reset options['instances'] has {len(instances)} instances for {self.num_envs} envs")
        else:  # every form gym.make takes: object, bundled name, path
            instances = [self.resolve_instance(instance) for instance in instances]
        observations = self.engine.reset(list(instances))
        self.ready = True
        return observations, {"action_mask": self.engine.action_masks()}

    def step(
        self, actions: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self.ready:
            raise IllegalActionError("step() called before reset() (or after a reset that failed); call reset() first")
        running = np.flatnonzero(~self.engine.done)  # every row, unless an instance had only forced moves
        observations, rewards, done, finals = self.engine.step(self._node_indices(actions))
        infos: dict[str, Any] = {}
        ended = running[done[running]]
        for row, final in zip(running, finals, strict=True):
            if done[row]:
                final_obs = {key: value[row] for key, value in observations.items()}
                infos = self._add_info(infos, {"final_obs": final_obs, "final_info": final}, int(row))
        if ended.size:
            self.engine.reset_rows(ended, self.sample(self.np_random, ended.size))
            observations = self.engine.observation()
        infos["action_mask"] = self.engine.action_masks()
        return observations, rewards, done, np.zeros_like(done), infos


def vector_entry_point(
    env_id: str, factory: EngineFactory, resolve_instance: Callable[[Any], Any], settings: tuple[Setting, ...]
) -> Callable[..., BatchedVectorEnv]:
    """What `gym.register(vector_entry_point=...)` calls as `(num_envs=B, **kwargs)`; a
    partial, not a closure, so that env specs stay picklable."""
    return functools.partial(BatchedVectorEnv, env_id, factory, resolve_instance, settings)
