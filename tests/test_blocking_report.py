"""The blocking family's report: trained policies against the best rule, cell by cell."""

from __future__ import annotations

from pathlib import Path

from schedrl import envs
from schedrl.envs.evaluation.store import ResultRow


def row(group: str, policy: str, makespan: float) -> ResultRow:
    return ResultRow(
        "i", group, policy, makespan, best_known=None, gap_percent=None, proven_optimal=False, wall_time_s=0
    )


def test_the_report_tallies_cells_against_the_best_rule(tmp_path: Path) -> None:
    family = envs.family("schedrl/BlockingJobShop-v0")
    rows = [
        row("a/p0", "spt", 100), row("a/p0", "lor", 90), row("a/p0", "random", 50), row("a/p0", "cpsat", 40),
        row("a/p0", "mine", 80),  # random and CP-SAT are no rules: the best rule is lor (90); -11.11%
        row("a/p0.1", "spt", 100), row("a/p0.1", "mine", 100),  # equal
        row("a/p0.2", "spt", 100), row("a/p0.2", "mine", 101),  # worse
    ]  # fmt: skip
    assert family.report(rows, tmp_path) == ["learned_vs_rules.md"]
    text = (tmp_path / "learned_vs_rules.md").read_text()
    assert "| a/p0 | lor | 90.0 | 80.0 | -11.11 |" in text
    assert "mine: better than the best rule in 1 cells, equal in 1, worse in 1." in text
    assert family.report([r for r in rows if r.policy != "mine"], tmp_path / "none") == []  # no trained policy
