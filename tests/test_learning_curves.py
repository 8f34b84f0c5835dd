"""scripts/learning_curves.py reads runs' progress.csv (validation rows among training rows)
into a table by step, names each run's best validation, and draws the curves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_run(folder: Path, validations: dict[int, float]) -> Path:
    """A progress.csv as SB3 writes it: every row has every column, validations on some."""
    (folder / "logs").mkdir(parents=True)
    lines = [
        "time/total_timesteps,time/time_elapsed,train/loss,validation/makespan_mean,validation/gap_to_best_rule_percent"
    ]
    for step in range(1024, 6 * 1024, 1024):
        value = validations.get(step)
        shown = "," if value is None else f"{value},{value - 110.0}"  # the best rule's mean is 110
        lines.append(f"{step},{step // 100},0.1,{shown}")
    (folder / "logs" / "progress.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_table_best_and_plot(tmp_path: Path) -> None:
    first = write_run(tmp_path / "a", {2048: 120.0, 4096: 100.0})
    second = write_run(tmp_path / "b", {2048: 110.0, 4096: 115.0})
    picture = tmp_path / "curves.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "learning_curves.py"), f"tuned={first}", str(second),
         "--every", "2000", "--plot", str(picture), "--gap-target", "-5"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0] == "| steps | tuned | b |"
    assert "| 2,000 | 120.0 | 110.0 |" in lines and "| 4,000 | 100.0 | 115.0 |" in lines
    assert "tuned: best validation makespan_mean 100.0 at step 4,096 (2 validations)" in lines
    assert "b: best validation makespan_mean 110.0 at step 2,048 (2 validations)" in lines
    assert "tuned: validation gap -5.00% or lower reached at step 4,096, 40 s" in lines
    assert "b: validation gap -5.00% or lower reached never" in lines
    assert picture.stat().st_size > 10_000


def test_a_folder_without_a_log_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "learning_curves.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and f"{tmp_path}: no logs/progress.csv" in result.stderr
