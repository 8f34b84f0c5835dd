"""Run step-wise policies and whole-solution solvers over instances of one family,
validate every solution independently, and store each result as soon as it exists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from schedrl.envs.core.family import ProblemFamily
from schedrl.envs.core.policy import Policy
from schedrl.envs.core.rollout import rollout
from schedrl.envs.core.solver import Solver
from schedrl.envs.evaluation.store import ResultRow, ResultStore, safe_file_name


@dataclass(frozen=True)
class EvaluationPlan:
    family: ProblemFamily
    instances: list[Any]
    policies: Mapping[str, Policy]
    solvers: Mapping[str, Solver] = field(default_factory=dict)
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    gantt_dir: Path | None = None

    @property
    def methods(self) -> list[str]:
        return [*self.policies, *self.solvers]

    def pending(self, store: ResultStore) -> list[tuple[Any, str]]:
        return [(i, name) for i in self.instances for name in self.methods if not store.done(i.name, name)]


def _gap_percent(objective: float, best_known: float | None) -> float | None:
    return None if not best_known else 100.0 * (objective - best_known) / best_known


def _solve(plan: EvaluationPlan, instance: Any, method: str, env: gym.Env | None) -> tuple[dict[str, Any], float, bool]:
    """(solution record, wall time, solver's optimality proof) for one method on one instance."""
    if method in plan.policies:
        if env is None:
            raise ValueError(f"policy {method!r} needs an env")
        episode = rollout(env, plan.policies[method], seed=plan.seed)
        return plan.family.solution_record(episode.info), episode.wall_time, False
    result = plan.solvers[method].solve(instance)
    return {plan.family.objective: result.objective, **result.solution}, result.wall_time, result.proven_optimal


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
        env = None
        if any(method in plan.policies for method in methods):
            env = gym.make(plan.family.env_id, instance=instance, **plan.env_kwargs)
        for method in methods:
            record, wall_time, proven = _solve(plan, instance, method, env)
            plan.family.validate(instance, record)
            objective = float(record[plan.family.objective])
            row = ResultRow(
                instance=instance.name,
                group=instance.group,
                policy=method,
                objective=objective,
                best_known=instance.best_known,
                gap_percent=_gap_percent(objective, instance.best_known),
                proven_optimal=proven or plan.family.proven_optimal(instance, objective),
                wall_time_s=round(wall_time, 6),
            )
            store.add(row, record)
            if plan.gantt_dir is not None and plan.family.draw_solution is not None:
                plan.gantt_dir.mkdir(parents=True, exist_ok=True)
                name = f"{safe_file_name(instance.name)}_{safe_file_name(method)}.png"
                plan.family.draw_solution(instance, record, plan.gantt_dir / name, f"{instance.name} - {method}")
            yield row
        if env is not None:
            env.close()
