"""Whole-solution baselines (exact or anytime solvers) behind one call, so evaluation
treats them like step-wise policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SolverResult:
    objective: float
    solution: dict[str, Any]  # the family's solution record, e.g. {"start_times": [[...]]}
    proven_optimal: bool
    lower_bound: float | None = None
    status: str = ""
    wall_time: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Solver(Protocol):
    def solve(self, instance: Any) -> SolverResult: ...
