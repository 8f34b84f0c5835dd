"""One record per problem family: everything the generic layers (evaluation, training,
the generic tests) need beyond the env itself. Registering a family registers its
Gymnasium id too, so a new family is one folder, one config and one `register_family`.
The seam, field by field, is tabled in docs/DESIGN.md."""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from schedrl.envs.core.instances import Instance, InstanceCatalog
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.policy import Policy
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.core.solver import Solver
from schedrl.envs.core.vector_env import EngineFactory, vector_entry_point
from schedrl.errors import ConfigError, UnknownNameError

# (instance, valid solution record) -> [(what was broken, broken record)], one per constraint
Perturbations = Callable[[Any, dict[str, Any]], list[tuple[str, dict[str, Any]]]]
# (rows of results.csv, output folder) -> names of the files written there
ReportHook = Callable[[list[Any], Path], list[str]]


@dataclass(frozen=True)
class Deferred:
    """The function or class named "module:attribute", imported at its first call: a family
    record names its solvers, validator and pictures without importing OR-Tools or matplotlib
    when the family registers. A dataclass, so the record stays picklable."""

    target: str

    def resolve(self) -> Any:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        """The target's, so that `inspect.signature` tells which options a deferred solver takes."""
        return inspect.signature(self.resolve())


@dataclass(frozen=True)
class RecordKeys:
    """`solution_record` for a family whose record is these keys of the final info."""

    keys: tuple[str, ...]

    def __call__(self, info: dict[str, Any]) -> dict[str, Any]:
        return {key: info[key] for key in self.keys}


@dataclass(frozen=True)
class ProblemFamily:
    env_id: str
    entry_point: str
    objective: Objective
    instances: InstanceCatalog
    baselines: Callable[[int], dict[str, Policy]]  # seed -> step-wise baselines by name
    solution_record: Callable[[dict[str, Any]], dict[str, Any]]  # final info -> JSON-ready solution
    validate: Callable[[Any, dict[str, Any]], None]  # raises InvalidScheduleError
    fit_kwargs: Callable[[list[Any]], dict[str, Any]]  # env kwargs whose envelope fits all instances
    # The documented total reward of an episode, from the env kwargs and its final info;
    # property tests hold every env to it.
    episode_return: Callable[[Mapping[str, Any], dict[str, Any]], float]
    # One bad record per constraint of a valid one: the generic tests require the
    # validator to reject each.
    perturbations: Perturbations
    # A small instance-set spec every baseline and solver of the family runs on in the tests.
    test_instances: Mapping[str, Any]
    # Extra result columns after the objective: keys of the solution record.
    metrics: tuple[str, ...] = ()
    # Env kwargs the property tests run under, one dict per variant (schemes, rewards, ...).
    kwarg_variants: tuple[Mapping[str, Any], ...] = ({},)
    # File-format readers, text -> instance, raising only InstanceFormatError; fuzzed.
    parsers: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    solvers: Mapping[str, Callable[..., Solver]] = field(default_factory=dict)
    draw_solution: Callable[[Any, dict[str, Any], Path, str], None] | None = None  # picture of one solution
    # Engine stepping many episodes in numpy, behind `gym.make_vec(env_id, n)` and
    # agent.vec_env=batched. None: the family has no batched engine.
    batched_engine: EngineFactory | None = None
    proven_optimal: Callable[[Any, float], bool] = lambda instance, objective: False
    report: ReportHook | None = None  # a family's own table or plot beside summary.md
    env_settings: tuple[Setting, ...] = ()  # the env's options with their types and ranges

    def load_instances(self, spec: Mapping[str, Any], where: str = "instances") -> list[Instance]:
        return self.instances.load_set(spec, where)

    def check_env_kwargs(self, kwargs: Mapping[str, Any], where: str = "env") -> None:
        """A key another family's env takes (`env.dynamics` on a VM env) fails here, with the
        options this env has, instead of as a TypeError from deep inside gym.make."""
        accepted = _env_parameters(self.entry_point)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            return
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            options = sorted(set(accepted) - {"self", "render_mode"})
            raise ConfigError(f"{where}.{unknown[0]} is not an option of {self.env_id}; its options: {options}")
        check_settings(kwargs, self.env_settings, prefix=where)

    def effective_kwargs(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """`kwargs` over the env's defaults: what an env built with them actually uses."""
        parameters = _env_parameters(self.entry_point).values()
        defaults = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
        return {k: v for k, v in {**defaults, **kwargs}.items() if k not in ("instance", "render_mode")}

    def make_env(self, **kwargs: Any) -> gym.Env:
        self.check_env_kwargs({k: v for k, v in kwargs.items() if k != "instance"})
        return gym.make(self.env_id, **kwargs)


@functools.cache
def _env_parameters(entry_point: str) -> Mapping[str, inspect.Parameter]:
    """The env class's keyword arguments, read once: every `make_env` checks against them."""
    from gymnasium.envs.registration import load_env_creator

    return inspect.signature(load_env_creator(entry_point)).parameters


_FAMILIES: dict[str, ProblemFamily] = {}


def register_family(family: ProblemFamily) -> None:
    if family.env_id not in gym.registry:
        vectorised = family.batched_engine and vector_entry_point(
            family.env_id, family.batched_engine, family.instances.as_instance, family.env_settings
        )
        gym.register(id=family.env_id, entry_point=family.entry_point, vector_entry_point=vectorised or None)
    _FAMILIES[family.env_id] = family


def family(env_id: str) -> ProblemFamily:
    if env_id not in _FAMILIES:
        raise UnknownNameError("schedrl env id", env_id, _FAMILIES)
    return _FAMILIES[env_id]


def env_ids() -> list[str]:
    return sorted(_FAMILIES)


@contextlib.contextmanager
def registrations_undone() -> Iterator[None]:
    """Families and Gymnasium ids registered, or families replaced, inside the block are as
    before after it: a worked example or a test that registers its own family leaves the
    registry that every generic test iterates over as it found it."""
    families, env_ids_before = dict(_FAMILIES), set(gym.registry)
    try:
        yield
    finally:
        _FAMILIES.clear()
        _FAMILIES.update(families)
        for env_id in set(gym.registry) - env_ids_before:
            del gym.registry[env_id]


def baselines(env_id: str, seed: int = 0) -> dict[str, Policy]:
    """`{name: Policy}` of the family's step-wise baselines (rules, heuristics, random)."""
    return family(env_id).baselines(seed)


def pick(kind: str, available: Mapping[str, Any], names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Select entries by name, with close-name suggestions for typos."""
    unknown = [name for name in names if name not in available]
    if unknown:
        raise UnknownNameError(kind, unknown[0], available)
    return {name: available[name] for name in names}
