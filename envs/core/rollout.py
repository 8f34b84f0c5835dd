"""Run one episode of any policy on any schedrl env: the loop evaluation and users share."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from schedrl.envs.core.policy import Policy
from schedrl.errors import SchedRLError


@dataclass(frozen=True)
class Episode:
    info: dict[str, Any]  # the env's final info: objective(s) and solution
    total_reward: float
    decisions: int
    wall_time: float


def rollout(env: gym.Env, policy: Policy, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Episode:
    began = time.perf_counter()
    core: Any = env.unwrapped  # a GraphSchedulingEnv: done, action_masks()
    obs, info = env.reset(seed=seed, options=options)
    total, decisions = 0.0, 0
    while not core.done:
        if decisions >= core.decision_bound:  # a buggy env must not hang evaluation or CI
            raise SchedRLError(
                f"{env.spec.id if env.spec else type(core).__name__}: the episode on "
                f"{core.episode_instance.name!r} went past its documented bound of {core.decision_bound} decisions"
            )
        action = policy.act(obs, core.action_masks(), env)
        obs, reward, _, _, info = env.step(action)
        total += float(reward)
        decisions += 1
    return Episode(info=info, total_reward=total, decisions=decisions, wall_time=time.perf_counter() - began)
