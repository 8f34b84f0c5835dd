"""Whole-solution baselines (exact or anytime solvers) behind one call, so evaluation
treats them like step-wise policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SolverResult:
    objective: float
    solution: dict[str, Any]  # the family's solution record, e.g. {"start_times": [[...]]}
    proven_optimal: bool
    lower_bound: float | None = None
    status: str = ""
    wall_time: float = 0.0
    decisions: int | None = None  # agent decisions behind the solution, for step-wise methods


class Solver(Protocol):
    """`solve` may see the whole instance, including the seed of its future (arrivals,
    breakdowns): label such references as clairvoyant where a family has randomness.

    A solver that models only some scenarios (an exact model of the deterministic case,
    say) also has `applies_to(instance) -> bool`; evaluation leaves the other instances'
    cells empty instead of failing."""

    def solve(self, instance: Any) -> SolverResult: ...


def applies(solver: Any, instance: Any) -> bool:
    """Whether `solver` models `instance` (True for solvers without `applies_to`)."""
    applies_to = getattr(solver, "applies_to", None)
    return applies_to is None or bool(applies_to(instance))
