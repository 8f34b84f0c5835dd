"""CP-SAT runs that show their incumbent and bound as they improve, for any family's model."""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from schedrl.envs.core import progress


class _Improvements(cp_model.CpSolverSolutionCallback):
    """Reports each better solution, and each tighter bound between solutions."""

    def __init__(self, label: str, scale: Callable[[float], float], report: Callable[[str], None]):
        super().__init__()
        self.label, self.scale, self.report = label, scale, report
        self.began = time.perf_counter()
        self.incumbent: float | None = None

    def line(self, bound: float) -> str:
        incumbent = "none yet" if self.incumbent is None else f"{self.scale(self.incumbent):g}"
        seconds = time.perf_counter() - self.began
        return f"{self.label}: incumbent {incumbent}, bound {self.scale(bound):g}, {seconds:.1f} s"

    def on_solution_callback(self) -> None:
        self.incumbent = self.objective_value
        self.report(self.line(self.best_objective_bound))


def solve_reporting(
    solver: cp_model.CpSolver, model: cp_model.CpModel, label: str, scale: Callable[[float], float] = float
) -> cp_model.CpSolverStatus:
    """`solver.solve(model)`; while someone listens (`progress.listening`), each improvement
    is reported as `label: incumbent X, bound Y, T s`, objective values passed through
    `scale` (a model's integer units back to the family's)."""
    report = progress.current()  # the solver calls back on its own threads
    if report is None:
        return solver.solve(model)
    improvements = _Improvements(label, scale, report)
    solver.best_bound_callback = lambda bound: report(improvements.line(bound))
    return solver.solve(model, improvements)
