"""Sweeps, launchers, resume and reproducibility, run for real through train.py."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from schedrl.agents.training import train

ROOT = Path(__file__).resolve().parents[1]
# Seconds per run on 2 cores: 4x3 instances, four validation instances, tiny rollouts.
TINY = [
    "env.num_jobs=4", "env.num_machines=3", "env.validation.count=4", "agent.n_envs=2", "agent.n_steps=64",
    "agent.batch_size=64", "logger=none", "progress_bar=false",
]  # fmt: skip


def run_train(*overrides: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "train.py", *overrides]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def results(folder: Path) -> dict[str, dict]:
    return {path.parent.name: json.loads(path.read_text()) for path in folder.glob("*/result.json")}


def summary(folder: Path, *options: str) -> str:
    script = [sys.executable, "scripts/sweep_summary.py", str(folder), *options]
    done = subprocess.run(script, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_optuna_sweep_of_four_trials_on_joblib_then_resumed(tmp_path: Path) -> None:
    sweep = [
        "-m", "hparams_search=jssp_optuna", "launcher=joblib", "hydra.sweeper.n_jobs=2", f"hydra.sweep.dir={tmp_path}",
        "total_timesteps=256", "eval_every=128", *TINY,
    ]  # fmt: skip
    run_train(*sweep, "hydra.sweeper.n_trials=4")
    study = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())
    assert study["trials"] == 4 and set(results(tmp_path)) == {"0", "1", "2", "3"}
    assert study["best_value"] == min(r["best_gap_percent"] for r in results(tmp_path).values())
    assert set(study["best_params"]) >= {"agent.learning_rate", "network", "network.layers"}

    run_train(*sweep, "hydra.sweeper.n_trials=5")  # the same study, from its SQLite storage
    assert yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())["trials"] == 5
    overrides = [yaml.safe_load((tmp_path / job / ".hydra" / "overrides.yaml").read_text()) for job in "01234"]
    assert overrides[4] not in overrides[:4]  # new points, not the first ones drawn again

    table = summary(tmp_path, "--plot", str(tmp_path / "sweep.png"))
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 5 and "agent.learning_rate" in rows[0] and "best_params" in table
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


def test_a_failing_trial_is_recorded_and_the_study_goes_on(tmp_path: Path) -> None:
    run_train("-m", "hparams_search=jssp_optuna", "hydra.sweeper.n_trials=2", "agent.n_envs=choice(0)",
              f"hydra.sweep.dir={tmp_path}", *TINY)  # fmt: skip
    import optuna

    study = optuna.load_study(study_name="jssp_optuna", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert [trial.state.name for trial in study.trials] == ["FAIL", "FAIL"]
    assert "best_value" not in yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_multirun_of_two_seeds_on_a_launcher(tmp_path: Path, launcher: str) -> None:
    run_train("-m", f"launcher={launcher}", "seed=0,1", f"hydra.sweep.dir={tmp_path}", "total_timesteps=128",
              "eval_every=128", *TINY)  # fmt: skip
    runs = results(tmp_path)
    assert set(runs) == {"0", "1"} and all(r["steps"] >= 128 for r in runs.values())
    seeds = {yaml.safe_load((tmp_path / job / "config.yaml").read_text())["seed"] for job in runs}
    assert seeds == {0, 1}
    table = summary(tmp_path)
    assert "Over seeds" in table and "| 2 |" in table


def progress(run_dir: Path) -> list[int]:
    with (run_dir / "logs" / "progress.csv").open() as handle:
        return [int(row["time/total_timesteps"]) for row in csv.DictReader(handle)]


def checkpoint_steps(run_dir: Path) -> int:
    metadata = run_dir / "checkpoints" / "last" / "metadata.json"
    return json.loads(metadata.read_text())["training_steps"] if metadata.exists() else 0


def start_and_kill(run_dir: Path, sig: signal.Signals) -> subprocess.Popen[str]:
    """A real training process, killed once it has checkpointed past step 512."""
    overrides = [f"hydra.run.dir={run_dir}", "total_timesteps=100000", "eval_every=256", *TINY]
    process = subprocess.Popen([sys.executable, "train.py", *overrides], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 240
    while checkpoint_steps(run_dir) < 512:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-2000:]
        time.sleep(0.2)
    os.kill(process.pid, sig)
    process.communicate(timeout=120)
    return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_run_resumes_where_its_checkpoint_left_off(tmp_path: Path, sig: signal.Signals) -> None:
    process = start_and_kill(tmp_path, sig)
    stopped = checkpoint_steps(tmp_path)
    logged = progress(tmp_path)
    if sig == signal.SIGTERM:  # stopped at the next step and checkpointed there: nothing lost
        assert process.returncode == 128 + signal.SIGTERM
        assert json.loads((tmp_path / "result.json").read_text())["steps"] == stopped
        assert stopped >= logged[-1]
    else:  # a crash loses at most one checkpoint interval
        assert process.returncode == -signal.SIGKILL
        assert logged[-1] - stopped < 256 + 128

    run_train(f"resume={tmp_path}", f"total_timesteps={stopped + 512}")
    resumed = progress(tmp_path)
    assert resumed[: len(logged)] == logged  # earlier history kept
    new = resumed[len(logged) :]
    assert new and new[0] == stopped + 128  # the step counter goes on from the checkpoint
    assert new == sorted(new) and new[-1] >= stopped + 512
    assert checkpoint_steps(tmp_path) == new[-1]
    info = json.loads((tmp_path / "run_info.json").read_text())
    assert [r["from_step"] for r in info["resumes"]] == [stopped] and info["versions"]["torch"]


def tiny_config(seed: int) -> dict:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=[*TINY, "total_timesteps=256", "eval_every=128", f"seed={seed}"])
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def test_the_same_seed_gives_the_same_validation_numbers(tmp_path: Path) -> None:
    runs = {name: train(tiny_config(seed), tmp_path / name) for name, seed in (("a", 3), ("b", 3), ("c", 4))}
    assert runs["a"].table == runs["b"].table
    assert runs["a"].best_gap_percent == runs["b"].best_gap_percent
    assert runs["a"].last_gap_percent == runs["b"].last_gap_percent
    assert (runs["a"].best_gap_percent, runs["a"].last_gap_percent) != (
        runs["c"].best_gap_percent,
        runs["c"].last_gap_percent,
    )
    saved = yaml.safe_load((tmp_path / "a" / "config.yaml").read_text())
    assert saved == tiny_config(3)  # the resolved config, no interpolations left
    assert json.loads((tmp_path / "a" / "run_info.json").read_text())["git_commit"]


def test_experiment_and_preset_values_override_the_defaults() -> None:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        experiment = compose("train", overrides=["experiment=jssp_10x10"])
        preset = compose("train", overrides=["launcher=joblib", "hparams_search=jssp_optuna"], return_hydra_config=True)
    assert experiment.total_timesteps == 400000 and experiment.env.num_jobs == 10
    assert preset.torch_threads == 1 and preset.total_timesteps == 30000
    assert preset.hydra.launcher.n_jobs == 2 and preset.hydra.sweeper.study_name == "jssp_optuna"


@pytest.mark.parametrize(
    "experiment", sorted(str(p.relative_to(ROOT / "configs" / "experiment").with_suffix("")) for p in
                         (ROOT / "configs" / "experiment").rglob("*.yaml"))
)  # fmt: skip
def test_every_experiment_composes_into_a_valid_training_config(experiment: str) -> None:
    from schedrl import envs
    from schedrl.agents.config import check_training_config

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        composed = compose("train", overrides=[f"experiment={experiment}", "device=cpu"])
    cfg = cast(dict[str, Any], OmegaConf.to_container(composed, resolve=True))
    check_training_config(cfg)
    family = envs.family(cfg["env"]["id"])
    family.check_env_kwargs(dict(cfg["env"].get("kwargs") or {}))
    assert family.load_instances(cfg["env"]["validation"])  # the validation set it names exists


def test_an_ablation_compares_variants_on_the_objective_not_on_their_own_gaps(tmp_path: Path) -> None:
    def variant(name: str, rule_objective: float, gaps: list[float]) -> Path:
        for seed, gap in enumerate(gaps):
            run = tmp_path / name / str(seed)
            (run / ".hydra").mkdir(parents=True)
            (run / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"seed={seed}"]))
            (run / "config.yaml").write_text(yaml.safe_dump({"env": {"id": "schedrl/JobShop-v0"}}))
            result = {"best_gap_percent": gap, "last_gap_percent": gap, "best_rule": "mwkr",
                      "best_rule_objective": rule_objective, "steps": 100}  # fmt: skip
            (run / "result.json").write_text(json.dumps(result))
        return tmp_path / name

    # The second variant's gap is better only because its rules got worse under its settings.
    table = summary(variant("plain", 1000.0, [-1.0, -3.0]), str(variant("changed", 1100.0, [-4.0, -4.0])))
    rows = {row[0]: row for row in ([c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:])}
    assert float(rows["plain"][2]) == pytest.approx(980.0) and float(rows["changed"][2]) == pytest.approx(1056.0)
    assert rows["plain"][5] == "-2.00" and rows["changed"][4] == "mwkr (1100)"
