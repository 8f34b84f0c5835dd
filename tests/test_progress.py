"""Progress of long runs: a CP-SAT run's incumbent and bound, training's live gap lines,
and the evaluation's per-method status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from schedrl.agents.training import train
from schedrl.envs.core import progress
from schedrl.envs.jobshop import load_benchmark
from schedrl.envs.jobshop.cpsat import CPSatSolver

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^CP-SAT ft10 makespan: incumbent (none yet|\d+), bound (\d+), [\d.]+ s(, OPTIMAL|, FEASIBLE)?$")


def test_reports_reach_only_a_listener() -> None:
    heard: list[str] = []
    progress.report("before")
    with progress.listening(heard.append):
        progress.report("during")
        with progress.listening(lambda _: None):
            progress.report("inner")
        progress.report("after inner")
    progress.report("after")
    assert heard == ["during", "after inner"]


def test_cpsat_reports_its_incumbent_and_bound_as_they_improve() -> None:
    heard: list[str] = []
    with progress.listening(heard.append):
        result = CPSatSolver(time_limit=2, workers=2).solve(load_benchmark("ft10"))
    parsed = [LINE.match(line) for line in heard]
    assert heard and all(parsed), heard[:3]
    incumbents = [int(m[1]) for m in parsed if m and m[1] != "none yet"]
    bounds = [int(m[2]) for m in parsed if m]
    assert incumbents == sorted(incumbents, reverse=True)  # each reported incumbent is better
    assert bounds == sorted(bounds)  # and each bound tighter
    assert incumbents[-1] == result.objective
    assert max(bounds) <= result.objective
    assert [bool(m and m[3]) for m in parsed].count(True) == 1 and parsed[-1] and parsed[-1][3]  # the end, once


def test_cpsat_is_silent_without_a_listener(capsys: pytest.CaptureFixture[str]) -> None:
    CPSatSolver(time_limit=1, workers=1).solve(load_benchmark("ft06"))
    assert capsys.readouterr() == ("", "")


def test_training_prints_each_validation_gap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=[
            "logger=none", "progress_bar=true", "total_timesteps=1024", "eval_every=512", "env.validation.count=4",
            "agent.n_envs=2", "agent.n_steps=128", "agent.batch_size=128",
        ])  # fmt: skip
    result = train(OmegaConf.to_container(cfg, resolve=True), tmp_path)
    lines = [line for line in capsys.readouterr().out.splitlines() if "validation gap" in line]
    assert [line.split(":")[0] for line in lines] == ["step 512", "step 1,024"]
    best = re.search(r"\(best ([-+\d.]+)%\)", lines[-1])
    assert best and float(best[1]) == pytest.approx(result.best_gap_percent, abs=0.005)
    assert "last rollouts' mean makespan" in lines[-1]
