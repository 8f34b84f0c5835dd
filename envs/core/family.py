"""One record per problem family: what evaluation and users need beyond the env itself
(baselines, solvers, instance sets, the independent validator). Registering a family
registers its Gymnasium id too, so adding a family is one `register_family` call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
from schedrl.envs.core.policy import Policy
from schedrl.envs.core.solver import Solver
from schedrl.envs.core.vector_env import EngineFactory, vector_entry_point

from schedrl.errors import UnknownNameError


class Instance(Protocol):
    """What evaluation reads of any family's instance."""

    name: str
    group: str

    @property
    def best_known(self) -> float | None: ...


@dataclass(frozen=True)
class ProblemFamily:
    env_id: str
    entry_point: str
    objective: str  # key of the minimised objective in the env's final info
    baselines: Callable[[int], dict[str, Policy]]  # seed -> step-wise baselines by name
    load_instances: Callable[[Mapping[str, Any]], list[Any]]  # instance-set config -> instances
    solution_record: Callable[[dict[str, Any]], dict[str, Any]]  # final info -> JSON-ready solution
    validate: Callable[[Any, dict[str, Any]], None]  # raises InvalidScheduleError
    fit_kwargs: Callable[[list[Any]], dict[str, Any]]  # env kwargs whose envelope fits all instances
    # The documented total reward of an episode, from the env kwargs and its final info;
    # property tests hold every env to it.
    episode_return: Callable[[Mapping[str, Any], dict[str, Any]], float]
    # File-format readers, text -> instance, raising only InstanceFormatError; fuzzed.
    parsers: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    solvers: Mapping[str, Callable[..., Solver]] = field(default_factory=dict)
    draw_solution: Callable[[Any, dict[str, Any], Path, str], None] | None = None  # Gantt PNG, title
    # Engine stepping many episodes in numpy, behind `gym.make_vec(env_id, n)` and
    # agent.vec_env=batched. None: the family has no batched engine.
    batched_engine: EngineFactory | None = None
    proven_optimal: Callable[[Any, float], bool] = lambda instance, objective: False


_FAMILIES: dict[str, ProblemFamily] = {}


def register_family(family: ProblemFamily) -> None:
    if family.env_id not in gym.registry:
        vectorised = family.batched_engine and vector_entry_point(family.env_id, family.batched_engine)
        gym.register(id=family.env_id, entry_point=family.entry_point, vector_entry_point=vectorised or None)
    _FAMILIES[family.env_id] = family


def family(env_id: str) -> ProblemFamily:
    if env_id not in _FAMILIES:
        raise UnknownNameError("schedrl env id", env_id, _FAMILIES)
    return _FAMILIES[env_id]


def env_ids() -> list[str]:
    return sorted(_FAMILIES)


def baselines(env_id: str, seed: int = 0) -> dict[str, Policy]:
    """`{name: Policy}` of the family's step-wise baselines (rules, heuristics, random)."""
    return family(env_id).baselines(seed)


def pick(kind: str, available: Mapping[str, Any], names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Select entries by name, with close-name suggestions for typos."""
    unknown = [name for name in names if name not in available]
    if unknown:
        raise UnknownNameError(kind, unknown[0], available)
    return {name: available[name] for name in names}
