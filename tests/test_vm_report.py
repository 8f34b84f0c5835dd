"""The VM family's report: each method's share of the best improvement found per snapshot."""

from __future__ import annotations

from pathlib import Path

from schedrl import envs
from schedrl.envs.evaluation.store import ResultRow


def row(instance: str, policy: str, fragment_rate: float, seconds: float = 1.0) -> ResultRow:
    return ResultRow(
        instance, "g/mnl10", policy, fragment_rate, best_known=None, gap_percent=None, proven_optimal=False,
        wall_time_s=seconds, metrics={"initial_fragment_rate": 0.5, "migrations_used": 10},
    )  # fmt: skip


def test_shares_are_of_the_best_improvement_on_each_snapshot(tmp_path: Path) -> None:
    # Snapshot a: FR0 0.5, best 0.3 (cpsat): greedy's 0.4 is (0.5 - 0.4) / (0.5 - 0.3) = 50 %.
    # Snapshot b: best 0.4 (greedy): cpsat's 0.45 is 50 %, greedy's 100 %. Means: 75 % each,
    # std 25 %; cpsat's FR mean (0.3 + 0.45) / 2 = 0.375.
    rows = [row("a", "greedy", 0.4), row("a", "cpsat", 0.3, 5.0), row("b", "greedy", 0.4), row("b", "cpsat", 0.45, 7.0)]
    assert envs.family("schedrl/VMReschedule-v0").report(rows, tmp_path) == ["improvement_share.md"]
    text = (tmp_path / "improvement_share.md").read_text()
    assert "| g/mnl10 | cpsat | 2 | 0.3750 ± 0.0750 | 75.0 % ± 25.0 | 6.00 |" in text
    assert "| g/mnl10 | greedy | 2 | 0.4000 ± 0.0000 | 75.0 % ± 25.0 | 1.00 |" in text
