"""A warm start for PPO: before the first rollout, fit the policy to one of the family's
baselines (cross-entropy on its choices) and the value head to the discounted returns it
earns, on episodes the rule plays in the training env.

Why: where many agents share one reward stream (a fleet's aircraft choose in turn), a random
policy's returns are dominated by the other agents' rewards, and PPO from scratch spends its
budget relearning what a good rule already knows. Starting from the rule, PPO only has to
learn where to depart from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO

from schedrl import envs
from schedrl.envs.core.policy import Policy
from schedrl.errors import UnknownNameError


@dataclass(frozen=True)
class Demonstrations:
    observations: dict[str, np.ndarray]  # each key stacked over decisions
    masks: np.ndarray  # [D, N] bool
    actions: np.ndarray  # [D]
    returns: np.ndarray  # [D] discounted returns from each decision on


def teacher(env_id: str, rule: str, seed: int) -> Policy:
    """The policy to imitate: a baseline, or a solver that also chooses step by step (`act`),
    such as a clairvoyant look-ahead (the student still sees only the observation)."""
    family = envs.family(env_id)
    rules: dict[str, Any] = dict(family.baselines(seed))
    if rule not in rules and rule in family.solvers:
        rules[rule] = family.solvers[rule]()
    if rule not in rules or not hasattr(rules[rule], "act"):
        stepwise = [*rules, *(name for name in family.solvers if name not in rules)]
        raise UnknownNameError(f"agent.imitation_rule: step-wise baseline or solver of {env_id}", rule, stepwise)
    return cast(Policy, rules[rule])


def demonstrations(env: gym.Env, policy: Policy, decisions: int, gamma: float, seed: int) -> Demonstrations:
    """At least `decisions` choices of `policy`, whole episodes of `env` (seeded resets)."""
    core: Any = env.unwrapped
    observations: list[dict[str, np.ndarray]] = []
    masks: list[np.ndarray] = []
    actions: list[int] = []
    returns: list[float] = []
    episode = 0
    while len(actions) < decisions:
        obs, _ = env.reset(seed=seed + episode)
        episode += 1
        rewards: list[float] = []
        while not core.done:
            mask = core.action_masks()
            action = policy.act(obs, mask, env)
            observations.append(obs)
            masks.append(mask)
            actions.append(action)
            obs, reward, _, _, _ = env.step(action)
            rewards.append(float(reward))
        returns.extend(_discounted(rewards, gamma))
    stacked = {key: np.stack([o[key] for o in observations]) for key in observations[0]}
    return Demonstrations(stacked, np.asarray(masks), np.asarray(actions), np.asarray(returns, dtype=np.float32))


def _discounted(rewards: list[float], gamma: float) -> list[float]:
    total, out = 0.0, []
    for reward in reversed(rewards):
        total = reward + gamma * total
        out.append(total)
    return out[::-1]


def imitate(
    model: MaskablePPO, data: Demonstrations, epochs: int, batch_size: int, learning_rate: float, seed: int
) -> dict[str, float]:
    """Fit `model`'s policy to the demonstrations with its optimiser at `learning_rate` (PPO's
    own rate is set back afterwards); returns the last epoch's mean losses and the share of
    choices the greedy policy then agrees with."""
    policy = model.policy
    optimizer = policy.optimizer
    rates = [group["lr"] for group in optimizer.param_groups]
    for group in optimizer.param_groups:
        group["lr"] = learning_rate
    rng = np.random.default_rng(seed)
    count = data.actions.size
    # Value errors in units of the returns' spread, so neither loss swamps the other.
    scale = max(float(data.returns.var()), 1e-8)
    logs: dict[str, float] = {}
    for _ in range(epochs):
        order = rng.permutation(count)
        sums = {"imitation_loss": 0.0, "value_loss": 0.0, "agreement": 0.0}
        for start in range(0, count, batch_size):
            rows = order[start : start + batch_size]
            obs = {key: torch.as_tensor(value[rows], device=policy.device) for key, value in data.observations.items()}
            masks = data.masks[rows]
            actions = torch.as_tensor(data.actions[rows], device=policy.device)
            values, log_prob, _ = policy.evaluate_actions(obs, actions, masks)  # type: ignore[arg-type]
            targets = torch.as_tensor(data.returns[rows], device=policy.device)
            value_loss = torch.nn.functional.mse_loss(values.flatten(), targets) / scale
            imitation_loss = -log_prob.mean()
            loss = imitation_loss + model.vf_coef * value_loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), model.max_grad_norm)
            optimizer.step()
            with torch.no_grad():
                chosen = policy.get_distribution(obs, masks).get_actions(deterministic=True)
            sums["imitation_loss"] += imitation_loss.item() * rows.size
            sums["value_loss"] += value_loss.item() * rows.size
            sums["agreement"] += float((chosen == actions).float().sum())
        logs = {key: value / count for key, value in sums.items()}
    for group, rate in zip(optimizer.param_groups, rates, strict=True):
        group["lr"] = rate
    return logs
