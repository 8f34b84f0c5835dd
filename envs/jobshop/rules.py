"""Priority dispatching rules, the baselines the job-shop literature reports (also under blocking).

Each rule scores the candidate operations from the env's state and dispatches the lowest
score; ties go to the lowest job index, as in the published rule tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import gymnasium as gym
import numpy as np

from schedrl.envs.core.policy import Policy, RandomPolicy, legal_nodes
from schedrl.errors import SchedRLError


@runtime_checkable
class DispatchState(Protocol):
    """What the rules read of an episode's state; the job shop's and the blocking job
    shop's states both offer it (node j * m + k is job j's k-th operation)."""

    num_machines: int
    duration: np.ndarray  # [N] processing time of each operation
    work_through: np.ndarray  # [N] job work up to and including the operation
    job_remaining_work: np.ndarray  # [n] work of the operations not dispatched yet
    job_remaining_ops: np.ndarray  # [n] their number
    job_ready: np.ndarray  # [n] when the job became free to go on


#: Scores candidate nodes (lower is dispatched first): (state, nodes, jobs) -> keys.
Score = Callable[[DispatchState, np.ndarray, np.ndarray], np.ndarray | tuple[np.ndarray, ...]]


def _state_of(env: gym.Env | None) -> DispatchState:
    state = getattr(getattr(env, "unwrapped", None), "state", None)
    if not isinstance(state, DispatchState):
        raise SchedRLError(
            "dispatching rules read the env's state: call act(obs, mask, env=env) with a "
            "schedrl/JobShop-v0 or schedrl/BlockingJobShop-v0 env"
        )
    return state


@dataclass(frozen=True)
class DispatchingRule:
    """A `Policy` that dispatches the candidate with the lowest score."""

    name: str
    score: Score
    description: str

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: gym.Env | None = None) -> int:
        state = _state_of(env)
        nodes = legal_nodes(action_mask)
        keys = self.score(state, nodes, nodes // state.num_machines)
        if isinstance(keys, tuple):  # lexicographic: first key is primary
            return int(nodes[np.lexsort(keys[::-1])[0]])
        return int(nodes[np.argmin(keys)])


def _remaining_work(state: DispatchState, nodes: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    return state.job_remaining_work[jobs]


def _remaining_ops(state: DispatchState, nodes: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    return state.job_remaining_ops[jobs]


RULES: dict[str, DispatchingRule] = {
    rule.name: rule
    for rule in (
        DispatchingRule("spt", lambda s, n, j: s.duration[n], "shortest processing time"),
        DispatchingRule("lpt", lambda s, n, j: -s.duration[n], "longest processing time"),
        DispatchingRule("mwkr", lambda s, n, j: -_remaining_work(s, n, j), "most work remaining in the job"),
        DispatchingRule("lwkr", _remaining_work, "least work remaining in the job"),
        DispatchingRule("mor", lambda s, n, j: -_remaining_ops(s, n, j), "most operations remaining"),
        DispatchingRule("lor", _remaining_ops, "least operations remaining"),
        DispatchingRule("fifo", lambda s, n, j: s.job_ready[j], "first in first out: earliest ready"),
        DispatchingRule(
            "fdd_mwkr",
            # Work is integral, so the floor of 1 only changes jobs with nothing but
            # zero-duration operations left (orb07 has one), which would divide by zero.
            lambda s, n, j: s.work_through[n] / np.maximum(s.job_remaining_work[j], 1),
            "flow due date (job work up to this operation) over work remaining",
        ),
        DispatchingRule(
            "mopnr",
            lambda s, n, j: (-_remaining_ops(s, n, j), -_remaining_work(s, n, j)),
            "most operations remaining, ties by most work remaining",
        ),
    )
}


def job_shop_baselines(seed: int = 0) -> dict[str, Policy]:
    """Every dispatching rule plus the seeded random policy, by name."""
    return {**RULES, "random": RandomPolicy(seed)}


def rule_descriptions() -> dict[str, str]:
    return {name: rule.description for name, rule in RULES.items()} | {"random": "uniform over candidates"}
