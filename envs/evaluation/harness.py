"""Run step-wise policies and whole-solution solvers over instances of one family,
validate every solution independently, and store each result as soon as it exists."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from schedrl.envs.core import progress
from schedrl.envs.core.family import ProblemFamily
from schedrl.envs.core.policy import Policy
from schedrl.envs.core.rollout import rollout
from schedrl.envs.core.solver import Solver, applies
from schedrl.envs.evaluation.store import ResultRow, ResultStore, safe_file_name
from schedrl.errors import ConfigError, SchedRLError


@dataclass(frozen=True)
class EvaluationPlan:
    family: ProblemFamily
    instances: list[Any]
    policies: Mapping[str, Policy]
    solvers: Mapping[str, Solver] = field(default_factory=dict)
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    picture_dir: Path | None = None
    # What produced each method's results (env kwargs, solver options, checkpoint checksum):
    # a resumed run refuses stored rows that another setting produced.
    identities: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every (instance, method) pair has its own row and its own solution file."""
        _refuse_collisions(
            "instance", [i.name for i in self.instances], [getattr(i, "source", None) for i in self.instances]
        )
        _refuse_collisions("method", self.methods, [None] * len(self.methods))
        if not self.instances:
            raise ConfigError("the instance set is empty: nothing to evaluate")
        if not self.methods:
            raise ConfigError("no method to evaluate: give policies, solvers or checkpoints")

    @property
    def methods(self) -> list[str]:
        return [*self.policies, *self.solvers]

    @cached_property
    def instance_digests(self) -> dict[str, str]:
        return {instance.name: instance_digest(instance) for instance in self.instances}  # once per instance

    def fingerprint(self, instance: Any, method: str) -> str:
        """What produced a row: the method's settings and the instance's content."""
        identity = json.dumps(
            [self.identities.get(method), self.instance_digests[instance.name]], sort_keys=True, default=str
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    def fingerprints(self) -> dict[tuple[str, str], str]:
        return {(i.name, m): self.fingerprint(i, m) for i in self.instances for m in self.methods}

    def check_resumable(self, store: ResultStore) -> None:
        """Stored rows made by other settings, or on instances whose content changed, are
        never mixed with this run's."""
        for kind, index, names in (("instance", 0, [i.name for i in self.instances]), ("method", 1, self.methods)):
            ours = {safe_file_name(name): name for name in names}
            for key in store.rows:
                theirs = key[index]
                if ours.get(safe_file_name(theirs), theirs) != theirs:
                    raise SchedRLError(
                        f"{store.csv_path} holds the {kind} {theirs!r}, whose solution files this run's "
                        f"{ours[safe_file_name(theirs)]!r} would overwrite (the two names are one file name); "
                        "write to a new folder (hydra.run.dir=...)"
                    )
        wanted = self.fingerprints()
        stored = store.rows.items()
        changed = sorted(key for key, row in stored if key in wanted and row.fingerprint not in ("", wanted[key]))
        if changed:
            shown = ", ".join(f"{method} on {instance}" for instance, method in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            raise SchedRLError(
                f"{store.csv_path} holds results ({shown}{more}) made with other settings or on another version of "
                "the instance (env kwargs, solver options, checkpoint weights or the instance's data differ from "
                "this run's; see env_kwargs.json there): results are never mixed, so write to a new folder "
                "(hydra.run.dir=...) or remove that one"
            )

    def applies(self, instance: Any, method: str) -> bool:
        """Step-wise policies run everywhere; a solver only where it models the instance."""
        return method not in self.solvers or applies(self.solvers[method], instance)

    def cells(self) -> list[tuple[Any, str]]:
        """The (instance, method) pairs this plan fills, in plan order."""
        return [(i, name) for i in self.instances for name in self.methods if self.applies(i, name)]

    def pending(self, store: ResultStore) -> list[tuple[Any, str]]:
        return [(i, name) for i, name in self.cells() if not store.done(i.name, name)]


def instance_digest(instance: Any) -> str:
    """The content of a family's instance dataclass (its arrays' bytes included), so a
    changed file or generator setting under the same name is told apart. Where it was read
    from (`source`) is not content."""
    digest = hashlib.sha256()
    for item in dataclasses.fields(instance):
        if item.name == "source":
            continue
        value = getattr(instance, item.name)
        digest.update(item.name.encode())
        if isinstance(value, np.ndarray):
            digest.update(f"{value.dtype}{value.shape}".encode() + np.ascontiguousarray(value).tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def _refuse_collisions(kind: str, names: list[str], sources: list[Any]) -> None:
    """Names equal as given, or once made safe for file names, would share rows and files."""
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        other = seen.setdefault(safe_file_name(name), index)
        if other != index:
            where = f" ({sources[other]} and {sources[index]})" if sources[index] else ""
            raise ConfigError(
                f"two {kind}s, {names[other]!r} and {name!r}{where}, would share one row and one solution file; "
                f"give each {kind} its own name"
            )


@dataclass(frozen=True)
class Outcome:
    """One method's result on one instance, before validation."""

    record: dict[str, Any]  # the family's solution record, objective included
    wall_time: float
    proven_optimal: bool = False
    lower_bound: float | None = None
    status: str = ""
    decisions: int | None = None


def _solve(plan: EvaluationPlan, instance: Any, method: str, env: gym.Env | None) -> Outcome:
    if env is not None and method in plan.policies:  # evaluate_cell gives every step-wise policy an env
        episode = rollout(env, plan.policies[method], seed=plan.seed)
        record = plan.family.solution_record(episode.info)
        return Outcome(record, episode.wall_time, decisions=episode.decisions)
    result = plan.solvers[method].solve(instance)
    record = {plan.family.objective.key: result.objective, **result.solution}
    return Outcome(record, result.wall_time, result.proven_optimal, result.lower_bound, result.status, result.decisions)


def evaluate_cell(
    plan: EvaluationPlan, instance: Any, method: str, env: gym.Env | None = None
) -> tuple[ResultRow, dict[str, Any]]:
    """One method on one instance, its solution checked by the family's validator: the row
    and the validated record. A step-wise policy without `env` runs on one built here."""
    if env is None and method in plan.policies:
        with contextlib.closing(plan.family.make_env(instance=instance, **plan.env_kwargs)) as own:
            return evaluate_cell(plan, instance, method, own)
    outcome = _solve(plan, instance, method, env)
    record = outcome.record
    plan.family.validate(instance, record)
    objective = float(record[plan.family.objective.key])
    row = ResultRow(
        instance=instance.name,
        group=instance.group,
        policy=method,
        objective=objective,
        best_known=instance.best_known,
        gap_percent=plan.family.objective.gap_percent(objective, instance.best_known),
        proven_optimal=outcome.proven_optimal or plan.family.proven_optimal(instance, objective),
        wall_time_s=round(outcome.wall_time, 6),
        metrics={name: _metric(record.get(name)) for name in plan.family.metrics},
        lower_bound=outcome.lower_bound,
        status=outcome.status,
        decisions=outcome.decisions,
        fingerprint=plan.fingerprint(instance, method),
    )
    return row, record


def run_evaluation(plan: EvaluationPlan, store: ResultStore) -> Iterator[ResultRow]:
    """Yields each new row as it is stored (for progress display); skips stored ones."""
    pending = plan.pending(store)
    by_instance: dict[str, list[str]] = {}
    for instance, method in pending:
        by_instance.setdefault(instance.name, []).append(method)
    for instance in plan.instances:
        methods = by_instance.get(instance.name, [])
        if not methods:
            continue
        with contextlib.ExitStack() as closing:  # closed also when a validation fails or the caller stops early
            env = None
            if any(method in plan.policies for method in methods):
                made = plan.family.make_env(instance=instance, **plan.env_kwargs)
                env = closing.enter_context(contextlib.closing(made))
            for method in methods:
                progress.report(f"{instance.name} {method}")  # until the method reports its own progress
                row, record = evaluate_cell(plan, instance, method, env)
                store.add(row, record)
                if plan.picture_dir is not None and plan.family.draw_solution is not None:
                    plan.picture_dir.mkdir(parents=True, exist_ok=True)
                    name = f"{safe_file_name(instance.name)}_{safe_file_name(method)}.png"
                    plan.family.draw_solution(instance, record, plan.picture_dir / name, f"{instance.name} - {method}")
                yield row


def _metric(value: Any) -> float | None:
    return None if value is None else float(value)
