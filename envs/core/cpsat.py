"""CP-SAT runs that show their incumbent and bound as they improve, for any family's model."""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from schedrl.envs.core import progress

BOUND_EVERY = 1.0  # seconds between lines for the bound alone (it can move thousands of times)


def progress_line(label: str, incumbent: float | None, bound: float, tail: str) -> str:
    """`label: incumbent X, bound Y, tail`, the one format every solver's progress takes."""
    shown = "none yet" if incumbent is None else f"{incumbent:g}"
    return f"{label}: incumbent {shown}, bound {bound:g}, {tail}"


class _Improvements(cp_model.CpSolverSolutionCallback):
    """Reports each better solution at once, and a tighter bound between solutions at most
    every BOUND_EVERY seconds."""

    def __init__(self, label: str, scale: Callable[[float], float], report: Callable[[str], None]):
        super().__init__()
        self.label, self.scale, self.report = label, scale, report
        self.began = self.reported = time.perf_counter()
        self.incumbent: float | None = None

    def line(self, bound: float, status: str = "") -> str:
        incumbent = None if self.incumbent is None else self.scale(self.incumbent)
        tail = f"{time.perf_counter() - self.began:.1f} s" + (f", {status}" if status else "")
        return progress_line(self.label, incumbent, self.scale(bound), tail)

    def on_solution_callback(self) -> None:
        self.incumbent = self.objective_value
        self.reported = time.perf_counter()
        self.report(self.line(self.best_objective_bound))

    def on_bound(self, bound: float) -> None:
        if time.perf_counter() - self.reported >= BOUND_EVERY:
            self.reported = time.perf_counter()
            self.report(self.line(bound))


def solve_reporting(
    solver: cp_model.CpSolver, model: cp_model.CpModel, label: str, scale: Callable[[float], float] = float
) -> cp_model.CpSolverStatus:
    """`solver.solve(model)`; while someone listens (`progress.listening`), each improvement
    is reported as `label: incumbent X, bound Y, T s`, objective values passed through
    `scale` (a model's integer units back to the family's), and the end with its status."""
    report = progress.current()  # the solver calls back on its own threads
    if report is None:
        return solver.solve(model)
    improvements = _Improvements(label, scale, report)
    solver.best_bound_callback = improvements.on_bound
    status = solver.solve(model, improvements)
    report(improvements.line(solver.best_objective_bound, solver.status_name(status)))
    return status
